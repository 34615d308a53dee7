package object

import (
	"sync/atomic"
	"testing"
)

// testBadge is a badge object for the inheritance tests.
type testBadge struct {
	Base
	live, gone atomic.Int64
}

func newTestBadge() *testBadge {
	b := &testBadge{}
	b.Base.Init(b, ObjTypeEvent, nil, false, 0)
	return b
}

func (b *testBadge) OnBadgedHandleAdded() { b.live.Add(1) }
func (b *testBadge) OnBadgedHandleGone()  { b.live.Add(-1); b.gone.Add(1) }

func TestKosStatusNames(t *testing.T) {
	if ErrHandleRevoked.String() != "ZX_ERR_HANDLE_REVOKED" || ErrPolicyDenied.String() != "ZX_ERR_POLICY_DENIED" {
		t.Error("names")
	}
}

func TestDeriveHandle(t *testing.T) {
	e := newEnv(t)
	q := e.proc()
	ev := e.event()
	noXfer := must(HandleDuplicate(e.p, ev, RightWait))
	b := newTestBadge()
	defer b.Release()
	for _, c := range []struct {
		name         string
		h            Handle
		need, rights Rights
		want         Status
	}{
		{"ok", ev, RightTransfer, RightSameRights, OK},
		{"narrow", ev, RightTransfer, RightWait, OK},
		{"widen", ev, RightTransfer, RightWrite, ErrInvalidArgs},
		{"missing right", noXfer, RightTransfer, RightSameRights, ErrAccessDenied},
		{"bad handle", 0x33, RightTransfer, RightSameRights, ErrBadHandle},
	} {
		d, st := DeriveHandle(e.p, c.h, c.need, c.rights, b)
		wantStatus(t, c.name, st, c.want)
		if st != OK {
			continue
		}
		if d.Parent() == nil || d.Parent().Value() != c.h || d.Badge() != Object(b) || d.Owner() != nil {
			t.Errorf("%s: links %v badge %v", c.name, d.Parent(), d.Badge())
		}
		if b.live.Load() != 1 {
			t.Errorf("%s: badge count %d", c.name, b.live.Load())
		}
		// Installed elsewhere, it is found as a descendant of ev.
		v := must(q.Table().Add(d))
		if h, badge, ok := FindAncestor(e.p, q.Table().Get(v)); !ok || h != c.h || badge != Object(b) {
			t.Errorf("ancestor lookup %v %v %v", h, badge, ok)
		} else {
			badge.base().Release()
		}
		HandleClose(q, v)
		if b.live.Load() != 0 {
			t.Errorf("%s: badge count after close %d", c.name, b.live.Load())
		}
	}
	// Without a badge.
	d := must(DeriveHandle(e.p, ev, RightTransfer, RightSameRights, nil))
	if d.Badge() != nil {
		t.Error("badge on untagged handle")
	}
	ReleaseHandle(d)
}

func TestFindAncestor(t *testing.T) {
	e := newEnv(t)
	q, r := e.proc(), e.proc()
	ev := e.event()
	b1, b2 := newTestBadge(), newTestBadge()
	defer b1.Release()
	defer b2.Release()
	// ev (p) → x (q, b1) → y (r, no badge) → z (in transit, b2).
	x := must(DeriveHandle(e.p, ev, RightTransfer, RightSameRights, b1))
	xv := must(q.Table().Add(x))
	y := must(DeriveHandle(q, xv, RightTransfer, RightSameRights, nil))
	yv := must(r.Table().Add(y))
	z := must(DeriveHandle(r, yv, RightTransfer, RightSameRights, b2))
	if v, badge, ok := FindAncestor(e.p, z); !ok || v != ev || badge != Object(b1) {
		t.Errorf("from p: %v %v %v", v, badge, ok)
	} else {
		badge.base().Release()
	}
	if v, badge, ok := FindAncestor(q, z); !ok || v != xv || badge != Object(b2) {
		t.Errorf("from q: %v %v %v", v, badge, ok)
	} else {
		badge.base().Release()
	}
	if _, _, ok := FindAncestor(e.proc(), z); ok {
		t.Error("found in an unrelated process")
	}
	// Closing y splices z under x: still found, through b2 then b1.
	HandleClose(r, yv)
	if z.Parent() != x {
		t.Error("z not moved up to x")
	}
	if v, badge, ok := FindAncestor(e.p, z); !ok || v != ev || badge != Object(b1) {
		t.Errorf("after close: %v %v %v", v, badge, ok)
	} else {
		badge.base().Release()
	}
	// An unlinked entry has no ancestors.
	plain := NewKernelHandle(b1, 0)
	if _, _, ok := FindAncestor(e.p, plain); ok {
		t.Error("unlinked entry")
	}
	ReleaseHandle(plain)
	ReleaseHandle(z)
	// Closing the root orphans x.
	HandleClose(e.p, ev)
	if x.Parent() != nil {
		t.Error("x still has a parent")
	}
}

