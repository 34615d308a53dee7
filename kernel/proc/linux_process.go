package proc

import (
	"io"
	"sync"
	"sync/atomic"

	"beryl/kernel/linux"
	"beryl/kernel/object"
	"beryl/mm/vm"
)

// The Linux process calls: new processes from clone without
// CLONE_THREAD (vfork-style: the child runs in its parent's address
// space until it calls execve or exits), wait4/waitid, exit statuses and
// SIGCHLD, process groups, and signals between processes (kill, tgkill,
// pidfd_send_signal). execve is in linux_exec.go, prctl and the resource
// limits in linux_limits.go.
//
// A process's PID is its koid. Every process has a Linux parent only if
// a Linux clone made it: that parent may wait for it and receives its
// exit signal. Processes made with process_create report their creator
// with getppid but are not its Linux children (their creator reaps them
// through their handles, the Zircon way).
//
// Signals between processes follow the capability idea rather than
// Linux's uid check: a process may signal itself and its descendants
// (by getppid), nothing else (EPERM).
//
// Lock order: famMu is taken alone, or before Process.mu.

// famMu guards every process's lx.parent, lx.rec and lx.children, the
// child records and lx.childEv.
var famMu sync.Mutex

// pids maps PIDs to running (not yet finished) processes.
var pids sync.Map // int → *Process

// lxState is a process's Linux state beyond threads and signals.
type lxState struct {
	// parent is the process whose clone made this one (nil for others,
	// and once the parent has exited); rec is this process's record in
	// the parent's children.
	parent *Process
	rec    *childRec
	// children are the clone children not yet reaped.
	children []*childRec
	// childEv is closed and replaced when a child exits.
	childEv chan struct{}

	// Under Process.mu:
	pgid, sid int
	rlim      [linux.RlimNlimits]rlimit
	pdeathsig uint64
	// prctl flags.
	dumpable, keepcaps, subreaper, noNewPrivs bool
	timerslack                                uint64
	// termSig is the signal that ends the process (0: none yet);
	// exitCode the code exit_group asked for.
	termSig   uint64
	exitGroup bool
	exitCode  int

	// vfork state: a child of clone(CLONE_VM) without exec runs in its
	// parent's address space (shared); its own one (ownAS, made with the
	// process) replaces it at execve. vforkDone is closed at exec or exit,
	// releasing a parent that passed CLONE_VFORK.
	shared    bool
	ownAS     *vm.AddressSpace
	vforkDone chan struct{}
	vforkOnce sync.Once
	// finished is set when the process has ended (its pidfds are
	// readable).
	finished atomic.Bool

	// Job control (linux_stop.go): stopFlag is set while the process is
	// stopped; resume (under Process.mu) is closed when it continues.
	stopFlag atomic.Bool
	resume   chan struct{}
}

// childRec is a clone child as its parent sees it.
type childRec struct {
	p       *Process
	pid     int
	exitSig uint64 // the signal the parent gets (clone's low byte)
	done    bool
	status  uint32 // wait status, once done
	cld     int32  // CLD_EXITED or CLD_KILLED
	sistat  int32  // si_status: exit code or signal
	// ev is a stop or continue not yet waited for (CLD_STOPPED,
	// CLD_CONTINUED; 0 none) and evSig the stop signal.
	ev    int32
	evSig uint64
}

func (l *lxState) init(pid int) {
	l.pgid, l.sid = pid, pid
	l.rlim = defaultRlimits
	l.dumpable = true
	l.timerslack = 50000
	l.childEv = make(chan struct{})
	l.vforkDone = make(chan struct{})
}

// lookupPID returns the running process with pid.
func lookupPID(pid int) *Process {
	if v, ok := pids.Load(pid); ok {
		return v.(*Process)
	}
	return nil
}

// killBySignal ends the process as Linux's default action of sig does:
// exit code 128+sig, wait status "killed by sig".
func (p *Process) killBySignal(sig uint64) {
	p.mu.Lock()
	if !p.exiting && p.lx.termSig == 0 {
		p.lx.termSig = sig
	}
	p.mu.Unlock()
	p.Exit(128 + int(sig))
}

