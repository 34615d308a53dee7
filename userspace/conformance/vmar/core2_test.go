package vmar

import (
	"math"
	"math/bits"
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

// More of Zircon's Vmar core-tests (vmar/vmar.cc).

const (
	alignBase        = 24 // ZX_VM_ALIGN_BASE
	align64K  uint32 = 16 << alignBase
	rwxMap           = zx.VMPermRead | zx.VMPermWrite | zx.VMPermExecute
	rwxAlloc         = zx.VMCanMapRead | zx.VMCanMapWrite | zx.VMCanMapExecute
)

// execVmo is a VMO of n pages with ZX_RIGHT_EXECUTE
// (vmo_replace_as_executable), closed at the end of the test.
func execVmo(t *testing.T, n uint) zx.Handle {
	t.Helper()
	var h, x zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(uint64(n*pg), 0, &h))
	must(t, "vmo_replace_as_executable", zx.Sys_vmo_replace_as_executable(h, zx.HandleInvalid, &x))
	closeLater(t, x)
	return x
}

func TestVmar_MapInUppderLimitTest(t *testing.T) {
	const pages = 100
	const regionSize = pages * pg
	_, pv := childProcess(t)
	v := vmo(t, pages, 0)
	parent, pa, st := alloc(pv, rwAlloc|zx.VMCanMapSpecific, 0, regionSize)
	must(t, "vmar_allocate", st)
	closeLater(t, parent)
	const upper = regionSize / 2
	opts := rw | uint32(zx.VMOffsetIsUpperLimit)
	_, st = mapIn(parent, opts, regionSize+pg, v, 0, pg)
	want(t, "limit past the end", st, zx.ErrInvalidArgs)
	_, st = mapIn(parent, opts, pg, v, 0, 2*pg)
	want(t, "size above the limit", st, zx.ErrInvalidArgs)
	_, st = mapIn(parent, opts, pg, v, 0, regionSize+pg)
	want(t, "size above the region", st, zx.ErrInvalidArgs)
	a, st := mapIn(parent, opts, regionSize, v, 0, regionSize)
	must(t, "limit and size of the whole region", st)
	if a != pa {
		t.Errorf("whole-region mapping at %#x, want %#x", a, pa)
	}
	must(t, "vmar_unmap", zx.Sys_vmar_unmap(parent, zx.Vaddr(a), regionSize))
	for i := 0; i < pages/2; i++ {
		a, st := mapIn(parent, opts, upper, v, 0, pg)
		must(t, "vmar_map under the limit", st)
		if a < pa || a+pg > pa+upper {
			t.Fatalf("mapping %d at %#x beyond the limit %#x", i, a, pa+upper)
		}
	}
	_, st = mapIn(parent, opts, upper, v, 0, pg)
	want(t, "below the limit is full", st, zx.ErrNoMemory)
	a, st = mapIn(parent, rw, 0, v, 0, pg)
	must(t, "vmar_map without a limit", st)
	if a < pa || a+pg > pa+regionSize {
		t.Errorf("mapping at %#x outside the region", a)
	}
}

func TestVmar_MapOverDestroyedTest(t *testing.T) {
	v, v2 := vmo(t, 1, 0), vmo(t, 1, 0)
	r0, ra0 := sub(t, zx.VmarRootSelf().Handle, rwAlloc|zx.VMCanMapSpecific, 10*pg)
	r1, _, st := alloc(r0, rwAlloc, 0, pg)
	must(t, "vmar_allocate", st)
	closeLater(t, r1)
	m, st := mapIn(r1, rw, 0, v, 0, pg)
	must(t, "vmar_map", st)
	b := []byte{5}
	must(t, "vmo_write", zx.Sys_vmo_write(v, unsafe.Pointer(&b[0]), 0, 1))
	if mem(m, 1)[0] != 5 {
		t.Fatal("mapping does not show the VMO")
	}
	must(t, "vmar_destroy", zx.Sys_vmar_destroy(r1))
	if probe(m, false) {
		t.Error("destroyed region's mapping still readable")
	}
	nm, st := mapIn(r0, rw|zx.VMSpecific, uint(m-ra0), v2, 0, pg)
	must(t, "vmar_map over the destroyed region", st)
	if nm != m {
		t.Errorf("mapped at %#x, want %#x", nm, m)
	}
	if !probe(m, false) || mem(m, 1)[0] != 0 {
		t.Error("the new mapping shows the old memory")
	}
}

