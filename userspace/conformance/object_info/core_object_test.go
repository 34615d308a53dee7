package object_info

import (
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: ObjectGetInfoTest (object-info/basic-object-info-test.cc)
// and ObjectChildTest (object-child tests in utest/core).

func TestObjectGetInfoTest_OpenValidHandleSuceeds(t *testing.T) {
	ctest.Must(t, "get_info(HANDLE_VALID)", zx.Sys_object_get_info(ctest.NewEvent(t), zx.ObjectInfoHandleValid, nil, 0, nil, nil))
}

func TestObjectGetInfoTest_ClosedValidHandleFails(t *testing.T) {
	var h zx.Handle
	ctest.Must(t, "event_create", zx.Sys_event_create(0, &h))
	ctest.Must(t, "handle_close", zx.Sys_handle_close(h))
	ctest.Want(t, "get_info(HANDLE_VALID, closed)", zx.Sys_object_get_info(h, zx.ObjectInfoHandleValid, nil, 0, nil, nil), zx.ErrBadHandle)
}

func TestObjectGetInfoTest_HandleCountCorrectness(t *testing.T) {
	ev := ctest.NewEvent(t)
	count := func() uint32 {
		var n uint32
		ctest.Must(t, "get_info(HANDLE_COUNT)", zx.Sys_object_get_info(ev, zx.ObjectInfoHandleCount, unsafe.Pointer(&n), 4, nil, nil))
		return n
	}
	if n := count(); n != 1 {
		t.Errorf("count %d, want 1", n)
	}
	d1 := ctest.Reduced(t, ev, zx.RightSameRights)
	var d2 zx.Handle
	ctest.Must(t, "handle_duplicate", zx.Sys_handle_duplicate(d1, zx.RightSameRights, &d2))
	if n := count(); n != 3 {
		t.Errorf("count %d, want 3", n)
	}
	zx.Sys_handle_close(d2)
	if n := count(); n != 2 {
		t.Errorf("count %d, want 2", n)
	}
}

func TestObjectGetInfoTest_InvalidHandleFails(t *testing.T) {
	ctest.Want(t, "get_info(HANDLE_VALID, ZX_HANDLE_INVALID)", zx.Sys_object_get_info(zx.HandleInvalid, zx.ObjectInfoHandleValid, nil, 0, nil, nil), zx.ErrBadHandle)
}

func TestObjectChildTest_InvalidHandleReturnsBadHandle(t *testing.T) {
	var h zx.Handle
	ctest.Want(t, "object_get_child(ZX_HANDLE_INVALID)", zx.Sys_object_get_child(zx.HandleInvalid, 1, zx.RightSameRights, &h), zx.ErrBadHandle)
}
