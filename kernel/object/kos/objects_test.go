package kos

import (
	"testing"

	"beryl/kernel/object"
)

func TestStatusNames(t *testing.T) {
	if ErrHandleRevoked.String() != "ZX_ERR_HANDLE_REVOKED" || ErrPolicyDenied.String() != "ZX_ERR_POLICY_DENIED" {
		t.Errorf("names: %v %v", ErrHandleRevoked, ErrPolicyDenied)
	}
	if RightSpecific(0) != 1<<16 || RightSpecific(14) != 1<<30 || RightSpecific(15) != 0 {
		t.Error("RightSpecific")
	}
}

func TestUserObjectCreate(t *testing.T) {
	e := newEnv(t)
	p := e.proc("prov")
	port := must(object.PortCreate(p, 0))
	ro := must(object.HandleReplace(p, must(object.PortCreate(p, 0)), object.RightRead))
	ev := must(object.EventCreate(p, 0))
	for _, c := range []struct {
		name   string
		rights object.Rights
		port   Handle
		want   Status
	}{
		{"ok", object.RightTransfer | RightSpecific(3), invalid, OK},
		{"ok with port", object.RightTransfer, port, OK},
		{"same rights", object.RightSameRights, invalid, object.ErrInvalidArgs},
		{"bad port", 0, 0x7777, object.ErrBadHandle},
		{"not a port", 0, ev, object.ErrWrongType},
		{"port without write", 0, ro, object.ErrAccessDenied},
	} {
		h, st := UserObjectCreate(p, c.rights, 42, c.port, 9)
		wantStatus(t, c.name, st, c.want)
		if st == OK {
			if rightsOf(t, p, h) != c.rights {
				t.Errorf("%s: rights %#x", c.name, rightsOf(t, p, h))
			}
			if ctx := must(UserObjectGetContext(p, h)); ctx != 42 {
				t.Errorf("context %d", ctx)
			}
			object.HandleClose(p, h)
		}
	}
	if pk, ctx, _ := portPacket(t, p, port); pk.Key != 9 || ctx != 42 {
		t.Errorf("packet of the \"ok with port\" case: %+v", pk)
	}
	// The destroyed notification arrives once the last handle is gone.
	h := must(UserObjectCreate(p, object.RightDuplicate, 5, port, 11))
	d := must(HandleCopy(p, h, object.RightSameRights, invalid))
	object.HandleClose(p, h)
	noPacket(t, p, port)
	object.HandleClose(p, d)
	pk, ctx, _ := portPacket(t, p, port)
	if pk.Type != PktTypeUserObjectDestroyed || pk.Key != 11 || ctx != 5 {
		t.Errorf("packet %+v ctx %d", pk, ctx)
	}
	// Packets to a port without handles are dropped.
	h = must(UserObjectCreate(p, 0, 5, port, 11))
	object.HandleClose(p, port)
	object.HandleClose(p, h)
}

func TestUserObjectGetContext(t *testing.T) {
	e := newEnv(t)
	p, q := e.proc("prov"), e.proc("cli")
	h := must(UserObjectCreate(p, object.RightTransfer, 77, invalid, 0))
	qh := give(t, p, h, object.RightSameRights, nil, q)
	ev := must(object.EventCreate(p, 0))
	for _, c := range []struct {
		name string
		p    *object.Process
		h    Handle
		want Status
	}{
		{"provider", p, h, OK},
		{"not the provider", q, qh, object.ErrAccessDenied},
		{"bad handle", p, 0x1234, object.ErrBadHandle},
		{"wrong type", p, ev, object.ErrWrongType},
	} {
		_, st := UserObjectGetContext(c.p, c.h)
		wantStatus(t, c.name, st, c.want)
	}
	obj, _, _ := p.Lookup(h, ObjTypeUserObject, 0)
	u := obj.(*UserObject)
	if u.Context() != 77 || u.Provider() != p.Koid() {
		t.Error("accessors")
	}
	if _, ok := u.Callable(); ok {
		t.Error("plain user object is callable")
	}
	u.Release()
}

func TestBadgeCreate(t *testing.T) {
	e := newEnv(t)
	p := e.proc("prov")
	ev := must(object.EventCreate(p, 0))
	for _, c := range []struct {
		name string
		port Handle
		want Status
	}{
		{"no port", invalid, OK},
		{"bad port", 0x999, object.ErrBadHandle},
		{"wrong type", ev, object.ErrWrongType},
	} {
		h, st := BadgeCreate(p, 1, c.port, 0)
		wantStatus(t, c.name, st, c.want)
		if st == OK {
			if rightsOf(t, p, h) != DefaultBadgeRights {
				t.Errorf("rights %#x", rightsOf(t, p, h))
			}
			object.HandleClose(p, h)
		}
	}
}

// TestBadgeLifecycle: the closed notification fires each time the count of
// tagged handles drops to zero, the destroyed one when the badge goes.
func TestBadgeLifecycle(t *testing.T) {
	e := newEnv(t)
	p, q := e.proc("prov"), e.proc("cli")
	port := must(object.PortCreate(p, 0))
	bh := must(BadgeCreate(p, 0xbad, port, 3))
	obj, _, st := p.Lookup(bh, ObjTypeBadge, 0)
	if st != OK {
		t.Fatal(st)
	}
	b := obj.(*Badge)
	res := must(UserObjectCreate(p, object.RightTransfer|object.RightDuplicate, 1, invalid, 0))
	x := give(t, p, res, object.RightSameRights, b, q)
	y := give(t, p, res, object.RightSameRights, b, q)
	if b.Handles() != 2 || b.Context() != 0xbad {
		t.Fatalf("badge counts %d", b.Handles())
	}
	// A Zircon duplicate of a tagged handle is its descendant, untagged;
	// a replace keeps the tag, and the duplicate inherits it when x (its
	// parent) goes: the subtree made under the badge stays under it.
	dup := must(object.HandleDuplicate(q, x, object.RightSameRights))
	x = must(object.HandleReplace(q, x, object.RightTransfer))
	if b.Handles() != 3 {
		t.Fatalf("after replace: %d", b.Handles())
	}
	object.HandleClose(q, x)
	object.HandleClose(q, y)
	noPacket(t, p, port) // dup is left
	wantStatus(t, "revoke", HandleRevokeSubtree(p, res, bh), OK)
	wantStatus(t, "dup revoked", valid(q, dup), ErrHandleRevoked)
	pk, ctx, koid := portPacket(t, p, port)
	if pk.Type != PktTypeBadgeClosed || pk.Key != 3 || ctx != 0xbad || koid != b.Koid() {
		t.Errorf("packet %+v", pk)
	}
	object.HandleClose(q, dup)
	// Used again after reaching zero: notifies again.
	z := give(t, p, res, object.RightSameRights, b, q)
	object.HandleClose(q, z)
	if pk, _, _ := portPacket(t, p, port); pk.Type != PktTypeBadgeClosed {
		t.Errorf("second closed packet %+v", pk)
	}
	object.HandleClose(p, bh)
	noPacket(t, p, port) // b is still referenced by the test
	b.Release()
	if pk, ctx, _ := portPacket(t, p, port); pk.Type != PktTypeBadgeDestroyed || ctx != 0xbad {
		t.Errorf("destroyed packet %+v", pk)
	}
}
