package pmm

import (
	"errors"
	"math/rand"
	"testing"
)

const mib = 1 << 20

func newAlloc(t testing.TB, base, npages uint64) *Allocator {
	t.Helper()
	a := &Allocator{}
	if err := a.Init(base, npages, make([]uint64, BitmapWords(npages))); err != nil {
		t.Fatalf("Init: %v", err)
	}
	return a
}

// check recounts the bitmaps and compares them with the counters.
func check(t testing.TB, a *Allocator) {
	t.Helper()
	var nf, na uint64
	for w := uint64(0); w < a.words; w++ {
		if a.free[w]&a.alloc[w] != 0 {
			t.Fatalf("word %d: frame both free and allocated", w)
		}
		nf += uint64(popcount(a.free[w]))
		na += uint64(popcount(a.alloc[w]))
	}
	if nf != a.FreePages() || na != a.UsedPages() || nf+na != a.TotalPages() {
		t.Fatalf("counters free=%d used=%d total=%d, bitmap free=%d alloc=%d",
			a.FreePages(), a.UsedPages(), a.TotalPages(), nf, na)
	}
}

func TestInitErrors(t *testing.T) {
	var a Allocator
	if err := a.Init(0x1001, 10, make([]uint64, 2)); err != ErrUnaligned {
		t.Errorf("unaligned base: %v", err)
	}
	if err := a.Init(0, 0, nil); err != ErrBadArgument {
		t.Errorf("zero pages: %v", err)
	}
	if err := a.Init(0xffff_ffff_ffff_0000, 100, make([]uint64, 4)); err != ErrBadArgument {
		t.Errorf("overflowing range: %v", err)
	}
	if err := a.Init(0, 65, make([]uint64, 3)); err != ErrBitmapTooSmall {
		t.Errorf("small bitmap: %v", err)
	}
	if got := BitmapWords(65); got != 4 {
		t.Errorf("BitmapWords(65) = %d", got)
	}
	// Storage is cleared: all frames start unavailable.
	st := []uint64{^uint64(0), ^uint64(0)}
	if err := a.Init(0, 64, st); err != nil {
		t.Fatal(err)
	}
	if a.TotalPages() != 0 || a.IsFree(0) {
		t.Errorf("new allocator not all-used")
	}
	if _, err := a.AllocPage(); err != ErrNoMemory {
		t.Errorf("AllocPage on empty: %v", err)
	}
	if b, e := a.Range(); b != 0 || e != 64*PageSize {
		t.Errorf("Range = %#x, %#x", b, e)
	}
}

func TestFreeReserveClipAndRound(t *testing.T) {
	a := newAlloc(t, mib, 256) // manages [1 MiB, 2 MiB)
	// Partial pages are not made available; the range is clipped.
	if n := a.Free(0, mib+0x800); n != 0 {
		t.Errorf("Free of [0, 1MiB+0x800) added %d, want 0 (only partial page in range)", n)
	}
	if n := a.Free(0, mib+2*PageSize+1); n != 2 {
		t.Errorf("Free added %d, want 2", n)
	}
	if n := a.Free(mib+PageSize-1, 10*PageSize); n != 8 { // pages 2..9 new, page 1 already free
		t.Errorf("Free overlapping added %d, want 8", n)
	}
	if n := a.Free(0, ^uint64(0)); n != 256-10 { // overflow clamps, clipped to range
		t.Errorf("Free everything added %d, want 246", n)
	}
	check(t, a)
	// Reserve rounds outward: one byte reserves its page.
	if n := a.Reserve(mib+5*PageSize+100, 1); n != 1 {
		t.Errorf("Reserve 1 byte removed %d", n)
	}
	if a.IsFree(mib + 5*PageSize) {
		t.Error("reserved page still free")
	}
	if n := a.Reserve(mib+5*PageSize, PageSize); n != 0 {
		t.Errorf("second Reserve removed %d", n)
	}
	if n := a.Reserve(2*mib-1, ^uint64(0)); n != 1 { // overflow clamps; last page only
		t.Errorf("Reserve tail removed %d, want 1", n)
	}
	if n := a.Reserve(0, mib); n != 0 {
		t.Errorf("Reserve outside removed %d", n)
	}
	if n := a.Free(^uint64(0)-10, 5); n != 0 {
		t.Errorf("Free near top added %d", n)
	}
	check(t, a)
	if a.TotalPages() != 254 || a.FreePages() != 254 || a.UsedPages() != 0 {
		t.Errorf("counters %d %d %d", a.TotalPages(), a.FreePages(), a.UsedPages())
	}
}

