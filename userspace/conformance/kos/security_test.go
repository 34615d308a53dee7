package kos

import (
	"testing"

	"beryl/userspace/zx"
)

// The boot policy (userspace/etc/policy) denies the security query
// conformance.file.read of a string starting with "secret" to everyone
// and allows every other query (default allow).

// TestSecurityConnect: kos_security_connect gives a client handle to the
// security module; kos_call through it answers a query per the policy's
// security rules.
func TestSecurityConnect(t *testing.T) {
	sec, err := zx.SecurityConnect()
	ok(t, "kos_security_connect", err)
	closeLater(t, sec.Handle)
	if i := basic(t, sec.Handle); i.Type != zx.ObjTypeKosClient || i.Rights != ipcRights {
		t.Fatalf("security client: type %d rights %#x", i.Type, i.Rights)
	}
	for _, x := range []struct {
		name          string
		iface, method string
		args          []zx.SecArg
		want          bool
	}{
		{"allowed", "conformance.file", "read", []zx.SecArg{zx.SecString("notes.txt")}, true},
		{"denied", "conformance.file", "read", []zx.SecArg{zx.SecString("secret/key")}, false},
		{"denied_with_more_args", "conformance.file", "read", []zx.SecArg{zx.SecString("secret"), zx.SecUint(7)}, false},
		{"other_method", "conformance.file", "write", []zx.SecArg{zx.SecString("secret")}, true},
		{"number_is_not_a_string", "conformance.file", "read", []zx.SecArg{zx.SecUint(1)}, true},
		{"no_args", "conformance.file", "read", nil, true},
	} {
		t.Run(x.name, func(t *testing.T) {
			got, err := sec.Allowed(x.iface, x.method, x.args...)
			ok(t, "security query", err)
			if got != x.want {
				t.Fatalf("allowed %v, want %v", got, x.want)
			}
		})
	}
	t.Run("status_and_sizes", func(t *testing.T) {
		q, err := zx.EncodeSecurityQuery("conformance.file", "read", zx.SecString("secret"))
		ok(t, "encode", err)
		sz, err := sec.Call(zx.TimeInfinite, &zx.KosMsg{Endpoint: 7, Method: 9, Fixed: q}, &zx.KosRecvBuf{Fixed: make([]byte, 8)})
		expect(t, "kos_call(denied)", status(err), zx.ErrPolicyDenied)
		if sz != (zx.KosSizes{}) {
			t.Fatalf("sizes %+v", sz)
		}
	})
}

// TestSecurityConnectErrors: every documented error of
// kos_security_connect and of kos_call through a security handle.
func TestSecurityConnectErrors(t *testing.T) {
	sec, err := zx.SecurityConnect()
	ok(t, "kos_security_connect", err)
	closeLater(t, sec.Handle)
	var h zx.Handle
	expect(t, "options", zx.Sys_kos_security_connect(1, &h), zx.ErrInvalidArgs)
	for _, ba := range badAddrs {
		before := typeCount(t, zx.ObjTypeKosClient)
		expect(t, "bad out "+ba.Name, zx.Sys_kos_security_connect(0, hptr(ba.Addr)), zx.ErrInvalidArgs)
		if typeCount(t, zx.ObjTypeKosClient) != before {
			t.Fatalf("bad out left a client handle")
		}
	}
	good, err := zx.EncodeSecurityQuery("conformance.file", "read")
	ok(t, "encode", err)
	ev := newEvent(t)
	noWrite, err := sec.Handle.Duplicate(zx.RightRead | zx.RightTransfer)
	ok(t, "duplicate", err)
	closeLater(t, noWrite)
	for _, x := range []struct {
		name string
		h    zx.Handle
		msg  zx.KosMsg
		want zx.Status
	}{
		{"malformed_query", sec.Handle, zx.KosMsg{Fixed: []byte{9, 9, 9}}, zx.ErrInvalidArgs},
		{"empty_query", sec.Handle, zx.KosMsg{}, zx.ErrInvalidArgs},
		{"trailing_bytes", sec.Handle, zx.KosMsg{Fixed: append(append([]byte{}, good...), 0)}, zx.ErrInvalidArgs},
		{"arena", sec.Handle, zx.KosMsg{Fixed: good, Arena: []byte("x")}, zx.ErrInvalidArgs},
		{"handles", sec.Handle, zx.KosMsg{Fixed: good, Handles: []zx.KosHandleDesc{{Handle: ev, Rights: zx.RightSameRights}}}, zx.ErrInvalidArgs},
		{"no_WRITE", noWrite, zx.KosMsg{Fixed: good}, zx.ErrAccessDenied},
		{"revoked", revokedCopy(t, sec.Handle), zx.KosMsg{Fixed: good}, zx.ErrHandleRevoked},
	} {
		t.Run(x.name, func(t *testing.T) {
			_, err := zx.KosCall(x.h, zx.TimeInfinite, &x.msg, nil)
			expect(t, "kos_call", status(err), x.want)
		})
	}
	// It is a client, not a listener.
	var a, b, c zx.Handle
	expect(t, "connect to it", zx.Sys_kos_handle_connect(sec.Handle, 0, &a, &b, &c), zx.ErrWrongType)
	if _, err := zx.EncodeSecurityQuery("bad name", "m"); err == nil {
		t.Error("EncodeSecurityQuery accepted a bad name")
	}
}

// TestReplyRendezvous: kos_reply returns once the caller has the reply,
// with the status the caller got.
func TestReplyRendezvous(t *testing.T) {
	c, s := connect(t)
	t.Run("caller_has_it", func(t *testing.T) {
		ev := newEvent(t)
		done := serve(s, zx.TimeInfinite, &zx.KosMsg{Fixed: []byte("ok"), Handles: []zx.KosHandleDesc{{Handle: ev, Rights: zx.RightSameRights}}})
		rd := &zx.KosRecvBuf{Fixed: make([]byte, 8), Handles: make([]zx.KosRecvHandle, 1)}
		_, err := c.Call(zx.TimeInfinite, &zx.KosMsg{}, rd)
		ok(t, "call", err)
		ok(t, "reply", (<-done).reply)
		// Sent back to its owner, the event arrives dereferenced.
		if h := rd.Handles[0]; !h.IsDereferenced() || h.Handle != ev {
			t.Fatalf("reply handle %+v", h)
		}
	})
	t.Run("caller_buffer_too_small", func(t *testing.T) {
		done := serve(s, zx.TimeInfinite, &zx.KosMsg{Fixed: []byte("too long for you")})
		sz, err := c.Call(zx.TimeInfinite, &zx.KosMsg{}, &zx.KosRecvBuf{Fixed: make([]byte, 2)})
		expect(t, "call", status(err), zx.ErrBufferTooSmall)
		expect(t, "reply reports the caller's status", status((<-done).reply), zx.ErrBufferTooSmall)
		if sz.Fixed != 16 {
			t.Fatalf("sizes %+v", sz)
		}
	})
}