// alignedVmar allocates an 8 GiB sub-VMAR of the root VMAR aligned to its
// size (the original's MakeManualAlignedVmar).
func alignedVmar(t *testing.T) zx.Handle {
	t.Helper()
	const size = 8 << 30
	var info [2]uint64
	must(t, "get_info(VMAR)", zx.Sys_object_get_info(zx.VmarRootSelf().Handle, zx.ObjectInfoVMAR, unsafe.Pointer(&info[0]), 16, nil, nil))
	end := info[0] + info[1]
	for start := (info[0] + size - 1) &^ (size - 1); start+size <= end; start += size {
		h, _, st := alloc(zx.VmarRootSelf().Handle, rwAlloc|zx.VMCanMapSpecific|zx.VMSpecific, uint(start-info[0]), size)
		if st == zx.OK {
			t.Cleanup(func() { zx.Sys_vmar_destroy(h); zx.Sys_handle_close(h) })
			return h
		}
	}
	t.Fatal("no 8 GiB aligned room in the root VMAR")
	return 0
}

func TestVmar_AlignmentVmarMapTest(t *testing.T) {
	const size = 2 * pg
	v := vmo(t, 2, 0)
	r := alignedVmar(t)
	_, st := mapIn(r, rw|align64K|zx.VMSpecific, 4096, v, 0, size)
	want(t, "SPECIFIC not meeting the alignment", st, zx.ErrInvalidArgs)
	a, st := mapIn(r, rw|align64K|zx.VMSpecific, 64<<10, v, 0, size)
	must(t, "SPECIFIC meeting the alignment", st)
	must(t, "vmar_unmap", zx.Sys_vmar_unmap(r, zx.Vaddr(a), 64<<10))
	_, st = mapIn(r, rw|9<<alignBase, 0, v, 0, size)
	want(t, "alignment 2^9", st, zx.ErrInvalidArgs)
	_, st = mapIn(r, rw|33<<alignBase, 0, v, 0, size)
	want(t, "alignment 2^33", st, zx.ErrInvalidArgs)
	for bitsN := uint32(10); bitsN <= 32; bitsN++ {
		a, st := mapIn(r, rw|bitsN<<alignBase, 0, v, 0, size)
		must(t, "vmar_map aligned", st)
		if a == 0 || bits.TrailingZeros64(uint64(a)) < int(bitsN) {
			t.Errorf("ALIGN 2^%d mapping at %#x", bitsN, a)
		}
		(*[2]uint64)(ptr(a))[1] = 0x1234321
		must(t, "vmar_unmap", zx.Sys_vmar_unmap(r, zx.Vaddr(a), size))
	}
}

func TestVmar_AlignmentVmarAllocateTest(t *testing.T) {
	const size = 16 * pg
	r := alignedVmar(t)
	_, _, st := alloc(r, rwAlloc|align64K|zx.VMSpecific, 4096, size)
	want(t, "SPECIFIC not meeting the alignment", st, zx.ErrInvalidArgs)
	h, _, st := alloc(r, rwAlloc|align64K|zx.VMSpecific, 64<<10, size)
	must(t, "SPECIFIC meeting the alignment", st)
	zx.Sys_vmar_destroy(h)
	zx.Sys_handle_close(h)
	_, _, st = alloc(r, rwAlloc|9<<alignBase, 0, size)
	want(t, "alignment 2^9", st, zx.ErrInvalidArgs)
	_, _, st = alloc(r, rwAlloc|33<<alignBase, 0, size)
	want(t, "alignment 2^33", st, zx.ErrInvalidArgs)
	for bitsN := uint32(10); bitsN <= 32; bitsN++ {
		h, a, st := alloc(r, rwAlloc|bitsN<<alignBase, 0, size)
		must(t, "vmar_allocate aligned", st)
		if a == 0 || bits.TrailingZeros64(uint64(a)) < int(bitsN) {
			t.Errorf("ALIGN 2^%d region at %#x", bitsN, a)
		}
		must(t, "vmar_destroy", zx.Sys_vmar_destroy(h))
		zx.Sys_handle_close(h)
	}
}

func TestVmar_VmarMapRangeOffsetTest(t *testing.T) {
	_, pv := childProcess(t)
	v := vmo(t, 4, 0)
	_, st := mapIn(pv, uint32(zx.VMMapRange), 0, v, 0x2000, 0x1000)
	must(t, "vmar_map(MAP_RANGE) at a VMO offset", st)
}

