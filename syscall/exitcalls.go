package zxsys

import (
	"beryl/kernel/object"
	"beryl/mm/vm"
)

// The thread-exit combinations: vmar_unmap_handle_close_thread_exit and
// futex_wake_handle_close_thread_exit. Zircon implements them in its vDSO
// as a chain of syscalls that never touches the stack again; Beryl has no
// vDSO, so the kernel runs the chain. Where Zircon's vDSO executes ud2
// (a step failed after the caller's stack may be gone), the process is
// killed with ZX_TASK_RETCODE_EXCEPTION_KILLED, the end of an unhandled
// trap.

// trapKill ends the calling process as an unhandled ud2 would.
func trapKill(c Caller) { c.Process().Kill(object.TaskRetcodeExceptionKill) }

// closeThenExit closes h (ZX_HANDLE_INVALID: nothing) and exits the
// calling thread; a close failure is the vDSO's trap.
func closeThenExit(c Caller, h object.Handle) {
	if h != object.HandleInvalid {
		if object.HandleClose(c.Process(), h) != object.OK {
			trapKill(c)
			return
		}
	}
	c.ExitThread()
}

// sysVmarUnmapHandleCloseThreadExit returns only when the unmap fails,
// with the unmap's status.
func (d *Dispatcher) sysVmarUnmapHandleCloseThreadExit(c Caller, h object.Handle, addr, size uint64, closeHandle object.Handle) object.Status {
	v, _, st := lookupAs[*vm.VMAR](c, h, object.ObjTypeVMAR, 0)
	if st != object.OK {
		return st
	}
	st = v.Unmap(addr, size)
	v.Release()
	if st != object.OK {
		return st
	}
	closeThenExit(c, closeHandle)
	return object.OK
}

// sysFutexWakeHandleCloseThreadExit never returns: the vDSO stores
// new_value with a plain (possibly unaligned) move, so an unwritable
// value_ptr traps, and a misaligned one fails futex_wake and traps.
func (d *Dispatcher) sysFutexWakeHandleCloseThreadExit(c Caller, value UserPtr, count uint32, newValue int32, closeHandle object.Handle) {
	if value == 0 || copyOut(c, value, le.AppendUint32(nil, uint32(newValue))) != object.OK {
		trapKill(c)
		return
	}
	if d.sysFutexWake(c, value, count) != object.OK {
		trapKill(c)
		return
	}
	closeThenExit(c, closeHandle)
}
