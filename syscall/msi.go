package zxsys

import (
	"beryl/kernel/object"
	"beryl/mm/vm"
)

// The MSI family (Zircon's ddk.cc): msi_allocate and msi_create.

func (d *Dispatcher) sysMsiAllocate(c Caller, resource object.Handle, count uint32, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	if st := requireSystemResource(c, resource, object.ResourceSystemMsiBase); st != object.OK {
		return st
	}
	if d.IRQ.AllocMSI == nil {
		return object.ErrNotSupported
	}
	base, addr, data, free, st := d.IRQ.AllocMSI(count)
	if st != object.OK {
		return st
	}
	m := object.NewMSI(base, count, addr, data, free)
	h, st := c.Process().Install(m, object.DefaultMSIRights)
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysMsiCreate(c Caller, mh object.Handle, options, id uint32, vh object.Handle, offset uint64, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	m, _, st := lookupAs[*object.MSI](c, mh, object.ObjTypeMSI, object.RightNone)
	if st != object.OK {
		return st
	}
	defer m.Release()
	v, _, st := lookupAs[*vm.VMO](c, vh, object.ObjTypeVMO, object.RightMap)
	if st != object.OK {
		return st
	}
	defer v.Release()
	if options&^object.MsiModeMSIX != 0 || id >= m.Count {
		return object.ErrInvalidArgs
	}
	msix := options == object.MsiModeMSIX
	// A physical VMO over the device's registers, or (as Zircon) a
	// contiguous one: one run of physical pages either way.
	base, contig := v.ContiguousBase()
	need := uint64(24) // the largest MSI capability (64-bit, per-vector masking)
	if msix {
		need = 16 * (uint64(id) + 1)
	}
	if !contig || v.CachePolicy() != vm.CachePolicyUncachedDevice || offset+need < offset || offset+need > v.Size() {
		return object.ErrInvalidArgs
	}
	if d.IRQ.MSILine == nil {
		return object.ErrNotSupported
	}
	if st := m.Claim(id); st != object.OK {
		return st
	}
	intr := object.NewInterrupt(nil, false, 0, m.VecBase+id)
	m.AddRef()
	phys, _ := v.Physical()
	line, st := d.IRQ.MSILine(m, id, msix, base+offset, !phys, intr)
	if st != object.OK {
		m.Unclaim(id)
		m.Release()
		intr.Release()
		return st
	}
	if !phys {
		// The registers are the VMO's own pages: they stay the VMO's
		// until the line is gone.
		v.AddRef()
		line = vmoLine{line, v}
	}
	intr.SetLine(line, false)
	h, st := c.Process().Install(intr, object.DefaultInterruptRights)
	return out1(c, h, st, out)
}

// vmoLine is an MSI line whose registers live in a contiguous VMO's
// pages: it keeps the VMO (and so its pages) until it is unregistered.
type vmoLine struct {
	object.InterruptLine
	v *vm.VMO
}

// Unregister detaches the line, then lets the VMO go.
func (l vmoLine) Unregister() {
	l.InterruptLine.Unregister()
	l.v.Release()
}