func TestAllocFreeExhaust(t *testing.T) {
	const n = 200
	a := newAlloc(t, 0, n)
	a.Free(0, n*PageSize)
	a.Reserve(0, PageSize)            // page 0
	a.Reserve(100*PageSize, PageSize) // page 100
	seen := map[uint64]bool{}
	for i := 0; i < n-2; i++ {
		pa, err := a.AllocPage()
		if err != nil {
			t.Fatalf("alloc %d: %v", i, err)
		}
		if pa == 0 || pa == 100*PageSize {
			t.Fatalf("allocator returned reserved page %#x", pa)
		}
		if pa%PageSize != 0 || pa >= n*PageSize {
			t.Fatalf("bad page %#x", pa)
		}
		if seen[pa] {
			t.Fatalf("page %#x returned twice", pa)
		}
		seen[pa] = true
	}
	check(t, a)
	if _, err := a.AllocPage(); err != ErrNoMemory {
		t.Fatalf("exhausted AllocPage: %v", err)
	}
	if _, err := a.AllocContig(1, 1); err != ErrNoMemory {
		t.Fatalf("exhausted AllocContig: %v", err)
	}
	if a.FreePages() != 0 || a.UsedPages() != n-2 {
		t.Fatalf("counters after exhaustion: free %d used %d", a.FreePages(), a.UsedPages())
	}
	if err := a.FreePage(7 * PageSize); err != nil {
		t.Fatal(err)
	}
	pa, err := a.AllocPage()
	if err != nil || pa != 7*PageSize {
		t.Fatalf("realloc got %#x, %v; want the one free page", pa, err)
	}
	for pa := range seen {
		if err := a.FreePage(pa); err != nil {
			t.Fatalf("FreePage(%#x): %v", pa, err)
		}
	}
	check(t, a)
	if a.FreePages() != n-2 || a.UsedPages() != 0 {
		t.Fatalf("counters after free-all: %d %d", a.FreePages(), a.UsedPages())
	}
}

func TestFreePageErrors(t *testing.T) {
	a := newAlloc(t, mib, 64)
	a.Free(mib, 32*PageSize) // second half stays unavailable
	pa, err := a.AllocPage()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		pa   uint64
		want error
	}{
		{pa + 1, ErrUnaligned},
		{0, ErrOutOfRange},
		{mib + 64*PageSize, ErrOutOfRange},
		{mib + 40*PageSize, ErrNotAllocated}, // never RAM
		{pa + PageSize, ErrDoubleFree},       // free, never allocated
	}
	for _, c := range cases {
		if err := a.FreePage(c.pa); err != c.want {
			t.Errorf("FreePage(%#x) = %v, want %v", c.pa, err, c.want)
		}
	}
	if err := a.FreePage(pa); err != nil {
		t.Fatal(err)
	}
	if err := a.FreePage(pa); err != ErrDoubleFree {
		t.Errorf("double free: %v", err)
	}
	check(t, a)
	if a.IsAllocated(pa) || !a.IsFree(pa) || a.IsFree(0) || a.IsAllocated(1) {
		t.Error("IsFree/IsAllocated wrong")
	}
	// A reserved page cannot be freed into the pool.
	a.Reserve(mib+3*PageSize, PageSize)
	if err := a.FreePage(mib + 3*PageSize); err != ErrNotAllocated {
		t.Errorf("FreePage(reserved) = %v", err)
	}
}

