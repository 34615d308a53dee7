package kos

import (
	"bytes"
	"testing"
	"time"

	"beryl/userspace/zx"
)

// The error statuses of kos_call, kos_recv and kos_reply (74..76): the
// handle through which the message goes, the message's limits (fixed part
// <= 4096 bytes, arena <= 64 KiB, <= 64 handles: OUT_OF_RANGE), the
// reserved words of its structs (INVALID_ARGS) and each handle it sends
// (kos_handle_desc_t: BAD_HANDLE, HANDLE_REVOKED, WRONG_TYPE badge,
// NOT_SUPPORTED for the IPC object the message travels through,
// ACCESS_DENIED without ZX_RIGHT_TRANSFER, INVALID_ARGS for rights not a
// subset). A request that fails is never queued and leaves no handle
// behind; a reply that fails leaves the call open.

// TestCallErrors: calls that fail before they are queued. Each runs with
// a past deadline, so a request that got through would time out instead.
func TestCallErrors(t *testing.T) {
	c, s := connect(t)
	l := newListener(t)
	cb := newCallable(t, zx.RightTransfer|zx.RightDuplicate, 1, l.Server, 5)
	u := newUserObject(t, 1)
	b := newBadge(t, 1, zx.HandleInvalid, 0)
	ev := newEvent(t)
	noXfer := kcopy(t, u.Handle, zx.RightDuplicate|spec0, zx.NoBadge)
	narrow := kcopy(t, u.Handle, zx.RightTransfer|spec0, zx.NoBadge)
	noWrite := kcopy(t, c.Handle, zx.RightRead|zx.RightTransfer|zx.RightDuplicate, zx.NoBadge)
	send := func(d ...zx.KosHandleDesc) *zx.KosMsg { return &zx.KosMsg{Method: 1, Handles: d} }
	same := func(h zx.Handle) zx.KosHandleDesc { return zx.KosHandleDesc{Handle: h, Rights: zx.RightSameRights} }
	type callCase struct {
		name string
		h    zx.Handle
		msg  *zx.KosMsg      // through the wrapper
		args *zx.KosCallArgs // raw, if set
		want zx.Status
	}
	cases := []callCase{
		{"invalid", zx.HandleInvalid, &zx.KosMsg{}, nil, zx.ErrBadHandle},
		{"bad_value", badHandle, &zx.KosMsg{}, nil, zx.ErrBadHandle},
		{"closed", staleHandle(t), &zx.KosMsg{}, nil, zx.ErrBadHandle},
		{"revoked_client", revokedCopy(t, c.Handle), &zx.KosMsg{}, nil, zx.ErrHandleRevoked},
		{"revoked_callable", revokedCopy(t, cb.Handle), &zx.KosMsg{}, nil, zx.ErrHandleRevoked},
		{"event", ev, &zx.KosMsg{}, nil, zx.ErrWrongType},
		{"user_object_not_callable", u.Handle, &zx.KosMsg{}, nil, zx.ErrWrongType},
		{"server", s.Handle, &zx.KosMsg{}, nil, zx.ErrWrongType},
		{"listener", l.Handle, &zx.KosMsg{}, nil, zx.ErrWrongType},
		{"badge", b.Handle, &zx.KosMsg{}, nil, zx.ErrWrongType},
		{"client_without_WRITE", noWrite, &zx.KosMsg{}, nil, zx.ErrAccessDenied},
		{"fixed_4097", c.Handle, &zx.KosMsg{Fixed: make([]byte, zx.KosMaxFixedBytes+1)}, nil, zx.ErrOutOfRange},
		{"arena_65537", c.Handle, &zx.KosMsg{Arena: make([]byte, zx.KosMaxArenaBytes+1)}, nil, zx.ErrOutOfRange},
		{"65_handles", c.Handle, send(descs(u.Handle, zx.RightSameRights, zx.KosMaxHandles+1)...), nil, zx.ErrOutOfRange},
		{"65_handles_through_callable", cb.Handle, send(descs(u.Handle, zx.RightSameRights, zx.KosMaxHandles+1)...), nil, zx.ErrOutOfRange},
		{"wr_reserved", c.Handle, nil, &zx.KosCallArgs{Wr: zx.KosMsgBuf{Reserved: 1}}, zx.ErrInvalidArgs},
		{"rd_reserved", c.Handle, nil, &zx.KosCallArgs{Rd: zx.KosMsgBuf{Reserved: 1}}, zx.ErrInvalidArgs},
		{"descriptor_reserved", c.Handle, send(zx.KosHandleDesc{Handle: u.Handle, Rights: zx.RightSameRights, Reserved: 1}), nil, zx.ErrInvalidArgs},
		{"send_invalid", c.Handle, send(same(zx.HandleInvalid)), nil, zx.ErrBadHandle},
		{"send_bad_value", c.Handle, send(same(badHandle)), nil, zx.ErrBadHandle},
		{"send_closed", c.Handle, send(same(staleHandle(t))), nil, zx.ErrBadHandle},
		{"send_revoked", c.Handle, send(same(revokedCopy(t, u.Handle))), nil, zx.ErrHandleRevoked},
		{"send_without_TRANSFER", c.Handle, send(same(noXfer)), nil, zx.ErrAccessDenied},
		{"send_rights_widened", c.Handle, send(zx.KosHandleDesc{Handle: narrow, Rights: zx.RightTransfer | spec1}), nil, zx.ErrInvalidArgs},
		{"send_badge_bad_value", c.Handle, send(zx.KosHandleDesc{Handle: u.Handle, Rights: zx.RightSameRights, Badge: badHandle}), nil, zx.ErrBadHandle},
		{"send_badge_revoked", c.Handle, send(zx.KosHandleDesc{Handle: u.Handle, Rights: zx.RightSameRights, Badge: revokedCopy(t, b.Handle)}), nil, zx.ErrHandleRevoked},
		{"send_badge_is_an_event", c.Handle, send(zx.KosHandleDesc{Handle: u.Handle, Rights: zx.RightSameRights, Badge: ev}), nil, zx.ErrWrongType},
		{"send_own_client", c.Handle, send(same(c.Handle)), nil, zx.ErrNotSupported},
		{"send_copy_of_own_client", c.Handle, send(same(kcopy(t, c.Handle, zx.RightSameRights, zx.NoBadge))), nil, zx.ErrNotSupported},
		{"send_its_server", c.Handle, send(same(s.Handle)), nil, zx.ErrNotSupported},
		{"callable_sending_itself", cb.Handle, send(same(cb.Handle)), nil, zx.ErrNotSupported},
		{"second_descriptor_bad", c.Handle, send(same(u.Handle), same(badHandle)), nil, zx.ErrBadHandle},
		// Controls: a valid request is queued and times out.
		{"valid_request_times_out", c.Handle, &zx.KosMsg{Fixed: []byte("x"), Handles: []zx.KosHandleDesc{same(u.Handle)}}, nil, zx.ErrTimedOut},
		{"valid_callable_request_times_out", cb.Handle, send(same(u.Handle)), nil, zx.ErrTimedOut},
	}
	for _, ba := range badAddrs {
		p := ptr(ba.Addr)
		for _, b := range []struct {
			name string
			buf  zx.KosMsgBuf
		}{
			{"fixed", zx.KosMsgBuf{Fixed: (*byte)(p), FixedLen: 4}},
			{"arena", zx.KosMsgBuf{Arena: (*byte)(p), ArenaLen: 4}},
			{"handles", zx.KosMsgBuf{Handles: p, NumHandles: 1}},
		} {
			cases = append(cases,
				callCase{"bad_wr_" + b.name + "_" + ba.Name, c.Handle, nil, &zx.KosCallArgs{Wr: b.buf}, zx.ErrInvalidArgs},
				callCase{"bad_rd_" + b.name + "_" + ba.Name, c.Handle, nil, &zx.KosCallArgs{Rd: b.buf}, zx.ErrInvalidArgs})
		}
	}
	for _, x := range cases {
		t.Run(x.name, func(t *testing.T) {
			before := handleCount(t, u.Handle)
			var st zx.Status
			if x.args != nil {
				st = zx.Sys_kos_call(x.h, 0, x.args, nil)
			} else {
				_, err := zx.KosCall(x.h, 0, x.msg, nil)
				st = status(err)
			}
			expect(t, "kos_call", st, x.want)
			if n := handleCount(t, u.Handle); n != before {
				t.Fatalf("handles to the user object sent: %d -> %d", before, n)
			}
		})
	}
	t.Run("nothing_queued", func(t *testing.T) {
		_, err := s.Recv(0, &zx.KosRecvBuf{})
		expect(t, "kos_recv(server)", status(err), zx.ErrTimedOut)
		_, err = l.Recv(0, &zx.KosRecvBuf{})
		expect(t, "kos_recv(listener)", status(err), zx.ErrTimedOut)
	})
}

