package zxsys

import "beryl/kernel/object"

// The x86 port I/O family (Zircon's ddk.cc): ioports_request and
// ioports_release edit the calling process's I/O permission bitmap.

func ioports(c Caller, resource object.Handle, addr, n uint32, allow bool) object.Status {
	if st := lookupRangedResource(c, resource, object.ResourceKindIOPort, uint64(addr), uint64(n)); st != object.OK {
		return st
	}
	if uint64(addr)+uint64(n) > 0x10000 {
		return object.ErrInvalidArgs
	}
	if allow && object.ResourceRangeReserved(object.ResourceKindIOPort, uint64(addr), uint64(n)) {
		return object.ErrAccessDenied
	}
	if n > 0 {
		c.SetIOPorts(addr, n, allow)
	}
	return object.OK
}

func (d *Dispatcher) sysIoportsRequest(c Caller, resource object.Handle, addr, n uint32) object.Status {
	return ioports(c, resource, addr, n, true)
}

func (d *Dispatcher) sysIoportsRelease(c Caller, resource object.Handle, addr, n uint32) object.Status {
	return ioports(c, resource, addr, n, false)
}
