package zxsys

import "beryl/kernel/object"

func (d *Dispatcher) sysNanosleep(c Caller, deadline object.Time) object.Status {
	if !object.SleepUntilKillable(deadline, c.Killed()) {
		return object.ErrInternalIntrKilled
	}
	return object.OK
}

func (d *Dispatcher) sysClockGetMonotonic(c Caller) object.Time {
	return object.Now()
}

func (d *Dispatcher) sysClockGetBoot(c Caller) object.Time {
	return object.Now()
}

// sysTicksGet reads Dispatcher.Ticks (the TSC in the kernel), or the
// tick source of clock objects (the monotonic clock in nanoseconds)
// without one.
func (d *Dispatcher) sysTicksGet(c Caller) int64 {
	if d.Ticks != nil && d.TicksPerSecond != nil && d.TicksPerSecond() > 0 {
		return d.Ticks()
	}
	return object.Ticks()
}

func (d *Dispatcher) sysTicksPerSecond(c Caller) int64 {
	if d.Ticks != nil && d.TicksPerSecond != nil {
		if hz := d.TicksPerSecond(); hz > 0 {
			return hz
		}
	}
	return 1_000_000_000
}

// sysDeadlineAfter is zx_deadline_after: now plus the duration,
// saturating at ZX_TIME_INFINITE (and at ZX_TIME_INFINITE_PAST below).
func (d *Dispatcher) sysDeadlineAfter(c Caller, ns object.Duration) object.Time {
	now := object.Now()
	t := now + object.Time(ns)
	switch {
	case ns > 0 && t < now:
		return object.TimeInfinite
	case ns < 0 && t > now:
		return object.TimeInfinitePast
	}
	return t
}
