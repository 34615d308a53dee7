package kos

import (
	"testing"

	"beryl/userspace/zx"
)

// The error statuses of the kos object syscalls (65..73), one case per
// documented status and argument, as kernel/object/kos's doc comments and
// host tests list them. A failing call creates nothing and writes no out
// parameter; a handle argument is bad (BAD_HANDLE) when invalid, never a
// handle value or closed, revoked (HANDLE_REVOKED: its ancestor's
// descendants were revoked), of the wrong type (WRONG_TYPE) or short of a
// right (ACCESS_DENIED).

// TestUserObjectCreateErrors: the rights mask is bits 0..30 (generic and
// provider-specific; ZX_RIGHT_SAME_RIGHTS is no right to give); the
// optional notification port needs ZX_RIGHT_WRITE.
func TestUserObjectCreateErrors(t *testing.T) {
	port := newPort(t)
	noWrite := kcopy(t, port.Handle, zx.RightRead|zx.RightDuplicate|zx.RightTransfer|zx.RightInspect, zx.NoBadge)
	for _, c := range []struct {
		name   string
		rights zx.Rights
		port   zx.Handle
		want   zx.Status
	}{
		{"every_generic_and_specific_right", zx.KosRightsGeneric | zx.KosRightsSpecific, zx.HandleInvalid, zx.OK},
		{"no_rights", 0, zx.HandleInvalid, zx.OK},
		{"with_port", uoRights, port.Handle, zx.OK},
		{"SAME_RIGHTS", zx.RightSameRights, zx.HandleInvalid, zx.ErrInvalidArgs},
		{"bit_31_with_others", zx.RightSameRights | zx.RightTransfer, zx.HandleInvalid, zx.ErrInvalidArgs},
		{"port_bad_value", uoRights, badHandle, zx.ErrBadHandle},
		{"port_closed", uoRights, staleHandle(t), zx.ErrBadHandle},
		{"port_revoked", uoRights, revokedCopy(t, port.Handle), zx.ErrHandleRevoked},
		{"port_is_an_event", uoRights, newEvent(t), zx.ErrWrongType},
		{"port_is_a_badge", uoRights, newBadge(t, 1, zx.HandleInvalid, 0).Handle, zx.ErrWrongType},
		{"port_without_WRITE", uoRights, noWrite, zx.ErrAccessDenied},
	} {
		t.Run(c.name, func(t *testing.T) {
			createCase(t, "kos_user_object_create", zx.ObjTypeKosUserObject, c.rights, c.want, func(out *zx.Handle) zx.Status {
				return zx.Sys_kos_user_object_create(c.rights, 7, c.port, 1, out)
			})
		})
	}
}

// TestUserObjectGetContextErrors: no right is needed, only being the
// provider (the process that created the object; a callable is a user
// object too).
func TestUserObjectGetContextErrors(t *testing.T) {
	u := newUserObject(t, 0x600d)
	c, _ := connect(t)
	cb := newCallable(t, 0, 0xca11, newListener(t).Server, 1)
	foreign := providedByWorker(t)
	for _, x := range []struct {
		name string
		h    zx.Handle
		want zx.Status
		ctx  uint64
	}{
		{"provider", u.Handle, zx.OK, 0x600d},
		{"copy_without_rights", kcopy(t, u.Handle, 0, zx.NoBadge), zx.OK, 0x600d},
		{"callable", cb.Handle, zx.OK, 0xca11},
		{"invalid", zx.HandleInvalid, zx.ErrBadHandle, 0},
		{"bad_value", badHandle, zx.ErrBadHandle, 0},
		{"closed", staleHandle(t), zx.ErrBadHandle, 0},
		{"revoked", revokedCopy(t, u.Handle), zx.ErrHandleRevoked, 0},
		{"event", newEvent(t), zx.ErrWrongType, 0},
		{"badge", newBadge(t, 3, zx.HandleInvalid, 0).Handle, zx.ErrWrongType, 0},
		{"client", c.Handle, zx.ErrWrongType, 0},
		{"not_the_provider", foreign, zx.ErrAccessDenied, 0},
	} {
		t.Run(x.name, func(t *testing.T) {
			ctx := uint64(0xffff)
			expect(t, "kos_user_object_get_context", zx.Sys_kos_user_object_get_context(x.h, &ctx), x.want)
			if x.want != zx.OK {
				x.ctx = 0xffff // untouched
			}
			if ctx != x.ctx {
				t.Fatalf("context %#x, want %#x", ctx, x.ctx)
			}
		})
	}
}

