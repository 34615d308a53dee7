package zxsys

import "beryl/kernel/object"

// VMO and VMAR syscalls: argument checks and out-parameters here, the
// memory work in TaskOps (ZX_ERR_NOT_SUPPORTED until it is installed).

func sysVmoCreate(c Caller, size uint64, options uint32, out UserPtr) object.Status {
	ops := tasks()
	if ops == nil {
		return object.ErrNotSupported
	}
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h, st := ops.VmoCreate(c, size, options)
	return out1(c, h, st, out)
}

func sysVmoRead(c Caller, h object.Handle, buffer UserPtr, offset, size uint64) object.Status {
	ops := tasks()
	if ops == nil {
		return object.ErrNotSupported
	}
	return ops.VmoRead(c, h, uint64(buffer), offset, size)
}

func sysVmoWrite(c Caller, h object.Handle, buffer UserPtr, offset, size uint64) object.Status {
	ops := tasks()
	if ops == nil {
		return object.ErrNotSupported
	}
	return ops.VmoWrite(c, h, uint64(buffer), offset, size)
}

func sysVmoGetSize(c Caller, h object.Handle, size UserPtr) object.Status {
	ops := tasks()
	if ops == nil {
		return object.ErrNotSupported
	}
	if st := probeOut(c, size, 8); st != object.OK {
		return st
	}
	n, st := ops.VmoGetSize(c, h)
	if st != object.OK {
		return st
	}
	return writeU64(c, size, n)
}

func sysVmoSetSize(c Caller, h object.Handle, size uint64) object.Status {
	ops := tasks()
	if ops == nil {
		return object.ErrNotSupported
	}
	return ops.VmoSetSize(c, h, size)
}

func sysVmoOpRange(c Caller, h object.Handle, op uint32, offset, size uint64, buffer UserPtr, bufferSize uint64) object.Status {
	ops := tasks()
	if ops == nil {
		return object.ErrNotSupported
	}
	return ops.VmoOpRange(c, h, op, offset, size, uint64(buffer), bufferSize)
}

func sysVmarAllocate(c Caller, parent object.Handle, options uint32, offset, size uint64, childVmar, childAddr UserPtr) object.Status {
	ops := tasks()
	if ops == nil {
		return object.ErrNotSupported
	}
	if st := probeOut(c, childVmar, 4); st != object.OK {
		return st
	}
	if st := probeOut(c, childAddr, 8); st != object.OK {
		return st
	}
	h, addr, st := ops.VmarAllocate(c, parent, options, offset, size)
	if st != object.OK {
		return st
	}
	if writeU64(c, childAddr, addr) != object.OK {
		object.HandleClose(c.Process(), h)
		return object.ErrInvalidArgs
	}
	return out1(c, h, st, childVmar)
}

func sysVmarMap(c Caller, vmar object.Handle, options uint32, vmarOffset uint64, vmo object.Handle, vmoOffset, length uint64, mappedAddr UserPtr) object.Status {
	ops := tasks()
	if ops == nil {
		return object.ErrNotSupported
	}
	if st := probeOut(c, mappedAddr, 8); st != object.OK {
		return st
	}
	addr, st := ops.VmarMap(c, vmar, options, vmarOffset, vmo, vmoOffset, length)
	if st != object.OK {
		return st
	}
	if writeU64(c, mappedAddr, addr) != object.OK {
		// The mapping stays, as in Zircon (user_out_ptr failures after
		// the map are reported but not undone).
		return object.ErrInvalidArgs
	}
	return object.OK
}

func sysVmarUnmap(c Caller, h object.Handle, addr, length uint64) object.Status {
	ops := tasks()
	if ops == nil {
		return object.ErrNotSupported
	}
	return ops.VmarUnmap(c, h, addr, length)
}

func sysVmarProtect(c Caller, h object.Handle, options uint32, addr, length uint64) object.Status {
	ops := tasks()
	if ops == nil {
		return object.ErrNotSupported
	}
	return ops.VmarProtect(c, h, options, addr, length)
}

func sysVmarDestroy(c Caller, h object.Handle) object.Status {
	ops := tasks()
	if ops == nil {
		return object.ErrNotSupported
	}
	return ops.VmarDestroy(c, h)
}

// ExecutableOps is optionally implemented by the TaskOps: it replaces a
// VMO handle by one with ZX_RIGHT_EXECUTE added (the handle is consumed).
// Without it vmo_replace_as_executable is ZX_ERR_NOT_SUPPORTED.
type ExecutableOps interface {
	VmoReplaceAsExecutable(c Caller, vmo object.Handle) (object.Handle, object.Status)
}

// sysVmoReplaceAsExecutable: vmex must be ZX_HANDLE_INVALID or the root
// resource until VMEX resources exist. The handle is consumed whatever
// happens, as in Zircon.
func sysVmoReplaceAsExecutable(c Caller, h, vmex object.Handle, out UserPtr) object.Status {
	fail := func(st object.Status) object.Status {
		object.HandleClose(c.Process(), h)
		return st
	}
	ops, ok := tasks().(ExecutableOps)
	if !ok {
		return fail(object.ErrNotSupported)
	}
	if st := checkRootResource(c, vmex); st != object.OK {
		return fail(st)
	}
	if st := probeOut(c, out, 4); st != object.OK {
		return fail(st)
	}
	nh, st := ops.VmoReplaceAsExecutable(c, h)
	return out1(c, nh, st, out)
}
