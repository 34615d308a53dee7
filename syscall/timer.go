package zxsys

import "beryl/kernel/object"

func (d *Dispatcher) sysTimerCreate(c Caller, options uint32, clockID uint32, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h, st := object.TimerCreate(c.Process(), options, clockID)
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysTimerSet(c Caller, h object.Handle, deadline object.Time, slack object.Duration) object.Status {
	return object.TimerSet(c.Process(), h, deadline, slack)
}

func (d *Dispatcher) sysTimerCancel(c Caller, h object.Handle) object.Status {
	return object.TimerCancel(c.Process(), h)
}