// TestCallableCreateErrors: the server is a server or listener handle with
// ZX_RIGHT_READ; the endpoint is any but KOS_ENDPOINT_INVALID; the rights
// are a user object's.
func TestCallableCreateErrors(t *testing.T) {
	l := newListener(t)
	c, s := connect(t)
	u := newUserObject(t, 1)
	for _, x := range []struct {
		name     string
		rights   zx.Rights
		server   zx.Handle
		endpoint uint32
		want     zx.Status
	}{
		{"listener", zx.RightTransfer | spec0, l.Handle, 1, zx.OK},
		{"plain_server", zx.RightTransfer, s.Handle, 2, zx.OK},
		{"endpoint_0_no_rights", 0, l.Handle, 0, zx.OK},
		{"server_with_READ_only", zx.RightDuplicate, kcopy(t, l.Handle, zx.RightRead, zx.NoBadge), 3, zx.OK},
		{"endpoint_invalid", zx.RightTransfer, l.Handle, zx.KosEndpointInvalid, zx.ErrInvalidArgs},
		{"SAME_RIGHTS", zx.RightSameRights, l.Handle, 1, zx.ErrInvalidArgs},
		{"server_invalid", zx.RightTransfer, zx.HandleInvalid, 1, zx.ErrBadHandle},
		{"server_bad_value", zx.RightTransfer, badHandle, 1, zx.ErrBadHandle},
		{"server_closed", zx.RightTransfer, staleHandle(t), 1, zx.ErrBadHandle},
		{"server_revoked", zx.RightTransfer, revokedCopy(t, l.Handle), 1, zx.ErrHandleRevoked},
		{"server_is_an_event", zx.RightTransfer, newEvent(t), 1, zx.ErrWrongType},
		{"server_is_a_client", zx.RightTransfer, c.Handle, 1, zx.ErrWrongType},
		{"server_is_a_user_object", zx.RightTransfer, u.Handle, 1, zx.ErrWrongType},
		{"server_without_READ", zx.RightTransfer, kcopy(t, l.Handle, zx.RightWrite|zx.RightDuplicate, zx.NoBadge), 1, zx.ErrAccessDenied},
	} {
		t.Run(x.name, func(t *testing.T) {
			createCase(t, "kos_callable_create", zx.ObjTypeKosUserObject, x.rights, x.want, func(out *zx.Handle) zx.Status {
				return zx.Sys_kos_callable_create(x.rights, 9, x.server, x.endpoint, out)
			})
		})
	}
	badOutCases(t, "kos_callable_create", zx.ObjTypeKosUserObject, func(out *zx.Handle) zx.Status {
		return zx.Sys_kos_callable_create(zx.RightTransfer, 1, l.Handle, 1, out)
	})
}

