// Package proc runs user programs: a process is an address space plus
// threads; each user thread is backed by a kernel goroutine that enters
// ring 3 through x86.EnterUser and comes back to Go on every trap, so
// system calls and page faults are served by ordinary (blocking) Go code
// and the kernel's GC can always stop the world within one timer tick.
//
// The first personality is Linux's: a stock static GOOS=linux Go binary
// runs unmodified; the Linux system calls its runtime makes are served on
// the process's own objects (linux.go). zx system calls (RAX >= ZxBase)
// go to the Syscalls value boot/kmain installs with SetSyscalls (the zx
// dispatcher of beryl/syscall, which this package may not import); *Thread
// is the dispatcher's Caller, and tasks.go holds the process and thread
// operations its handlers call.
//
// Locking: Process.mu → object.FutexContext.mu → vm.AddressSpace.mu;
// Thread.startMu → Process.mu → suspendState.mu → the thread's object
// lock (suspend.go);
// Process.polMu alone (pending policy exceptions); an exception's wait
// holds no lock (exception.go);
// descriptors: fdTable.mu → a file's own lock (pipe, eventfd, epoll,
// nodeFile) → pollMu (fd.go); namespace.mu alone (ns.go). Of these only
// a nodeFile's lock (its offset) is held across a call to its directory
// server.
package proc

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"beryl/arch/x86"
	"beryl/kernel/klog"
	"beryl/kernel/linux"
	"beryl/kernel/object"
	"beryl/kernel/rt"
	"beryl/mm/vm"
)

// Process is a running user program.
type Process struct {
	Name string
	PID  int
	// recalls is Thread.recalls for every thread of the process.
	recalls uint32
	// PPID is the creator's PID (getppid); 0 for processes the kernel
	// starts.
	PPID int
	AS   *vm.AddressSpace
	// Obj is the process's kernel object: koid, job, handle table. Killing
	// it (task_kill, job kill) stops the threads.
	Obj *object.Process
	// Stdout and Stderr receive write(1) and write(2).
	Stdout, Stderr io.Writer
	// stdio holds the kernel's handles to stdout/stderr sockets, released
	// when the process is gone.
	stdio []*object.HandleEntry

	// unserved has a bit per Linux system call number the process
	// called without an implementation (logged once).
	unserved [8]atomic.Uint64

	mu sync.Mutex
	// threads holds the started, not yet exited threads (a created but
	// unstarted thread is only in its handles).
	threads   map[int]*Thread
	exiting   bool
	finishing bool // finish has been or is being called
	code      int
	done      chan struct{}
	fds       fdTable
	ns        namespace
	// deadTime is the runtime of the threads that have exited.
	deadTime object.TaskRuntime
	// leaderMade is set once the first thread (TID = PID) exists.
	leaderMade bool
	killed     atomic.Bool
	// io is the I/O permission bitmap of ioports_request (zero: no port).
	io      x86.IOBitmap
	started atomic.Bool
	// dying is closed when the process is killed.
	dying chan struct{}
	sigs  [linux.NSIG + 1]linux.Sigaction
	// bootstrap is the handle value process_start moved in as arg1 (or
	// the kernel's bootstrap channel for a spawned program), until the
	// program takes it with beryl_startup_handle.
	bootstrap atomic.Uint32
	// lx is the Linux process state: family, exit report, limits
	// (linux_process.go).
	lx lxState
	// suspends counts the live suspend tokens of the process
	// (suspend.go); changed under mu.
	suspends atomic.Int32
	// polPending holds the conditions of policy exceptions raised inside
	// system calls, not yet delivered (policy_exception.go); polCount is
	// its length, read without polMu.
	polMu      sync.Mutex
	polPending []uint32
	polCount   atomic.Int32
}

