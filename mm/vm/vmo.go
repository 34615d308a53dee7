package vm

import (
	"sync"

	"beryl/kernel/object"
)

// VMO creation options, range ops and signals (zircon/types.h).
const (
	VMOResizable uint32 = 1 << 1

	VMOOpCommit               uint32 = 1
	VMOOpDecommit             uint32 = 2
	VMOOpLock                 uint32 = 3
	VMOOpUnlock               uint32 = 4
	VMOOpCacheSync            uint32 = 6
	VMOOpCacheInvalidate      uint32 = 7
	VMOOpCacheClean           uint32 = 8
	VMOOpCacheCleanInvalidate uint32 = 9
	VMOOpZero                 uint32 = 10

	// VMOZeroChildren is ZX_VMO_ZERO_CHILDREN, asserted while the VMO has
	// no children (always, until clones exist).
	VMOZeroChildren = object.SignalSignaled
)

// MaxVMOSize is the largest VMO size; larger requests give
// ZX_ERR_OUT_OF_RANGE.
const MaxVMOSize uint64 = 1 << 62

// VMO is a paged, demand-zero virtual memory object (Zircon's
// VmObjectPaged without clones). Pages are committed on first touch and
// belong to the VMO: mappings only translate to them.
type VMO struct {
	object.Base
	frames    Frames
	resizable bool

	mu          sync.Mutex
	size        uint64            // page multiple; guarded by mu
	contentSize uint64            // guarded by mu
	pages       map[uint64]uint64 // page index → physical address; guarded by mu
	maps        map[*Mapping]bool // mappings of this VMO; guarded by mu
	dead        bool              // pages released by OnDestroy; guarded by mu
}

// NewVMO is the kernel side of zx_vmo_create: a zero-filled VMO of size
// bytes (rounded up to a page) whose pages come from frames. The caller
// owns one reference. Errors: INVALID_ARGS (options other than
// ZX_VMO_RESIZABLE), OUT_OF_RANGE (size too large).
func NewVMO(frames Frames, size uint64, options uint32) (*VMO, object.Status) {
	if options&^VMOResizable != 0 {
		return nil, object.ErrInvalidArgs
	}
	rounded, ok := pageRoundUp(size)
	if !ok || rounded > MaxVMOSize {
		return nil, object.ErrOutOfRange
	}
	v := &VMO{
		frames:      frames,
		resizable:   options&VMOResizable != 0,
		size:        rounded,
		contentSize: size,
		pages:       map[uint64]uint64{},
		maps:        map[*Mapping]bool{},
	}
	v.Base.Init(v, object.ObjTypeVMO, nil, true, VMOZeroChildren)
	return v, object.OK
}

// Rights returns the rights of the handle zx_vmo_create returns:
// ZX_DEFAULT_VMO_RIGHTS, plus ZX_RIGHT_RESIZE for a resizable VMO.
func (v *VMO) Rights() object.Rights {
	r := object.DefaultVMORights
	if v.resizable {
		r |= object.RightResize
	}
	return r
}

// Resizable reports whether the VMO was created with ZX_VMO_RESIZABLE.
func (v *VMO) Resizable() bool { return v.resizable }

// Size is zx_vmo_get_size: the size in bytes, a page multiple.
func (v *VMO) Size() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.size
}

// ContentSize returns ZX_PROP_VMO_CONTENT_SIZE.
func (v *VMO) ContentSize() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.contentSize
}

// SetContentSize sets ZX_PROP_VMO_CONTENT_SIZE without resizing.
// Errors: OUT_OF_RANGE (larger than the VMO).
func (v *VMO) SetContentSize(n uint64) object.Status {
	v.mu.Lock()
	defer v.mu.Unlock()
	if n > v.size {
		return object.ErrOutOfRange
	}
	v.contentSize = n
	return object.OK
}

// CommittedPages returns the number of committed pages
// (zx_info_vmo_t.committed_bytes / PageSize).
func (v *VMO) CommittedPages() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return uint64(len(v.pages))
}