// TestBadgeCreateErrors: the optional notification port needs
// ZX_RIGHT_WRITE; a badge handle has DUPLICATE, TRANSFER and INSPECT.
func TestBadgeCreateErrors(t *testing.T) {
	port := newPort(t)
	noWrite := kcopy(t, port.Handle, zx.RightRead|zx.RightDuplicate|zx.RightTransfer|zx.RightInspect, zx.NoBadge)
	for _, x := range []struct {
		name string
		port zx.Handle
		want zx.Status
	}{
		{"no_port", zx.HandleInvalid, zx.OK},
		{"with_port", port.Handle, zx.OK},
		{"port_bad_value", badHandle, zx.ErrBadHandle},
		{"port_closed", staleHandle(t), zx.ErrBadHandle},
		{"port_revoked", revokedCopy(t, port.Handle), zx.ErrHandleRevoked},
		{"port_is_an_event", newEvent(t), zx.ErrWrongType},
		{"port_is_a_user_object", newUserObject(t, 1).Handle, zx.ErrWrongType},
		{"port_without_WRITE", noWrite, zx.ErrAccessDenied},
	} {
		t.Run(x.name, func(t *testing.T) {
			createCase(t, "kos_badge_create", zx.ObjTypeKosBadge, badgeRights, x.want, func(out *zx.Handle) zx.Status {
				return zx.Sys_kos_badge_create(5, x.port, 1, out)
			})
		})
	}
	badOutCases(t, "kos_badge_create", zx.ObjTypeKosBadge, func(out *zx.Handle) zx.Status {
		return zx.Sys_kos_badge_create(1, zx.HandleInvalid, 0, out)
	})
}

// TestHandleCopyErrors: the source needs ZX_RIGHT_DUPLICATE, the rights a
// subset of its own (ZX_RIGHT_SAME_RIGHTS: all), the optional badge is a
// badge handle (no right needed).
func TestHandleCopyErrors(t *testing.T) {
	u := newUserObject(t, 1)
	b := newBadge(t, 2, zx.HandleInvalid, 0)
	ev := newEvent(t)
	noDup := kcopy(t, u.Handle, zx.RightTransfer|spec0, zx.NoBadge)
	narrow := kcopy(t, u.Handle, zx.RightDuplicate|spec0, zx.NoBadge)
	for _, x := range []struct {
		name       string
		h          zx.Handle
		rights     zx.Rights
		badge      zx.Handle
		want       zx.Status
		wantRights zx.Rights
	}{
		{"same_rights", u.Handle, zx.RightSameRights, zx.HandleInvalid, zx.OK, uoRights},
		{"narrowed", u.Handle, zx.RightDuplicate | spec1, zx.HandleInvalid, zx.OK, zx.RightDuplicate | spec1},
		{"no_rights", u.Handle, 0, zx.HandleInvalid, zx.OK, 0},
		{"under_a_badge", u.Handle, zx.RightSameRights, b.Handle, zx.OK, uoRights},
		{"zircon_event", ev, zx.RightDuplicate | zx.RightSignal, zx.HandleInvalid, zx.OK, zx.RightDuplicate | zx.RightSignal},
		{"invalid", zx.HandleInvalid, zx.RightSameRights, zx.HandleInvalid, zx.ErrBadHandle, 0},
		{"bad_value", badHandle, zx.RightSameRights, zx.HandleInvalid, zx.ErrBadHandle, 0},
		{"closed", staleHandle(t), zx.RightSameRights, zx.HandleInvalid, zx.ErrBadHandle, 0},
		{"revoked", revokedCopy(t, u.Handle), zx.RightSameRights, zx.HandleInvalid, zx.ErrHandleRevoked, 0},
		{"without_DUPLICATE", noDup, zx.RightSameRights, zx.HandleInvalid, zx.ErrAccessDenied, 0},
		{"rights_widened", narrow, spec1, zx.HandleInvalid, zx.ErrInvalidArgs, 0},
		{"rights_widened_generic", narrow, zx.RightDuplicate | zx.RightWrite, zx.HandleInvalid, zx.ErrInvalidArgs, 0},
		{"badge_bad_value", u.Handle, zx.RightSameRights, badHandle, zx.ErrBadHandle, 0},
		{"badge_closed", u.Handle, zx.RightSameRights, staleHandle(t), zx.ErrBadHandle, 0},
		{"badge_revoked", u.Handle, zx.RightSameRights, revokedCopy(t, b.Handle), zx.ErrHandleRevoked, 0},
		{"badge_is_an_event", u.Handle, zx.RightSameRights, ev, zx.ErrWrongType, 0},
		{"badge_is_a_user_object", u.Handle, zx.RightSameRights, newUserObject(t, 3).Handle, zx.ErrWrongType, 0},
	} {
		t.Run(x.name, func(t *testing.T) {
			obj := u.Handle
			if x.h == ev {
				obj = ev
			}
			before := handleCount(t, obj)
			h := zx.HandleInvalid
			expect(t, "kos_handle_copy", zx.Sys_kos_handle_copy(x.h, x.rights, x.badge, &h), x.want)
			if x.want != zx.OK {
				if n := handleCount(t, obj); h != zx.HandleInvalid || n != before {
					t.Fatalf("failed copy wrote %#x, handles to the object %d -> %d", h, before, n)
				}
				return
			}
			closeLater(t, h)
			if r := basic(t, h).Rights; r != x.wantRights || handleCount(t, obj) != before+1 {
				t.Fatalf("copy rights %#x (want %#x), handles %d -> %d", r, x.wantRights, before, handleCount(t, obj))
			}
		})
	}
}

