package zxsys

import "beryl/kernel/object"

// Process and thread syscalls: names and out-parameters here, the tasks
// themselves in TaskOps (ZX_ERR_NOT_SUPPORTED until it is installed).

// copyName copies in a task name: at most ZX_MAX_NAME_LEN-1 bytes are
// read, up to the first NUL (Zircon truncates the same way).
func copyName(c Caller, name UserPtr, size uint64) (string, object.Status) {
	b, st := copyIn(c, name, min(size, object.MaxNameLen-1))
	if st != object.OK {
		return "", st
	}
	return cString(b), object.OK
}

func sysProcessCreate(c Caller, job object.Handle, name UserPtr, nameSize uint64, options uint32, procHandle, vmarHandle UserPtr) object.Status {
	ops := tasks()
	if ops == nil {
		return object.ErrNotSupported
	}
	n, st := copyName(c, name, nameSize)
	if st != object.OK {
		return st
	}
	if st := probeAll(c, 4, procHandle, vmarHandle); st != object.OK {
		return st
	}
	ph, vh, st := ops.ProcessCreate(c, job, n, options)
	return out2(c, ph, vh, st, procHandle, vmarHandle)
}

func sysProcessStart(c Caller, h, thread object.Handle, entry, stack uint64, arg1 object.Handle, arg2 uint64) object.Status {
	ops := tasks()
	if ops == nil {
		return object.ErrNotSupported
	}
	return ops.ProcessStart(c, h, thread, entry, stack, arg1, arg2)
}

// sysProcessExit ends the calling process. Without TaskOps the object
// core's process is terminated (handles closed, TERMINATED asserted).
func sysProcessExit(c Caller, retcode int64) {
	if ops := tasks(); ops != nil {
		ops.ProcessExit(c, retcode)
		return
	}
	c.Process().Exit(retcode)
}

func sysThreadCreate(c Caller, proc object.Handle, name UserPtr, nameSize uint64, options uint32, out UserPtr) object.Status {
	ops := tasks()
	if ops == nil {
		return object.ErrNotSupported
	}
	n, st := copyName(c, name, nameSize)
	if st != object.OK {
		return st
	}
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h, st := ops.ThreadCreate(c, proc, n, options)
	return out1(c, h, st, out)
}

func sysThreadStart(c Caller, h object.Handle, entry, stack, arg1, arg2 uint64) object.Status {
	ops := tasks()
	if ops == nil {
		return object.ErrNotSupported
	}
	return ops.ThreadStart(c, h, entry, stack, arg1, arg2)
}

// sysThreadExit ends the calling thread (nothing to do without TaskOps).
func sysThreadExit(c Caller) {
	if ops := tasks(); ops != nil {
		ops.ThreadExit(c)
	}
}
