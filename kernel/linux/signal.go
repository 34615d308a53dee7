package linux

import "beryl/arch/x86"

// Signal numbers and flags (include/uapi/asm-generic/signal.h,
// siginfo.h).
const (
	SIGILL  = 4
	SIGTRAP = 5
	SIGBUS  = 7
	SIGFPE  = 8
	SIGKILL = 9
	SIGSEGV = 11
	SIGSTOP = 19
	SIGURG  = 23
	NSIG    = 64

	SARestart   = 0x10000000
	SANodefer   = 0x40000000
	SAResethand = 0x80000000
	SAOnstack   = 0x08000000

	SSOnstack = 1
	SSDisable = 2
	MinSigStk = 2048

	SigBlock   = 0
	SigUnblock = 1
	SigSetmask = 2

	SITkill    = -6
	SIKernel   = 0x80
	SegvMaperr = 1
	SegvAccerr = 2
	FpeIntdiv  = 1
	IllIllopn  = 2

	SigDfl = 0
	SigIgn = 1

	// Unblockable are the signals no mask can hold back.
	Unblockable = 1<<(SIGKILL-1) | 1<<(SIGSTOP-1)
)

// Sigaction is struct kernel_sigaction on x86-64.
type Sigaction struct {
	Handler, Flags, Restorer, Mask uint64
}

// StackT is stack_t.
type StackT struct {
	SP    uint64
	Flags int32
	_     int32
	Size  uint64
}

// Layout of struct rt_sigframe on x86-64 (arch/x86/include/asm/sigframe.h):
// pretcode (8), struct ucontext (uc_flags 8, uc_link 8, uc_stack 24,
// uc_mcontext = struct sigcontext 256, uc_sigmask 8), struct siginfo (128).
// The FXSAVE image (fpstate) sits above the frame, 64-byte aligned.
const (
	UCOffset   = 8
	ucStackOff = 16
	ucMctxOff  = 40
	ucMaskOff  = 40 + 256
	UCLen      = 304
	InfoOffset = UCOffset + UCLen
	FrameLen   = InfoOffset + 128
	FPStateLen = 512
	redZone    = 128
	fixEflags  = 0x50DD5 // AC|OF|DF|TF|SF|ZF|AF|PF|CF|RF: what a handler may change
)

// Offsets of struct sigcontext fields.
const (
	scR8 = 8 * iota
	scR9
	scR10
	scR11
	scR12
	scR13
	scR14
	scR15
	scRDI
	scRSI
	scRBP
	scRBX
	scRDX
	scRAX
	scRCX
	scRSP
	scRIP
	scEFLAGS
	scCSGSFS // cs, gs, fs, ss as four u16
	scErr
	scTrapno
	scOldmask
	scCR2
	scFpstate
)

// OnStack reports whether sp lies on the alternate signal stack.
//
//go:nosplit
func OnStack(sp, altSP, altSize uint64) bool {
	return altSize != 0 && sp > altSP && sp-altSP <= altSize
}

// Place returns where the signal frame and the fpstate go for a thread
// at stack pointer rsp, switching to the alternate stack when asked to and
// not already on it.
//
//go:nosplit
func Place(rsp uint64, useAlt bool, altSP, altSize uint64) (frame, fpstate uint64) {
	sp := rsp
	if useAlt && altSize != 0 && !OnStack(rsp, altSP, altSize) {
		sp = altSP + altSize
	} else {
		sp -= redZone
	}
	fpstate = (sp - FPStateLen) &^ 63
	frame = ((fpstate - FrameLen) &^ 15) - 8 // as after a CALL
	return frame, fpstate
}

