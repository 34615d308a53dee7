package kos

import (
	"testing"
	"time"

	"beryl/kernel/object"
)

func TestHandleCopy(t *testing.T) {
	e := newEnv(t)
	p := e.proc("prov")
	spec := RightSpecific(2)
	h := must(UserObjectCreate(p, object.RightDuplicate|object.RightTransfer|spec, 1, invalid, 0))
	nodup := must(UserObjectCreate(p, object.RightTransfer, 1, invalid, 0))
	bh := must(BadgeCreate(p, 9, invalid, 0))
	ev := must(object.EventCreate(p, 0))
	rev := must(HandleCopy(p, h, object.RightSameRights, invalid))
	wantStatus(t, "revoke", HandleRevoke(p, h, 0), OK)
	for _, c := range []struct {
		name   string
		h      Handle
		rights object.Rights
		badge  Handle
		want   Status
	}{
		{"same rights", h, object.RightSameRights, invalid, OK},
		{"narrowed", h, spec, bh, OK},
		{"widened", h, object.RightWrite, invalid, object.ErrInvalidArgs},
		{"no duplicate right", nodup, object.RightSameRights, invalid, object.ErrAccessDenied},
		{"bad handle", 0x4321, object.RightSameRights, invalid, object.ErrBadHandle},
		{"revoked", rev, object.RightSameRights, invalid, ErrHandleRevoked},
		{"bad badge", h, object.RightSameRights, 0x4321, object.ErrBadHandle},
		{"badge not a badge", h, object.RightSameRights, ev, object.ErrWrongType},
	} {
		v, st := HandleCopy(p, c.h, c.rights, c.badge)
		wantStatus(t, c.name, st, c.want)
		if st == OK {
			want := c.rights
			if want == object.RightSameRights {
				want = rightsOf(t, p, c.h)
			}
			if got := rightsOf(t, p, v); got != want {
				t.Errorf("%s: rights %#x, want %#x", c.name, got, want)
			}
		}
	}
	// A full table fails with NO_RESOURCES and leaves nothing behind.
	small, _ := object.NewProcess(e.root, "small", object.ProcessConfig{MaxHandles: 1})
	defer small.Release()
	sh := must(UserObjectCreate(small, object.RightDuplicate, 1, invalid, 0))
	_, st := HandleCopy(small, sh, object.RightSameRights, invalid)
	wantStatus(t, "full table", st, object.ErrNoResources)
	small.Kill(0)
}

func TestHandleRevokeErrors(t *testing.T) {
	e := newEnv(t)
	p := e.proc("prov")
	h := must(UserObjectCreate(p, object.RightDuplicate, 1, invalid, 0))
	rev := must(HandleCopy(p, h, object.RightSameRights, invalid))
	HandleRevoke(p, h, 0)
	bh := must(BadgeCreate(p, 9, invalid, 0))
	ev := must(object.EventCreate(p, 0))
	wantStatus(t, "options", HandleRevoke(p, h, 2), object.ErrInvalidArgs)
	wantStatus(t, "bad handle", HandleRevoke(p, 0x55, 0), object.ErrBadHandle)
	wantStatus(t, "revoked", HandleRevoke(p, rev, 0), ErrHandleRevoked)
	wantStatus(t, "subtree: no badge", HandleRevokeSubtree(p, h, invalid), object.ErrBadHandle)
	wantStatus(t, "subtree: bad badge", HandleRevokeSubtree(p, h, 0x55), object.ErrBadHandle)
	wantStatus(t, "subtree: not a badge", HandleRevokeSubtree(p, h, ev), object.ErrWrongType)
	wantStatus(t, "subtree: bad handle", HandleRevokeSubtree(p, 0x55, bh), object.ErrBadHandle)
	wantStatus(t, "subtree: revoked", HandleRevokeSubtree(p, rev, bh), ErrHandleRevoked)
	wantStatus(t, "subtree: nothing under the badge", HandleRevokeSubtree(p, h, bh), OK)
	wantStatus(t, "revoke and close", HandleRevoke(p, h, RevokeClose), OK)
	wantStatus(t, "closed", valid(p, h), object.ErrBadHandle)
}

