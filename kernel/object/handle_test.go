package object

import (
	"testing"
)

func TestHandleValueFormat(t *testing.T) {
	e := newEnv(t)
	seen := map[Handle]bool{}
	for i := 0; i < 100; i++ {
		h := e.event()
		if h == HandleInvalid || h&HandleFixedBitsMask != HandleFixedBitsMask {
			t.Fatalf("bad handle value %#x", h)
		}
		if seen[h] {
			t.Fatalf("duplicate live value %#x", h)
		}
		seen[h] = true
	}
}

func TestHandleValuesDifferAcrossProcesses(t *testing.T) {
	e := newEnv(t)
	q := e.proc()
	h := e.event()
	// The same table position means nothing in another process.
	if q.table.Get(h) != nil {
		t.Fatalf("value %#x valid in another process", h)
	}
	hq := must(EventCreate(q, 0))
	if hq == h {
		t.Fatalf("two processes produced the same first value %#x", h)
	}
	wantStatus(t, "close foreign value", HandleClose(q, h), ErrBadHandle)
}

func TestHandleSecretScrambles(t *testing.T) {
	a := newHandleTable(16, 0x12345678)
	b := newHandleTable(16, 0x9abcdef0)
	if a.valueOf(0, 0) == b.valueOf(0, 0) {
		t.Fatal("secret does not change values")
	}
	if a.valueOf(0, 0)&3 != 3 || b.valueOf(5, 7)&3 != 3 {
		t.Fatal("low bits not set")
	}
}

func TestHandleTableBound(t *testing.T) {
	e := newEnvCfg(t, ProcessConfig{MaxHandles: 4})
	h := e.event()
	for i := 0; i < 3; i++ {
		must(HandleDuplicate(e.p, h, RightSameRights))
	}
	if _, st := HandleDuplicate(e.p, h, RightSameRights); st != ErrNoResources {
		t.Fatalf("dup in full table: %v", st)
	}
	if _, st := EventCreate(e.p, 0); st != ErrNoResources {
		t.Fatalf("create in full table: %v", st)
	}
	if _, _, st := ChannelCreate(e.p, 0); st != ErrNoResources {
		t.Fatalf("pair in full table: %v", st)
	}
	if e.p.table.Len() != 4 {
		t.Fatalf("table has %d", e.p.table.Len())
	}
	// Closing frees room; the closed value is not valid any more.
	wantStatus(t, "close", HandleClose(e.p, h), OK)
	if e.valid(h) {
		t.Fatal("closed handle still valid")
	}
	must(EventCreate(e.p, 0))
}

func TestHandleValueReuse(t *testing.T) {
	e := newEnvCfg(t, ProcessConfig{MaxHandles: 1})
	seen := map[Handle]int{}
	for i := 0; i < 2*(1<<handleGenBits); i++ {
		h := e.event()
		seen[h]++
		HandleClose(e.p, h)
	}
	// One slot, so every value comes from it; generations wrap and
	// closed values are eventually reused.
	if len(seen) != 1<<handleGenBits {
		t.Fatalf("%d distinct values, want %d", len(seen), 1<<handleGenBits)
	}
}

