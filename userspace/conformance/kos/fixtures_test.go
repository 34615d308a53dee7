package kos

import (
	"testing"
	"time"

	"beryl/userspace/zx"
)

// Rights of kos IPC handles (kernel/object/kos: DefaultServerRights,
// DefaultClientRights, DefaultListenerRights, DefaultBadgeRights).
const (
	ipcRights      = zx.RightDuplicate | zx.RightTransfer | zx.RightInspect | zx.RightRead | zx.RightWrite
	listenerRights = ipcRights | zx.KosRightListen
	badgeRights    = zx.RightDuplicate | zx.RightTransfer | zx.RightInspect
)

// badHandle can never name a handle: Beryl's handle values always have
// their two low bits set.
const badHandle zx.Handle = 0x7ff0

// revokedCopy returns a revoked handle to h's object: a copy of a copy of
// h whose parent had its descendants revoked. h and its other
// descendants are untouched.
func revokedCopy(t *testing.T, h zx.Handle) zx.Handle {
	t.Helper()
	mid := kcopy(t, h, zx.RightSameRights, zx.NoBadge)
	r := kcopy(t, mid, zx.RightSameRights, zx.NoBadge)
	ok(t, "kos_handle_revoke", mid.Revoke(0))
	if _, err := r.BasicInfo(); status(err) != zx.ErrHandleRevoked {
		t.Fatalf("revoked copy: HANDLE_BASIC %v", err)
	}
	return r
}

func newListener(t *testing.T) zx.Listener {
	t.Helper()
	l, err := zx.NewListener()
	ok(t, "kos_listener_create", err)
	closeLater(t, l.Handle)
	return l
}

func newCallable(t *testing.T, rights zx.Rights, ctx uint64, s zx.Server, endpoint uint32) zx.Callable {
	t.Helper()
	cb, err := zx.NewCallable(rights, ctx, s, endpoint)
	ok(t, "kos_callable_create", err)
	closeLater(t, cb.Handle)
	return cb
}

// received starts req through h (a client or callable) in a new thread
// and receives it on s: the call then waits for a reply to the returned
// id; res delivers its sizes and status.
func received(t *testing.T, h zx.Handle, s zx.Server, req *zx.KosMsg, rd *zx.KosRecvBuf) (zx.KosRecvInfo, <-chan callResult) {
	t.Helper()
	res := make(chan callResult, 1)
	go func() {
		sz, err := zx.KosCall(h, after(time.Minute), req, rd)
		res <- callResult{sz, err}
	}()
	info, err := s.Recv(after(20*time.Second), &zx.KosRecvBuf{Fixed: make([]byte, 256), Arena: make([]byte, 256),
		Handles: make([]zx.KosRecvHandle, 8)})
	ok(t, "kos_recv", err)
	if info.CallID == 0 {
		t.Fatalf("received call id 0: %+v", info)
	}
	return info, res
}

type callResult struct {
	sizes zx.KosSizes
	err   error
}

// result waits for a call started by received.
func result(t *testing.T, res <-chan callResult) callResult {
	t.Helper()
	select {
	case r := <-res:
		return r
	case <-time.After(2 * time.Minute):
		t.Fatal("kos_call did not return")
	}
	return callResult{}
}

// handles is the number of handles in this process's table.
func handles(t *testing.T) uint32 {
	t.Helper()
	var st zx.InfoProcessHandleStats
	_, _, err := zx.ProcessSelf().Handle.GetInfo(zx.ObjectInfoProcessHandleStats, statsBytes(&st))
	ok(t, "ZX_INFO_PROCESS_HANDLE_STATS", err)
	n := uint32(0)
	for _, c := range st.HandleCount {
		n += c
	}
	return n
}

// descs sends h n times with rights r.
func descs(h zx.Handle, r zx.Rights, n int) []zx.KosHandleDesc {
	d := make([]zx.KosHandleDesc, n)
	for i := range d {
		d[i] = zx.KosHandleDesc{Handle: h, Rights: r}
	}
	return d
}

// createCase runs a syscall that creates one handle of typ through out.
// When it should fail it must write nothing to out and create nothing;
// when it succeeds the handle (closed at the end of the test) has typ and
// rights.
func createCase(t *testing.T, what string, typ zx.ObjType, rights zx.Rights, want zx.Status, call func(out *zx.Handle) zx.Status) {
	t.Helper()
	before := typeCount(t, typ)
	h := zx.HandleInvalid
	expect(t, what, call(&h), want)
	if want != zx.OK {
		if n := typeCount(t, typ); h != zx.HandleInvalid || n != before {
			t.Fatalf("failed %s wrote %#x; handles of type %d %d -> %d", what, h, typ, before, n)
		}
		return
	}
	closeLater(t, h)
	if i := basic(t, h); i.Type != typ || i.Rights != rights {
		t.Fatalf("%s made type %d rights %#x, want %d %#x", what, i.Type, i.Rights, typ, rights)
	}
}

// badOutCases runs call with each bad out address as a subtest: it fails
// with ZX_ERR_INVALID_ARGS and creates no handle of typ.
func badOutCases(t *testing.T, what string, typ zx.ObjType, call func(out *zx.Handle) zx.Status) {
	t.Helper()
	for _, ba := range badAddrs {
		t.Run("bad_out_"+ba.Name, func(t *testing.T) {
			before := typeCount(t, typ)
			expect(t, what+"(bad out)", call(hptr(ba.Addr)), zx.ErrInvalidArgs)
			if n := typeCount(t, typ); n != before {
				t.Fatalf("handles of type %d %d -> %d", typ, before, n)
			}
		})
	}
}
