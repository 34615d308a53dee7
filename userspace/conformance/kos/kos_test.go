// Package kos is the conformance family for the KasperskyOS-style kos_*
// syscalls, run inside Beryl (go test -exec bin/zxrun): user
// objects and their context, badges, copies narrowing rights, revocation
// by subtree and by badge (ZX_ERR_HANDLE_REVOKED), connect / listener /
// callable, Call/Recv/Reply across threads with deadlines, dereferencing
// back to the provider (IsDereferenced / BadgeOp) and a dying server
// ending pending calls. One process mostly plays provider and client with
// separate handles: a handle sent to the process that owns its ancestor
// arrives dereferenced.
//
// errors_test.go and ipc_errors_test.go hold a case for every error status
// each kos syscall documents (kernel/object/kos's doc comments), through
// the real syscalls. Cases that need a second process (a provider that is
// not the caller, handles that arrive new, the boot IPC policy's process
// classes) relaunch this binary as a worker (workers_test.go): TestPolicy
// checks etc/policy (userspace/etc/policy, in the suite's bootfs and in
// zxrun's) and TestNoResources fills the handle table.
package kos

import (
	"testing"
	"time"

	"beryl/userspace/zx"
)

var (
	spec0    = zx.KosRightSpecific(0)
	spec1    = zx.KosRightSpecific(1)
	uoRights = zx.RightDuplicate | zx.RightTransfer | zx.RightInspect | spec0 | spec1
)

func newUserObject(t *testing.T, ctx uint64) zx.UserObject {
	t.Helper()
	u, err := zx.NewUserObject(uoRights, ctx, zx.HandleInvalid, 0)
	ok(t, "kos_user_object_create", err)
	closeLater(t, u.Handle)
	return u
}

func newBadge(t *testing.T, ctx uint64, port zx.Handle, key uint64) zx.Badge {
	t.Helper()
	b, err := zx.NewBadge(ctx, port, key)
	ok(t, "kos_badge_create", err)
	closeLater(t, b.Handle)
	return b
}

func kcopy(t *testing.T, h zx.Handle, r zx.Rights, b zx.Badge) zx.Handle {
	t.Helper()
	c, err := h.KosCopy(r, b)
	ok(t, "kos_handle_copy", err)
	closeLater(t, c)
	return c
}

func connect(t *testing.T) (zx.Client, zx.Server) {
	t.Helper()
	c, s, l, err := zx.Connect()
	ok(t, "kos_handle_connect", err)
	if l.Handle != s.Handle {
		t.Fatalf("kos_handle_connect(ZX_HANDLE_INVALID): server %#x and listener %#x differ", s.Handle, l.Handle)
	}
	closeLater(t, c.Handle, s.Handle)
	return c, s
}

func newPort(t *testing.T) zx.Port {
	t.Helper()
	p, err := zx.NewPort(0)
	ok(t, "port_create", err)
	closeLater(t, p.Handle)
	return p
}