// EncodeFrame fills b, the rt_sigframe to be stored at address frame, for
// the interrupted state f: return address restorer, the saved registers,
// the fpstate pointer, the alternate-stack description, the signal mask
// to restore and the siginfo (signo, code, address).
//
//go:nosplit
func EncodeFrame(b *[FrameLen]byte, f *x86.Frame, frame, restorer, fpstate, altSP, altSize, mask, sig uint64, code int32, addr uint64) {
	*b = [FrameLen]byte{}
	put64(b[:], 0, restorer)
	uc := b[UCOffset:]
	put64(uc, ucStackOff, altSP)
	if OnStack(frame, altSP, altSize) {
		put64(uc, ucStackOff+8, SSOnstack)
	}
	put64(uc, ucStackOff+16, altSize)
	m := uc[ucMctxOff:]
	put64(m, scR8, f.R8)
	put64(m, scR9, f.R9)
	put64(m, scR10, f.R10)
	put64(m, scR11, f.R11)
	put64(m, scR12, f.R12)
	put64(m, scR13, f.R13)
	put64(m, scR14, f.R14)
	put64(m, scR15, f.R15)
	put64(m, scRDI, f.RDI)
	put64(m, scRSI, f.RSI)
	put64(m, scRBP, f.RBP)
	put64(m, scRBX, f.RBX)
	put64(m, scRDX, f.RDX)
	put64(m, scRAX, f.RAX)
	put64(m, scRCX, f.RCX)
	put64(m, scRSP, f.RSP)
	put64(m, scRIP, f.RIP)
	put64(m, scEFLAGS, f.RFLAGS)
	put64(m, scCSGSFS, f.CS|f.SS<<48)
	put64(m, scErr, f.ErrorCode)
	put64(m, scTrapno, f.Vector)
	put64(m, scCR2, addr)
	put64(m, scFpstate, fpstate)
	put64(uc, ucMaskOff, mask)
	info := b[InfoOffset:]
	put64(info, 0, sig)
	put64(info, 8, uint64(uint32(code)))
	put64(info, 16, addr)
}

// Enter points f at handler(sig, &info, &uc) with the frame at sp.
//
//go:nosplit
func Enter(f *x86.Frame, handler, sp, sig uint64) {
	f.RIP = handler
	f.RSP = sp
	f.RDI = sig
	f.RSI = sp + InfoOffset
	f.RDX = sp + UCOffset
	f.RAX = 0
	f.RFLAGS &^= x86.FlagTF | x86.FlagDF
}

// DecodeContext restores the registers saved in the ucontext uc into f
// (RFLAGS: only the bits a handler may change) and returns the fpstate
// address and the signal mask to restore. CS and SS are the caller's.
//
//go:nosplit
func DecodeContext(uc *[UCLen]byte, f *x86.Frame) (fpstate, mask uint64) {
	m := uc[ucMctxOff:]
	flags := f.RFLAGS
	f.R8, f.R9, f.R10, f.R11 = get64(m, scR8), get64(m, scR9), get64(m, scR10), get64(m, scR11)
	f.R12, f.R13, f.R14, f.R15 = get64(m, scR12), get64(m, scR13), get64(m, scR14), get64(m, scR15)
	f.RDI, f.RSI, f.RBP, f.RBX = get64(m, scRDI), get64(m, scRSI), get64(m, scRBP), get64(m, scRBX)
	f.RDX, f.RAX, f.RCX = get64(m, scRDX), get64(m, scRAX), get64(m, scRCX)
	f.RSP, f.RIP = get64(m, scRSP), get64(m, scRIP)
	f.RFLAGS = flags&^fixEflags | get64(m, scEFLAGS)&fixEflags
	return get64(m, scFpstate), get64(uc[:], ucMaskOff) &^ Unblockable
}

//go:nosplit
func put64(b []byte, off int, v uint64) {
	_ = b[off+7]
	for i := 0; i < 8; i++ {
		b[off+i] = byte(v >> (8 * i))
	}
}

//go:nosplit
func get64(b []byte, off int) uint64 {
	_ = b[off+7]
	var v uint64
	for i := 0; i < 8; i++ {
		v |= uint64(b[off+i]) << (8 * i)
	}
	return v
}