// TestHandleRevokeErrors: no right is needed; options is 0 or
// KOS_REVOKE_CLOSE. A failed revoke revokes nothing (and closes nothing).
func TestHandleRevokeErrors(t *testing.T) {
	u := newUserObject(t, 1)
	child := kcopy(t, u.Handle, zx.RightSameRights, zx.NoBadge)
	for _, x := range []struct {
		name    string
		h       zx.Handle
		options uint32
		want    zx.Status
	}{
		{"options_2", u.Handle, 2, zx.ErrInvalidArgs},
		{"options_all_bits", u.Handle, ^uint32(0), zx.ErrInvalidArgs},
		{"invalid", zx.HandleInvalid, 0, zx.ErrBadHandle},
		{"bad_value", badHandle, 0, zx.ErrBadHandle},
		{"closed", staleHandle(t), 0, zx.ErrBadHandle},
		{"revoked", revokedCopy(t, u.Handle), 0, zx.ErrHandleRevoked},
		{"revoked_with_REVOKE_CLOSE", revokedCopy(t, u.Handle), zx.KosRevokeClose, zx.ErrHandleRevoked},
		{"handle_without_rights", kcopy(t, u.Handle, 0, zx.NoBadge), 0, zx.OK},
		{"zircon_event", newEvent(t), 0, zx.OK},
	} {
		t.Run(x.name, func(t *testing.T) {
			expect(t, "kos_handle_revoke", zx.Sys_kos_handle_revoke(x.h, x.options), x.want)
			var ctx uint64
			expect(t, "get_context(u's other child)", zx.Sys_kos_user_object_get_context(child, &ctx), zx.OK)
			if x.want == zx.ErrHandleRevoked {
				// The revoked handle stays (REVOKE_CLOSE did not close it).
				_, err := x.h.BasicInfo()
				expect(t, "HANDLE_BASIC(revoked)", status(err), zx.ErrHandleRevoked)
			}
		})
	}
}

