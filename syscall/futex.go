package zxsys

import (
	"beryl/kernel/object"
)

// The wait queues are the calling process's futex context
// (object.FutexContext), which the Linux personality's futex shares.

func futexLoad(c Caller, p UserPtr) func() (int32, object.Status) {
	return func() (int32, object.Status) {
		v, st := readU32(c, p)
		return int32(v), st
	}
}

// checkFutexPtr rejects NULL and misaligned futex addresses.
func checkFutexPtr(p UserPtr) object.Status {
	if p == 0 || p%4 != 0 {
		return object.ErrInvalidArgs
	}
	return object.OK
}

// checkOwner validates a new owner handle: ZX_HANDLE_INVALID or a thread.
// Ownership itself (priority inheritance, futex_get_owner) is not tracked.
func checkOwner(c Caller, owner object.Handle) object.Status {
	if owner == object.HandleInvalid {
		return object.OK
	}
	_, st := gate(c.Process(), owner, object.ObjTypeThread, object.RightNone)
	return st
}

func (d *Dispatcher) sysFutexWait(c Caller, value UserPtr, current int32, owner object.Handle, deadline object.Time) object.Status {
	if st := checkFutexPtr(value); st != object.OK {
		return st
	}
	if st := checkOwner(c, owner); st != object.OK {
		return st
	}
	return c.Process().Futexes().Wait(uint64(value), futexLoad(c, value), current, deadline, c.Killed())
}

func (d *Dispatcher) sysFutexWake(c Caller, value UserPtr, count uint32) object.Status {
	if st := checkFutexPtr(value); st != object.OK {
		return st
	}
	c.Process().Futexes().Wake(uint64(value), count)
	return object.OK
}

func (d *Dispatcher) sysFutexRequeue(c Caller, value UserPtr, wakeCount uint32, current int32, requeue UserPtr, requeueCount uint32, owner object.Handle) object.Status {
	if st := checkFutexPtr(value); st != object.OK {
		return st
	}
	if st := checkFutexPtr(requeue); st != object.OK {
		return st
	}
	if value == requeue {
		return object.ErrInvalidArgs
	}
	if st := checkOwner(c, owner); st != object.OK {
		return st
	}
	return c.Process().Futexes().Requeue(uint64(value), wakeCount, futexLoad(c, value), current, uint64(requeue), requeueCount)
}