func TestUserObject(t *testing.T) {
	t.Run("context", func(t *testing.T) {
		u := newUserObject(t, 0xc0ffee)
		ctx, err := u.Context()
		ok(t, "get_context", err)
		if ctx != 0xc0ffee {
			t.Fatalf("context %#x", ctx)
		}
		i := basic(t, u.Handle)
		if i.Type != zx.ObjTypeKosUserObject || i.Rights != uoRights {
			t.Fatalf("basic %+v", i)
		}
	})
	t.Run("errors", func(t *testing.T) {
		var h zx.Handle
		expect(t, "create(SAME_RIGHTS)", zx.Sys_kos_user_object_create(zx.RightSameRights, 1, zx.HandleInvalid, 0, &h), zx.ErrInvalidArgs)
		ev := newEvent(t)
		expect(t, "create(port=event)", zx.Sys_kos_user_object_create(uoRights, 1, ev, 0, &h), zx.ErrWrongType)
		var ctx uint64
		expect(t, "get_context(event)", zx.Sys_kos_user_object_get_context(ev, &ctx), zx.ErrWrongType)
		expect(t, "get_context(invalid)", zx.Sys_kos_user_object_get_context(zx.HandleInvalid, &ctx), zx.ErrBadHandle)
	})
	for _, ba := range badAddrs {
		t.Run("bad_out_"+ba.Name, func(t *testing.T) {
			before := typeCount(t, zx.ObjTypeKosUserObject)
			expect(t, "create(bad out)", zx.Sys_kos_user_object_create(uoRights, 1, zx.HandleInvalid, 0, hptr(ba.Addr)), zx.ErrInvalidArgs)
			u := newUserObject(t, 1)
			expect(t, "get_context(bad out)", zx.Sys_kos_user_object_get_context(u.Handle, (*uint64)(ptr(ba.Addr))), zx.ErrInvalidArgs)
			if n := typeCount(t, zx.ObjTypeKosUserObject); n != before+1 {
				t.Fatalf("user object handles %d -> %d", before, n)
			}
		})
	}
	t.Run("destroyed_packet", func(t *testing.T) {
		p := newPort(t)
		u, err := zx.NewUserObject(uoRights, 77, p.Handle, 5)
		ok(t, "create", err)
		c, err := u.Handle.KosCopy(zx.RightSameRights, zx.NoBadge)
		ok(t, "copy", err)
		ok(t, "close", u.Close())
		if _, err := p.Wait(after(20 * time.Millisecond)); status(err) != zx.ErrTimedOut {
			t.Fatalf("packet before the last handle went: %v", err)
		}
		ok(t, "close copy", c.Close())
		waitPacket(t, p, zx.PktTypeKosUserObjectDestroyed, 5, 77)
	})
}

func TestCopyAndRevoke(t *testing.T) {
	t.Run("copy_narrows", func(t *testing.T) {
		u := newUserObject(t, 1)
		c := kcopy(t, u.Handle, zx.RightDuplicate|spec0, zx.NoBadge)
		if r := basic(t, c).Rights; r != zx.RightDuplicate|spec0 {
			t.Fatalf("copy rights %#x", r)
		}
		var h zx.Handle
		expect(t, "copy(wider)", zx.Sys_kos_handle_copy(c, spec1, zx.HandleInvalid, &h), zx.ErrInvalidArgs)
		nodup := kcopy(t, u.Handle, zx.RightTransfer, zx.NoBadge)
		expect(t, "copy(no DUPLICATE)", zx.Sys_kos_handle_copy(nodup, zx.RightSameRights, zx.HandleInvalid, &h), zx.ErrAccessDenied)
		expect(t, "copy(badge=event)", zx.Sys_kos_handle_copy(u.Handle, zx.RightSameRights, newEvent(t), &h), zx.ErrWrongType)
		for _, ba := range badAddrs {
			expect(t, "copy(bad out "+ba.Name+")", zx.Sys_kos_handle_copy(u.Handle, zx.RightSameRights, zx.HandleInvalid, hptr(ba.Addr)), zx.ErrInvalidArgs)
		}
		// Zircon handles can be kos-copied too, and stay in the tree.
		ev := newEvent(t)
		evc := kcopy(t, ev, zx.RightSignal|zx.RightDuplicate, zx.NoBadge)
		ok(t, "signal copy", zx.Handle(evc).Signal(0, zx.SignalUser0))
		ok(t, "revoke event descendants", ev.Revoke(0))
		expect(t, "signal revoked", status(zx.Handle(evc).Signal(0, zx.SignalUser1)), zx.ErrHandleRevoked)
	})
	t.Run("revoke_subtree_by_badge", func(t *testing.T) {
		p := newPort(t)
		u := newUserObject(t, 1)
		b := newBadge(t, 42, p.Handle, 9)
		tagged := kcopy(t, u.Handle, zx.RightSameRights, b)
		child := kcopy(t, tagged, zx.RightSameRights, zx.NoBadge)
		plain := kcopy(t, u.Handle, zx.RightSameRights, zx.NoBadge)
		ok(t, "revoke_subtree", u.Handle.RevokeSubtree(b))
		var ctx uint64
		for _, h := range []zx.Handle{tagged, child} {
			expect(t, "get_context(revoked)", zx.Sys_kos_user_object_get_context(h, &ctx), zx.ErrHandleRevoked)
			expect(t, "copy(revoked)", zx.Sys_kos_handle_copy(h, zx.RightSameRights, zx.HandleInvalid, new(zx.Handle)), zx.ErrHandleRevoked)
			_, err := h.Duplicate(zx.RightSameRights)
			expect(t, "duplicate(revoked)", status(err), zx.ErrHandleRevoked)
			_, err = h.WaitOne(zx.SignalUser0, 0)
			expect(t, "wait_one(revoked)", status(err), zx.ErrHandleRevoked)
		}
		expect(t, "get_context(untagged)", zx.Sys_kos_user_object_get_context(plain, &ctx), zx.OK)
		waitPacket(t, p, zx.PktTypeKosBadgeClosed, 9, 42)
		expect(t, "revoke_subtree(no badge)", zx.Sys_kos_handle_revoke_subtree(u.Handle, zx.HandleInvalid), zx.ErrBadHandle)
		expect(t, "revoke_subtree(badge=event)", zx.Sys_kos_handle_revoke_subtree(u.Handle, newEvent(t)), zx.ErrWrongType)
	})
	t.Run("revoke_all_and_close", func(t *testing.T) {
		u, err := zx.NewUserObject(uoRights, 3, zx.HandleInvalid, 0)
		ok(t, "create", err)
		c := kcopy(t, u.Handle, zx.RightSameRights, zx.NoBadge)
		gc := kcopy(t, c, zx.RightSameRights, zx.NoBadge)
		expect(t, "revoke(bad options)", zx.Sys_kos_handle_revoke(u.Handle, 2), zx.ErrInvalidArgs)
		ok(t, "revoke", u.Handle.Revoke(0))
		var ctx uint64
		expect(t, "get_context(copy)", zx.Sys_kos_user_object_get_context(c, &ctx), zx.ErrHandleRevoked)
		expect(t, "get_context(grandchild)", zx.Sys_kos_user_object_get_context(gc, &ctx), zx.ErrHandleRevoked)
		expect(t, "revoke(revoked)", zx.Sys_kos_handle_revoke(c, 0), zx.ErrHandleRevoked)
		ok(t, "get_context(root)", status2(u.Context()))
		ok(t, "revoke+close", u.Handle.Revoke(zx.KosRevokeClose))
		expect(t, "get_context(closed root)", zx.Sys_kos_user_object_get_context(u.Handle, &ctx), zx.ErrBadHandle)
		ok(t, "close revoked", zx.Handle(c).Close())
	})
}

