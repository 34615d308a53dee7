package zxsys

import "beryl/kernel/object"

func (d *Dispatcher) sysHandleDuplicate(c Caller, h object.Handle, rights object.Rights, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	nh, st := object.HandleDuplicate(c.Process(), h, rights)
	return out1(c, nh, st, out)
}

func (d *Dispatcher) sysHandleReplace(c Caller, h object.Handle, rights object.Rights, out UserPtr) object.Status {
	// The source is invalidated even on failure, so the pointer must be
	// known good first.
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	nh, st := object.HandleReplace(c.Process(), h, rights)
	return out1(c, nh, st, out)
}

func (d *Dispatcher) sysHandleClose(c Caller, h object.Handle) object.Status {
	return object.HandleClose(c.Process(), h)
}

// closeManyChunk bounds the handles copied in at once.
const closeManyChunk = 256

func (d *Dispatcher) sysHandleCloseMany(c Caller, handles UserPtr, n uint64) object.Status {
	if n > (1<<63)/4 {
		return object.ErrInvalidArgs
	}
	// The whole array is read before anything is closed.
	if st := probe(c, handles, n*4, false); st != object.OK {
		return st
	}
	p := c.Process()
	res := object.OK
	for off := uint64(0); off < n; off += closeManyChunk {
		k := min(n-off, closeManyChunk)
		hs, st := readHandles(c, handles+UserPtr(off*4), k)
		if st != object.OK {
			return st
		}
		if st := object.HandleCloseMany(p, hs); st != object.OK {
			res = st
		}
	}
	return res
}
