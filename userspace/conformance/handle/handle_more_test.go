package handle

import (
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

func TestDuplicateErrors(t *testing.T) {
	t.Run("bad-handle", func(t *testing.T) {
		var out zx.Handle
		want(t, "duplicate", zx.Sys_handle_duplicate(0x7fff_fff3, zx.RightSameRights, &out), zx.ErrBadHandle)
	})
	t.Run("invalid-handle", func(t *testing.T) {
		var out zx.Handle
		want(t, "duplicate(INVALID)", zx.Sys_handle_duplicate(zx.HandleInvalid, zx.RightSameRights, &out), zx.ErrBadHandle)
	})
	t.Run("rights-not-subset", func(t *testing.T) {
		h := reduced(t, newEvent(t), zx.RightDuplicate|zx.RightWait)
		out := zx.Handle(0xdead)
		before := handleCount(t)
		want(t, "duplicate(+SIGNAL)", zx.Sys_handle_duplicate(h, zx.RightDuplicate|zx.RightWait|zx.RightSignal, &out), zx.ErrInvalidArgs)
		if out != 0xdead || handleCount(t) != before {
			t.Error("failed duplicate produced a handle")
		}
	})
	t.Run("rights-none", func(t *testing.T) {
		d := reduced(t, newEvent(t), zx.RightNone)
		if b := basic(t, d); b.Rights != zx.RightNone {
			t.Errorf("rights %#x", b.Rights)
		}
	})
	t.Run("closed-source", func(t *testing.T) {
		var h, out zx.Handle
		must(t, "event_create", zx.Sys_event_create(0, &h))
		must(t, "close", zx.Sys_handle_close(h))
		want(t, "duplicate", zx.Sys_handle_duplicate(h, zx.RightSameRights, &out), zx.ErrBadHandle)
	})
	t.Run("distinct-values", func(t *testing.T) {
		ev := newEvent(t)
		seen := map[zx.Handle]bool{ev: true}
		for i := 0; i < 16; i++ {
			d := reduced(t, ev, zx.RightSameRights)
			if seen[d] || d&zx.HandleFixedBitsMask != zx.HandleFixedBitsMask {
				t.Fatalf("duplicate %d: value %#x reused or without the fixed bits", i, d)
			}
			seen[d] = true
		}
	})
}

func TestReplace(t *testing.T) {
	t.Run("invalidates-source", func(t *testing.T) {
		var h, r zx.Handle
		must(t, "event_create", zx.Sys_event_create(0, &h))
		k := basic(t, h).Koid
		must(t, "replace", zx.Sys_handle_replace(h, zx.RightSameRights, &r))
		defer zx.Sys_handle_close(r)
		if valid(h) || !valid(r) || basic(t, r).Koid != k || basic(t, r).Rights != zx.DefaultEventRights {
			t.Error("replace must invalidate the source and keep object and rights")
		}
	})
	t.Run("fewer-rights", func(t *testing.T) {
		var h, r zx.Handle
		must(t, "event_create", zx.Sys_event_create(0, &h))
		must(t, "replace", zx.Sys_handle_replace(h, zx.RightWait, &r))
		defer zx.Sys_handle_close(r)
		if basic(t, r).Rights != zx.RightWait {
			t.Errorf("rights %#x", basic(t, r).Rights)
		}
	})
	t.Run("more-rights-invalidates-source", func(t *testing.T) {
		var h, d, r zx.Handle
		must(t, "event_create", zx.Sys_event_create(0, &h))
		defer zx.Sys_handle_close(h)
		must(t, "duplicate", zx.Sys_handle_duplicate(h, zx.RightWait, &d))
		r = 0xdead
		before := handleCount(t)
		want(t, "replace(+SIGNAL)", zx.Sys_handle_replace(d, zx.RightWait|zx.RightSignal, &r), zx.ErrInvalidArgs)
		if valid(d) {
			t.Error("source still valid after a failed replace")
		}
		if r != 0xdead || handleCount(t) != before-1 {
			t.Errorf("failed replace: out %#x, handles %d → %d", r, before, handleCount(t))
		}
	})
	t.Run("needs-no-rights", func(t *testing.T) {
		var h, d, r zx.Handle
		must(t, "event_create", zx.Sys_event_create(0, &h))
		defer zx.Sys_handle_close(h)
		must(t, "duplicate", zx.Sys_handle_duplicate(h, zx.RightNone, &d))
		must(t, "replace a handle without rights", zx.Sys_handle_replace(d, zx.RightSameRights, &r))
		zx.Sys_handle_close(r)
	})
	t.Run("bad-handle", func(t *testing.T) {
		var r zx.Handle
		want(t, "replace", zx.Sys_handle_replace(0x7fff_fff3, zx.RightSameRights, &r), zx.ErrBadHandle)
		want(t, "replace(INVALID)", zx.Sys_handle_replace(zx.HandleInvalid, zx.RightSameRights, &r), zx.ErrBadHandle)
	})
	t.Run("bad-out-pointer-keeps-source", func(t *testing.T) {
		ev := newEvent(t)
		bad := badAddrs(t, 4, true)
		before := handleCount(t)
		for _, b := range bad {
			want(t, "replace(out="+b.Name+")", zx.Sys_handle_replace(ev, zx.RightSameRights, (*zx.Handle)(ptr(b.Addr))), zx.ErrInvalidArgs)
		}
		if !valid(ev) || handleCount(t) != before {
			t.Errorf("bad out pointer: source valid %v, handles %d → %d", valid(ev), before, handleCount(t))
		}
	})
	t.Run("wait-canceled-by-replace", func(t *testing.T) {
		var h, r zx.Handle
		must(t, "event_create", zx.Sys_event_create(0, &h))
		done := make(chan zx.Status, 1)
		var obs zx.Signals
		go func() { done <- zx.Sys_object_wait_one(h, zx.EventSignaled, zx.Now()+10_000_000_000, &obs) }()
		must(t, "sleep", zx.Sys_nanosleep(zx.Now()+20_000_000))
		must(t, "replace", zx.Sys_handle_replace(h, zx.RightSameRights, &r))
		defer zx.Sys_handle_close(r)
		want(t, "wait through the replaced handle", <-done, zx.ErrCanceled)
		if obs&zx.SignalHandleClosed == 0 {
			t.Errorf("observed %#x", obs)
		}
	})
}

func TestClose(t *testing.T) {
	t.Run("fixed-bits-cleared", func(t *testing.T) {
		ev := newEvent(t)
		want(t, "close(value&^3)", zx.Sys_handle_close(ev&^zx.HandleFixedBitsMask), zx.ErrBadHandle)
		if !valid(ev) {
			t.Error("handle closed through a value without the fixed bits")
		}
	})
	t.Run("made-up-value", func(t *testing.T) {
		want(t, "close", zx.Sys_handle_close(0x7fff_fff3), zx.ErrBadHandle)
	})
	t.Run("duplicate-survives", func(t *testing.T) {
		var h zx.Handle
		must(t, "event_create", zx.Sys_event_create(0, &h))
		d := reduced(t, h, zx.RightSameRights)
		must(t, "close", zx.Sys_handle_close(h))
		if !valid(d) {
			t.Error("closing one handle invalidated its duplicate")
		}
		must(t, "signal via duplicate", zx.Sys_object_signal(d, 0, uint32(zx.EventSignaled)))
	})
	t.Run("peer-closed-signal", func(t *testing.T) {
		var a, b zx.Handle
		must(t, "eventpair_create", zx.Sys_eventpair_create(0, &a, &b))
		defer zx.Sys_handle_close(a)
		must(t, "close b", zx.Sys_handle_close(b))
		var obs zx.Signals
		must(t, "wait PEER_CLOSED", zx.Sys_object_wait_one(a, zx.EventPairPeerClosed, 0, &obs))
	})
}

func TestCloseMany(t *testing.T) {
	events := func(t *testing.T, n int) []zx.Handle {
		hs := make([]zx.Handle, n)
		for i := range hs {
			must(t, "event_create", zx.Sys_event_create(0, &hs[i]))
		}
		t.Cleanup(func() {
			for _, h := range hs {
				zx.Sys_handle_close(h)
			}
		})
		return hs
	}
	closeMany := func(hs []zx.Handle) zx.Status {
		return zx.Sys_handle_close_many(unsafe.SliceData(hs), uint(len(hs)))
	}
	t.Run("all-valid", func(t *testing.T) {
		hs := events(t, 4)
		want(t, "close_many", closeMany(hs), zx.OK)
		for _, h := range hs {
			if valid(h) {
				t.Errorf("%#x still valid", h)
			}
		}
	})
	t.Run("invalid-entries-skipped", func(t *testing.T) {
		hs := events(t, 2)
		arr := []zx.Handle{zx.HandleInvalid, hs[0], zx.HandleInvalid, hs[1]}
		want(t, "close_many", closeMany(arr), zx.OK)
		if valid(hs[0]) || valid(hs[1]) {
			t.Error("handles not closed")
		}
	})
	t.Run("only-invalid", func(t *testing.T) {
		want(t, "close_many", closeMany([]zx.Handle{zx.HandleInvalid, zx.HandleInvalid}), zx.OK)
	})
	t.Run("bad-entry-closes-the-rest", func(t *testing.T) {
		hs := events(t, 2)
		arr := []zx.Handle{hs[0], 0x7fff_fff3, hs[1]}
		want(t, "close_many", closeMany(arr), zx.ErrBadHandle)
		if valid(hs[0]) || valid(hs[1]) {
			t.Error("valid entries must be closed despite the bad one")
		}
	})
	t.Run("repeated-entry", func(t *testing.T) {
		hs := events(t, 1)
		want(t, "close_many([h, h])", closeMany([]zx.Handle{hs[0], hs[0]}), zx.ErrBadHandle)
		if valid(hs[0]) {
			t.Error("repeated handle not closed")
		}
	})
	t.Run("empty", func(t *testing.T) {
		want(t, "close_many(NULL, 0)", zx.Sys_handle_close_many(nil, 0), zx.OK)
	})
	t.Run("more-than-a-chunk", func(t *testing.T) {
		hs := events(t, 300)
		before := handleCount(t)
		want(t, "close_many(300)", closeMany(hs), zx.OK)
		if n := handleCount(t); n != before-300 {
			t.Errorf("handles %d → %d, want -300", before, n)
		}
	})
	t.Run("bad-pointers-close-nothing", func(t *testing.T) {
		hs := events(t, 2)
		s := newScratch(t)
		// The array's first two entries are valid handles on the last
		// bytes of a mapped page; the third lies on the unmapped page.
		arr := unsafe.Slice((*zx.Handle)(ptr(s.RW()+zx.PageSize-8)), 2)
		copy(arr, hs)
		want(t, "close_many(straddling array)", zx.Sys_handle_close_many(&arr[0], 3), zx.ErrInvalidArgs)
		for _, b := range badAddrs(t, 8, false) {
			if b.Name == "null" {
				continue
			}
			want(t, "close_many(handles="+b.Name+")", zx.Sys_handle_close_many((*zx.Handle)(ptr(b.Addr)), 2), zx.ErrInvalidArgs)
		}
		want(t, "close_many(NULL, 2)", zx.Sys_handle_close_many(nil, 2), zx.ErrInvalidArgs)
		if !valid(hs[0]) || !valid(hs[1]) {
			t.Error("a rejected close_many closed handles")
		}
	})
	t.Run("huge-count", func(t *testing.T) {
		hs := events(t, 1)
		want(t, "close_many(count=2^62)", zx.Sys_handle_close_many(&hs[0], 1<<62), zx.ErrInvalidArgs)
		if !valid(hs[0]) {
			t.Error("rejected close_many closed a handle")
		}
	})
}

func TestTableLimit(t *testing.T) {
	// Zircon's per-process limit is 256 Ki handles: duplicate until
	// ZX_ERR_NO_RESOURCES, then check the table is exactly full and that
	// closing one handle makes room for exactly one more.
	const limit = 256 * 1024
	ev := newEvent(t)
	hs := make([]zx.Handle, 0, limit)
	defer func() {
		for off := 0; off < len(hs); off += 4096 {
			zx.Sys_handle_close_many(&hs[off], uint(min(4096, len(hs)-off)))
		}
	}()
	var st zx.Status
	for len(hs) < limit+1 {
		var d zx.Handle
		if st = zx.Sys_handle_duplicate(ev, zx.RightSameRights, &d); st != zx.OK {
			break
		}
		hs = append(hs, d)
	}
	want(t, "duplicate into a full table", st, zx.ErrNoResources)
	if n := handleCount(t); n != limit {
		t.Errorf("%d handles when full, want %d", n, limit)
	}
	var ev2 zx.Handle
	want(t, "event_create into a full table", zx.Sys_event_create(0, &ev2), zx.ErrNoResources)
	must(t, "close one", zx.Sys_handle_close(hs[len(hs)-1]))
	hs = hs[:len(hs)-1]
	var d zx.Handle
	must(t, "duplicate after closing one", zx.Sys_handle_duplicate(ev, zx.RightSameRights, &d))
	hs = append(hs, d)
	want(t, "and the next", zx.Sys_handle_duplicate(ev, zx.RightSameRights, &d), zx.ErrNoResources)
}
