package proc

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"beryl/kernel/object"
	"beryl/mm/vm"
)

// The process and thread operations of the zx system calls. The syscall
// layer (beryl/syscall) resolves every handle through the object core's
// gate and checks the arguments it can; these functions do what needs
// this package's processes and threads.

// Thread implements the syscall layer's Caller (with TakeStartupHandle,
// in proc.go).

// Process returns the calling thread's process object.
func (t *Thread) Process() *object.Process { return t.P.Obj }

// AddressSpace returns the calling thread's address space.
func (t *Thread) AddressSpace() *vm.AddressSpace { return t.P.AS }

// CopyIn copies user memory; any bad address is ZX_ERR_INVALID_ARGS.
func (t *Thread) CopyIn(dst []byte, uaddr uint64) object.Status {
	if t.P.AS.CopyIn(dst, uaddr) != nil {
		return object.ErrInvalidArgs
	}
	return object.OK
}

// CopyOut copies to user memory; any bad address is ZX_ERR_INVALID_ARGS.
func (t *Thread) CopyOut(uaddr uint64, src []byte) object.Status {
	if t.P.AS.CopyOut(uaddr, src) != nil {
		return object.ErrInvalidArgs
	}
	return object.OK
}

// Killed is closed when the thread must stop: task_kill of the thread or
// of its process, or another thread's exec (abortWaits); the zx calls
// that block end then (ZX_ERR_INTERNAL_INTR_KILLED).
func (t *Thread) Killed() <-chan struct{} { return t.abort }

// ThreadKilled is closed when this thread alone is killed (task_kill):
// it ends a wait for a pager's pages (vm.PageWaiter).
func (t *Thread) ThreadKilled() <-chan struct{} { return t.killCh }

// SetBlockedPager marks the thread as waiting for a pager's pages
// (vm.PageWaiter): ZX_INFO_THREAD then reports BLOCKED_PAGER.
func (t *Thread) SetBlockedPager(on bool) { t.blockedPager.Store(on) }

// ThreadKoid is the calling thread's koid.
func (t *Thread) ThreadKoid() object.Koid { return t.Koid() }

// ExitThread ends the calling thread when its system call returns
// (thread_exit).
func (t *Thread) ExitThread() { t.exitReq.Store(true) }

// registry maps process objects to their processes.
var registry sync.Map // *object.Process → *Process

func processOf(o *object.Process) *Process {
	if v, ok := registry.Load(o); ok {
		return v.(*Process)
	}
	return nil
}

// CreateProcess creates a process (with its address space on env and its
// root VMAR) in job for process_create. It inherits the creator's stdout,
// stderr and security class. The caller gets a reference to the process
// object and to the root VMAR.
func CreateProcess(creator *object.Process, job *object.Job, name string, env *vm.Env) (*object.Process, *vm.VMAR, object.Status) {
	p, st := newProcess(name, job, env)
	if st != object.OK {
		return nil, nil, st
	}
	if parent := processOf(creator); parent != nil {
		p.Stdout, p.Stderr = parent.Stdout, parent.Stderr
		p.PPID = parent.PID
	}
	// The new process is of its creator's security class until a holder
	// of the root resource sets another (beryl_process_set_class).
	if class := creator.Class(); class != "" {
		p.Obj.SetClass(class)
	}
	return p.Obj, p.AS.RootVMAR(), object.OK
}

// StartProcess starts po's first thread t (process_start) with arg1 (the
// handle moved into the new process; its owner may own nothing) in RDI
// and arg2 in RSI. On success arg1 is installed in po; on failure the
// caller's Release of arg1 destroys it. The new process can also take
// arg1's value once with beryl_startup_handle (Thread.TakeStartupHandle):
// a Go program's entry code overwrites RDI.
func StartProcess(po *object.Process, t *Thread, entry, stack uint64, arg1 *object.HandleOwner, arg2 uint64) object.Status {
	p := processOf(po)
	if p == nil || t.P != p {
		return object.ErrAccessDenied
	}
	if p.started.Load() || t.started {
		return object.ErrBadState
	}
	if !validUserPC(entry) {
		return object.ErrInvalidArgs
	}
	var v object.Handle
	if arg1.Valid() {
		var st object.Status
		if v, st = po.Table().AddOwned(arg1); st != object.OK {
			return st
		}
	}
	p.started.Store(true)
	p.bootstrap.Store(uint32(v))
	po.Start()
	t.Ctx.Regs.RIP, t.Ctx.Regs.RSP = entry, stack
	t.Ctx.Regs.RDI, t.Ctx.Regs.RSI = uint64(v), arg2
	t.initial = true
	t.AddRef()
	if !t.start() {
		t.Release() // killed meanwhile; the moved handle went with it
		return object.ErrBadState
	}
	return object.OK
}