// TestRevokedHandle: every use of a revoked handle fails with the
// revoked status; closing succeeds; the object goes when its last live
// handle does.
func TestRevokedHandle(t *testing.T) {
	e := newEnv(t)
	p, q := e.proc("prov"), e.proc("cli")
	port := must(object.PortCreate(q, 0))
	c0, c1 := must2(object.ChannelCreate(q, 0))
	// A wait through the handle ends when it is revoked. The waiter may
	// not have begun by the revoke on a loaded host (its wait then fails
	// with ErrHandleRevoked, as a wait after the revoke must): try again
	// with a fresh event and a longer head start.
	var evp, ev Handle
	for try := 0; ; try++ {
		evp = must(object.EventCreate(p, 0))
		ev = give(t, p, evp, object.RightSameRights, nil, q)
		waited := make(chan Status, 1)
		go func() {
			_, st := object.ObjectWaitOne(q, ev, object.SignalUser0, object.TimeInfinite)
			waited <- st
		}()
		time.Sleep(10 * time.Millisecond << try)
		wantStatus(t, "revoke", HandleRevoke(p, evp, RevokeClose), OK)
		var st Status
		select {
		case st = <-waited:
		case <-time.After(5 * time.Second):
			t.Fatal("wait not canceled")
		}
		if st == ErrHandleRevoked && try < 5 {
			continue
		}
		wantStatus(t, "wait", st, object.ErrCanceled)
		break
	}
	if object.LiveObjects(object.ObjTypeEvent) != 0 {
		t.Error("event still alive after its last live handle was revoked")
	}
	_, st := object.ObjectWaitOne(q, ev, 1, 0)
	wantStatus(t, "wait_one", st, ErrHandleRevoked)
	wantStatus(t, "wait_many", object.ObjectWaitMany(q, []object.WaitItem{{Handle: ev, WaitFor: 1}}, 0), ErrHandleRevoked)
	wantStatus(t, "wait_async", object.ObjectWaitAsync(q, ev, port, 1, 1, 0), ErrHandleRevoked)
	wantStatus(t, "signal", object.ObjectSignal(q, ev, 0, object.SignalUser0), ErrHandleRevoked)
	_, st = object.HandleDuplicate(q, ev, object.RightSameRights)
	wantStatus(t, "duplicate", st, ErrHandleRevoked)
	_, st = object.ObjectGetInfoHandleBasic(q, ev)
	wantStatus(t, "info", st, ErrHandleRevoked)
	wantStatus(t, "valid", valid(q, ev), ErrHandleRevoked)
	wantStatus(t, "copy", must2Status(HandleCopy(q, ev, object.RightSameRights, invalid)), ErrHandleRevoked)
	wantStatus(t, "channel write", object.ChannelWrite(q, c0, 0, nil, []Handle{ev}), ErrHandleRevoked)
	wantStatus(t, "consumed", valid(q, ev), object.ErrBadHandle)

	evp2, evp3 := must(object.EventCreate(p, 0)), must(object.EventCreate(p, 0))
	ev2 := give(t, p, evp2, object.RightSameRights, nil, q)
	ev3 := give(t, p, evp3, object.RightSameRights, nil, q)
	HandleRevoke(p, evp2, 0)
	HandleRevoke(p, evp3, 0)
	wantStatus(t, "write_etc", object.ChannelWriteEtc(q, c0, 0, nil,
		[]object.HandleDisposition{{Operation: object.HandleOpMove, Handle: ev2, Rights: object.RightSameRights}}), ErrHandleRevoked)
	_, st = object.HandleReplace(q, ev3, object.RightSameRights)
	wantStatus(t, "replace", st, ErrHandleRevoked)
	wantStatus(t, "replaced away", valid(q, ev3), object.ErrBadHandle)
	object.HandleClose(q, c1)
}

func must2Status(_ Handle, st Status) Status { return st }

// TestInheritanceTree: revocation by badge cuts exactly the subtrees made
// under that badge; closing an intermediate handle keeps its descendants
// reachable (they move up to its parent).
func TestInheritanceTree(t *testing.T) {
	e := newEnv(t)
	prov, a, b, c := e.proc("prov"), e.proc("a"), e.proc("b"), e.proc("c")
	root := must(UserObjectCreate(prov, object.RightTransfer|object.RightDuplicate|RightSpecific(0), 1, invalid, 0))
	ba := must(BadgeCreate(prov, 0xa, invalid, 0))
	bb := must(BadgeCreate(prov, 0xb, invalid, 0))
	badgeOf := func(h Handle) *Badge {
		obj, _, st := prov.Lookup(h, ObjTypeBadge, 0)
		if st != OK {
			t.Fatal(st)
		}
		obj.(*Badge).Release()
		return obj.(*Badge)
	}
	// root → A (badge a) → B (no badge) → C; root → B' (badge b).
	ha := give(t, prov, root, object.RightSameRights, badgeOf(ba), a)
	hb := give(t, a, ha, object.RightTransfer|object.RightDuplicate, nil, b)
	hc := give(t, b, hb, object.RightTransfer, nil, c)
	hb2 := give(t, prov, root, object.RightTransfer, badgeOf(bb), b)
	// Rights narrow along the tree.
	if _, st := object.DeriveHandle(c, hc, object.RightTransfer, object.RightDuplicate, nil); st != object.ErrInvalidArgs {
		t.Errorf("widening: %v", st)
	}
	// Closing B: C moves up under A and is still cut by badge a.
	object.HandleClose(b, hb)
	wantStatus(t, "revoke a", HandleRevokeSubtree(prov, root, ba), OK)
	wantStatus(t, "A", valid(a, ha), ErrHandleRevoked)
	wantStatus(t, "C", valid(c, hc), ErrHandleRevoked)
	wantStatus(t, "B'", valid(b, hb2), OK)
	wantStatus(t, "root", valid(prov, root), OK)
	wantStatus(t, "revoke b", HandleRevokeSubtree(prov, root, bb), OK)
	wantStatus(t, "B' revoked", valid(b, hb2), ErrHandleRevoked)
	// A revoked handle's value stays until closed; a dead process's
	// revoked handles go with it.
	object.HandleClose(a, ha)
	wantStatus(t, "closed", valid(a, ha), object.ErrBadHandle)
}