func TestVmar_OvermappingTest(t *testing.T) {
	_, pv := childProcess(t)
	v, v2 := vmo(t, 1, 0), vmo(t, 4, 0)
	r0, ra0, st := alloc(pv, rwAlloc|zx.VMCanMapSpecific, 0, 10*pg)
	must(t, "vmar_allocate", st)
	closeLater(t, r0)
	m, st := mapIn(r0, rw|zx.VMSpecific, pg, v, 0, 2*pg)
	must(t, "vmar_map", st)
	over := func(what string, off uintptr) {
		t.Helper()
		for _, n := range []uint{2 * pg, pg, 4 * pg} {
			_, st := mapIn(r0, rw|zx.VMSpecific, uint(off), v2, 0, n)
			want(t, what+": map over it", st, zx.ErrNoMemory)
		}
		_, _, st := alloc(r0, rwAlloc|zx.VMSpecific, uint(off), pg)
		want(t, what+": allocate over it", st, zx.ErrNoMemory)
	}
	over("mapping", m-ra0)
	must(t, "vmar_unmap", zx.Sys_vmar_unmap(r0, zx.Vaddr(m), 2*pg))
	r1, ra1, st := alloc(r0, rwAlloc|zx.VMSpecific, pg, 2*pg)
	must(t, "vmar_allocate", st)
	closeLater(t, r1)
	over("region", ra1-ra0)
}