// TestHandleRevokeSubtreeErrors: no right is needed on the handle; the
// badge is a badge handle (required). A failed call revokes nothing.
func TestHandleRevokeSubtreeErrors(t *testing.T) {
	u := newUserObject(t, 1)
	b := newBadge(t, 1, zx.HandleInvalid, 0)
	tagged := kcopy(t, u.Handle, zx.RightSameRights, b)
	untagged := kcopy(t, u.Handle, zx.RightSameRights, zx.NoBadge)
	intact := func(t *testing.T, h zx.Handle) {
		t.Helper()
		var ctx uint64
		expect(t, "get_context", zx.Sys_kos_user_object_get_context(h, &ctx), zx.OK)
	}
	for _, x := range []struct {
		name     string
		h, badge zx.Handle
		want     zx.Status
	}{
		{"badge_none", u.Handle, zx.HandleInvalid, zx.ErrBadHandle},
		{"badge_bad_value", u.Handle, badHandle, zx.ErrBadHandle},
		{"badge_closed", u.Handle, staleHandle(t), zx.ErrBadHandle},
		{"badge_revoked", u.Handle, revokedCopy(t, b.Handle), zx.ErrHandleRevoked},
		{"badge_is_an_event", u.Handle, newEvent(t), zx.ErrWrongType},
		{"badge_is_a_user_object", u.Handle, untagged, zx.ErrWrongType},
		{"handle_invalid", zx.HandleInvalid, b.Handle, zx.ErrBadHandle},
		{"handle_bad_value", badHandle, b.Handle, zx.ErrBadHandle},
		{"handle_closed", staleHandle(t), b.Handle, zx.ErrBadHandle},
		{"handle_revoked", revokedCopy(t, u.Handle), b.Handle, zx.ErrHandleRevoked},
		{"nothing_under_the_badge", u.Handle, newBadge(t, 2, zx.HandleInvalid, 0).Handle, zx.OK},
		{"handle_without_rights", kcopy(t, u.Handle, 0, zx.NoBadge), b.Handle, zx.OK},
	} {
		t.Run(x.name, func(t *testing.T) {
			expect(t, "kos_handle_revoke_subtree", zx.Sys_kos_handle_revoke_subtree(x.h, x.badge), x.want)
			intact(t, tagged)
			intact(t, untagged)
		})
	}
	t.Run("revokes_the_tagged_subtree", func(t *testing.T) {
		ok(t, "kos_handle_revoke_subtree", u.Handle.RevokeSubtree(b))
		var ctx uint64
		expect(t, "get_context(tagged)", zx.Sys_kos_user_object_get_context(tagged, &ctx), zx.ErrHandleRevoked)
		intact(t, untagged)
	})
}

