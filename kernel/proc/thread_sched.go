package proc

import (
	"runtime"
	"sync"

	"beryl/kernel/object"
	"beryl/kernel/rt"
)

// threadSched is what object_set_profile recorded on a thread: a
// priority or deadline parameters, and a CPU affinity mask. Beryl's
// threads are goroutines the Go runtime schedules round robin, so the
// priority and deadline are kept and reported but do not order threads
// (syscall/STATUS.md). A mask that leaves out some of the CPUs that run
// threads is honoured: the thread's goroutine runs its user code only on
// a kernel thread pinned to the mask's CPUs (pinForUser).
type threadSched struct {
	mu sync.Mutex
	// p: the settings applied so far (Flags says which are set).
	p object.SchedParams
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

// pinForUser moves the calling goroutine (the thread's) onto one of the
// CPUs of its affinity mask and keeps it there until unpin; it returns
// false, doing nothing, when the thread may run anywhere.
func (t *Thread) pinForUser() bool {
	m := t.userMask()
	if m == 0 {
		return false
	}
	runtime.LockOSThread()
	rt.SetAffinity(m)
	return true
}

// unpinUser undoes pinForUser.
func unpinUser() {
	rt.SetAffinity(0)
	runtime.UnlockOSThread()
}
