package proc

import (
	"encoding/binary"
	"math/bits"
	"sync"
	"sync/atomic"

	"beryl/arch/x86"
	"beryl/kernel/linux"
	"beryl/mm/vm"
)

// sigState is a thread's signal state: mask, pending set, alternate
// stack, and the interrupt channel that wakes its blocking calls.
type sigState struct {
	mu      sync.Mutex
	mask    uint64
	pending uint64
	altSP   uint64
	altSize uint64
	intr    chan struct{} // closed when a signal is queued or the process dies
	closed  bool
	// attention is set (under mu) while pending or closed may need deliver
	// to act, so that the common return to ring 3 with nothing to do takes
	// no lock.
	attention atomic.Bool
}

func (s *sigState) init() { s.intr = make(chan struct{}) }

// interruptCh returns the channel blocking calls select on.
func (t *Thread) interruptCh() <-chan struct{} {
	t.sig.mu.Lock()
	defer t.sig.mu.Unlock()
	return t.sig.intr
}

// abortCh returns the channel an uninterruptible wait selects on: a
// request already sent to a file server is waited for whatever signals
// arrive (Linux never fails a regular file's open, read or write, nor
// mkdir, symlink, rename or unlink, with EINTR; failing after the server
// acted would make the runtime's retry see the call's own effect, e.g.
// EEXIST), and given up only when the thread is to end.
func (t *Thread) abortCh() <-chan struct{} { return t.abort }

// abortWaits ends the thread's uninterruptible wait: it is to end.
func (t *Thread) abortWaits() { t.abortOnce.Do(func() { close(t.abort) }) }

// blockCh is the channel a blocking operation on f selects on: abortCh
// for a file server's files (uninterruptible), else interruptCh.
func (t *Thread) blockCh(f *file) <-chan struct{} {
	if _, ok := f.ops.(*nodeFile); ok {
		return t.abortCh()
	}
	return t.interruptCh()
}

// interrupt wakes the thread's blocking call (EINTR).
func (t *Thread) interrupt() {
	t.sig.mu.Lock()
	defer t.sig.mu.Unlock()
	if !t.sig.closed {
		close(t.sig.intr)
		t.sig.closed = true
		t.sig.attention.Store(true)
		t.recall()
	}
}

// queue marks sig pending for t and interrupts a blocking call if the
// signal is not masked.
func (t *Thread) queue(sig uint64) {
	t.sig.mu.Lock()
	t.sig.pending |= 1 << (sig - 1)
	t.sig.attention.Store(true)
	t.recall()
	unmasked := t.sig.mask&(1<<(sig-1)) == 0
	t.sig.mu.Unlock()
	if unmasked {
		t.interrupt()
	}
}

// deliver runs before the thread re-enters ring 3: it pushes a frame for
// the lowest pending unmasked signal whose handler is installed.
func (t *Thread) deliver() {
	if t.P.lx.stopFlag.Load() {
		t.P.waitStopped()
	}
	if !t.sig.attention.Load() {
		return
	}
	t.sig.mu.Lock()
	if t.sig.closed && !t.P.killed.Load() {
		t.sig.intr = make(chan struct{})
		t.sig.closed = false
	}
	pend := t.sig.pending &^ t.sig.mask
	if pend == 0 {
		t.sig.attention.Store(t.sig.pending != 0 || t.sig.closed)
		t.sig.mu.Unlock()
		return
	}
	sig := uint64(bits.TrailingZeros64(pend)) + 1
	t.sig.pending &^= 1 << (sig - 1)
	t.sig.attention.Store(t.sig.pending != 0 || t.sig.closed)
	t.sig.mu.Unlock()
	a := t.P.sigaction(sig)
	if a.Handler == linux.SigIgn || a.Handler == linux.SigDfl && linux.DefaultIgnored(sig) {
		return // e.g. the SIGURG Go sends itself, before its handler is in
	}
	if a.Handler == linux.SigDfl {
		t.P.killBySignal(sig) // the default action of the rest: terminate
		return
	}
	switch _, err := t.push(sig, linux.SITkill, 0, a); {
	case err == nil:
	case err == vm.ErrNoMem:
		// The stack is good but its page could not be committed: the
		// machine is at its reserve (often for another process's
		// sake). An asynchronous signal can wait: it stays pending and
		// the next entry to the kernel (a syscall, at the latest the
		// next tick) tries again, while the thread runs on. Linux's
		// OOM killer would free memory for the frame; killing this
		// process for it, as for a bad stack, ended innocent ones.
		t.sig.mu.Lock()
		t.sig.pending |= 1 << (sig - 1)
		t.sig.attention.Store(true)
		t.sig.mu.Unlock()
	default:
		t.P.fault(t, "cannot deliver a signal (bad signal stack)")
	}
}

