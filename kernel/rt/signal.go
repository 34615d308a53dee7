package rt

import (
	"math/bits"
	"sync/atomic"

	"beryl/arch/x86"
)

// Signal numbers and flags (include/uapi/asm-generic/signal.h,
// siginfo.h).
const (
	sigILL  = 4
	sigTRAP = 5
	sigBUS  = 7
	sigFPE  = 8
	sigKILL = 9
	sigSEGV = 11
	sigSTOP = 19
	sigURG  = 23
	nsig    = 64

	saNodefer   = 0x40000000
	saResethand = 0x80000000
	saOnstack   = 0x08000000

	ssOnstack = 1
	ssDisable = 2
	minSigStk = 2048

	sigBlock   = 0
	sigUnblock = 1
	sigSetmask = 2

	siTkill    = -6
	siKernel   = 0x80
	segvMaperr = 1
	segvAccerr = 2
	fpeIntdiv  = 1
	illIllopn  = 2
	trapBrkpt  = 1

	sigDfl = 0
	sigIgn = 1
)

// sigaction is struct kernel_sigaction on x86-64.
type sigaction struct {
	Handler, Flags, Restorer, Mask uint64
}

var sigActions [nsig + 1]sigaction

// delivered counts signal frames pushed, per signal number.
var delivered [nsig + 1]uint64

// SignalsDelivered returns how many times signal sig was delivered to a
// kernel thread (e.g. 23, SIGURG, for the runtime's async preemption).
func SignalsDelivered(sig int) uint64 {
	if sig <= 0 || sig > nsig {
		return 0
	}
	return atomic.LoadUint64(&delivered[sig])
}

// Layout of struct rt_sigframe on x86-64 (arch/x86/include/asm/sigframe.h):
// pretcode (8), struct ucontext (uc_flags 8, uc_link 8, uc_stack 24,
// uc_mcontext = struct sigcontext 256, uc_sigmask 8), struct siginfo (128).
const (
	ucOff       = 8
	ucStackOff  = 16
	ucMctxOff   = 40
	ucMaskOff   = 40 + 256
	ucSize      = 304
	infoOff     = ucOff + ucSize
	sigframeLen = infoOff + 128
	fpstateLen  = 512
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

// RFLAGS bits a signal handler may change (Linux FIX_EFLAGS).
const fixEflags = 0x50DD5 // AC|OF|DF|TF|SF|ZF|AF|PF|CF|RF

//go:nosplit
func rtSigaction(sig, act, oact, size uint64) int64 {
	if sig == 0 || sig > nsig || size != 8 {
		return -eINVAL
	}
	if act != 0 && (sig == sigKILL || sig == sigSTOP) {
		return -eINVAL
	}
	if oact != 0 {
		*(*sigaction)(ptr(oact)) = sigActions[sig]
	}
	if act != 0 {
		sigActions[sig] = *(*sigaction)(ptr(act))
	}
	return 0
}

const unblockable = 1<<(sigKILL-1) | 1<<(sigSTOP-1)

//go:nosplit
func rtSigprocmask(how, set, oset, size uint64) int64 {
	if size != 8 {
		return -eINVAL
	}
	t := &threads[cur]
	old := t.sigMask
	if set != 0 {
		s := *(*uint64)(ptr(set))
		switch how {
		case sigBlock:
			t.sigMask |= s
		case sigUnblock:
			t.sigMask &^= s
		case sigSetmask:
			t.sigMask = s
		default:
			return -eINVAL
		}
		t.sigMask &^= unblockable
	}
	if oset != 0 {
		*(*uint64)(ptr(oset)) = old
	}
	return 0
}

// stackT is stack_t.
type stackT struct {
	SP    uint64
	Flags int32
	_     int32
	Size  uint64
}

//go:nosplit
func onAltStack(t *thread, sp uint64) bool {
	return t.altSize != 0 && sp > t.altSP && sp-t.altSP <= t.altSize
}

//go:nosplit
func sigaltstack(f *x86.Frame, ss, oss uint64) int64 {
	t := &threads[cur]
	on := onAltStack(t, f.RSP)
	if oss != 0 {
		o := (*stackT)(ptr(oss))
		o.SP, o.Size, o.Flags = t.altSP, t.altSize, 0
		if t.altSize == 0 {
			o.Flags = ssDisable
		} else if on {
			o.Flags = ssOnstack
		}
	}
	if ss != 0 {
		n := (*stackT)(ptr(ss))
		if on {
			return -ePERM
		}
		if n.Flags&ssDisable != 0 {
			t.altSP, t.altSize = 0, 0
			return 0
		}
		if n.Size < minSigStk {
			return -eNOMEM
		}
		t.altSP, t.altSize = n.SP, n.Size
	}
	return 0
}

// kill queues sig for thread tid; a thread blocked in a call is woken
// with EINTR so the handler runs promptly.
//
//go:nosplit
func kill(f *x86.Frame, fx *x86.FXArea, tid int32, sig uint64) int64 {
	if sig == 0 || sig > nsig {
		return -eINVAL
	}
	t := threadByTid(tid)
	if t == nil {
		return -3 // ESRCH
	}
	t.sigPending |= 1 << (sig - 1)
	if t.state == tsBlocked && t.sigMask&(1<<(sig-1)) == 0 {
		wake(t, -eINTR)
	}
	return 0
}

// deliverPending runs the handler of the lowest pending unblocked signal
// of the current thread by building a signal frame on its stack.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func deliverPending(f *x86.Frame, fx *x86.FXArea) {
	if cur == 0 {
		return
	}
	t := &threads[cur]
	pend := t.sigPending &^ t.sigMask
	if pend == 0 {
		return
	}
	sig := uint64(bits.TrailingZeros64(pend)) + 1
	t.sigPending &^= 1 << (sig - 1)
	a := &sigActions[sig]
	if a.Handler == sigDfl || a.Handler == sigIgn {
		return // default actions of the signals the runtime sends are "ignore"
	}
	pushSignalFrame(t, f, fx, sig, siTkill, 0)
}