func TestDuplicate(t *testing.T) {
	e := newEnv(t)
	ev := e.event()
	ch0, ch1 := must2(ChannelCreate(e.p, 0))
	noDup := must(HandleReplace(e.p, must(HandleDuplicate(e.p, ev, RightSameRights)), RightWait))
	tests := []struct {
		name   string
		h      Handle
		rights Rights
		want   Status
		got    Rights
	}{
		{"same rights", ev, RightSameRights, OK, DefaultEventRights},
		{"subset", ev, RightDuplicate | RightWait, OK, RightDuplicate | RightWait},
		{"none", ev, RightNone, OK, RightNone},
		{"superset", ev, DefaultEventRights | RightWrite, ErrInvalidArgs, 0},
		{"invalid handle", 0, RightSameRights, ErrBadHandle, 0},
		{"garbage handle", 0x12340, RightSameRights, ErrBadHandle, 0},
		{"no duplicate right", noDup, RightSameRights, ErrAccessDenied, 0},
		{"channel lacks duplicate", ch0, RightSameRights, ErrAccessDenied, 0},
		// ACCESS_DENIED comes before the rights check.
		{"no dup right and superset", noDup, RightsBasic | RightWrite, ErrAccessDenied, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := e.p.table.Len()
			h, st := HandleDuplicate(e.p, tc.h, tc.rights)
			wantStatus(t, "duplicate", st, tc.want)
			if st != OK {
				if h != HandleInvalid || e.p.table.Len() != before {
					t.Fatal("failed duplicate changed state")
				}
				return
			}
			if got := e.rights(h); got != tc.got {
				t.Errorf("rights %#x, want %#x", got, tc.got)
			}
			ib := must(ObjectGetInfoHandleBasic(e.p, h))
			ia := must(ObjectGetInfoHandleBasic(e.p, tc.h))
			if ib.Koid != ia.Koid {
				t.Error("duplicate refers to another object")
			}
		})
	}
	_ = ch1
}

func TestReplace(t *testing.T) {
	e := newEnv(t)
	ev := e.event()
	h, st := HandleReplace(e.p, ev, RightWait|RightTransfer)
	wantStatus(t, "replace", st, OK)
	if e.valid(ev) {
		t.Error("source valid after replace")
	}
	if e.rights(h) != RightWait|RightTransfer {
		t.Errorf("rights %#x", e.rights(h))
	}
	// Replace with more rights fails and still invalidates the source,
	// closing the object when it was the last handle.
	n := LiveObjects(ObjTypeEvent)
	h2, st := HandleReplace(e.p, h, RightWait|RightWrite)
	wantStatus(t, "replace superset", st, ErrInvalidArgs)
	if h2 != HandleInvalid || e.valid(h) {
		t.Error("failed replace kept the source")
	}
	if LiveObjects(ObjTypeEvent) != n-1 {
		t.Error("event not destroyed by failed replace of its last handle")
	}
	_, st = HandleReplace(e.p, h, RightSameRights)
	wantStatus(t, "replace closed", st, ErrBadHandle)
	_, st = HandleReplace(e.p, HandleInvalid, RightSameRights)
	wantStatus(t, "replace invalid", st, ErrBadHandle)

	// Replace keeps the object alive (no zero-handle flap): the peer of a
	// replaced eventpair sees no PEER_CLOSED.
	a, b := must2(EventPairCreate(e.p, 0))
	a2 := must(HandleReplace(e.p, a, RightSameRights))
	if s, _ := ObjectWaitOne(e.p, b, EventPairPeerClosed, 0); s&EventPairPeerClosed != 0 {
		t.Error("replace signalled PEER_CLOSED")
	}
	_ = a2
}

func TestClose(t *testing.T) {
	e := newEnv(t)
	wantStatus(t, "close invalid", HandleClose(e.p, HandleInvalid), OK)
	wantStatus(t, "close garbage", HandleClose(e.p, 0x7777), ErrBadHandle)
	h := e.event()
	wantStatus(t, "close", HandleClose(e.p, h), OK)
	wantStatus(t, "close twice", HandleClose(e.p, h), ErrBadHandle)
}

func TestCloseMany(t *testing.T) {
	e := newEnv(t)
	a, b, c := e.event(), e.event(), e.event()
	st := HandleCloseMany(e.p, []Handle{a, HandleInvalid, b, a, 0x5555, c})
	wantStatus(t, "close_many with repeats", st, ErrBadHandle)
	for _, h := range []Handle{a, b, c} {
		if e.valid(h) {
			t.Errorf("%#x still valid", h)
		}
	}
	wantStatus(t, "close_many empty", HandleCloseMany(e.p, nil), OK)
	wantStatus(t, "close_many invalid only", HandleCloseMany(e.p, []Handle{0, 0}), OK)
	d, f := e.event(), e.event()
	wantStatus(t, "close_many", HandleCloseMany(e.p, []Handle{d, f}), OK)
	if e.p.table.Len() != 0 {
		t.Errorf("table has %d", e.p.table.Len())
	}
}