func TestVmar_InvalidArgsTest(t *testing.T) {
	p, pv := childProcess(t)
	v := vmo(t, 4, 0)
	var h zx.Handle
	var a zx.Vaddr
	want(t, "vmar_destroy(vmo)", zx.Sys_vmar_destroy(v), zx.ErrWrongType)
	want(t, "vmar_allocate(vmo)", zx.Sys_vmar_allocate(v, rwAlloc, 0, 10*pg, &h, &a), zx.ErrWrongType)
	want(t, "vmar_map(vmo, vmo)", zx.Sys_vmar_map(v, rw, 0, v, 0, 4*pg, &a), zx.ErrWrongType)
	want(t, "vmar_map(vmar, process)", zx.Sys_vmar_map(pv, rw, 0, p, 0, 4*pg, &a), zx.ErrWrongType)
	want(t, "vmar_unmap(vmo)", zx.Sys_vmar_unmap(v, 0, 0), zx.ErrWrongType)
	want(t, "vmar_protect(vmo)", zx.Sys_vmar_protect(v, uint32(zx.VMPermRead), 0, 0), zx.ErrWrongType)

	upper := uint32(zx.VMOffsetIsUpperLimit)
	for _, c := range []struct {
		name string
		opts uint32
	}{{"offset without SPECIFIC", 0}, {"SPECIFIC and UPPER_LIMIT", zx.VMSpecific | upper}, {"SPECIFIC_OVERWRITE and UPPER_LIMIT", zx.VMSpecificOverwrite | upper}} {
		want(t, "vmar_allocate: "+c.name, zx.Sys_vmar_allocate(pv, rwAlloc|c.opts, pg, 10*pg, &h, &a), zx.ErrInvalidArgs)
		want(t, "vmar_map: "+c.name, zx.Sys_vmar_map(pv, rw|c.opts, pg, v, 0, 4*pg, &a), zx.ErrInvalidArgs)
	}
	want(t, "vmar_allocate with PERM_READ", zx.Sys_vmar_allocate(pv, zx.VMCanMapRead|uint32(zx.VMPermRead), pg, 10*pg, &h, &a), zx.ErrInvalidArgs)
	want(t, "MAP_RANGE with SPECIFIC_OVERWRITE", zx.Sys_vmar_map(pv, uint32(zx.VMPermRead)|zx.VMSpecificOverwrite|uint32(zx.VMMapRange), pg, v, 0, 4*pg, &a), zx.ErrInvalidArgs)
	bad := ptr(1)
	want(t, "vmar_allocate bad address out", zx.Sys_vmar_allocate(pv, rwAlloc, 0, 10*pg, &h, (*zx.Vaddr)(bad)), zx.ErrInvalidArgs)
	want(t, "vmar_allocate bad handle out", zx.Sys_vmar_allocate(pv, rwAlloc, 0, 10*pg, (*zx.Handle)(bad), &a), zx.ErrInvalidArgs)
	want(t, "vmar_map bad address out", zx.Sys_vmar_map(pv, rw, 0, v, 0, 4*pg, (*zx.Vaddr)(bad)), zx.ErrInvalidArgs)

	want(t, "vmar_allocate unaligned size", zx.Sys_vmar_allocate(pv, rwAlloc, 0, pg-1, &h, &a), zx.ErrInvalidArgs)
	want(t, "vmar_allocate unaligned offset", zx.Sys_vmar_allocate(pv, rwAlloc|zx.VMCanMapSpecific, pg-1, pg, &h, &a), zx.ErrInvalidArgs)
	for _, mr := range []uint32{0, uint32(zx.VMMapRange)} {
		want(t, "SPECIFIC misaligned vmar offset", zx.Sys_vmar_map(pv, rw|zx.VMSpecific|mr, pg-1, v, 0, 4*pg, &a), zx.ErrInvalidArgs)
		want(t, "SPECIFIC misaligned vmo offset", zx.Sys_vmar_map(pv, rw|zx.VMSpecific|mr, pg, v, pg-1, 3*pg, &a), zx.ErrInvalidArgs)
		want(t, "misaligned vmo offset", zx.Sys_vmar_map(pv, rw|mr, 0, v, pg-1, 3*pg, &a), zx.ErrInvalidArgs)
	}
	must(t, "vmar_map", zx.Sys_vmar_map(pv, rw, 0, v, 0, 4*pg, &a))
	want(t, "vmar_unmap unaligned", zx.Sys_vmar_unmap(pv, a+1, pg), zx.ErrInvalidArgs)
	want(t, "vmar_protect unaligned", zx.Sys_vmar_protect(pv, uint32(zx.VMPermRead), a+1, pg), zx.ErrInvalidArgs)
	must(t, "vmar_unmap", zx.Sys_vmar_unmap(pv, a, 4*pg))

	want(t, "overflowing vmo offset", zx.Sys_vmar_map(pv, rw, 0, v, math.MaxUint64+1-pg, pg, &a), zx.ErrOutOfRange)
	must(t, "vmo offset just below overflow", zx.Sys_vmar_map(pv, rw, 0, v, math.MaxUint64+1-2*pg, pg, &a))
	must(t, "vmar_unmap", zx.Sys_vmar_unmap(pv, a, pg))

	want(t, "vmar_allocate size 0", zx.Sys_vmar_allocate(pv, rwAlloc, 0, 0, &h, &a), zx.ErrInvalidArgs)
	want(t, "vmar_map size 0", zx.Sys_vmar_map(pv, rw, 0, v, 0, 0, &a), zx.ErrInvalidArgs)
	must(t, "vmar_map", zx.Sys_vmar_map(pv, rw, 0, v, 0, 4*pg, &a))
	want(t, "vmar_unmap size 0", zx.Sys_vmar_unmap(pv, a, 0), zx.ErrInvalidArgs)
	want(t, "vmar_protect size 0", zx.Sys_vmar_protect(pv, uint32(zx.VMPermRead), a, 0), zx.ErrInvalidArgs)
	must(t, "vmar_unmap", zx.Sys_vmar_unmap(pv, a, 4*pg))

	const badSize = math.MaxUint64 - pg + 2 // rounds up to 0
	want(t, "vmar_allocate size rounding to 0", zx.Sys_vmar_allocate(pv, rwAlloc, 0, badSize, &h, &a), zx.ErrInvalidArgs)
	want(t, "vmar_map size rounding to 0", zx.Sys_vmar_map(pv, rw, 0, v, 0, badSize, &a), zx.ErrOutOfRange)
	want(t, "vmar_map(MAP_RANGE) size rounding to 0", zx.Sys_vmar_map(pv, uint32(zx.VMPermRead|zx.VMMapRange), 0, v, 0, badSize, &a), zx.ErrOutOfRange)
	must(t, "vmar_map SPECIFIC", zx.Sys_vmar_map(pv, rw|zx.VMSpecific, pg, v, 0, 4*pg, &a))
	for i := -1; i < 2; i++ {
		at := zx.Vaddr(int64(a) + int64(i)*pg)
		want(t, "vmar_protect huge", zx.Sys_vmar_protect(pv, uint32(zx.VMPermRead), at, badSize), zx.ErrInvalidArgs)
		want(t, "vmar_unmap huge", zx.Sys_vmar_unmap(pv, at, badSize), zx.ErrInvalidArgs)
	}
	must(t, "vmar_unmap", zx.Sys_vmar_unmap(pv, a, 4*pg))

	want(t, "vmar_allocate with PERM_READ", zx.Sys_vmar_allocate(pv, uint32(zx.VMPermRead)|rwAlloc, 0, 4*pg, &h, &a), zx.ErrInvalidArgs)
	want(t, "vmar_allocate bit 31", zx.Sys_vmar_allocate(pv, zx.VMCanMapRead|1<<31, 0, 4*pg, &h, &a), zx.ErrInvalidArgs)
	want(t, "vmar_map with CAN_MAP_EXECUTE", zx.Sys_vmar_map(pv, rw|zx.VMCanMapExecute, 0, v, 0, 4*pg, &a), zx.ErrInvalidArgs)
	want(t, "vmar_map bit 31", zx.Sys_vmar_map(pv, rw|1<<31, 0, v, 0, 4*pg, &a), zx.ErrInvalidArgs)
	must(t, "vmar_map", zx.Sys_vmar_map(pv, rw, 0, v, 0, 4*pg, &a))
	want(t, "vmar_protect with CAN_MAP_WRITE", zx.Sys_vmar_protect(pv, uint32(zx.VMPermRead)|zx.VMCanMapWrite, a, 4*pg), zx.ErrInvalidArgs)
	want(t, "vmar_protect bit 31", zx.Sys_vmar_protect(pv, uint32(zx.VMPermRead)|1<<31, a, 4*pg), zx.ErrInvalidArgs)
	must(t, "vmar_unmap", zx.Sys_vmar_unmap(pv, a, 4*pg))
}