// faultSignal returns the signal, si_code and si_addr Linux gives a CPU
// exception in user code (arch/x86/kernel/traps.c); ok is false for
// vectors that raise no signal there.
func (t *Thread) faultSignal(v, ec, cr2 uint64) (sig uint64, code int32, addr uint64) {
	switch v {
	case x86.VectorPF:
		sig, code, addr = linux.SIGSEGV, linux.SegvMaperr, cr2
		if ec&x86.PFPresent != 0 {
			code = linux.SegvAccerr
		}
	case x86.VectorDE:
		sig, code, addr = linux.SIGFPE, linux.FpeIntdiv, t.Ctx.Regs.RIP
	case x86.VectorUD:
		sig, code, addr = linux.SIGILL, linux.IllIllopn, t.Ctx.Regs.RIP
	case x86.VectorBP:
		// INT3 (its gate has DPL 3): RIP is past the instruction.
		sig, code = linux.SIGTRAP, linux.SIKernel
	case x86.VectorDB:
		sig, code = linux.SIGTRAP, linux.SIKernel
	case x86.VectorAC:
		sig, code = linux.SIGBUS, linux.SIKernel
	default:
		// #GP, #SS, and INTO or INT 4 (#OF, DPL 3 too) are SIGSEGV with
		// SI_KERNEL, as Linux's do_error_trap sends them.
		sig, code = linux.SIGSEGV, linux.SIKernel
	}
	return sig, code, addr
}

// syncFault turns a CPU exception in user code into its signal, as Linux
// does; it reports false when the process has no handler for it (or the
// signal is masked) or the handler's frame cannot be written to its stack
// (a bad stack), and the caller kills the process. A frame that finds no
// memory cannot wait as an asynchronous signal does (the instruction
// would fault again): it stalls as a page fault without memory does, and
// then the process ends for want of memory (return code 137, reported
// true: the process is already dying).
func (t *Thread) syncFault(v, ec, cr2 uint64) bool {
	switch v {
	case x86.VectorPF, x86.VectorDE, x86.VectorUD, x86.VectorBP, x86.VectorOF, x86.VectorGP, x86.VectorSS:
	default:
		return false
	}
	sig, code, addr := t.faultSignal(v, ec, cr2)
	a := t.P.sigaction(sig)
	t.sig.mu.Lock()
	masked := t.sig.mask&(1<<(sig-1)) != 0
	t.sig.mu.Unlock()
	if a.Handler == linux.SigDfl || a.Handler == linux.SigIgn || masked {
		return false
	}
	frame, err := t.push(sig, code, addr, a)
	if err == vm.ErrNoMem {
		t.stallForMemory(func() bool {
			frame, err = t.push(sig, code, addr, a)
			return err == vm.ErrNoMem
		})
	}
	if err == vm.ErrNoMem {
		t.P.outOfMemory(t, frame)
		return true
	}
	return err == nil
}