// exitGroup ends the process with code (exit_group).
func (p *Process) exitGroup(code int) {
	p.mu.Lock()
	if !p.exiting && !p.lx.exitGroup {
		p.lx.exitGroup, p.lx.exitCode = true, code
	}
	p.mu.Unlock()
	p.Exit(code)
}

// waitStatus returns the wait status, si_code and si_status of a process
// that finished with retcode: an exit_group code, a signal that killed
// it, or a zx kill (retcodes outside 0..255 read as SIGKILL).
func (p *Process) waitStatus(code int) (status uint32, cld, sistat int32) {
	p.mu.Lock()
	sig, eg, ec := p.lx.termSig, p.lx.exitGroup, p.lx.exitCode
	p.mu.Unlock()
	switch {
	case sig != 0 && (code == 128+int(sig) || code == int(object.TaskRetcodeExceptionKill)):
	case eg && code == ec || code >= 0 && code <= 255:
		return linux.ExitStatus(code), linux.CldExited, int32(code & 0xff)
	default:
		sig = linux.SIGKILL
	}
	return linux.SignaledStatus(int(sig)), linux.CldKilled, int32(sig)
}

// destroyAS frees the process's own address space (never its vfork
// parent's).
func (p *Process) destroyAS() {
	p.mu.Lock()
	as := p.AS
	if p.lx.shared {
		as = p.lx.ownAS
	}
	p.mu.Unlock()
	as.Destroy()
}

// releaseVfork lets a CLONE_VFORK parent go on (exec or exit of p).
func (p *Process) releaseVfork() {
	p.lx.vforkOnce.Do(func() { close(p.lx.vforkDone) })
}

// linuxExit reports the finished process to its Linux parent (exit
// record, exit signal), orphans its children (sending their
// PR_SET_PDEATHSIG signals) and drops its PID.
func (p *Process) linuxExit(code int) {
	p.releaseVfork()
	p.lx.finished.Store(true)
	defer pollNotify() // pidfds are readable now
	pids.Delete(p.PID)
	status, cld, sistat := p.waitStatus(code)
	type note struct {
		p   *Process
		sig uint64
	}
	var notes []note
	// The exit signal goes first, so that a parent whose wait returns
	// has it pending already (its next return to user mode takes it),
	// rather than receiving it in a later system call (EINTR there).
	famMu.Lock()
	parent, r := p.lx.parent, p.lx.rec
	famMu.Unlock()
	if parent != nil && r != nil && r.exitSig != 0 {
		parent.signal(r.exitSig)
	}
	famMu.Lock()
	if parent, r := p.lx.parent, p.lx.rec; parent != nil && r != nil {
		r.done, r.status, r.cld, r.sistat = true, status, cld, sistat
		a := parent.sigaction(linux.SIGCHLD)
		if r.exitSig == linux.SIGCHLD && (a.Handler == linux.SigIgn || a.Flags&saNocldwait != 0) {
			parent.removeChildLocked(r) // reaped at once, as Linux does then
		}
		close(parent.lx.childEv)
		parent.lx.childEv = make(chan struct{})
	}
	p.lx.parent, p.lx.rec = nil, nil
	for _, r := range p.lx.children {
		c := r.p
		c.lx.parent, c.lx.rec = nil, nil
		if !r.done {
			c.mu.Lock()
			if sig := c.lx.pdeathsig; sig != 0 {
				notes = append(notes, note{c, sig})
			}
			c.mu.Unlock()
		}
	}
	p.lx.children = nil
	famMu.Unlock()
	for _, n := range notes {
		n.p.signal(n.sig)
	}
}

// saNocldwait is SA_NOCLDWAIT: children of a process with it set on
// SIGCHLD are reaped at exit.
const saNocldwait = 2

func (p *Process) removeChildLocked(r *childRec) {
	for i, c := range p.lx.children {
		if c == r {
			p.lx.children = append(p.lx.children[:i], p.lx.children[i+1:]...)
			return
		}
	}
}

