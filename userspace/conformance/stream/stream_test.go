// Package stream is the conformance family for stream objects, run
// inside Beryl: stream_create, stream_readv/_at, stream_writev/_at,
// stream_seek, ZX_INFO_STREAM and ZX_PROP_VMO_CONTENT_SIZE, with the port
// of Zircon's core-tests stream/stream.cc (TEST(StreamTestCase, ...)).
package stream

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

const page = zx.PageSize

const alphabet = "abcdefghijklmnopqrstuvwxyz"

// iovec is zx_iovec_t.
type iovec struct {
	buffer   unsafe.Pointer
	capacity uint64
}

func newVMO(t *testing.T, size uint64, options uint32) zx.Handle {
	t.Helper()
	var v zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(size, options, &v))
	t.Cleanup(func() { zx.Sys_handle_close(v) })
	return v
}

func vmoWrite(t *testing.T, v zx.Handle, b []byte, off uint64) {
	t.Helper()
	must(t, "vmo_write", zx.Sys_vmo_write(v, unsafe.Pointer(&b[0]), off, uint(len(b))))
}

func setContentSize(t *testing.T, v zx.Handle, n uint64) {
	t.Helper()
	must(t, "set_property(VMO_CONTENT_SIZE)", zx.Sys_object_set_property(v, zx.PropVMOContentSize, unsafe.Pointer(&n), 8))
}

func contentSize(t *testing.T, v zx.Handle) uint64 {
	t.Helper()
	n := uint64(45684651)
	must(t, "get_property(VMO_CONTENT_SIZE)", zx.Sys_object_get_property(v, zx.PropVMOContentSize, unsafe.Pointer(&n), 8))
	return n
}

func vmoSize(t *testing.T, v zx.Handle) uint64 {
	t.Helper()
	var n uint64
	must(t, "vmo_get_size", zx.Sys_vmo_get_size(v, &n))
	return n
}

// alphabetVMO is the original's setup: a page holding the alphabet with
// content size 26.
func alphabetVMO(t *testing.T) zx.Handle {
	t.Helper()
	v := newVMO(t, page, 0)
	vmoWrite(t, v, []byte(alphabet), 0)
	setContentSize(t, v, 26)
	return v
}