// push builds the signal frame in user memory and enters the handler. It
// returns the frame's address and CopyOut's error: vm.ErrNoMem when a page
// of the stack could not be committed (no memory), vm.ErrFault when the
// stack is not mapped writable (a bad stack). A failed push changes no
// thread state, so it can be retried.
func (t *Thread) push(sig uint64, code int32, addr uint64, a linux.Sigaction) (uint64, error) {
	r := &t.Ctx.Regs
	t.sig.mu.Lock()
	altSP, altSize, mask := t.sig.altSP, t.sig.altSize, t.sig.mask
	t.sig.mu.Unlock()
	frame, fp := linux.Place(r.RSP, a.Flags&linux.SAOnstack != 0, altSP, altSize)
	var b [linux.FrameLen]byte
	linux.EncodeFrame(&b, r, frame, a.Restorer, fp, altSP, altSize, mask, sig, code, addr)
	t.Ctx.SyncFPU()
	if err := t.P.AS.CopyOut(fp, t.Ctx.FX[:]); err != nil {
		return frame, err
	}
	if err := t.P.AS.CopyOut(frame, b[:]); err != nil {
		return frame, err
	}
	t.sig.mu.Lock()
	t.sig.mask |= a.Mask
	if a.Flags&linux.SANodefer == 0 {
		t.sig.mask |= 1 << (sig - 1)
	}
	t.sig.mask &^= linux.Unblockable
	t.sig.mu.Unlock()
	linux.Enter(r, a.Handler, frame, sig)
	signalsDelivered.Add(1)
	return frame, nil
}

// sigreturn restores the context saved by push (rt_sigreturn).
func (t *Thread) sigreturn() bool {
	r := &t.Ctx.Regs
	var uc [linux.UCLen]byte
	if t.P.AS.CopyIn(uc[:], r.RSP) != nil {
		return false
	}
	fp, mask := linux.DecodeContext(&uc, r)
	if fp != 0 {
		t.Ctx.SyncFPU() // the image is whole if the copy fails half-way
		if t.P.AS.CopyIn(t.Ctx.FX[:], fp) != nil {
			return false
		}
		t.Ctx.DropFPU()
	}
	// MXCSR reserved bits would make FXRSTOR fault in the kernel.
	t.Ctx.FX[26], t.Ctx.FX[27] = 0, 0
	r.CS, r.SS = x86.SelUserCode, x86.SelUserData
	t.sig.mu.Lock()
	t.sig.mask = mask
	t.sig.mu.Unlock()
	return true
}

func (p *Process) sigaction(sig uint64) linux.Sigaction {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sigs[sig]
}

// rtSigaction serves rt_sigaction.
func (t *Thread) rtSigaction(sig, act, oact, size uint64) int64 {
	p := t.P
	if sig == 0 || sig > linux.NSIG || size != 8 || act != 0 && (sig == linux.SIGKILL || sig == linux.SIGSTOP) {
		return -linux.EINVAL
	}
	var b [32]byte
	if act != 0 && p.AS.CopyIn(b[:], act) != nil {
		return -linux.EFAULT
	}
	p.mu.Lock()
	old := p.sigs[sig]
	if act != 0 {
		p.sigs[sig] = linux.Sigaction{Handler: le(b[0:]), Flags: le(b[8:]), Restorer: le(b[16:]), Mask: le(b[24:])}
	}
	p.mu.Unlock()
	if oact != 0 {
		var o [32]byte
		binary.LittleEndian.PutUint64(o[0:], old.Handler)
		binary.LittleEndian.PutUint64(o[8:], old.Flags)
		binary.LittleEndian.PutUint64(o[16:], old.Restorer)
		binary.LittleEndian.PutUint64(o[24:], old.Mask)
		if p.AS.CopyOut(oact, o[:]) != nil {
			return -linux.EFAULT
		}
	}
	return 0
}