func status2(_ uint64, err error) error { return err }

func TestConnect(t *testing.T) {
	t.Run("pair", func(t *testing.T) {
		c, s := connect(t)
		if basic(t, c.Handle).Type != zx.ObjTypeKosClient || basic(t, s.Handle).Type != zx.ObjTypeKosServer {
			t.Fatalf("types %d %d", basic(t, c.Handle).Type, basic(t, s.Handle).Type)
		}
		if r := basic(t, s.Handle).Rights; r != listenerRights {
			t.Fatalf("server (= listener) rights %#x, want %#x", r, listenerRights)
		}
		var a, b, l zx.Handle
		expect(t, "connect(options)", zx.Sys_kos_handle_connect(zx.HandleInvalid, 1, &a, &b, &l), zx.ErrInvalidArgs)
		expect(t, "connect(event)", zx.Sys_kos_handle_connect(newEvent(t), 0, &a, &b, &l), zx.ErrWrongType)
		for _, ba := range badAddrs {
			before := typeCount(t, zx.ObjTypeKosClient)
			expect(t, "connect(bad client)", zx.Sys_kos_handle_connect(zx.HandleInvalid, 0, hptr(ba.Addr), &b, &l), zx.ErrInvalidArgs)
			expect(t, "connect(bad server)", zx.Sys_kos_handle_connect(zx.HandleInvalid, 0, &a, hptr(ba.Addr), &l), zx.ErrInvalidArgs)
			expect(t, "connect(bad listener)", zx.Sys_kos_handle_connect(zx.HandleInvalid, 0, &a, &b, hptr(ba.Addr)), zx.ErrInvalidArgs)
			if n := typeCount(t, zx.ObjTypeKosClient); n != before {
				t.Fatalf("client handles %d -> %d", before, n)
			}
		}
	})
	t.Run("listener", func(t *testing.T) {
		l, err := zx.NewListener()
		ok(t, "listener_create", err)
		closeLater(t, l.Handle)
		if r := basic(t, l.Handle).Rights; r&zx.KosRightListen == 0 {
			t.Fatalf("listener rights %#x", r)
		}
		var a, b, lo zx.Handle
		ok(t, "connect(listener)", zx.Sys_kos_handle_connect(l.Handle, 0, &a, &b, &lo).Err())
		closeLater(t, a, b)
		if lo != l.Handle || b == l.Handle || basic(t, a).Type != zx.ObjTypeKosClient || basic(t, b).Type != zx.ObjTypeKosServer {
			t.Fatalf("client %v server %v listener %v (given %v)", a, b, lo, l.Handle)
		}
		if r := basic(t, b).Rights; r != ipcRights {
			t.Fatalf("server handle of a listener: rights %#x, want %#x", r, ipcRights)
		}
		expect(t, "listener_create(options)", zx.Sys_kos_listener_create(1, &a), zx.ErrInvalidArgs)
	})
}

