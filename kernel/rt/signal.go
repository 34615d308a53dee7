package rt

import (
	"beryl/kernel/linux"
	"math/bits"
	"sync/atomic"

	"beryl/arch/x86"
	"beryl/mm/kmem"
)

var sigActions [linux.NSIG + 1]linux.Sigaction

// delivered counts signal frames pushed, per signal number.
var delivered [linux.NSIG + 1]uint64

// SignalsDelivered returns how many times signal sig was delivered to a
// kernel thread (e.g. 23, SIGURG, for the runtime's async preemption).
func SignalsDelivered(sig int) uint64 {
	if sig <= 0 || sig > linux.NSIG {
		return 0
	}
	return atomic.LoadUint64(&delivered[sig])
}

// Layout of struct rt_sigframe on x86-64 (arch/x86/include/asm/sigframe.h):
// pretcode (8), struct ucontext (uc_flags 8, uc_link 8, uc_stack 24,
// uc_mcontext = struct sigcontext 256, uc_sigmask 8), struct siginfo (128).
//
//go:nosplit
func rtSigaction(sig, act, oact, size uint64) int64 {
	if sig == 0 || sig > linux.NSIG || size != 8 {
		return -linux.EINVAL
	}
	if act != 0 && (sig == linux.SIGKILL || sig == linux.SIGSTOP) {
		return -linux.EINVAL
	}
	if oact != 0 {
		*(*linux.Sigaction)(ptr(oact)) = sigActions[sig]
	}
	if act != 0 {
		sigActions[sig] = *(*linux.Sigaction)(ptr(act))
	}
	return 0
}

//go:nosplit
func rtSigprocmask(how, set, oset, size uint64) int64 {
	if size != 8 {
		return -linux.EINVAL
	}
	t := &threads[curIdx()]
	old := t.sigMask
	if set != 0 {
		s := *(*uint64)(ptr(set))
		switch how {
		case linux.SigBlock:
			t.sigMask |= s
		case linux.SigUnblock:
			t.sigMask &^= s
		case linux.SigSetmask:
			t.sigMask = s
		default:
			return -linux.EINVAL
		}
		t.sigMask &^= linux.Unblockable
	}
	if oset != 0 {
		*(*uint64)(ptr(oset)) = old
	}
	return 0
}

//go:nosplit
func sigaltstack(f *x86.Frame, ss, oss uint64) int64 {
	t := &threads[curIdx()]
	on := linux.OnStack(f.RSP, t.altSP, t.altSize)
	if oss != 0 {
		o := (*linux.StackT)(ptr(oss))
		o.SP, o.Size, o.Flags = t.altSP, t.altSize, 0
		if t.altSize == 0 {
			o.Flags = linux.SSDisable
		} else if on {
			o.Flags = linux.SSOnstack
		}
	}
	if ss != 0 {
		n := (*linux.StackT)(ptr(ss))
		if on {
			return -linux.EPERM
		}
		if n.Flags&linux.SSDisable != 0 {
			t.altSP, t.altSize = 0, 0
			return 0
		}
		if n.Size < linux.MinSigStk {
			return -linux.ENOMEM
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
	if sig == 0 || sig > linux.NSIG {
		return -linux.EINVAL
	}
	t := threadByTid(tid)
	if t == nil {
		return -linux.ESRCH
	}
	t.sigPending |= 1 << (sig - 1)
	if t.state == tsBlocked && t.sigMask&(1<<(sig-1)) == 0 {
		wake(t, -linux.EINTR)
	}
	if t.state == tsRunning && t.lastCPU != x86.ThisCPUID() {
		// Running on another CPU: make it trap now, so the signal (the
		// runtime's preemption request) does not wait for its tick.
		if c := x86.CPUByID(t.lastCPU); c != nil {
			x86.Local.SendIPI(c.APICID, VectorResched)
		}
	}
	return 0
}

// deliverPending runs the handler of the lowest pending unblocked signal
// of the current thread by building a signal frame on its stack.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func deliverPending(f *x86.Frame, fx *x86.FXArea) {
	if isIdle(curIdx()) {
		return
	}
	t := &threads[curIdx()]
	pend := t.sigPending &^ t.sigMask
	if pend == 0 {
		return
	}
	sig := uint64(bits.TrailingZeros64(pend)) + 1
	t.sigPending &^= 1 << (sig - 1)
	a := &sigActions[sig]
	if a.Handler == linux.SigDfl || a.Handler == linux.SigIgn {
		return // default actions of the signals the runtime sends are "ignore"
	}
	pushSignalFrame(t, f, fx, sig, linux.SITkill, 0)
}

// pushSignalFrame diverts the thread in f to the handler of sig: the
// FXSAVE image and an rt_sigframe go on its stack (or sigaltstack), as
// Linux lays them out.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func pushSignalFrame(t *thread, f *x86.Frame, fx *x86.FXArea, sig uint64, code int32, addr uint64) {
	a := &sigActions[sig]
	frame, fp := linux.Place(f.RSP, a.Flags&linux.SAOnstack != 0, t.altSP, t.altSize)
	// Commit the frame's pages first: this may run in an exception
	// handler (a fault's signal; a signal made pending by another CPU
	// and delivered as a page fault returns), where a page fault would
	// reuse the exception stack and overwrite the frame f points into.
	if !kmem.Prepare(frame, fp+linux.FPStateLen-frame) {
		Fatal(f, "signal stack not writable")
	}
	atomic.AddUint64(&delivered[sig], 1)
	*(*x86.FXArea)(ptr(fp)) = *fx
	linux.EncodeFrame((*[linux.FrameLen]byte)(ptr(frame)), f, frame, a.Restorer, fp, t.altSP, t.altSize, t.sigMask, sig, code, addr)
	t.sigMask |= a.Mask
	if a.Flags&linux.SANodefer == 0 {
		t.sigMask |= 1 << (sig - 1)
	}
	t.sigMask &^= linux.Unblockable
	if a.Flags&linux.SAResethand != 0 {
		a.Handler = linux.SigDfl
	}
	linux.Enter(f, a.Handler, frame, sig)
	f.CS, f.SS = x86.SelKernelCode, x86.SelKernelData
}

// rtSigreturn restores the context saved by pushSignalFrame; the ucontext
// sits at the stack pointer (the handler's return popped pretcode).
// Trap path: nosplit, no allocation.
//
//go:nosplit
func rtSigreturn(f *x86.Frame, fx *x86.FXArea) int64 {
	fp, mask := linux.DecodeContext((*[linux.UCLen]byte)(ptr(f.RSP)), f)
	f.RFLAGS |= x86.FlagIF // kernel threads always run with interrupts on
	f.CS, f.SS = x86.SelKernelCode, x86.SelKernelData
	if fp != 0 {
		*fx = *(*x86.FXArea)(ptr(fp))
	}
	threads[curIdx()].sigMask = mask
	return handled
}
