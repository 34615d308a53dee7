package zxsys

import (
	"beryl/kernel/object"
	"beryl/kernel/proc"
)

// Exception channels and exception objects (Zircon's
// lib/syscalls/exceptions.cc); the exception dispatch itself is
// kernel/proc's, the objects kernel/object's.

// sysTaskCreateExceptionChannel checks in Zircon's order: options, the
// caller's ZX_POL_NEW_CHANNEL, the handle with INSPECT, DUPLICATE,
// TRANSFER and MANAGE_THREAD (before its type), the type, DEBUGGER on a
// thread, ENUMERATE on a process or job, then the binding.
func (d *Dispatcher) sysTaskCreateExceptionChannel(c Caller, h object.Handle, options uint32, out UserPtr) object.Status {
	if options&^object.ExceptionChannelDebugger != 0 {
		return object.ErrInvalidArgs
	}
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	p := c.Process()
	if st := p.EnforceBasicPolicy(object.PolNewChannel); st != object.OK {
		return st
	}
	o, rights, st := p.Lookup(h, object.ObjTypeNone, object.RightInspect|object.RightDuplicate|object.RightTransfer|object.RightManageThread)
	if st != object.OK {
		return st
	}
	defer o.(interface{ Release() }).Release()
	debug := options&object.ExceptionChannelDebugger != 0
	// The task handles an exception gives out carry the rights of this
	// handle, so that the channel grants no more than the caller had.
	threadRights, processRights := rights, rights
	var x *object.Exceptionate
	switch t := o.(type) {
	case *object.Job:
		x = t.Exceptionate(debug)
	case *object.Process:
		x = t.Exceptionate(debug)
	case *proc.Thread:
		if debug {
			return object.ErrInvalidArgs
		}
		processRights = 0
		x = t.Exceptionate()
	default:
		return object.ErrWrongType
	}
	if o.Type() != object.ObjTypeThread && !rights.Has(object.RightEnumerate) {
		return object.ErrAccessDenied
	}
	u, urights, st := x.Bind(threadRights, processRights)
	if st != object.OK {
		return st
	}
	uh, st := p.Install(u, urights) // takes over u's reference
	return out1(c, uh, st, out)
}

// exceptionOf looks h up as an exception (no rights needed).
func exceptionOf(c Caller, h object.Handle) (*object.Exception, object.Status) {
	e, _, st := lookupAs[*object.Exception](c, h, object.ObjTypeException, object.RightNone)
	return e, st
}

func (d *Dispatcher) sysExceptionGetThread(c Caller, h object.Handle, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	e, st := exceptionOf(c, h)
	if st != object.OK {
		return st
	}
	defer e.Release()
	th, st := e.ThreadHandle(c.Process())
	return out1(c, th, st, out)
}

func (d *Dispatcher) sysExceptionGetProcess(c Caller, h object.Handle, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	e, st := exceptionOf(c, h)
	if st != object.OK {
		return st
	}
	defer e.Release()
	ph, st := e.ProcessHandle(c.Process())
	return out1(c, ph, st, out)
}

// exceptionReportInfo serves ZX_INFO_THREAD_EXCEPTION_REPORT
// (zx_exception_report_t; INSPECT): BAD_STATE for a thread not blocked
// in an exception.
func exceptionReportInfo(c Caller, h object.Handle, buf []byte) (rec, actual, avail int, st object.Status) {
	t, _, st := lookupAs[*proc.Thread](c, h, object.ObjTypeThread, object.RightInspect)
	if st != object.OK {
		return 0, 0, 0, st
	}
	defer t.Release()
	rec = object.ExceptionReportSize
	e := t.CurrentException()
	if e == nil {
		return rec, 0, 0, object.ErrBadState
	}
	if len(buf) < rec {
		return rec, 0, 1, object.ErrBufferTooSmall
	}
	e.Report().Encode(buf[:0], e.ExceptionType())
	return rec, 1, 1, object.OK
}