// validUserPC reports whether a thread may start at pc: inside the user
// address space, or 0 (a thread that faults at once, as Zircon allows for
// tests). Anything else would fault in the kernel's IRETQ (a non-canonical
// RIP raises #GP in ring 0) or jump at kernel addresses, so process_start
// and thread_start refuse it with ZX_ERR_INVALID_ARGS, as Zircon's
// arch_is_valid_user_pc. The stack pointer is not checked: a bad one
// faults in user mode.
func validUserPC(pc uint64) bool {
	return pc == 0 || pc >= vm.UserBase && pc < vm.UserLimit
}

// CreateThread creates a thread of po, not yet started (thread_create);
// the caller gets its reference. BAD_STATE if po is not a running
// process of this package.
func CreateThread(po *object.Process, name string) (*Thread, object.Status) {
	p := processOf(po)
	if p == nil || p.killed.Load() {
		return nil, object.ErrBadState
	}
	ctx := newCtx()
	ctx.CR3 = p.AS.Root()
	t := p.newThread(ctx)
	t.Name = name
	return t, object.OK
}

// Start starts a thread of a started process (thread_start).
func (t *Thread) Start(entry, stack, arg1, arg2 uint64) object.Status {
	if !t.P.started.Load() || t.P.killed.Load() {
		return object.ErrBadState
	}
	if !validUserPC(entry) {
		return object.ErrInvalidArgs
	}
	t.startMu.Lock()
	started := t.started
	t.startMu.Unlock()
	if started {
		return object.ErrBadState
	}
	t.Ctx.Regs.RIP, t.Ctx.Regs.RSP, t.Ctx.Regs.RDI, t.Ctx.Regs.RSI = entry, stack, arg1, arg2
	t.AddRef()
	if !t.start() {
		t.Release()
		return object.ErrBadState
	}
	return object.OK
}

// Kill ends the thread (task_kill on a thread); one never started is
// dead at once.
func (t *Thread) Kill() {
	t.exitReq.Store(true)
	t.recall()
	t.killOnce.Do(func() { close(t.killCh) })
	t.startMu.Lock()
	if !t.started {
		// Never started: it cannot be started any more, and is dead.
		t.started = true
		t.setSignals(0, object.TaskTerminated)
		t.exc.ch.Shutdown()
	}
	t.startMu.Unlock()
	t.interrupt()
	t.abortWaits()
	t.wakeSuspended()
}

// State is the thread's ZX_THREAD_STATE_*: NEW until started, DEAD once
// terminated, DYING while an exit or its process's kill is pending.
func (t *Thread) State() uint32 {
	if t.Signals()&object.TaskTerminated != 0 {
		return object.ThreadStateDead
	}
	t.startMu.Lock()
	started := t.started
	t.startMu.Unlock()
	switch {
	case !started:
		return object.ThreadStateNew
	case t.exitReq.Load() || t.P.killed.Load():
		return object.ThreadStateDying
	case t.blockedPager.Load():
		return object.ThreadStateBlockedPager
	case t.exc.waiting.Load():
		return object.ThreadStateBlockedException
	}
	parked, inCall := t.suspendedState()
	switch {
	case parked:
		return object.ThreadStateSuspended
	case inCall != 0:
		return inCall
	}
	return object.ThreadStateRunning
}

// ThreadKoids returns the koids of po's running (started, not exited)
// threads in creation order (ZX_INFO_PROCESS_THREADS); none for a process
// this package does not run.
func ThreadKoids(po *object.Process) []object.Koid {
	p := processOf(po)
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	tids := make([]int, 0, len(p.threads))
	for tid := range p.threads {
		tids = append(tids, tid)
	}
	slices.Sort(tids)
	koids := make([]object.Koid, len(tids))
	for i, tid := range tids {
		koids[i] = p.threads[tid].Koid()
	}
	return koids
}