func TestRevokeDescendants(t *testing.T) {
	e := newEnv(t)
	q := e.proc()
	ev := e.event()
	b := newTestBadge()
	defer b.Release()
	port := must(PortCreate(q, 0))
	c0, c1 := must2(ChannelCreate(q, 0))
	mk := func(badge Object) Handle {
		var bo Object
		if badge != nil {
			bo = badge
		}
		d := must(DeriveHandle(e.p, ev, RightTransfer, RightSameRights, bo))
		return must(q.Table().Add(d))
	}
	tagged, plain := mk(b), mk(nil)
	inTransit := must(DeriveHandle(e.p, ev, RightTransfer, RightSameRights, b))
	n, st := RevokeDescendants(e.p, ev, b)
	if st != OK || n != 2 {
		t.Fatalf("revoke by badge: %d %v", n, st)
	}
	if b.live.Load() != 1 { // the one in transit is only marked
		t.Errorf("badge count %d", b.live.Load())
	}
	wantStatus(t, "tagged", ObjectGetInfoHandleValid(q, tagged), ErrHandleRevoked)
	wantStatus(t, "plain", ObjectGetInfoHandleValid(q, plain), OK)
	if !inTransit.Revoked() {
		t.Error("in-transit handle not marked")
	}
	RevokeInTransit(inTransit)
	RevokeInTransit(inTransit) // twice: no effect
	if b.live.Load() != 0 || inTransit.Object() != revokedObj {
		t.Errorf("in transit: count %d obj %v", b.live.Load(), inTransit.Object())
	}
	// Every gate refuses a revoked handle with the distinct status.
	_, st = ObjectWaitOne(q, tagged, 1, 0)
	wantStatus(t, "wait_one", st, ErrHandleRevoked)
	wantStatus(t, "wait_many", ObjectWaitMany(q, []WaitItem{{Handle: tagged, WaitFor: 1}}, 0), ErrHandleRevoked)
	wantStatus(t, "wait_async", ObjectWaitAsync(q, tagged, port, 0, 1, 0), ErrHandleRevoked)
	wantStatus(t, "signal", ObjectSignal(q, tagged, 0, SignalUser0), ErrHandleRevoked)
	_, st = HandleDuplicate(q, tagged, RightSameRights)
	wantStatus(t, "duplicate", st, ErrHandleRevoked)
	_, st = ObjectGetInfoHandleBasic(q, tagged)
	wantStatus(t, "basic", st, ErrHandleRevoked)
	_, st = DeriveHandle(q, tagged, RightTransfer, RightSameRights, nil)
	wantStatus(t, "derive", st, ErrHandleRevoked)
	_, st = RevokeDescendants(q, tagged, nil)
	wantStatus(t, "revoke", st, ErrHandleRevoked)
	_, st = RevokeDescendants(q, 0x55, nil)
	wantStatus(t, "revoke bad handle", st, ErrBadHandle)
	wantStatus(t, "write_etc", ChannelWriteEtc(q, c0, 0, nil, []HandleDisposition{{Operation: HandleOpDuplicate, Handle: tagged, Rights: RightSameRights}}), ErrHandleRevoked)
	wantStatus(t, "write", ChannelWrite(q, c0, 0, nil, []Handle{tagged}), ErrHandleRevoked)
	// Revoke everything: plain goes too; the revoked in-transit handle,
	// installed, is a revoked handle; replace of it fails.
	ti := must(q.Table().Add(inTransit))
	n, st = RevokeDescendants(e.p, ev, nil)
	if st != OK || n != 1 {
		t.Errorf("revoke all: %d %v", n, st)
	}
	_, st = HandleReplace(q, plain, RightSameRights)
	wantStatus(t, "replace", st, ErrHandleRevoked)
	wantStatus(t, "close revoked", HandleClose(q, ti), OK)
	// Revoking a handle without descendants revokes nothing.
	n, st = RevokeDescendants(e.p, ev, nil)
	if st != OK || n != 0 {
		t.Errorf("nothing to revoke: %d %v", n, st)
	}
	HandleClose(q, c1)
}

