package zxsys

import (
	"bytes"

	"beryl/kernel/object"
)

// The resource family: resource_create, and the resource checks the
// privileged calls share.

func (d *Dispatcher) sysResourceCreate(c Caller, parent object.Handle, options uint32, base, size uint64, name UserPtr, nameSize uint64, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	b, st := copyIn(c, name, min(nameSize, object.MaxNameLen-1))
	if st != object.OK {
		return st
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	h, st := object.ResourceCreate(c.Process(), parent, options, base, size, string(b))
	return out1(c, h, st, out)
}

// requireSystemResource checks that h is the root resource or the system
// resource of base: BAD_HANDLE, WRONG_TYPE (not a resource), then
// ACCESS_DENIED for any other resource (Zircon's validate_resource
// reports a wrong kind as WRONG_TYPE; Beryl keeps the root-era
// ACCESS_DENIED the conformance suite already names).
func requireSystemResource(c Caller, h object.Handle, base uint64) object.Status {
	r, st := object.LookupResource(c.Process(), h, object.RightNone)
	if st != object.OK {
		return st
	}
	defer r.Release()
	if r.ValidateSystem(base) != object.OK {
		return object.ErrAccessDenied
	}
	return object.OK
}

// lookupRangedResource is the check of a resource argument that grants a
// range (vmo_create_physical, interrupt_create, ioports_request):
// BAD_HANDLE, WRONG_TYPE (not a resource), then the resource's kind
// (WRONG_TYPE) and range (OUT_OF_RANGE) as Zircon's
// validate_ranged_resource. The root resource grants every range.
func lookupRangedResource(c Caller, h object.Handle, kind uint32, base, size uint64) object.Status {
	r, st := object.LookupResource(c.Process(), h, object.RightNone)
	if st != object.OK {
		return st
	}
	defer r.Release()
	return r.Validate(kind, base, size)
}
