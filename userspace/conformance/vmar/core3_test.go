package vmar

import (
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

// Vmar core-tests that unmap parts of mappings. The originals check a
// child process's pages with process_read_memory; these use a sub-VMAR
// of this process that can map specific, and probe its pages.

// checkPages fails unless, for each of n pages from base, page i is
// mapped exactly when bit i of bitmap is set.
func checkPages(t *testing.T, base uintptr, bitmap uint64, n int) {
	t.Helper()
	for i := range n {
		if got, want := probe(base+uintptr(i)*pg, false), bitmap&(1<<i) != 0; got != want {
			t.Errorf("page %d of %#x: mapped %v, want %v (bitmap %#b)", i, base, got, want, bitmap)
		}
	}
}

func TestVmar_NestedRegionPermsTest(t *testing.T) {
	_, pv := childProcess(t)
	v := execVmo(t, 1)
	for _, c := range []struct{ alloc, perm uint32 }{
		{zx.VMCanMapRead, uint32(zx.VMPermRead)},
		{zx.VMCanMapWrite, uint32(zx.VMPermWrite)},
		{zx.VMCanMapExecute, uint32(zx.VMPermExecute)},
	} {
		r0, _, st := alloc(pv, rwxAlloc^c.alloc, 0, 10*pg)
		must(t, "vmar_allocate", st)
		_, _, st = alloc(r0, rwxAlloc, 0, pg)
		want(t, "vmar_allocate with more permissions than the parent", st, zx.ErrAccessDenied)
		_, st = mapIn(r0, uint32(rwxMap), 0, v, 0, pg)
		want(t, "vmar_map with a dropped permission", st, zx.ErrAccessDenied)
		if c.perm != uint32(zx.VMPermRead) {
			a, st := mapIn(r0, uint32(rwxMap)^c.perm, 0, v, 0, pg)
			must(t, "vmar_map with the remaining permissions", st)
			must(t, "vmar_unmap", zx.Sys_vmar_unmap(r0, zx.Vaddr(a), pg))
		}
		r1, _, st := alloc(r0, rwxAlloc^c.alloc, 0, pg)
		must(t, "vmar_allocate with the parent's permissions", st)
		must(t, "vmar_destroy", zx.Sys_vmar_destroy(r1))
		zx.Sys_handle_close(r1)
		must(t, "vmar_destroy", zx.Sys_vmar_destroy(r0))
		zx.Sys_handle_close(r0)
	}
	r0, _, st := alloc(pv, rwxAlloc, 0, 10*pg)
	must(t, "vmar_allocate", st)
	closeLater(t, r0)
	_, st = mapIn(r0, zx.VMSpecific|uint32(zx.VMPermRead), pg, v, 0, pg)
	want(t, "SPECIFIC without CAN_MAP_SPECIFIC", st, zx.ErrAccessDenied)
	_, st = mapIn(r0, zx.VMSpecificOverwrite|uint32(zx.VMPermRead), pg, v, 0, pg)
	want(t, "SPECIFIC_OVERWRITE without CAN_MAP_SPECIFIC", st, zx.ErrAccessDenied)
	must(t, "vmar_destroy", zx.Sys_vmar_destroy(r0))
}

func TestVmar_ObjectInfoTest(t *testing.T) {
	_, pv := childProcess(t)
	r, a, st := alloc(pv, rwAlloc, 0, 10*pg)
	must(t, "vmar_allocate", st)
	closeLater(t, r)
	var info [2]uint64
	must(t, "get_info(VMAR)", zx.Sys_object_get_info(r, zx.ObjectInfoVMAR, unsafe.Pointer(&info[0]), 16, nil, nil))
	if info[0] != uint64(a) || info[1] != 10*pg {
		t.Errorf("ZX_INFO_VMAR %#x+%#x, want %#x+%#x", info[0], info[1], a, 10*pg)
	}
}

func TestVmar_UnmapSplitTest(t *testing.T) {
	r, base := arena(t, 16)
	v := vmo(t, 4, 0)
	var m [3]uintptr
	for i := range m {
		a, st := mapIn(r, rw, 0, v, 0, 4*pg)
		must(t, "vmar_map", st)
		m[i] = a
	}
	unmap := func(a uintptr, n uint) {
		t.Helper()
		must(t, "vmar_unmap", zx.Sys_vmar_unmap(r, zx.Vaddr(a), n))
	}
	unmap(m[0], 2*pg)
	checkPages(t, m[0], 0b1100, 4)
	unmap(m[0]+2*pg, 2*pg)
	checkPages(t, m[0], 0, 4)
	unmap(m[1]+2*pg, 2*pg)
	checkPages(t, m[1], 0b0011, 4)
	unmap(m[1], 2*pg)
	checkPages(t, m[1], 0, 4)
	unmap(m[2]+pg, 2*pg)
	checkPages(t, m[2], 0b1001, 4)
	unmap(m[2], pg)
	unmap(m[2]+3*pg, pg)
	checkPages(t, m[2], 0, 4)
	for _, a := range m {
		na, st := mapIn(r, rw|zx.VMSpecific, uint(a-base), v, 0, 4*pg)
		must(t, "vmar_map again", st)
		checkPages(t, na, 0b1111, 4)
		unmap(na, 4*pg)
	}
}

func TestVmar_UnmapMultipleTest(t *testing.T) {
	const ms = 4 * pg
	r, base := arena(t, 16)
	v := vmo(t, 4, 0)
	mapAt := func(off uint) uintptr {
		t.Helper()
		a, st := mapIn(r, rw|zx.VMSpecific, off, v, 0, ms)
		must(t, "vmar_map", st)
		return a
	}
	unmap := func(a uintptr, n uint, want0 zx.Status) {
		t.Helper()
		want(t, "vmar_unmap", zx.Sys_vmar_unmap(r, zx.Vaddr(a), n), want0)
	}
	subAt := func(off uint) zx.Handle {
		t.Helper()
		s, _, st := alloc(r, rwAlloc|zx.VMCanMapSpecific|zx.VMSpecific, off, ms)
		must(t, "vmar_allocate", st)
		closeLater(t, s)
		return s
	}
	dead := func(s zx.Handle) {
		t.Helper()
		_, st := mapIn(s, rw|zx.VMSpecific, pg, v, 0, pg)
		want(t, "vmar_map in a destroyed sub-VMAR", st, zx.ErrBadState)
	}
	// Two adjacent mappings.
	m0 := mapAt(0)
	if m1 := mapAt(ms); m1 != m0+ms {
		t.Fatalf("second mapping at %#x", m1)
	}
	unmap(m0+2*pg, 3*pg, zx.OK)
	checkPages(t, m0, 0b1110_0011, 8)
	unmap(m0, 2*pg, zx.OK)
	unmap(m0+ms+pg, 3*pg, zx.OK)
	checkPages(t, m0, 0, 8)
	// Two mappings with a gap.
	m0, m1 := mapAt(0), mapAt(2*ms)
	unmap(m0, 2*ms+pg, zx.OK)
	checkPages(t, m0, 0b1110_0000_0000, 12)
	unmap(m1+pg, 3*pg, zx.OK)
	checkPages(t, m0, 0, 12)
	// A sub-VMAR between them is destroyed with them.
	m0, m1 = mapAt(0), mapAt(2*ms)
	s := subAt(ms)
	_, st := mapIn(s, rw|zx.VMSpecific, 0, v, 0, pg)
	must(t, "vmar_map in the sub-VMAR", st)
	checkPages(t, m0, 0b1111_0001_1111, 12)
	unmap(m0, 2*ms+pg, zx.OK)
	checkPages(t, m0, 0b1110_0000_0000, 12)
	dead(s)
	unmap(m1+pg, 3*pg, zx.OK)
	checkPages(t, m0, 0, 12)
	// A sub-VMAR after them: a partial unmap of it fails, a full one works.
	m0, _ = mapAt(0), mapAt(ms)
	s = subAt(2 * ms)
	_, st = mapIn(s, rw|zx.VMSpecific, 0, v, 0, pg)
	must(t, "vmar_map in the sub-VMAR", st)
	checkPages(t, m0, 0b0001_1111_1111, 12)
	unmap(m0+pg, 3*ms-2*pg, zx.ErrInvalidArgs)
	checkPages(t, m0, 0b0001_1111_1111, 12)
	unmap(m0+pg, 3*ms-pg, zx.OK)
	checkPages(t, m0, 0b0000_0000_0001, 12)
	dead(s)
	unmap(m0, pg, zx.OK)
	checkPages(t, m0, 0, 12)
	// A sub-VMAR before them.
	mapAt(ms)
	mapAt(2 * ms)
	s = subAt(0)
	_, st = mapIn(s, rw|zx.VMSpecific, ms-pg, v, 0, pg)
	must(t, "vmar_map in the sub-VMAR", st)
	checkPages(t, base, 0b1111_1111_1000, 12)
	unmap(base+pg, 3*ms-pg, zx.ErrInvalidArgs)
	checkPages(t, base, 0b1111_1111_1000, 12)
	unmap(base, 3*ms, zx.OK)
	checkPages(t, base, 0, 12)
	dead(s)
}

func TestVmar_UnmapBaseNotMappedTest(t *testing.T) {
	const ms = 4 * pg
	r, _ := arena(t, 16)
	v := vmo(t, 4, 0)
	a, st := mapIn(r, rw|zx.VMSpecific, pg, v, 0, ms)
	must(t, "vmar_map", st)
	must(t, "vmar_unmap from an unmapped base", zx.Sys_vmar_unmap(r, zx.Vaddr(a-pg), ms+pg))
	_, st = mapIn(r, rw|zx.VMSpecific, 0, v, 0, ms)
	must(t, "vmar_map", st)
	for gap := uint(pg); gap < 3*pg; gap += pg {
		a, st := mapIn(r, rw|zx.VMSpecific, ms+gap, v, 0, ms)
		must(t, "vmar_map after a gap", st)
		must(t, "vmar_unmap from the gap", zx.Sys_vmar_unmap(r, zx.Vaddr(a-pg), ms+pg))
	}
}

func TestVmar_MapSpecificOverwriteTest(t *testing.T) {
	const ms = 4 * pg
	r, _ := arena(t, 16)
	v, v2 := vmo(t, 8, 0), vmo(t, 8, 0)
	for i := uint64(0); i < ms/pg; i++ {
		b := []byte{1}
		must(t, "vmo_write", zx.Sys_vmo_write(v, unsafe.Pointer(&b[0]), i*pg, 1))
		b[0] = 2
		must(t, "vmo_write", zx.Sys_vmo_write(v2, unsafe.Pointer(&b[0]), i*pg, 1))
	}
	m0, st := mapIn(r, rw|zx.VMSpecific, pg, v, 0, ms)
	must(t, "vmar_map", st)
	_, st = mapIn(r, rw|zx.VMSpecific, pg, v2, 0, ms)
	want(t, "SPECIFIC over a mapping", st, zx.ErrNoMemory)
	m1, st := mapIn(r, rw|zx.VMSpecificOverwrite, pg, v2, 0, ms)
	must(t, "SPECIFIC_OVERWRITE", st)
	if m1 != m0 {
		t.Errorf("overwrite at %#x, want %#x", m1, m0)
	}
	for i := range uintptr(4) {
		if got := mem(m1+i*pg, 1)[0]; got != 2 {
			t.Errorf("page %d reads %d, want 2", i, got)
		}
	}
	mm, st := mapIn(r, rw|zx.VMSpecificOverwrite, 2*pg, v, 0, 2*pg)
	must(t, "overwrite the middle", st)
	if mm != m1+pg {
		t.Errorf("middle at %#x, want %#x", mm, m1+pg)
	}
	for i := range uintptr(4) {
		w := byte(1)
		if i == 0 || i == 3 {
			w = 2
		}
		if got := mem(m1+i*pg, 1)[0]; got != w {
			t.Errorf("page %d reads %d, want %d", i, got, w)
		}
	}
	s, sa, st := alloc(r, rwAlloc|zx.VMSpecific, pg+ms, ms)
	must(t, "vmar_allocate adjacent", st)
	closeLater(t, s)
	if sa != m1+ms {
		t.Errorf("sub-VMAR at %#x, want %#x", sa, m1+ms)
	}
	_, st = mapIn(r, rw|zx.VMSpecificOverwrite, pg, v2, 0, 2*ms)
	want(t, "overwrite across a sub-VMAR", st, zx.ErrInvalidArgs)
	must(t, "vmar_unmap", zx.Sys_vmar_unmap(r, zx.Vaddr(m1), 2*ms))
}

func TestVmar_ProtectSplitTest(t *testing.T) {
	r, _ := arena(t, 8)
	v := vmo(t, 4, 0)
	for _, c := range []struct{ off, n uint }{{0, 2 * pg}, {2 * pg, 2 * pg}, {pg, 2 * pg}} {
		a, st := mapIn(r, rw, 0, v, 0, 4*pg)
		must(t, "vmar_map", st)
		must(t, "vmar_protect part", zx.Sys_vmar_protect(r, uint32(zx.VMPermRead), zx.Vaddr(a+uintptr(c.off)), c.n))
		checkPages(t, a, 0b1111, 4)
		for i := range uint(4) {
			inside := i*pg >= c.off && i*pg < c.off+c.n
			if probe(a+uintptr(i)*pg, true) == inside {
				t.Errorf("page %d writable %v after protecting [%#x, +%#x)", i, !inside, c.off, c.n)
			}
		}
		must(t, "vmar_unmap", zx.Sys_vmar_unmap(r, zx.Vaddr(a), 4*pg))
		checkPages(t, a, 0, 4)
	}
}

func TestVmar_ProtectMultipleTest(t *testing.T) {
	const ms = 4 * pg
	r, base := arena(t, 16)
	v := vmo(t, 4, 0)
	ro := reduced(t, v, zx.RightMap|zx.RightRead)
	mapAt := func(off uint, h zx.Handle, perms uint32) {
		t.Helper()
		_, st := mapIn(r, perms|zx.VMSpecific, off, h, 0, ms)
		must(t, "vmar_map", st)
	}
	protect := func(perms uint32, want0 zx.Status) {
		t.Helper()
		want(t, "vmar_protect", zx.Sys_vmar_protect(r, perms, zx.Vaddr(base+pg), 3*ms-2*pg), want0)
	}
	unmapAll := func() {
		t.Helper()
		must(t, "vmar_unmap", zx.Sys_vmar_unmap(r, zx.Vaddr(base), 3*ms))
		checkPages(t, base, 0, 12)
	}
	mapAt(0, v, rw)
	mapAt(ms, v, rw)
	mapAt(2*ms, v, rw)
	protect(uint32(zx.VMPermRead), zx.OK)
	checkPages(t, base, 0b1111_1111_1111, 12)
	if !probe(base, true) || probe(base+pg, true) || probe(base+ms+pg, true) || !probe(base+3*ms-pg, true) {
		t.Error("protect across three mappings: wrong pages writable")
	}
	unmapAll()
	// The middle mapping's VMO handle lacks WRITE.
	mapAt(0, v, rw)
	mapAt(ms, ro, uint32(zx.VMPermRead))
	mapAt(2*ms, v, rw)
	protect(rw, zx.ErrAccessDenied)
	checkPages(t, base, 0b1111_1111_1111, 12)
	unmapAll()
	// A gap.
	mapAt(0, v, rw)
	mapAt(2*ms, v, rw)
	protect(uint32(zx.VMPermRead), zx.ErrNotFound)
	checkPages(t, base, 0b1111_0000_1111, 12)
	unmapAll()
	// An empty sub-VMAR.
	mapAt(0, v, rw)
	s, _, st := alloc(r, rwAlloc|zx.VMSpecific, ms, ms)
	must(t, "vmar_allocate", st)
	closeLater(t, s)
	mapAt(2*ms, v, rw)
	protect(uint32(zx.VMPermRead), zx.ErrInvalidArgs)
	checkPages(t, base, 0b1111_0000_1111, 12)
	unmapAll()
	// A sub-VMAR full of mappings.
	mapAt(0, v, rw)
	s2, _, st := alloc(r, rwAlloc|zx.VMSpecific|zx.VMCanMapSpecific, ms, ms)
	must(t, "vmar_allocate", st)
	closeLater(t, s2)
	_, st = mapIn(s2, rw|zx.VMSpecific, 0, v, 0, ms)
	must(t, "vmar_map in the sub-VMAR", st)
	mapAt(2*ms, v, rw)
	protect(uint32(zx.VMPermRead), zx.ErrInvalidArgs)
	checkPages(t, base, 0b1111_1111_1111, 12)
	unmapAll()
}

func TestVmar_ProtectOverDemandPagedTest(t *testing.T) {
	const size = 100 * pg
	var v zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(size, 0, &v))
	a, st := mapIn(zx.VmarRootSelf().Handle, rw, 0, v, 0, size)
	must(t, "vmar_map", st)
	zx.Sys_handle_close(v)
	t.Cleanup(func() { zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, zx.Vaddr(a), size) })
	mem(a, 1)[0] = 5
	mem(a+size/2, 1)[0] = 6
	mem(a+size-1, 1)[0] = 7
	must(t, "vmar_protect(READ)", zx.Sys_vmar_protect(zx.VmarRootSelf().Handle, uint32(zx.VMPermRead), zx.Vaddr(a), size))
	for _, off := range []uintptr{0, size / 4, size / 2, size - 1} {
		if probe(a+off, true) {
			t.Errorf("offset %#x still writable", off)
		}
	}
}

func TestVmar_ProtectLargeUncomittedTest(t *testing.T) {
	const size = 1 << 30
	var v zx.Handle
	must(t, "vmo_create(1 GiB)", zx.Sys_vmo_create(size, 0, &v))
	a, st := mapIn(zx.VmarRootSelf().Handle, rw, 0, v, 0, size)
	must(t, "vmar_map", st)
	zx.Sys_handle_close(v)
	t.Cleanup(func() { zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, zx.Vaddr(a), size) })
	mem(a, 1)[0] = 5
	mem(a+size/2, 1)[0] = 6
	mem(a+size-1, 1)[0] = 7
	base := (a+512*pg-1)&^(512*pg-1) + pg
	must(t, "vmar_protect(READ)", zx.Sys_vmar_protect(zx.VmarRootSelf().Handle, uint32(zx.VMPermRead), zx.Vaddr(base), uint(a+size-base)))
	if !probe(a, true) {
		t.Error("the start should still be writable")
	}
	for _, off := range []uintptr{size / 4, size / 2, size - 1} {
		if probe(a+off, true) {
			t.Errorf("offset %#x still writable", off)
		}
	}
}
