package vmar

import (
	"sync/atomic"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: Vmar (vmar/vmar.cc in utest/core). The originals
// that look into a child process's memory through process_read_memory /
// process_write_memory do the same here in this process's own address
// space, probing with faults as recoverable panics.

// childProcess creates a process (not started) and returns its handle
// and root VMAR, closed at the end of the test.
func childProcess(t *testing.T) (zx.Handle, zx.Handle) {
	t.Helper()
	var p, v zx.Handle
	name := []byte("test-proc-vmar")
	must(t, "process_create", zx.Sys_process_create(zx.JobDefault().Handle, &name[0], uint(len(name)), 0, &p, &v))
	t.Cleanup(func() { zx.Sys_handle_close(v); zx.Sys_handle_close(p) })
	return p, v
}

// alloc is vmar_allocate returning the status.
func alloc(parent zx.Handle, opts uint32, off, size uint) (zx.Handle, uintptr, zx.Status) {
	var h zx.Handle
	var a zx.Vaddr
	st := zx.Sys_vmar_allocate(parent, opts, off, size, &h, &a)
	return h, uintptr(a), st
}

func closeLater(t *testing.T, h zx.Handle) {
	t.Cleanup(func() { zx.Sys_handle_close(h) })
}

const rwAlloc = zx.VMCanMapRead | zx.VMCanMapWrite

func TestVmar_DestroyTest(t *testing.T) {
	_, vmar := childProcess(t)
	s, _, st := alloc(vmar, rwAlloc, 0, 1024*pg)
	must(t, "vmar_allocate", st)
	closeLater(t, s)
	must(t, "vmar_destroy", zx.Sys_vmar_destroy(s))
	_, _, st = alloc(s, rwAlloc, 0, 10*pg)
	want(t, "vmar_allocate in a destroyed VMAR", st, zx.ErrBadState)
}

func TestVmar_BasicAllocateTest(t *testing.T) {
	_, vmar := childProcess(t)
	r1, a1, st := alloc(vmar, rwAlloc, 0, 10*pg)
	must(t, "vmar_allocate", st)
	closeLater(t, r1)
	r2, a2, st := alloc(r1, rwAlloc, 0, pg)
	must(t, "vmar_allocate inside", st)
	closeLater(t, r2)
	if a2 < a1 || a2+pg > a1+10*pg {
		t.Errorf("region %#x+%#x outside its parent %#x+%#x", a2, pg, a1, 10*pg)
	}
}

func TestVmar_MapInCompactTest(t *testing.T) {
	_, vmar := childProcess(t)
	v := vmo(t, 1, 0)
	r, ra, st := alloc(vmar, rwAlloc|zx.VMCompact, 0, 10*pg)
	must(t, "vmar_allocate(COMPACT)", st)
	closeLater(t, r)
	for i := range 2 {
		a, st := mapIn(r, rw, 0, v, 0, pg)
		must(t, "vmar_map", st)
		if a < ra || a+pg > ra+10*pg {
			t.Errorf("mapping %d at %#x outside the region %#x+%#x", i, a, ra, 10*pg)
		}
	}
}

func TestVmar_AllocateOobTest(t *testing.T) {
	_, vmar := childProcess(t)
	r1, _, st := alloc(vmar, rwAlloc|zx.VMCanMapSpecific, 0, 10*pg)
	must(t, "vmar_allocate", st)
	closeLater(t, r1)
	_, _, st = alloc(r1, rwAlloc|zx.VMSpecific, 10*pg, pg)
	want(t, "vmar_allocate at the end", st, zx.ErrInvalidArgs)
	_, _, st = alloc(r1, rwAlloc|zx.VMSpecific, 9*pg, 2*pg)
	want(t, "vmar_allocate across the end", st, zx.ErrInvalidArgs)
}

func TestVmar_AllocateUnsatisfiableTest(t *testing.T) {
	_, vmar := childProcess(t)
	r1, a1, st := alloc(vmar, rwAlloc|zx.VMCanMapSpecific, 0, 10*pg)
	must(t, "vmar_allocate", st)
	closeLater(t, r1)
	_, _, st = alloc(r1, rwAlloc, 0, 11*pg)
	want(t, "vmar_allocate larger than the region", st, zx.ErrInvalidArgs)
	r2, a2, st := alloc(r1, rwAlloc, 0, 10*pg)
	must(t, "vmar_allocate of the whole region", st)
	closeLater(t, r2)
	if a2 != a1 {
		t.Errorf("whole-region child at %#x, want %#x", a2, a1)
	}
	_, _, st = alloc(r1, rwAlloc, 0, pg)
	want(t, "vmar_allocate in a full region", st, zx.ErrNoMemory)
}

func TestVmar_DestroyedVmarTest(t *testing.T) {
	v := vmo(t, 1, 0)
	r0, _, st := alloc(zx.VmarRootSelf().Handle, rwAlloc, 0, 10*pg)
	must(t, "vmar_allocate", st)
	closeLater(t, r0)
	m0, st := mapIn(r0, rw, 0, v, 0, pg)
	must(t, "vmar_map", st)
	r1, _, st := alloc(r0, rwAlloc, 0, pg)
	must(t, "vmar_allocate inside", st)
	closeLater(t, r1)
	m1, st := mapIn(r1, rw, 0, v, 0, pg)
	must(t, "vmar_map inside", st)
	mem(m0, 1)[0] = 5
	if mem(m1, 1)[0] != 5 {
		t.Fatal("the two mappings of one VMO differ")
	}
	must(t, "vmar_destroy", zx.Sys_vmar_destroy(r0))
	for i, r := range []zx.Handle{r0, r1} {
		m := []uintptr{m0, m1}[i]
		must(t, "get_info(HANDLE_VALID)", zx.Sys_object_get_info(r, zx.ObjectInfoHandleValid, nil, 0, nil, nil))
		if probe(m, false) {
			t.Errorf("region %d: mapping still readable", i)
		}
		want(t, "vmar_destroy", zx.Sys_vmar_destroy(r), zx.ErrBadState)
		_, _, st := alloc(r, rwAlloc, 0, pg)
		want(t, "vmar_allocate", st, zx.ErrBadState)
		want(t, "vmar_unmap", zx.Sys_vmar_unmap(r, zx.Vaddr(m), pg), zx.ErrBadState)
		want(t, "vmar_protect", zx.Sys_vmar_protect(r, uint32(zx.VMPermRead), zx.Vaddr(m), pg), zx.ErrBadState)
		_, st = mapIn(r, uint32(zx.VMPermRead), 0, v, 0, pg)
		want(t, "vmar_map", st, zx.ErrBadState)
	}
	r2, _, st := alloc(zx.VmarRootSelf().Handle, rwAlloc, 0, pg)
	must(t, "vmar_allocate in the parent", st)
	zx.Sys_vmar_destroy(r2)
	zx.Sys_handle_close(r2)
}

func TestVmar_RangeOpCommitVmoPages(t *testing.T) {
	const size = 5 * pg
	var v zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(size, 0, &v))
	closeLater(t, v)
	r, base, st := alloc(zx.VmarRootSelf().Handle, zx.VMCanMapSpecific|rwAlloc, 0, size)
	must(t, "vmar_allocate", st)
	closeLater(t, r)
	t.Cleanup(func() { zx.Sys_vmar_destroy(r) })
	a, st := mapIn(r, zx.VMSpecific|rw, 0, v, 0, 2*pg)
	must(t, "vmar_map", st)
	if a != base {
		t.Fatalf("mapped at %#x, want %#x", a, base)
	}
	_, st = mapIn(r, zx.VMSpecific|rw, 2*pg, v, 3*pg, pg)
	must(t, "vmar_map second", st)
	_, st = mapIn(r, zx.VMSpecific|uint32(zx.VMPermRead), 4*pg, v, pg, pg)
	must(t, "vmar_map read-only", st)
	target := func(i uintptr) *atomic.Uint32 { return (*atomic.Uint32)(ptr(base + i)) }
	op := func(vmar zx.Handle, addr uintptr, n uint) zx.Status {
		return zx.Sys_vmar_op_range(vmar, zx.VMAROpDecommit, zx.Vaddr(addr), n, nil, 0)
	}
	target(0).Store(5)
	must(t, "decommit part of a mapping", op(r, base, pg))
	if target(0).Load() != 0 {
		t.Error("decommitted page not zero")
	}
	target(pg).Store(7)
	must(t, "decommit the second page", op(r, base+pg, pg))
	if target(pg).Load() != 0 {
		t.Error("decommitted second page not zero")
	}
	target(pg).Store(5)
	target(2 * pg).Store(6)
	if target(4*pg).Load() != 5 {
		t.Error("the read-only mapping does not see VMO page 1")
	}
	must(t, "decommit across two mappings", op(r, base+pg, 2*pg))
	if target(pg).Load() != 0 || target(2*pg).Load() != 0 || target(4*pg).Load() != 0 {
		t.Error("pages not zero after decommit across mappings")
	}
	want(t, "decommit over a gap", op(r, base+pg, 3*pg), zx.ErrBadState)
	must(t, "decommit a read-only mapping of a writable handle", op(r, base+4*pg, pg))
	ro := reduced(t, v, zx.RightMap|zx.RightRead)
	ra, st := mapIn(zx.VmarRootSelf().Handle, uint32(zx.VMPermRead), 0, ro, 0, pg)
	must(t, "vmar_map of a read-only handle", st)
	want(t, "decommit a mapping of a read-only handle", op(zx.VmarRootSelf().Handle, ra, pg), zx.ErrAccessDenied)
	must(t, "vmar_unmap", zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, zx.Vaddr(ra), pg))
}

func TestVmar_UnmapLargeUncommittedTest(t *testing.T) {
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
	// Misaligned against a page-table level.
	base := (a+512*pg-1)&^(512*pg-1) + pg
	must(t, "vmar_unmap", zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, zx.Vaddr(base), uint(a+size-base)))
	if !probe(a, true) {
		t.Error("the start should still be writable")
	}
	for _, off := range []uintptr{size / 4, size / 2, size - 1} {
		if probe(a+off, true) {
			t.Errorf("offset %#x still writable", off)
		}
	}
}

func TestVmar_AllowFaultsTest(t *testing.T) {
	var v zx.Handle
	must(t, "vmo_create(RESIZABLE)", zx.Sys_vmo_create(pg, zx.VMOResizable, &v))
	a, st := mapIn(zx.VmarRootSelf().Handle, rw|uint32(zx.VMAllowFaults), 0, v, 0, pg)
	must(t, "vmar_map(ALLOW_FAULTS)", st)
	must(t, "close", zx.Sys_handle_close(v))
	must(t, "vmar_unmap", zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, zx.Vaddr(a), pg))
}

var _ = unsafe.Pointer(nil)
var _ = ctest.Ptr
