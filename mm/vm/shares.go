package vm

import "sync"

// Page sharing. A physical page committed in one VMO has one holder; a
// copy-on-write child made from it adds a holder per page it shares. The
// share table counts the extra holders of each shared page (a page absent
// from it has exactly one), so a page is freed only when its last holder
// lets it go, and the physical allocator's counts (kmem.UserPages) stay
// exact: a shared page is allocated once.
//
// shareTable.mu is a leaf lock (taken under VMO.mu; nothing is taken
// under it). Lookups and deletions do not allocate; only sharing a page
// (child creation, not a fault) may grow the map.

type shareTable struct {
	mu    sync.Mutex
	extra map[uint64]uint32 // physical page → holders beyond the first
}

// shareTables maps a Frames to its share table: physical addresses are
// only unique within one Frames (host fakes reuse them).
var shareTables sync.Map // Frames → *shareTable

func sharesOf(f Frames) *shareTable {
	if s, ok := shareTables.Load(f); ok {
		return s.(*shareTable)
	}
	s, _ := shareTables.LoadOrStore(f, &shareTable{extra: map[uint64]uint32{}})
	return s.(*shareTable)
}

// add records one more holder of pa.
func (s *shareTable) add(pa uint64) {
	s.mu.Lock()
	s.extra[pa]++
	s.mu.Unlock()
}

// holders returns the number of holders of pa (1 if unshared).
func (s *shareTable) holders(pa uint64) uint32 {
	s.mu.Lock()
	n := s.extra[pa]
	s.mu.Unlock()
	return n + 1
}

// drop lets one holder go; the last one frees the page.
func (s *shareTable) drop(f Frames, pa uint64) {
	s.mu.Lock()
	n, shared := s.extra[pa]
	if shared {
		if n <= 1 {
			delete(s.extra, pa)
		} else {
			s.extra[pa] = n - 1
		}
	}
	s.mu.Unlock()
	if !shared {
		f.Free(pa)
	}
}

// SharedPages returns the number of physical pages of f held by more than
// one VMO (for tests and diagnostics).
func SharedPages(f Frames) int {
	s := sharesOf(f)
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.extra)
}
