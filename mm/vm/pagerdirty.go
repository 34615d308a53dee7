package vm

import (
	"slices"

	"beryl/kernel/object"
)

// Dirty tracking of pager-backed VMOs, as Zircon's VmCowPages: a page the
// pager supplied is Clean; a write (vmo_write, a write fault, a kernel
// copy to user memory, ZX_VMO_OP_ZERO, the zeroed tail of a resize) makes
// it Dirty; ZX_PAGER_OP_WRITEBACK_BEGIN moves Dirty pages to
// AwaitingClean and ZX_PAGER_OP_WRITEBACK_END AwaitingClean ones to
// Clean, while a write in between makes the page Dirty again. So that a
// write through a mapping is seen, a page that is not Dirty is mapped
// read-only (ptePermsLocked) and its write fault marks it. The VMO's
// modified flag (zx_pager_query_vmo_stats) is set by every write and by
// a resize. The states live in pagerState.dirty (absent: Clean), guarded
// by the VMO's lock; a page that leaves the VMO (decommit, detach,
// shrink) forgets its state.

// dirtyState is a page's state when it is not Clean.
type dirtyState uint8

const (
	pageDirty         dirtyState = iota + 1 // written since the last writeback
	pageAwaitingClean                       // being written back, not written since
)

// DirtyRange is one zx_vmo_dirty_range_t: [Offset, Offset+Length) bytes,
// with Options (ZX_VMO_DIRTY_RANGE_IS_ZERO).
type DirtyRange struct {
	Offset, Length, Options uint64
}

// markDirtyLocked records a write to page idx (present) of a
// pager-backed VMO: it becomes Dirty, and the VMO modified. A no-op for
// other VMOs. v.mu held.
func (v *VMO) markDirtyLocked(idx uint64) {
	if v.pager == nil {
		return
	}
	v.pager.dirty[idx] = pageDirty
	v.pager.modified = true
}

// cleanLocked reports whether page idx of a pager-backed VMO is not Dirty
// (its mappings must not be writable). v.mu held.
func (v *VMO) cleanLocked(idx uint64) bool {
	return v.pager != nil && v.pager.dirty[idx] != pageDirty
}

// forgetDirtyLocked drops the states of pages [first, end) (leaving the
// VMO). v.mu held.
func (v *VMO) forgetDirtyLocked(first, end uint64) {
	d := v.pager.dirty
	if uint64(len(d)) < end-first {
		for idx := range d {
			if idx >= first && idx < end {
				delete(d, idx)
			}
		}
		return
	}
	for idx := first; idx < end; idx++ {
		delete(d, idx)
	}
}

// dirtyPagesLocked returns the sorted indices of the pages in [first,
// end) that are Dirty or AwaitingClean. v.mu held.
func (v *VMO) dirtyPagesLocked(first, end uint64) []uint64 {
	var idxs []uint64
	for idx := range v.pager.dirty {
		if idx >= first && idx < end {
			idxs = append(idxs, idx)
		}
	}
	slices.Sort(idxs)
	return idxs
}