// TestHandleConnectErrors: KnHandleConnect's three outputs.
// ZX_HANDLE_INVALID makes a client and a new listener returned as both
// server and listener (one handle, with KOS_RIGHT_LISTEN); a listener
// needs KOS_RIGHT_LISTEN (and only that) and gives a client, a new server
// handle distinct from it (no KOS_RIGHT_LISTEN) and itself as listener;
// options must be 0; a failure writes no output and leaves nothing.
func TestHandleConnectErrors(t *testing.T) {
	l := newListener(t)
	c, s := connect(t)
	for _, x := range []struct {
		name     string
		listener zx.Handle
		options  uint32
		want     zx.Status
	}{
		{"pair", zx.HandleInvalid, 0, zx.OK},
		{"listener", l.Handle, 0, zx.OK},
		{"listener_with_LISTEN_only", kcopy(t, l.Handle, zx.KosRightListen, zx.NoBadge), 0, zx.OK},
		{"options", zx.HandleInvalid, 1, zx.ErrInvalidArgs},
		{"options_with_listener", l.Handle, 1, zx.ErrInvalidArgs},
		{"listener_bad_value", badHandle, 0, zx.ErrBadHandle},
		{"listener_closed", staleHandle(t), 0, zx.ErrBadHandle},
		{"listener_revoked", revokedCopy(t, l.Handle), 0, zx.ErrHandleRevoked},
		{"listener_is_an_event", newEvent(t), 0, zx.ErrWrongType},
		{"listener_is_a_client", c.Handle, 0, zx.ErrWrongType},
		{"connect_server_is_a_listener", s.Handle, 0, zx.OK},
		{"server_handle_of_a_listener", listenerServer(t, l), 0, zx.ErrAccessDenied},
		{"listener_without_LISTEN", kcopy(t, l.Handle, ipcRights, zx.NoBadge), 0, zx.ErrAccessDenied},
	} {
		t.Run(x.name, func(t *testing.T) {
			clients, servers := typeCount(t, zx.ObjTypeKosClient), typeCount(t, zx.ObjTypeKosServer)
			a, b, lo := zx.HandleInvalid, zx.Handle(0x1234), zx.Handle(0x5678)
			expect(t, "kos_handle_connect", zx.Sys_kos_handle_connect(x.listener, x.options, &a, &b, &lo), x.want)
			if x.want != zx.OK {
				if a != zx.HandleInvalid || b != 0x1234 || lo != 0x5678 || typeCount(t, zx.ObjTypeKosClient) != clients || typeCount(t, zx.ObjTypeKosServer) != servers {
					t.Fatalf("failed connect: outs %#x %#x %#x, clients %d -> %d, servers %d -> %d", a, b, lo,
						clients, typeCount(t, zx.ObjTypeKosClient), servers, typeCount(t, zx.ObjTypeKosServer))
				}
				return
			}
			closeLater(t, a, b)
			if i := basic(t, a); i.Type != zx.ObjTypeKosClient || i.Rights != ipcRights {
				t.Fatalf("client type %d rights %#x", i.Type, i.Rights)
			}
			if x.listener != zx.HandleInvalid {
				if lo != x.listener || b == x.listener {
					t.Fatalf("connect to a listener %#x returned server %#x, listener %#x", x.listener, b, lo)
				}
				if i := basic(t, b); i.Type != zx.ObjTypeKosServer || i.Rights != ipcRights || i.Koid != basic(t, x.listener).Koid {
					t.Fatalf("server type %d rights %#x koid %d, listener koid %d", i.Type, i.Rights, i.Koid, basic(t, x.listener).Koid)
				}
				return
			}
			if lo != b {
				t.Fatalf("new listener: server %#x, listener %#x differ", b, lo)
			}
			if i := basic(t, b); i.Type != zx.ObjTypeKosServer || i.Rights != listenerRights {
				t.Fatalf("server type %d rights %#x", i.Type, i.Rights)
			}
		})
	}
	for _, ba := range badAddrs {
		t.Run("listener_bad_server_out_"+ba.Name, func(t *testing.T) {
			before := typeCount(t, zx.ObjTypeKosClient)
			servers := typeCount(t, zx.ObjTypeKosServer)
			var a, b zx.Handle
			expect(t, "kos_handle_connect(listener, bad server out)", zx.Sys_kos_handle_connect(l.Handle, 0, &a, hptr(ba.Addr), &b), zx.ErrInvalidArgs)
			expect(t, "kos_handle_connect(listener, bad client out)", zx.Sys_kos_handle_connect(l.Handle, 0, hptr(ba.Addr), &a, &b), zx.ErrInvalidArgs)
			expect(t, "kos_handle_connect(listener, bad listener out)", zx.Sys_kos_handle_connect(l.Handle, 0, &a, &b, hptr(ba.Addr)), zx.ErrInvalidArgs)
			if n := typeCount(t, zx.ObjTypeKosClient); n != before || typeCount(t, zx.ObjTypeKosServer) != servers {
				t.Fatalf("client handles %d -> %d", before, n)
			}
		})
	}
}

// listenerServer returns the server handle kos_handle_connect makes with
// listener l (its client is closed): it serves l's channels but is no
// listener.
func listenerServer(t *testing.T, l zx.Listener) zx.Handle {
	t.Helper()
	c, s, err := l.Connect()
	ok(t, "kos_handle_connect(listener)", err)
	c.Close()
	closeLater(t, s.Handle)
	return s.Handle
}

// TestListenerCreateErrors: options must be 0; a listener is a server
// handle with KOS_RIGHT_LISTEN.
func TestListenerCreateErrors(t *testing.T) {
	for _, x := range []struct {
		name    string
		options uint32
		want    zx.Status
	}{
		{"options_0", 0, zx.OK},
		{"options_1", 1, zx.ErrInvalidArgs},
		{"options_high_bit", 1 << 31, zx.ErrInvalidArgs},
	} {
		t.Run(x.name, func(t *testing.T) {
			createCase(t, "kos_listener_create", zx.ObjTypeKosServer, listenerRights, x.want, func(out *zx.Handle) zx.Status {
				return zx.Sys_kos_listener_create(x.options, out)
			})
		})
	}
	badOutCases(t, "kos_listener_create", zx.ObjTypeKosServer, func(out *zx.Handle) zx.Status {
		return zx.Sys_kos_listener_create(0, out)
	})
}
