// Package sched is the arithmetic of kernel/rt's scheduler: Zircon's two
// disciplines over integers, with no pointers, no allocation and no
// imports, so that the trap path can run it (every function is nosplit)
// and host tests can reach it.
//
// Fair threads share a CPU in proportion to their weights (Zircon's
// priority→weight table, priority 16 the default): each has a virtual
// time that advances by the time it runs scaled by MaxWeight/weight, and
// the runnable fair thread with the least virtual time runs next. A
// thread that becomes runnable again after blocking starts no earlier
// than the least virtual time of the threads that kept running (Zircon
// clamps a waking thread to its run queue's virtual time), so sleeping
// earns no credit.
//
// Deadline threads come before every fair thread: each has a capacity,
// a relative deadline and a period (zx_sched_deadline_params_t). In each
// period it may run for its capacity; the eligible deadline thread with
// the earliest absolute deadline runs first (EDF). One that has used its
// capacity, or whose deadline has passed, waits for its next period
// (Zircon's deadline scheduler: start = max(now, start+period), finish =
// start+deadline, a fresh capacity).
package sched

// Disciplines.
const (
	Fair     = 0
	Deadline = 1
)

// Zircon's priority range.
const (
	PriorityLowest  = 0
	PriorityDefault = 16
	PriorityHighest = 31
)

// MaxWeight is the weight of the highest priority: a thread of that
// weight's virtual time advances at the rate of real time.
const MaxWeight = 65536

// weights is Zircon's priority→weight table (kernel/scheduler.cc): each
// step of priority is a factor of about 1.22, so 8 steps about 5x.
var weights = [PriorityHighest + 1]int32{
	121, 149, 182, 223, 273, 335, 410, 503, 616, 754, 924,
	1132, 1386, 1698, 2080, 2549, 3122, 3825, 4685, 5739, 7030, 8612,
	10550, 12924, 15832, 19394, 23757, 29103, 35651, 43672, 53499, 65536,
}

// Weight returns the fair weight of priority p, clamped to the range.
//
//go:nosplit
func Weight(p int32) int64 {
	if p < PriorityLowest {
		p = PriorityLowest
	}
	if p > PriorityHighest {
		p = PriorityHighest
	}
	return int64(weights[p])
}

// DefaultWeight is the weight of PriorityDefault: every thread's until a
// profile says otherwise.
const DefaultWeight = 3122

// State is one thread's scheduling state. Its zero value is a fair
// thread of the default weight at virtual time 0.
type State struct {
	// Discipline is Fair or Deadline.
	Discipline uint32
	// Weight is a fair thread's weight (0: DefaultWeight).
	Weight int64
	// VTime is a fair thread's virtual time (ns at MaxWeight).
	VTime int64
	// Capacity, RelDeadline and Period are a deadline thread's
	// parameters (ns).
	Capacity, RelDeadline, Period int64
	// Start and Finish bound a deadline thread's current period: it is
	// eligible from Start, Finish is its absolute deadline; Used is the
	// time it ran since Start.
	Start, Finish, Used int64
}

// weight returns s's effective fair weight.
//
//go:nosplit
func (s *State) weight() int64 {
	if s.Weight <= 0 {
		return DefaultWeight
	}
	return s.Weight
}

// SetFair makes s a fair thread of weight w at virtual time vnow (the
// least virtual time of the runnable threads).
//
//go:nosplit
func (s *State) SetFair(w, vnow int64) {
	if s.Discipline != Fair && s.VTime < vnow {
		s.VTime = vnow
	}
	s.Discipline = Fair
	s.Weight = w
}

// SetDeadline makes s a deadline thread whose first period starts at now.
// The parameters are those profile_create accepted (0 < capacity <=
// deadline <= period).
//
//go:nosplit
func (s *State) SetDeadline(capacity, deadline, period, now int64) {
	s.Discipline = Deadline
	s.Capacity, s.RelDeadline, s.Period = capacity, deadline, period
	s.Start, s.Finish, s.Used = now, now+deadline, 0
}

// Reset makes s a fresh fair thread of the default weight at virtual
// time vnow (a new kernel thread).
//
//go:nosplit
func (s *State) Reset(vnow int64) {
	*s = State{VTime: vnow}
}

// Charge accounts ran ns of CPU time to s.
//
//go:nosplit
func (s *State) Charge(ran int64) {
	if ran <= 0 {
		return
	}
	if s.Discipline == Deadline {
		s.Used += ran
		return
	}
	s.VTime += ran * MaxWeight / s.weight()
}

// Refresh starts a deadline thread's next period when the current one is
// spent: its deadline passed, or less of its capacity left than quantum
// (the scheduler's tick, after which it looks again: so a thread that
// keeps running never exceeds its capacity in a period, unless its
// whole capacity is below a quantum, and then it runs one). The next
// period starts a period after the current one, or now if that is later.
//
//go:nosplit
func (s *State) Refresh(now, quantum int64) {
	if s.Discipline != Deadline {
		return
	}
	left := s.Capacity - s.Used
	if now < s.Finish && left > 0 && (s.Used == 0 || left >= quantum) {
		return
	}
	next := s.Start + s.Period
	if now > next {
		next = now
	}
	s.Start, s.Finish, s.Used = next, next+s.RelDeadline, 0
}

// Eligible reports whether s may run at now (after Refresh): a fair
// thread always, a deadline thread once its period has started.
//
//go:nosplit
func (s *State) Eligible(now int64) bool {
	return s.Discipline != Deadline || s.Start <= now
}

// Wake clamps a fair thread that becomes runnable to virtual time vnow.
//
//go:nosplit
func (s *State) Wake(vnow int64) {
	if s.Discipline == Fair && s.VTime < vnow {
		s.VTime = vnow
	}
}

// Before reports whether eligible thread a should run before eligible
// thread b: deadline threads before fair ones, the earlier absolute
// deadline first, the smaller virtual time first. Ties are false, so a
// scan that keeps its first best rotates among equals.
//
//go:nosplit
func Before(a, b *State) bool {
	if a.Discipline != b.Discipline {
		return a.Discipline == Deadline
	}
	if a.Discipline == Deadline {
		return a.Finish < b.Finish
	}
	return a.VTime < b.VTime
}