// TestCallResults: how a queued call ends besides a plain reply: the
// limits themselves are accepted, a callable needs no right, a listener
// gone under a callable is PEER_CLOSED, a reply bigger than any of the
// caller's buffers is BUFFER_TOO_SMALL with its sizes (and its handles
// dropped).
func TestCallResults(t *testing.T) {
	t.Run("limits_accepted", func(t *testing.T) {
		c, s := connect(t)
		u := newUserObject(t, 1)
		fixed, arena := bytes.Repeat([]byte("f"), zx.KosMaxFixedBytes), bytes.Repeat([]byte("a"), zx.KosMaxArenaBytes)
		hs := descs(u.Handle, zx.RightTransfer|spec0, zx.KosMaxHandles)
		full := func() zx.KosRecvBuf {
			return zx.KosRecvBuf{Fixed: make([]byte, zx.KosMaxFixedBytes), Arena: make([]byte, zx.KosMaxArenaBytes),
				Handles: make([]zx.KosRecvHandle, zx.KosMaxHandles)}
		}
		type got struct {
			info zx.KosRecvInfo
			buf  zx.KosRecvBuf
			err  error
		}
		done := make(chan got, 1)
		go func() {
			rb := full()
			info, err := s.Recv(after(time.Minute), &rb)
			if err == nil {
				err = s.Reply(info.CallID, &zx.KosMsg{Fixed: fixed, Arena: arena, Handles: hs})
			}
			done <- got{info, rb, err}
		}()
		rd := full()
		sz, err := c.Call(after(time.Minute), &zx.KosMsg{Fixed: fixed, Arena: arena, Handles: hs}, &rd)
		ok(t, "kos_call", err)
		g := <-done
		ok(t, "kos_recv/kos_reply", g.err)
		want := zx.KosSizes{Fixed: zx.KosMaxFixedBytes, Arena: zx.KosMaxArenaBytes, Handles: zx.KosMaxHandles}
		if sz != want || g.info.Sizes != want {
			t.Fatalf("sizes: reply %+v, request %+v, want %+v", sz, g.info.Sizes, want)
		}
		for _, b := range []zx.KosRecvBuf{g.buf, rd} {
			if !bytes.Equal(b.Fixed, fixed) || !bytes.Equal(b.Arena, arena) {
				t.Fatal("message bytes differ")
			}
			for i, h := range b.Handles {
				if !h.IsDereferenced() || h.Handle != u.Handle || h.Rights != zx.RightTransfer|spec0 {
					t.Fatalf("handle %d: %+v", i, h)
				}
			}
		}
	})
	t.Run("callable_needs_no_rights", func(t *testing.T) {
		l := newListener(t)
		cb := newCallable(t, 0, 1, l.Server, 7)
		info, res := received(t, cb.Handle, l.Server, &zx.KosMsg{Endpoint: 1, Method: 2}, nil)
		if info.Endpoint != 7 || info.Method != 2 || info.ClientKoid != 0 {
			t.Fatalf("request %+v", info)
		}
		ok(t, "kos_reply", l.Reply(info.CallID, &zx.KosMsg{}))
		ok(t, "kos_call(callable without rights)", result(t, res).err)
	})
	t.Run("PEER_CLOSED_listener_gone_under_callable", func(t *testing.T) {
		l, err := zx.NewListener()
		ok(t, "kos_listener_create", err)
		cb := newCallable(t, zx.RightTransfer, 1, l.Server, 1)
		ok(t, "close listener", l.Close())
		_, err = cb.Call(after(time.Minute), &zx.KosMsg{}, nil)
		expect(t, "kos_call(listener gone)", status(err), zx.ErrPeerClosed)
	})
	ev := newEvent(t)
	for _, x := range []struct {
		name  string
		reply zx.KosMsg
		rd    zx.KosRecvBuf
		want  zx.KosSizes
	}{
		{"BUFFER_TOO_SMALL_fixed", zx.KosMsg{Fixed: []byte("12345678")}, zx.KosRecvBuf{Fixed: make([]byte, 7), Arena: make([]byte, 8)}, zx.KosSizes{Fixed: 8}},
		{"BUFFER_TOO_SMALL_arena", zx.KosMsg{Arena: []byte("12345678")}, zx.KosRecvBuf{Fixed: make([]byte, 8), Arena: make([]byte, 7)}, zx.KosSizes{Arena: 8}},
		{"BUFFER_TOO_SMALL_handles", zx.KosMsg{Handles: descs(ev, zx.RightSameRights, 2)}, zx.KosRecvBuf{Handles: make([]zx.KosRecvHandle, 1)}, zx.KosSizes{Handles: 2}},
	} {
		t.Run(x.name, func(t *testing.T) {
			c, s := connect(t)
			before := handleCount(t, ev)
			info, res := received(t, c.Handle, s, &zx.KosMsg{}, &x.rd)
			// kos_reply is a rendezvous: it reports the caller's status.
			expect(t, "kos_reply", status(s.Reply(info.CallID, &x.reply)), zx.ErrBufferTooSmall)
			r := result(t, res)
			expect(t, "kos_call", status(r.err), zx.ErrBufferTooSmall)
			if r.sizes != x.want {
				t.Fatalf("sizes %+v, want %+v", r.sizes, x.want)
			}
			if n := handleCount(t, ev); n != before {
				t.Fatalf("handles to the event sent in the reply: %d -> %d (not dropped)", before, n)
			}
		})
	}
}