// TestZirconOpsKeepTree: duplicate, replace and write_etc of a linked
// handle stay in its inheritance tree, so revocation reaches them.
func TestZirconOpsKeepTree(t *testing.T) {
	e := newEnv(t)
	q := e.proc()
	ev := e.event()
	b := newTestBadge()
	defer b.Release()
	x := must(q.Table().Add(must(DeriveHandle(e.p, ev, RightTransfer, RightSameRights|0, b))))
	dup := must(HandleDuplicate(q, x, RightSameRights))
	x = must(HandleReplace(q, x, RightSameRights))
	if b.live.Load() != 2 { // x's replacement, and dup that inherited it
		t.Errorf("replace lost the badge: %d", b.live.Load())
	}
	c0, c1 := must2(ChannelCreate(q, 0))
	wantStatus(t, "write_etc", ChannelWriteEtc(q, c0, 0, nil, []HandleDisposition{
		{Operation: HandleOpMove, Handle: x, Rights: RightSameRights},
		{Operation: HandleOpDuplicate, Handle: dup, Rights: RightSameRights}}), OK)
	hs := make([]Handle, 2)
	_, _, st := ChannelRead(q, c1, 0, nil, hs)
	wantStatus(t, "read", st, OK)
	if b.live.Load() != 2 {
		t.Errorf("write_etc move lost the badge: %d", b.live.Load())
	}
	// x's replacement, moved by write_etc, keeps the badge; dup, whose
	// parent x was closed by the replace, inherits it; dup's duplicate
	// lies under dup.
	if n, _ := RevokeDescendants(e.p, ev, b); n != 3 {
		t.Errorf("revoked %d", n)
	}
	for _, h := range append(hs, dup) {
		wantStatus(t, "revoked", ObjectGetInfoHandleValid(q, h), ErrHandleRevoked)
	}
	HandleCloseMany(q, []Handle{c0, c1})
}

func TestLookupInstallClass(t *testing.T) {
	e := newEnv(t)
	ev := e.event()
	obj, r, st := e.p.Lookup(ev, ObjTypeEvent, RightSignal)
	if st != OK || r != DefaultEventRights {
		t.Fatal(st)
	}
	obj.base().AddRef()
	h := must(e.p.Install(obj, RightWait))
	if e.rights(h) != RightWait {
		t.Error("Install rights")
	}
	obj.base().Release()
	if e.p.Class() != "" {
		t.Error("class before SetClass")
	}
	wantStatus(t, "SetClass", e.p.SetClass("x"), OK)
	wantStatus(t, "SetClass again", e.p.SetClass("kv"), OK)
	for _, bad := range []string{"", "a b", "é", string(make([]byte, MaxClassLen+1))} {
		wantStatus(t, "SetClass "+bad, e.p.SetClass(bad), ErrInvalidArgs)
	}
	if e.p.Class() != "kv" {
		t.Error("Class")
	}
	e.p.Start()
	wantStatus(t, "SetClass after start", e.p.SetClass("y"), ErrBadState)
	if e.p.Class() != "kv" {
		t.Error("Class after start")
	}
	for _, c := range []struct{ in, want string }{
		{"kv.client-a:1/x_Y", ""}, {"", "empty class name"}, {"a b", "bad character ' ' in class \"a b\""},
		{"a\x01", "bad character '\\x01' in class \"a\\x01\""},
		{string(make([]byte, 65)), "class name longer than 64 bytes"},
	} {
		if got := CheckClass(c.in); got != c.want {
			t.Errorf("CheckClass(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestQueueKernel(t *testing.T) {
	e := newEnv(t)
	ph := must(PortCreate(e.p, 0))
	pt := must(lookupAs[*Port](e.p, ph, ObjTypePort, 0))
	defer pt.Release()
	old := MaxPortUserPackets
	MaxPortUserPackets = 1
	defer func() { MaxPortUserPackets = old }()
	wantStatus(t, "user", pt.Queue(PortPacket{Key: 1}), OK)
	pt.QueueKernel(PortPacket{Key: 2, Type: 0x100})
	wantStatus(t, "user over the limit", pt.Queue(PortPacket{Key: 3}), ErrShouldWait)
	for _, want := range []uint64{1, 2} {
		pk := must(PortWait(e.p, ph, 0))
		if pk.Key != want {
			t.Errorf("packet %+v", pk)
		}
		if want == 2 && pk.Type != 0x100 {
			t.Errorf("kernel packet type %#x", pk.Type)
		}
	}
	HandleClose(e.p, ph)
	pt.QueueKernel(PortPacket{Key: 4}) // dropped: no handles
	if pt.QueuedPackets() != 0 {
		t.Error("packet queued on a port without handles")
	}
}
