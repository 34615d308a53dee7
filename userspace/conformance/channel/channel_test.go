// Package channel is the conformance family for channel_create,
// channel_read, channel_read_etc, channel_write, channel_write_etc and
// channel_call, run inside Beryl (go test -exec bin/zxrun): every
// documented error, bad user pointers, handle transfer and consumption,
// the lifetime rules of endpoints and of handles in unread messages, and
// concurrent readers, writers and callers on real kernel threads.
package channel

import (
	"bytes"
	"testing"

	"beryl/userspace/zx"
)

// pair creates a channel closed at the end of the test.
func pair(t *testing.T) (zx.Handle, zx.Handle) {
	t.Helper()
	a, b, err := zx.NewChannel(0)
	ok(t, "channel_create", err)
	closeLater(t, a.Handle, b.Handle)
	return a.Handle, b.Handle
}

func write(t *testing.T, h zx.Handle, data []byte, hs ...zx.Handle) {
	t.Helper()
	ok(t, "channel_write", zx.Channel{Handle: h}.Write(data, hs, 0))
}

// read reads one message that must fit in 64 KiB and 64 handles.
func read(t *testing.T, h zx.Handle) ([]byte, []zx.Handle) {
	t.Helper()
	buf := make([]byte, zx.ChannelMaxMsgBytes)
	hs := make([]zx.Handle, zx.ChannelMaxMsgHandles)
	n, nh, err := zx.Channel{Handle: h}.Read(buf, hs, 0)
	ok(t, "channel_read", err)
	closeLater(t, hs[:nh]...)
	return buf[:n], hs[:nh]
}

// empty checks that h has no message (SHOULD_WAIT) and is not readable.
func empty(t *testing.T, h zx.Handle) {
	t.Helper()
	var nb, nh uint32
	var buf [8]byte
	expect(t, "channel_read on an empty channel", zx.Sys_channel_read(h, 0, bp(buf[:]), nil, 8, 0, &nb, &nh), zx.ErrShouldWait)
	wantSignals(t, "empty channel", h, zx.ChannelReadable, 0)
}

func TestChannelCreate(t *testing.T) {
	t.Run("endpoints", func(t *testing.T) {
		a, b := pair(t)
		if a == b || a == zx.HandleInvalid || b == zx.HandleInvalid {
			t.Fatalf("handles %#x %#x", a, b)
		}
		ia, ib := basic(t, a), basic(t, b)
		if ia.Type != zx.ObjTypeChannel || ib.Type != zx.ObjTypeChannel {
			t.Errorf("types %d %d, want channel", ia.Type, ib.Type)
		}
		if ia.Rights != zx.DefaultChannelRights || ib.Rights != zx.DefaultChannelRights {
			t.Errorf("rights %#x %#x, want %#x", ia.Rights, ib.Rights, zx.DefaultChannelRights)
		}
		if ia.RelatedKoid != ib.Koid || ib.RelatedKoid != ia.Koid || ia.Koid == ib.Koid {
			t.Errorf("koids %d/%d related %d/%d", ia.Koid, ib.Koid, ia.RelatedKoid, ib.RelatedKoid)
		}
		wantSignals(t, "new endpoint a", a, 0xffffffff, zx.ChannelWritable)
		wantSignals(t, "new endpoint b", b, 0xffffffff, zx.ChannelWritable)
	})
	t.Run("invalid_options", func(t *testing.T) {
		var a, b zx.Handle
		for _, o := range []uint32{1, 0x80000000} {
			expect(t, "channel_create(options)", zx.Sys_channel_create(o, &a, &b), zx.ErrInvalidArgs)
		}
	})
	bad := append(badAddrs, badAddr{Name: "read_only", Addr: roAddr()})
	for _, ba := range bad {
		t.Run("bad_out0_"+ba.Name, func(t *testing.T) {
			before := typeCount(t, zx.ObjTypeChannel)
			var b zx.Handle
			expect(t, "channel_create(out0 bad)", zx.Sys_channel_create(0, hptr(ba.Addr), &b), zx.ErrInvalidArgs)
			if after := typeCount(t, zx.ObjTypeChannel); after != before {
				t.Errorf("channel handles %d -> %d: a failed create leaked handles", before, after)
			}
		})
		t.Run("bad_out1_"+ba.Name, func(t *testing.T) {
			before := typeCount(t, zx.ObjTypeChannel)
			a := zx.Handle(0x5a5a)
			expect(t, "channel_create(out1 bad)", zx.Sys_channel_create(0, &a, hptr(ba.Addr)), zx.ErrInvalidArgs)
			if after := typeCount(t, zx.ObjTypeChannel); after != before {
				t.Errorf("channel handles %d -> %d: a failed create leaked handles", before, after)
			}
			if a != 0x5a5a {
				t.Errorf("out0 written (%#x) although the call failed", a)
			}
		})
	}
}

