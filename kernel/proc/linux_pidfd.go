package proc

import "beryl/kernel/linux"

// pidfds: a descriptor referring to a process (pidfd_open, clone's
// CLONE_PIDFD), for waitid(P_PIDFD), pidfd_send_signal and epoll (readable
// once the process has exited), as Linux's since 5.3. Reads and writes
// fail with EINVAL.

// pidFile is a pidfd's fileOps.
type pidFile struct{ p *Process }

func (pf *pidFile) read(f *file, buf []byte, intr <-chan struct{}) int64  { return -linux.EINVAL }
func (pf *pidFile) write(f *file, buf []byte, intr <-chan struct{}) int64 { return -linux.EINVAL }

// poll: EPOLLIN once the process has finished (linuxExit wakes epoll
// waiters).
func (pf *pidFile) poll() uint32 {
	if pf.p.lx.finished.Load() {
		return linux.EpollIn
	}
	return 0
}

func (pf *pidFile) release() {}

// newPidfd installs a pidfd (close-on-exec, as Linux's always are) for q
// in t's process.
func (t *Thread) newPidfd(q *Process, nonblock bool) int {
	flags := uint32(linux.ORDWR)
	if nonblock {
		flags |= linux.ONonblock
	}
	return t.P.fds.install(newFile(&pidFile{p: q}, flags), true)
}

// pidfdArg returns the process a pidfd refers to, and whether it is
// non-blocking; nil if fd is not a pidfd.
func (t *Thread) pidfdArg(fd uint64) (*Process, bool) {
	f := t.P.fds.get(int(int32(fd)))
	if f == nil {
		return nil, false
	}
	defer f.put()
	pf, ok := f.ops.(*pidFile)
	if !ok {
		return nil, false
	}
	return pf.p, f.nonblock()
}

// sysPidfdOpen serves pidfd_open(pid, flags): flags 0 or PIDFD_NONBLOCK.
func sysPidfdOpen(t *Thread, a *[6]uint64) (int64, bool) {
	pid := int(int32(a[0]))
	if pid <= 0 || a[1]&^linux.ONonblock != 0 {
		return -linux.EINVAL, false
	}
	q := lookupPID(pid)
	if q == nil {
		return -linux.ESRCH, false
	}
	return int64(t.newPidfd(q, a[1] != 0)), false
}

// sysPidfdSendSignal serves pidfd_send_signal(pidfd, sig, info, flags)
// without a siginfo (info must be NULL) or flags.
func sysPidfdSendSignal(t *Thread, a *[6]uint64) (int64, bool) {
	q, _ := t.pidfdArg(a[0])
	if q == nil {
		return -linux.EBADF, false
	}
	if a[2] != 0 || a[3] != 0 {
		return -linux.EINVAL, false
	}
	return t.P.sendTo(q, a[1]), false
}
