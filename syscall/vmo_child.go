package zxsys

import (
	"beryl/kernel/object"
	"beryl/mm/vm"
)

// zx_vmo_create_child: the gate here, the work in mm/vm (VMO.CreateChild,
// vm.ChildRights).

func sysVmoCreateChild(c Caller, h object.Handle, options uint32, offset, size uint64, out UserPtr) object.Status {
	p := c.Process()
	o, rights, st := p.Lookup(h, object.ObjTypeVMO, object.RightDuplicate|object.RightRead)
	if st != object.OK {
		return st
	}
	defer o.(interface{ Release() }).Release()
	v, ok := o.(*vm.VMO)
	if !ok {
		return object.ErrWrongType
	}
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