func le(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// rtSigprocmask serves rt_sigprocmask.
func (t *Thread) rtSigprocmask(how, set, oset, size uint64) int64 {
	if size != 8 {
		return -linux.EINVAL
	}
	var s uint64
	if set != 0 {
		var ok bool
		if s, ok = t.u64(set); !ok {
			return -linux.EFAULT
		}
	}
	t.sig.mu.Lock()
	old := t.sig.mask
	if set != 0 {
		switch how {
		case linux.SigBlock:
			t.sig.mask |= s
		case linux.SigUnblock:
			t.sig.mask &^= s
		case linux.SigSetmask:
			t.sig.mask = s
		default:
			t.sig.mu.Unlock()
			return -linux.EINVAL
		}
		t.sig.mask &^= linux.Unblockable
	}
	t.sig.mu.Unlock()
	if oset != 0 && !t.put64(oset, old) {
		return -linux.EFAULT
	}
	return 0
}

// sigaltstack serves sigaltstack.
func (t *Thread) sigaltstack(ss, oss uint64) int64 {
	t.sig.mu.Lock()
	sp, size := t.sig.altSP, t.sig.altSize
	t.sig.mu.Unlock()
	on := linux.OnStack(t.Ctx.Regs.RSP, sp, size)
	if oss != 0 {
		var b [24]byte
		binary.LittleEndian.PutUint64(b[0:], sp)
		flags := uint32(0)
		if size == 0 {
			flags = linux.SSDisable
		} else if on {
			flags = linux.SSOnstack
		}
		binary.LittleEndian.PutUint32(b[8:], flags)
		binary.LittleEndian.PutUint64(b[16:], size)
		if t.P.AS.CopyOut(oss, b[:]) != nil {
			return -linux.EFAULT
		}
	}
	if ss != 0 {
		var b [24]byte
		if t.P.AS.CopyIn(b[:], ss) != nil {
			return -linux.EFAULT
		}
		if on {
			return -linux.EPERM
		}
		nsp, nflags, nsize := le(b[0:]), binary.LittleEndian.Uint32(b[8:]), le(b[16:])
		t.sig.mu.Lock()
		defer t.sig.mu.Unlock()
		if nflags&linux.SSDisable != 0 {
			t.sig.altSP, t.sig.altSize = 0, 0
			return 0
		}
		if nsize < linux.MinSigStk {
			return -linux.ENOMEM
		}
		t.sig.altSP, t.sig.altSize = nsp, nsize
	}
	return 0
}

// tgkill serves tgkill/tkill within the process.
func (t *Thread) tgkill(tid int, sig uint64) int64 {
	if tid <= 0 || sig > linux.NSIG {
		return -linux.EINVAL
	}
	t.P.mu.Lock()
	target := t.P.threads[tid]
	t.P.mu.Unlock()
	if target == nil {
		return -linux.ESRCH
	}
	if sig != 0 {
		target.signal(sig)
	}
	return 0
}

// errRestartSys is Linux's -ERESTARTSYS: a blocking call interrupted by a
// signal returns it, and the call is restarted after the handler if the
// handler has SA_RESTART (or the signal will not run one), else it fails
// with EINTR.
const errRestartSys = -512

// restartSyscall decides what an interrupted call nr returns: it winds
// RIP back over the 2-byte SYSCALL with RAX = nr (so the call is made
// again once the signal is handled) and returns nr, or returns -EINTR.
func (t *Thread) restartSyscall(nr uint64) int64 {
	t.sig.mu.Lock()
	pend := t.sig.pending &^ t.sig.mask
	t.sig.mu.Unlock()
	restart := true
	if pend != 0 {
		sig := uint64(bits.TrailingZeros64(pend)) + 1
		a := t.P.sigaction(sig)
		restart = a.Handler == linux.SigIgn || a.Handler == linux.SigDfl || a.Flags&linux.SARestart != 0
	}
	if !restart {
		return -linux.EINTR
	}
	t.Ctx.Regs.RIP -= 2
	return int64(nr)
}
