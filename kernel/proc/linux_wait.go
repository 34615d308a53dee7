package proc

import (
	"encoding/binary"

	"beryl/kernel/linux"
)

// The wait calls: wait4 and waitid on the caller's clone children: their
// exits, and their stops and continues when asked (linux_stop.go); a
// signal for the waiting thread interrupts a wait, which is restarted
// after a handler with SA_RESTART (Go's) and fails with EINTR otherwise.

// waitMatch selects the children a wait looks at.
type waitMatch struct {
	pid    int      // > 0: this PID only
	pgid   int      // > 0: this process group only
	proc   *Process // non-nil: this process only (P_PIDFD)
	clone  bool     // __WCLONE: only children whose exit signal is not SIGCHLD
	all    bool     // __WALL: every child
	exited bool     // WEXITED (waitid): exit events wanted
	// stopped, continued: WUNTRACED/WSTOPPED and WCONTINUED events wanted.
	stopped, continued bool
}

func (m *waitMatch) matches(r *childRec) bool {
	switch {
	case m.pid > 0 && r.pid != m.pid, m.proc != nil && r.p != m.proc:
		return false
	case m.pgid > 0:
		r.p.mu.Lock()
		g := r.p.lx.pgid
		r.p.mu.Unlock()
		if g != m.pgid {
			return false
		}
	}
	if m.all {
		return true
	}
	return m.clone == (r.exitSig != linux.SIGCHLD)
}

// waitChild waits for a matching child to exit and returns its record,
// removed from the children unless keep (WNOWAIT). It returns nil with
// no error under WNOHANG when none has exited yet; ECHILD when no child
// matches, ERESTARTSYS when a signal interrupts (restarted after an
// SA_RESTART handler, else EINTR), EINTR when the process ends.
func (t *Thread) waitChild(m *waitMatch, nohang, keep bool) (*childRec, int64) {
	p := t.P
	intr := t.interruptCh()
	for {
		famMu.Lock()
		var found *childRec
		any := false
		for _, r := range p.lx.children {
			if !m.matches(r) {
				continue
			}
			any = true
			if r.done && m.exited {
				found = r
				break
			}
			if !r.done && (m.stopped && r.ev == linux.CldStopped || m.continued && r.ev == linux.CldContinued) {
				found = r.eventRec()
				if !keep {
					r.ev = 0
				}
				break
			}
		}
		if found != nil && found.done && !keep {
			p.removeChildLocked(found)
		}
		ev := p.lx.childEv
		famMu.Unlock()
		switch {
		case found != nil:
			return found, 0
		case !any:
			return nil, -linux.ECHILD
		case nohang:
			return nil, 0
		}
		select {
		case <-ev:
		case <-intr:
			return nil, errRestartSys
		case <-p.dying:
			return nil, -linux.EINTR
		}
	}
}

// sysWait4 serves wait4(pid, wstatus, options, rusage): pid -1 any
// child, > 0 that child, 0 the caller's process group, < -1 group -pid.
// The resource usage reported is all zero.
func sysWait4(t *Thread, a *[6]uint64) (int64, bool) {
	pid, status, opts, rusage := int(int32(a[0])), a[1], a[2], a[3]
	const known = linux.WNohang | linux.WUntraced | linux.WContinued | linux.WNothread | linux.WAll | linux.WClone
	if opts&^known != 0 {
		return -linux.EINVAL, false
	}
	m := &waitMatch{exited: true, clone: opts&linux.WClone != 0, all: opts&linux.WAll != 0,
		stopped: opts&linux.WUntraced != 0, continued: opts&linux.WContinued != 0}
	switch {
	case pid > 0:
		m.pid = pid
	case pid == 0:
		t.P.mu.Lock()
		m.pgid = t.P.lx.pgid
		t.P.mu.Unlock()
	case pid < -1:
		m.pgid = -pid
	}
	r, errno := t.waitChild(m, opts&linux.WNohang != 0, false)
	if errno != 0 || r == nil {
		return errno, false
	}
	if status != 0 && !t.put32(status, r.status) {
		return -linux.EFAULT, false
	}
	if rusage != 0 && t.P.AS.CopyOut(rusage, make([]byte, linux.RusageLen)) != nil {
		return -linux.EFAULT, false
	}
	return int64(r.pid), false
}

// sysWaitid serves waitid(idtype, id, infop, options, rusage) with
// P_ALL, P_PID, P_PGID and P_PIDFD.
// infop receives a SIGCHLD siginfo (si_pid, si_uid, si_status, si_code
// CLD_EXITED or CLD_KILLED); zeroed when WNOHANG finds nothing.
func sysWaitid(t *Thread, a *[6]uint64) (ret int64, exit bool) {
	found := false
	idtype, id, infop, opts, rusage := a[0], int(int32(a[1])), a[2], a[3], a[4]
	const known = linux.WNohang | linux.WUntraced | linux.WExited | linux.WContinued | linux.WNowait | linux.WNothread | linux.WAll | linux.WClone
	if opts&^known != 0 || opts&(linux.WExited|linux.WUntraced|linux.WContinued) == 0 {
		return -linux.EINVAL, false
	}
	m := &waitMatch{exited: opts&linux.WExited != 0, clone: opts&linux.WClone != 0, all: opts&linux.WAll != 0,
		stopped: opts&linux.WUntraced != 0, continued: opts&linux.WContinued != 0}
	switch idtype {
	case linux.PAll:
	case linux.PPid:
		if id <= 0 {
			return -linux.EINVAL, false
		}
		m.pid = id
	case linux.PPgid:
		if id < 0 {
			return -linux.EINVAL, false
		}
		m.pgid = id
		if id == 0 {
			t.P.mu.Lock()
			m.pgid = t.P.lx.pgid
			t.P.mu.Unlock()
		}
	case linux.PPidfd:
		q, nonblock := t.pidfdArg(a[1])
		if q == nil {
			return -linux.EBADF, false
		}
		m.proc = q
		if nonblock {
			opts |= linux.WNohang
			defer func() {
				if ret == 0 && !found {
					ret = -linux.EAGAIN // a non-blocking pidfd of a running child
				}
			}()
		}
	default:
		return -linux.EINVAL, false
	}
	r, errno := t.waitChild(m, opts&linux.WNohang != 0, opts&linux.WNowait != 0)
	if errno != 0 {
		return errno, false
	}
	var info [linux.SiginfoLen]byte
	if found = r != nil; found {
		binary.LittleEndian.PutUint32(info[0:], linux.SIGCHLD)
		binary.LittleEndian.PutUint32(info[8:], uint32(r.cld))
		binary.LittleEndian.PutUint32(info[16:], uint32(r.pid))
		binary.LittleEndian.PutUint32(info[24:], uint32(r.sistat))
	}
	if infop != 0 && t.P.AS.CopyOut(infop, info[:]) != nil {
		return -linux.EFAULT, false
	}
	if rusage != 0 && t.P.AS.CopyOut(rusage, make([]byte, linux.RusageLen)) != nil {
		return -linux.EFAULT, false
	}
	return 0, false
}
