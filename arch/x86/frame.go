package x86

// Frame is the register state saved on every trap, interrupt and SYSCALL
// entry, in the order the entry path pushes it (lowest address first). The
// last five words are the interrupt stack frame of SDM Vol. 3A §6.14.1
// (Figure 6-9); SYSCALL entries build the same five words by hand so that
// every kernel entry returns through IRETQ.
type Frame struct {
	R15, R14, R13, R12, R11, R10, R9, R8 uint64
	RBP, RDI, RSI, RDX, RCX, RBX, RAX    uint64
	// Vector is the IDT vector, or VectorSyscall for SYSCALL.
	Vector uint64
	// ErrorCode is the exception error code (0 where the CPU pushes none).
	ErrorCode uint64
	// RIP..SS are what the CPU pushes on an interrupt or exception in
	// 64-bit mode (SDM Vol. 3A §6.14.1, Figure 6-9).
	RIP, CS, RFLAGS, RSP, SS uint64
}

// FXArea is the 512-byte FXSAVE image of the x87/SSE state (SDM Vol. 1
// §10.5.1, Table 10-2). It must be 16-byte aligned where the CPU touches it.
type FXArea [512]byte

// Initial FXSAVE values of a fresh thread (SDM Vol. 1 §8.1.5, §10.2.3).
const (
	InitialFCW   = 0x037F
	InitialMXCSR = 0x1F80
)

// InitFX sets fx to the power-on x87/SSE state.
//
//go:nosplit
func InitFX(fx *FXArea) {
	*fx = FXArea{}
	fx[0] = InitialFCW & 0xff
	fx[1] = InitialFCW >> 8
	fx[24] = InitialMXCSR & 0xff
	fx[25] = InitialMXCSR >> 8
	// MXCSR_MASK at 28: all defined MXCSR bits writable.
	fx[28] = 0xff
	fx[29] = 0xff
}

// Selectors of the kernel GDT (see gdt_unsafe.go). The user selectors are
// laid out for SYSRET (SDM Vol. 2B "SYSRET": CS = STAR[63:48]+16, SS = +8).
const (
	SelKernelCode = 0x08
	SelKernelData = 0x10
	SelUserCode32 = 0x18
	SelUserData   = 0x20 | 3
	SelUserCode   = 0x28 | 3
	SelTSS        = 0x30
)

// Exception vectors (SDM Vol. 3A §6.3.1, Table 6-1).
const (
	VectorDE  = 0  // divide error
	VectorDB  = 1  // debug
	VectorNMI = 2  // non-maskable interrupt
	VectorBP  = 3  // breakpoint
	VectorOF  = 4  // overflow
	VectorBR  = 5  // BOUND range exceeded
	VectorUD  = 6  // invalid opcode
	VectorNM  = 7  // device not available
	VectorDF  = 8  // double fault
	VectorTS  = 10 // invalid TSS
	VectorNP  = 11 // segment not present
	VectorSS  = 12 // stack-segment fault
	VectorGP  = 13 // general protection
	VectorPF  = 14 // page fault
	VectorMF  = 16 // x87 floating-point error
	VectorAC  = 17 // alignment check
	VectorMC  = 18 // machine check
	VectorXM  = 19 // SIMD floating-point exception
	VectorVE  = 20 // virtualization exception
	VectorCP  = 21 // control protection

	// VectorSyscall marks a frame built by the SYSCALL entry; it is outside
	// the IDT's 0-255 range so it can never be confused with an interrupt.
	VectorSyscall = 256
)

var exceptionNames = [32]string{
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
}

// ExceptionName returns the SDM mnemonic of an exception vector, or "IRQ".
//
//go:nosplit
func ExceptionName(v uint64) string {
	if v < 32 {
		return exceptionNames[v]
	}
	if v == VectorSyscall {
		return "SYSCALL"
	}
	return "IRQ"
}

// Page-fault error code bits (SDM Vol. 3A §4.7, Figure 4-12).
const (
	PFPresent  = 1 << 0
	PFWrite    = 1 << 1
	PFUser     = 1 << 2
	PFReserved = 1 << 3
	PFFetch    = 1 << 4
)
