package zxsys

import (
	"beryl/kernel/object"
	"beryl/kernel/proc"
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

// futexOwner resolves a new owner handle as Zircon's ValidateFutexOwner:
// ZX_HANDLE_INVALID is no owner; otherwise a thread (BAD_HANDLE,
// WRONG_TYPE; no right needed) of the caller's process that has started
// (else INVALID_ARGS); a dying or dead thread is no owner. The status is
// reported after the futex value check, as in Zircon.
func futexOwner(c Caller, owner object.Handle) (object.FutexOwner, object.Status) {
	if owner == object.HandleInvalid {
		return nil, object.OK
	}
	t, _, st := lookupAs[*proc.Thread](c, owner, object.ObjTypeThread, object.RightNone)
	if st != object.OK {
		return nil, st
	}
	defer t.Release()
	if t.Process() != c.Process() {
		return nil, object.ErrInvalidArgs
	}
	switch t.State() {
	case object.ThreadStateNew:
		return nil, object.ErrInvalidArgs
	case object.ThreadStateDying, object.ThreadStateDead:
		return nil, object.OK
	}
	return t, object.OK
}

func (d *Dispatcher) sysFutexWait(c Caller, value UserPtr, current int32, owner object.Handle, deadline object.Time) object.Status {
	if st := checkFutexPtr(value); st != object.OK {
		return st
	}
	o, ost := futexOwner(c, owner)
	return c.Process().Futexes().WaitOwned(uint64(value), futexLoad(c, value), current, deadline, c.Killed(), c.ThreadKoid(), o, ost)
}

func (d *Dispatcher) sysFutexWake(c Caller, value UserPtr, count uint32) object.Status {
	if st := checkFutexPtr(value); st != object.OK {
		return st
	}
	c.Process().Futexes().Wake(uint64(value), count)
	return object.OK
}

// sysFutexWakeSingleOwner wakes one waiter and makes it the owner of the
// futex if others still wait.
func (d *Dispatcher) sysFutexWakeSingleOwner(c Caller, value UserPtr) object.Status {
	if st := checkFutexPtr(value); st != object.OK {
		return st
	}
	c.Process().Futexes().WakeSingleOwner(uint64(value))
	return object.OK
}

func (d *Dispatcher) sysFutexRequeue(c Caller, value UserPtr, wakeCount uint32, current int32, requeue UserPtr, requeueCount uint32, owner object.Handle) object.Status {
	return futexRequeue(c, value, wakeCount, current, requeue, requeueCount, owner, false)
}

func (d *Dispatcher) sysFutexRequeueSingleOwner(c Caller, value UserPtr, current int32, requeue UserPtr, requeueCount uint32, owner object.Handle) object.Status {
	return futexRequeue(c, value, 1, current, requeue, requeueCount, owner, true)
}

func futexRequeue(c Caller, value UserPtr, wakeCount uint32, current int32, requeue UserPtr, requeueCount uint32, owner object.Handle, assignWoken bool) object.Status {
	if st := checkFutexPtr(value); st != object.OK {
		return st
	}
	if st := checkFutexPtr(requeue); st != object.OK {
		return st
	}
	if value == requeue {
		return object.ErrInvalidArgs
	}
	o, ost := futexOwner(c, owner)
	return c.Process().Futexes().RequeueOwned(uint64(value), wakeCount, futexLoad(c, value), current, uint64(requeue), requeueCount,
		assignWoken, o, ost)
}

// sysFutexGetOwner reports the koid of the futex's owner, or
// ZX_KOID_INVALID: none, or an owner thread that has since died (Zircon
// disowns a dying thread's futexes).
func (d *Dispatcher) sysFutexGetOwner(c Caller, value UserPtr, koid UserPtr) object.Status {
	if st := checkFutexPtr(value); st != object.OK {
		return st
	}
	var k object.Koid
	if o := c.Process().Futexes().Owner(uint64(value)); o != nil {
		k = o.Koid()
		if t, ok := o.(*proc.Thread); ok {
			if s := t.State(); s == object.ThreadStateDying || s == object.ThreadStateDead {
				k = 0
			}
		}
	}
	return writeU64(c, koid, uint64(k))
}