func TestVmar_UnalignedLenTest(t *testing.T) {
	v := vmo(t, 4, 0)
	r, _ := arena(t, 8)
	a, st := mapIn(r, uint32(zx.VMPermRead), 0, v, 0, 4*pg)
	must(t, "vmar_map", st)
	must(t, "vmar_protect unaligned length", zx.Sys_vmar_protect(r, rw, zx.Vaddr(a), 4*pg-1))
	must(t, "vmar_unmap unaligned length", zx.Sys_vmar_unmap(r, zx.Vaddr(a), 4*pg-1))
	if probe(a+3*pg, false) {
		t.Error("the last page is still mapped")
	}
}

func TestVmar_UnalignedLenMapTest(t *testing.T) {
	v := vmo(t, 4, 0)
	r, _ := arena(t, 8)
	for _, mr := range []uint32{0, uint32(zx.VMMapRange)} {
		a, st := mapIn(r, uint32(zx.VMPermRead)|mr, 0, v, 0, 4*pg-1)
		must(t, "vmar_map unaligned length", st)
		if !probe(a+3*pg, false) {
			t.Error("the last page is not mapped")
		}
		must(t, "vmar_unmap unaligned length", zx.Sys_vmar_unmap(r, zx.Vaddr(a), 4*pg-1))
		if probe(a+3*pg, false) {
			t.Error("the last page is still mapped")
		}
	}
}

var rightPerms = []struct {
	rights zx.Rights
	perms  uint32
}{
	{zx.RightRead, uint32(zx.VMPermRead)},
	{zx.RightRead | zx.RightWrite, rw},
	{zx.RightRead | zx.RightExecute, uint32(zx.VMPermRead | zx.VMPermExecute)},
}

func TestVmar_RightsDropTest(t *testing.T) {
	_, pv := childProcess(t)
	v := execVmo(t, 1)
	for _, c := range rightPerms {
		h := reduced(t, pv, c.rights)
		_, st := mapIn(h, uint32(rwxMap), 0, v, 0, pg)
		want(t, "vmar_map beyond the handle's rights", st, zx.ErrAccessDenied)
		a, st := mapIn(h, c.perms, 0, v, 0, pg)
		must(t, "vmar_map within the rights", st)
		want(t, "vmar_protect beyond the rights", zx.Sys_vmar_protect(h, uint32(rwxMap), zx.Vaddr(a), pg), zx.ErrAccessDenied)
		must(t, "vmar_unmap", zx.Sys_vmar_unmap(h, zx.Vaddr(a), pg))
		_, _, st = alloc(h, rwxAlloc, 0, 10*pg)
		want(t, "vmar_allocate beyond the rights", st, zx.ErrAccessDenied)
	}
}

func TestVmar_ProtectTest(t *testing.T) {
	_, pv := childProcess(t)
	v := execVmo(t, 1)
	for _, c := range rightPerms {
		var h zx.Handle
		must(t, "handle_duplicate", zx.Sys_handle_duplicate(v, c.rights|zx.RightMap, &h))
		_, st := mapIn(pv, uint32(rwxMap), 0, h, 0, pg)
		want(t, "vmar_map beyond the VMO handle's rights", st, zx.ErrAccessDenied)
		a, st := mapIn(pv, c.perms, 0, h, 0, pg)
		must(t, "vmar_map within the rights", st)
		want(t, "vmar_protect beyond the VMO handle's rights", zx.Sys_vmar_protect(pv, uint32(rwxMap), zx.Vaddr(a), pg), zx.ErrAccessDenied)
		must(t, "close", zx.Sys_handle_close(h))
		want(t, "vmar_protect after the VMO handle closed", zx.Sys_vmar_protect(pv, uint32(rwxMap), zx.Vaddr(a), pg), zx.ErrAccessDenied)
		must(t, "vmar_unmap", zx.Sys_vmar_unmap(pv, zx.Vaddr(a), pg))
	}
}