// TestRecvErrors: the server handle needs ZX_RIGHT_READ; options must be
// 0; a request bigger than any of the buffers stays queued
// (BUFFER_TOO_SMALL with its sizes in info). A failed receive writes no
// info (except the sizes with BUFFER_TOO_SMALL).
func TestRecvErrors(t *testing.T) {
	c, s := connect(t)
	l := newListener(t)
	type recvCase struct {
		name    string
		h       zx.Handle
		options uint32
		args    zx.KosMsgBuf
		want    zx.Status
	}
	cases := []recvCase{
		{"invalid", zx.HandleInvalid, 0, zx.KosMsgBuf{}, zx.ErrBadHandle},
		{"bad_value", badHandle, 0, zx.KosMsgBuf{}, zx.ErrBadHandle},
		{"closed", staleHandle(t), 0, zx.KosMsgBuf{}, zx.ErrBadHandle},
		{"revoked", revokedCopy(t, s.Handle), 0, zx.KosMsgBuf{}, zx.ErrHandleRevoked},
		{"event", newEvent(t), 0, zx.KosMsgBuf{}, zx.ErrWrongType},
		{"client", c.Handle, 0, zx.KosMsgBuf{}, zx.ErrWrongType},
		{"badge", newBadge(t, 1, zx.HandleInvalid, 0).Handle, 0, zx.KosMsgBuf{}, zx.ErrWrongType},
		{"callable", newCallable(t, 0, 1, l.Server, 1).Handle, 0, zx.KosMsgBuf{}, zx.ErrWrongType},
		{"without_READ", kcopy(t, s.Handle, zx.RightWrite|zx.RightDuplicate, zx.NoBadge), 0, zx.KosMsgBuf{}, zx.ErrAccessDenied},
		{"options_1", s.Handle, 1, zx.KosMsgBuf{}, zx.ErrInvalidArgs},
		{"options_high_bit", s.Handle, 1 << 31, zx.KosMsgBuf{}, zx.ErrInvalidArgs},
		{"args_reserved", s.Handle, 0, zx.KosMsgBuf{Reserved: 1}, zx.ErrInvalidArgs},
		{"nothing_queued", s.Handle, 0, zx.KosMsgBuf{}, zx.ErrTimedOut},
		{"listener_without_clients_waits", l.Handle, 0, zx.KosMsgBuf{}, zx.ErrTimedOut},
		{"READ_only", kcopy(t, s.Handle, zx.RightRead, zx.NoBadge), 0, zx.KosMsgBuf{}, zx.ErrTimedOut},
	}
	for _, ba := range badAddrs {
		p := ptr(ba.Addr)
		cases = append(cases,
			recvCase{"bad_fixed_" + ba.Name, s.Handle, 0, zx.KosMsgBuf{Fixed: (*byte)(p), FixedLen: 4}, zx.ErrInvalidArgs},
			recvCase{"bad_arena_" + ba.Name, s.Handle, 0, zx.KosMsgBuf{Arena: (*byte)(p), ArenaLen: 4}, zx.ErrInvalidArgs},
			recvCase{"bad_handles_" + ba.Name, s.Handle, 0, zx.KosMsgBuf{Handles: p, NumHandles: 1}, zx.ErrInvalidArgs})
	}
	for _, x := range cases {
		t.Run(x.name, func(t *testing.T) {
			info := zx.KosRecvInfo{CallID: 0xdead}
			expect(t, "kos_recv", zx.Sys_kos_recv(x.h, x.options, 0, &x.args, &info), x.want)
			if info != (zx.KosRecvInfo{CallID: 0xdead}) {
				t.Fatalf("failed receive wrote info %+v", info)
			}
		})
	}

	// One request of 8 fixed bytes, 8 arena bytes and 2 handles, too big
	// for each buffer in turn; it stays queued until it fits.
	c2, s2 := connect(t)
	ev := newEvent(t)
	res := make(chan error, 1)
	go func() {
		_, err := c2.Call(after(time.Minute), &zx.KosMsg{Method: 3, Fixed: []byte("fixed..."), Arena: []byte("arena..."),
			Handles: descs(ev, zx.RightSameRights, 2)}, nil)
		res <- err
	}()
	want := zx.KosSizes{Fixed: 8, Arena: 8, Handles: 2}
	info, err := s2.Recv(after(20*time.Second), &zx.KosRecvBuf{})
	expect(t, "kos_recv(no buffers)", status(err), zx.ErrBufferTooSmall)
	if info.Sizes != want {
		t.Fatalf("sizes %+v, want %+v", info.Sizes, want)
	}
	buf := func(f, a, h int) zx.KosRecvBuf {
		return zx.KosRecvBuf{Fixed: make([]byte, f), Arena: make([]byte, a), Handles: make([]zx.KosRecvHandle, h)}
	}
	for _, x := range []struct {
		name string
		buf  zx.KosRecvBuf
	}{
		{"BUFFER_TOO_SMALL_fixed", buf(7, 8, 2)},
		{"BUFFER_TOO_SMALL_arena", buf(8, 7, 2)},
		{"BUFFER_TOO_SMALL_handles", buf(8, 8, 1)},
	} {
		t.Run(x.name, func(t *testing.T) {
			info, err := s2.Recv(0, &x.buf)
			expect(t, "kos_recv", status(err), zx.ErrBufferTooSmall)
			if info.Sizes != want || info.CallID != 0 {
				t.Fatalf("info %+v, want sizes %+v and no call id", info, want)
			}
		})
	}
	t.Run("request_kept", func(t *testing.T) {
		rb := buf(8, 8, 2)
		info, err := s2.Recv(0, &rb)
		ok(t, "kos_recv", err)
		if info.Method != 3 || info.Sizes != want || string(rb.Fixed) != "fixed..." || string(rb.Arena) != "arena..." {
			t.Fatalf("request %+v %q %q", info, rb.Fixed, rb.Arena)
		}
		ok(t, "kos_reply", s2.Reply(info.CallID, &zx.KosMsg{}))
		ok(t, "kos_call", <-res)
	})
}

