package object

// Timer is a timer object: it asserts ZX_TIMER_SIGNALED when its deadline
// passes (on the package clock).
type Timer struct {
	Base
	options uint32

	// Guarded by the object lock.
	deadline Time
	slack    Duration
	gen      uint64 // bumped by every set and cancel; stale callbacks do nothing
	pending  Stopper
}

// NewTimer creates a timer with a slack mode (the caller owns one
// reference).
func NewTimer(options uint32) *Timer {
	t := &Timer{options: options}
	t.Base.Init(t, ObjTypeTimer, nil, true, 0)
	return t
}

func (t *Timer) allowedUserSignals() Signals { return UserSignalAll }

// TimerCreate is zx_timer_create. Errors: INVALID_ARGS (options not a
// slack mode, clock not ZX_CLOCK_MONOTONIC), ACCESS_DENIED
// (ZX_POL_NEW_TIMER), NO_RESOURCES.
func TimerCreate(p *Process, options uint32, clockID uint32) (Handle, Status) {
	// Zircon's order: the clock, the policy, then the options
	// (TimerDispatcher::Create).
	if clockID != ClockMonotonic {
		return HandleInvalid, ErrInvalidArgs
	}
	if st := p.EnforceBasicPolicy(PolNewTimer); st != OK {
		return HandleInvalid, st
	}
	if options > TimerSlackLate {
		return HandleInvalid, ErrInvalidArgs
	}
	return p.installNew(NewTimer(options), DefaultTimerRights)
}

// fireTime returns when a timer set to deadline with slack fires. Without
// coalescing partners every mode may fire at the deadline itself, which
// lies in each mode's window ([d-s, d+s], [d-s, d], [d, d+s]).
func fireTime(deadline Time, slack Duration, mode uint32) Time {
	_, _ = slack, mode
	return deadline
}

// Set arms the timer, replacing any earlier deadline and deasserting
// ZX_TIMER_SIGNALED.
func (t *Timer) Set(deadline Time, slack Duration) {
	t.mu.Lock()
	t.cancelLocked()
	t.deadline, t.slack = deadline, slack
	gen := t.gen
	when := fireTime(deadline, slack, t.options)
	if when <= Now() {
		t.deadline, t.slack = 0, 0
		t.UpdateStateLocked(0, TimerSignaled)
		t.mu.Unlock()
		return
	}
	t.AddRef() // held by the pending callback
	t.pending = CurrentClock().AfterFunc(when, func() { t.fire(gen) })
	t.mu.Unlock()
}

func (t *Timer) fire(gen uint64) {
	t.mu.Lock()
	if t.gen == gen {
		t.pending = nil
		t.deadline, t.slack = 0, 0
		t.UpdateStateLocked(0, TimerSignaled)
	}
	t.mu.Unlock()
	t.Release()
}

// cancelLocked stops a pending deadline and deasserts the signal; the
// object lock must be held.
func (t *Timer) cancelLocked() {
	t.gen++
	if t.pending != nil {
		if t.pending.Stop() {
			// The callback will never run: drop its reference. Release
			// cannot destroy the timer here since the caller holds one.
			t.Release()
		}
		t.pending = nil
	}
	t.deadline, t.slack = 0, 0
	t.UpdateStateLocked(TimerSignaled, 0)
}

// Cancel disarms the timer and deasserts ZX_TIMER_SIGNALED.
func (t *Timer) Cancel() {
	t.mu.Lock()
	t.cancelLocked()
	t.mu.Unlock()
}

// OnZeroHandles cancels a pending deadline: nobody can observe it.
func (t *Timer) OnZeroHandles() []*HandleEntry {
	t.Cancel()
	return nil
}

// TimerSet is zx_timer_set (needs ZX_RIGHT_WRITE). The slack is raised to
// the job policy's minimum. Errors: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED,
// OUT_OF_RANGE (negative slack).
func TimerSet(p *Process, h Handle, deadline Time, slack Duration) Status {
	// A negative slack fails before the handle, as Zircon's sys_timer_set.
	if slack < 0 {
		return ErrOutOfRange
	}
	t, st := lookupAs[*Timer](p, h, ObjTypeTimer, RightWrite)
	if st != OK {
		return st
	}
	defer t.Release()
	if min, _ := p.policy.TimerSlack(); slack < min {
		slack = min
	}
	t.Set(deadline, slack)
	return OK
}

// TimerCancel is zx_timer_cancel (needs ZX_RIGHT_WRITE).
func TimerCancel(p *Process, h Handle) Status {
	t, st := lookupAs[*Timer](p, h, ObjTypeTimer, RightWrite)
	if st != OK {
		return st
	}
	defer t.Release()
	t.Cancel()
	return OK
}

// ObjectGetInfoTimer is ZX_INFO_TIMER (needs ZX_RIGHT_INSPECT).
func ObjectGetInfoTimer(p *Process, h Handle) (TimerInfo, Status) {
	t, st := lookupAs[*Timer](p, h, ObjTypeTimer, RightInspect)
	if st != OK {
		return TimerInfo{}, st
	}
	defer t.Release()
	t.mu.Lock()
	defer t.mu.Unlock()
	return TimerInfo{Options: t.options, Deadline: t.deadline, Slack: t.slack}, OK
}
