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

// checkOwner validates a new owner handle: ZX_HANDLE_INVALID or a thread
// (its koid is returned). Ownership itself (priority inheritance,
// futex_get_owner) is not tracked.
func checkOwner(c Caller, owner object.Handle) (object.Koid, object.Status) {
	if owner == object.HandleInvalid {
		return 0, object.OK
	}
	info, st := gate(c.Process(), owner, object.ObjTypeThread, object.RightNone)
	return info.Koid, st
}

// afterValue reports a bad owner the way Zircon's FutexContext does: only
// once the futex still holds current (an unreadable futex INVALID_ARGS, a
// changed value BAD_STATE come first).
func afterValue(c Caller, value UserPtr, current int32, st object.Status) object.Status {
	v, rst := readU32(c, value)
	if rst != object.OK {
		return rst
	}
	if int32(v) != current {
		return object.ErrBadState
	}
	return st
}

func (d *Dispatcher) sysFutexWait(c Caller, value UserPtr, current int32, owner object.Handle, deadline object.Time) object.Status {
	if st := checkFutexPtr(value); st != object.OK {
		return st
	}
	koid, st := checkOwner(c, owner)
	if st == object.OK && koid != 0 && koid == c.ThreadKoid() {
		st = object.ErrInvalidArgs // the waiter cannot be the new owner
	}
	if st != object.OK {
		return afterValue(c, value, current, st)
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
	if _, st := checkOwner(c, owner); st != object.OK {
		return afterValue(c, value, current, st)
	}
	return c.Process().Futexes().Requeue(uint64(value), wakeCount, futexLoad(c, value), current, uint64(requeue), requeueCount)
}
