// Package debuglog is the conformance family for zx_debuglog_create,
// zx_debuglog_write and zx_debuglog_read, run inside Beryl.
package debuglog

import (
	"bytes"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

var (
	want = ctest.Want
	must = ctest.Must
)

// readable is ZX_LOG_FLAG_READABLE.
const readable = 0x40000000

func newLog(t *testing.T, options uint32) zx.Handle {
	t.Helper()
	var h zx.Handle
	must(t, "debuglog_create", zx.Sys_debuglog_create(zx.HandleInvalid, options, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func TestDebuglog(t *testing.T) {
	t.Run("write_then_read", func(t *testing.T) {
		w := newLog(t, 0)
		r := newLog(t, readable)
		msg := []byte("conformance debuglog record")
		must(t, "debuglog_write", zx.Sys_debuglog_write(w, 0, unsafe.Pointer(&msg[0]), uint(len(msg))))
		buf := make([]byte, 256)
		found := false
		for i := 0; i < 1<<16; i++ { // past the kernel's own records (the ring holds 1024)
			st := zx.Sys_debuglog_read(r, 0, unsafe.Pointer(&buf[0]), uint(len(buf)))
			if st < 0 {
				break
			}
			if bytes.Contains(buf[:st], msg) {
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("record not read back")
		}
	})
	t.Run("read_needs_readable", func(t *testing.T) {
		w := newLog(t, 0)
		buf := make([]byte, 64)
		if st := zx.Sys_debuglog_read(w, 0, unsafe.Pointer(&buf[0]), uint(len(buf))); st >= 0 {
			t.Fatalf("read from a write-only log returned %v", st)
		}
	})
	t.Run("bad_create_options", func(t *testing.T) {
		var h zx.Handle
		want(t, "debuglog_create(options)", zx.Sys_debuglog_create(zx.HandleInvalid, 0x1, &h), zx.ErrInvalidArgs)
	})
	t.Run("bad_out_pointer", func(t *testing.T) {
		want(t, "debuglog_create(out=kernel)", zx.Sys_debuglog_create(zx.HandleInvalid, 0, (*zx.Handle)(ctest.Ptr(0xffff_8000_0000_0000))), zx.ErrInvalidArgs)
	})
	t.Run("bad_write_buffer", func(t *testing.T) {
		w := newLog(t, 0)
		want(t, "debuglog_write(buffer=unmapped)", zx.Sys_debuglog_write(w, 0, ctest.Ptr(0x1000), 16), zx.ErrInvalidArgs)
	})
	t.Run("wrong_type", func(t *testing.T) {
		msg := []byte("x")
		want(t, "debuglog_write(event)", zx.Sys_debuglog_write(ctest.NewEvent(t), 0, unsafe.Pointer(&msg[0]), 1), zx.ErrWrongType)
	})
}
