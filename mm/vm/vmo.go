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
	VMOOpTryLock              uint32 = 11
	VMOOpDontNeed             uint32 = 12
	VMOOpAlwaysNeed           uint32 = 13

	// VMOZeroChildren is ZX_VMO_ZERO_CHILDREN, asserted while the VMO has
	// no children (vmo_create_child).
	VMOZeroChildren = object.SignalSignaled
)

// MaxVMOSize is the largest VMO size; larger requests give
// ZX_ERR_OUT_OF_RANGE.
const MaxVMOSize uint64 = 1 << 62

// VMO is a paged, demand-zero virtual memory object (Zircon's
// VmObjectPaged). Pages are committed on first touch and belong to the
// VMO: mappings only translate to them. A copy-on-write child (child.go)
// holds its parent's pages as shared pages (shares.go) until either side
// writes; a slice has no pages of its own and works on its parent's.
type VMO struct {
	object.Base
	frames    Frames
	shares    *shareTable
	resizable bool

	// Immutable after creation (child.go).
	cow        bool        // a SNAPSHOT / SNAPSHOT_AT_LEAST_ON_WRITE child
	sliceOf    *VMO        // a slice: the VMO owning the pages (referenced), never itself a slice
	sliceOff   uint64      // the slice's offset in sliceOf
	parentKoid object.Koid // the VMO it was created from (0: none)
	phys       bool        // a physical VMO (physical.go): page i is physBase + i pages
	physBase   uint64
	contiguous bool        // a contiguous VMO: committed at creation, never decommitted
	pager      *pagerState // a pager-backed VMO (pager.go): missing pages come from its pager
	pclone     *pagerClone // a clone of a pager-backed VMO (pager.go): missing pages come from it

	// Guarded by familyMu (child.go).
	parent   *VMO // while alive, for ZX_VMO_ZERO_CHILDREN (not referenced)
	children int
	kids     map[*VMO]bool

	mu          sync.Mutex
	size        uint64            // page multiple; guarded by mu
	contentSize uint64            // guarded by mu
	pages       pageMap           // page index → physical address; guarded by mu
	maps        map[*Mapping]bool // mappings of this VMO; guarded by mu
	dead        bool              // pages released by OnDestroy; guarded by mu
	name        string            // ZX_PROP_NAME; guarded by mu
	cache       uint32            // ZX_CACHE_POLICY_*; guarded by mu
	pins        int               // live pins (pin.go); guarded by mu
	pinned      []pinRange        // the pinned byte ranges; guarded by mu
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
		shares:      sharesOf(frames),
		resizable:   options&VMOResizable != 0,
		size:        rounded,
		contentSize: size,
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

// AllowedUserSignals lets zx_object_signal set and clear a VMO's user
// signals, as Zircon's VMOs allow.
func (v *VMO) AllowedUserSignals() object.Signals { return object.UserSignalAll }

// Name returns the VMO's ZX_PROP_NAME.
func (v *VMO) Name() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.name
}

// SetName sets ZX_PROP_NAME (the caller bounds its length).
func (v *VMO) SetName(name string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.name = name
}

// ContentSize returns ZX_PROP_VMO_CONTENT_SIZE.
func (v *VMO) ContentSize() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.contentSize
}

