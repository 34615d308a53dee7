package rt

import (
	"sync/atomic"

	"beryl/arch/x86"
	"beryl/kernel/linux"
	"beryl/kernel/sched"
)

// MaxThreads bounds the kernel threads (Ms); the table also holds one
// idle context per CPU, at indices 0 to x86.MaxCPUs-1.
const MaxThreads = 256

// firstThread is the table index of the first real thread.
const firstThread = x86.MaxCPUs

// Thread states.
const (
	tsFree = iota
	tsRunnable
	tsRunning
	tsBlocked
)

// What a blocked thread waits for.
const (
	waitNone = iota
	waitFutex
	waitSleep
	waitEpoll
)

// thread is one kernel thread: a Go runtime M, or the idle context. It
// holds no Go pointers, so the table lives in no-pointer BSS and the trap
// path can write it without write barriers.
type thread struct {
	state    uint32
	wait     uint32
	tid      int32
	frame    x86.Frame
	fx       x86.FXArea
	fsBase   uint64
	waitAddr uint64
	deadline int64 // monotonic ns, 0 = none

	sigMask    uint64
	sigPending uint64
	altSP      uint64
	altSize    uint64
	altFlags   int32
	// nr is the system call a blocked thread is in, for restarts.
	nr uint64
	// lastCPU is the CPU the thread last ran on.
	lastCPU uint32
	// allowed is the set of CPUs the thread may run on (bit n: CPU n);
	// 0 means any (SetAffinity).
	allowed uint64
	// readySince is when the thread last became runnable (0: not
	// stamped); queueNs the time it has spent runnable, not running.
	readySince int64
	queueNs    int64
	// sch is the thread's discipline and its place in it (SetPriority,
	// SetDeadline; a fair thread of the default weight otherwise).
	sch sched.State
}

// All of it is guarded by x86.TrapLock (HandleTrap holds it); the
// per-CPU arrays are indexed by the CPU's number.
var (
	threads [firstThread + MaxThreads]thread
	// curOf is, per CPU, the index of the thread whose state is live on
	// it (its idle context's index is its CPU number).
	curOf [x86.MaxCPUs]int32
	// hiThread is the highest table index ever used, bounding scans.
	hiThread int32
	nextTid  int32 = 2
	// loadedFSOf is, per CPU, the FS base in its IA32_FS_BASE.
	loadedFSOf [x86.MaxCPUs]uint64
	// depthOf counts, per CPU, nested HandleTrap activations.
	depthOf [x86.MaxCPUs]int32

	idleStack [4096]byte
	idleTLS   [2]uint64

	// runSince is, per CPU, when its current thread's CPU time was last
	// charged to its scheduling state.
	runSince [x86.MaxCPUs]int64
	// vnowOf is, per CPU, the virtual time of the fair thread it last
	// picked: the least virtual time of its runnable fair threads then,
	// never going back. A thread that wakes after running there starts
	// no earlier (sched.State.Wake).
	vnowOf [x86.MaxCPUs]int64
	// tickNs is the timer's period: the scheduler looks again after it
	// (sched.State.Refresh's quantum).
	tickNs int64 = 1e6
	// yieldOf says, per CPU, that its current thread called sched_yield:
	// the pick prefers any other eligible thread.
	yieldOf [x86.MaxCPUs]bool
)

// curIdx returns the index of the thread current on this CPU.
//
//go:nosplit
func curIdx() int32 { return curOf[x86.ThisCPUID()] }

// isIdle reports whether table index i is an idle context.
//
//go:nosplit
func isIdle(i int32) bool { return i < firstThread }

