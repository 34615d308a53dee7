package proc

import "beryl/kernel/linux"

// Job control. A stop signal (SIGSTOP; SIGTSTP, SIGTTIN and SIGTTOU while
// their action is SIG_DFL) stops the process: each thread stops at its
// next return to user mode (a running one within a timer tick; one
// blocked in a system call when the call returns, so a stop never makes
// a call fail with EINTR). SIGCONT continues a stopped process, whatever
// its action; its handler, if any, then runs too. SIGKILL ends a stopped
// process. The parent sees each change once through wait4(WUNTRACED,
// WCONTINUED) and waitid(WSTOPPED, WCONTINUED), and gets SIGCHLD (CLD_STOPPED,
// CLD_CONTINUED) unless its SIGCHLD action has SA_NOCLDSTOP.

// saNocldstop is SA_NOCLDSTOP.
const saNocldstop = 1

// jobControl applies sig's job-control effect; it reports true when that
// is all sig does (a stop).
func (p *Process) jobControl(sig uint64) bool {
	switch sig {
	case linux.SIGCONT:
		p.cont()
		return false
	case linux.SIGSTOP:
	case linux.SIGTSTP, linux.SIGTTIN, linux.SIGTTOU:
		if p.sigaction(sig).Handler != linux.SigDfl {
			return false
		}
	default:
		return false
	}
	p.stopBy(sig)
	return true
}

// stopBy stops the process (once) for sig and tells its parent.
func (p *Process) stopBy(sig uint64) {
	p.mu.Lock()
	if p.exiting || p.lx.stopFlag.Load() {
		p.mu.Unlock()
		return
	}
	p.lx.resume = make(chan struct{})
	p.lx.stopFlag.Store(true)
	p.recall()
	p.mu.Unlock()
	p.notifyParent(linux.CldStopped, sig)
}

// cont continues a stopped process and tells its parent.
func (p *Process) cont() {
	p.mu.Lock()
	if !p.lx.stopFlag.Load() {
		p.mu.Unlock()
		return
	}
	p.lx.stopFlag.Store(false)
	close(p.lx.resume)
	p.mu.Unlock()
	p.notifyParent(linux.CldContinued, linux.SIGCONT)
}

// waitStopped holds the calling thread while the process is stopped,
// until SIGCONT or its end.
func (p *Process) waitStopped() {
	p.mu.Lock()
	resume := p.lx.resume
	stopped := p.lx.stopFlag.Load()
	p.mu.Unlock()
	if !stopped {
		return
	}
	select {
	case <-resume:
	case <-p.dying:
	}
}

// notifyParent records a stop or continue event (cld CLD_STOPPED or
// CLD_CONTINUED) for the parent's wait and sends it SIGCHLD.
func (p *Process) notifyParent(cld int32, sig uint64) {
	famMu.Lock()
	parent, r := p.lx.parent, p.lx.rec
	if parent == nil || r == nil {
		famMu.Unlock()
		return
	}
	r.ev, r.evSig = cld, sig
	close(parent.lx.childEv)
	parent.lx.childEv = make(chan struct{})
	a := parent.sigaction(linux.SIGCHLD)
	famMu.Unlock()
	if r.exitSig == linux.SIGCHLD && a.Flags&saNocldstop == 0 {
		parent.signal(linux.SIGCHLD)
	}
}

// eventRec returns the wait record of r's pending event: the stop's
// status (WIFSTOPPED, WSTOPSIG) or the continue's (WIFCONTINUED).
func (r *childRec) eventRec() *childRec {
	e := &childRec{p: r.p, pid: r.pid, exitSig: r.exitSig, cld: r.ev, sistat: int32(r.evSig)}
	if r.ev == linux.CldStopped {
		e.status = 0x7f | uint32(r.evSig)<<8
	} else {
		e.status = 0xffff
	}
	return e
}
