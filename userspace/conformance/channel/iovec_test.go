package channel

import (
	"testing"

	"beryl/userspace/zx"
)

func TestChannelWriteIovec(t *testing.T) {
	t.Run("gathers_buffers", func(t *testing.T) {
		a, b := pair(t)
		v := iovecs([]byte("hel"), nil, []byte("lo, "), []byte("world"))
		ev := newEvent(t)
		expect(t, "channel_write(USE_IOVEC)", zx.Sys_channel_write(a, zx.ChannelWriteUseIovec, iovPtr(v), uint32(len(v)), &ev, 1), zx.OK)
		got, hs := read(t, b)
		if string(got) != "hello, world" || len(hs) != 1 {
			t.Errorf("read %q with %d handles, want \"hello, world\" and 1", got, len(hs))
		}
	})
	t.Run("write_etc_gathers_buffers", func(t *testing.T) {
		a, b := pair(t)
		v := iovecs([]byte("io"), []byte("vec"))
		expect(t, "channel_write_etc(USE_IOVEC)", zx.Sys_channel_write_etc(a, zx.ChannelWriteUseIovec, iovPtr(v), uint32(len(v)), nil, 0), zx.OK)
		if got, _ := read(t, b); string(got) != "iovec" {
			t.Errorf("read %q", got)
		}
	})
	t.Run("reserved_nonzero", func(t *testing.T) {
		a, b := pair(t)
		v := iovecs([]byte("x"))
		v[0].reserved = 1
		expect(t, "channel_write(iovec reserved=1)", zx.Sys_channel_write(a, zx.ChannelWriteUseIovec, iovPtr(v), 1, nil, 0), zx.ErrInvalidArgs)
		empty(t, b)
	})
	t.Run("too_many_bytes", func(t *testing.T) {
		a, b := pair(t)
		big := make([]byte, zx.ChannelMaxMsgBytes/2+1)
		v := iovecs(big, big)
		ev, _ := zx.NewEvent(0)
		expect(t, "channel_write(iovecs > 64 KiB)", zx.Sys_channel_write(a, zx.ChannelWriteUseIovec, iovPtr(v), 2, &ev.Handle, 1), zx.ErrOutOfRange)
		if valid(ev.Handle) {
			t.Errorf("handle of an OUT_OF_RANGE write not consumed")
		}
		empty(t, b)
	})
	t.Run("too_many_iovecs", func(t *testing.T) {
		a, b := pair(t)
		v := make([]iovec, 8193)
		expect(t, "channel_write(8193 iovecs)", zx.Sys_channel_write(a, zx.ChannelWriteUseIovec, iovPtr(v), uint32(len(v)), nil, 0), zx.ErrOutOfRange)
		empty(t, b)
	})
	for _, ba := range badAddrs {
		t.Run("bad_iovec_array_"+ba.Name, func(t *testing.T) {
			a, b := pair(t)
			expect(t, "channel_write(bad iovec array)", zx.Sys_channel_write(a, zx.ChannelWriteUseIovec, ptr(ba.Addr), 2, nil, 0), zx.ErrInvalidArgs)
			empty(t, b)
		})
		t.Run("bad_iovec_buffer_"+ba.Name, func(t *testing.T) {
			a, b := pair(t)
			v := iovecs([]byte("ok"), []byte("xx"))
			v[1].buffer = ptr(ba.Addr)
			expect(t, "channel_write(bad iovec buffer)", zx.Sys_channel_write(a, zx.ChannelWriteUseIovec, iovPtr(v), 2, nil, 0), zx.ErrInvalidArgs)
			empty(t, b)
		})
	}
}
