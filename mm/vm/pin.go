package vm

import "beryl/kernel/object"

// Pinning (zx_bti_pin): pinned pages stay where they are until unpinned,
// because a device may be addressing them. While a range is pinned,
// DECOMMIT fails with BAD_STATE, ZERO clears the pages in place, the VMO
// cannot shrink over it, no snapshot child can be made (its copy on write
// would move them), and the pages are private (copied at pin time if they
// were shared).

// pinRange is a pinned byte range of a VMO.
type pinRange struct{ off, size uint64 }

// pinnedLocked reports whether any pinned range intersects [off,
// off+size). v.mu held.
func (v *VMO) pinnedLocked(off, size uint64) bool {
	for _, r := range v.pinned {
		if off < r.off+r.size && r.off < off+size {
			return true
		}
	}
	return false
}

// PinnedPages returns the number of live pins of v.
func (v *VMO) PinnedPages() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.pins
}

// Pin commits [offset, offset+size) (page aligned, size > 0), makes its
// pages private, pins them and returns the VMO that holds the pin (the
// owner, for a slice), the offset there, and each page's physical
// address. Unpin(owner, off, size) releases it. Errors: INVALID_ARGS
// (unaligned or empty), OUT_OF_RANGE (past the end), NO_MEMORY,
// BAD_STATE (destroyed).
func (v *VMO) Pin(offset, size uint64) (owner *VMO, off uint64, addrs []uint64, st object.Status) {
	if !pageAligned(offset) || !pageAligned(size) || size == 0 {
		return nil, 0, nil, object.ErrInvalidArgs
	}
	if !inRange(offset, size, v.Size()) {
		return nil, 0, nil, object.ErrOutOfRange
	}
	owner, off = v, offset
	if v.sliceOf != nil {
		owner, off = v.sliceOf, v.sliceOff+offset
	}
	owner.mu.Lock()
	defer owner.mu.Unlock()
	if owner.dead {
		return nil, 0, nil, object.ErrBadState
	}
	if !owner.inRangeLocked(off, size) {
		return nil, 0, nil, object.ErrOutOfRange
	}
	addrs = make([]uint64, 0, size/PageSize)
	for idx := off / PageSize; idx < (off+size)/PageSize; idx++ {
		pa, st := owner.writablePageLocked(idx, false)
		if st != object.OK {
			return nil, 0, nil, st
		}
		addrs = append(addrs, pa)
	}
	owner.pins++
	owner.pinned = append(owner.pinned, pinRange{off, size})
	owner.AddRef()
	return owner, off, addrs, object.OK
}

// Unpin releases one pin of [off, off+size) made by Pin on v (the owner
// Pin returned) and the reference it held.
func (v *VMO) Unpin(off, size uint64) {
	v.mu.Lock()
	for i, r := range v.pinned {
		if r.off == off && r.size == size {
			v.pinned = append(v.pinned[:i], v.pinned[i+1:]...)
			v.pins--
			break
		}
	}
	v.mu.Unlock()
	v.Release()
}