// Thread is one user thread, and its kernel object (ZX_OBJ_TYPE_THREAD).
type Thread struct {
	object.Base
	P   *Process
	TID int
	Ctx *x86.UserContext
	// recalls counts requests that the thread come back from user mode
	// to its kernel loop (recall); a bound thread runs user code across
	// interrupts until one arrives (enterUser).
	recalls uint32
	// Name is the thread's name (ZX_PROP_NAME).
	Name string

	startMu sync.Mutex
	started bool
	// cloned: made by the Linux clone call (CLONE_THREAD), as a Go
	// runtime makes its threads (ClonedThreads).
	cloned bool
	// exitReq ends the thread at its next return to the kernel
	// (zx_thread_exit).
	exitReq atomic.Bool
	// readyAt is when start made the thread runnable (rt.Nanotime; 0
	// once its goroutine ran); queueNs the time it was runnable but not
	// running (ZX_INFO_TASK_RUNTIME's queue_time).
	readyAt, queueNs atomic.Int64
	sig              sigState
	// lastCPU is the CPU the thread last ran user code on
	// (object.InfoInvalidCPU before it first did).
	lastCPU atomic.Uint32
	// sched holds the scheduler settings profiles gave it (thread_sched.go).
	sched threadSched
	// blockedPager is set while the thread waits for a pager's pages.
	blockedPager atomic.Bool
	// killCh is closed by Kill (task_kill of this thread).
	killCh   chan struct{}
	killOnce sync.Once
	// abort is closed when the thread must end (its kill, its process's,
	// or exec's removal of the other threads): the only thing that ends
	// an uninterruptible wait (abortCh).
	abort     chan struct{}
	abortOnce sync.Once
	// susp is the thread's suspension (suspend.go).
	susp suspendState
	// debug is the state a debugger set (thread_write_state).
	debug debugState
	// exc is the thread's exception channel and the exception it is
	// blocked in (exception.go).
	exc excState
	// initial is set on a process's first thread (process_start), which
	// raises ZX_EXCP_PROCESS_STARTING.
	initial bool
}

// LastCPU returns the CPU the thread last ran user code on, or
// object.InfoInvalidCPU if it has not run yet.
func (t *Thread) LastCPU() uint32 { return t.lastCPU.Load() }

var (
	live atomic.Int64
	// signalsDelivered counts signal frames pushed to user threads.
	signalsDelivered atomic.Int64
)

// SignalsDelivered returns how many signals user threads have received.
func SignalsDelivered() int64 { return signalsDelivered.Load() }

// Live returns the number of processes that have not finished exiting.
func Live() int64 { return live.Load() }

var (
	rootJobOnce sync.Once
	rootJob     *object.Job
)

// RootJob returns the root job, created on first use.
func RootJob() *object.Job {
	rootJobOnce.Do(func() { rootJob = object.NewRootJob() })
	return rootJob
}

// newProcess creates a process in job with its address space. The caller
// gets references of its own to p.Obj and to the root VMAR (to install as
// handles, or to release); p holds others until finish. It fails with ZX_ERR_BAD_STATE
// if the job is dead or is killed before the process can be torn down by
// its kill hook, and with ZX_ERR_NO_MEMORY if there is no memory for the
// address space.
func newProcess(name string, job *object.Job, env *vm.Env) (*Process, object.Status) {
	// Everything the kill hook tears down exists before the process joins
	// its job: from then on a job kill can reach it.
	as, err := vm.NewIn(env)
	if err != nil {
		return nil, object.ErrNoMemory
	}
	obj, st := object.NewProcess(job, name, object.ProcessConfig{})
	if st != object.OK {
		as.Destroy()
		return nil, st
	}
	// A process's Linux PID is its koid (getpid agrees with
	// ZX_INFO_HANDLE_BASIC), and so is its first thread's TID.
	pid := int(obj.Koid())
	live.Add(1)
	p := &Process{Name: name, PID: pid, AS: as, Obj: obj, threads: map[int]*Thread{}, done: make(chan struct{}), dying: make(chan struct{})}
	p.lx.init(pid)
	registry.Store(obj, p)
	pids.Store(pid, p)
	p.fds.init(p)
	// The caller's references are taken before a kill can run finish,
	// which drops p's own: a count that reached zero must stay there.
	obj.AddRef()
	as.RootVMAR().AddRef()
	obj.SetExceptionHook(p.queuePolicyException)
	if !obj.SetKillHook(p.stop) {
		// Killed with its job before the hook was in: tear it down as the
		// kill would have, and fail as creating it in a dead job does.
		obj.Release()
		as.RootVMAR().Release()
		p.stop(obj.Retcode())
		return nil, object.ErrBadState
	}
	return p, object.OK
}

