package zxsys

import "beryl/kernel/object"

func (d *Dispatcher) sysObjectWaitOne(c Caller, h object.Handle, signals object.Signals, deadline object.Time, observed UserPtr) object.Status {
	if st := probeOpt(c, observed, 4); st != object.OK {
		return st
	}
	obs, st := object.ObjectWaitOneKillable(c.Process(), h, signals, deadline, c.Killed())
	switch st {
	case object.OK, object.ErrTimedOut, object.ErrCanceled:
		if writeOptU32(c, observed, uint32(obs)) != object.OK {
			return object.ErrInvalidArgs
		}
	}
	return st
}

// sizeofWaitItem is sizeof(zx_wait_item_t).
const sizeofWaitItem = 12

func (d *Dispatcher) sysObjectWaitMany(c Caller, items UserPtr, n uint64, deadline object.Time) object.Status {
	if n > object.WaitManyMaxItems {
		return object.ErrOutOfRange
	}
	b, st := copyIn(c, items, n*sizeofWaitItem)
	if st != object.OK {
		return st
	}
	if st := probeOut(c, items, n*sizeofWaitItem); st != object.OK {
		return st
	}
	var arr [object.WaitManyMaxItems]object.WaitItem
	wi := arr[:n]
	for i := range wi {
		r := b[i*sizeofWaitItem:]
		wi[i] = object.WaitItem{Handle: object.Handle(le.Uint32(r)), WaitFor: object.Signals(le.Uint32(r[4:]))}
	}
	st = object.ObjectWaitManyKillable(c.Process(), wi, deadline, c.Killed())
	switch st {
	case object.OK, object.ErrTimedOut, object.ErrCanceled:
		if n == 0 {
			break
		}
		for i := range wi {
			le.PutUint32(b[i*sizeofWaitItem+8:], uint32(wi[i].Pending))
		}
		if copyOut(c, items, b) != object.OK {
			return object.ErrInvalidArgs
		}
	}
	return st
}

func (d *Dispatcher) sysObjectWaitAsync(c Caller, h, port object.Handle, key uint64, signals object.Signals, options uint32) object.Status {
	return object.ObjectWaitAsync(c.Process(), h, port, key, signals, options)
}
