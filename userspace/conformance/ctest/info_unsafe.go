package ctest

import (
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

// The object_get_info checks Zircon's core-tests apply to every topic
// (object-info/helper.h there): rec is the topic's record size, n the
// number of records the buffer holds.

func infoBuf(rec, n int) (unsafe.Pointer, uint) {
	b := make([]uint64, (rec*n+7)/8+1)
	return unsafe.Pointer(&b[0]), uint(rec * n)
}

// InfoWant fails unless get_info(topic) on h into n records returns want.
func InfoWant(t testing.TB, h zx.Handle, topic uint32, rec, n int, want zx.Status) {
	t.Helper()
	buf, size := infoBuf(rec, n)
	var actual, avail uint
	Want(t, "object_get_info", zx.Sys_object_get_info(h, topic, buf, size, &actual, &avail), want)
}

// InfoInvalidHandleFails: ZX_HANDLE_INVALID is ZX_ERR_BAD_HANDLE.
func InfoInvalidHandleFails(t testing.TB, topic uint32, rec, n int) {
	t.Helper()
	InfoWant(t, zx.HandleInvalid, topic, rec, n, zx.ErrBadHandle)
}

// InfoWrongTypeFails: a handle of another type fails (Zircon:
// ZX_ERR_WRONG_TYPE).
func InfoWrongTypeFails(t testing.TB, h zx.Handle, topic uint32, rec, n int) {
	t.Helper()
	buf, size := infoBuf(rec, n)
	var actual, avail uint
	if st := zx.Sys_object_get_info(h, topic, buf, size, &actual, &avail); st == zx.OK {
		t.Errorf("object_get_info(topic %d) on another type = ZX_OK", topic)
	}
}

// InfoMissingRightsFails: h without missing is ZX_ERR_ACCESS_DENIED.
func InfoMissingRightsFails(t testing.TB, h zx.Handle, topic uint32, rec, n int, missing zx.Rights) {
	t.Helper()
	b := Basic(t, h)
	if b.Rights&missing != missing {
		t.Fatalf("handle rights %#x lack %#x", b.Rights, missing)
	}
	InfoWant(t, Reduced(t, h, b.Rights&^missing), topic, rec, n, zx.ErrAccessDenied)
}

// InfoZeroSizeBuffer: a zero-sized buffer gets want (BUFFER_TOO_SMALL for
// single-record topics, OK for lists), actual 0 and avail > 0.
func InfoZeroSizeBuffer(t testing.TB, h zx.Handle, topic uint32, want zx.Status) {
	t.Helper()
	var b [64]byte
	var actual, avail uint = 99, 0
	Want(t, "object_get_info(size 0)", zx.Sys_object_get_info(h, topic, unsafe.Pointer(&b[0]), 0, &actual, &avail), want)
	if actual != 0 || avail == 0 {
		t.Errorf("actual %d avail %d, want 0 and > 0", actual, avail)
	}
}

// InfoNullBufferSucceeds: a NULL buffer of size 0 is OK for list topics.
func InfoNullBufferSucceeds(t testing.TB, h zx.Handle, topic uint32) {
	t.Helper()
	var actual, avail uint = 99, 0
	Want(t, "object_get_info(NULL, 0)", zx.Sys_object_get_info(h, topic, nil, 0, &actual, &avail), zx.OK)
	if actual != 0 || avail == 0 {
		t.Errorf("actual %d avail %d, want 0 and > 0", actual, avail)
	}
}

// InfoSmallBufferSucceeds: a one-record buffer gets one record of several.
func InfoSmallBufferSucceeds(t testing.TB, h zx.Handle, topic uint32, rec int) {
	t.Helper()
	buf, size := infoBuf(rec, 1)
	var actual, avail uint
	Want(t, "object_get_info(1 record)", zx.Sys_object_get_info(h, topic, buf, size, &actual, &avail), zx.OK)
	if actual != 1 || avail <= actual {
		t.Errorf("actual %d avail %d, want 1 and more", actual, avail)
	}
}

// InfoNullActualSucceeds, InfoNullAvailSucceeds, InfoNullBothSucceeds:
// actual and avail are optional.
func InfoNullActualSucceeds(t testing.TB, h zx.Handle, topic uint32, rec, n int) {
	t.Helper()
	buf, size := infoBuf(rec, n)
	var avail uint
	Want(t, "object_get_info(actual NULL)", zx.Sys_object_get_info(h, topic, buf, size, nil, &avail), zx.OK)
}

func InfoNullAvailSucceeds(t testing.TB, h zx.Handle, topic uint32, rec, n int) {
	t.Helper()
	buf, size := infoBuf(rec, n)
	var actual uint
	Want(t, "object_get_info(avail NULL)", zx.Sys_object_get_info(h, topic, buf, size, &actual, nil), zx.OK)
}

func InfoNullBothSucceeds(t testing.TB, h zx.Handle, topic uint32, rec, n int) {
	t.Helper()
	buf, size := infoBuf(rec, n)
	Want(t, "object_get_info(actual, avail NULL)", zx.Sys_object_get_info(h, topic, buf, size, nil, nil), zx.OK)
}

// InfoInvalidBufferPointerFails: buffer 1 is ZX_ERR_INVALID_ARGS.
func InfoInvalidBufferPointerFails(t testing.TB, h zx.Handle, topic uint32, rec int) {
	t.Helper()
	var actual, avail uint
	Want(t, "object_get_info(buffer 1)", zx.Sys_object_get_info(h, topic, Ptr(1), uint(rec), &actual, &avail), zx.ErrInvalidArgs)
}

// InfoBadActualFails, InfoBadAvailFails: actual or avail 1 is
// ZX_ERR_INVALID_ARGS.
func InfoBadActualFails(t testing.TB, h zx.Handle, topic uint32, rec, n int) {
	t.Helper()
	buf, size := infoBuf(rec, n)
	var avail uint
	Want(t, "object_get_info(actual 1)", zx.Sys_object_get_info(h, topic, buf, size, (*uint)(Ptr(1)), &avail), zx.ErrInvalidArgs)
}

func InfoBadAvailFails(t testing.TB, h zx.Handle, topic uint32, rec, n int) {
	t.Helper()
	buf, size := infoBuf(rec, n)
	var actual uint
	Want(t, "object_get_info(avail 1)", zx.Sys_object_get_info(h, topic, buf, size, &actual, (*uint)(Ptr(1))), zx.ErrInvalidArgs)
}

// InfoPartiallyUnmappedBuffer: a buffer of 4 records whose first lies in
// the last record's room of a mapped page and the rest in the unmapped
// page after it gets want.
func InfoPartiallyUnmappedBuffer(t testing.TB, h zx.Handle, topic uint32, rec int, want zx.Status) {
	t.Helper()
	s := NewScratch(t)
	p := s.RW() + zx.PageSize - uintptr(rec)
	var actual, avail uint
	Want(t, "object_get_info(partly unmapped)", zx.Sys_object_get_info(h, topic, Ptr(p), uint(4*rec), &actual, &avail), want)
}