// SetContentSize sets ZX_PROP_VMO_CONTENT_SIZE without resizing and
// without touching the VMO's bytes, as the Zircon of the core-tests: any
// value is taken, also past the size (StreamTestCase.Seek sets
// UINT64_MAX; readers such as streams clamp it to the size), and the
// bytes past it stay (StreamTestCase.WriteExtendsContentSize). Errors:
// NOT_SUPPORTED (physical or contiguous VMOs, or slices of them),
// BAD_STATE (destroyed).
func (v *VMO) SetContentSize(n uint64) object.Status {
	if o := v.sliceOf; o != nil && (o.phys || o.contiguous) {
		return object.ErrNotSupported
	}
	if v.phys || v.contiguous {
		return object.ErrNotSupported
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.dead {
		return object.ErrBadState
	}
	v.contentSize = n
	return object.OK
}

// CommittedPages returns the number of committed pages
// (zx_info_vmo_t.committed_bytes / PageSize).
func (v *VMO) CommittedPages() uint64 {
	if v.sliceOf != nil {
		return 0 // a slice's pages are its parent's
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return uint64(v.pages.len())
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
	if rounded < v.size && v.pinnedLocked(rounded, v.size-rounded) {
		return object.ErrBadState
	}
	if rounded < v.size {
		if v.pager != nil {
			v.pagerShrinkLocked(rounded / PageSize)
		}
		if v.pclone != nil {
			v.pclone.cap(rounded / PageSize) // regrown pages read zero
		}
		v.decommitLocked(rounded, v.size)
		v.pages.trim((rounded + leafPages*PageSize - 1) / PageSize / leafPages * leafPages)
	}
	if tail := size % PageSize; tail != 0 {
		if _, ok := v.pages.get(size / PageSize); ok {
			pa, st := v.writablePageLocked(size/PageSize, false)
			if st != object.OK {
				return st
			}
			clear(v.frames.Bytes(pa)[tail:])
			v.markDirtyLocked(size / PageSize)
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

// inRangeLocked reports whether [offset, offset+n) lies within the VMO.
func (v *VMO) inRangeLocked(offset, n uint64) bool { return inRange(offset, n, v.size) }

func inRange(offset, n, size uint64) bool { return offset+n >= offset && offset+n <= size }

// Read is zx_vmo_read: len(buf) bytes at offset; uncommitted pages read as
// zeros and stay uncommitted. Errors: BAD_STATE (a cache policy other
// than CACHED, as Zircon), OUT_OF_RANGE (past the end or overflow). A
// pager-backed VMO waits for its missing pages unkillably (ReadWait).
func (v *VMO) Read(offset uint64, buf []byte) object.Status { return v.ReadWait(offset, buf, nil) }

// ReadWait is Read where w waits for a pager's pages (pager.go): one page
// is asked for at a time; the wait's errors end the read (the bytes
// before the page are read).
func (v *VMO) ReadWait(offset uint64, buf []byte, w PageWaiter) object.Status {
	if v.phys {
		return object.ErrNotSupported
	}
	if o := v.sliceOf; o != nil {
		if !inRange(offset, uint64(len(buf)), v.size) {
			return object.ErrOutOfRange
		}
		return o.ReadWait(v.sliceOff+offset, buf, w)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cache != CachePolicyCached {
		return object.ErrBadState // Zircon: no kernel copies through other cache policies
	}
	if !v.inRangeLocked(offset, uint64(len(buf))) {
		return object.ErrOutOfRange
	}
	for len(buf) > 0 {
		in := offset % PageSize
		n := min(uint64(len(buf)), PageSize-in)
		if v.needsPagerLocked(offset / PageSize) {
			st, done := object.OK, false
			if v.pclone != nil { // a clone reads its parent's page
				done, st = v.readSharedLocked(offset/PageSize, w, func(pa uint64) {
					copy(buf[:n], v.pclone.parent.frames.Bytes(pa)[in:])
				})
			} else {
				st = v.awaitLocked(offset/PageSize, offset/PageSize+1, w)
			}
			if st != object.OK {
				return st
			}
			if done {
				buf, offset = buf[n:], offset+n
				continue
			}
			if !v.inRangeLocked(offset, uint64(len(buf))) {
				return object.ErrOutOfRange
			}
			continue
		}
		if pa, ok := v.pages.get(offset / PageSize); ok {
			copy(buf[:n], v.frames.Bytes(pa)[in:])
		} else {
			clear(buf[:n])
		}
		buf, offset = buf[n:], offset+n
	}
	return object.OK
}

// Write is zx_vmo_write: writes buf at offset, committing pages. Errors:
// BAD_STATE (a cache policy other than CACHED), OUT_OF_RANGE (past the
// end or overflow), NO_MEMORY (bytes before the failing page are
// written). A pager-backed VMO waits for its missing pages unkillably
// (WriteWait).
func (v *VMO) Write(offset uint64, buf []byte) object.Status { return v.WriteWait(offset, buf, nil) }

// WriteWait is Write where w waits for a pager's pages, as ReadWait.
func (v *VMO) WriteWait(offset uint64, buf []byte, w PageWaiter) object.Status {
	return v.WriteWaitUpTo(offset, buf, w, offset+uint64(len(buf)))
}

// WriteWaitUpTo is WriteWait for one chunk of a longer write that ends at
// byte end (vmo_write copies the caller's buffer in chunks): a DIRTY
// request (ZX_VMO_TRAP_DIRTY) covers the run of pages that are not Dirty
// up to end, as Zircon's, which sees the whole write at once, and not
// only up to the end of the chunk.
func (v *VMO) WriteWaitUpTo(offset uint64, buf []byte, w PageWaiter, end uint64) object.Status {
	if v.phys {
		return object.ErrNotSupported
	}
	end = max(end, offset+uint64(len(buf)))
	if o := v.sliceOf; o != nil {
		if !inRange(offset, uint64(len(buf)), v.size) {
			return object.ErrOutOfRange
		}
		return o.WriteWaitUpTo(v.sliceOff+offset, buf, w, v.sliceOff+min(end, v.size))
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cache != CachePolicyCached {
		return object.ErrBadState
	}
	if !v.inRangeLocked(offset, uint64(len(buf))) {
		return object.ErrOutOfRange
	}
	for len(buf) > 0 {
		in := offset % PageSize
		n := min(uint64(len(buf)), PageSize-in)
		if v.needsPagerLocked(offset / PageSize) {
			if st := v.awaitLocked(offset/PageSize, offset/PageSize+1, w); st != object.OK {
				return st
			}
			if !v.inRangeLocked(offset, uint64(len(buf))) {
				return object.ErrOutOfRange
			}
			continue
		}
		if v.needsDirtyLocked(offset / PageSize) {
			last := (end - 1) / PageSize
			if st := v.awaitDirtyLocked(offset/PageSize, last+1, w); st != object.OK {
				return st
			}
			if !v.inRangeLocked(offset, uint64(len(buf))) {
				return object.ErrOutOfRange
			}
			continue
		}
		pa, st := v.writablePageLocked(offset/PageSize, false)
		if st != object.OK {
			return st
		}
		copy(v.frames.Bytes(pa)[in:], buf[:n])
		v.markDirtyLocked(offset / PageSize)
		buf, offset = buf[n:], offset+n
	}
	return object.OK
}

// OpRangeRights returns the rights (all of them) the VMO handle needs for
// zx_vmo_op_range(op) (0 for an unknown op, which OpRange rejects).
func OpRangeRights(op uint32) object.Rights {
	switch op {
	case VMOOpCommit, VMOOpDecommit, VMOOpCacheInvalidate, VMOOpZero:
		return object.RightWrite
	case VMOOpCacheSync, VMOOpCacheClean, VMOOpCacheCleanInvalidate:
		return object.RightRead
	}
	return 0
}

// OpRangeAnyRight returns the rights of which zx_vmo_op_range's op needs
// at least one: READ or WRITE for the lock ops, as Zircon's
// VmObjectDispatcher::RangeOp (0: none).
func OpRangeAnyRight(op uint32) object.Rights {
	switch op {
	case VMOOpLock, VMOOpUnlock, VMOOpTryLock:
		return object.RightRead | object.RightWrite
	}
	return 0
}

// OpRange is zx_vmo_op_range after the rights check (OpRangeRights).
// COMMIT commits every page touching the range (copying shared ones:
// the VMO then holds them privately); DECOMMIT frees the pages
// of a page-aligned range (they read back as zero) and unmaps them; ZERO
// zeroes the range (whole pages are decommitted); cache ops are no-ops on
// x86's coherent caches. Errors: OUT_OF_RANGE (range past the end or
// overflowing), INVALID_ARGS (unknown op, unaligned DECOMMIT, empty cache
// op), NOT_SUPPORTED (LOCK/UNLOCK: no discardable VMOs), NO_MEMORY
// (COMMIT), BAD_STATE (destroyed). On a copy-on-write child DECOMMIT is
// NOT_SUPPORTED (Zircon); a slice passes the op to its parent.
// A pager-backed VMO's COMMIT waits for its missing pages unkillably
// (OpRangeWait).
func (v *VMO) OpRange(op uint32, offset, size uint64) object.Status {
	return v.OpRangeWait(op, offset, size, nil)
}

// OpRangeWait is OpRange where w waits for a pager's pages: COMMIT asks
// for each run of missing pages in turn and fails with the wait's error;
// if the VMO shrinks meanwhile, what is left of the range is committed.
// DECOMMIT of a pager-backed VMO is NOT_SUPPORTED (Zircon).
func (v *VMO) OpRangeWait(op uint32, offset, size uint64, w PageWaiter) object.Status {
	switch op {
	case VMOOpCommit, VMOOpDecommit, VMOOpZero, VMOOpCacheSync, VMOOpCacheInvalidate,
		VMOOpCacheClean, VMOOpCacheCleanInvalidate:
	case VMOOpLock, VMOOpUnlock, VMOOpTryLock:
		return object.ErrNotSupported
	case VMOOpDontNeed, VMOOpAlwaysNeed:
		// Eviction hints: Beryl evicts nothing, so only the range
		// matters (Zircon's HintRange).
		if !inRange(offset, size, v.Size()) {
			return object.ErrOutOfRange
		}
		return object.OK
	default:
		return object.ErrInvalidArgs
	}
	if o := v.sliceOf; o != nil {
		if !inRange(offset, size, v.size) {
			return object.ErrOutOfRange
		}
		return o.OpRangeWait(op, v.sliceOff+offset, size, w)
	}
	if op == VMOOpDecommit && (v.cow || v.contiguous || v.pager != nil) || v.phys && (op == VMOOpDecommit || op == VMOOpZero) {
		return object.ErrNotSupported
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
		// Committed means held by this VMO alone: shared pages are
		// copied (Zircon commits a clone's pages as its own copies).
		last := (offset + size - 1) / PageSize
		for idx := offset / PageSize; idx <= last && !v.phys; idx++ {
			if v.needsPagerLocked(idx) {
				if st := v.awaitLocked(idx, last+1, w); st != object.OK {
					return st
				}
				if end := v.size / PageSize; last >= end {
					if idx >= end {
						return object.OK // shrunk past the rest of the range
					}
					last = end - 1
				}
				idx-- // look again
				continue
			}
			if _, st := v.writablePageLocked(idx, false); st != object.OK {
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
		if v.pinnedLocked(offset, size) {
			return object.ErrBadState
		}
		v.decommitLocked(offset, offset+size)
	case VMOOpZero:
		if !v.inRangeLocked(offset, size) {
			return object.ErrOutOfRange
		}
		if st := v.zeroLocked(offset, offset+size); st != object.OK {
			return st
		}
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

// zeroLocked zeroes [lo, hi): runs of whole pages are decommitted (a
// copy-on-write child has no parent to fall back to: its absent pages are
// zero), partial pages cleared in place (copied first if shared). v.mu
// held.
func (v *VMO) zeroLocked(lo, hi uint64) object.Status {
	for lo < hi {
		in := lo % PageSize
		n := min(hi-lo, PageSize-in)
		if in == 0 && n == PageSize && (v.pager != nil || v.pclone != nil) && !v.pinnedLocked(lo, PageSize) {
			// A missing page would come from the pager: a whole page
			// becomes a zero page of the VMO's own (pager.go).
			if st := v.zeroPageLocked(lo / PageSize); st != object.OK {
				return st
			}
			lo += PageSize
			continue
		}
		if in == 0 && n == PageSize && !v.contiguous && !v.pinnedLocked(lo, PageSize) {
			end := hi &^ (PageSize - 1)
			v.decommitLocked(lo, end)
			lo = end
			continue
		}
		if _, ok := v.pages.get(lo / PageSize); ok {
			pa, st := v.writablePageLocked(lo/PageSize, false)
			if st != object.OK {
				return st
			}
			clear(v.frames.Bytes(pa)[in : in+n])
			v.markDirtyLocked(lo / PageSize)
		}
		lo += n
	}
	return object.OK
}

// commitLocked returns the page at index idx, committing a zeroed page if
// needed (for a page fault if fault is set: see Frames.Alloc). v.mu held.
func (v *VMO) commitLocked(idx uint64, fault bool) (uint64, object.Status) {
	if v.phys {
		return v.physBase + idx*PageSize, object.OK
	}
	if pa, ok := v.pages.get(idx); ok {
		return pa, object.OK
	}
	if v.dead {
		return 0, object.ErrBadState
	}
	if v.pager != nil || v.pclone != nil && idx < v.pclone.limit.Load() {
		return 0, object.ErrShouldWait // only the pager brings pages (pager.go)
	}
	pa, err := v.frames.Alloc(fault)
	if err != nil {
		return 0, object.ErrNoMemory
	}
	clear(v.frames.Bytes(pa))
	v.pages.set(idx, pa, v.size/PageSize)
	return pa, object.OK
}

// writablePageLocked returns the page at index idx for writing: committed
// if absent, and copied if it is shared with another VMO (copy-on-write):
// this VMO's mappings of the shared page are unmapped first (they refault
// to the copy) and its share is dropped. fault as for commitLocked. v.mu
// held.
func (v *VMO) writablePageLocked(idx uint64, fault bool) (uint64, object.Status) {
	pa, st := v.commitLocked(idx, fault)
	if st != object.OK || v.phys || v.shares.holders(pa) == 1 {
		return pa, st
	}
	npa, err := v.frames.Alloc(fault)
	if err != nil {
		return 0, object.ErrNoMemory
	}
	copy(v.frames.Bytes(npa), v.frames.Bytes(pa))
	v.unmapPagesLocked(idx*PageSize, (idx+1)*PageSize)
	v.pages.set(idx, npa, v.size/PageSize)
	v.shares.drop(v.frames, pa)
	return npa, object.OK
}

// ptePermsLocked returns the permissions to install for page pa (index
// idx) of a mapping with perms: a shared page is never writable in the
// page tables (the write fault copies it), nor is a pager-backed VMO's
// page that is not Dirty (the write fault marks it). v.mu held.
func (v *VMO) ptePermsLocked(idx, pa uint64, perms uint32) uint32 {
	perms |= v.cache << permCacheShift
	if perms&VMPermWrite != 0 && !v.phys && (v.shares.holders(pa) > 1 || v.cleanLocked(idx)) {
		return perms &^ VMPermWrite
	}
	return perms
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
	if v.pager != nil {
		v.unmapClonesLocked(lo, hi)
	}
}

// freePagesLocked frees the committed pages in [lo, hi), walking whichever
// is smaller: the range or the page map. v.mu held.
func (v *VMO) freePagesLocked(lo, hi uint64) {
	first, last := lo/PageSize, (hi-1)/PageSize
	if v.pager != nil {
		v.forgetDirtyLocked(first, last+1)
	}
	if last-first < uint64(v.pages.len()) {
		for idx := first; idx <= last; idx++ {
			if pa, ok := v.pages.del(idx); ok {
				v.shares.drop(v.frames, pa)
			}
		}
		return
	}
	v.pages.each(first, last, func(idx, pa uint64) {
		v.pages.del(idx)
		v.shares.drop(v.frames, pa)
	})
}

// pageForFaultLocked returns the page at VMO offset off for a mapping,
// committing it, and for a write copying it if shared (OUT_OF_RANGE past
// the end of the VMO). v.mu held.
func (v *VMO) pageForFaultLocked(off uint64, write bool) (uint64, object.Status) {
	if off >= v.size {
		return 0, object.ErrOutOfRange
	}
	if write {
		pa, st := v.writablePageLocked(off/PageSize, true)
		if st == object.OK {
			v.markDirtyLocked(off / PageSize)
		}
		return pa, st
	}
	return v.commitLocked(off/PageSize, true)
}

// OnDestroy frees every page when the last reference (handle or mapping)
// goes (shared pages stay with the VMOs still holding them), unlinks the
// VMO from its parent and children, and releases a slice's parent. It
// runs with no lock held.
func (v *VMO) OnDestroy() {
	v.mu.Lock()
	v.dead = true
	v.pages.each(0, ^uint64(0), func(idx, pa uint64) {
		v.pages.del(idx)
		v.shares.drop(v.frames, pa)
	})
	v.pages.trim(0)
	v.mu.Unlock()
	if v.pager != nil {
		v.pagerDestroy()
	}
	if v.pclone != nil {
		v.pcloneDestroy()
	}
	v.unlinkFamily()
	if v.sliceOf != nil {
		v.sliceOf.Release()
	}
}
