package vm

import (
	"sync/atomic"

	"beryl/kernel/object"
)

// Pager-backed VMOs (zx_pager_create_vmo). Such a VMO has no zero fill:
// a page it does not hold is asked of its pager (a ZX_PAGER_VMO_READ
// packet on the pager's port, queued by object.PagerSource) and whoever
// needs it (a fault, vmo_read/write, ZX_VMO_OP_COMMIT) waits until
// zx_pager_supply_pages brings it, zx_pager_op_range(ZX_PAGER_OP_FAIL)
// fails it, the VMO is detached or its pager closed (ZX_ERR_BAD_STATE),
// or the waiting thread's process is killed.
//
// A request covers a run of missing pages nobody has asked for yet:
// one page for a fault or a read, up to the end of the range for a
// commit, stopping at the first page that is present or already
// requested (so overlapping commits never ask twice). Requests are
// tracked per page; a request is done when its last page arrives, and
// its packet is taken back from the port if the pager has not read it
// yet. All of it is guarded by the VMO's lock; waiting happens with no
// lock held.

// PageWaiter is the thread that waits for a pager: the wait ends with
// ZX_ERR_INTERNAL_INTR_KILLED when Killed is closed, and SetBlockedPager
// brackets the wait (ZX_THREAD_STATE_BLOCKED_PAGER). A waiter that also
// has ThreadKilled() <-chan struct{} (a thread killed alone) ends the
// wait the same way when that closes; one that is a SuspendableWaiter
// leaves the wait while suspended. A nil PageWaiter waits unkillably.
type PageWaiter interface {
	Killed() <-chan struct{}
	SetBlockedPager(on bool)
}

// SuspendableWaiter is a PageWaiter whose thread can be suspended
// (task_suspend). As in Zircon, a suspension interrupts the wait: the
// request is cancelled (its packet taken back if unread) unless others
// wait for it too, the thread parks in ParkSuspended until resumed, and
// then looks again, which sends the request anew.
type SuspendableWaiter interface {
	PageWaiter
	// PagerSuspended returns a channel closed when the thread is
	// suspended (at once if it is already).
	PagerSuspended() <-chan struct{}
	// ParkSuspended returns when the thread is no longer suspended (or
	// is being killed).
	ParkSuspended()
}

// pageReq is one outstanding page request.
type pageReq struct {
	lo, hi    uint64 // page indices [lo, hi)
	remaining int    // pages of it not supplied yet
	done      chan struct{}
	status    object.Status // valid once done is closed
	pk        object.PageRequestPacket
	owner     *VMO         // the pager-backed VMO asked
	dirty     bool         // a ZX_PAGER_VMO_DIRTY request (pagerdirty.go), not a READ
	waiters   atomic.Int32 // threads waiting for it; changed under owner.mu but for a final decrement
}

// pagerState is a pager-backed VMO's link to its pager. Fields guarded by
// the VMO's lock.
type pagerState struct {
	src      *object.PagerSource
	reqs     map[uint64]*pageReq // page index → the request that asked for it
	detached bool                // no pager any more: missing pages fail with BAD_STATE
	clones   map[*pagerClone]struct{}
	dirty    map[uint64]dirtyState // pages not Clean (pagerdirty.go)
	dreqs    map[uint64]*pageReq   // page index → the DIRTY request that asked for it
	trap     bool                  // ZX_VMO_TRAP_DIRTY: writes to pages not Dirty ask the pager
	modified bool                  // written since the last stats reset
}

// NewPagerVMO is the VM side of zx_pager_create_vmo: a VMO of size bytes
// (rounded up to a page) whose pages come from pg through port, with
// packets carrying key. Errors: INVALID_ARGS (options other than
// ZX_VMO_RESIZABLE), OUT_OF_RANGE (size too large).
func NewPagerVMO(frames Frames, size uint64, options uint32, pg *object.Pager, port *object.Port, key uint64) (*VMO, object.Status) {
	v, st := NewVMO(frames, size, options&^object.VMOTrapDirty)
	if st != object.OK {
		return nil, st
	}
	v.pager = &pagerState{reqs: map[uint64]*pageReq{}, clones: map[*pagerClone]struct{}{}, dirty: map[uint64]dirtyState{},
		dreqs: map[uint64]*pageReq{}, trap: options&object.VMOTrapDirty != 0}
	src := pg.Attach(port, key, v)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.pager.src = src
	if !src.Attached() {
		v.pager.detached = true // the pager had no handles left
	}
	return v, object.OK
}

