package main

import (
	"math/rand/v2"
	"testing"

	"beryl/userspace/zx"
)

// The tests run on the host: they draw arguments (never issue them) with
// a fake arena and pool.

const fakeBase = 0x7fff_0000_0000

func testFuzzer(seed uint64) *fuzzer {
	f := &fuzzer{rng: rand.New(rand.NewPCG(seed, 0)), pool: newPool(), vmoCap: 256 << 10, stats: map[string]*callStats{}}
	f.ar = &arena{base: fakeBase, rw: make([]byte, rwBytes)}
	types := []zx.ObjType{zx.ObjTypeChannel, zx.ObjTypeVMO, zx.ObjTypeVMAR, zx.ObjTypeProcess, zx.ObjTypeThread,
		zx.ObjTypePort, zx.ObjTypeKosBadge, zx.ObjTypeJob}
	for i, t := range types {
		h := zx.Handle(0x1000 + 4*i + 3)
		f.pool.index[h] = len(f.pool.entries)
		f.pool.entries = append(f.pool.entries, entry{h: h, typ: t, rights: zx.Rights(0xffffff)})
	}
	f.pool.protected[0x7777] = true
	return f
}

// TestEveryPointeeHasASize: every type a spec pointer names has a size
// (a new struct in the spec needs one here, and a filler if it carries
// handles or pointers).
func TestEveryPointeeHasASize(t *testing.T) {
	for _, d := range zx.Syscalls {
		for _, a := range d.Args {
			if a.Pointer {
				if _, ok := elemSizes[a.Elem]; !ok {
					t.Errorf("%s: %s points to %s, which has no size in elemSizes", d.Name, a.Name, a.Elem)
				}
			}
		}
	}
}

// TestGenerate: the same seed draws the same arguments; pointers into
// user memory stay inside the arena (or are NULL, kernel, non-canonical);
// protected handles never appear; every syscall is drawn for.
func TestGenerate(t *testing.T) {
	a, b := testFuzzer(7), testFuzzer(7)
	user := func(v uint64) bool { return v != 0 && v < 0x0000_8000_0000_0000 }
	for round := 0; round < 300; round++ {
		for i := range zx.Syscalls {
			d := &zx.Syscalls[i]
			var x, y [8]uint64
			a.generate(d, &x)
			b.generate(d, &y)
			for k, arg := range d.Args {
				if arg.CType == "zx_time_t" {
					continue // deadlines read the clock
				}
				if x[k] != y[k] {
					t.Fatalf("%s arg %s: %#x and %#x from one seed", d.Name, arg.Name, x[k], y[k])
				}
				if arg.Pointer && user(x[k]) && (x[k] < fakeBase || x[k] >= fakeBase+arenaPages*pg) {
					t.Errorf("%s arg %s: pointer %#x outside the arena", d.Name, arg.Name, x[k])
				}
				if arg.Handle && zx.Handle(x[k]) == 0x7777 {
					t.Errorf("%s arg %s: a protected handle", d.Name, arg.Name)
				}
			}
			if a.off > rwBytes {
				t.Fatalf("%s: allocated %d bytes of %d", d.Name, a.off, rwBytes)
			}
		}
	}
}

// TestMemoryCap: VMO sizes and committed ranges stay under the cap.
func TestMemoryCap(t *testing.T) {
	f := testFuzzer(3)
	for i := range zx.Syscalls {
		d := &zx.Syscalls[i]
		if d.Name != "vmo_create" && d.Name != "vmo_set_size" && d.Name != "vmo_op_range" {
			continue
		}
		for k := 0; k < 2000; k++ {
			var args [8]uint64
			f.generate(d, &args)
			for j, a := range d.Args {
				if a.Name == "size" && args[j] > uint64(f.vmoCap) && args[j] != ^uint64(0) {
					t.Fatalf("%s size %#x over the cap", d.Name, args[j])
				}
			}
		}
	}
}
