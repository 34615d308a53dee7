package zxsys

import "beryl/kernel/object"

func (d *Dispatcher) sysNanosleep(c Caller, deadline object.Time) object.Status {
	clock := object.CurrentClock()
	if deadline <= clock.Now() {
		return object.OK
	}
	killed := c.Killed()
	var timeout chan struct{}
	if deadline != object.TimeInfinite {
		timeout = make(chan struct{})
		s := clock.AfterFunc(deadline, func() { close(timeout) })
		defer s.Stop()
	}
	select {
	case <-timeout:
		return object.OK
	case <-killed:
		return object.ErrInternalIntrKilled
	}
}

func (d *Dispatcher) sysClockGetMonotonic(c Caller) object.Time {
	return object.Now()
}