func TestChannelWrite(t *testing.T) {
	t.Run("round_trip", func(t *testing.T) {
		a, b := pair(t)
		write(t, a, []byte("hello"))
		wantSignals(t, "after write", b, zx.ChannelReadable, zx.ChannelReadable)
		wantSignals(t, "writer", a, zx.ChannelReadable, 0)
		got, hs := read(t, b)
		if string(got) != "hello" || len(hs) != 0 {
			t.Errorf("read %q %v", got, hs)
		}
		empty(t, b)
	})
	t.Run("both_directions", func(t *testing.T) {
		a, b := pair(t)
		write(t, a, []byte("a->b"))
		write(t, b, []byte("b->a"))
		if got, _ := read(t, a); string(got) != "b->a" {
			t.Errorf("a read %q", got)
		}
		if got, _ := read(t, b); string(got) != "a->b" {
			t.Errorf("b read %q", got)
		}
	})
	t.Run("fifo_order", func(t *testing.T) {
		a, b := pair(t)
		for i := 0; i < 100; i++ {
			write(t, a, []byte{byte(i), byte(i >> 8)})
		}
		for i := 0; i < 100; i++ {
			got, _ := read(t, b)
			if !bytes.Equal(got, []byte{byte(i), byte(i >> 8)}) {
				t.Fatalf("message %d: %v", i, got)
			}
		}
		empty(t, b)
	})
	t.Run("zero_length_message", func(t *testing.T) {
		a, b := pair(t)
		expect(t, "channel_write(nil, 0)", zx.Sys_channel_write(a, 0, nil, 0, nil, 0), zx.OK)
		var nb, nh uint32 = 99, 99
		expect(t, "channel_read", zx.Sys_channel_read(b, 0, nil, nil, 0, 0, &nb, &nh), zx.OK)
		if nb != 0 || nh != 0 {
			t.Errorf("actual %d bytes %d handles, want 0 0", nb, nh)
		}
		empty(t, b)
	})
	t.Run("max_message", func(t *testing.T) {
		a, b := pair(t)
		data := make([]byte, zx.ChannelMaxMsgBytes)
		for i := range data {
			data[i] = byte(i * 7)
		}
		var hs []zx.Handle
		for i := 0; i < zx.ChannelMaxMsgHandles; i++ {
			ev, err := zx.NewEvent(0)
			ok(t, "event_create", err)
			hs = append(hs, ev.Handle)
		}
		write(t, a, data, hs...)
		got, ghs := read(t, b)
		if !bytes.Equal(got, data) || len(ghs) != zx.ChannelMaxMsgHandles {
			t.Fatalf("read %d bytes %d handles", len(got), len(ghs))
		}
		for _, h := range ghs {
			if basic(t, h).Type != zx.ObjTypeEvent {
				t.Fatalf("received handle %#x is not an event", h)
			}
		}
	})
	t.Run("handles_transferred", func(t *testing.T) {
		a, b := pair(t)
		ev := newEvent(t)
		koid := basic(t, ev).Koid
		write(t, a, []byte("x"), ev)
		if valid(ev) {
			t.Errorf("sent handle %#x still valid in the sender", ev)
		}
		_, hs := read(t, b)
		if len(hs) != 1 {
			t.Fatalf("received %d handles", len(hs))
		}
		if i := basic(t, hs[0]); i.Koid != koid || i.Rights != zx.DefaultEventRights {
			t.Errorf("received koid %d rights %#x, want %d %#x", i.Koid, i.Rights, koid, zx.DefaultEventRights)
		}
		if n := handleCount(t, hs[0]); n != 1 {
			t.Errorf("handle count %d after transfer, want 1", n)
		}
	})
	t.Run("transfer_reduced_rights", func(t *testing.T) {
		a, b := pair(t)
		ev, err := newEvent(t).Duplicate(zx.RightTransfer | zx.RightWait)
		ok(t, "duplicate", err)
		write(t, a, nil, ev)
		_, hs := read(t, b)
		if r := basic(t, hs[0]).Rights; r != zx.RightTransfer|zx.RightWait {
			t.Errorf("received rights %#x, want TRANSFER|WAIT", r)
		}
	})
	t.Run("transfer_channel_endpoint", func(t *testing.T) {
		a, b := pair(t)
		c, d := pair(t)
		write(t, a, nil, d)
		_, hs := read(t, b)
		write(t, c, []byte("via moved endpoint"))
		if got, _ := read(t, hs[0]); string(got) != "via moved endpoint" {
			t.Errorf("read %q through the transferred endpoint", got)
		}
	})
	t.Run("bad_handle", func(t *testing.T) {
		for _, h := range []zx.Handle{zx.HandleInvalid, staleHandle(t)} {
			ev, _ := zx.NewEvent(0)
			hs := []zx.Handle{ev.Handle}
			expect(t, "channel_write(bad handle)", status(zx.Channel{Handle: h}.Write([]byte("x"), hs, 0)), zx.ErrBadHandle)
			if valid(ev.Handle) {
				t.Errorf("handle in a failed write not consumed")
			}
		}
	})
	t.Run("wrong_type", func(t *testing.T) {
		ev := newEvent(t)
		expect(t, "channel_write(event)", zx.Sys_channel_write(ev, 0, nil, 0, nil, 0), zx.ErrWrongType)
	})
	t.Run("access_denied_no_write_right", func(t *testing.T) {
		a, b := pair(t)
		ro := withRights(t, a, zx.DefaultChannelRights&^zx.RightWrite)
		ev, _ := zx.NewEvent(0)
		expect(t, "channel_write(no WRITE)", zx.Sys_channel_write(ro, 0, bp([]byte("x")), 1, &ev.Handle, 1), zx.ErrAccessDenied)
		if valid(ev.Handle) {
			t.Errorf("handle in a failed write not consumed")
		}
		empty(t, b)
	})
	t.Run("invalid_options", func(t *testing.T) {
		a, b := pair(t)
		ev, _ := zx.NewEvent(0)
		expect(t, "channel_write(options=0x10)", zx.Sys_channel_write(a, 0x10, bp([]byte("x")), 1, &ev.Handle, 1), zx.ErrInvalidArgs)
		if valid(ev.Handle) {
			t.Errorf("handle in a failed write not consumed")
		}
		empty(t, b)
	})
	t.Run("out_of_range_bytes", func(t *testing.T) {
		a, b := pair(t)
		ev, _ := zx.NewEvent(0)
		data := make([]byte, zx.ChannelMaxMsgBytes+1)
		expect(t, "channel_write(65537 bytes)", zx.Sys_channel_write(a, 0, bp(data), uint32(len(data)), &ev.Handle, 1), zx.ErrOutOfRange)
		if valid(ev.Handle) {
			t.Errorf("handle in a failed write not consumed")
		}
		empty(t, b)
	})
	// Zircon's channel_write checks the options and the handle before the
	// message's size (MessagePacket::Create), consuming the handles.
	t.Run("options_and_handle_before_size", func(t *testing.T) {
		a, b := pair(t)
		data := make([]byte, zx.ChannelMaxMsgBytes+1)
		ev, _ := zx.NewEvent(0)
		expect(t, "channel_write(options=0x10, 65537 bytes)", zx.Sys_channel_write(a, 0x10, bp(data), uint32(len(data)), &ev.Handle, 1), zx.ErrInvalidArgs)
		if valid(ev.Handle) {
			t.Errorf("handle in a failed write not consumed")
		}
		ev, _ = zx.NewEvent(0)
		expect(t, "channel_write(bad handle, 65537 bytes)", zx.Sys_channel_write(zx.HandleInvalid, 0, bp(data), uint32(len(data)), &ev.Handle, 1), zx.ErrBadHandle)
		if valid(ev.Handle) {
			t.Errorf("handle in a failed write not consumed")
		}
		expect(t, "channel_write(event, bad bytes)", zx.Sys_channel_write(newEvent(t), 0, ptr(0x1000), 16, nil, 0), zx.ErrWrongType)
		empty(t, b)
	})
	t.Run("out_of_range_handles", func(t *testing.T) {
		a, b := pair(t)
		hs := make([]zx.Handle, zx.ChannelMaxMsgHandles+1)
		for i := range hs {
			ev, err := zx.NewEvent(0)
			ok(t, "event_create", err)
			hs[i] = ev.Handle
		}
		closeLater(t, hs...)
		expect(t, "channel_write(65 handles)", zx.Sys_channel_write(a, 0, nil, 0, &hs[0], uint32(len(hs))), zx.ErrOutOfRange)
		for i, h := range hs {
			if valid(h) {
				t.Fatalf("handle %d of a failed write not consumed (all handles are discarded on failure)", i)
			}
		}
		empty(t, b)
	})
	t.Run("null_bytes_nonzero_size", func(t *testing.T) {
		a, b := pair(t)
		expect(t, "channel_write(NULL, 4)", zx.Sys_channel_write(a, 0, nil, 4, nil, 0), zx.ErrInvalidArgs)
		empty(t, b)
	})
	t.Run("null_handles_nonzero_count", func(t *testing.T) {
		a, b := pair(t)
		expect(t, "channel_write(handles NULL, 2)", zx.Sys_channel_write(a, 0, nil, 0, nil, 2), zx.ErrInvalidArgs)
		empty(t, b)
	})
	for _, ba := range badAddrs {
		t.Run("bad_bytes_"+ba.Name, func(t *testing.T) {
			a, b := pair(t)
			ev := newEvent(t)
			expect(t, "channel_write(bad bytes)", zx.Sys_channel_write(a, 0, ptr(ba.Addr), 16, &ev, 1), zx.ErrInvalidArgs)
			empty(t, b)
			// Beryl copies every argument in before consuming anything
			// (syscall/STATUS.md): the handle survives.
			if !valid(ev) {
				t.Errorf("handle consumed by a write that failed on a bad pointer")
			}
		})
		t.Run("bad_handles_"+ba.Name, func(t *testing.T) {
			a, b := pair(t)
			expect(t, "channel_write(bad handles)", zx.Sys_channel_write(a, 0, bp([]byte("x")), 1, hptr(ba.Addr), 2), zx.ErrInvalidArgs)
			empty(t, b)
		})
	}
	t.Run("handle_consumed_on_failure", func(t *testing.T) {
		// A bad entry anywhere fails the write; all entries are consumed.
		a, b := pair(t)
		e1, _ := zx.NewEvent(0)
		e2, _ := zx.NewEvent(0)
		hs := []zx.Handle{e1.Handle, staleHandle(t), e2.Handle}
		expect(t, "channel_write(one bad handle)", zx.Sys_channel_write(a, 0, nil, 0, &hs[0], 3), zx.ErrBadHandle)
		if valid(e1.Handle) || valid(e2.Handle) {
			t.Errorf("good handles of a failed write not consumed")
		}
		empty(t, b)
	})
	t.Run("repeated_handle", func(t *testing.T) {
		a, b := pair(t)
		ev, _ := zx.NewEvent(0)
		hs := []zx.Handle{ev.Handle, ev.Handle}
		expect(t, "channel_write(h, h)", zx.Sys_channel_write(a, 0, nil, 0, &hs[0], 2), zx.ErrBadHandle)
		if valid(ev.Handle) {
			t.Errorf("repeated handle not consumed")
		}
		empty(t, b)
	})
	t.Run("own_handle", func(t *testing.T) {
		a, b := pair(t)
		expect(t, "channel_write(own handle)", zx.Sys_channel_write(a, 0, nil, 0, &a, 1), zx.ErrNotSupported)
		if valid(a) {
			t.Errorf("channel handle sent through itself not consumed")
		}
		wantSignals(t, "peer of the consumed endpoint", b, zx.ChannelPeerClosed, zx.ChannelPeerClosed)
	})
	t.Run("no_transfer_right", func(t *testing.T) {
		a, b := pair(t)
		ev, err := newEvent(t).Duplicate(zx.RightWait)
		ok(t, "duplicate", err)
		e2, _ := zx.NewEvent(0)
		hs := []zx.Handle{e2.Handle, ev}
		expect(t, "channel_write(no TRANSFER)", zx.Sys_channel_write(a, 0, nil, 0, &hs[0], 2), zx.ErrAccessDenied)
		if valid(ev) || valid(e2.Handle) {
			t.Errorf("handles of a failed write not consumed")
		}
		empty(t, b)
	})
	t.Run("peer_closed", func(t *testing.T) {
		a, b := pair(t)
		ok(t, "close", b.Close())
		ev, _ := zx.NewEvent(0)
		expect(t, "channel_write(peer closed)", zx.Sys_channel_write(a, 0, bp([]byte("x")), 1, &ev.Handle, 1), zx.ErrPeerClosed)
		if valid(ev.Handle) {
			t.Errorf("handle of a write to a closed peer not consumed")
		}
	})
}