// TestDereference covers the receive side: a handle that comes back to a
// process owning an ancestor arrives as that ancestor, with the sent
// rights and the badge context nearest to it; otherwise it is a transfer.
func TestDereference(t *testing.T) {
	e := newEnv(t)
	prov, cli, other := e.proc("prov"), e.proc("cli"), e.proc("other")
	c, s := connect(prov)
	cc := give(t, prov, c, object.RightSameRights, nil, cli)
	oc := give(t, prov, c, object.RightSameRights, nil, other)
	object.HandleClose(prov, c)
	rd, wr := RightSpecific(0), RightSpecific(1)
	res := must(UserObjectCreate(prov, object.RightTransfer|object.RightDuplicate|rd|wr, 5, invalid, 0))
	bh := must(BadgeCreate(prov, 0xc0ffee, invalid, 0))
	obj, _, _ := prov.Lookup(bh, ObjTypeBadge, 0)
	badge := obj.(*Badge)
	badge.Release()
	mine := give(t, prov, res, object.RightTransfer|object.RightDuplicate|rd, badge, cli)
	unbadged := give(t, prov, res, object.RightTransfer|rd|wr, nil, cli)
	foreign := must(UserObjectCreate(cli, object.RightTransfer, 6, invalid, 0))

	send := func(p *object.Process, ch Handle, hs []HandleDesc) (RecvInfo, *RecvArgs) {
		t.Helper()
		done := goCall(p, ch, object.TimeInfinite, &CallArgs{Method: 1, Handles: hs})
		info, args := recvOne(t, prov, s, len(hs))
		wantStatus(t, "Reply", Reply(prov, s, info.CallID, &ReplyArgs{}), OK)
		wantStatus(t, "Call", waitCall(t, done).st, OK)
		return info, args
	}
	info, args := send(cli, cc, []HandleDesc{
		{Handle: mine, Rights: object.RightTransfer | rd},
		{Handle: unbadged, Rights: object.RightSameRights},
		{Handle: foreign, Rights: object.RightSameRights},
	})
	if info.Endpoint != 0 || info.Caller != cli.Koid() || info.Client == 0 {
		t.Errorf("info %+v", info)
	}
	h0, h1, h2 := args.Handles[0], args.Handles[1], args.Handles[2]
	if !h0.IsDereferenced() || h0.Handle != res || h0.Rights != object.RightTransfer|rd || !h0.HasBadge || h0.BadgeContext != 0xc0ffee {
		t.Errorf("badged deref %+v", h0)
	}
	if ctx, st := h0.BadgeOp(rd); st != OK || ctx != 0xc0ffee {
		t.Errorf("BadgeOp(rd) %v %v", ctx, st)
	}
	if _, st := h0.BadgeOp(wr); st != object.ErrAccessDenied {
		t.Errorf("BadgeOp(wr) %v", st)
	}
	if !h1.IsDereferenced() || h1.Handle != res || h1.HasBadge || h1.Rights != object.RightTransfer|rd|wr {
		t.Errorf("unbadged deref %+v", h1)
	}
	if _, st := h1.BadgeOp(rd); st != object.ErrNotFound {
		t.Errorf("BadgeOp without badge %v", st)
	}
	if h2.IsDereferenced() || h2.Handle == invalid || h2.Type != ObjTypeUserObject {
		t.Errorf("transfer %+v", h2)
	}
	if _, st := h2.BadgeOp(0); st != object.ErrBadState {
		t.Errorf("BadgeOp on transfer %v", st)
	}
	object.HandleClose(prov, h2.Handle)
	// Through a second hop: cli → other; other sends it back: still a
	// dereference, with the badge of the first hop.
	hop := give(t, cli, mine, object.RightTransfer|rd, nil, other)
	_, args = send(other, oc, []HandleDesc{{Handle: hop, Rights: object.RightSameRights}})
	if r := args.Handles[0]; !r.Dereferenced || r.Handle != res || r.BadgeContext != 0xc0ffee {
		t.Errorf("two-hop deref %+v", r)
	}
	// The descendant travelling back is gone; the client's handle stays.
	wantStatus(t, "client keeps its handle", valid(cli, mine), OK)
	object.HandleClose(prov, s)
}
