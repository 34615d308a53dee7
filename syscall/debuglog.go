package zxsys

import "beryl/kernel/object"

// The debuglog calls; the log itself is kernel/object's DebugLog.

// lookupLog resolves a debuglog handle through the gate (BAD_HANDLE,
// WRONG_TYPE, ACCESS_DENIED); the caller releases the reference.
func lookupLog(c Caller, h object.Handle, rights object.Rights) (*object.DebugLog, object.Status) {
	o, _, st := c.Process().Lookup(h, object.ObjTypeDebugLog, rights)
	if st != object.OK {
		return nil, st
	}
	return o.(*object.DebugLog), object.OK
}

func (d *Dispatcher) sysDebuglogCreate(c Caller, resource object.Handle, options uint32, out UserPtr) object.Status {
	if st := checkRootResource(c, resource); st != object.OK {
		return st
	}
	if options&^object.LogFlagReadable != 0 {
		return object.ErrInvalidArgs
	}
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	log, rights := object.NewDebugLog(options&object.LogFlagReadable != 0)
	h, st := c.Process().Install(log, rights)
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysDebuglogWrite(c Caller, h object.Handle, options uint32, buffer UserPtr, size uint64) object.Status {
	if options&^object.LogLocal != 0 {
		return object.ErrInvalidArgs
	}
	log, st := lookupLog(c, h, object.RightWrite)
	if st != object.OK {
		return st
	}
	log.Release()
	data, st := copyIn(c, buffer, min(size, object.LogRecordDataMax))
	if st != object.OK {
		return st
	}
	object.DebuglogWrite(c.Process().Koid(), c.ThreadKoid(), object.LogInfo, uint8(options&object.LogLocal), data)
	return object.OK
}

// sysDebuglogRead returns the record's length (a non-negative status). A
// buffer smaller than the record gets its first bytes; the rest is
// dropped, as Zircon documents.
func (d *Dispatcher) sysDebuglogRead(c Caller, h object.Handle, options uint32, buffer UserPtr, size uint64) object.Status {
	if options != 0 {
		return object.ErrInvalidArgs
	}
	log, st := lookupLog(c, h, object.RightRead)
	if st != object.OK {
		return st
	}
	defer log.Release()
	n := min(size, object.LogRecordMax)
	if st := probe(c, buffer, n, true); st != object.OK {
		return st
	}
	var b [object.LogRecordMax]byte
	k, st := log.Read(&b)
	if st != object.OK {
		return st
	}
	k = min(k, int(n))
	if copyOut(c, buffer, b[:k]) != object.OK {
		return object.ErrInvalidArgs
	}
	return object.Status(k)
}
