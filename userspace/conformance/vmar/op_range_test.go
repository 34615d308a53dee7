package vmar

import (
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

func opRange(h zx.Handle, op uint32, addr uintptr, n uint) zx.Status {
	return zx.Sys_vmar_op_range(h, op, zx.Vaddr(addr), n, nil, 0)
}

func committed(t *testing.T, v zx.Handle) uint64 {
	t.Helper()
	info, err := zx.Vmo{Handle: v}.Info()
	if err != nil {
		t.Fatal(err)
	}
	return info.CommittedBytes
}

// TestOpRange covers zx_vmar_op_range's ops and each documented error.
func TestOpRange(t *testing.T) {
	r, base := sub(t, zx.VmarRootSelf().Handle, zx.VMCanMapRead|zx.VMCanMapWrite|zx.VMCanMapSpecific, 8*pg)
	v := vmo(t, 4, 0)
	a, st := mapIn(r, rw|zx.VMSpecific, 0, v, 0, 4*pg)
	must(t, "vmar_map", st)
	if a != base {
		t.Fatalf("mapped at %#x, want %#x", a, base)
	}
	must(t, "COMMIT", opRange(r, zx.VMAROpCommit, a, 2*pg))
	if c := committed(t, v); c != 2*pg {
		t.Errorf("COMMIT of two pages: %d bytes committed", c)
	}
	mem(a, 1)[0] = 9
	must(t, "MAP_RANGE", opRange(r, zx.VMAROpMapRange, a, 4*pg))
	must(t, "ALWAYS_NEED", opRange(r, zx.VMAROpAlwaysNeed, a, 4*pg))
	must(t, "DONT_NEED", opRange(r, zx.VMAROpDontNeed, a, 4*pg))
	must(t, "PREFETCH", opRange(r, zx.VMAROpPrefetch, a, 4*pg))
	if c := committed(t, v); c != 2*pg || mem(a, 1)[0] != 9 {
		t.Errorf("MAP_RANGE and hints changed the pages: %d bytes committed, byte %d", c, mem(a, 1)[0])
	}
	must(t, "ZERO", opRange(r, zx.VMAROpZero, a, pg))
	if mem(a, 1)[0] != 0 {
		t.Error("ZERO left data")
	}
	mem(a+pg, 1)[0] = 3
	must(t, "DECOMMIT", opRange(r, zx.VMAROpDecommit, a+pg, pg))
	if mem(a+pg, 1)[0] != 0 {
		t.Error("DECOMMIT left data")
	}
	// Errors, in Zircon's order.
	want(t, "unknown op", opRange(r, 99, a, pg), zx.ErrInvalidArgs)
	want(t, "bad handle", opRange(zx.HandleInvalid, zx.VMAROpCommit, a, pg), zx.ErrBadHandle)
	want(t, "wrong type", opRange(v, zx.VMAROpCommit, a, pg), zx.ErrWrongType)
	ronly := reduced(t, r, zx.RightRead)
	want(t, "COMMIT without WRITE", opRange(ronly, zx.VMAROpCommit, a, pg), zx.ErrAccessDenied)
	want(t, "ZERO without WRITE", opRange(ronly, zx.VMAROpZero, a, pg), zx.ErrAccessDenied)
	wonly := reduced(t, r, zx.RightWrite)
	want(t, "MAP_RANGE without READ", opRange(wonly, zx.VMAROpMapRange, a, pg), zx.ErrAccessDenied)
	none := reduced(t, r, 0)
	must(t, "DONT_NEED without rights", opRange(none, zx.VMAROpDontNeed, a, pg))
	var buf [8]byte
	want(t, "a buffer", zx.Sys_vmar_op_range(r, zx.VMAROpCommit, zx.Vaddr(a), pg, unsafe.Pointer(&buf[0]), 8), zx.ErrInvalidArgs)
	want(t, "a buffer size", zx.Sys_vmar_op_range(r, zx.VMAROpCommit, zx.Vaddr(a), pg, nil, 8), zx.ErrInvalidArgs)
	want(t, "size 0", opRange(r, zx.VMAROpCommit, a, 0), zx.ErrInvalidArgs)
	want(t, "unaligned address", opRange(r, zx.VMAROpCommit, a+1, pg), zx.ErrInvalidArgs)
	want(t, "outside the VMAR", opRange(r, zx.VMAROpCommit, a+7*pg, 2*pg), zx.ErrOutOfRange)
	want(t, "a gap", opRange(r, zx.VMAROpCommit, a, 5*pg), zx.ErrBadState)
	// A read-only mapping of a read-only handle cannot be written.
	ro := reduced(t, v, zx.RightMap|zx.RightRead)
	b, st := mapIn(r, uint32(zx.VMPermRead)|zx.VMSpecific, 4*pg, ro, 0, pg)
	must(t, "vmar_map read-only", st)
	want(t, "COMMIT of a mapping that cannot be writable", opRange(r, zx.VMAROpCommit, b, pg), zx.ErrAccessDenied)
	want(t, "DECOMMIT of a mapping that cannot be writable", opRange(r, zx.VMAROpDecommit, b, pg), zx.ErrAccessDenied)
	must(t, "MAP_RANGE of a read-only mapping", opRange(r, zx.VMAROpMapRange, b, pg))
	// A snapshot child's pages cannot be decommitted.
	var c zx.Handle
	must(t, "vmo_create_child", zx.Sys_vmo_create_child(v, zx.VMOChildSnapshot, 0, pg, &c))
	t.Cleanup(func() { zx.Sys_handle_close(c) })
	cb, st := mapIn(r, rw|zx.VMSpecific, 5*pg, c, 0, pg)
	must(t, "vmar_map the child", st)
	want(t, "DECOMMIT of a snapshot child", opRange(r, zx.VMAROpDecommit, cb, pg), zx.ErrNotSupported)
	// Mappings of a sub-VMAR: MAP_RANGE passes, COMMIT does not.
	s, sa, st := alloc(r, rwAlloc|zx.VMSpecific, 6*pg, 2*pg)
	must(t, "vmar_allocate", st)
	closeLater(t, s)
	_, st = mapIn(s, rw, 0, v, 0, 2*pg)
	must(t, "vmar_map in the sub-VMAR", st)
	must(t, "MAP_RANGE through the parent", opRange(r, zx.VMAROpMapRange, sa, 2*pg))
	want(t, "COMMIT through the parent", opRange(r, zx.VMAROpCommit, sa, 2*pg), zx.ErrInvalidArgs)
	noChildren := reduced(t, r, zx.RightRead|zx.RightWrite)
	want(t, "MAP_RANGE through the parent without OP_CHILDREN", opRange(noChildren, zx.VMAROpMapRange, sa, 2*pg), zx.ErrInvalidArgs)
	must(t, "COMMIT in the sub-VMAR", opRange(s, zx.VMAROpCommit, sa, 2*pg))
	// A destroyed VMAR.
	must(t, "vmar_destroy", zx.Sys_vmar_destroy(s))
	want(t, "destroyed", opRange(s, zx.VMAROpCommit, sa, pg), zx.ErrBadState)
}
