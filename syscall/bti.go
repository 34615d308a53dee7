package zxsys

import (
	"beryl/kernel/object"
	"beryl/mm/vm"
)

// The DMA family (Zircon's ddk.cc, pmt.cc): iommu_create, bti_create,
// bti_pin, pmt_unpin, bti_release_quarantine, vmo_create_contiguous.

func (d *Dispatcher) sysIommuCreate(c Caller, resource object.Handle, typ uint32, desc UserPtr, descSize uint64, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	if st := requireSystemResource(c, resource, object.ResourceSystemIommuBase); st != object.OK {
		return st
	}
	if descSize > object.IommuMaxDescLen {
		return object.ErrInvalidArgs
	}
	if _, st := copyIn(c, desc, descSize); st != object.OK {
		return st
	}
	io, st := object.NewIOMMU(typ, descSize)
	if st != object.OK {
		return st
	}
	h, st := c.Process().Install(io, object.DefaultIommuRights)
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysBtiCreate(c Caller, iommu object.Handle, options uint32, id uint64, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h, st := object.BTICreate(c.Process(), iommu, options, id)
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysBtiPin(c Caller, bh object.Handle, options uint32, vh object.Handle, offset, size uint64, addrs UserPtr, numAddrs uint64, pmtOut UserPtr) object.Status {
	if st := probeOut(c, pmtOut, 4); st != object.OK {
		return st
	}
	if numAddrs > vm.MaxVMOSize/vm.PageSize {
		return object.ErrInvalidArgs
	}
	if st := probeOut(c, addrs, numAddrs*8); st != object.OK {
		return st
	}
	b, _, st := lookupAs[*object.BTI](c, bh, object.ObjTypeBTI, object.RightMap)
	if st != object.OK {
		return st
	}
	defer b.Release()
	if offset%vm.PageSize != 0 || size%vm.PageSize != 0 {
		return object.ErrInvalidArgs
	}
	v, rights, st := lookupAs[*vm.VMO](c, vh, object.ObjTypeVMO, object.RightNone)
	if st != object.OK {
		return st
	}
	defer v.Release()
	if !rights.Has(object.RightMap) {
		return object.ErrAccessDenied
	}
	if options&(object.BtiPermRead|object.BtiPermExecute) != 0 && !rights.Has(object.RightRead) ||
		options&object.BtiPermWrite != 0 && !rights.Has(object.RightWrite) {
		return object.ErrAccessDenied
	}
	rest := options &^ (object.BtiPermRead | object.BtiPermWrite | object.BtiPermExecute)
	compress, contiguous := false, false
	if rest&(object.BtiCompress|object.BtiContiguous) != object.BtiCompress|object.BtiContiguous {
		if rest&object.BtiCompress != 0 {
			compress, rest = true, rest&^object.BtiCompress
		}
		if rest&object.BtiContiguous != 0 && v.Contiguous() {
			contiguous, rest = true, rest&^object.BtiContiguous
		}
	}
	if rest != 0 {
		return object.ErrInvalidArgs
	}
	owner, off, pages, st := v.Pin(offset, size)
	if st != object.OK {
		return st
	}
	unpin := func() { owner.Unpin(off, size) }
	want := uint64(len(pages))
	if contiguous {
		want = 1
	}
	_ = compress // the minimum contiguity is a page: one address per page
	if numAddrs != want {
		unpin()
		return object.ErrInvalidArgs
	}
	buf := make([]byte, 8*want)
	for i := uint64(0); i < want; i++ {
		le.PutUint64(buf[8*i:], pages[i])
	}
	pmt := b.NewPMT(pages, unpin)
	pmt.AddRef()
	defer pmt.Release()
	h, st := c.Process().Install(pmt, object.DefaultPMTRights)
	if st != object.OK {
		pmt.Abort()
		return st
	}
	if copyOut(c, addrs, buf) != object.OK {
		object.PMTUnpin(c.Process(), h)
		return object.ErrInvalidArgs
	}
	return out1(c, h, object.OK, pmtOut)
}

func (d *Dispatcher) sysPmtUnpin(c Caller, h object.Handle) object.Status {
	return object.PMTUnpin(c.Process(), h)
}

func (d *Dispatcher) sysBtiReleaseQuarantine(c Caller, h object.Handle) object.Status {
	b, _, st := lookupAs[*object.BTI](c, h, object.ObjTypeBTI, object.RightWrite)
	if st != object.OK {
		return st
	}
	defer b.Release()
	b.ReleaseQuarantine()
	return object.OK
}

func (d *Dispatcher) sysVmoCreateContiguous(c Caller, bh object.Handle, size uint64, alignLog2 uint32, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	if size == 0 {
		return object.ErrInvalidArgs
	}
	if alignLog2 == 0 {
		alignLog2 = 12
	}
	if alignLog2 < 12 || alignLog2 >= 64 {
		return object.ErrInvalidArgs
	}
	b, _, st := lookupAs[*object.BTI](c, bh, object.ObjTypeBTI, object.RightMap)
	if st != object.OK {
		return st
	}
	b.Release()
	v, st := vm.NewContiguousVMO(c.AddressSpace().Env().Frames, size, alignLog2)
	if st != object.OK {
		return st
	}
	h, st := c.Process().Install(v, v.Rights())
	return out1(c, h, st, out)
}