// ClonedThreads counts the threads made by clone (CLONE_THREAD) that have
// not exited, in every live process but except's: the threads Go
// runtimes start, each on its own schedule, which a leak check taking
// the kernel's counts discounts (beryl_kernel_stats).
func ClonedThreads(except *object.Process) uint64 {
	skip := processOf(except)
	var n uint64
	registry.Range(func(_, v any) bool {
		p := v.(*Process)
		if p == skip {
			return true
		}
		p.mu.Lock()
		for _, t := range p.threads {
			if t.cloned {
				n++
			}
		}
		p.mu.Unlock()
		return true
	})
	return n
}

// Beryl process properties (outside Zircon's ZX_PROP_* range): a launcher
// sets a process's stdout or stderr to a socket before starting it; the
// process's write(1) and write(2) then go into the socket (the launcher
// reads the other end). The value is the socket's handle value (uint32) in
// the caller's table; the caller keeps its handle.
const (
	PropStdoutSocket = 0x1000
	PropStderrSocket = 0x1001
)

// SetStdio sends po's stdout (PropStdoutSocket) or stderr
// (PropStderrSocket) into sock; rights are those of the caller's handle to
// it. BAD_STATE once po has started or been killed.
func SetStdio(po *object.Process, prop uint32, sock *object.Socket, rights object.Rights) object.Status {
	p := processOf(po)
	if p == nil {
		return object.ErrBadState
	}
	// The process holds a handle of its own (not just a reference): the
	// reader sees PEER_CLOSED when the process is gone, not when the
	// launcher closes its copy.
	e := object.NewKernelHandle(sock, rights) // takes its own reference
	p.mu.Lock()
	defer p.mu.Unlock()
	// A killed process (exiting, set by stop under p.mu) is torn down or
	// about to be: releaseStdio may already have run and would never see
	// a handle added now.
	if p.started.Load() || p.exiting {
		object.ReleaseHandle(e)
		return object.ErrBadState
	}
	w := &socketWriter{e: e, s: sock}
	if prop == PropStdoutSocket {
		p.Stdout = w
	} else {
		p.Stderr = w
	}
	p.stdio = append(p.stdio, e)
	return object.OK
}

// socketWriter forwards a process's output into a socket, waiting while
// the socket is full; output to a socket whose reader is gone is dropped.
type socketWriter struct {
	e *object.HandleEntry
	s *object.Socket
}

func (w *socketWriter) Write(b []byte) (int, error) {
	for n := 0; n < len(b); {
		k, st := w.s.Write(b[n:])
		switch st {
		case object.OK:
			n += k
		case object.ErrShouldWait:
			time.Sleep(time.Millisecond)
		default:
			return len(b), nil
		}
	}
	return len(b), nil
}

// ThreadByKoid returns po's running thread with koid, with a reference
// the caller releases, or nil (zx_object_get_child on a process).
func ThreadByKoid(po *object.Process, koid object.Koid) *Thread {
	p := processOf(po)
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.threads {
		if t.Koid() == koid {
			t.AddRef()
			return t
		}
	}
	return nil
}

// ResidentPages returns the pages present in po's address space
// (ZX_INFO_TASK_STATS); 0 for a process this package does not run.
func ResidentPages(po *object.Process) uint64 {
	if p := processOf(po); p != nil {
		return p.AS.Pages()
	}
	return 0
}

// UserTime returns the time thread t has spent in ring 3 (ns), sampled
// by the scheduler's timer (x86.SetUserTick).
func (t *Thread) UserTime() int64 { return int64(atomic.LoadUint64(&t.Ctx.UserNs)) }

// Runtime returns the thread's ZX_INFO_TASK_RUNTIME times: its ring-3
// time and the time it was runnable but not running (after its start, and
// while its kernel thread was preempted in its user code).
func (t *Thread) Runtime() object.TaskRuntime {
	return object.TaskRuntime{CPU: t.UserTime(), Queue: t.queueNs.Load()}
}

// ProcessRuntime returns the runtime of the process's threads, live and
// exited; for a dead process the runtime it had when it was killed (its
// threads may still be stopping, and its kernel/proc state goes away
// once the last has); zero for a process kernel/proc does not run.
func ProcessRuntime(po *object.Process) object.TaskRuntime {
	if r, ok := po.DeadRuntime(); ok {
		return r
	}
	p := processOf(po)
	if p == nil {
		return object.TaskRuntime{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.deadTime
	for _, t := range p.threads {
		r.Add(t.Runtime())
	}
	return r
}

func init() { object.ProcessRuntime = ProcessRuntime }