// PagerKoid returns the koid of the pager backing v (0: none).
func (v *VMO) PagerKoid() object.Koid {
	if v.pager == nil {
		return 0
	}
	return v.pager.src.PagerKoid()
}

// PagerBacked reports whether v was made by zx_pager_create_vmo.
func (v *VMO) PagerBacked() bool { return v.pager != nil }

// needsPagerLocked reports whether page idx must come from the pager
// (v is pager-backed, or a clone of a pager-backed VMO within what it
// sees of it, and does not hold the page). v.mu held.
func (v *VMO) needsPagerLocked(idx uint64) bool {
	if v.pager == nil && (v.pclone == nil || idx >= v.pclone.limit.Load()) {
		return false
	}
	_, ok := v.pages.get(idx)
	return !ok
}

// pageSourceLocked brings page idx of a VMO that needsPagerLocked: a
// pager-backed VMO gets the request to wait for (requestLocked); a clone
// copies its pager-backed parent's page if it is there (nil request),
// or gets the parent's request for it. v.mu held.
func (v *VMO) pageSourceLocked(idx, limit uint64) (*pageReq, object.Status) {
	if v.pager != nil {
		return v.requestLocked(idx, limit)
	}
	return v.pclone.fetchLocked(v, idx, limit)
}

// requestLocked returns the request that brings page idx, making one (and
// queueing its packet) for the run of missing, unrequested pages from idx
// up to limit if there is none; the caller counts as one of its waiters
// until waitReq returns. BAD_STATE once detached. v.mu held.
func (v *VMO) requestLocked(idx, limit uint64) (*pageReq, object.Status) {
	return v.askLocked(idx, limit, false, func(i uint64) bool {
		_, ok := v.pages.get(i)
		return !ok
	})
}

// askLocked is requestLocked for a READ request (dirty false) and
// dirtyRequestLocked for a DIRTY one: the request that covers page idx in
// the map of its kind, else a new one for the run from idx up to limit
// of pages that need (wants) and are not asked for yet. v.mu held.
func (v *VMO) askLocked(idx, limit uint64, dirty bool, wants func(uint64) bool) (*pageReq, object.Status) {
	ps := v.pager
	if ps.detached {
		return nil, object.ErrBadState
	}
	reqs := ps.reqs
	if dirty {
		reqs = ps.dreqs
	}
	if r := reqs[idx]; r != nil {
		r.waiters.Add(1)
		return r, object.OK
	}
	limit = min(limit, v.size/PageSize)
	hi := idx + 1
	for hi < limit && reqs[hi] == nil && wants(hi) {
		hi++
	}
	r := &pageReq{lo: idx, hi: hi, remaining: int(hi - idx), done: make(chan struct{}), owner: v, dirty: dirty}
	r.waiters.Add(1)
	for i := idx; i < hi; i++ {
		reqs[i] = r
	}
	if dirty {
		ps.src.SendDirty(&r.pk, idx*PageSize, (hi-idx)*PageSize)
	} else {
		ps.src.SendRead(&r.pk, idx*PageSize, (hi-idx)*PageSize)
	}
	return r, object.OK
}

// finishLocked ends r with st: its pages are no longer requested, its
// unread packet is taken back and its waiters wake. v.mu held.
func (v *VMO) finishLocked(r *pageReq, st object.Status) {
	ps := v.pager
	reqs := ps.reqs
	if r.dirty {
		reqs = ps.dreqs
	}
	for i := r.lo; i < r.hi; i++ {
		if reqs[i] == r {
			delete(reqs, i)
		}
	}
	r.status = st
	ps.src.Retract(&r.pk)
	close(r.done)
}

// pageArrivedLocked counts page idx as no longer needed by its request
// (supplied, or cut off by a shrink). v.mu held.
func (v *VMO) pageArrivedLocked(idx uint64) { v.arrivedLocked(v.pager.reqs, idx) }

// arrivedLocked counts page idx as no longer needed by the request reqs
// (the READ or the DIRTY map) holds for it, ending the request with its
// last page. v.mu held.
func (v *VMO) arrivedLocked(reqs map[uint64]*pageReq, idx uint64) {
	r := reqs[idx]
	if r == nil {
		return
	}
	delete(reqs, idx)
	if r.remaining--; r.remaining == 0 {
		v.finishLocked(r, object.OK)
	}
}