// signal sends sig (1..64) to the process, as kill does: SIGKILL and an
// unhandled terminating signal end it, an ignored one is dropped, and a
// handled one goes to a thread that does not block it (the first thread
// if all do).
func (p *Process) signal(sig uint64) {
	if p.jobControl(sig) {
		return
	}
	if sig == linux.SIGKILL {
		p.killBySignal(sig)
		return
	}
	a := p.sigaction(sig)
	switch {
	case a.Handler == linux.SigIgn, a.Handler == linux.SigDfl && linux.DefaultIgnored(sig):
		return
	case a.Handler == linux.SigDfl:
		p.killBySignal(sig)
		return
	}
	p.mu.Lock()
	var pick *Thread
	for _, t := range p.threads {
		t.sig.mu.Lock()
		blocked := t.sig.mask&(1<<(sig-1)) != 0
		t.sig.mu.Unlock()
		if !blocked && (pick == nil || t.TID == p.PID) {
			pick = t
		}
	}
	if pick == nil {
		pick = p.threads[p.PID]
	}
	if pick == nil {
		for _, t := range p.threads {
			pick = t
			break
		}
	}
	p.mu.Unlock()
	if pick != nil {
		pick.queue(sig)
	}
}

// signal sends sig to thread t, as tgkill does.
func (t *Thread) signal(sig uint64) {
	if t.P.jobControl(sig) {
		return
	}
	a := t.P.sigaction(sig)
	switch {
	case sig == linux.SIGKILL:
		t.P.killBySignal(sig)
	case a.Handler == linux.SigIgn, a.Handler == linux.SigDfl && linux.DefaultIgnored(sig):
	default:
		t.queue(sig) // deliver applies the default action if still SIG_DFL then
	}
}

// mayKill reports whether p may signal target: itself or a descendant.
func (p *Process) mayKill(target *Process) bool {
	for q, n := target, 0; q != nil && n < 1<<16; n++ {
		if q == p {
			return true
		}
		if q.PPID == 0 {
			return false
		}
		q = lookupPID(q.PPID)
	}
	return false
}

// sendTo signals target from p: ESRCH for none, EPERM where p may not,
// EINVAL for a bad signal; sig 0 only checks.
func (p *Process) sendTo(target *Process, sig uint64) int64 {
	if sig > linux.NSIG {
		return -linux.EINVAL
	}
	if target == nil || target.killed.Load() {
		return -linux.ESRCH
	}
	if !p.mayKill(target) {
		return -linux.EPERM
	}
	if sig != 0 {
		target.signal(sig)
	}
	return 0
}

// sysKill serves kill(pid, sig): pid > 0 one process; 0 the caller's
// process group; < -1 the group -pid; -1 every process the caller may
// signal (its descendants) but itself.
func sysKill(t *Thread, a *[6]uint64) (int64, bool) {
	pid, sig := int(int32(a[0])), a[1]
	p := t.P
	if sig > linux.NSIG {
		return -linux.EINVAL, false
	}
	if pid > 0 {
		return p.sendTo(lookupPID(pid), sig), false
	}
	group := -pid
	if pid == 0 {
		p.mu.Lock()
		group = p.lx.pgid
		p.mu.Unlock()
	}
	var targets []*Process
	pids.Range(func(_, v any) bool {
		q := v.(*Process)
		q.mu.Lock()
		in := pid == -1 && q != p || pid != -1 && q.lx.pgid == group
		q.mu.Unlock()
		if in && p.mayKill(q) {
			targets = append(targets, q)
		}
		return true
	})
	if len(targets) == 0 {
		return -linux.ESRCH, false
	}
	for _, q := range targets {
		if sig != 0 {
			q.signal(sig)
		}
	}
	return 0, false
}

