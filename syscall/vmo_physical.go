package zxsys

import (
	"beryl/kernel/object"
	"beryl/mm/vm"
)

// Device memory: vmo_create_physical and vmo_set_cache_policy
// (Zircon's ddk.cc and vmo.cc).

func (d *Dispatcher) sysVmoCreatePhysical(c Caller, resource object.Handle, paddr, size uint64, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	if st := lookupRangedResource(c, resource, object.ResourceKindMMIO, paddr, size); st != object.OK {
		return st
	}
	v, st := vm.NewPhysicalVMO(c.AddressSpace().Env().Frames, paddr, size)
	if st != object.OK {
		return st
	}
	if object.ResourceRangeReserved(object.ResourceKindMMIO, paddr, v.Size()) {
		v.Release()
		return object.ErrAccessDenied
	}
	h, st := c.Process().Install(v, v.Rights())
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysVmoSetCachePolicy(c Caller, h object.Handle, policy uint32) object.Status {
	// The policy is checked before the handle, as Zircon's
	// sys_vmo_set_cache_policy (ZX_CACHE_POLICY_MASK is 3).
	if policy&^3 != 0 {
		return object.ErrInvalidArgs
	}
	v, _, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, object.RightMap)
	if st != object.OK {
		return st
	}
	defer v.Release()
	return v.SetCachePolicy(policy)
}