// failAllLocked ends every outstanding request with st. v.mu held.
func (v *VMO) failAllLocked(st object.Status) {
	for _, r := range v.pager.reqs {
		v.finishLocked(r, st) // deletes every entry of r
	}
	for _, r := range v.pager.dreqs {
		v.finishLocked(r, st)
	}
}

// awaitLocked waits, with v.mu released, for page idx to arrive from the
// pager (asking for the run up to limit if nobody has). OK means "look
// again": the page is there, or the VMO changed (it may have shrunk).
// Errors: the op_range FAIL status, BAD_STATE (detached, pager closed),
// INTERNAL_INTR_KILLED. v.mu held on entry and on return.
func (v *VMO) awaitLocked(idx, limit uint64, w PageWaiter) object.Status {
	r, st := v.pageSourceLocked(idx, limit)
	if st != object.OK || r == nil {
		return st
	}
	v.mu.Unlock()
	st = waitReq(r, w)
	v.mu.Lock()
	return st
}

// waitReq blocks until r is done or w is killed. A suspension of w's
// thread cancels r (if nobody else waits for it) and parks the thread
// until resumed; then OK tells the caller to look again.
func waitReq(r *pageReq, w PageWaiter) object.Status {
	if w == nil {
		<-r.done
		r.waiters.Add(-1)
		return r.status
	}
	var alone, susp <-chan struct{}
	if k, ok := w.(interface{ ThreadKilled() <-chan struct{} }); ok {
		alone = k.ThreadKilled()
	}
	sw, _ := w.(SuspendableWaiter)
	if sw != nil {
		susp = sw.PagerSuspended()
	}
	w.SetBlockedPager(true)
	select {
	case <-r.done:
		w.SetBlockedPager(false)
		r.waiters.Add(-1)
		return r.status
	case <-susp:
		w.SetBlockedPager(false)
		r.cancel()
		sw.ParkSuspended()
		select { // killed while suspended: ask nothing again
		case <-w.Killed():
		case <-alone:
		default:
			return object.OK
		}
		return object.ErrInternalIntrKilled
	case <-w.Killed():
	case <-alone:
	}
	w.SetBlockedPager(false)
	r.waiters.Add(-1)
	return object.ErrInternalIntrKilled
}

// cancel drops a waiter that leaves r (suspended): the last one takes
// the request back, so the page is asked for again when needed (Zircon's
// PageSource::CancelRequest).
func (r *pageReq) cancel() {
	v := r.owner
	v.mu.Lock()
	defer v.mu.Unlock()
	if r.waiters.Add(-1) > 0 {
		return
	}
	select {
	case <-r.done:
		return
	default:
	}
	v.finishLocked(r, object.ErrInternalIntrRetry)
}