// pushSignalFrame diverts the thread in f to the handler of sig.
//
//go:nosplit
func pushSignalFrame(t *thread, f *x86.Frame, fx *x86.FXArea, sig uint64, code int32, addr uint64) {
	a := &sigActions[sig]
	atomic.AddUint64(&delivered[sig], 1)
	sp := f.RSP
	on := onAltStack(t, sp)
	if a.Flags&saOnstack != 0 && t.altSize != 0 && !on {
		sp = t.altSP + t.altSize
	} else {
		sp -= 128 // red zone
	}
	sp = (sp - fpstateLen) &^ 63
	fp := sp
	*(*x86.FXArea)(ptr(fp)) = *fx
	sp = ((sp - sigframeLen) &^ 15) - 8
	frame := (*[sigframeLen]byte)(ptr(sp))
	*frame = [sigframeLen]byte{}
	put64(frame[:], 0, a.Restorer)
	uc := frame[ucOff:]
	put64(uc, ucStackOff, t.altSP)
	if onAltStack(t, sp) {
		put64(uc, ucStackOff+8, ssOnstack)
	}
	put64(uc, ucStackOff+16, t.altSize)
	m := uc[ucMctxOff:]
	saveContext(m, f)
	put64(m, scErr, f.ErrorCode)
	put64(m, scTrapno, f.Vector)
	put64(m, scCR2, addr)
	put64(m, scFpstate, fp)
	put64(uc, ucMaskOff, t.sigMask)
	info := frame[infoOff:]
	put64(info, 0, sig|0<<32)
	put64(info, 8, uint64(uint32(code)))
	put64(info, 16, addr)

	t.sigMask |= a.Mask
	if a.Flags&saNodefer == 0 {
		t.sigMask |= 1 << (sig - 1)
	}
	t.sigMask &^= unblockable
	if a.Flags&saResethand != 0 {
		a.Handler = sigDfl
	}
	f.RIP = a.Handler
	f.RSP = sp
	f.RDI = sig
	f.RSI = sp + infoOff
	f.RDX = sp + ucOff
	f.RAX = 0
	f.RFLAGS &^= x86.FlagTF | x86.FlagDF
	f.CS, f.SS = x86.SelKernelCode, x86.SelKernelData
}

//go:nosplit
func saveContext(m []byte, f *x86.Frame) {
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
}

// rtSigreturn restores the context saved by pushSignalFrame; the ucontext
// sits at the stack pointer (the handler's return popped pretcode).
//
//go:nosplit
func rtSigreturn(f *x86.Frame, fx *x86.FXArea) int64 {
	t := &threads[cur]
	uc := (*[ucSize]byte)(ptr(f.RSP))
	m := uc[ucMctxOff:]
	flags := f.RFLAGS
	f.R8, f.R9, f.R10, f.R11 = get64(m, scR8), get64(m, scR9), get64(m, scR10), get64(m, scR11)
	f.R12, f.R13, f.R14, f.R15 = get64(m, scR12), get64(m, scR13), get64(m, scR14), get64(m, scR15)
	f.RDI, f.RSI, f.RBP, f.RBX = get64(m, scRDI), get64(m, scRSI), get64(m, scRBP), get64(m, scRBX)
	f.RDX, f.RAX, f.RCX = get64(m, scRDX), get64(m, scRAX), get64(m, scRCX)
	f.RSP, f.RIP = get64(m, scRSP), get64(m, scRIP)
	f.RFLAGS = flags&^fixEflags | get64(m, scEFLAGS)&fixEflags | x86.FlagIF
	f.CS, f.SS = x86.SelKernelCode, x86.SelKernelData
	if fp := get64(m, scFpstate); fp != 0 {
		*fx = *(*x86.FXArea)(ptr(fp))
	}
	t.sigMask = get64(uc[:], ucMaskOff) &^ unblockable
	return handled
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