// pickNext returns the thread this CPU should run at now, or -1 for its
// idle context: among the runnable threads allowed on it and its current
// thread (if still running and allowed), the first best by sched.Before
// of those eligible, scanning the shared table round robin from the one
// after the current thread, which comes last (so equals take turns, and
// after sched_yield it is chosen only when nothing else is). A runnable
// thread is current nowhere, so any CPU may take it: the table is one run
// queue all CPUs share. Deadline threads whose period is spent start the
// next one here (sched.State.Refresh).
// Trap path: nosplit, no allocation.
//
//go:nosplit
func pickNext(me uint32, now int64) int32 {
	n := hiThread
	cur := curOf[me]
	i := cur
	if i < firstThread {
		i = firstThread - 1
	}
	best := int32(-1)
	for k := int32(firstThread); k <= n; k++ {
		i++
		if i > n {
			i = firstThread
		}
		t := &threads[i]
		if i == cur {
			if t.state != tsRunning || yieldOf[me] && best >= 0 {
				continue
			}
		} else if t.state != tsRunnable {
			continue
		}
		if !allowedOn(i, me) {
			continue
		}
		t.sch.Refresh(now, tickNs)
		if !t.sch.Eligible(now) {
			continue
		}
		if best < 0 || sched.Before(&t.sch, &threads[best].sch) {
			best = i
		}
	}
	if best >= 0 {
		if b := &threads[best].sch; b.Discipline == sched.Fair && b.VTime > vnowOf[me] {
			vnowOf[me] = b.VTime
		}
	}
	return best
}

// charge accounts the time since runSince[me] to the thread current on
// CPU me (the idle context has no account), at most two ticks: the
// scheduler looks at least every tick, so a longer gap is time the CPU
// did not run (a virtual CPU the host stopped: steal time, which a
// thread should not pay for).
// Trap path: nosplit, no allocation.
//
//go:nosplit
func charge(me uint32, now int64) {
	if cur := curOf[me]; !isIdle(cur) {
		threads[cur].sch.Charge(min(now-runSince[me], 2*tickNs))
	}
	runSince[me] = now
}

// allowedOn reports whether thread i may run on CPU id.
//
//go:nosplit
func allowedOn(i int32, id uint32) bool {
	a := threads[i].allowed
	return a == 0 || a&(1<<id) != 0
}

// switchTo saves the live state (f, fx) into the current thread and loads
// thread next into them; IRETQ then resumes next.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func switchTo(f *x86.Frame, fx *x86.FXArea, next int32, now int64) {
	me := x86.ThisCPUID()
	cur := curOf[me]
	if next == cur {
		threads[cur].state = tsRunning
		threads[cur].readySince = 0
		return
	}
	if isIdle(cur) {
		atomic.AddInt64(&idleNs[me], now-idleSince[me])
		x86.LeaveLazyTLB()
	}
	if isIdle(next) {
		idleSince[me] = now
		x86.EnterLazyTLB()
	}
	c := &threads[cur]
	c.frame = *f
	c.fx = *fx
	// The registers are about to hold the next thread's x87 state.
	x86.SaveFPUForSwitch(fx)
	if c.state == tsRunning {
		c.state = tsRunnable
		c.readySince = now
	}
	n := &threads[next]
	if n.readySince != 0 {
		atomic.AddInt64(&n.queueNs, now-n.readySince)
		n.readySince = 0
	}
	*f = n.frame
	*fx = n.fx
	n.state = tsRunning
	n.lastCPU = me
	curOf[me] = next
	if n.fsBase != loadedFSOf[me] {
		x86.SetKernelFSBase(n.fsBase)
		loadedFSOf[me] = n.fsBase
	}
}

// CurQueue returns the table index of the calling kernel thread and the
// time (ns) it has spent runnable but not running. A caller that moves to
// another CPU between two calls may see another thread's index: compare
// them. Nosplit, no allocation.
//
//go:nosplit
func CurQueue() (int32, int64) {
	i := curIdx()
	return i, atomic.LoadInt64(&threads[i].queueNs)
}