// sysTgkill signals thread tid of thread group (process) tgid.
func sysTgkill(t *Thread, a *[6]uint64) (int64, bool) {
	tgid, tid, sig := int(int32(a[0])), int(int32(a[1])), a[2]
	if tgid <= 0 || tid <= 0 || sig > linux.NSIG {
		return -linux.EINVAL, false
	}
	target := lookupPID(tgid)
	if target == nil {
		return -linux.ESRCH, false
	}
	if target == t.P {
		return t.tgkill(tid, sig), false
	}
	if !t.P.mayKill(target) {
		return -linux.EPERM, false
	}
	target.mu.Lock()
	th := target.threads[tid]
	target.mu.Unlock()
	if th == nil {
		return -linux.ESRCH, false
	}
	if sig != 0 {
		th.signal(sig)
	}
	return 0, false
}

// Process groups and sessions: a process starts in its parent's (a
// process the kernel or process_create made leads its own).

func sysGetpgid(t *Thread, a *[6]uint64) (int64, bool) {
	q := t.P
	if pid := int(int32(a[0])); pid != 0 {
		if q = lookupPID(pid); q == nil {
			return -linux.ESRCH, false
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return int64(q.lx.pgid), false
}

func sysGetpgrp(t *Thread, a *[6]uint64) (int64, bool) {
	return sysGetpgid(t, &[6]uint64{})
}

func sysGetsid(t *Thread, a *[6]uint64) (int64, bool) {
	q := t.P
	if pid := int(int32(a[0])); pid != 0 {
		if q = lookupPID(pid); q == nil {
			return -linux.ESRCH, false
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return int64(q.lx.sid), false
}

// sysSetpgid moves the caller or one of its children into group pgid (0:
// its own PID).
func sysSetpgid(t *Thread, a *[6]uint64) (int64, bool) {
	pid, pgid := int(int32(a[0])), int(int32(a[1]))
	if pgid < 0 {
		return -linux.EINVAL, false
	}
	q := t.P
	if pid != 0 && pid != q.PID {
		if q = lookupPID(pid); q == nil || q.PPID != t.P.PID {
			return -linux.ESRCH, false
		}
	}
	if pgid == 0 {
		pgid = q.PID
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.lx.sid == q.PID {
		return -linux.EPERM, false // a session leader stays in its group
	}
	q.lx.pgid = pgid
	return 0, false
}

// sysSetsid makes the caller a session and group leader.
func sysSetsid(t *Thread, a *[6]uint64) (int64, bool) {
	p := t.P
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lx.pgid == p.PID {
		return -linux.EPERM, false
	}
	p.lx.pgid, p.lx.sid = p.PID, p.PID
	return int64(p.PID), false
}

// spawnClone serves clone without CLONE_THREAD: a new process running
// the calling thread's code in the caller's address space, vfork-style:
// CLONE_VM and CLONE_VFORK are required (there is no copy-on-write
// fork), and the caller waits until the child calls execve or exits (if
// the caller is killed meanwhile, the child is killed first: the
// address space they share goes with the caller). The child has copies
// of the caller's signal handlers, mask, alternate stack, limits,
// namespace and descriptors (CLONE_FILES, sharing the table, is not
// served). CLONE_PARENT_SETTID stores the child's PID at the third
// argument, CLONE_PIDFD a pidfd for it; the low byte is the signal the
// parent receives when the child ends.
func (t *Thread) spawnClone(a *[6]uint64) int64 {
	flags := a[0]
	const unsupported = linux.CloneNewMask | linux.CloneSighand | linux.CloneFiles | linux.CloneParent |
		linux.CloneThread | linux.ClonePtrace | linux.CloneDetached | linux.CloneChildSettid | linux.CloneChildCleartd
	// The child shares the caller's address space, so the caller must
	// wait for it (CLONE_VFORK): its address space outlives the sharing.
	if flags&(linux.CloneVM|linux.CloneVfork) != linux.CloneVM|linux.CloneVfork || flags&unsupported != 0 || flags&linux.CSignal > linux.NSIG {
		return -linux.EINVAL
	}
	if flags&linux.ClonePidfd != 0 && flags&linux.CloneParentSettid != 0 {
		return -linux.EINVAL // both store at the third argument
	}
	parent := t.P
	job := parent.Obj.Job()
	c, st := newProcess(parent.Name, job, parent.AS.Env())
	if st != object.OK {
		return -linux.EAGAIN
	}
	defer c.Obj.Release()
	defer c.AS.RootVMAR().Release()
	if class := parent.Obj.Class(); class != "" {
		c.Obj.SetClass(class)
	}
	c.PPID = parent.PID
	parent.inheritStdio(c)
	c.InheritFiles(parent, false)
	parent.mu.Lock()
	c.sigs = parent.sigs
	c.lx.rlim = parent.lx.rlim
	c.lx.pgid, c.lx.sid = parent.lx.pgid, parent.lx.sid
	c.lx.dumpable, c.lx.noNewPrivs = parent.lx.dumpable, parent.lx.noNewPrivs
	as := parent.AS
	parent.mu.Unlock()
	c.lx.ownAS, c.AS, c.lx.shared = c.AS, as, true

	ctx := newCtx()
	ctx.Regs = t.Ctx.Regs
	t.Ctx.SyncFPU()
	ctx.FX = t.Ctx.FX
	ctx.FSBase, ctx.GSBase, ctx.CR3 = t.Ctx.FSBase, t.Ctx.GSBase, as.Root()
	ctx.Regs.RAX = 0
	if a[1] != 0 {
		ctx.Regs.RSP = a[1]
	}
	nt := c.newThread(ctx)
	t.sig.mu.Lock()
	nt.sig.mask, nt.sig.altSP, nt.sig.altSize = t.sig.mask, t.sig.altSP, t.sig.altSize
	t.sig.mu.Unlock()
	if flags&linux.CloneParentSettid != 0 && !t.put32(a[2], uint32(c.PID)) {
		nt.Release()
		c.Obj.Kill(0)
		return -linux.EFAULT
	}

	if flags&linux.ClonePidfd != 0 {
		fd := t.newPidfd(c, false)
		if fd < 0 || !t.put32(a[2], uint32(fd)) {
			if fd >= 0 {
				t.P.fds.close(fd)
			}
			nt.Release()
			c.Obj.Kill(0)
			return -linux.EFAULT
		}
	}

	famMu.Lock()
	r := &childRec{p: c, pid: c.PID, exitSig: flags & linux.CSignal}
	parent.lx.children = append(parent.lx.children, r)
	c.lx.parent, c.lx.rec = parent, r
	famMu.Unlock()

	c.started.Store(true)
	c.Obj.Start()
	if parent.killed.Load() || !nt.start() {
		nt.Release()
		c.Obj.Kill(0)
		return -linux.EAGAIN
	}
	select {
	case <-c.lx.vforkDone:
	case <-parent.dying:
		// The caller's address space goes away with it: the child,
		// still running in it, goes first.
		c.killBySignal(linux.SIGKILL)
		<-c.lx.vforkDone
	}
	return int64(c.PID)
}

func (t *Thread) put32(addr uint64, v uint32) bool {
	b := [4]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
	return t.P.AS.CopyOut(addr, b[:]) == nil
}

// inheritStdio gives c p's standard output and error, with handles of
// its own to their sockets (a reader sees PEER_CLOSED when the last
// writer is gone).
func (p *Process) inheritStdio(c *Process) {
	p.mu.Lock()
	out, errw := p.Stdout, p.Stderr
	p.mu.Unlock()
	c.Stdout, c.Stderr = c.dupWriter(out), c.dupWriter(errw)
}

func (c *Process) dupWriter(w io.Writer) io.Writer {
	sw, ok := w.(*socketWriter)
	if !ok {
		return w
	}
	e := object.NewKernelHandle(sw.s, sw.e.Rights())
	c.stdio = append(c.stdio, e)
	return &socketWriter{e: e, s: sw.s}
}

// sysVfork is clone(CLONE_VM|CLONE_VFORK|SIGCHLD).
func sysVfork(t *Thread, a *[6]uint64) (int64, bool) {
	return t.spawnClone(&[6]uint64{linux.CloneVM | linux.CloneVfork | linux.SIGCHLD}), false
}
