package vm

import (
	"beryl/kernel/object"
	"beryl/mm/pagetable"
)

// Page-table maintenance of an address space. Every function here takes
// as.ptMu itself (level 3 of the lock order) and may be called with the
// tree lock and a VMO lock held. PTEs only ever translate to VMO pages:
// clearing one frees nothing.

// maxSingleFlushes is how many INVLPGs one operation issues before it
// reloads CR3 instead.
const maxSingleFlushes = 32

// pteFlags returns the leaf flags for a mapping's permissions: always
// User, Writable with PERM_WRITE, NX unless PERM_EXECUTE.
func pteFlags(perms uint32) uint64 {
	f := pagetable.Present | pagetable.User
	if perms&VMPermWrite != 0 {
		f |= pagetable.Writable
	}
	if perms&VMPermExecute == 0 {
		f |= pagetable.NoExecute
	}
	return f | cacheFlags(perms>>permCacheShift&cachePolicyMask)
}

// cacheBits are the PTE bits a cache policy sets (physical.go).
const cacheBits = pagetable.PAT4K | pagetable.CacheDisable | pagetable.WriteThrough

// installPTE maps the page at va to pa with perms' flags.
func (as *AddressSpace) installPTE(va, pa uint64, perms uint32) object.Status {
	as.ptMu.Lock()
	defer as.ptMu.Unlock()
	if as.ptGone {
		return object.ErrBadState
	}
	e, err := as.pt.Entry(va, true)
	if err != nil {
		return object.ErrNoMemory
	}
	old, pte := *e, pa|pteFlags(perms)
	if old&pagetable.Present == 0 {
		as.pages++
	}
	*e = pte
	if old&pagetable.Present != 0 && old&^(pagetable.Accessed|pagetable.Dirty) != pte {
		as.env.TLB.Flush(as.pt.Root, va)
	}
	return object.OK
}

// flusher batches TLB invalidations of one operation.
type flusher struct {
	as  *AddressSpace
	n   int
	vas [maxSingleFlushes]uint64
}

func (f *flusher) add(va uint64) {
	if f.n < maxSingleFlushes {
		f.vas[f.n] = va
	}
	f.n++
}

func (f *flusher) done() {
	if f.n > maxSingleFlushes {
		f.as.env.TLB.FlushAll(f.as.pt.Root)
		return
	}
	for _, va := range f.vas[:f.n] {
		f.as.env.TLB.Flush(f.as.pt.Root, va)
	}
}

// clearPTEs unmaps every present page in [lo, hi).
func (as *AddressSpace) clearPTEs(lo, hi uint64) {
	as.ptMu.Lock()
	defer as.ptMu.Unlock()
	if as.ptGone {
		return
	}
	f := flusher{as: as}
	as.walkLocked(lo, hi, func(va uint64, e *uint64) {
		if *e&pagetable.Present != 0 {
			as.pages--
			f.add(va)
		}
		*e = 0
	})
	f.done()
}

// protectPTEs rewrites the present PTEs in [lo, hi) for perms; without
// PERM_READ they are cleared (the pages stay in the VMO).
func (as *AddressSpace) protectPTEs(lo, hi uint64, perms uint32) {
	as.ptMu.Lock()
	defer as.ptMu.Unlock()
	if as.ptGone {
		return
	}
	f := flusher{as: as}
	as.walkLocked(lo, hi, func(va uint64, e *uint64) {
		old := *e
		if old&pagetable.Present == 0 {
			return
		}
		if perms&VMPermRead == 0 {
			*e = 0
			as.pages--
		} else {
			// Never made writable here: the page may be shared
			// (copy-on-write); a write fault upgrades it.
			*e = old&(pagetable.AddrMask|cacheBits) | pteFlags(perms)&^(pagetable.Writable&^old)
		}
		f.add(va)
	})
	f.done()
}

// writeProtectPTEs makes the present PTEs in [lo, hi) read-only (their
// pages have just become shared).
func (as *AddressSpace) writeProtectPTEs(lo, hi uint64) {
	as.ptMu.Lock()
	defer as.ptMu.Unlock()
	if as.ptGone {
		return
	}
	f := flusher{as: as}
	as.walkLocked(lo, hi, func(va uint64, e *uint64) {
		if *e&pagetable.Present != 0 && *e&pagetable.Writable != 0 {
			*e &^= pagetable.Writable
			f.add(va)
		}
	})
	f.done()
}

// pruneTables frees the page tables left empty in [lo, hi).
func (as *AddressSpace) pruneTables(lo, hi uint64) {
	as.ptMu.Lock()
	defer as.ptMu.Unlock()
	if as.ptGone {
		return
	}
	if as.pt.Prune(lo, hi-lo) > 0 {
		as.env.TLB.FlushAll(as.pt.Root) // paging-structure caches
	}
}

// walkLocked calls fn for every non-zero 4 KiB PTE in [lo, hi), skipping
// missing tables at every level. as.ptMu held.
func (as *AddressSpace) walkLocked(lo, hi uint64, fn func(va uint64, e *uint64)) {
	if lo >= hi {
		return
	}
	as.walkTableLocked(as.pt.Root, 4, 0, lo, hi, fn)
}

func (as *AddressSpace) walkTableLocked(tpa uint64, level int, tbase, lo, hi uint64, fn func(va uint64, e *uint64)) {
	t := as.pt.Mem.Table(tpa)
	span := pagetable.LevelSize(level)
	first := (max(lo, tbase) - tbase) / span
	last := (min(hi, tbase+span*pagetable.Entries) - 1 - tbase) / span
	for i := first; i <= last; i++ {
		e := &t[i]
		va := tbase + i*span
		if level == 1 {
			if *e != 0 {
				fn(va, e)
			}
			continue
		}
		if *e&pagetable.Present == 0 || *e&pagetable.Huge != 0 {
			continue
		}
		as.walkTableLocked(*e&pagetable.AddrMask, level-1, va, lo, hi, fn)
	}
}
