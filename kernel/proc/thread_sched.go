package proc

import (
	"sync"

	"beryl/kernel/object"
)

// threadSched is what object_set_profile recorded on a thread: a
// priority or deadline parameters, and a soft CPU affinity mask. Beryl's
// threads are goroutines the Go runtime schedules round robin, so the
// priority and deadline are kept and reported but do not order threads;
// a mask does not restrict where a thread runs (syscall/STATUS.md).
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