// serve runs one Recv (+ Reply with reply, unless nil) on s in a new
// thread and reports the request.
type served struct {
	info  zx.KosRecvInfo
	fixed string
	arena string
	hs    []zx.KosRecvHandle
	err   error
	reply error
}

func serve(s zx.Server, deadline zx.Time, reply *zx.KosMsg) <-chan served {
	ch := make(chan served, 1)
	go func() {
		rb := zx.KosRecvBuf{Fixed: make([]byte, 64), Arena: make([]byte, 64), Handles: make([]zx.KosRecvHandle, 4)}
		info, err := s.Recv(deadline, &rb)
		r := served{info: info, err: err}
		if err == nil {
			r.fixed, r.arena = string(rb.Fixed[:info.Sizes.Fixed]), string(rb.Arena[:info.Sizes.Arena])
			r.hs = rb.Handles[:info.Sizes.Handles]
			if reply != nil {
				r.reply = s.Reply(info.CallID, reply)
			}
		}
		ch <- r
	}()
	return ch
}

func TestCallRecvReply(t *testing.T) {
	t.Run("echo", func(t *testing.T) {
		c, s := connect(t)
		done := serve(s, zx.TimeInfinite, &zx.KosMsg{Fixed: []byte("pong"), Arena: []byte("reply-arena")})
		rd := zx.KosRecvBuf{Fixed: make([]byte, 16), Arena: make([]byte, 16)}
		sz, err := c.Call(zx.TimeInfinite, &zx.KosMsg{Endpoint: 3, Method: 4, Fixed: []byte("ping"), Arena: []byte("arena")}, &rd)
		ok(t, "call", err)
		r := <-done
		ok(t, "recv", r.err)
		ok(t, "reply", r.reply)
		if r.info.Endpoint != 3 || r.info.Method != 4 || r.fixed != "ping" || r.arena != "arena" || r.info.CallID == 0 ||
			r.info.ClientKoid != basic(t, c.Handle).Koid || r.info.CallerKoid != basic(t, zx.ProcessSelf().Handle).Koid {
			t.Fatalf("request %+v %q %q", r.info, r.fixed, r.arena)
		}
		if sz != (zx.KosSizes{Fixed: 4, Arena: 11}) || string(rd.Fixed[:4]) != "pong" || string(rd.Arena[:11]) != "reply-arena" {
			t.Fatalf("reply sizes %+v %q %q", sz, rd.Fixed[:sz.Fixed], rd.Arena[:sz.Arena])
		}
	})
	t.Run("dereference_and_badge_op", func(t *testing.T) {
		c, s := connect(t)
		u := newUserObject(t, 0x1234)
		b := newBadge(t, 0xbad9e, zx.HandleInvalid, 0)
		done := serve(s, zx.TimeInfinite, &zx.KosMsg{})
		_, err := c.Call(zx.TimeInfinite, &zx.KosMsg{Handles: []zx.KosHandleDesc{
			{Handle: u.Handle, Rights: zx.RightTransfer | spec0, Badge: b.Handle},
			{Handle: u.Handle, Rights: zx.RightTransfer},
		}}, nil)
		ok(t, "call", err)
		r := <-done
		ok(t, "recv", r.err)
		if len(r.hs) != 2 {
			t.Fatalf("%d handles", len(r.hs))
		}
		h := r.hs[0]
		if !h.IsDereferenced() || h.Handle != u.Handle || h.Type != zx.ObjTypeKosUserObject || h.Rights != zx.RightTransfer|spec0 {
			t.Fatalf("handle %+v (u %v)", h, u.Handle)
		}
		if ctx, err := h.BadgeOp(spec0); err != nil || ctx != 0xbad9e {
			t.Fatalf("BadgeOp(spec0) = %#x, %v", ctx, err)
		}
		if _, err := h.BadgeOp(spec1); status(err) != zx.ErrAccessDenied {
			t.Fatalf("BadgeOp(spec1) = %v", err)
		}
		if _, err := r.hs[1].BadgeOp(zx.RightTransfer); status(err) != zx.ErrNotFound {
			t.Fatalf("BadgeOp(no badge) = %v", err)
		}
		var plain zx.KosRecvHandle
		if _, err := plain.BadgeOp(0); status(err) != zx.ErrBadState {
			t.Fatalf("BadgeOp(not dereferenced) = %v", err)
		}
	})
	t.Run("callable", func(t *testing.T) {
		l, err := zx.NewListener()
		ok(t, "listener", err)
		closeLater(t, l.Handle)
		var h zx.Handle
		expect(t, "callable(invalid endpoint)", zx.Sys_kos_callable_create(zx.RightTransfer, 1, l.Handle, zx.KosEndpointInvalid, &h), zx.ErrInvalidArgs)
		cb, err := zx.NewCallable(zx.RightTransfer|zx.RightDuplicate, 5, l.Server, 9)
		ok(t, "callable_create", err)
		closeLater(t, cb.Handle)
		done := serve(l.Server, zx.TimeInfinite, &zx.KosMsg{Fixed: []byte("ok")})
		_, err = cb.Call(zx.TimeInfinite, &zx.KosMsg{Endpoint: 1, Method: 2}, &zx.KosRecvBuf{Fixed: make([]byte, 2)})
		ok(t, "call(callable)", err)
		r := <-done
		if r.err != nil || r.info.Endpoint != 9 || r.info.Method != 2 || r.info.ClientKoid != 0 {
			t.Fatalf("request %+v %v", r.info, r.err)
		}
		ctx, err := cb.Context()
		if err != nil || ctx != 5 {
			t.Fatalf("callable context %d %v", ctx, err)
		}
	})
	t.Run("listener_serves_many", func(t *testing.T) {
		l, err := zx.NewListener()
		ok(t, "listener", err)
		closeLater(t, l.Handle)
		for i := 0; i < 3; i++ {
			c, s, err := l.Connect()
			ok(t, "connect", err)
			closeLater(t, c.Handle, s.Handle)
			done := serve(l.Server, zx.TimeInfinite, &zx.KosMsg{})
			_, err = c.Call(zx.TimeInfinite, &zx.KosMsg{Method: uint32(i)}, nil)
			ok(t, "call", err)
			if r := <-done; r.err != nil || r.info.Method != uint32(i) || r.info.ClientKoid != basic(t, c.Handle).Koid {
				t.Fatalf("request %d: %+v %v", i, r.info, r.err)
			}
		}
	})
	t.Run("deadlines", func(t *testing.T) {
		c, s := connect(t)
		_, err := c.Call(after(20*time.Millisecond), &zx.KosMsg{}, nil)
		expect(t, "call(nobody receives)", status(err), zx.ErrTimedOut)
		_, err = s.Recv(after(10*time.Millisecond), &zx.KosRecvBuf{})
		expect(t, "recv(timed-out call gone)", status(err), zx.ErrTimedOut)
		_, err = s.Recv(0, &zx.KosRecvBuf{})
		expect(t, "recv(past deadline)", status(err), zx.ErrTimedOut)
		// The caller gives up after the server received: Reply is CANCELED.
		done := serve(s, zx.TimeInfinite, nil)
		_, err = c.Call(after(30*time.Millisecond), &zx.KosMsg{}, nil)
		expect(t, "call(no reply)", status(err), zx.ErrTimedOut)
		r := <-done
		ok(t, "recv", r.err)
		expect(t, "reply(caller gone)", status(s.Reply(r.info.CallID, &zx.KosMsg{})), zx.ErrCanceled)
		expect(t, "reply(unknown id)", status(s.Reply(0xdead, &zx.KosMsg{})), zx.ErrNotFound)
	})
	t.Run("buffer_too_small", func(t *testing.T) {
		c, s := connect(t)
		res := make(chan error, 1)
		var sz zx.KosSizes
		go func() {
			var err error
			sz, err = c.Call(zx.TimeInfinite, &zx.KosMsg{Fixed: []byte("0123456789")}, &zx.KosRecvBuf{Fixed: make([]byte, 2)})
			res <- err
		}()
		var info zx.KosRecvInfo
		var err error
		for {
			info, err = s.Recv(after(time.Second), &zx.KosRecvBuf{Fixed: make([]byte, 4)})
			if status(err) != zx.ErrTimedOut {
				break
			}
		}
		expect(t, "recv(small)", status(err), zx.ErrBufferTooSmall)
		if info.Sizes.Fixed != 10 {
			t.Fatalf("sizes %+v", info.Sizes)
		}
		r := <-serve(s, zx.TimeInfinite, &zx.KosMsg{Fixed: []byte("long reply")})
		if r.err != nil || r.fixed != "0123456789" || status(r.reply) != zx.ErrBufferTooSmall {
			t.Fatalf("kept request: %q %v %v", r.fixed, r.err, r.reply)
		}
		expect(t, "call(reply too big)", status(<-res), zx.ErrBufferTooSmall)
		if sz.Fixed != 10 {
			t.Fatalf("reply sizes %+v", sz)
		}
	})
	t.Run("bad_pointers", func(t *testing.T) {
		c, s := connect(t)
		for _, ba := range badAddrs {
			expect(t, "call(bad args)", zx.Sys_kos_call(c.Handle, 0, (*zx.KosCallArgs)(ptr(ba.Addr)), nil), zx.ErrInvalidArgs)
			args := zx.KosCallArgs{Wr: zx.KosMsgBuf{Fixed: (*byte)(ptr(ba.Addr)), FixedLen: 4}}
			expect(t, "call(bad fixed)", zx.Sys_kos_call(c.Handle, 0, &args, nil), zx.ErrInvalidArgs)
			args = zx.KosCallArgs{Rd: zx.KosMsgBuf{Arena: (*byte)(ptr(ba.Addr)), ArenaLen: 4}}
			expect(t, "call(bad rd arena)", zx.Sys_kos_call(c.Handle, 0, &args, nil), zx.ErrInvalidArgs)
			args = zx.KosCallArgs{Wr: zx.KosMsgBuf{Handles: ptr(ba.Addr), NumHandles: 1}}
			expect(t, "call(bad handles)", zx.Sys_kos_call(c.Handle, 0, &args, nil), zx.ErrInvalidArgs)
			args = zx.KosCallArgs{}
			expect(t, "call(bad sizes)", zx.Sys_kos_call(c.Handle, 0, &args, (*zx.KosSizes)(ptr(ba.Addr))), zx.ErrInvalidArgs)
			var buf zx.KosMsgBuf
			expect(t, "recv(bad info)", zx.Sys_kos_recv(s.Handle, 0, 0, &buf, (*zx.KosRecvInfo)(ptr(ba.Addr))), zx.ErrInvalidArgs)
			var info zx.KosRecvInfo
			expect(t, "recv(bad args)", zx.Sys_kos_recv(s.Handle, 0, 0, (*zx.KosMsgBuf)(ptr(ba.Addr)), &info), zx.ErrInvalidArgs)
			expect(t, "reply(bad args)", zx.Sys_kos_reply(s.Handle, 1, (*zx.KosMsgBuf)(ptr(ba.Addr))), zx.ErrInvalidArgs)
		}
		args := zx.KosCallArgs{Wr: zx.KosMsgBuf{Reserved: 1}}
		expect(t, "call(reserved)", zx.Sys_kos_call(c.Handle, 0, &args, nil), zx.ErrInvalidArgs)
		args = zx.KosCallArgs{Wr: zx.KosMsgBuf{FixedLen: zx.KosMaxFixedBytes + 1}}
		expect(t, "call(fixed too big)", zx.Sys_kos_call(c.Handle, 0, &args, nil), zx.ErrOutOfRange)
		// Nothing was queued by any of them.
		_, err := s.Recv(0, &zx.KosRecvBuf{})
		expect(t, "recv(nothing queued)", status(err), zx.ErrTimedOut)
		var info zx.KosRecvInfo
		var buf zx.KosMsgBuf
		expect(t, "recv(options)", zx.Sys_kos_recv(s.Handle, 1, 0, &buf, &info), zx.ErrInvalidArgs)
		expect(t, "recv(client)", zx.Sys_kos_recv(c.Handle, 0, 0, &buf, &info), zx.ErrWrongType)
		expect(t, "call(server)", zx.Sys_kos_call(s.Handle, 0, &zx.KosCallArgs{}, nil), zx.ErrWrongType)
	})
	t.Run("send_own_channel", func(t *testing.T) {
		c, _ := connect(t)
		_, err := c.Call(0, &zx.KosMsg{Handles: []zx.KosHandleDesc{{Handle: c.Handle, Rights: zx.RightSameRights}}}, nil)
		expect(t, "call(sending its own client)", status(err), zx.ErrNotSupported)
	})
}

