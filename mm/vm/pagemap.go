package vm

// pageMap maps a VMO's page indexes to physical pages. It is a two-level
// table: a Go map from the index's upper bits to leaves of up to
// leafPages entries, so committing a page (a page fault) allocates on the
// Go heap only when it opens a new leaf (once per 2 MiB of VMO) or the
// small top map grows, rather than whenever a map of every page grows. A
// leaf is no longer than the VMO needs (a 3-page VMO has a 3-entry leaf;
// one that grows later gets its leaf grown), so small VMOs stay small.
// Leaves stay until the VMO shrinks below them or is destroyed, so
// decommit/commit cycles (MADV_DONTNEED) do not allocate either.
//
// Physical address 0 marks an absent page: the physical allocator never
// hands out the first page (kmem keeps the low 1 MiB; the fakes start
// higher).
type pageMap struct {
	leaves map[uint64]*pageLeaf // index / leafPages → leaf
	n      int                  // committed pages
}

const leafPages = 512

type pageLeaf struct {
	pa []uint64 // len <= leafPages
	n  int
}

func (m *pageMap) len() int { return m.n }

// get returns the page at idx.
func (m *pageMap) get(idx uint64) (uint64, bool) {
	l := m.leaves[idx/leafPages]
	if l == nil || idx%leafPages >= uint64(len(l.pa)) {
		return 0, false
	}
	pa := l.pa[idx%leafPages]
	return pa, pa != 0
}

// set sets the page at idx (pa != 0) of a VMO of sizePages pages.
func (m *pageMap) set(idx, pa, sizePages uint64) {
	if m.leaves == nil {
		m.leaves = map[uint64]*pageLeaf{}
	}
	k, i := idx/leafPages, idx%leafPages
	l := m.leaves[k]
	if l == nil {
		l = new(pageLeaf)
		m.leaves[k] = l
	}
	if i >= uint64(len(l.pa)) {
		n := uint64(leafPages)
		if sizePages > k*leafPages {
			n = min(n, sizePages-k*leafPages)
		}
		grown := make([]uint64, max(n, i+1))
		copy(grown, l.pa)
		l.pa = grown
	}
	e := &l.pa[i]
	if *e == 0 {
		l.n++
		m.n++
	}
	*e = pa
}

// del removes the page at idx and returns it.
func (m *pageMap) del(idx uint64) (uint64, bool) {
	l := m.leaves[idx/leafPages]
	if l == nil || idx%leafPages >= uint64(len(l.pa)) || l.pa[idx%leafPages] == 0 {
		return 0, false
	}
	pa := l.pa[idx%leafPages]
	l.pa[idx%leafPages] = 0
	l.n--
	m.n--
	return pa, true
}

// each calls fn for every page with an index in [first, last], in no
// particular order; fn may del the page it is given.
func (m *pageMap) each(first, last uint64, fn func(idx, pa uint64)) {
	for k, l := range m.leaves {
		if l.n == 0 || k < first/leafPages || k > last/leafPages {
			continue
		}
		for i, pa := range l.pa {
			idx := k*leafPages + uint64(i)
			if pa != 0 && idx >= first && idx <= last {
				fn(idx, pa)
			}
		}
	}
}

// trim drops the leaves that lie entirely at or above page index from
// (they must be empty: the pages were freed first).
func (m *pageMap) trim(from uint64) {
	for k := range m.leaves {
		if k*leafPages >= from {
			delete(m.leaves, k)
		}
	}
}
