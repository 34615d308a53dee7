package vm

import (
	"runtime"
	"testing"

	"beryl/kernel/object"
)

// poolFrames is a Frames over pages allocated up front, so that what a
// fault allocates on the Go heap can be counted.
type poolFrames struct {
	pages [][]byte
	free  []uint64
}

func newPoolFrames(n int) *poolFrames {
	p := &poolFrames{free: make([]uint64, 0, n)}
	for i := 0; i < n; i++ {
		p.pages = append(p.pages, make([]byte, PageSize))
		p.free = append(p.free, uint64(i+1)*PageSize)
	}
	return p
}

func (p *poolFrames) Alloc(bool) (uint64, error) {
	if len(p.free) == 0 {
		return 0, ErrFakeExhausted
	}
	pa := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	return pa, nil
}

func (p *poolFrames) Free(pa uint64)         { p.free = append(p.free, pa) }
func (p *poolFrames) Bytes(pa uint64) []byte { return p.pages[pa/PageSize-1] }

func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

// TestFaultAllocs: page faults do not allocate on the Go heap: not when a
// present page is mapped again, not when a shared page is copied on
// write; first touches allocate only a page-map leaf per 512 pages.
func TestFaultAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race; the plain run checks them")
	}
	// As testing.AllocsPerRun does: one P, so that other goroutines'
	// allocations do not count here.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	runtime.GC()
	env, _, tables, _ := NewHostEnv()
	pool := newPoolFrames(1100)
	env.Frames = pool
	as, err := NewIn(env)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		as.Destroy()
		if len(pool.free) != 1100 || tables.Live() != 0 {
			t.Errorf("leak: %d free pages, %d tables", len(pool.free), tables.Live())
		}
	}()
	const n = 512
	v, _ := NewVMO(pool, n*PageSize, 0)
	base, st := as.RootVMAR().Map(rw, 0, v, 0, n*PageSize, allRights, allRights)
	v.Release()
	if st != object.OK {
		t.Fatal(st)
	}
	as.Fault(base, pfWrite) // page tables (host fakes allocate them on the heap)
	m0 := mallocs()
	for i := uint64(1); i < n; i++ {
		if !as.Fault(base+i*PageSize, pfWrite) {
			t.Fatal("fault")
		}
	}
	first := mallocs() - m0
	t.Logf("%d first-touch faults: %d heap allocations (page-map leaves)", n-1, first)
	if first > 2 {
		t.Errorf("%d heap allocations for %d first-touch faults", first, n-1)
	}
	// Present in the VMO, PTE gone: no allocation.
	va := base + 7*PageSize
	if a := testing.AllocsPerRun(100, func() {
		as.clearPTEs(va, va+PageSize)
		as.Fault(va, 0)
	}); a != 0 {
		t.Errorf("re-fault of a committed page: %v allocations", a)
	}
	// Copy on write: the child shares every page; the parent's write
	// faults copy without heap allocations.
	c, st := v.CreateChild(VMOChildSnapshot, 0, n*PageSize)
	if st != object.OK {
		t.Fatal(st)
	}
	defer c.Release()
	m0 = mallocs()
	for i := uint64(0); i < n; i++ {
		if !as.Fault(base+i*PageSize, pfWrite) {
			t.Fatal("cow fault")
		}
	}
	if cow := mallocs() - m0; cow != 0 {
		t.Errorf("%d copy-on-write faults: %d heap allocations", n, cow)
	}
	if SharedPages(pool) != 0 {
		t.Errorf("%d pages still shared", SharedPages(pool))
	}
}