// getData is the VMO's first page up to its first zero byte.
func getData(t *testing.T, v zx.Handle) string {
	t.Helper()
	b := make([]byte, page)
	must(t, "vmo_read", zx.Sys_vmo_read(v, unsafe.Pointer(&b[0]), 0, uint(len(b))))
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func create(t *testing.T, options uint32, v zx.Handle, seek uint64) (zx.Handle, zx.Status) {
	var s zx.Handle
	st := zx.Sys_stream_create(options, v, seek, &s)
	if st == zx.OK {
		t.Cleanup(func() { zx.Sys_handle_close(s) })
	}
	return s, st
}

func mustStream(t *testing.T, options uint32, v zx.Handle, seek uint64) zx.Handle {
	t.Helper()
	s, st := create(t, options, v, seek)
	must(t, "stream_create", st)
	return s
}

func readv(s zx.Handle, options uint32, vs []iovec, actual *uint) zx.Status {
	var p unsafe.Pointer
	if vs != nil {
		p = unsafe.Pointer(&vs[0])
	}
	return zx.Sys_stream_readv(s, options, p, uint(len(vs)), actual)
}

func writev(s zx.Handle, options uint32, vs []iovec, actual *uint) zx.Status {
	var p unsafe.Pointer
	if vs != nil {
		p = unsafe.Pointer(&vs[0])
	}
	return zx.Sys_stream_writev(s, options, p, uint(len(vs)), actual)
}

func seek(s zx.Handle, whence uint32, off int64) (uint64, zx.Status) {
	var r uint64 = 81
	st := zx.Sys_stream_seek(s, whence, off, &r)
	return r, st
}

func vec(b []byte, capacity uint64) []iovec {
	return []iovec{{unsafe.Pointer(&b[0]), capacity}}
}

func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

func TestStreamTestCase_Create(t *testing.T) {
	var s zx.Handle
	want(t, "invalid VMO", zx.Sys_stream_create(0, zx.HandleInvalid, 0, &s), zx.ErrBadHandle)
	want(t, "event", zx.Sys_stream_create(0, newEvent(t), 0, &s), zx.ErrWrongType)
	v := newVMO(t, 4*page, 0)
	setContentSize(t, v, 0)
	if zx.DefaultStreamRights&(zx.RightRead|zx.RightWrite) != 0 {
		t.Fatal("streams are readable or writable by default")
	}
	_, st := create(t, uint32(0xffffffd6), v, 0) // -42
	want(t, "options -42", st, zx.ErrInvalidArgs)
	check := func(vmo zx.Handle, mode uint32, wantSt zx.Status, rights zx.Rights, what string) {
		t.Helper()
		s, st := create(t, mode, vmo, 0)
		want(t, what, st, wantSt)
		if st == zx.OK {
			if r := basic(t, s).Rights; r != zx.DefaultStreamRights|rights {
				t.Errorf("%s: rights %#x, want %#x", what, r, zx.DefaultStreamRights|rights)
			}
		}
	}
	rw := zx.StreamModeRead | zx.StreamModeWrite
	check(v, 0, zx.OK, 0, "default")
	check(v, zx.StreamModeRead, zx.OK, zx.RightRead, "READ")
	check(v, zx.StreamModeWrite, zx.OK, zx.RightWrite, "WRITE")
	check(v, rw, zx.OK, zx.RightRead|zx.RightWrite, "READ|WRITE")
	ro := reduced(t, v, zx.RightRead)
	check(ro, 0, zx.OK, 0, "read_only: default")
	check(ro, zx.StreamModeRead, zx.OK, zx.RightRead, "read_only: READ")
	check(ro, zx.StreamModeWrite, zx.ErrAccessDenied, 0, "read_only: WRITE")
	check(ro, rw, zx.ErrAccessDenied, 0, "read_only: READ|WRITE")
	wo := reduced(t, v, zx.RightWrite)
	check(wo, 0, zx.OK, 0, "write_only: default")
	check(wo, zx.StreamModeRead, zx.ErrAccessDenied, 0, "write_only: READ")
	check(wo, zx.StreamModeWrite, zx.OK, zx.RightWrite, "write_only: WRITE")
	check(wo, rw, zx.ErrAccessDenied, 0, "write_only: READ|WRITE")
	none := reduced(t, v, 0)
	check(none, 0, zx.OK, 0, "none: default")
	check(none, zx.StreamModeRead, zx.ErrAccessDenied, 0, "none: READ")
	check(none, zx.StreamModeWrite, zx.ErrAccessDenied, 0, "none: WRITE")
	check(none, rw, zx.ErrAccessDenied, 0, "none: READ|WRITE")
}

func TestStreamTestCase_Seek(t *testing.T) {
	v := newVMO(t, 4*page, 0)
	content := uint64(42)
	setContentSize(t, v, content)
	s := mustStream(t, 0, v, 0)
	_, st := seek(s, zx.StreamSeekOriginStart, 0)
	want(t, "seek without READ or WRITE", st, zx.ErrAccessDenied)
	s = mustStream(t, zx.StreamModeRead, v, 9)
	if r, st := seek(s, zx.StreamSeekOriginCurrent, 0); st != zx.OK || r != 9 {
		t.Errorf("READ at 9: %d %v", r, st)
	}
	s = mustStream(t, zx.StreamModeWrite, v, 518)
	if r, st := seek(s, zx.StreamSeekOriginCurrent, 0); st != zx.OK || r != 518 {
		t.Errorf("WRITE at 518: %d %v", r, st)
	}
	s = mustStream(t, zx.StreamModeRead|zx.StreamModeWrite, v, 0)
	for i, c := range []struct {
		whence uint32
		off    int64
		want   uint64
		st     zx.Status
	}{
		{34893, 12, 0, zx.ErrInvalidArgs},
		{zx.StreamSeekOriginStart, -10, 0, zx.ErrInvalidArgs},
		{zx.StreamSeekOriginStart, 10, 10, zx.OK},
		{zx.StreamSeekOriginStart, 12, 12, zx.OK},
		{zx.StreamSeekOriginCurrent, -21, 0, zx.ErrInvalidArgs},
		{zx.StreamSeekOriginCurrent, 3, 15, zx.OK},
		{zx.StreamSeekOriginCurrent, -15, 0, zx.OK},
		{zx.StreamSeekOriginCurrent, math.MaxInt64, math.MaxInt64, zx.OK},
		{zx.StreamSeekOriginCurrent, 1038, math.MaxInt64 + 1038, zx.OK},
		{zx.StreamSeekOriginCurrent, math.MaxInt64, 0, zx.ErrInvalidArgs},
		{zx.StreamSeekOriginEnd, 0, content, zx.OK},
		{zx.StreamSeekOriginEnd, -11, 31, zx.OK},
		{zx.StreamSeekOriginEnd, -13, 29, zx.OK},
		{zx.StreamSeekOriginEnd, -int64(content), 0, zx.OK},
		{zx.StreamSeekOriginEnd, 24, 66, zx.OK},
		{zx.StreamSeekOriginEnd, -1238, 0, zx.ErrInvalidArgs},
	} {
		r, st := seek(s, c.whence, c.off)
		if st != c.st || st == zx.OK && r != c.want {
			t.Errorf("seek %d (%d, %d) = %d %v, want %d %v", i, c.whence, c.off, r, st, c.want, c.st)
		}
	}
	setContentSize(t, v, math.MaxUint64)
	if r, st := seek(s, zx.StreamSeekOriginEnd, -11); st != zx.OK || r != math.MaxUint64-11 {
		t.Errorf("END-11 with content UINT64_MAX: %d %v", r, st)
	}
	_, st = seek(s, zx.StreamSeekOriginEnd, 5)
	want(t, "END+5 with content UINT64_MAX", st, zx.ErrInvalidArgs)
	must(t, "seek(NULL out)", zx.Sys_stream_seek(s, zx.StreamSeekOriginStart, 0, nil))
}

func TestStreamTestCase_ReadV(t *testing.T) {
	v := alphabetVMO(t)
	buf := make([]byte, 16)
	var actual uint = 42
	s := mustStream(t, 0, v, 0)
	want(t, "readv without READ", readv(s, 0, vec(buf, 16), &actual), zx.ErrAccessDenied)
	s = mustStream(t, zx.StreamModeRead, v, 0)
	must(t, "readv 7", readv(s, 0, vec(buf, 7), &actual))
	if actual != 7 || cstr(buf) != "abcdefg" {
		t.Errorf("read %d %q", actual, cstr(buf))
	}
	clear(buf)
	want(t, "options 24098", readv(s, 24098, vec(buf, 7), &actual), zx.ErrInvalidArgs)
	want(t, "NULL vector, 1", zx.Sys_stream_readv(s, 0, nil, 1, &actual), zx.ErrInvalidArgs)
	want(t, "NULL vector, 0", zx.Sys_stream_readv(s, 0, nil, 0, &actual), zx.ErrInvalidArgs)
	must(t, "readv 3, NULL actual", readv(s, 0, vec(buf, 3), nil))
	if cstr(buf) != "hij" {
		t.Errorf("read %q", cstr(buf))
	}
	clear(buf)
	want(t, "NULL buffer", readv(s, 0, []iovec{{nil, 7}}, &actual), zx.ErrNotFound)
	multi := make([]iovec, 7)
	for i := range multi {
		multi[i] = iovec{unsafe.Pointer(&buf[0]), math.MaxInt64}
	}
	want(t, "capacities overflowing", readv(s, 0, multi, &actual), zx.ErrInvalidArgs)
	must(t, "readv 16", readv(s, 0, vec(buf, 16), &actual))
	clear(buf)
	setContentSize(t, v, 6)
	actual = 42
	must(t, "readv past the content", readv(s, 0, vec(buf, 3), &actual))
	if actual != 0 {
		t.Errorf("read %d past the content", actual)
	}
	must(t, "seek 0", zx.Sys_stream_seek(s, zx.StreamSeekOriginStart, 0, nil))
	actual = 42
	must(t, "readv 12", readv(s, 0, vec(buf, 12), &actual))
	if actual != 6 || cstr(buf) != "abcdef" {
		t.Errorf("read %d %q", actual, cstr(buf))
	}
	clear(buf)
	setContentSize(t, v, 26)
	for i := range multi {
		multi[len(multi)-i-1] = iovec{unsafe.Pointer(&buf[i]), 1}
	}
	must(t, "seek 0", zx.Sys_stream_seek(s, zx.StreamSeekOriginStart, 0, nil))
	must(t, "readv into 7 one-byte buffers", readv(s, 0, multi, &actual))
	if actual != 7 || cstr(buf) != "gfedcba" {
		t.Errorf("read %d %q", actual, cstr(buf))
	}
}

func TestStreamTestCase_WriteV(t *testing.T) {
	v := alphabetVMO(t)
	buf := []byte("0123456789ABCDEF\x00")
	var actual uint = 42
	s := mustStream(t, 0, v, 0)
	want(t, "writev without WRITE", writev(s, 0, vec(buf, 17), &actual), zx.ErrAccessDenied)
	s = mustStream(t, zx.StreamModeWrite, v, 0)
	must(t, "writev 7", writev(s, 0, vec(buf, 7), &actual))
	if actual != 7 || getData(t, v) != "0123456hijklmnopqrstuvwxyz" {
		t.Errorf("wrote %d: %q", actual, getData(t, v))
	}
	vmoWrite(t, v, []byte(alphabet), 0)
	want(t, "options 24098", writev(s, 24098, vec(buf, 7), &actual), zx.ErrInvalidArgs)
	want(t, "NULL vector, 1", zx.Sys_stream_writev(s, 0, nil, 1, &actual), zx.ErrInvalidArgs)
	want(t, "NULL vector, 0", zx.Sys_stream_writev(s, 0, nil, 0, &actual), zx.ErrInvalidArgs)
	must(t, "writev 3, NULL actual", writev(s, 0, vec(buf, 3), nil))
	if d := getData(t, v); d != "abcdefg012klmnopqrstuvwxyz" {
		t.Errorf("data %q", d)
	}
	vmoWrite(t, v, []byte(alphabet), 0)
	want(t, "NULL buffer", writev(s, 0, []iovec{{nil, 7}}, &actual), zx.ErrNotFound)
	multi := make([]iovec, 7)
	for i := range multi {
		multi[i] = iovec{unsafe.Pointer(&buf[0]), math.MaxInt64}
	}
	want(t, "capacities overflowing", writev(s, 0, multi, &actual), zx.ErrInvalidArgs)
	for i := range multi {
		multi[len(multi)-i-1] = iovec{unsafe.Pointer(&buf[i]), 1}
	}
	must(t, "seek 0", zx.Sys_stream_seek(s, zx.StreamSeekOriginStart, 0, nil))
	must(t, "writev 7 one-byte buffers", writev(s, 0, multi, &actual))
	if d := getData(t, v); actual != 7 || d != "6543210hijklmnopqrstuvwxyz" {
		t.Errorf("wrote %d: %q", actual, d)
	}
}

func TestStreamTestCase_WriteExtendsContentSize(t *testing.T) {
	v := newVMO(t, page, 0)
	vmoWrite(t, v, []byte(alphabet), 0)
	setContentSize(t, v, 3)
	buf := []byte("0123456789ABCDEF\x00")
	var actual uint = 42
	s := mustStream(t, zx.StreamModeWrite, v, 0)
	must(t, "writev 7", writev(s, 0, vec(buf, 7), &actual))
	if d := getData(t, v); actual != 7 || d != "0123456hijklmnopqrstuvwxyz" || contentSize(t, v) != 7 {
		t.Errorf("wrote %d: %q content %d", actual, d, contentSize(t, v))
	}
	vmoWrite(t, v, []byte(alphabet), 0)
	must(t, "writev 2", writev(s, 0, vec(buf, 2), &actual))
	if d := getData(t, v); actual != 2 || d != "abcdefg01jklmnopqrstuvwxyz" || contentSize(t, v) != 9 {
		t.Errorf("wrote %d: %q content %d", actual, d, contentSize(t, v))
	}
	vmoWrite(t, v, []byte(alphabet), 0)
	must(t, "seek 0", zx.Sys_stream_seek(s, zx.StreamSeekOriginStart, 0, nil))
	for i := 1; i*10 < page; i++ {
		must(t, "writev 10", writev(s, 0, vec(buf, 10), &actual))
		if actual != 10 {
			t.Fatalf("wrote %d", actual)
		}
	}
	if n := contentSize(t, v); n != 4090 {
		t.Errorf("content %d, want 4090", n)
	}
	actual = 9823
	must(t, "writev 10 at 4090", writev(s, 0, vec(buf, 10), &actual))
	if actual != 6 || contentSize(t, v) != 4096 {
		t.Errorf("wrote %d, content %d", actual, contentSize(t, v))
	}
	scratch := make([]byte, 17)
	must(t, "vmo_read", zx.Sys_vmo_read(v, unsafe.Pointer(&scratch[0]), 4090, 6))
	if cstr(scratch) != "012345" {
		t.Errorf("tail %q", cstr(scratch))
	}
	actual = 9823
	want(t, "writev past the end", writev(s, 0, vec(buf, 10), &actual), zx.ErrNoSpace)
	if n := contentSize(t, v); n != 4096 {
		t.Errorf("content %d", n)
	}
}

func TestStreamTestCase_WriteExtendsVMOSize(t *testing.T) {
	v := newVMO(t, page, zx.VMOResizable)
	setContentSize(t, v, 0)
	buf := []byte("0123456789ABCDEF\x00")
	var actual uint = 42
	s := mustStream(t, zx.StreamModeWrite, v, 0)
	for i := 1; i*10 < page; i++ {
		must(t, "writev 10", writev(s, 0, vec(buf, 10), &actual))
	}
	if n := contentSize(t, v); n != 4090 {
		t.Errorf("content %d", n)
	}
	actual = 9823
	must(t, "writev 10 at 4090", writev(s, 0, vec(buf, 10), &actual))
	if actual != 10 || contentSize(t, v) != 4100 || vmoSize(t, v) != 2*page {
		t.Errorf("wrote %d content %d size %d", actual, contentSize(t, v), vmoSize(t, v))
	}
	actual = 5423
	want(t, "writev UINT64_MAX", writev(s, 0, vec(buf, math.MaxUint64), &actual), zx.ErrFileBig)
	if n := vmoSize(t, v); n != 2*page {
		t.Errorf("size %d", n)
	}
}

func TestStreamTestCase_ReadVAt(t *testing.T) {
	v := alphabetVMO(t)
	buf := make([]byte, 16)
	var actual uint = 42
	s := mustStream(t, zx.StreamModeRead, v, 0)
	readAt := func(off uint64, capacity uint64) string {
		t.Helper()
		clear(buf)
		vs := vec(buf, capacity)
		must(t, "readv_at", zx.Sys_stream_readv_at(s, 0, off, unsafe.Pointer(&vs[0]), 1, &actual))
		return cstr(buf)
	}
	if got := readAt(0, 7); actual != 7 || got != "abcdefg" {
		t.Errorf("at 0: %d %q", actual, got)
	}
	if got := readAt(24, 16); actual != 2 || got != "yz" {
		t.Errorf("at 24: %d %q", actual, got)
	}
	if r, _ := seek(s, zx.StreamSeekOriginCurrent, 0); r != 0 {
		t.Errorf("seek %d after readv_at", r)
	}
	if got := readAt(36, 16); actual != 0 || got != "" {
		t.Errorf("at 36: %d %q", actual, got)
	}
	if got := readAt(3645651, 16); actual != 0 || got != "" {
		t.Errorf("at 3645651: %d %q", actual, got)
	}
}

func writeAt(s zx.Handle, off uint64, vs []iovec, actual *uint) zx.Status {
	return zx.Sys_stream_writev_at(s, 0, off, unsafe.Pointer(&vs[0]), uint(len(vs)), actual)
}

func TestStreamTestCase_WriteVAt(t *testing.T) {
	v := alphabetVMO(t)
	buf := []byte("0123456789ABCDEF\x00")
	var actual uint = 42
	s := mustStream(t, zx.StreamModeWrite, v, 0)
	must(t, "writev_at 7", writeAt(s, 7, vec(buf, 3), &actual))
	if d := getData(t, v); actual != 3 || d != "abcdefg012klmnopqrstuvwxyz" {
		t.Errorf("wrote %d: %q", actual, d)
	}
	vmoWrite(t, v, []byte(alphabet), 0)
	if r, _ := seek(s, zx.StreamSeekOriginCurrent, 0); r != 0 {
		t.Errorf("seek %d after writev_at", r)
	}
	actual = 9823
	want(t, "writev_at 4100", writeAt(s, 4100, vec(buf, 10), &actual), zx.ErrNoSpace)
	v = newVMO(t, page, zx.VMOResizable)
	s = mustStream(t, zx.StreamModeWrite, v, 0)
	actual = 9823
	must(t, "writev_at 4090", writeAt(s, 4090, vec(buf, 10), &actual))
	if actual != 10 || contentSize(t, v) != 4100 || vmoSize(t, v) != 2*page {
		t.Errorf("wrote %d content %d size %d", actual, contentSize(t, v), vmoSize(t, v))
	}
	want(t, "writev_at UINT64_MAX", writeAt(s, 5414, vec(buf, math.MaxUint64), &actual), zx.ErrFileBig)
	if vmoSize(t, v) != 2*page || contentSize(t, v) != 4100 {
		t.Errorf("size %d content %d", vmoSize(t, v), contentSize(t, v))
	}
	if st := writeAt(s, 5000, []iovec{{nil, 42}}, &actual); st == zx.OK {
		t.Error("writev_at from a NULL buffer succeeded")
	}
	if n := contentSize(t, v); n != 4100 {
		t.Errorf("content %d after a failed write", n)
	}
}

func TestStreamTestCase_ReadVectorAlias(t *testing.T) {
	v := alphabetVMO(t)
	multi := make([]iovec, 7)
	for i := range multi {
		multi[i] = iovec{unsafe.Pointer(&multi[0]), uint64(len(multi)) * 16}
	}
	s := mustStream(t, zx.StreamModeRead, v, 0)
	var actual uint = 42
	must(t, "readv into its own vector", readv(s, 0, multi, &actual))
	if actual != 26 {
		t.Errorf("read %d, want 26", actual)
	}
}

func streamInfo(t *testing.T, s zx.Handle) (options uint32, seek, content uint64) {
	t.Helper()
	var b [zx.ObjectInfoStreamSize]byte
	must(t, "get_info(STREAM)", zx.Sys_object_get_info(s, zx.ObjectInfoStream, unsafe.Pointer(&b[0]), uint(len(b)), nil, nil))
	return binary.LittleEndian.Uint32(b[0:]), binary.LittleEndian.Uint64(b[8:]), binary.LittleEndian.Uint64(b[16:])
}

func TestStreamTestCase_Append(t *testing.T) {
	v := alphabetVMO(t)
	buf := []byte("0123456789ABCDEF\x00")
	s := mustStream(t, zx.StreamModeWrite, v, 0)
	if o, sk, c := streamInfo(t, s); o != zx.StreamModeWrite || sk != 0 || c != 26 {
		t.Errorf("info %d %d %d", o, sk, c)
	}
	var actual uint = 42
	must(t, "append 7", writev(s, zx.StreamAppend, vec(buf, 7), &actual))
	if d := getData(t, v); actual != 7 || d != "abcdefghijklmnopqrstuvwxyz0123456" {
		t.Errorf("appended %d: %q", actual, d)
	}
	o, sk, c := streamInfo(t, s)
	if o != zx.StreamModeWrite || sk != 33 || c != 33 {
		t.Errorf("info %d %d %d", o, sk, c)
	}
	for size := c; size+26 < page; size += 26 {
		must(t, "append 26", writev(s, zx.StreamAppend, vec(buf, 26), &actual))
		if actual != 26 {
			t.Fatalf("appended %d", actual)
		}
	}
	_, _, c = streamInfo(t, s)
	if c >= page {
		t.Fatalf("content %d", c)
	}
	must(t, "append the rest", writev(s, zx.StreamAppend, vec(buf, 26), &actual))
	if uint64(actual) != page-c {
		t.Errorf("appended %d, want %d", actual, page-c)
	}
	want(t, "append to a full VMO", writev(s, zx.StreamAppend, vec(buf, 26), &actual), zx.ErrNoSpace)
	want(t, "append UINT64_MAX", writev(s, zx.StreamAppend, vec(buf, math.MaxUint64), &actual), zx.ErrOutOfRange)
}

func TestStreamTestCase_ExtendFillsWithZeros(t *testing.T) {
	const pages = 6
	v := newVMO(t, pages*page, 0)
	setContentSize(t, v, 0)
	s := mustStream(t, zx.StreamModeWrite, v, 0)
	scratch := bytes.Repeat([]byte{'x'}, page)
	for i := uint64(0); i < pages; i++ {
		vmoWrite(t, v, scratch, i*page)
	}
	buf := []byte("0123456789ABCDEF\x00")
	var actual uint
	must(t, "writev_at 2 pages - 2", writeAt(s, 2*page-2, vec(buf, 4), &actual))
	if actual != 4 {
		t.Fatalf("wrote %d", actual)
	}
	readPage := func(i uint64) []byte {
		b := make([]byte, page)
		must(t, "vmo_read", zx.Sys_vmo_read(v, unsafe.Pointer(&b[0]), i*page, page))
		return b
	}
	zeros := func(b []byte) bool { return bytes.Count(b, []byte{0}) == len(b) }
	if !zeros(readPage(0)) {
		t.Error("page 0 not zeroed")
	}
	p := readPage(1)
	if !zeros(p[:page-2]) || p[page-2] != '0' || p[page-1] != '1' {
		t.Errorf("page 1: ...%q", p[page-4:])
	}
	p = readPage(2)
	if string(p[:4]) != "23xx" {
		t.Errorf("page 2 starts %q", p[:4])
	}
	must(t, "seek", zx.Sys_stream_seek(s, zx.StreamSeekOriginStart, 5*page-2, nil))
	must(t, "writev", writev(s, 0, vec(buf, 4), &actual))
	if actual != 4 {
		t.Fatalf("wrote %d", actual)
	}
	if p = readPage(2); !bytes.Equal(p[:4], []byte{'2', '3', 0, 0}) {
		t.Errorf("page 2 starts %q", p[:4])
	}
	if !zeros(readPage(3)) {
		t.Error("page 3 not zeroed")
	}
	p = readPage(4)
	if !zeros(p[:page-2]) || p[page-2] != '0' || p[page-1] != '1' {
		t.Errorf("page 4: ...%q", p[page-4:])
	}
	if p = readPage(5); string(p[:4]) != "23xx" {
		t.Errorf("page 5 starts %q", p[:4])
	}
}

// TestStreamErrors: the documented handle errors of the vector calls and
// of seek, and ZX_INFO_STREAM's rights.
func TestStreamErrors(t *testing.T) {
	v := alphabetVMO(t)
	buf := make([]byte, 4)
	vs := vec(buf, 4)
	var actual uint
	ev := newEvent(t)
	for _, c := range []struct {
		what string
		call func(h zx.Handle) zx.Status
	}{
		{"readv", func(h zx.Handle) zx.Status { return readv(h, 0, vs, &actual) }},
		{"writev", func(h zx.Handle) zx.Status { return writev(h, 0, vs, &actual) }},
		{"readv_at", func(h zx.Handle) zx.Status {
			return zx.Sys_stream_readv_at(h, 0, 0, unsafe.Pointer(&vs[0]), 1, &actual)
		}},
		{"writev_at", func(h zx.Handle) zx.Status { return writeAt(h, 0, vs, &actual) }},
		{"seek", func(h zx.Handle) zx.Status { return zx.Sys_stream_seek(h, 0, 0, nil) }},
	} {
		want(t, c.what+"(invalid)", c.call(zx.HandleInvalid), zx.ErrBadHandle)
		want(t, c.what+"(event)", c.call(ev), zx.ErrWrongType)
	}
	s := mustStream(t, zx.StreamModeRead|zx.StreamModeWrite, v, 0)
	want(t, "writev_at options 1", zx.Sys_stream_writev_at(s, 1, 0, unsafe.Pointer(&vs[0]), 1, &actual), zx.ErrInvalidArgs)
	want(t, "readv_at options 1", zx.Sys_stream_readv_at(s, 1, 0, unsafe.Pointer(&vs[0]), 1, &actual), zx.ErrInvalidArgs)
	want(t, "readv_at NULL vector", zx.Sys_stream_readv_at(s, 0, 0, nil, 1, &actual), zx.ErrInvalidArgs)
	want(t, "writev_at NULL vector", zx.Sys_stream_writev_at(s, 0, 0, nil, 1, &actual), zx.ErrInvalidArgs)
	want(t, "readv_at NULL buffer", zx.Sys_stream_readv_at(s, 0, 0, unsafe.Pointer(&[]iovec{{nil, 4}}[0]), 1, &actual), zx.ErrNotFound)
	var b [zx.ObjectInfoStreamSize]byte
	want(t, "get_info(STREAM) without INSPECT", zx.Sys_object_get_info(reduced(t, s, zx.RightRead), zx.ObjectInfoStream, unsafe.Pointer(&b[0]), uint(len(b)), nil, nil), zx.ErrAccessDenied)
	var n uint64
	want(t, "content size of a stream", zx.Sys_object_get_property(s, zx.PropVMOContentSize, unsafe.Pointer(&n), 8), zx.ErrWrongType)
	want(t, "content size into 4 bytes", zx.Sys_object_get_property(v, zx.PropVMOContentSize, unsafe.Pointer(&n), 4), zx.ErrBufferTooSmall)
}