func TestAllocContigFragmentation(t *testing.T) {
	const n = 256
	a := newAlloc(t, 0, n)
	a.Free(0, n*PageSize)
	pages := make([]uint64, n)
	for i := range pages {
		var err error
		if pages[i], err = a.AllocPage(); err != nil {
			t.Fatal(err)
		}
	}
	// Free every other page: 128 free pages, no two adjacent.
	for i := 0; i < n; i += 2 {
		if err := a.FreePage(pages[i]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.AllocContig(2, 1); err != ErrNoMemory {
		t.Fatalf("AllocContig(2) on checkerboard: %v", err)
	}
	if a.FreePages() != n/2 {
		t.Fatalf("failed AllocContig changed state")
	}
	// Free pages 64..127 (the odd ones); now [64*4K, 128*4K) is one run.
	for i := 65; i < 128; i += 2 {
		if err := a.FreePage(pages[i]); err != nil {
			t.Fatal(err)
		}
	}
	pa, err := a.AllocContig(64, 64)
	if err != nil || pa != 64*PageSize {
		t.Fatalf("AllocContig(64, align 64) = %#x, %v", pa, err)
	}
	check(t, a)
	if err := a.FreeContig(pa, 64); err != nil {
		t.Fatal(err)
	}
	// Alignment is honoured: a 32-page request aligned to 32 pages.
	pa, err = a.AllocContig(32, 32)
	if err != nil || pa%(32*PageSize) != 0 {
		t.Fatalf("aligned contig %#x %v", pa, err)
	}
	if err := a.FreeContig(pa, 32); err != nil {
		t.Fatal(err)
	}
	if err := a.FreeContig(pa, 32); err != ErrDoubleFree {
		t.Fatalf("double FreeContig: %v", err)
	}
	check(t, a)
}

func TestAllocContigAlignPhysical(t *testing.T) {
	// Base 1 page past a 2 MiB boundary: alignment must be of the physical
	// address, not of the frame index.
	base := uint64(2*mib + PageSize)
	a := newAlloc(t, base, 2048)
	a.Free(base, 2048*PageSize)
	pa, err := a.AllocContig(512, 512)
	if err != nil {
		t.Fatal(err)
	}
	if pa%(2*mib) != 0 || pa != 4*mib {
		t.Fatalf("2 MiB-aligned allocation at %#x", pa)
	}
	if _, err := a.AllocContig(2048, 1); err != ErrNoMemory {
		t.Fatalf("too large: %v", err)
	}
	if _, err := a.AllocContig(1500, 512); err != ErrNoMemory {
		t.Fatalf("aligned too large: %v", err)
	}
	for _, c := range []struct{ n, al uint64 }{{0, 1}, {1, 3}, {1, 1 << 60}} {
		if _, err := a.AllocContig(c.n, c.al); err != ErrBadArgument {
			t.Errorf("AllocContig(%d,%d) = %v", c.n, c.al, err)
		}
	}
	if p, err := a.AllocContig(1, 0); err != nil || p != base {
		t.Errorf("AllocContig(1,0) = %#x %v", p, err)
	}
	check(t, a)
}

func TestFreeContigErrors(t *testing.T) {
	a := newAlloc(t, 0, 128)
	a.Free(0, 128*PageSize)
	pa, _ := a.AllocContig(4, 1)
	if err := a.FreeContig(pa, 0); err != ErrBadArgument {
		t.Error(err)
	}
	if err := a.FreeContig(pa+1, 1); err != ErrUnaligned {
		t.Error(err)
	}
	if err := a.FreeContig(127*PageSize, 2); err != ErrOutOfRange {
		t.Error(err)
	}
	if err := a.FreeContig(pa, 5); err != ErrDoubleFree { // 5th page free
		t.Error(err)
	}
	a.Reserve(100*PageSize, PageSize)
	if err := a.FreeContig(100*PageSize, 1); err != ErrNotAllocated {
		t.Error(err)
	}
	if a.UsedPages() != 4 {
		t.Fatal("failed FreeContig freed pages")
	}
	check(t, a)
}

// TestRandomModel runs random operations against a simple model.
func TestRandomModel(t *testing.T) {
	const n = 1000
	base := uint64(0x10_0000)
	a := newAlloc(t, base, n)
	state := make([]byte, n) // 0 unavailable, 1 free, 2 allocated
	r := rand.New(rand.NewSource(1))
	for step := 0; step < 20000; step++ {
		switch r.Intn(6) {
		case 0:
			lo, ln := uint64(r.Intn(n)), uint64(r.Intn(40))
			a.Free(base+lo*PageSize, ln*PageSize)
			for i := lo; i < lo+ln && i < n; i++ {
				if state[i] == 0 {
					state[i] = 1
				}
			}
		case 1:
			lo, ln := uint64(r.Intn(n)), uint64(r.Intn(10))
			a.Reserve(base+lo*PageSize, ln*PageSize)
			for i := lo; i < lo+ln && i < n; i++ {
				if state[i] == 1 {
					state[i] = 0
				}
			}
		case 2, 3:
			pa, err := a.AllocPage()
			if err != nil {
				for i := range state {
					if state[i] == 1 {
						t.Fatalf("AllocPage failed with free page %d", i)
					}
				}
				continue
			}
			i := (pa - base) / PageSize
			if state[i] != 1 {
				t.Fatalf("AllocPage returned page %d in state %d", i, state[i])
			}
			state[i] = 2
		case 4:
			i := r.Intn(n)
			err := a.FreePage(base + uint64(i)*PageSize)
			want := map[byte]error{0: ErrNotAllocated, 1: ErrDoubleFree, 2: nil}[state[i]]
			if err != want {
				t.Fatalf("FreePage page %d state %d: %v", i, state[i], err)
			}
			if err == nil {
				state[i] = 1
			}
		case 5:
			np, al := uint64(1+r.Intn(8)), uint64(1)<<r.Intn(4)
			pa, err := a.AllocContig(np, al)
			if err != nil {
				if !errors.Is(err, ErrNoMemory) {
					t.Fatal(err)
				}
				continue
			}
			i := (pa - base) / PageSize
			if pa/PageSize%al != 0 {
				t.Fatalf("misaligned contig")
			}
			for j := i; j < i+np; j++ {
				if state[j] != 1 {
					t.Fatalf("AllocContig handed out page %d in state %d", j, state[j])
				}
				state[j] = 2
			}
		}
	}
	check(t, a)
	var nf, na uint64
	for _, s := range state {
		switch s {
		case 1:
			nf++
		case 2:
			na++
		}
	}
	if nf != a.FreePages() || na != a.UsedPages() {
		t.Fatalf("model free=%d alloc=%d, allocator %d %d", nf, na, a.FreePages(), a.UsedPages())
	}
}

func TestNoAllocation(t *testing.T) {
	a := newAlloc(t, 0, 4096)
	st := make([]uint64, BitmapWords(4096))
	allocs := testing.AllocsPerRun(100, func() {
		_ = a.Init(0, 4096, st)
		a.Free(0, 4096*PageSize)
		a.Reserve(0, mib)
		pa, _ := a.AllocPage()
		_ = a.FreePage(pa)
		_ = a.FreePage(pa) // error path
		_ = a.FreePage(pa + 1)
		c, _ := a.AllocContig(16, 16)
		_ = a.FreeContig(c, 16)
		_, _ = a.AllocContig(1<<20, 1)
		_ = a.IsFree(pa)
		_ = a.IsAllocated(pa)
		_ = a.TotalPages() + a.FreePages() + a.UsedPages()
	})
	if allocs != 0 {
		t.Fatalf("allocator allocated %.1f times per run", allocs)
	}
}

func BenchmarkAllocFreePage(b *testing.B) {
	const n = 1 << 18 // 1 GiB of frames
	a := newAlloc(b, 0, n)
	a.Free(0, n*PageSize)
	// Half full with scattered holes, as after some uptime.
	for i := 0; i < n/2; i++ {
		a.AllocPage()
	}
	for i := 0; i < n/2; i += 3 {
		a.FreePage(uint64(i) * PageSize)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pa, err := a.AllocPage()
		if err != nil {
			b.Fatal(err)
		}
		if err := a.FreePage(pa); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAllocSequential(b *testing.B) {
	const n = 1 << 18
	a := newAlloc(b, 0, n)
	a.Free(0, n*PageSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := a.AllocPage(); err != nil {
			b.StopTimer()
			a.Init(0, n, make([]uint64, BitmapWords(n)))
			a.Free(0, n*PageSize)
			b.StartTimer()
		}
	}
}

func BenchmarkAllocContig2M(b *testing.B) {
	const n = 1 << 18
	a := newAlloc(b, 0, n)
	a.Free(0, n*PageSize)
	for i := 0; i < n/4; i++ { // fragment the bottom quarter
		p, _ := a.AllocPage()
		if i%7 == 0 {
			a.FreePage(p)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pa, err := a.AllocContig(512, 512)
		if err != nil {
			b.Fatal(err)
		}
		a.FreeContig(pa, 512)
	}
}
