package channel

import (
	"testing"

	"beryl/userspace/zx"
)

func move(h zx.Handle, typ zx.ObjType, r zx.Rights) zx.HandleDisposition {
	return zx.HandleDisposition{Operation: zx.HandleOpMove, Handle: h, Type: typ, Rights: r}
}

func dup(h zx.Handle, typ zx.ObjType, r zx.Rights) zx.HandleDisposition {
	return zx.HandleDisposition{Operation: zx.HandleOpDuplicate, Handle: h, Type: typ, Rights: r}
}

// readEtc reads one message with handle infos.
func readEtc(t *testing.T, h zx.Handle) ([]byte, []zx.HandleInfo) {
	t.Helper()
	buf := make([]byte, 256)
	infos := make([]zx.HandleInfo, zx.ChannelMaxMsgHandles)
	n, nh, err := zx.Channel{Handle: h}.ReadEtc(buf, infos, 0)
	ok(t, "channel_read_etc", err)
	for _, in := range infos[:nh] {
		closeLater(t, in.Handle)
	}
	return buf[:n], infos[:nh]
}

func TestChannelWriteEtc(t *testing.T) {
	t.Run("move", func(t *testing.T) {
		a, b := pair(t)
		ev := newEvent(t)
		koid := basic(t, ev).Koid
		d := []zx.HandleDisposition{move(ev, zx.ObjTypeEvent, zx.RightSameRights)}
		ok(t, "channel_write_etc", zx.Channel{Handle: a}.WriteEtc([]byte("m"), d, 0))
		if valid(ev) {
			t.Errorf("MOVE source still valid")
		}
		if d[0].Result != zx.OK {
			t.Errorf("result %v", d[0].Result)
		}
		_, in := readEtc(t, b)
		if len(in) != 1 || in[0].Type != zx.ObjTypeEvent || in[0].Rights != zx.DefaultEventRights || basic(t, in[0].Handle).Koid != koid {
			t.Errorf("received %+v", in)
		}
	})
	t.Run("duplicate_keeps_source", func(t *testing.T) {
		a, b := pair(t)
		ev := newEvent(t)
		d := []zx.HandleDisposition{dup(ev, zx.ObjTypeNone, zx.RightSameRights)}
		ok(t, "channel_write_etc", zx.Channel{Handle: a}.WriteEtc(nil, d, 0))
		if !valid(ev) {
			t.Fatalf("DUPLICATE source closed")
		}
		if n := handleCount(t, ev); n != 2 {
			t.Errorf("handle count %d with one copy in flight, want 2", n)
		}
		_, in := readEtc(t, b)
		if len(in) != 1 || basic(t, in[0].Handle).Koid != basic(t, ev).Koid {
			t.Errorf("received %+v", in)
		}
	})
	t.Run("duplicate_same_handle_twice", func(t *testing.T) {
		a, b := pair(t)
		ev := newEvent(t)
		d := []zx.HandleDisposition{dup(ev, zx.ObjTypeNone, zx.RightSameRights), dup(ev, zx.ObjTypeNone, zx.RightWait)}
		ok(t, "channel_write_etc", zx.Channel{Handle: a}.WriteEtc(nil, d, 0))
		_, in := readEtc(t, b)
		if len(in) != 2 || in[1].Rights != zx.RightWait || in[0].Rights != zx.DefaultEventRights {
			t.Errorf("received %+v", in)
		}
	})
	t.Run("reduced_rights", func(t *testing.T) {
		a, b := pair(t)
		ev := newEvent(t)
		want := zx.RightWait | zx.RightSignal
		d := []zx.HandleDisposition{move(ev, zx.ObjTypeEvent, want)}
		ok(t, "channel_write_etc", zx.Channel{Handle: a}.WriteEtc(nil, d, 0))
		_, in := readEtc(t, b)
		if in[0].Rights != want || basic(t, in[0].Handle).Rights != want {
			t.Errorf("received rights %#x, want %#x", in[0].Rights, want)
		}
	})
	t.Run("rights_none", func(t *testing.T) {
		a, b := pair(t)
		d := []zx.HandleDisposition{move(newEvent(t), zx.ObjTypeNone, zx.RightNone)}
		ok(t, "channel_write_etc", zx.Channel{Handle: a}.WriteEtc(nil, d, 0))
		_, in := readEtc(t, b)
		if in[0].Rights != zx.RightNone {
			t.Errorf("received rights %#x, want none", in[0].Rights)
		}
	})
	type failCase struct {
		name string
		d    func(t *testing.T, a zx.Handle) zx.HandleDisposition
		want zx.Status
	}
	for _, fc := range []failCase{
		{"bad_source_handle", func(t *testing.T, a zx.Handle) zx.HandleDisposition {
			return move(staleHandle(t), zx.ObjTypeNone, zx.RightSameRights)
		}, zx.ErrBadHandle},
		{"wrong_type", func(t *testing.T, a zx.Handle) zx.HandleDisposition {
			return move(newEvent(t), zx.ObjTypeSocket, zx.RightSameRights)
		}, zx.ErrWrongType},
		{"invalid_operation", func(t *testing.T, a zx.Handle) zx.HandleDisposition {
			return zx.HandleDisposition{Operation: 7, Handle: newEvent(t), Rights: zx.RightSameRights}
		}, zx.ErrInvalidArgs},
		{"rights_not_subset", func(t *testing.T, a zx.Handle) zx.HandleDisposition {
			ev, err := newEvent(t).Duplicate(zx.RightTransfer | zx.RightWait)
			ok(t, "duplicate", err)
			closeLater(t, ev)
			return move(ev, zx.ObjTypeNone, zx.RightTransfer|zx.RightWait|zx.RightSignal)
		}, zx.ErrInvalidArgs},
		{"no_transfer_right", func(t *testing.T, a zx.Handle) zx.HandleDisposition {
			ev, err := newEvent(t).Duplicate(zx.RightWait | zx.RightDuplicate)
			ok(t, "duplicate", err)
			closeLater(t, ev)
			return dup(ev, zx.ObjTypeNone, zx.RightSameRights)
		}, zx.ErrAccessDenied},
		{"duplicate_without_duplicate_right", func(t *testing.T, a zx.Handle) zx.HandleDisposition {
			ev, err := newEvent(t).Duplicate(zx.RightWait | zx.RightTransfer)
			ok(t, "duplicate", err)
			closeLater(t, ev)
			return dup(ev, zx.ObjTypeNone, zx.RightSameRights)
		}, zx.ErrAccessDenied},
		{"own_handle", func(t *testing.T, a zx.Handle) zx.HandleDisposition {
			return dup(a, zx.ObjTypeNone, zx.RightSameRights)
		}, zx.ErrNotSupported},
	} {
		t.Run(fc.name, func(t *testing.T) {
			a, b := pair(t)
			good := newEvent(t)
			bad := fc.d(t, a)
			d := []zx.HandleDisposition{move(good, zx.ObjTypeNone, zx.RightSameRights), bad}
			d[0].Result, d[1].Result = -99, -99
			expect(t, "channel_write_etc", status(zx.Channel{Handle: a}.WriteEtc([]byte("x"), d, 0)), fc.want)
			if d[0].Result != zx.OK || d[1].Result != fc.want {
				t.Errorf("results %v %v, want ZX_OK %v", d[0].Result, d[1].Result, fc.want)
			}
			if valid(good) {
				t.Errorf("MOVE source of a failed write_etc not closed")
			}
			if bad.Operation == zx.HandleOpMove && valid(bad.Handle) {
				t.Errorf("failing MOVE source not closed")
			}
			if bad.Operation == zx.HandleOpDuplicate && bad.Handle != a && !valid(bad.Handle) {
				t.Errorf("DUPLICATE source closed by a failed write_etc")
			}
			empty(t, b)
		})
	}
	t.Run("invalid_options", func(t *testing.T) {
		a, b := pair(t)
		ev := newEvent(t)
		d := []zx.HandleDisposition{move(ev, zx.ObjTypeNone, zx.RightSameRights)}
		expect(t, "channel_write_etc(options=0x10)", status(zx.Channel{Handle: a}.WriteEtc(nil, d, 0x10)), zx.ErrInvalidArgs)
		if valid(ev) {
			t.Errorf("MOVE source kept")
		}
		empty(t, b)
	})
	t.Run("out_of_range_bytes_closes_moves", func(t *testing.T) {
		a, b := pair(t)
		mv, dp := newEvent(t), newEvent(t)
		d := []zx.HandleDisposition{move(mv, zx.ObjTypeNone, zx.RightSameRights), dup(dp, zx.ObjTypeNone, zx.RightSameRights)}
		data := make([]byte, zx.ChannelMaxMsgBytes+1)
		expect(t, "channel_write_etc(65537 bytes)", status(zx.Channel{Handle: a}.WriteEtc(data, d, 0)), zx.ErrOutOfRange)
		if valid(mv) {
			t.Errorf("MOVE source kept by an OUT_OF_RANGE write_etc (the source is always closed)")
		}
		if !valid(dp) {
			t.Errorf("DUPLICATE source closed by a failed write_etc")
		}
		empty(t, b)
	})
	t.Run("peer_closed", func(t *testing.T) {
		a, b := pair(t)
		ok(t, "close", b.Close())
		ev := newEvent(t)
		d := []zx.HandleDisposition{move(ev, zx.ObjTypeNone, zx.RightSameRights)}
		expect(t, "channel_write_etc(peer closed)", status(zx.Channel{Handle: a}.WriteEtc(nil, d, 0)), zx.ErrPeerClosed)
		if valid(ev) {
			t.Errorf("MOVE source kept")
		}
	})
	t.Run("wrong_channel_type", func(t *testing.T) {
		expect(t, "channel_write_etc(event)", zx.Sys_channel_write_etc(newEvent(t), 0, nil, 0, nil, 0), zx.ErrWrongType)
	})
	for _, ba := range append(badAddrs, badAddr{Name: "read_only", Addr: roAddr()}) {
		t.Run("bad_dispositions_"+ba.Name, func(t *testing.T) {
			a, b := pair(t)
			expect(t, "channel_write_etc(bad handles)",
				zx.Sys_channel_write_etc(a, 0, nil, 0, (*zx.HandleDisposition)(ptr(ba.Addr)), 1), zx.ErrInvalidArgs)
			empty(t, b)
		})
	}
}