func TestRightsGateOrder(t *testing.T) {
	e := newEnv(t)
	ev := e.event()
	port := must(PortCreate(e.p, 0))
	weak := must(HandleDuplicate(e.p, ev, RightNone))
	weakPort := must(HandleDuplicate(e.p, port, RightDuplicate))
	tests := []struct {
		name string
		h    Handle
		want Status
	}{
		{"bad handle", 0x999, ErrBadHandle},
		{"wrong type beats missing rights", weak, ErrWrongType},
		{"missing rights", weakPort, ErrAccessDenied},
		{"ok", port, OK},
	}
	for _, tc := range tests {
		_, st := PortWait(e.p, tc.h, 0)
		if tc.want == OK {
			wantStatus(t, tc.name, st, ErrTimedOut)
			continue
		}
		wantStatus(t, tc.name, st, tc.want)
	}
}

func TestNarrowRights(t *testing.T) {
	tests := []struct {
		have, req, want Rights
		st              Status
	}{
		{RightsBasic, RightSameRights, RightsBasic, OK},
		{RightsBasic, RightWait, RightWait, OK},
		{RightsBasic, RightNone, RightNone, OK},
		{RightWait, RightWait | RightRead, 0, ErrInvalidArgs},
		{RightWait, RightSameRights | RightWait, 0, ErrInvalidArgs},
	}
	for _, tc := range tests {
		got, st := narrowRights(tc.have, tc.req)
		if got != tc.want || st != tc.st {
			t.Errorf("narrow(%#x,%#x) = %#x,%v want %#x,%v", tc.have, tc.req, got, st, tc.want, tc.st)
		}
	}
}

// TestHandleOwner: a handle taken out of a table leaves its owner only
// through AddOwned or Release, and Release is idempotent.
func TestHandleOwner(t *testing.T) {
	e := newEnv(t)
	q := e.proc()
	h := e.event()
	if o := e.p.table.Remove(0x1234); o.Valid() || o.Rights() != RightNone {
		t.Fatal("owner of an invalid handle")
	}
	o := e.p.table.Remove(h)
	if !o.Valid() || o.Rights() != DefaultEventRights || e.p.table.Get(h) != nil {
		t.Fatalf("remove: valid %v rights %#x", o.Valid(), o.Rights())
	}
	v, st := q.table.AddOwned(&o)
	if st != OK || o.Valid() || q.table.Get(v) == nil {
		t.Fatalf("AddOwned: %v, still owning %v", st, o.Valid())
	}
	o.Release() // owns nothing: no effect
	if _, st := q.table.AddOwned(&o); st != ErrBadHandle {
		t.Fatalf("AddOwned of nothing: %v", st)
	}
	// A closed table refuses it; the owner keeps the handle until Release.
	o = q.table.Remove(v)
	q.table.closeAll()
	if _, st := q.table.AddOwned(&o); st == OK || !o.Valid() {
		t.Fatalf("AddOwned into a closed table: %v", st)
	}
	n := LiveHandles()
	o.Release()
	o.Release()
	if LiveHandles() != n-1 || o.Valid() {
		t.Fatalf("release: handles %d→%d", n, LiveHandles())
	}
}

// ZX_INFO_HANDLE_TABLE lists newest first, as Zircon's handle list does,
// even when a new handle reuses an older one's slot.
func TestHandleTableNewestFirst(t *testing.T) {
	e := newEnv(t)
	a, b := e.event(), e.event()
	wantStatus(t, "close", HandleClose(e.p, a), OK)
	c, d := e.event(), e.event()
	want := []Handle{d, c, b}
	var got []Handle
	e.p.table.mu.RLock()
	e.p.table.forEachNewestFirstLocked(func(x *HandleEntry) {
		if x.value == b || x.value == c || x.value == d {
			got = append(got, x.value)
		}
	})
	e.p.table.mu.RUnlock()
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("order %#x, want %#x", got, want)
	}
}
