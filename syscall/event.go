package zxsys

import "beryl/kernel/object"

func (d *Dispatcher) sysEventCreate(c Caller, options uint32, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h, st := object.EventCreate(c.Process(), options)
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysEventpairCreate(c Caller, options uint32, out0, out1p UserPtr) object.Status {
	if st := probeAll(c, 4, out0, out1p); st != object.OK {
		return st
	}
	h0, h1, st := object.EventPairCreate(c.Process(), options)
	return out2(c, h0, h1, st, out0, out1p)
}