// TestReplyErrors: the server handle needs ZX_RIGHT_WRITE; the call id
// must be one this server received and has not answered (NOT_FOUND); the
// reply obeys the message rules. Every failure leaves the call open.
func TestReplyErrors(t *testing.T) {
	c, s := connect(t)
	_, other := connect(t)
	u := newUserObject(t, 1)
	b := newBadge(t, 1, zx.HandleInvalid, 0)
	ev := newEvent(t)
	noXfer := kcopy(t, u.Handle, zx.RightDuplicate|spec0, zx.NoBadge)
	narrow := kcopy(t, u.Handle, zx.RightTransfer|spec0, zx.NoBadge)
	info, res := received(t, c.Handle, s, &zx.KosMsg{Endpoint: 1, Method: 2}, &zx.KosRecvBuf{Fixed: make([]byte, 8)})
	id := info.CallID
	send := func(d ...zx.KosHandleDesc) *zx.KosMsg { return &zx.KosMsg{Handles: d} }
	same := func(h zx.Handle) zx.KosHandleDesc { return zx.KosHandleDesc{Handle: h, Rights: zx.RightSameRights} }
	type replyCase struct {
		name string
		h    zx.Handle
		id   uint64
		msg  *zx.KosMsg    // through the wrapper
		args *zx.KosMsgBuf // raw, if set
		want zx.Status
	}
	cases := []replyCase{
		{"invalid", zx.HandleInvalid, id, &zx.KosMsg{}, nil, zx.ErrBadHandle},
		{"bad_value", badHandle, id, &zx.KosMsg{}, nil, zx.ErrBadHandle},
		{"closed", staleHandle(t), id, &zx.KosMsg{}, nil, zx.ErrBadHandle},
		{"revoked", revokedCopy(t, s.Handle), id, &zx.KosMsg{}, nil, zx.ErrHandleRevoked},
		{"event", ev, id, &zx.KosMsg{}, nil, zx.ErrWrongType},
		{"client", c.Handle, id, &zx.KosMsg{}, nil, zx.ErrWrongType},
		{"without_WRITE", kcopy(t, s.Handle, zx.RightRead|zx.RightDuplicate, zx.NoBadge), id, &zx.KosMsg{}, nil, zx.ErrAccessDenied},
		{"unknown_id", s.Handle, id + 1000, &zx.KosMsg{}, nil, zx.ErrNotFound},
		{"id_0", s.Handle, 0, &zx.KosMsg{}, nil, zx.ErrNotFound},
		{"id_of_another_server", other.Handle, id, &zx.KosMsg{}, nil, zx.ErrNotFound},
		{"fixed_4097", s.Handle, id, &zx.KosMsg{Fixed: make([]byte, zx.KosMaxFixedBytes+1)}, nil, zx.ErrOutOfRange},
		{"arena_65537", s.Handle, id, &zx.KosMsg{Arena: make([]byte, zx.KosMaxArenaBytes+1)}, nil, zx.ErrOutOfRange},
		{"65_handles", s.Handle, id, send(descs(u.Handle, zx.RightSameRights, zx.KosMaxHandles+1)...), nil, zx.ErrOutOfRange},
		{"args_reserved", s.Handle, id, nil, &zx.KosMsgBuf{Reserved: 1}, zx.ErrInvalidArgs},
		{"descriptor_reserved", s.Handle, id, send(zx.KosHandleDesc{Handle: u.Handle, Rights: zx.RightSameRights, Reserved: 1}), nil, zx.ErrInvalidArgs},
		{"send_invalid", s.Handle, id, send(same(zx.HandleInvalid)), nil, zx.ErrBadHandle},
		{"send_closed", s.Handle, id, send(same(staleHandle(t))), nil, zx.ErrBadHandle},
		{"send_revoked", s.Handle, id, send(same(revokedCopy(t, u.Handle))), nil, zx.ErrHandleRevoked},
		{"send_without_TRANSFER", s.Handle, id, send(same(noXfer)), nil, zx.ErrAccessDenied},
		{"send_rights_widened", s.Handle, id, send(zx.KosHandleDesc{Handle: narrow, Rights: zx.RightTransfer | spec1}), nil, zx.ErrInvalidArgs},
		{"send_badge_closed", s.Handle, id, send(zx.KosHandleDesc{Handle: u.Handle, Rights: zx.RightSameRights, Badge: staleHandle(t)}), nil, zx.ErrBadHandle},
		{"send_badge_revoked", s.Handle, id, send(zx.KosHandleDesc{Handle: u.Handle, Rights: zx.RightSameRights, Badge: revokedCopy(t, b.Handle)}), nil, zx.ErrHandleRevoked},
		{"send_badge_is_an_event", s.Handle, id, send(zx.KosHandleDesc{Handle: u.Handle, Rights: zx.RightSameRights, Badge: ev}), nil, zx.ErrWrongType},
		{"send_the_server", s.Handle, id, send(same(s.Handle)), nil, zx.ErrNotSupported},
		{"send_copy_of_the_server", s.Handle, id, send(same(kcopy(t, s.Handle, zx.RightSameRights, zx.NoBadge))), nil, zx.ErrNotSupported},
		{"second_descriptor_bad", s.Handle, id, send(same(u.Handle), same(badHandle)), nil, zx.ErrBadHandle},
	}
	for _, ba := range badAddrs {
		p := ptr(ba.Addr)
		cases = append(cases,
			replyCase{"bad_args_" + ba.Name, s.Handle, id, nil, (*zx.KosMsgBuf)(p), zx.ErrInvalidArgs},
			replyCase{"bad_fixed_" + ba.Name, s.Handle, id, nil, &zx.KosMsgBuf{Fixed: (*byte)(p), FixedLen: 4}, zx.ErrInvalidArgs},
			replyCase{"bad_arena_" + ba.Name, s.Handle, id, nil, &zx.KosMsgBuf{Arena: (*byte)(p), ArenaLen: 4}, zx.ErrInvalidArgs},
			replyCase{"bad_handles_" + ba.Name, s.Handle, id, nil, &zx.KosMsgBuf{Handles: p, NumHandles: 1}, zx.ErrInvalidArgs})
	}
	for _, x := range cases {
		t.Run(x.name, func(t *testing.T) {
			before := handleCount(t, u.Handle)
			st := zx.Status(0)
			if x.args != nil {
				st = zx.Sys_kos_reply(x.h, x.id, x.args)
			} else {
				st = status(zx.Server{Handle: x.h}.Reply(x.id, x.msg))
			}
			expect(t, "kos_reply", st, x.want)
			if n := handleCount(t, u.Handle); n != before {
				t.Fatalf("handles to the user object sent: %d -> %d", before, n)
			}
			select {
			case r := <-res:
				t.Fatalf("the call ended: %v", r.err)
			default:
			}
		})
	}
	t.Run("call_still_open", func(t *testing.T) {
		ok(t, "kos_reply", s.Reply(id, &zx.KosMsg{Fixed: []byte("ok")}))
		if r := result(t, res); r.err != nil || r.sizes.Fixed != 2 {
			t.Fatalf("call: %+v", r)
		}
	})
	t.Run("second_reply", func(t *testing.T) {
		expect(t, "kos_reply(answered)", status(s.Reply(id, &zx.KosMsg{})), zx.ErrNotFound)
	})
	t.Run("after_CANCELED", func(t *testing.T) {
		res := make(chan error, 1)
		go func() {
			_, err := c.Call(after(50*time.Millisecond), &zx.KosMsg{}, nil)
			res <- err
		}()
		info, err := s.Recv(after(20*time.Second), &zx.KosRecvBuf{})
		ok(t, "kos_recv", err)
		expect(t, "kos_call(no reply in time)", status(<-res), zx.ErrTimedOut)
		expect(t, "kos_reply(caller gone)", status(s.Reply(info.CallID, &zx.KosMsg{})), zx.ErrCanceled)
		expect(t, "kos_reply(again)", status(s.Reply(info.CallID, &zx.KosMsg{})), zx.ErrNotFound)
	})
}