// SetSize is zx_vmo_set_size: the size becomes size rounded up to a page,
// the content size becomes size. Shrinking frees the pages past the end
// and unmaps them from every mapping; the bytes between size and the next
// page boundary read as zero. Errors: UNAVAILABLE (not resizable),
// OUT_OF_RANGE (too large), BAD_STATE (destroyed).
func (v *VMO) SetSize(size uint64) object.Status {
	if !v.resizable {
		return object.ErrUnavailable
	}
	rounded, ok := pageRoundUp(size)
	if !ok || rounded > MaxVMOSize {
		return object.ErrOutOfRange
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.dead {
		return object.ErrBadState
	}
	if rounded < v.size {
		v.decommitLocked(rounded, v.size)
	}
	if tail := size % PageSize; tail != 0 {
		if pa, ok := v.pages[size/PageSize]; ok {
			clear(v.frames.Bytes(pa)[tail:])
		}
	}
	v.size = rounded
	v.contentSize = size
	return object.OK
}

// SetSizeAs is zx_vmo_set_size for a handle with rights (which the caller
// has already checked for ZX_RIGHT_WRITE), in Zircon's order: a resizable
// VMO needs ZX_RIGHT_RESIZE too (ACCESS_DENIED), a VMO that is not
// resizable fails with UNAVAILABLE (its handles never have RESIZE, and
// Zircon keeps UNAVAILABLE for it), then SetSize's errors.
func (v *VMO) SetSizeAs(rights object.Rights, size uint64) object.Status {
	if v.resizable && !rights.Has(object.RightResize) {
		return object.ErrAccessDenied
	}
	return v.SetSize(size)
}

// inRange reports whether [offset, offset+n) lies within the VMO.
func (v *VMO) inRangeLocked(offset, n uint64) bool {
	return offset+n >= offset && offset+n <= v.size
}

// Read is zx_vmo_read: len(buf) bytes at offset; uncommitted pages read as
// zeros and stay uncommitted. Errors: OUT_OF_RANGE (past the end or
// overflow).
func (v *VMO) Read(offset uint64, buf []byte) object.Status {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.inRangeLocked(offset, uint64(len(buf))) {
		return object.ErrOutOfRange
	}
	for len(buf) > 0 {
		in := offset % PageSize
		n := min(uint64(len(buf)), PageSize-in)
		if pa, ok := v.pages[offset/PageSize]; ok {
			copy(buf[:n], v.frames.Bytes(pa)[in:])
		} else {
			clear(buf[:n])
		}
		buf, offset = buf[n:], offset+n
	}
	return object.OK
}

// Write is zx_vmo_write: writes buf at offset, committing pages. Errors:
// OUT_OF_RANGE (past the end or overflow), NO_MEMORY (bytes before the
// failing page are written).
func (v *VMO) Write(offset uint64, buf []byte) object.Status {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.inRangeLocked(offset, uint64(len(buf))) {
		return object.ErrOutOfRange
	}
	for len(buf) > 0 {
		in := offset % PageSize
		n := min(uint64(len(buf)), PageSize-in)
		pa, st := v.commitLocked(offset/PageSize, false)
		if st != object.OK {
			return st
		}
		copy(v.frames.Bytes(pa)[in:], buf[:n])
		buf, offset = buf[n:], offset+n
	}
	return object.OK
}

// OpRangeRights returns the rights the VMO handle needs for
// zx_vmo_op_range(op) (0 for an unknown op, which OpRange rejects).
func OpRangeRights(op uint32) object.Rights {
	switch op {
	case VMOOpCommit, VMOOpDecommit, VMOOpCacheInvalidate, VMOOpZero:
		return object.RightWrite
	case VMOOpCacheSync, VMOOpCacheClean, VMOOpCacheCleanInvalidate:
		return object.RightRead
	case VMOOpLock, VMOOpUnlock:
		return object.RightRead | object.RightWrite
	}
	return 0
}

// OpRange is zx_vmo_op_range after the rights check (OpRangeRights).
// COMMIT commits every page touching the range; DECOMMIT frees the pages
// of a page-aligned range (they read back as zero) and unmaps them; ZERO
// zeroes the range (whole pages are decommitted); cache ops are no-ops on
// x86's coherent caches. Errors: OUT_OF_RANGE (range past the end or
// overflowing), INVALID_ARGS (unknown op, unaligned DECOMMIT, empty cache
// op), NOT_SUPPORTED (LOCK/UNLOCK: no discardable VMOs), NO_MEMORY
// (COMMIT), BAD_STATE (destroyed).
func (v *VMO) OpRange(op uint32, offset, size uint64) object.Status {
	switch op {
	case VMOOpCommit, VMOOpDecommit, VMOOpZero, VMOOpCacheSync, VMOOpCacheInvalidate,
		VMOOpCacheClean, VMOOpCacheCleanInvalidate:
	case VMOOpLock, VMOOpUnlock:
		return object.ErrNotSupported
	default:
		return object.ErrInvalidArgs
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.dead {
		return object.ErrBadState
	}
	switch op {
	case VMOOpCommit:
		if !v.inRangeLocked(offset, size) {
			return object.ErrOutOfRange
		}
		if size == 0 {
			return object.OK
		}
		for idx := offset / PageSize; idx <= (offset+size-1)/PageSize; idx++ {
			if _, st := v.commitLocked(idx, false); st != object.OK {
				return st
			}
		}
	case VMOOpDecommit:
		if !v.inRangeLocked(offset, size) {
			return object.ErrOutOfRange
		}
		if !pageAligned(offset) || !pageAligned(size) {
			return object.ErrInvalidArgs
		}
		v.decommitLocked(offset, offset+size)
	case VMOOpZero:
		if !v.inRangeLocked(offset, size) {
			return object.ErrOutOfRange
		}
		v.zeroLocked(offset, offset+size)
	default: // cache maintenance
		if size == 0 {
			return object.ErrInvalidArgs
		}
		if !v.inRangeLocked(offset, size) {
			return object.ErrOutOfRange
		}
	}
	return object.OK
}

// zeroLocked zeroes [lo, hi): runs of whole pages are decommitted,
// partial pages cleared in place. v.mu held.
func (v *VMO) zeroLocked(lo, hi uint64) {
	for lo < hi {
		in := lo % PageSize
		n := min(hi-lo, PageSize-in)
		if in == 0 && n == PageSize {
			end := hi &^ (PageSize - 1)
			v.decommitLocked(lo, end)
			lo = end
			continue
		}
		if pa, ok := v.pages[lo/PageSize]; ok {
			clear(v.frames.Bytes(pa)[in : in+n])
		}
		lo += n
	}
}

// commitLocked returns the page at index idx, committing a zeroed page if
// needed (for a page fault if fault is set: see Frames.Alloc). v.mu held.
func (v *VMO) commitLocked(idx uint64, fault bool) (uint64, object.Status) {
	if pa, ok := v.pages[idx]; ok {
		return pa, object.OK
	}
	if v.dead {
		return 0, object.ErrBadState
	}
	pa, err := v.frames.Alloc(fault)
	if err != nil {
		return 0, object.ErrNoMemory
	}
	clear(v.frames.Bytes(pa))
	v.pages[idx] = pa
	return pa, object.OK
}

// decommitLocked unmaps the page-aligned byte range [lo, hi) of the VMO
// from every mapping and frees its committed pages. v.mu held (the
// page-table locks of the mappings' address spaces are taken inside).
func (v *VMO) decommitLocked(lo, hi uint64) {
	if lo >= hi {
		return
	}
	v.unmapPagesLocked(lo, hi)
	v.freePagesLocked(lo, hi)
}

// unmapPagesLocked clears the PTEs that translate to VMO offsets [lo, hi)
// in every mapping. v.mu held.
func (v *VMO) unmapPagesLocked(lo, hi uint64) {
	for m := range v.maps {
		s, e := max(lo, m.offset), min(hi, m.offset+m.size)
		if s >= e {
			continue
		}
		m.as.clearPTEs(m.base+(s-m.offset), m.base+(e-m.offset))
	}
}

// freePagesLocked frees the committed pages in [lo, hi), walking whichever
// is smaller: the range or the page map. v.mu held.
func (v *VMO) freePagesLocked(lo, hi uint64) {
	first, last := lo/PageSize, (hi-1)/PageSize
	if last-first < uint64(len(v.pages)) {
		for idx := first; idx <= last; idx++ {
			if pa, ok := v.pages[idx]; ok {
				delete(v.pages, idx)
				v.frames.Free(pa)
			}
		}
		return
	}
	for idx, pa := range v.pages {
		if idx >= first && idx <= last {
			delete(v.pages, idx)
			v.frames.Free(pa)
		}
	}
}

// pageForFaultLocked returns the page at VMO offset off for a mapping,
// committing it (OUT_OF_RANGE past the end of the VMO). v.mu held.
func (v *VMO) pageForFaultLocked(off uint64) (uint64, object.Status) {
	if off >= v.size {
		return 0, object.ErrOutOfRange
	}
	return v.commitLocked(off/PageSize, true)
}

// OnDestroy frees every page when the last reference (handle or mapping)
// goes. It runs with no lock held.
func (v *VMO) OnDestroy() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.dead = true
	for _, pa := range v.pages {
		v.frames.Free(pa)
	}
	// Drop the map itself: a Go map never shrinks, and a VMO that held
	// many pages would keep its buckets for as long as anything still
	// points at the dead object.
	v.pages = nil
}