func TestLifetime(t *testing.T) {
	t.Run("dying_server_ends_pending_calls", func(t *testing.T) {
		c, s, _, err := zx.Connect()
		ok(t, "connect", err)
		closeLater(t, c.Handle)
		res := make(chan error, 2)
		for i := 0; i < 2; i++ {
			go func() {
				_, err := c.Call(zx.TimeInfinite, &zx.KosMsg{}, nil)
				res <- err
			}()
		}
		// Receive one (it stays unreplied), leave the other queued.
		var err1 error
		for {
			_, err1 = s.Recv(after(time.Second), &zx.KosRecvBuf{})
			if status(err1) != zx.ErrTimedOut {
				break
			}
		}
		ok(t, "recv", err1)
		time.Sleep(20 * time.Millisecond)
		ok(t, "close server", s.Close())
		for i := 0; i < 2; i++ {
			expect(t, "pending call", status(<-res), zx.ErrPeerClosed)
		}
		_, err = c.Call(zx.TimeInfinite, &zx.KosMsg{}, nil)
		expect(t, "call(server gone)", status(err), zx.ErrPeerClosed)
	})
	t.Run("clients_gone", func(t *testing.T) {
		c, s, _, err := zx.Connect()
		ok(t, "connect", err)
		closeLater(t, s.Handle)
		done := serve(s, zx.TimeInfinite, nil)
		time.Sleep(10 * time.Millisecond)
		ok(t, "close client", c.Close())
		expect(t, "recv(clients gone)", status((<-done).err), zx.ErrPeerClosed)
	})
	t.Run("client_closed_under_call", func(t *testing.T) {
		c, s, _, err := zx.Connect()
		ok(t, "connect", err)
		closeLater(t, s.Handle)
		res := make(chan error, 1)
		go func() {
			_, err := c.Call(zx.TimeInfinite, &zx.KosMsg{}, nil)
			res <- err
		}()
		r := <-serve(s, zx.TimeInfinite, nil)
		ok(t, "recv", r.err)
		ok(t, "close client", c.Close())
		expect(t, "call(client closed)", status(<-res), zx.ErrCanceled)
		expect(t, "reply(client closed)", status(s.Reply(r.info.CallID, &zx.KosMsg{})), zx.ErrCanceled)
	})
	t.Run("server_closed_under_recv", func(t *testing.T) {
		// The close must find the receiver blocked, which this process
		// cannot observe: a recv that started only after the close
		// (its goroutine ran late on another CPU) rightly gets
		// BAD_HANDLE, and the case is tried again with a longer wait.
		var err error
		for _, wait := range []time.Duration{10 * time.Millisecond, 50 * time.Millisecond, 250 * time.Millisecond} {
			var l zx.Listener
			l, err = zx.NewListener()
			ok(t, "listener", err)
			done := serve(l.Server, zx.TimeInfinite, nil)
			time.Sleep(wait)
			ok(t, "close listener", l.Close())
			if err = (<-done).err; status(err) != zx.ErrBadHandle {
				break
			}
		}
		expect(t, "recv(handle closed)", status(err), zx.ErrCanceled)
	})
}