func TestChannelReadEtc(t *testing.T) {
	t.Run("types_and_rights", func(t *testing.T) {
		a, b := pair(t)
		ev := newEvent(t)
		e0, _ := newEventPair(t)
		c, _ := pair(t)
		write(t, a, []byte("etc"), ev, e0, c)
		got, in := readEtc(t, b)
		if string(got) != "etc" || len(in) != 3 {
			t.Fatalf("read %q %d infos", got, len(in))
		}
		want := []struct {
			typ zx.ObjType
			r   zx.Rights
		}{{zx.ObjTypeEvent, zx.DefaultEventRights}, {zx.ObjTypeEventPair, zx.DefaultEventPairRights}, {zx.ObjTypeChannel, zx.DefaultChannelRights}}
		for i, w := range want {
			if in[i].Type != w.typ || in[i].Rights != w.r {
				t.Errorf("info %d: type %d rights %#x, want %d %#x", i, in[i].Type, in[i].Rights, w.typ, w.r)
			}
			if bi := basic(t, in[i].Handle); bi.Type != w.typ || bi.Rights != w.r {
				t.Errorf("handle %d: basic info %+v", i, bi)
			}
		}
	})
	t.Run("buffer_too_small", func(t *testing.T) {
		a, b := pair(t)
		write(t, a, []byte("x"), newEvent(t))
		var nb, nh uint32
		var buf [4]byte
		expect(t, "channel_read_etc(0 handle slots)", zx.Sys_channel_read_etc(b, 0, bp(buf[:]), nil, 4, 0, &nb, &nh), zx.ErrBufferTooSmall)
		if nb != 1 || nh != 1 {
			t.Errorf("actual %d/%d, want 1/1", nb, nh)
		}
		if _, in := readEtc(t, b); len(in) != 1 {
			t.Errorf("message not kept")
		}
	})
	t.Run("should_wait", func(t *testing.T) {
		_, b := pair(t)
		expect(t, "channel_read_etc(empty)", zx.Sys_channel_read_etc(b, 0, nil, nil, 0, 0, nil, nil), zx.ErrShouldWait)
	})
	t.Run("peer_closed", func(t *testing.T) {
		a, b := pair(t)
		ok(t, "close", a.Close())
		expect(t, "channel_read_etc(peer closed)", zx.Sys_channel_read_etc(b, 0, nil, nil, 0, 0, nil, nil), zx.ErrPeerClosed)
	})
	t.Run("wrong_type", func(t *testing.T) {
		expect(t, "channel_read_etc(event)", zx.Sys_channel_read_etc(newEvent(t), 0, nil, nil, 0, 0, nil, nil), zx.ErrWrongType)
	})
	t.Run("bad_handle", func(t *testing.T) {
		expect(t, "channel_read_etc(stale)", zx.Sys_channel_read_etc(staleHandle(t), 0, nil, nil, 0, 0, nil, nil), zx.ErrBadHandle)
	})
	t.Run("access_denied_no_read_right", func(t *testing.T) {
		_, b := pair(t)
		wo := withRights(t, b, zx.RightWrite|zx.RightTransfer)
		expect(t, "channel_read_etc(no READ)", zx.Sys_channel_read_etc(wo, 0, nil, nil, 0, 0, nil, nil), zx.ErrAccessDenied)
	})
	for _, ba := range badAddrs {
		t.Run("bad_handle_infos_"+ba.Name, func(t *testing.T) {
			a, b := pair(t)
			e0, e1 := newEventPair(t)
			write(t, a, nil, e1)
			expect(t, "channel_read_etc(bad infos)", zx.Sys_channel_read_etc(b, 0, nil, (*zx.HandleInfo)(ptr(ba.Addr)), 0, 1, nil, nil), zx.ErrInvalidArgs)
			wantSignals(t, "handle in the kept message", e0, zx.EventPairPeerClosed, 0)
			if _, in := readEtc(t, b); len(in) != 1 {
				t.Errorf("message lost")
			}
		})
	}
}
