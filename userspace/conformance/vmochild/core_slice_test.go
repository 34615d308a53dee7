package vmochild

import (
	"math"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: VmoSliceTestCase (vmo-slice tests in utest/core).

const spg = 4096

func sVmo(t *testing.T, size uint64, options uint32) zx.Handle {
	t.Helper()
	var h zx.Handle
	ctest.Must(t, "vmo_create", zx.Sys_vmo_create(size, options, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func sChild(t *testing.T, h zx.Handle, options uint32, off, size uint64) zx.Handle {
	t.Helper()
	var c zx.Handle
	ctest.Must(t, "vmo_create_child", zx.Sys_vmo_create_child(h, options, off, size, &c))
	t.Cleanup(func() { zx.Sys_handle_close(c) })
	return c
}

func put32(t *testing.T, h zx.Handle, off uint64, v uint32) {
	t.Helper()
	ctest.Must(t, "vmo_write", zx.Sys_vmo_write(h, unsafe.Pointer(&v), off, 4))
}

func get32(t *testing.T, h zx.Handle, off uint64) uint32 {
	t.Helper()
	var v uint32
	ctest.Must(t, "vmo_read", zx.Sys_vmo_read(h, unsafe.Pointer(&v), off, 4))
	return v
}

func TestVmoSliceTestCase_WriteThrough(t *testing.T) {
	v := sVmo(t, 4*spg, 0)
	put32(t, v, 0, 42)
	put32(t, v, spg, 42)
	s := sChild(t, v, zx.VMOChildSlice, spg, 2*spg)
	if got := get32(t, s, 0); got != 42 {
		t.Errorf("slice page 0 = %d", got)
	}
	put32(t, s, 0, 84)
	put32(t, s, spg, 84)
	for i, want := range []uint32{42, 84, 84, 0} {
		if got := get32(t, v, uint64(i)*spg); got != want {
			t.Errorf("parent page %d = %d, want %d", i, got, want)
		}
	}
}

func TestVmoSliceTestCase_DecommitParent(t *testing.T) {
	v := sVmo(t, spg, 0)
	put32(t, v, 0, 42)
	s := sChild(t, v, zx.VMOChildSlice, 0, spg)
	if got := get32(t, s, 0); got != 42 {
		t.Fatalf("slice reads %d", got)
	}
	ctest.Must(t, "decommit the parent", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, 0, spg, nil, 0))
	if got := get32(t, s, 0); got != 0 {
		t.Errorf("slice reads %d after the parent's decommit", got)
	}
}

func TestVmoSliceTestCase_Nested(t *testing.T) {
	v := sVmo(t, 2*spg, 0)
	put32(t, v, 0, 42)
	s := sChild(t, v, zx.VMOChildSlice, 0, 2*spg)
	ss := sChild(t, s, zx.VMOChildSlice, 0, 2*spg)
	if got := get32(t, ss, 0); got != 42 {
		t.Errorf("slice of slice reads %d", got)
	}
	put32(t, ss, 0, 84)
	put32(t, ss, spg, 84)
	if get32(t, v, 0) != 84 || get32(t, v, spg) != 84 {
		t.Errorf("parent reads %d %d", get32(t, v, 0), get32(t, v, spg))
	}
}

func TestVmoSliceTestCase_NonSlice(t *testing.T) {
	v := sVmo(t, 2*spg, 0)
	var c zx.Handle
	nearMax := uint64(math.MaxUint64 - spg + 1)
	for _, x := range []struct {
		off, size uint64
		want      zx.Status
	}{{0, 3 * spg, zx.ErrInvalidArgs}, {spg, 2 * spg, zx.ErrInvalidArgs}, {2 * spg, spg, zx.ErrInvalidArgs},
		{0, math.MaxUint64, zx.ErrOutOfRange}, {0, nearMax, zx.ErrOutOfRange}, {nearMax, spg, zx.ErrInvalidArgs},
		{nearMax, nearMax, zx.ErrOutOfRange}, {nearMax, math.MaxUint64, zx.ErrOutOfRange}} {
		ctest.Want(t, "slice outside the parent", zx.Sys_vmo_create_child(v, zx.VMOChildSlice, x.off, x.size, &c), x.want)
	}
}

func TestVmoSliceTestCase_NonResizable(t *testing.T) {
	r := sVmo(t, spg, zx.VMOResizable)
	var c zx.Handle
	ctest.Want(t, "slice of a resizable VMO", zx.Sys_vmo_create_child(r, zx.VMOChildSlice, 0, spg, &c), zx.ErrNotSupported)
	ctest.Want(t, "resizable slice of a resizable VMO", zx.Sys_vmo_create_child(r, zx.VMOChildSlice|zx.VMOChildResizable, 0, spg, &c), zx.ErrInvalidArgs)
	v := sVmo(t, spg, 0)
	ctest.Want(t, "resizable slice", zx.Sys_vmo_create_child(v, zx.VMOChildSlice|zx.VMOChildResizable, 0, spg, &c), zx.ErrInvalidArgs)
}

func TestVmoSliceTestCase_CommitChild(t *testing.T) {
	v := sVmo(t, spg, 0)
	s := sChild(t, v, zx.VMOChildSlice, 0, spg)
	ctest.Must(t, "commit the slice", zx.Sys_vmo_op_range(s, zx.VMOOpCommit, 0, spg, nil, 0))
	put32(t, s, 0, 42)
	if got := get32(t, v, 0); got != 42 {
		t.Errorf("parent reads %d", got)
	}
}

func TestVmoSliceTestCase_DecommitChild(t *testing.T) {
	v := sVmo(t, spg, 0)
	put32(t, v, 0, 42)
	s := sChild(t, v, zx.VMOChildSlice, 0, spg)
	ctest.Must(t, "decommit the slice", zx.Sys_vmo_op_range(s, zx.VMOOpDecommit, 0, spg, nil, 0))
	if got := get32(t, v, 0); got != 0 {
		t.Errorf("parent reads %d after the slice's decommit", got)
	}
}

func TestVmoSliceTestCase_ZeroSized(t *testing.T) {
	v := sVmo(t, spg, 0)
	s1 := sChild(t, v, zx.VMOChildSlice, 0, 0)
	s2 := sChild(t, v, zx.VMOChildSlice, spg, 0)
	var b byte
	for _, s := range []zx.Handle{s1, s2} {
		ctest.Want(t, "read an empty slice", zx.Sys_vmo_read(s, unsafe.Pointer(&b), 0, 1), zx.ErrOutOfRange)
		ctest.Want(t, "write an empty slice", zx.Sys_vmo_write(s, unsafe.Pointer(&b), 0, 1), zx.ErrOutOfRange)
	}
}

func zeroChildrenNow(h zx.Handle) bool {
	var s zx.Signals
	zx.Sys_object_wait_one(h, 0, zx.TimeInfinitePast, &s)
	return s&zeroChildren != 0
}

func TestVmoSliceTestCase_ZeroChildren(t *testing.T) {
	v := sVmo(t, spg, 0)
	ctest.Must(t, "no children", hasNoChildren(v))
	var c zx.Handle
	ctest.Must(t, "slice", zx.Sys_vmo_create_child(v, zx.VMOChildSlice, 0, spg, &c))
	if zeroChildrenNow(v) {
		t.Error("ZERO_CHILDREN with a slice")
	}
	zx.Sys_handle_close(c)
	ctest.Must(t, "no children after the close", hasNoChildren(v))
}

func TestVmoSliceTestCase_ZeroChildrenGrandchildClosedLast(t *testing.T) {
	v := sVmo(t, spg, 0)
	ctest.Must(t, "no children", hasNoChildren(v))
	var c, g zx.Handle
	ctest.Must(t, "slice", zx.Sys_vmo_create_child(v, zx.VMOChildSlice, 0, spg, &c))
	if zeroChildrenNow(v) {
		t.Error("ZERO_CHILDREN with a slice")
	}
	ctest.Must(t, "slice of the slice", zx.Sys_vmo_create_child(c, zx.VMOChildSlice, 0, spg, &g))
	if zeroChildrenNow(v) {
		t.Error("ZERO_CHILDREN with a child and a grandchild")
	}
	zx.Sys_handle_close(c)
	if zeroChildrenNow(v) {
		t.Error("ZERO_CHILDREN with a grandchild left")
	}
	zx.Sys_handle_close(g)
	ctest.Must(t, "no children after the last", hasNoChildren(v))
}

func TestVmoSliceTestCase_CowPageSourceThroughSlices(t *testing.T) {
	v := sVmo(t, spg, 0)
	ctest.Must(t, "commit", zx.Sys_vmo_op_range(v, zx.VMOOpCommit, 0, spg, nil, 0))
	cow := sChild(t, v, zx.VMOChildSnapshot, 0, spg)
	s := sChild(t, cow, zx.VMOChildSlice, 0, spg)
	var cow2 zx.Handle
	switch st := zx.Sys_vmo_create_child(s, zx.VMOChildSnapshot, 0, spg, &cow2); st {
	case zx.OK:
		defer zx.Sys_handle_close(cow2)
		var b byte
		ctest.Must(t, "write through the snapshot of a slice", zx.Sys_vmo_write(cow2, unsafe.Pointer(&b), 0, 1))
	default:
		ctest.Want(t, "snapshot of a slice", st, zx.ErrNotSupported)
	}
}

func TestVmoSliceTestCase_RoundUpSize(t *testing.T) {
	v := sVmo(t, spg, 0)
	var b byte = 42
	ctest.Must(t, "vmo_write", zx.Sys_vmo_write(v, unsafe.Pointer(&b), spg-64, 1))
	s := sChild(t, v, zx.VMOChildSlice, 0, 42)
	b = 0
	ctest.Must(t, "read the rounded-up part", zx.Sys_vmo_read(s, unsafe.Pointer(&b), spg-64, 1))
	if b != 42 {
		t.Errorf("read %d", b)
	}
}

func TestVmoSliceTestCase_NotCoWType(t *testing.T) {
	p := create(t, pg, 0)
	s := child(t, p, zx.VMOChildSlice, 0, pg)
	if f := info(t, s).Flags; f&zx.InfoVMOIsCowClone != 0 {
		t.Errorf("slice flags %#x include IS_COW_CLONE", f)
	}
}