func (p *Process) newThread(ctx *x86.UserContext) *Thread {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := &Thread{P: p, Ctx: ctx, killCh: make(chan struct{}), abort: make(chan struct{})}
	t.Base.Init(t, object.ObjTypeThread, nil, true, 0)
	t.lastCPU.Store(object.InfoInvalidCPU)
	t.SetRelatedKoid(p.Obj.Koid()) // ZX_INFO_HANDLE_BASIC: a thread is related to its process
	t.sig.init()
	// The first thread's TID is the PID (Linux's thread-group leader);
	// the others' are their koids.
	t.TID = int(t.Koid())
	if !p.leaderMade {
		t.TID, p.leaderMade = p.PID, true
	}
	return t
}

// start runs the thread, which takes over one reference the caller holds;
// it reports false (and the caller keeps the reference) if the thread was
// already started or its process is exiting.
func (t *Thread) start() bool {
	t.startMu.Lock()
	defer t.startMu.Unlock()
	if t.started {
		return false
	}
	p := t.P
	p.mu.Lock()
	if p.exiting || p.finishing {
		p.mu.Unlock()
		return false
	}
	p.threads[t.TID] = t
	p.mu.Unlock()
	t.started = true
	t.setSignals(0, threadRunning)
	t.readyAt.Store(rt.Nanotime())
	go t.run()
	return true
}

// TakeStartupHandle returns, once, the handle value process_start passed
// to the calling thread's process as arg1 (HandleInvalid if none, or
// already taken): the only way a Go program, whose entry code overwrites
// RDI, learns it (syscall beryl_startup_handle).
func (t *Thread) TakeStartupHandle() object.Handle {
	return object.Handle(t.P.bootstrap.Swap(uint32(object.HandleInvalid)))
}

func init() { object.RevokeHook = onRevoke }

// onRevoke cuts the device access a revoked handle of process po gave:
// the mappings of device memory or a DMA buffer (physical and contiguous
// VMOs) and the ports of an I/O port resource.
func onRevoke(po *object.Process, obj object.Object) {
	p := processOf(po)
	if p == nil {
		return
	}
	switch o := obj.(type) {
	case *vm.VMO:
		if phys, _ := o.Physical(); phys || o.Contiguous() {
			p.AS.UnmapVMO(o)
		}
	case *object.Resource:
		if o.Kind() == object.ResourceKindIOPort {
			base, size := o.Range()
			p.io.Set(uint32(base), uint32(size), false)
			p.recall()
		}
	}
}

// SetIOPorts allows (or denies) the calling process the I/O ports
// [base, base+n) (ioports_request / ioports_release); the change reaches
// every thread of the process the next time it enters user mode.
func (t *Thread) SetIOPorts(base, n uint32, allow bool) {
	t.P.io.Set(base, n, allow)
	t.P.recall()
}

// threadRunning is ZX_THREAD_RUNNING.
const threadRunning = object.Signal4