// DirtyRanges is zx_pager_query_dirty_ranges after the handle checks: the
// runs of pages in [offset, offset+length) (rounded out to pages) that
// are not Clean (Dirty or AwaitingClean, as Zircon), in order. Errors:
// INVALID_ARGS (v not pager-backed), OUT_OF_RANGE (the range is not
// within the VMO).
func (v *VMO) DirtyRanges(offset, length uint64) ([]DirtyRange, object.Status) {
	if v.pager == nil {
		return nil, object.ErrInvalidArgs
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	end := offset + length
	if end < offset {
		return nil, object.ErrOutOfRange
	}
	first := offset / PageSize
	last, ok := pageRoundUp(end)
	if !ok || last > v.size {
		return nil, object.ErrOutOfRange
	}
	var out []DirtyRange
	for _, idx := range v.dirtyPagesLocked(first, last/PageSize) {
		if n := len(out); n > 0 && out[n-1].Offset+out[n-1].Length == idx*PageSize {
			out[n-1].Length += PageSize
			continue
		}
		out = append(out, DirtyRange{Offset: idx * PageSize, Length: PageSize})
	}
	return out, object.OK
}

// QueryPagerStats is zx_pager_query_vmo_stats after the handle and
// option checks: whether v was modified since the last reset (resetting
// it if reset). INVALID_ARGS if v is not pager-backed.
func (v *VMO) QueryPagerStats(reset bool) (bool, object.Status) {
	if v.pager == nil {
		return false, object.ErrInvalidArgs
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	m := v.pager.modified
	if reset {
		v.pager.modified = false
	}
	return m, object.OK
}

// WritebackBegin is ZX_PAGER_OP_WRITEBACK_BEGIN after the handle and data
// checks: the Dirty pages of [offset, offset+length) (page-aligned)
// become AwaitingClean and read-only in their mappings, so that a write
// makes them Dirty again. Errors: INVALID_ARGS (not pager-backed),
// OUT_OF_RANGE. Allowed on a detached VMO (Zircon).
func (v *VMO) WritebackBegin(offset, length uint64) object.Status {
	return v.writeback(offset, length, pageDirty, pageAwaitingClean)
}

// WritebackEnd is ZX_PAGER_OP_WRITEBACK_END after the handle and data
// checks: the AwaitingClean pages of [offset, offset+length) become Clean
// (Dirty ones stay Dirty). Errors as WritebackBegin.
func (v *VMO) WritebackEnd(offset, length uint64) object.Status {
	return v.writeback(offset, length, pageAwaitingClean, 0)
}

// writeback moves the pages of the range in state from to state to (0:
// Clean).
func (v *VMO) writeback(offset, length uint64, from, to dirtyState) object.Status {
	if v.pager == nil {
		return object.ErrInvalidArgs
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.inRangeLocked(offset, length) {
		return object.ErrOutOfRange
	}
	for _, idx := range v.dirtyPagesLocked(offset/PageSize, (offset+length)/PageSize) {
		if v.pager.dirty[idx] != from {
			continue
		}
		if to == 0 {
			delete(v.pager.dirty, idx)
			continue
		}
		v.pager.dirty[idx] = to
		v.writeProtectLocked(idx*PageSize, (idx+1)*PageSize)
	}
	return object.OK
}

// needsDirtyLocked reports whether a write to page idx must first ask the
// pager (ZX_VMO_TRAP_DIRTY): the page is present and not Dirty. v.mu held.
func (v *VMO) needsDirtyLocked(idx uint64) bool {
	if v.pager == nil || !v.pager.trap || v.pager.dirty[idx] == pageDirty {
		return false
	}
	_, ok := v.pages.get(idx)
	return ok
}

// dirtyRequestLocked returns the DIRTY request for page idx, making one
// (and queueing its packet) for the run of present pages from idx up to
// limit that are not Dirty and not asked for yet; the caller counts as
// one of its waiters, as requestLocked. BAD_STATE once detached. v.mu
// held.
func (v *VMO) dirtyRequestLocked(idx, limit uint64) (*pageReq, object.Status) {
	return v.askLocked(idx, limit, true, v.needsDirtyLocked)
}

// awaitDirtyLocked waits, with v.mu released, until page idx may be
// written (asking for the run up to limit if nobody has): OK means "look
// again". Errors as awaitLocked. v.mu held on entry and on return.
func (v *VMO) awaitDirtyLocked(idx, limit uint64, w PageWaiter) object.Status {
	r, st := v.dirtyRequestLocked(idx, limit)
	if st != object.OK {
		return st
	}
	v.mu.Unlock()
	st = waitReq(r, w)
	v.mu.Lock()
	return st
}

// dirtyArrivedLocked counts page idx as no longer needed by its DIRTY
// request (dirtied, or cut off by a shrink). v.mu held.
func (v *VMO) dirtyArrivedLocked(idx uint64) { v.arrivedLocked(v.pager.dreqs, idx) }

// DirtyPages is ZX_PAGER_OP_DIRTY after the handle and data checks: the
// pages of [offset, offset+length) (page-aligned) become Dirty, and the
// writes waiting for them go on. Errors: INVALID_ARGS (not
// pager-backed), OUT_OF_RANGE, NOT_FOUND (a page of the range is not
// present; nothing changes), BAD_STATE (detached).
func (v *VMO) DirtyPages(offset, length uint64) object.Status {
	if v.pager == nil {
		return object.ErrInvalidArgs
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.pager.detached {
		return object.ErrBadState
	}
	if !v.inRangeLocked(offset, length) {
		return object.ErrOutOfRange
	}
	first, end := offset/PageSize, (offset+length)/PageSize
	for idx := first; idx < end; idx++ {
		if _, ok := v.pages.get(idx); !ok {
			return object.ErrNotFound
		}
	}
	for idx := first; idx < end; idx++ {
		v.pager.dirty[idx] = pageDirty
		v.dirtyArrivedLocked(idx)
	}
	return object.OK
}
