package x86

import "unsafe"

// User x87/SSE state. The kernel's Go code uses XMM0-15 and MXCSR but
// never the x87 unit (Go on amd64 emits no x87 or MMX instruction; the
// kernel image is checked for them by tools/trapcheck). So on one CPU a
// user thread's x87 state can stay in the registers across its kernel
// entries: userTrap saves only XMM0-15 and MXCSR (16 MOVUPS and a
// STMXCSR), and EnterUser restores only those when the CPU still holds
// the context's x87 state, instead of an FXSAVE and an FXRSTOR of the
// whole 512-byte image per system call.
//
// The per-CPU fpCtx names the context whose x87 state the registers
// hold. Invariant: when fpCtx is non-zero, the CPU's x87 registers are
// that context's (its image's x87 part is stale), and in ring 3 fpCtx is
// the running context. Whatever changes the x87 registers first moves
// that state into the context's image and clears fpCtx: entering another
// context (EnterUser), and a kernel thread switch (SaveFPUForSwitch,
// called by the scheduler with the outgoing thread's FXSAVE image).
//
// Lazy switching assumes one CPU: with several, a thread could resume on
// a CPU other than the one holding its x87 state. SetLazyFPU(false)
// (every entry saves and restores the whole image) is the mode for more
// than one CPU.

// lazyFPU is 1 while user x87 state is switched lazily; read by
// trap_amd64.s.
var lazyFPU uint32

// SetLazyFPU selects lazy (one CPU) or eager switching of user x87 state.
// It must be called before the first user context runs, never after.
func SetLazyFPU(on bool) {
	lazyFPU = 0
	if on {
		lazyFPU = 1
	}
}

// LazyFPU reports whether user x87 state is switched lazily.
func LazyFPU() bool { return lazyFPU != 0 }

// thisCPU returns the per-CPU area of the running CPU (GS:0).
func thisCPU() *CPU

// fxsave stores the x87/SSE state in the 16-byte aligned area at p
// (SDM Vol. 2A "FXSAVE").
func fxsave(p uintptr)

// copyX87 copies the x87 part of an FXSAVE image (FCW through FDP, the
// MXCSR_MASK and ST0-7: every byte below XMM0 except MXCSR).
//
//go:nosplit
func copyX87(dst, src *FXArea) {
	copy(dst[0:24], src[0:24])
	copy(dst[28:160], src[28:160])
}

// fxOf returns the image of the context at address ctx: a context kept
// alive by its thread until DropFPU clears fpCtx.
//
//go:nosplit
func fxOf(ctx uintptr) *FXArea {
	return (*FXArea)(ptr(ctx + unsafe.Offsetof(UserContext{}.FX)))
}

// saveLiveX87 moves the x87 state the registers hold into its context's
// image and clears fpCtx. Interrupts must be disabled.
//
//go:nosplit
func (c *CPU) saveLiveX87() {
	fxsave(c.fxScratch)
	copyX87(fxOf(c.fpCtx), (*FXArea)(ptr(c.fxScratch)))
	c.fpCtx = 0
}

// SaveFPUForSwitch is called by the scheduler when it switches kernel
// threads, with fx the outgoing thread's FXSAVE image: the x87 state in
// it belongs to the context fpCtx names (if any), which then no longer
// owns the registers. Trap path: nosplit, no allocation.
//
//go:nosplit
func SaveFPUForSwitch(fx *FXArea) {
	c := thisCPU()
	if c.fpCtx != 0 {
		copyX87(fxOf(c.fpCtx), fx)
		c.fpCtx = 0
	}
}

// SyncFPU makes ctx.FX complete (its x87 part too) for code that reads
// it: a signal frame, a cloned thread. Any goroutine may call it.
//
//go:nosplit
func (ctx *UserContext) SyncFPU() {
	f := Flags()
	DisableInterrupts()
	if c := thisCPU(); c.fpCtx == uintptr(unsafe.Pointer(ctx)) {
		c.saveLiveX87()
	}
	if f&FlagIF != 0 {
		EnableInterrupts()
	}
}

// DropFPU makes ctx.FX authoritative again: call it after writing ctx.FX
// (rt_sigreturn, a restored state), so the next entry loads the image,
// and when the thread is gone, before ctx is dropped (the CPU must not
// keep the address of a context the collector may free).
//
//go:nosplit
func (ctx *UserContext) DropFPU() {
	f := Flags()
	DisableInterrupts()
	if c := thisCPU(); c.fpCtx == uintptr(unsafe.Pointer(ctx)) {
		c.fpCtx = 0
	}
	if f&FlagIF != 0 {
		EnableInterrupts()
	}
}

// saveOtherX87 is saveLiveX87 for EnterUser (called from its assembly,
// interrupts disabled, when fpCtx names another context). Trap path:
// nosplit, no allocation.
//
//go:nosplit
func saveOtherX87() { thisCPU().saveLiveX87() }
