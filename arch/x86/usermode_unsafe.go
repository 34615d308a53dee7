package x86

import "unsafe"

// UserContext is a ring-3 thread's saved state. Regs has the Frame layout
// (Vector and ErrorCode describe the last trap); the FXSAVE image sits at
// offset 256, so a UserContext must be 16-byte aligned: allocate it with
// NewUserContext.
type UserContext struct {
	Regs   Frame
	FSBase uint64 // IA32_FS_BASE of the thread (arch_prctl)
	CR2    uint64 // faulting address of the last #PF
	CR3    uint64 // PML4 of the thread's address space
	// IOPB and IOPBGen name the process's I/O permission bitmap
	// (IOBitmap.Ptr): EnterUser loads it into the TSS when its
	// generation differs from the one there. 0, 0: no port allowed.
	IOPB    uintptr
	IOPBGen uint64
	// GSBase is the thread's user GS base: EnterUser puts it in
	// IA32_KERNEL_GS_BASE, which the SWAPGS before the return to ring 3
	// makes the GS base (SDM Vol. 2B "SWAPGS"). Without CR4.FSGSBASE
	// ring 3 cannot change it, so it needs no saving on entry.
	GSBase uint64
	_      [3]uint64
	// UserNs is the thread's time in ring 3 (ns), sampled: each timer
	// interrupt taken in ring 3 adds the timer's period (SetUserTick).
	UserNs uint64
	// FX is the FXSAVE image. With lazy x87 switching its x87 part may
	// be stale while the CPU holds the state: SyncFPU before reading it,
	// DropFPU after writing it.
	FX FXArea
	// Debug is the thread's debug-register state (debugreg.go).
	Debug DebugRegs
}

// VectorUserReturn is the Vector of a UserContext whose thread stopped for
// an exception or a SYSCALL (see Regs.Vector for which); the kernel-side
// frame of such a return carries this value.
const VectorUserReturn = 257

// NewUserContext returns a zeroed, 16-byte aligned context with the
// power-on FPU state and user selectors.
func NewUserContext() *UserContext {
	// Heap objects of 16 bytes and more are 16-byte aligned.
	c := new(UserContext)
	if uintptr(unsafe.Pointer(&c.FX))&15 != 0 {
		panic("x86: misaligned UserContext")
	}
	InitFX(&c.FX)
	c.Regs.CS = SelUserCode
	c.Regs.SS = SelUserData
	c.Regs.RFLAGS = FlagIF | 2
	return c
}

// EnterUser runs ctx in ring 3 until the thread traps and returns with
// ctx updated: Regs.Vector is VectorSyscall for a SYSCALL (number in
// RAX), an exception vector (< 32, with Regs.ErrorCode and CR2), or an
// interrupt vector (the kernel already serviced it; just re-enter).
// With lazy x87 switching (fpu_unsafe.go), another context's x87 state
// still in the registers is first saved into that context's image. It is
// assembly from the first instruction: on the system-call path every
// call and return costs (in QEMU's TCG an indirect branch is a lookup).
func EnterUser(ctx *UserContext)
func userReturn()
func userTrap()

// SetKernelFSBase loads IA32_FS_BASE with the TLS base of the kernel
// thread about to run and records it in the per-CPU area, where the
// entry path takes it to restore the kernel's FS after a user thread
// traps (so EnterUser need not read the MSR back). Every change of the
// kernel's FS base goes through here. Trap path: nosplit, no allocation.
//
//go:nosplit
func SetKernelFSBase(v uint64) {
	Wrmsr(MSRFSBase, v)
	thisCPU().kernFS = uintptr(v)
}

// userTickVector and userTickNs are the scheduler timer's vector and
// period: userTrap adds userTickNs to the UserNs of the context a timer
// interrupt finds in ring 3 (no clock is read on the system-call path).
var (
	userTickVector uint32
	userTickNs     uint64
)

// SetUserTick tells the entry path the scheduler timer's vector and
// period in nanoseconds, for the sampled user time of each context.
//
//go:nosplit
func SetUserTick(vector uint32, periodNs uint64) {
	userTickVector, userTickNs = vector, periodNs
}
