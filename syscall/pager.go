package zxsys

import (
	"encoding/binary"

	"beryl/kernel/object"
	"beryl/mm/vm"
)

// Pager syscalls: the pager object is kernel/object's, the VMO side
// (requests, waiting, supplying) mm/vm's. The handle checks follow
// Zircon's sys_pager_* order: the pager, then the VMO, then whether the
// VMO belongs to that pager, then the aux VMO.

func (d *Dispatcher) sysPagerCreate(c Caller, options uint32, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h, st := object.PagerCreate(c.Process(), options)
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysPagerCreateVmo(c Caller, pager object.Handle, options uint32, port object.Handle, key, size uint64, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	pg, _, st := lookupAs[*object.Pager](c, pager, object.ObjTypePager, 0)
	if st != object.OK {
		return st
	}
	defer pg.Release()
	pt, _, st := lookupAs[*object.Port](c, port, object.ObjTypePort, object.RightWrite)
	if st != object.OK {
		return st
	}
	defer pt.Release()
	v, st := vm.NewPagerVMO(c.AddressSpace().Env().Frames, size, options, pg, pt, key)
	if st != object.OK {
		return st
	}
	h, st := c.Process().Install(v, v.Rights()) // takes over v's reference
	return out1(c, h, st, out)
}

// pagerVMO looks up a pager and one of its VMOs (INVALID_ARGS if the VMO
// is not that pager's).
func pagerVMO(c Caller, pager, vmo object.Handle) (*vm.VMO, object.Status) {
	pg, _, st := lookupAs[*object.Pager](c, pager, object.ObjTypePager, 0)
	if st != object.OK {
		return nil, st
	}
	koid := pg.Koid()
	pg.Release()
	v, _, st := lookupAs[*vm.VMO](c, vmo, object.ObjTypeVMO, 0)
	if st != object.OK {
		return nil, st
	}
	if v.PagerKoid() != koid {
		v.Release()
		return nil, object.ErrInvalidArgs
	}
	return v, object.OK
}

func (d *Dispatcher) sysPagerDetachVmo(c Caller, pager, vmo object.Handle) object.Status {
	v, st := pagerVMO(c, pager, vmo)
	if st != object.OK {
		return st
	}
	defer v.Release()
	return v.DetachPager()
}

func (d *Dispatcher) sysPagerSupplyPages(c Caller, pager, pagerVmo object.Handle, offset, length uint64, auxVmo object.Handle, auxOffset uint64) object.Status {
	if offset%vm.PageSize != 0 || length%vm.PageSize != 0 || auxOffset%vm.PageSize != 0 {
		return object.ErrInvalidArgs
	}
	v, st := pagerVMO(c, pager, pagerVmo)
	if st != object.OK {
		return st
	}
	defer v.Release()
	aux, _, st := lookupAs[*vm.VMO](c, auxVmo, object.ObjTypeVMO, object.RightRead|object.RightWrite)
	if st != object.OK {
		return st
	}
	defer aux.Release()
	return v.SupplyPages(offset, length, aux, auxOffset)
}

func (d *Dispatcher) sysPagerOpRange(c Caller, pager object.Handle, op uint32, pagerVmo object.Handle, offset, length, data uint64) object.Status {
	if offset%vm.PageSize != 0 || length%vm.PageSize != 0 {
		return object.ErrInvalidArgs
	}
	v, st := pagerVMO(c, pager, pagerVmo)
	if st != object.OK {
		return st
	}
	defer v.Release()
	switch op {
	case object.PagerOpFail:
		fail, ok := object.ValidPagerFailStatus(data)
		if !ok {
			return object.ErrInvalidArgs
		}
		return v.FailPages(offset, length, fail)
	case object.PagerOpDirty:
		if data != 0 {
			return object.ErrInvalidArgs
		}
		return v.DirtyPages(offset, length)
	case object.PagerOpWritebackBegin:
		if data&^object.VMODirtyRangeIsZero != 0 {
			return object.ErrInvalidArgs
		}
		return v.WritebackBegin(offset, length)
	case object.PagerOpWritebackEnd:
		if data != 0 {
			return object.ErrInvalidArgs
		}
		return v.WritebackEnd(offset, length)
	}
	return object.ErrNotSupported
}

// dirtyRangeSize is sizeof(zx_vmo_dirty_range_t).
const dirtyRangeSize = 24

func (d *Dispatcher) sysPagerQueryDirtyRanges(c Caller, pager, pagerVmo object.Handle, offset, length uint64, buffer UserPtr, bufferSize uint64, actual, avail UserPtr) object.Status {
	v, st := pagerVMO(c, pager, pagerVmo)
	if st != object.OK {
		return st
	}
	defer v.Release()
	ranges, st := v.DirtyRanges(offset, length)
	if st != object.OK {
		return st
	}
	n := min(uint64(len(ranges)), bufferSize/dirtyRangeSize)
	buf := make([]byte, n*dirtyRangeSize)
	for i, r := range ranges[:n] {
		b := buf[i*dirtyRangeSize:]
		binary.LittleEndian.PutUint64(b[0:], r.Offset)
		binary.LittleEndian.PutUint64(b[8:], r.Length)
		binary.LittleEndian.PutUint64(b[16:], r.Options)
	}
	if n > 0 && copyOut(c, buffer, buf) != object.OK {
		return object.ErrInvalidArgs
	}
	if writeOptU64(c, actual, n) != object.OK || writeOptU64(c, avail, uint64(len(ranges))) != object.OK {
		return object.ErrInvalidArgs
	}
	return object.OK
}

func (d *Dispatcher) sysPagerQueryVmoStats(c Caller, pager, pagerVmo object.Handle, options uint32, buffer UserPtr, bufferSize uint64) object.Status {
	v, st := pagerVMO(c, pager, pagerVmo)
	if st != object.OK {
		return st
	}
	defer v.Release()
	if bufferSize < 4 {
		return object.ErrBufferTooSmall
	}
	if options&^object.PagerResetVMOStats != 0 {
		return object.ErrInvalidArgs
	}
	modified, st := v.QueryPagerStats(options&object.PagerResetVMOStats != 0)
	if st != object.OK {
		return st
	}
	var m uint32
	if modified {
		m = object.PagerVMOStatsModified
	}
	if writeU32(c, buffer, m) != object.OK {
		return object.ErrInvalidArgs
	}
	return object.OK
}

// pageWaiter is the calling thread as a waiter for a pager's pages: the
// kernel's threads report ZX_THREAD_STATE_BLOCKED_PAGER meanwhile.
func pageWaiter(c Caller) vm.PageWaiter {
	if w, ok := c.(vm.PageWaiter); ok {
		return w
	}
	return killOnly{c}
}

// killOnly is a PageWaiter for callers without a thread state.
type killOnly struct{ Caller }

func (killOnly) SetBlockedPager(bool) {}