// run is the thread's kernel goroutine.
func (t *Thread) run() {
	defer t.Ctx.DropFPU() // the CPU must not name a context nobody holds
	defer t.unbindOnExit()
	// The thread was ready, but not running, until its goroutine got a CPU.
	if at := t.readyAt.Swap(0); at != 0 {
		t.queueNs.Add(max(rt.Nanotime()-at, 1))
	}
	if t.initial {
		t.raiseProcessStarting()
	}
	t.raiseDebugger(object.ExcpThreadStarting)
	for {
		// Read before the checks: a request made after them recalls
		// the thread from user mode.
		ra, rp := atomic.LoadUint32(&t.recalls), atomic.LoadUint32(&t.P.recalls)
		if t.P.killed.Load() || t.exitReq.Load() {
			break
		}
		t.suspendPoint()
		if t.P.killed.Load() || t.exitReq.Load() {
			break
		}
		t.deliver()
		t.Ctx.IOPB, t.Ctx.IOPBGen = t.P.io.Load()
		bound := t.bindForUser()
		// Time the kernel thread spent preempted (runnable, not running)
		// while it ran this thread's user code is the thread's queue time.
		qi, q0 := rt.CurQueue()
		t.enterUser(bound, ra, rp)
		if qj, q1 := rt.CurQueue(); qj == qi && q1 > q0 {
			t.queueNs.Add(q1 - q0)
		}
		t.lastCPU.Store(x86.ThisCPUID())
		r := &t.Ctx.Regs
		switch v := r.Vector; {
		case v == x86.VectorSyscall:
			if t.syscall() || t.exitReq.Load() {
				t.exitThread()
				return
			}
			t.policyExceptions()
		case v == x86.VectorPF:
			st := t.P.AS.ResolveWait(t.Ctx.CR2, r.ErrorCode, t)
			if st == object.ErrNoMemory {
				t.stallForMemory(func() bool {
					st = t.P.AS.Resolve(t.Ctx.CR2, r.ErrorCode)
					return st == object.ErrNoMemory
				})
			}
			switch {
			case st == object.OK:
				// demand paging: retry
			case st == object.ErrInternalIntrKilled:
				// killed while waiting for a pager: the loop ends it
			case st == object.ErrNoMemory:
				// No syscall can report this: the process ends, as
				// under Linux's OOM killer, and frees what it held.
				t.P.outOfMemory(t, t.Ctx.CR2)
			case !t.userFault(v, r.ErrorCode, t.Ctx.CR2):
				t.P.exceptionKill(t, fmt.Sprintf("page fault at %#x (error %#x) rip %#x", t.Ctx.CR2, r.ErrorCode, r.RIP), linux.SIGSEGV)
			}
		case v < 32:
			if !t.userFault(v, r.ErrorCode, t.Ctx.CR2) {
				sig, _, _ := t.faultSignal(v, r.ErrorCode, t.Ctx.CR2)
				t.P.exceptionKill(t, fmt.Sprintf("exception %d (%s) error %#x rip %#x", v, x86.ExceptionName(v), r.ErrorCode, r.RIP), sig)
			}
		default:
			// An interrupt arrived in ring 3; the kernel has serviced it.
		}
	}
	t.exitThread()
}

func (t *Thread) exitThread() {
	p := t.P
	t.raiseDebugger(object.ExcpThreadExiting)
	t.exc.ch.Shutdown()
	p.mu.Lock()
	delete(p.threads, t.TID)
	p.deadTime.Add(t.Runtime())
	last := len(p.threads) == 0 && !p.finishing
	if last {
		p.finishing = true
	}
	p.mu.Unlock()
	t.setSignals(threadRunning, object.TaskTerminated)
	t.Release() // the reference the running thread held
	if last {
		p.finish()
	}
}

// fault kills the process for an unhandled exception in thread t, as
// Linux's fatal SIGSEGV does; the kernel and other processes go on.
func (p *Process) fault(t *Thread, why string) { p.faultSig(t, why, linux.SIGSEGV) }

// exceptionKill kills the process for an exception in thread t that no
// handler took. A program of the Linux personality (one that installed a
// signal handler) dies as Linux kills it, by sig (128+sig, wait status
// "killed by sig"); any other with ZX_TASK_RETCODE_EXCEPTION_KILL (and
// "killed by sig" for a Linux parent's wait).
func (p *Process) exceptionKill(t *Thread, why string, sig uint64) {
	klog.Warnf("proc", "%s[%d] thread %d: %s: killed", klog.Escape(p.Name), p.PID, t.TID, why)
	p.mu.Lock()
	if !p.exiting && p.lx.termSig == 0 {
		p.lx.termSig = sig
	}
	signals := false
	for _, a := range p.sigs {
		if a.Handler != linux.SigDfl {
			signals = true
			break
		}
	}
	p.mu.Unlock()
	if signals {
		p.Exit(128 + int(sig))
		return
	}
	p.Exit(int(object.TaskRetcodeExceptionKill))
}