// SupplyPages is zx_pager_supply_pages after the handle checks: it takes
// the pages of aux at [auxOff, auxOff+length) (aux's missing pages become
// zero pages; aux's range ends decommitted) and puts them into v at
// [offset, offset+length) where v has no page yet; pages v already has
// are kept and aux's copies freed. Offsets and length are page-aligned
// (the caller checks). Errors: INVALID_ARGS (v not pager-backed),
// NOT_SUPPORTED (aux is physical or contiguous), BAD_STATE (aux is a
// clone, pager-backed, has children or pinned pages; v detached),
// OUT_OF_RANGE (either range past its VMO's end).
func (v *VMO) SupplyPages(offset, length uint64, aux *VMO, auxOff uint64) object.Status {
	if v.pager == nil {
		return object.ErrInvalidArgs
	}
	pages, st := aux.takePages(auxOff, length)
	if st != object.OK {
		return st
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.inRangeLocked(offset, length) || v.dead {
		v.freeTaken(pages)
		if v.dead {
			return object.ErrBadState
		}
		return object.ErrOutOfRange
	}
	if v.pager.detached {
		v.freeTaken(pages)
		return object.ErrBadState
	}
	for i, pa := range pages {
		idx := offset/PageSize + uint64(i)
		if _, ok := v.pages.get(idx); ok {
			if pa != 0 {
				v.shares.drop(v.frames, pa)
			}
			continue
		}
		if pa == 0 {
			npa, err := v.frames.Alloc(false)
			if err != nil {
				v.freeTaken(pages[i:])
				return object.ErrNoMemory
			}
			clear(v.frames.Bytes(npa))
			pa = npa
		}
		pages[i] = 0
		v.pages.set(idx, pa, v.size/PageSize)
		v.pageArrivedLocked(idx)
	}
	return object.OK
}

// zeroPageLocked makes page idx of a pager-backed VMO (or of a clone of
// one) a zero page it holds (ZX_VMO_OP_ZERO over a whole page): no
// request is made, and one waiting for the page is satisfied. v.mu held.
func (v *VMO) zeroPageLocked(idx uint64) object.Status {
	if _, ok := v.pages.get(idx); ok {
		pa, st := v.writablePageLocked(idx, false)
		if st != object.OK {
			return st
		}
		clear(v.frames.Bytes(pa))
		v.markDirtyLocked(idx)
		return object.OK
	}
	pa, err := v.frames.Alloc(false)
	if err != nil {
		return object.ErrNoMemory
	}
	clear(v.frames.Bytes(pa))
	if v.pclone != nil {
		v.unmapPagesLocked(idx*PageSize, (idx+1)*PageSize) // they may map the parent's page
	}
	v.pages.set(idx, pa, v.size/PageSize)
	if v.pager != nil {
		v.pageArrivedLocked(idx)
		v.markDirtyLocked(idx)
	}
	return object.OK
}

// freeTaken frees pages takePages took that found no home.
func (v *VMO) freeTaken(pages []uint64) {
	for _, pa := range pages {
		if pa != 0 {
			v.shares.drop(v.frames, pa)
		}
	}
}

// takePages removes the pages of [off, off+length) from v (an ordinary
// paged VMO without children or pins) for a supply: the result holds the
// physical page of each index, 0 where v had none. v's mappings of the
// range are unmapped; it reads zero afterwards.
func (v *VMO) takePages(off, length uint64) ([]uint64, object.Status) {
	if v.phys || v.contiguous || v.sliceOf != nil {
		return nil, object.ErrNotSupported
	}
	familyMu.Lock()
	hasKids := v.children > 0
	familyMu.Unlock()
	if v.cow || v.pager != nil || hasKids {
		return nil, object.ErrBadState
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.dead {
		return nil, object.ErrBadState
	}
	if !v.inRangeLocked(off, length) {
		return nil, object.ErrOutOfRange
	}
	if v.pins > 0 && v.pinnedLocked(off, length) {
		return nil, object.ErrBadState
	}
	n := length / PageSize
	pages := make([]uint64, n)
	if n == 0 {
		return pages, object.OK
	}
	v.unmapPagesLocked(off, off+length)
	for i := uint64(0); i < n; i++ {
		idx := off/PageSize + i
		pa, ok := v.pages.del(idx)
		if !ok {
			continue
		}
		if v.shares.holders(pa) > 1 {
			// Still shared with a dead child's copy-on-write state: give
			// the pager VMO its own copy.
			npa, err := v.frames.Alloc(false)
			if err != nil {
				v.pages.set(idx, pa, v.size/PageSize)
				v.freeTaken(pages)
				return nil, object.ErrNoMemory
			}
			copy(v.frames.Bytes(npa), v.frames.Bytes(pa))
			v.shares.drop(v.frames, pa)
			pa = npa
		}
		pages[i] = pa
	}
	return pages, object.OK
}

// FailPages is ZX_PAGER_OP_FAIL of zx_pager_op_range after the handle
// checks: every outstanding request with a page in [offset,
// offset+length) ends with st (its waiters fail with it; later accesses
// ask again). Errors: INVALID_ARGS (v not pager-backed), OUT_OF_RANGE.
func (v *VMO) FailPages(offset, length uint64, st object.Status) object.Status {
	if v.pager == nil {
		return object.ErrInvalidArgs
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.inRangeLocked(offset, length) {
		return object.ErrOutOfRange
	}
	for idx := offset / PageSize; idx < (offset+length)/PageSize; idx++ {
		if r := v.pager.reqs[idx]; r != nil {
			v.finishLocked(r, st)
		}
		if r := v.pager.dreqs[idx]; r != nil {
			v.finishLocked(r, st)
		}
	}
	return object.OK
}

// DetachPager is zx_pager_detach_vmo after the handle checks: the VMO
// leaves its pager for good. Outstanding and later requests fail with
// BAD_STATE, the pages it holds are decommitted (Zircon), and the port
// gets a ZX_PAGER_VMO_COMPLETE packet. Detaching twice is OK. Errors:
// INVALID_ARGS (not pager-backed).
func (v *VMO) DetachPager() object.Status {
	if v.pager == nil {
		return object.ErrInvalidArgs
	}
	first := v.pager.src.Detach()
	v.mu.Lock()
	v.pager.detached = true
	v.failAllLocked(object.ErrBadState)
	if !v.dead && v.size > 0 {
		v.decommitLocked(0, v.size)
	}
	v.mu.Unlock()
	if first {
		v.pager.src.SendComplete()
	}
	return object.OK
}

// PagerClosed is object.PagerClient: the pager lost its last handle.
// Outstanding and later requests fail with BAD_STATE; supplied pages
// stay.
func (v *VMO) PagerClosed() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.pager.detached = true
	v.failAllLocked(object.ErrBadState)
}

// pagerShrinkLocked drops the requests for pages at or past page end
// (the VMO shrank): their waiters look again and find the range gone.
// v.mu held.
func (v *VMO) pagerShrinkLocked(end uint64) {
	v.pager.modified = true // Zircon: a resize modifies the VMO
	for idx := range v.pager.reqs {
		if idx >= end {
			v.pageArrivedLocked(idx)
		}
	}
	for idx := range v.pager.dreqs {
		if idx >= end {
			v.dirtyArrivedLocked(idx)
		}
	}
	for pc := range v.pager.clones {
		pc.lower(end)
	}
}

// pagerDestroy sends ZX_PAGER_VMO_COMPLETE for a VMO that dies attached,
// and drops the source's port reference.
func (v *VMO) pagerDestroy() {
	if v.pager.src.Detach() {
		v.pager.src.SendComplete()
	}
	v.pager.src.Release()
}

// pagerClone links a SNAPSHOT_AT_LEAST_ON_WRITE clone to the pager-backed
// VMO its missing pages come from (clones of clones are flattened onto
// it). As Zircon's at-least-on-write clones of a pager-backed VMO, the
// clone shares the parent's pages until it writes them: a read (vmo_read,
// a read fault, which maps the parent's page read-only) sees the parent's
// current page, asking its pager if the parent lacks it; a write or a
// commit copies the page into the clone, which keeps that copy. So the
// clone sees the parent's later writes to pages it has not written, and
// loses them when the parent does (detach, shrink). Pages a clone of a
// clone held at creation are shared as for any snapshot (child.go).
type pagerClone struct {
	parent *VMO          // pager-backed; referenced
	off    uint64        // the clone's page 0 is the parent's page off
	limit  atomic.Uint64 // clone pages below this come from the parent
	// maps are the clone's mappings, which the parent's unmaps reach
	// (they may map its pages); guarded by parent.mu.
	maps map[*Mapping]bool
}

// fetchLocked copies page idx of clone c from its parent, or returns the
// parent's request for it (up to limit). c.mu held (the parent's lock
// nests inside its clones' locks).
func (pc *pagerClone) fetchLocked(c *VMO, idx, limit uint64) (*pageReq, object.Status) {
	p := pc.parent
	p.mu.Lock()
	defer p.mu.Unlock()
	if idx >= pc.limit.Load() {
		return nil, object.OK // the parent shrank under it: a zero page
	}
	pidx := idx + pc.off
	if pa, ok := p.pages.get(pidx); ok {
		return nil, pc.forkLocked(c, idx, pa)
	}
	return p.requestLocked(pidx, min(limit, pc.limit.Load())+pc.off)
}

// forkLocked gives clone c its own copy of the parent's page pa as its
// page idx; c's mappings of the parent's page go. c.mu and the parent's
// lock held.
func (pc *pagerClone) forkLocked(c *VMO, idx, pa uint64) object.Status {
	npa, err := c.frames.Alloc(false)
	if err != nil {
		return object.ErrNoMemory
	}
	copy(c.frames.Bytes(npa), pc.parent.frames.Bytes(pa))
	c.unmapPagesLocked(idx*PageSize, (idx+1)*PageSize)
	c.pages.set(idx, npa, c.size/PageSize)
	return object.OK
}

// sharedLocked finds clone page idx in the parent: if the parent holds
// it, use runs with the parent's page under the parent's lock (done);
// else, if ask, the parent's request for it is returned to wait for.
// Neither (nil request, OK) past the clone's limit: the page is the
// clone's own. c.mu held, c not holding the page.
func (pc *pagerClone) sharedLocked(idx uint64, ask bool, use func(pa uint64) object.Status) (done bool, r *pageReq, st object.Status) {
	p := pc.parent
	p.mu.Lock()
	defer p.mu.Unlock()
	if idx >= pc.limit.Load() {
		return false, nil, object.OK
	}
	pidx := idx + pc.off
	if pa, ok := p.pages.get(pidx); ok {
		return true, nil, use(pa)
	}
	if !ask {
		return false, nil, object.OK
	}
	r, st = p.requestLocked(pidx, pidx+1)
	return false, r, st
}

// readSharedLocked is sharedLocked for a read of clone c that waits (with
// c.mu released) for the parent's page: done when use ran; OK without
// done means "look again". c.mu held.
func (c *VMO) readSharedLocked(idx uint64, w PageWaiter, use func(pa uint64)) (bool, object.Status) {
	done, r, st := c.pclone.sharedLocked(idx, true, func(pa uint64) object.Status {
		use(pa)
		return object.OK
	})
	if done || st != object.OK || r == nil {
		return done, st
	}
	c.mu.Unlock()
	st = waitReq(r, w)
	c.mu.Lock()
	return false, st
}

// unmapClonesLocked clears the PTEs of v's clones' mappings that may map
// v's pages in [lo, hi) (byte offsets of v). v.mu held.
func (v *VMO) unmapClonesLocked(lo, hi uint64) {
	for pc := range v.pager.clones {
		base := pc.off * PageSize
		if hi <= base {
			continue
		}
		clo, chi := max(lo, base)-base, hi-base
		for m := range pc.maps {
			s, e := max(clo, m.offset), min(chi, m.offset+m.size)
			if s < e {
				m.as.clearPTEs(m.base+(s-m.offset), m.base+(e-m.offset))
			}
		}
	}
}

// addMapLocked records m as a mapping of v. v.mu held.
func (v *VMO) addMapLocked(m *Mapping) {
	v.maps[m] = true
	if pc := v.pclone; pc != nil {
		pc.parent.mu.Lock()
		pc.maps[m] = true
		pc.parent.mu.Unlock()
	}
}

// removeMapLocked forgets m, a mapping of v. v.mu held.
func (v *VMO) removeMapLocked(m *Mapping) {
	delete(v.maps, m)
	if pc := v.pclone; pc != nil {
		pc.parent.mu.Lock()
		delete(pc.maps, m)
		pc.parent.mu.Unlock()
	}
}

// splitMapLocked cuts m, a mapping of v, to size bytes and records n, the
// mapping of the rest. v.mu held.
func (v *VMO) splitMapLocked(m *Mapping, size uint64, n *Mapping) {
	if pc := v.pclone; pc != nil {
		pc.parent.mu.Lock()
		defer pc.parent.mu.Unlock()
		pc.maps[n] = true
	}
	m.size = size
	v.maps[n] = true
}

// lower makes the clones see no parent page at or past parent page end
// (the parent shrank; growing again shows them nothing new).
func (pc *pagerClone) lower(end uint64) {
	n := uint64(0)
	if end > pc.off {
		n = end - pc.off
	}
	pc.cap(n)
}

// cap makes clone pages at or past n read zero, not the parent's (the
// clone shrank).
func (pc *pagerClone) cap(n uint64) {
	for {
		old := pc.limit.Load()
		if n >= old || pc.limit.CompareAndSwap(old, n) {
			return
		}
	}
}

// adoptPagerCloneLocked makes c (new, size pages) a clone of v's pages
// from page off: of v itself if pager-backed, else of v's own pager
// parent. v.mu held; reports false if v is neither.
func (v *VMO) adoptPagerCloneLocked(c *VMO, off, pages uint64) bool {
	root, lim := v, v.size/PageSize
	if v.pager == nil {
		if v.pclone == nil {
			return false
		}
		root, off, lim = v.pclone.parent, off+v.pclone.off, v.pclone.limit.Load()+v.pclone.off
	}
	pc := &pagerClone{parent: root, off: off, maps: map[*Mapping]bool{}}
	if lim > off {
		pc.limit.Store(min(pages, lim-off))
	}
	root.AddRef()
	c.pclone = pc
	if root != v {
		root.mu.Lock()
		defer root.mu.Unlock()
	}
	root.pager.clones[pc] = struct{}{}
	return true
}

// pcloneDestroy unlinks a dying clone from its pager-backed parent.
func (v *VMO) pcloneDestroy() {
	p := v.pclone.parent
	p.mu.Lock()
	delete(p.pager.clones, v.pclone)
	p.mu.Unlock()
	p.Release()
}
