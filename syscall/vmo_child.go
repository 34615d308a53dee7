package zxsys

import (
	"beryl/kernel/object"
	"beryl/mm/vm"
)

// zx_vmo_create_child: the gate here, the work in mm/vm (VMO.CreateChild,
// vm.ChildRights).

func (d *Dispatcher) sysVmoCreateChild(c Caller, h object.Handle, options uint32, offset, size uint64, out UserPtr) object.Status {
	p := c.Process()
	v, rights, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, object.RightDuplicate|object.RightRead)
	if st != object.OK {
		return st
	}
	defer v.Release()
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	child, st := v.CreateChild(options, offset, size)
	if st != object.OK {
		return st
	}
	nh, st := p.Install(child, vm.ChildRights(rights, options))
	return out1(c, nh, st, out)
}