// faultSig kills the process with signal sig (exit code 128+sig, wait
// status "killed by sig") for an exception in thread t it does not
// handle.
func (p *Process) faultSig(t *Thread, why string, sig uint64) {
	klog.Warnf("proc", "%s[%d] thread %d: %s: killed", klog.Escape(p.Name), p.PID, t.TID, why)
	p.killBySignal(sig)
}

// Out-of-memory stall: a fault that finds no page retries this often for
// this long before the process is ended, so that memory another thread
// (or process) is about to give back saves it, as the page allocator's
// stall does under Linux.
const (
	oomStallStep  = 10 * time.Millisecond
	oomStallSteps = 100
)

// stallForMemory retries something that found no free page (a page
// fault, a signal frame): retry redoes it and reports whether memory is
// still short. It retries every oomStallStep until memory is found, the
// process is killed or the stall times out, and once more after a job
// that asked to die on OOM has given its memory back; it reports whether
// memory was still short at the end.
func (t *Thread) stallForMemory(retry func() (short bool)) bool {
	short := true
	stall := func() {
		for i := 0; short && i < oomStallSteps && !t.P.killed.Load(); i++ {
			time.Sleep(oomStallStep)
			short = retry()
		}
	}
	stall()
	if short && !t.P.killed.Load() && object.KillJobOnOOM(RootJob()) {
		stall()
	}
	return short
}

// outOfMemory kills the process whose thread t touched a page at va that
// could not be committed: physical memory is down to the kernel's reserve.
func (p *Process) outOfMemory(t *Thread, va uint64) {
	if p.killed.Load() {
		return // ended meanwhile: the stall gave up for that
	}
	klog.Errorf("proc", "%s[%d] thread %d: out of memory: no page for %#x (%d KiB resident); killed",
		klog.Escape(p.Name), p.PID, t.TID, va, p.AS.Pages()*4)
	p.Exit(128 + 9)
}

// Exit ends the process with code: every thread stops at its next return
// to the kernel (at most one timer tick away) or is woken from its wait.
func (p *Process) Exit(code int) { p.Obj.Kill(int64(code)) }

// stop is the kill hook of the process object. A process with no running
// thread (never started, or killed before its first thread ran) is torn
// down here, on another goroutine: the hook runs inside Kill.
func (p *Process) stop(retcode int64) {
	code := int(retcode)
	p.mu.Lock()
	idle := false
	if !p.exiting {
		p.exiting = true
		p.code = code
		p.killed.Store(true)
		close(p.dying)
		for _, t := range p.threads {
			t.interrupt()
			t.abortWaits()
		}
		if len(p.threads) == 0 && !p.finishing {
			p.finishing, idle = true, true
		}
	}
	p.mu.Unlock()
	if idle {
		go p.finish()
	}
}

func (p *Process) finish() {
	p.mu.Lock()
	code := p.code
	p.mu.Unlock()
	// The last thread is gone: the process ends (ZX_PROCESS_TERMINATED).
	p.Obj.Kill(int64(code))
	p.Obj.ShutdownExceptionates()
	p.fds.closeAll()
	p.ns.release()
	p.releaseStdio()
	p.destroyAS()
	p.linuxExit(code)
	registry.Delete(p.Obj)
	p.Obj.Release()
	live.Add(-1)
	close(p.done)
}

// Wait blocks until the process has exited and returns its exit code.
func (p *Process) Wait() int {
	<-p.done
	return p.code
}

func (t *Thread) setSignals(clear, set object.Signals) {
	t.Lock().Lock()
	t.UpdateStateLocked(clear, set)
	t.Lock().Unlock()
}

// releaseStdio drops the kernel's handles to the stdout/stderr sockets, so
// their readers see PEER_CLOSED.
func (p *Process) releaseStdio() {
	p.mu.Lock()
	hs := p.stdio
	p.stdio = nil
	p.Stdout, p.Stderr = io.Discard, io.Discard
	p.mu.Unlock()
	for _, e := range hs {
		object.ReleaseHandle(e)
	}
}
