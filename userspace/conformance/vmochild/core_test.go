package vmochild

import (
	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: VmoSignalTestCase (vmo-signal tests in utest/core).

func hasNoChildren(h zx.Handle) zx.Status {
	var s zx.Signals
	return zx.Sys_object_wait_one(h, zeroChildren, zx.TimeInfinite, &s)
}

func hasChildren(h zx.Handle) zx.Status {
	var s zx.Signals
	st := zx.Sys_object_wait_one(h, zeroChildren, zx.Sys_deadline_after(2), &s)
	if st == zx.ErrTimedOut {
		return zx.OK
	}
	if st == zx.OK {
		return zx.ErrBadState
	}
	return st
}

func newCowChild(t *testing.T, h zx.Handle) zx.Handle {
	t.Helper()
	var c zx.Handle
	ctest.Must(t, "vmo_create_child", zx.Sys_vmo_create_child(h, zx.VMOChildSnapshot, 0, 4096, &c))
	return c
}

func TestVmoSignalTestCase_SignalSanity(t *testing.T) {
	var v zx.Handle
	ctest.Must(t, "vmo_create", zx.Sys_vmo_create(4096, 0, &v))
	defer zx.Sys_handle_close(v)
	var s zx.Signals
	ctest.Want(t, "wait USER0", zx.Sys_object_wait_one(v, zx.SignalUser0, zx.Sys_deadline_after(2), &s), zx.ErrTimedOut)
	if s != zeroChildren {
		t.Errorf("initial signals %#x, want ZX_VMO_ZERO_CHILDREN", s)
	}
	ctest.Must(t, "signal USER0", zx.Sys_object_signal(v, 0, uint32(zx.SignalUser0)))
	ctest.Must(t, "wait USER0", zx.Sys_object_wait_one(v, zx.SignalUser0, zx.TimeInfinite, &s))
	if s != zx.SignalUser0|zeroChildren {
		t.Errorf("signals %#x", s)
	}
}

func TestVmoSignalTestCase_ChildSignalClone(t *testing.T) {
	var v zx.Handle
	ctest.Must(t, "vmo_create", zx.Sys_vmo_create(2*4096, 0, &v))
	defer zx.Sys_handle_close(v)
	for range 10 {
		ctest.Must(t, "vmo has no children", hasNoChildren(v))
		c := newCowChild(t, v)
		ctest.Must(t, "clone has no children", hasNoChildren(c))
		ctest.Must(t, "vmo has children", hasChildren(v))
		c2 := newCowChild(t, c)
		ctest.Must(t, "clone2 has no children", hasNoChildren(c2))
		ctest.Must(t, "clone has children", hasChildren(c))
		ctest.Must(t, "vmo has children", hasChildren(v))
		ctest.Must(t, "close clone", zx.Sys_handle_close(c))
		ctest.Must(t, "vmo still has children (clone2)", hasChildren(v))
		ctest.Must(t, "clone2 has no children", hasNoChildren(c2))
		ctest.Must(t, "close clone2", zx.Sys_handle_close(c2))
	}
}

func TestVmoSignalTestCase_ChildSignalMap(t *testing.T) {
	var v zx.Handle
	ctest.Must(t, "vmo_create", zx.Sys_vmo_create(2*4096, 0, &v))
	defer zx.Sys_handle_close(v)
	root := zx.VmarRootSelf().Handle
	for range 10 {
		ctest.Must(t, "vmo has no children", hasNoChildren(v))
		c := newCowChild(t, v)
		var a zx.Vaddr
		ctest.Must(t, "vmar_map(clone)", zx.Sys_vmar_map(root, uint32(zx.VMPermRead|zx.VMPermWrite), 0, c, 0, 4096, &a))
		ctest.Must(t, "vmo has children", hasChildren(v))
		ctest.Must(t, "close clone", zx.Sys_handle_close(c))
		ctest.Must(t, "vmo has children (a mapping keeps the clone)", hasChildren(v))
		ctest.Must(t, "unmap", zx.Sys_vmar_unmap(root, a, 4096))
	}
}
