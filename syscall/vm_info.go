package zxsys

import (
	"beryl/kernel/object"
	"beryl/kernel/proc"
	"beryl/mm/vm"
)

// processAS looks a process handle up with INSPECT and returns its
// address space; BAD_STATE once it is gone (a dead process).
func processAS(c Caller, h object.Handle) (*object.Process, *vm.AddressSpace, object.Status) {
	po, _, st := lookupAs[*object.Process](c, h, object.ObjTypeProcess, object.RightInspect)
	if st != object.OK {
		return nil, nil, st
	}
	as := proc.AddressSpaceOf(po)
	if as == nil {
		po.Release()
		return nil, nil, object.ErrBadState
	}
	return po, as, object.OK
}

// processMapsInfo serves ZX_INFO_PROCESS_MAPS (zx_info_maps_t records,
// vm.InfoMapsRecordSize bytes; INSPECT): the process's address space,
// root VMAR, sub-VMARs and mappings, depth-first in address order; the
// caller's own process too. A short buffer gets the first records.
func processMapsInfo(c Caller, h object.Handle, buf []byte) (rec, actual, avail int, st object.Status) {
	po, as, st := processAS(c, h)
	if st != object.OK {
		return 0, 0, 0, st
	}
	defer po.Release()
	actual, avail = as.InfoMaps(buf)
	return vm.InfoMapsRecordSize, actual, avail, object.OK
}

// processVMOsInfo serves ZX_INFO_PROCESS_VMOS (zx_info_vmo_t records;
// INSPECT): one per VMO handle of the process (VIA_HANDLE, with the
// handle's rights), then one per mapping (VIA_MAPPING), as Zircon lists
// them: a VMO held both ways, or mapped several times, appears again.
func processVMOsInfo(c Caller, h object.Handle, buf []byte) (rec, actual, avail int, st object.Status) {
	po, as, st := processAS(c, h)
	if st != object.OK {
		return 0, 0, 0, st
	}
	defer po.Release()
	rec = vm.InfoVMORecordSize
	put := func() []byte {
		avail++
		if len(buf) < (actual+1)*rec {
			return nil
		}
		actual++
		return buf[(actual-1)*rec : actual*rec]
	}
	for _, held := range po.Table().HandlesOfType(object.ObjTypeVMO) {
		v, ok := held.Obj.(*vm.VMO)
		if !ok {
			continue // every VMO is a *vm.VMO; nothing else is counted
		}
		if r := put(); r != nil {
			v.InfoVMO(held.Rights, r)
		}
		v.Release()
	}
	for _, v := range as.MappedVMOs() {
		if r := put(); r != nil {
			v.InfoVMOMapping(r)
		}
		v.Release()
	}
	return rec, actual, avail, object.OK
}
