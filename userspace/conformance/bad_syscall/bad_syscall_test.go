// Package bad_syscall is the conformance family for the trap path's
// argument checking, run inside Beryl (go test -exec bin/zxrun): unknown
// zx syscall numbers (just past the table, huge, with high bits set) return
// ZX_ERR_BAD_SYSCALL through the raw trampoline (arch/x86/zxcall), and bad
// user pointers of every kind (NULL, unmapped, kernel half, non-canonical,
// the kernel image, the canonical boundary, straddling the end of a
// mapping, read-only for outputs) make a representative set of syscalls
// (event/eventpair/channel/socket/fifo/port/timer creation and I/O,
// process_create, object properties, clock-free waits) fail with
// ZX_ERR_INVALID_ARGS and change nothing.
package bad_syscall

import (
	"testing"
	"unsafe"

	"beryl/arch/x86/zxcall"
	"beryl/userspace/zx"
)

// numTable is the number of zx syscalls in the table (generated from the
// spec with the stubs).
const numTable = zx.NumSyscalls

func TestUnknownNumbers(t *testing.T) {
	for _, c := range []struct {
		name string
		num  uintptr
	}{
		{"just-past-table", 0x1000 + numTable},
		{"past-table-plus-1", 0x1000 + numTable + 1},
		{"past-table-plus-100", 0x1000 + numTable + 100},
		{"0x1fff", 0x1fff},
		{"0x10000", 0x10000},
		{"0xffffffff", 0xffff_ffff},
		{"high-bits-over-handle-close", 1<<32 | zx.SysHandleClose},
		{"high-bits-over-event-create", 1<<63 | zx.SysEventCreate},
		{"int64-max", 1<<63 - 1},
		{"uint64-max", ^uintptr(0)},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev := newEvent(t)
			// Arguments that would be meaningful to the real syscall
			// the low bits name: nothing may happen to ev.
			var out zx.Handle
			before := handleCount(t)
			r := int64(zxcall.RawCall(c.num, uintptr(ev), uintptr(unsafe.Pointer(&out)), 0, 0, 0, 0, 0, 0))
			if zx.Status(r) != zx.ErrBadSyscall || r != int64(zx.ErrBadSyscall) {
				t.Errorf("syscall %#x = %d, want ZX_ERR_BAD_SYSCALL (sign-extended)", c.num, r)
			}
			r = int64(zxcall.Call(c.num, uintptr(ev), 0, 0, 0, 0, 0, 0, 0))
			if r != int64(zx.ErrBadSyscall) {
				t.Errorf("syscall %#x via Call = %d", c.num, r)
			}
			if !valid(ev) || out != 0 || handleCount(t) != before {
				t.Error("an unknown syscall changed state")
			}
		})
	}
	t.Run("table-edges-work", func(t *testing.T) {
		// The first and last numbers of the table are real syscalls.
		ev := newEvent(t)
		var d zx.Handle
		if r := zxcall.RawCall(0x1000, uintptr(ev), uintptr(zx.RightSameRights), uintptr(unsafe.Pointer(&d)), 0, 0, 0, 0, 0); zx.Status(int32(r)) != zx.OK {
			t.Errorf("first syscall (handle_duplicate) = %v", zx.Status(int32(r)))
		}
		zx.Sys_handle_close(d)
		// vmo_replace_as_executable consumes its handle even on failure:
		// an event fails with WRONG_TYPE and is gone.
		var e2, out zx.Handle
		must(t, "event_create", zx.Sys_event_create(0, &e2))
		if r := zxcall.RawCall(zx.SysVmoReplaceAsExecutable, uintptr(e2), 0, uintptr(unsafe.Pointer(&out)), 0, 0, 0, 0, 0); zx.Status(int32(r)) != zx.ErrWrongType {
			t.Errorf("vmo_replace_as_executable on an event = %v, want ZX_ERR_WRONG_TYPE", zx.Status(int32(r)))
		}
		// The last one, whichever it is, on an event with valid pointers:
		// an error of the call itself (WRONG_TYPE or INVALID_ARGS, as the
		// event is no handle it takes), never BAD_SYSCALL. (Pointer
		// arguments point at a zeroed buffer large enough for any of
		// them.)
		var buf [256]byte
		p := uintptr(unsafe.Pointer(&buf[0]))
		if r := zx.Status(int32(zxcall.RawCall(0x1000+numTable-1, uintptr(ev), p, p, p, p, p, p, p))); r == zx.ErrBadSyscall || r == zx.OK {
			t.Errorf("last syscall (%#x) on an event = %v, want an error of that call", 0x1000+numTable-1, r)
		}
	})
	t.Run("process-survives", func(t *testing.T) {
		for i := 0; i < 100; i++ {
			zxcall.RawCall(0x1000+numTable+uintptr(i), 0, 0, 0, 0, 0, 0, 0, 0)
		}
		if zx.Now() <= 0 {
			t.Error("clock_get_monotonic broken after bad syscalls")
		}
	})
}

