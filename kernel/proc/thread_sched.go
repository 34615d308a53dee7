package proc

import (
	"runtime"
	"sync"
	"sync/atomic"

	"beryl/arch/x86"
	"beryl/kernel/object"
	"beryl/kernel/rt"
	"beryl/kernel/sched"
)

// threadSched is what object_set_profile recorded on a thread: a
// priority or deadline parameters, and a CPU affinity mask. A thread
// whose profile asks for anything but the defaults (a priority other
// than 16, deadline parameters, a mask that leaves out some of the CPUs
// that run threads) is bound: its goroutine is locked to a kernel
// thread of its own, which kernel/rt schedules by the thread's
// discipline (fair at the priority's weight, or deadline) and runs only
// on the mask's CPUs, and it enters user mode without holding a P of the
// Go runtime (x86.EnterUserDetached), so that kernel/rt, not the Go
// scheduler, decides between bound threads (bindForUser).
type threadSched struct {
	mu sync.Mutex
	// p: the settings applied so far (Flags says which are set).
	p object.SchedParams
	// gen counts the profiles applied; bound.gen is the one the
	// thread's kernel thread was last brought in line with.
	gen atomic.Uint64
	// bound is touched only by the thread's own goroutine.
	bound struct {
		gen uint64
		on  bool
	}
}

// ApplyProfile is object_set_profile on t (Zircon's
// ProfileDispatcher::ApplyProfile): a priority replaces a deadline and
// the reverse; a CPU mask replaces the affinity; settings the profile
// does not carry stay.
func (t *Thread) ApplyProfile(sp object.SchedParams) {
	s := &t.sched
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp.Flags&object.ProfileInfoFlagPriority != 0 {
		s.p.Flags = s.p.Flags&^object.ProfileInfoFlagDeadline | object.ProfileInfoFlagPriority
		s.p.Priority = sp.Priority
	}
	if sp.Flags&object.ProfileInfoFlagDeadline != 0 {
		s.p.Flags = s.p.Flags&^object.ProfileInfoFlagPriority | object.ProfileInfoFlagDeadline
		s.p.Capacity, s.p.RelativeDeadline, s.p.Period = sp.Capacity, sp.RelativeDeadline, sp.Period
	}
	if sp.Flags&object.ProfileInfoFlagCPUMask != 0 {
		s.p.Flags |= object.ProfileInfoFlagCPUMask
		s.p.CPUMask = sp.CPUMask
	}
	s.gen.Add(1)
	t.recall()
}

// AffinityMask returns the thread's CPU affinity mask as ZX_INFO_THREAD
// reports it: the last profile's mask, or, when no profile set one, the
// first cpus CPUs (those that run user threads).
func (t *Thread) AffinityMask(cpus int) uint64 {
	s := &t.sched
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p.Flags&object.ProfileInfoFlagCPUMask != 0 {
		return s.p.CPUMask
	}
	if cpus >= 64 {
		return ^uint64(0)
	}
	return 1<<cpus - 1
}

// SchedParams returns what profiles have set on the thread.
func (t *Thread) SchedParams() object.SchedParams {
	s := &t.sched
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.p
}

// userMask returns the CPUs the thread's user code may run on, or 0 when
// that is any CPU that runs threads (no mask, or one that covers them
// all or names none of them).
func (t *Thread) userMask() uint64 {
	s := &t.sched
	s.mu.Lock()
	m := s.p.CPUMask
	if s.p.Flags&object.ProfileInfoFlagCPUMask == 0 {
		m = 0
	}
	s.mu.Unlock()
	all := ^uint64(0)
	if n := rt.SchedCPUs(); n < 64 {
		all = 1<<n - 1
	}
	if m&all == 0 || m&all == all {
		return 0
	}
	return m & all
}

// bindForUser brings the calling goroutine (the thread's) and its kernel
// thread in line with the thread's profile before it enters user mode,
// and reports whether the thread is bound (so enters user mode detached
// from its P). It locks the goroutine to its kernel thread when the
// profile first asks for something, and gives the kernel thread back
// (default discipline, any CPU) when a later profile asks for nothing.
// The kernel-side work of a bound thread runs bound too, as in Zircon,
// where a thread's priority is its own in the kernel as in user mode.
func (t *Thread) bindForUser() bool {
	s := &t.sched
	g := s.gen.Load()
	if g == s.bound.gen {
		return s.bound.on
	}
	p := t.SchedParams()
	mask := t.userMask()
	dl := p.Flags&object.ProfileInfoFlagDeadline != 0
	prio := p.Flags&object.ProfileInfoFlagPriority != 0 && p.Priority != sched.PriorityDefault
	on := mask != 0 || dl || prio
	switch {
	case on:
		if !s.bound.on {
			runtime.LockOSThread()
		}
		rt.SetAffinity(mask)
		switch {
		case dl:
			rt.SetDeadline(int64(p.Capacity), int64(p.RelativeDeadline), int64(p.Period))
		case prio:
			rt.SetPriority(p.Priority)
		default:
			rt.SetPriority(sched.PriorityDefault)
		}
	case s.bound.on:
		unbindKernelThread()
	}
	s.bound.gen, s.bound.on = g, on
	return on
}

// unbindOnExit gives the kernel thread of an exiting bound thread back.
func (t *Thread) unbindOnExit() {
	if t.sched.bound.on {
		t.sched.bound.on = false
		unbindKernelThread()
	}
}

// unbindKernelThread resets the calling kernel thread to the default
// discipline on any CPU and unlocks the goroutine from it.
func unbindKernelThread() {
	rt.SetPriority(sched.PriorityDefault)
	rt.SetAffinity(0)
	runtime.UnlockOSThread()
}

// maxDetachedInterrupts bounds the interrupts a bound thread's user code
// runs across without its kernel loop looking (about 50 ms at the
// default tick): a backstop for a request that forgot to recall it.
const maxDetachedInterrupts = 50

// enterUser runs the thread's user code until it traps. A bound thread
// runs detached from its P and, while nothing recalls it (recall; ra and
// rp are the thread's and its process's recall counts from before the
// loop's checks), resumes its user code after an interrupt without
// coming back to Go, which would need a P again at every tick.
func (t *Thread) enterUser(bound bool, ra, rp uint32) {
	if bound {
		x86.EnterUserDetached(t.Ctx, &t.recalls, ra, &t.P.recalls, rp, maxDetachedInterrupts)
		return
	}
	x86.EnterUser(t.Ctx)
}

// recall asks the thread to come back from user mode to its kernel loop
// at the next interrupt (a bound thread otherwise stays in user mode
// across them): after anything its loop checks changes.
func (t *Thread) recall() { atomic.AddUint32(&t.recalls, 1) }

// recall is Thread.recall for every thread of p.
func (p *Process) recall() { atomic.AddUint32(&p.recalls, 1) }
