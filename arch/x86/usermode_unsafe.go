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
	// (IOBitmap.Ptr): enterUser loads it into the TSS when its
	// generation differs from the one there. 0, 0: no port allowed.
	IOPB    uintptr
	IOPBGen uint64
	_       [5]uint64
	FX      FXArea
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
// It must be called from a goroutine locked to its thread.
func EnterUser(ctx *UserContext) {
	enterUser(ctx)
}

func enterUser(ctx *UserContext)
func userReturn()
func userTrap()