func TestChannelRead(t *testing.T) {
	t.Run("bad_handle", func(t *testing.T) {
		for _, h := range []zx.Handle{zx.HandleInvalid, staleHandle(t)} {
			expect(t, "channel_read(bad handle)", zx.Sys_channel_read(h, 0, nil, nil, 0, 0, nil, nil), zx.ErrBadHandle)
		}
	})
	t.Run("wrong_type", func(t *testing.T) {
		expect(t, "channel_read(event)", zx.Sys_channel_read(newEvent(t), 0, nil, nil, 0, 0, nil, nil), zx.ErrWrongType)
	})
	t.Run("access_denied_no_read_right", func(t *testing.T) {
		a, b := pair(t)
		write(t, a, []byte("x"))
		wo := withRights(t, b, zx.DefaultChannelRights&^zx.RightRead)
		var buf [4]byte
		expect(t, "channel_read(no READ)", zx.Sys_channel_read(wo, 0, bp(buf[:]), nil, 4, 0, nil, nil), zx.ErrAccessDenied)
		wantSignals(t, "message kept", wo, zx.ChannelReadable, zx.ChannelReadable)
	})
	t.Run("invalid_options", func(t *testing.T) {
		a, b := pair(t)
		write(t, a, []byte("x"))
		var buf [4]byte
		expect(t, "channel_read(options=2)", zx.Sys_channel_read(b, 2, bp(buf[:]), nil, 4, 0, nil, nil), zx.ErrNotSupported)
		if got, _ := read(t, b); string(got) != "x" {
			t.Errorf("message lost")
		}
	})
	t.Run("should_wait", func(t *testing.T) {
		_, b := pair(t)
		empty(t, b)
	})
	t.Run("peer_closed_empty", func(t *testing.T) {
		a, b := pair(t)
		ok(t, "close", a.Close())
		expect(t, "channel_read(peer closed)", zx.Sys_channel_read(b, 0, nil, nil, 0, 0, nil, nil), zx.ErrPeerClosed)
	})
	t.Run("peer_closed_messages_still_readable", func(t *testing.T) {
		a, b := pair(t)
		write(t, a, []byte("one"))
		write(t, a, []byte("two"))
		ok(t, "close", a.Close())
		wantSignals(t, "after peer close", b, zx.ChannelReadable|zx.ChannelPeerClosed|zx.ChannelWritable,
			zx.ChannelReadable|zx.ChannelPeerClosed)
		for _, want := range []string{"one", "two"} {
			if got, _ := read(t, b); string(got) != want {
				t.Errorf("read %q, want %q", got, want)
			}
		}
		expect(t, "channel_read(drained, peer closed)", zx.Sys_channel_read(b, 0, nil, nil, 0, 0, nil, nil), zx.ErrPeerClosed)
	})
	t.Run("buffer_too_small_bytes", func(t *testing.T) {
		a, b := pair(t)
		write(t, a, []byte("0123456789"))
		var buf [4]byte
		var nb, nh uint32
		expect(t, "channel_read(4-byte buffer)", zx.Sys_channel_read(b, 0, bp(buf[:]), nil, 4, 0, &nb, &nh), zx.ErrBufferTooSmall)
		if nb != 10 || nh != 0 {
			t.Errorf("actual %d/%d, want 10/0", nb, nh)
		}
		if got, _ := read(t, b); string(got) != "0123456789" {
			t.Errorf("message not kept: %q", got)
		}
	})
	t.Run("buffer_too_small_handles", func(t *testing.T) {
		a, b := pair(t)
		e1, _ := zx.NewEvent(0)
		e2, _ := zx.NewEvent(0)
		write(t, a, []byte("hh"), e1.Handle, e2.Handle)
		var buf [4]byte
		var hs [1]zx.Handle
		var nb, nh uint32
		expect(t, "channel_read(1 handle slot)", zx.Sys_channel_read(b, 0, bp(buf[:]), &hs[0], 4, 1, &nb, &nh), zx.ErrBufferTooSmall)
		if nb != 2 || nh != 2 {
			t.Errorf("actual %d/%d, want 2/2", nb, nh)
		}
		if _, ghs := read(t, b); len(ghs) != 2 {
			t.Errorf("message not kept: %d handles", len(ghs))
		}
	})
	t.Run("may_discard", func(t *testing.T) {
		a, b := pair(t)
		e0, e1 := newEventPair(t)
		write(t, a, []byte("discard me"), e1)
		write(t, a, []byte("next"))
		var nb, nh uint32
		expect(t, "channel_read(MAY_DISCARD, too small)",
			zx.Sys_channel_read(b, zx.ChannelReadMayDiscard, nil, nil, 0, 0, &nb, &nh), zx.ErrBufferTooSmall)
		if nb != 10 || nh != 1 {
			t.Errorf("actual %d/%d, want 10/1", nb, nh)
		}
		// The discarded message's handle was closed: its peer sees it.
		wantSignals(t, "eventpair whose peer was discarded", e0, zx.EventPairPeerClosed, zx.EventPairPeerClosed)
		if got, _ := read(t, b); string(got) != "next" {
			t.Errorf("next message %q", got)
		}
	})
	t.Run("may_discard_fits", func(t *testing.T) {
		a, b := pair(t)
		write(t, a, []byte("ok"))
		var buf [8]byte
		var nb uint32
		expect(t, "channel_read(MAY_DISCARD, fits)", zx.Sys_channel_read(b, zx.ChannelReadMayDiscard, bp(buf[:]), nil, 8, 0, &nb, nil), zx.OK)
		if string(buf[:nb]) != "ok" {
			t.Errorf("read %q", buf[:nb])
		}
	})
	t.Run("null_bytes_nonzero_size", func(t *testing.T) {
		a, b := pair(t)
		write(t, a, []byte("keep"))
		expect(t, "channel_read(bytes NULL, 8)", zx.Sys_channel_read(b, 0, nil, nil, 8, 0, nil, nil), zx.ErrInvalidArgs)
		if got, _ := read(t, b); string(got) != "keep" {
			t.Errorf("message lost: %q", got)
		}
	})
	t.Run("null_actuals", func(t *testing.T) {
		a, b := pair(t)
		write(t, a, []byte("abc"))
		var buf [3]byte
		expect(t, "channel_read(actual NULL)", zx.Sys_channel_read(b, 0, bp(buf[:]), nil, 3, 0, nil, nil), zx.OK)
		if string(buf[:]) != "abc" {
			t.Errorf("read %q", buf)
		}
	})
	t.Run("readable_cleared_after_last", func(t *testing.T) {
		a, b := pair(t)
		write(t, a, []byte("1"))
		write(t, a, []byte("2"))
		read(t, b)
		wantSignals(t, "one message left", b, zx.ChannelReadable, zx.ChannelReadable)
		read(t, b)
		wantSignals(t, "drained", b, zx.ChannelReadable, 0)
	})
	for _, ba := range append(badAddrs, badAddr{Name: "read_only", Addr: roAddr()}) {
		t.Run("bad_bytes_"+ba.Name, func(t *testing.T) {
			a, b := pair(t)
			write(t, a, []byte("keep"))
			expect(t, "channel_read(bad bytes)", zx.Sys_channel_read(b, 0, ptr(ba.Addr), nil, 16, 0, nil, nil), zx.ErrInvalidArgs)
			if got, _ := read(t, b); string(got) != "keep" {
				t.Errorf("message lost after a bad-pointer read: %q", got)
			}
		})
		t.Run("bad_handles_"+ba.Name, func(t *testing.T) {
			a, b := pair(t)
			e0, e1 := newEventPair(t)
			write(t, a, []byte("h"), e1)
			var buf [4]byte
			expect(t, "channel_read(bad handles)", zx.Sys_channel_read(b, 0, bp(buf[:]), hptr(ba.Addr), 4, 4, nil, nil), zx.ErrInvalidArgs)
			wantSignals(t, "handle in the kept message", e0, zx.EventPairPeerClosed, 0)
			if _, hs := read(t, b); len(hs) != 1 {
				t.Errorf("message lost after a bad-pointer read")
			}
		})
		t.Run("bad_actual_bytes_"+ba.Name, func(t *testing.T) {
			a, b := pair(t)
			write(t, a, []byte("keep"))
			var buf [8]byte
			expect(t, "channel_read(bad actual_bytes)", zx.Sys_channel_read(b, 0, bp(buf[:]), nil, 8, 0, (*uint32)(ptr(ba.Addr)), nil), zx.ErrInvalidArgs)
			if got, _ := read(t, b); string(got) != "keep" {
				t.Errorf("message lost after a bad-pointer read: %q", got)
			}
		})
		t.Run("bad_actual_handles_"+ba.Name, func(t *testing.T) {
			a, b := pair(t)
			write(t, a, []byte("keep"))
			var buf [8]byte
			expect(t, "channel_read(bad actual_handles)", zx.Sys_channel_read(b, 0, bp(buf[:]), nil, 8, 0, nil, (*uint32)(ptr(ba.Addr))), zx.ErrInvalidArgs)
			if got, _ := read(t, b); string(got) != "keep" {
				t.Errorf("message lost after a bad-pointer read: %q", got)
			}
		})
	}
}