// reschedule charges the current thread for the time it ran and switches
// to the thread pickNext chooses: the current one stays while it is the
// best (a thread that is no longer running, blocked or exited, is always
// replaced, by the idle context if need be).
// Trap path: nosplit, no allocation.
//
//go:nosplit
func reschedule(f *x86.Frame, fx *x86.FXArea) {
	me := x86.ThisCPUID()
	cur := curOf[me]
	now := Nanotime()
	charge(me, now)
	next := pickNext(me, now)
	yieldOf[me] = false
	if next < 0 {
		next = int32(me)
	}
	switchTo(f, fx, next, now)
	if c := &threads[cur]; c.state == tsRunnable && !allowedOn(cur, me) {
		kickIdleIn(c.allowed)
	}
}

// block parks the current thread (its system call returns ret unless a
// waker says otherwise) and switches to another.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func block(f *x86.Frame, fx *x86.FXArea, kind uint32, addr uint64, deadline int64, ret int64) {
	t := &threads[curIdx()]
	t.nr = f.RAX // the call number, for wakeRestart
	f.RAX = uint64(ret)
	t.state = tsBlocked
	t.wait = kind
	t.waitAddr = addr
	t.deadline = deadline
	reschedule(f, fx)
}

// wake makes a blocked thread runnable with system call result ret.
//
//go:nosplit
func wake(t *thread, ret int64) {
	t.frame.RAX = uint64(ret)
	t.state = tsRunnable
	t.sch.Wake(vnowOf[t.lastCPU])
	t.readySince = Nanotime()
	t.wait = waitNone
	t.deadline = 0
	kickIdle()
}

// wakeRestart makes a blocked thread runnable so that it re-executes its
// system call (SYSCALL is 2 bytes long).
//
//go:nosplit
func wakeRestart(t *thread) {
	t.frame.RIP -= 2
	t.frame.RAX = t.nr
	t.state = tsRunnable
	t.sch.Wake(vnowOf[t.lastCPU])
	t.readySince = Nanotime()
	t.wait = waitNone
	t.deadline = 0
	kickIdle()
}

// timeoutExpired wakes threads whose deadline has passed.
//
//go:nosplit
func timeoutExpired(now int64) {
	for i := int32(firstThread); i <= hiThread; i++ {
		t := &threads[i]
		if t.state != tsBlocked || t.deadline == 0 || now < t.deadline {
			continue
		}
		switch t.wait {
		case waitFutex:
			wake(t, -linux.ETIMEDOUT)
		default:
			wake(t, 0)
		}
	}
}

// threadByTid finds a live thread.
//
//go:nosplit
func threadByTid(tid int32) *thread {
	for i := int32(firstThread); i <= hiThread; i++ {
		if threads[i].state != tsFree && threads[i].tid == tid {
			return &threads[i]
		}
	}
	return nil
}

// ThreadCount returns the number of live kernel threads.
//
//go:nosplit
func ThreadCount() int {
	n := 0
	for i := int32(firstThread); i <= hiThread; i++ {
		if threads[i].state != tsFree {
			n++
		}
	}
	return n
}

// initThreads sets up the boot CPU's idle context and marks the boot thread (the
// one running now, which becomes the runtime's m0) current.
//
//go:nosplit
func initThreads() {
	idle := &threads[0]
	idle.state = tsRunnable
	idle.frame = x86.Frame{
		RIP:    uint64(x86.IdleLoopPC()),
		CS:     x86.SelKernelCode,
		RFLAGS: x86.FlagIF | 2,
		RSP:    uint64(stackTop()),
		SS:     x86.SelKernelData,
	}
	x86.InitFX(&idle.fx)
	// Every entry's ABI wrapper loads g from FS:-8, so the idle context
	// needs a readable TLS slot too (holding a nil g).
	idle.fsBase = idleTLSBase()
	boot := &threads[firstThread]
	boot.fsBase = x86.Rdmsr(x86.MSRFSBase)
	x86.SetKernelFSBase(boot.fsBase)
	loadedFSOf[0] = boot.fsBase
	boot.state = tsRunning
	boot.tid = 1
	curOf[0] = firstThread
	hiThread = firstThread
}
