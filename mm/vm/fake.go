package vm

import (
	"errors"
	"sync"

	"beryl/mm/pagetable"
)

// Host-side stand-ins for the machine, used by this package's tests and
// available to other packages' host tests (the zx syscall layer).

// ErrFakeExhausted is returned by the fakes when their limit is reached.
var ErrFakeExhausted = errors.New("vm: fake memory exhausted")

// HeapFrames is a Frames over the Go heap: fake physical addresses name
// 4 KiB buffers. It counts live pages and can be limited.
type HeapFrames struct {
	mu    sync.Mutex
	pages map[uint64][]byte
	free  []uint64
	next  uint64
	// Limit makes Alloc fail once this many pages are live (0: no limit).
	Limit int
}

// NewHeapFrames returns an empty HeapFrames.
func NewHeapFrames() *HeapFrames {
	return &HeapFrames{pages: map[uint64][]byte{}, next: 0x1000_0000}
}

// Alloc implements Frames; the page is filled with 0xA5 so that missing
// zeroing shows.
func (h *HeapFrames) Alloc(fault bool) (uint64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.Limit > 0 && len(h.pages) >= h.Limit {
		return 0, ErrFakeExhausted
	}
	var pa uint64
	if n := len(h.free); n > 0 {
		pa, h.free = h.free[n-1], h.free[:n-1]
	} else {
		pa = h.next
		h.next += PageSize
	}
	b := make([]byte, PageSize)
	for i := range b {
		b[i] = 0xA5
	}
	h.pages[pa] = b
	return pa, nil
}

// AllocContig implements ContigFrames: n fresh pages at consecutive fake
// addresses aligned to 2^alignLog2.
func (h *HeapFrames) AllocContig(n uint64, alignLog2 uint32) (uint64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.Limit > 0 && len(h.pages)+int(n) > h.Limit {
		return 0, ErrFakeExhausted
	}
	align := uint64(PageSize)
	if alignLog2 > 12 {
		align = 1 << alignLog2
	}
	pa := (h.next + align - 1) &^ (align - 1)
	h.next = pa + n*PageSize
	for i := uint64(0); i < n; i++ {
		h.pages[pa+i*PageSize] = make([]byte, PageSize)
	}
	return pa, nil
}

// Free implements Frames; freeing an unknown page panics.
func (h *HeapFrames) Free(pa uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.pages[pa]; !ok {
		panic("vm: HeapFrames.Free of a page not allocated")
	}
	delete(h.pages, pa)
	h.free = append(h.free, pa)
}

// Bytes implements Frames.
func (h *HeapFrames) Bytes(pa uint64) []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.pages[pa]
	if !ok {
		panic("vm: HeapFrames.Bytes of a page not allocated")
	}
	return b
}

// Live returns the number of allocated pages.
func (h *HeapFrames) Live() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.pages)
}

// HeapTables is a pagetable.PageSource over the Go heap that counts live
// tables.
type HeapTables struct {
	mu     sync.Mutex
	tables map[uint64]*[pagetable.Entries]uint64
	next   uint64
}

// NewHeapTables returns an empty HeapTables.
func NewHeapTables() *HeapTables {
	return &HeapTables{tables: map[uint64]*[pagetable.Entries]uint64{}, next: 0x10_0000}
}

// AllocTable implements pagetable.PageSource.
func (h *HeapTables) AllocTable() (uint64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	pa := h.next
	h.next += PageSize
	h.tables[pa] = new([pagetable.Entries]uint64)
	return pa, nil
}

// FreeTable implements pagetable.PageSource.
func (h *HeapTables) FreeTable(pa uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.tables[pa]; !ok {
		panic("vm: HeapTables.FreeTable of an unknown table")
	}
	delete(h.tables, pa)
}

// Table implements pagetable.PageSource.
func (h *HeapTables) Table(pa uint64) *[pagetable.Entries]uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	t, ok := h.tables[pa]
	if !ok {
		panic("vm: HeapTables.Table of an unknown table")
	}
	return t
}

// Live returns the number of allocated tables.
func (h *HeapTables) Live() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.tables)
}

// RecordTLB is a TLB that records what it was asked to do; LiveRoot plays
// CR3.
type RecordTLB struct {
	mu       sync.Mutex
	LiveRoot uint64
	Flushes  []uint64 // flushed addresses while live
	Full     int      // full flushes while live
	Retired  []uint64
}

// Flush implements TLB.
func (r *RecordTLB) Flush(root, va uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if root == r.LiveRoot {
		r.Flushes = append(r.Flushes, va)
	}
}

// FlushAll implements TLB.
func (r *RecordTLB) FlushAll(root uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if root == r.LiveRoot {
		r.Full++
	}
}

// Retire implements TLB.
func (r *RecordTLB) Retire(root uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Retired = append(r.Retired, root)
	if root == r.LiveRoot {
		r.LiveRoot = 0
	}
}

// Snapshot returns copies of the recorded flushes.
func (r *RecordTLB) Snapshot() (flushes []uint64, full int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]uint64(nil), r.Flushes...), r.Full
}

// SetLive sets the live root (what CR3 would hold).
func (r *RecordTLB) SetLive(root uint64) {
	r.mu.Lock()
	r.LiveRoot = root
	r.mu.Unlock()
}

// NewHostEnv returns an Env built from fresh fakes.
func NewHostEnv() (*Env, *HeapFrames, *HeapTables, *RecordTLB) {
	f, t, tlb := NewHeapFrames(), NewHeapTables(), &RecordTLB{}
	return &Env{Frames: f, Tables: t, TLB: tlb}, f, t, tlb
}