// bad runs f for every bad address kind and checks ZX_ERR_INVALID_ARGS.
func bad(t *testing.T, what string, n int, write bool, f func(p unsafe.Pointer) zx.Status) {
	t.Helper()
	for _, b := range badAddrs(t, n, write) {
		if st := f(ptr(b.Addr)); st != zx.ErrInvalidArgs {
			t.Errorf("%s(%s) = %v, want ZX_ERR_INVALID_ARGS", what, b.Name, st)
		}
	}
}

func TestBadPointers(t *testing.T) {
	t.Run("event_create", func(t *testing.T) {
		before := handleCount(t)
		bad(t, "event_create out", 4, true, func(p unsafe.Pointer) zx.Status { return zx.Sys_event_create(0, (*zx.Handle)(p)) })
		if handleCount(t) != before+1 { // the scratch VMAR
			t.Errorf("handles %d → %d", before, handleCount(t))
		}
	})
	t.Run("eventpair_create", func(t *testing.T) {
		before := handleCount(t)
		var h zx.Handle
		bad(t, "eventpair_create out0", 4, true, func(p unsafe.Pointer) zx.Status { return zx.Sys_eventpair_create(0, (*zx.Handle)(p), &h) })
		bad(t, "eventpair_create out1", 4, true, func(p unsafe.Pointer) zx.Status { return zx.Sys_eventpair_create(0, &h, (*zx.Handle)(p)) })
		if handleCount(t) != before+2 {
			t.Errorf("handles %d → %d", before, handleCount(t))
		}
	})
	t.Run("channel_create", func(t *testing.T) {
		before := handleCount(t)
		var h zx.Handle
		bad(t, "channel_create out0", 4, true, func(p unsafe.Pointer) zx.Status { return zx.Sys_channel_create(0, (*zx.Handle)(p), &h) })
		bad(t, "channel_create out1", 4, true, func(p unsafe.Pointer) zx.Status { return zx.Sys_channel_create(0, &h, (*zx.Handle)(p)) })
		if handleCount(t) != before+2 {
			t.Errorf("handles %d → %d", before, handleCount(t))
		}
	})
	t.Run("timer_create", func(t *testing.T) {
		before := handleCount(t)
		bad(t, "timer_create out", 4, true, func(p unsafe.Pointer) zx.Status { return zx.Sys_timer_create(0, 0, (*zx.Handle)(p)) })
		if handleCount(t) != before+1 {
			t.Errorf("handles %d → %d", before, handleCount(t))
		}
	})
	t.Run("channel_write", func(t *testing.T) {
		a, b := channel(t)
		bad(t, "channel_write bytes", 16, false, func(p unsafe.Pointer) zx.Status { return zx.Sys_channel_write(a, 0, p, 16, nil, 0) })
		ev := newEvent(t)
		bad(t, "channel_write handles", 8, false, func(p unsafe.Pointer) zx.Status { return zx.Sys_channel_write(a, 0, nil, 0, (*zx.Handle)(p), 2) })
		var buf [16]byte
		var nb, nh uint32
		want(t, "channel_read after rejected writes", zx.Sys_channel_read(b, 0, unsafe.Pointer(&buf[0]), nil, 16, 0, &nb, &nh), zx.ErrShouldWait)
		if !valid(ev) {
			t.Error("event lost")
		}
	})
	t.Run("channel_read", func(t *testing.T) {
		a, b := channel(t)
		msg := []byte("0123456789abcdef")
		must(t, "channel_write", zx.Sys_channel_write(a, 0, unsafe.Pointer(&msg[0]), 16, nil, 0))
		var nb, nh uint32
		bad(t, "channel_read bytes", 16, true, func(p unsafe.Pointer) zx.Status { return zx.Sys_channel_read(b, 0, p, nil, 16, 0, &nb, &nh) })
		bad(t, "channel_read actual_bytes", 4, true, func(p unsafe.Pointer) zx.Status {
			var buf [16]byte
			if uintptr(p) == 0 {
				return zx.ErrInvalidArgs // optional: NULL is fine
			}
			return zx.Sys_channel_read(b, 0, unsafe.Pointer(&buf[0]), nil, 16, 0, (*uint32)(p), &nh)
		})
		var buf [16]byte
		must(t, "channel_read after rejected reads", zx.Sys_channel_read(b, 0, unsafe.Pointer(&buf[0]), nil, 16, 0, &nb, &nh))
		if string(buf[:nb]) != string(msg) {
			t.Errorf("message %q", buf[:nb])
		}
	})
	t.Run("socket_write", func(t *testing.T) {
		var a, b zx.Handle
		must(t, "socket_create", zx.Sys_socket_create(0, &a, &b))
		defer zx.Sys_handle_close(a)
		defer zx.Sys_handle_close(b)
		var n uint
		bad(t, "socket_write buffer", 16, false, func(p unsafe.Pointer) zx.Status { return zx.Sys_socket_write(a, 0, p, 16, &n) })
		var buf [16]byte
		want(t, "socket_read after rejected writes", zx.Sys_socket_read(b, 0, unsafe.Pointer(&buf[0]), 16, &n), zx.ErrShouldWait)
	})
	t.Run("fifo_write", func(t *testing.T) {
		var a, b zx.Handle
		must(t, "fifo_create", zx.Sys_fifo_create(4, 8, 0, &a, &b))
		defer zx.Sys_handle_close(a)
		defer zx.Sys_handle_close(b)
		var n uint
		bad(t, "fifo_write data", 16, false, func(p unsafe.Pointer) zx.Status { return zx.Sys_fifo_write(a, 8, p, 2, &n) })
		var buf [16]byte
		want(t, "fifo_read after rejected writes", zx.Sys_fifo_read(b, 8, unsafe.Pointer(&buf[0]), 2, &n), zx.ErrShouldWait)
	})
	t.Run("port_queue-and-wait", func(t *testing.T) {
		var port zx.Handle
		must(t, "port_create", zx.Sys_port_create(0, &port))
		defer zx.Sys_handle_close(port)
		bad(t, "port_queue packet", 48, false, func(p unsafe.Pointer) zx.Status { return zx.Sys_port_queue(port, (*zx.PortPacket)(p)) })
		var pk zx.PortPacket
		want(t, "port_wait after rejected queues", zx.Sys_port_wait(port, 0, &pk), zx.ErrTimedOut)
		pk.Key = 99
		must(t, "port_queue", zx.Sys_port_queue(port, &pk))
		bad(t, "port_wait packet", 48, true, func(p unsafe.Pointer) zx.Status { return zx.Sys_port_wait(port, 0, (*zx.PortPacket)(p)) })
		var got zx.PortPacket
		must(t, "port_wait after rejected waits", zx.Sys_port_wait(port, 0, &got))
		if got.Key != 99 {
			t.Errorf("packet key %d", got.Key)
		}
	})
	t.Run("process_create-name", func(t *testing.T) {
		before := handleCount(t)
		var ph, vh zx.Handle
		bad(t, "process_create name", 8, false, func(p unsafe.Pointer) zx.Status {
			return zx.Sys_process_create(zx.JobDefault().Handle, (*uint8)(p), 8, 0, &ph, &vh)
		})
		if handleCount(t) != before+1 {
			t.Errorf("handles %d → %d", before, handleCount(t))
		}
	})
	t.Run("object_set_property-name", func(t *testing.T) {
		ev := newJob(t) // events have no property rights
		name := []byte("keep")
		must(t, "set name", zx.Sys_object_set_property(ev, zx.PropName, unsafe.Pointer(&name[0]), 4))
		bad(t, "set_property value", 8, false, func(p unsafe.Pointer) zx.Status { return zx.Sys_object_set_property(ev, zx.PropName, p, 8) })
		if n, err := ev.Name(); err != nil || n != "keep" {
			t.Errorf("name %q %v after rejected sets", n, err)
		}
	})
	t.Run("object_get_property-name", func(t *testing.T) {
		ev := newJob(t)
		bad(t, "get_property value", zx.MaxNameLen, true, func(p unsafe.Pointer) zx.Status {
			return zx.Sys_object_get_property(ev, zx.PropName, p, zx.MaxNameLen)
		})
	})
	t.Run("object_wait_one-observed", func(t *testing.T) {
		ev := newEvent(t)
		must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)))
		bad(t, "wait_one observed", 4, true, func(p unsafe.Pointer) zx.Status {
			if uintptr(p) == 0 {
				return zx.ErrInvalidArgs // optional
			}
			return zx.Sys_object_wait_one(ev, zx.EventSignaled, 0, (*zx.Signals)(p))
		})
	})
	t.Run("vmo_read-buffer", func(t *testing.T) {
		var v zx.Handle
		must(t, "vmo_create", zx.Sys_vmo_create(zx.PageSize, 0, &v))
		defer zx.Sys_handle_close(v)
		bad(t, "vmo_read buffer", 64, true, func(p unsafe.Pointer) zx.Status { return zx.Sys_vmo_read(v, p, 0, 64) })
	})
}

func channel(t *testing.T) (zx.Handle, zx.Handle) {
	t.Helper()
	var a, b zx.Handle
	must(t, "channel_create", zx.Sys_channel_create(0, &a, &b))
	t.Cleanup(func() {
		zx.Sys_handle_close(a)
		zx.Sys_handle_close(b)
	})
	return a, b
}

func newJob(t *testing.T) zx.Handle {
	t.Helper()
	j, err := zx.NewJob(zx.JobDefault(), 0)
	if err != nil {
		t.Fatalf("job_create: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	return j.Handle
}
