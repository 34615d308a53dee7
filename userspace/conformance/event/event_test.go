// Package event is the conformance family for event_create and for the
// signal and wait calls as events use them (object_signal,
// object_signal_peer, object_wait_one, object_wait_many on events), run
// inside Beryl (go test -exec bin/zxrun): documented errors, bad user
// pointers, rights after duplicate and replace, and waits woken or
// cancelled by other threads.
package event

import (
	"sync"
	"testing"
	"time"

	"beryl/userspace/zx"
)

func TestEventCreate(t *testing.T) {
	t.Run("new_event", func(t *testing.T) {
		ev := newEvent(t)
		i := basic(t, ev)
		if i.Type != zx.ObjTypeEvent || i.Rights != zx.DefaultEventRights || i.RelatedKoid != 0 || i.Koid == 0 {
			t.Errorf("basic info %+v", i)
		}
		wantSignals(t, "new event", ev, 0xffffffff, 0)
		if n := handleCount(t, ev); n != 1 {
			t.Errorf("handle count %d", n)
		}
	})
	t.Run("distinct_koids", func(t *testing.T) {
		a, b := newEvent(t), newEvent(t)
		if a == b || basic(t, a).Koid == basic(t, b).Koid {
			t.Errorf("two events share handle or koid")
		}
	})
	t.Run("invalid_options", func(t *testing.T) {
		for _, o := range []uint32{1, 2, 0xffffffff} {
			var h zx.Handle
			expect(t, "event_create(options)", zx.Sys_event_create(o, &h), zx.ErrInvalidArgs)
		}
	})
	for _, ba := range append(badAddrs, badAddr{Name: "read_only", Addr: roAddr()}) {
		t.Run("bad_out_"+ba.Name, func(t *testing.T) {
			before := typeCount(t, zx.ObjTypeEvent)
			expect(t, "event_create(bad out)", zx.Sys_event_create(0, hptr(ba.Addr)), zx.ErrInvalidArgs)
			if n := typeCount(t, zx.ObjTypeEvent); n != before {
				t.Errorf("event handles %d -> %d after a failed create", before, n)
			}
		})
	}
}

func TestEventSignal(t *testing.T) {
	t.Run("set_and_clear_signaled", func(t *testing.T) {
		ev := newEvent(t)
		ok(t, "signal(set SIGNALED)", ev.Signal(0, zx.EventSignaled))
		wantSignals(t, "set", ev, 0xffffffff, zx.EventSignaled)
		ok(t, "signal(clear SIGNALED)", ev.Signal(zx.EventSignaled, 0))
		wantSignals(t, "cleared", ev, 0xffffffff, 0)
	})
	t.Run("user_signals", func(t *testing.T) {
		ev := newEvent(t)
		ok(t, "signal(all user)", ev.Signal(0, zx.UserSignalAll))
		wantSignals(t, "set", ev, 0xffffffff, zx.UserSignalAll)
		ok(t, "signal(clear 0-3, set SIGNALED)", ev.Signal(zx.SignalUser0|zx.SignalUser1|zx.SignalUser2|zx.SignalUser3, zx.EventSignaled))
		wantSignals(t, "mixed", ev, 0xffffffff, zx.EventSignaled|zx.SignalUser4|zx.SignalUser5|zx.SignalUser6|zx.SignalUser7)
	})
	t.Run("clear_then_set_same_bit", func(t *testing.T) {
		// Clear is applied before set: the bit ends up set.
		ev := newEvent(t)
		ok(t, "signal(clear+set USER0)", ev.Signal(zx.SignalUser0, zx.SignalUser0))
		wantSignals(t, "after clear+set", ev, zx.SignalUser0, zx.SignalUser0)
	})
	for _, bits := range []struct {
		name string
		s    zx.Signals
	}{{"readable", zx.SignalReadable}, {"peer_closed", zx.SignalPeerClosed}, {"bit4", zx.Signal4}, {"handle_closed", zx.SignalHandleClosed}} {
		t.Run("invalid_set_"+bits.name, func(t *testing.T) {
			ev := newEvent(t)
			expect(t, "signal(set non-user bit)", zx.Sys_object_signal(ev, 0, uint32(bits.s)), zx.ErrInvalidArgs)
			wantSignals(t, "nothing changed", ev, 0xffffffff, 0)
		})
	}
	t.Run("invalid_clear", func(t *testing.T) {
		ev := newEvent(t)
		ok(t, "set", ev.Signal(0, zx.EventSignaled))
		expect(t, "signal(clear READABLE, set USER0)", zx.Sys_object_signal(ev, uint32(zx.SignalReadable), uint32(zx.SignalUser0)), zx.ErrInvalidArgs)
		wantSignals(t, "nothing changed", ev, 0xffffffff, zx.EventSignaled)
	})
	t.Run("bad_handle", func(t *testing.T) {
		for _, h := range []zx.Handle{zx.HandleInvalid, staleHandle(t)} {
			expect(t, "object_signal(bad handle)", zx.Sys_object_signal(h, 0, uint32(zx.EventSignaled)), zx.ErrBadHandle)
		}
	})
	t.Run("access_denied_no_signal_right", func(t *testing.T) {
		ev := newEvent(t)
		w, err := ev.Duplicate(zx.RightWait)
		ok(t, "duplicate", err)
		closeLater(t, w)
		expect(t, "object_signal(no SIGNAL)", zx.Sys_object_signal(w, 0, uint32(zx.EventSignaled)), zx.ErrAccessDenied)
		wantSignals(t, "nothing changed", ev, 0xffffffff, 0)
	})
	t.Run("signal_peer_not_peered", func(t *testing.T) {
		// Events have no peer; their default rights lack SIGNAL_PEER, so
		// the rights gate answers first.
		ev := newEvent(t)
		expect(t, "object_signal_peer(event)", zx.Sys_object_signal_peer(ev, 0, uint32(zx.SignalUser0)), zx.ErrAccessDenied)
	})
	t.Run("visible_through_duplicate", func(t *testing.T) {
		ev := newEvent(t)
		d, err := ev.Duplicate(zx.RightSameRights)
		ok(t, "duplicate", err)
		closeLater(t, d)
		ok(t, "signal", ev.Signal(0, zx.SignalUser2))
		wantSignals(t, "duplicate sees it", d, zx.SignalUser2, zx.SignalUser2)
	})
	t.Run("signals_survive_other_handle_close", func(t *testing.T) {
		ev := newEvent(t)
		d, err := ev.Duplicate(zx.RightSameRights)
		ok(t, "duplicate", err)
		ok(t, "signal", d.Signal(0, zx.EventSignaled))
		ok(t, "close duplicate", d.Close())
		wantSignals(t, "after closing the other handle", ev, zx.EventSignaled, zx.EventSignaled)
	})
}

func TestEventRights(t *testing.T) {
	t.Run("duplicate_same_rights", func(t *testing.T) {
		ev := newEvent(t)
		d, err := ev.Duplicate(zx.RightSameRights)
		ok(t, "duplicate", err)
		closeLater(t, d)
		if i := basic(t, d); i.Rights != zx.DefaultEventRights || i.Koid != basic(t, ev).Koid {
			t.Errorf("duplicate %+v", i)
		}
		if n := handleCount(t, ev); n != 2 {
			t.Errorf("handle count %d, want 2", n)
		}
	})
	t.Run("duplicate_reduced", func(t *testing.T) {
		ev := newEvent(t)
		d, err := ev.Duplicate(zx.RightWait | zx.RightSignal)
		ok(t, "duplicate", err)
		closeLater(t, d)
		if r := basic(t, d).Rights; r != zx.RightWait|zx.RightSignal {
			t.Errorf("rights %#x", r)
		}
		expect(t, "duplicate(no DUPLICATE right)", status(func() error { _, err := d.Duplicate(zx.RightSameRights); return err }()), zx.ErrAccessDenied)
	})
	t.Run("duplicate_more_rights", func(t *testing.T) {
		ev := newEvent(t)
		d, err := ev.Duplicate(zx.RightWait | zx.RightDuplicate)
		ok(t, "duplicate", err)
		closeLater(t, d)
		var out zx.Handle
		expect(t, "duplicate(gain SIGNAL)", zx.Sys_handle_duplicate(d, zx.RightWait|zx.RightSignal, &out), zx.ErrInvalidArgs)
	})
	t.Run("replace_reduced", func(t *testing.T) {
		ev, err := zx.NewEvent(0)
		ok(t, "event_create", err)
		r, err := ev.Replace(zx.RightWait)
		ok(t, "replace", err)
		closeLater(t, r)
		if valid(ev.Handle) {
			t.Errorf("replaced handle still valid")
		}
		if got := basic(t, r).Rights; got != zx.RightWait {
			t.Errorf("rights %#x", got)
		}
		expect(t, "signal through WAIT-only handle", zx.Sys_object_signal(r, 0, uint32(zx.EventSignaled)), zx.ErrAccessDenied)
	})
	t.Run("replace_more_rights_fails_and_invalidates", func(t *testing.T) {
		ev := newEvent(t)
		w, err := ev.Duplicate(zx.RightWait)
		ok(t, "duplicate", err)
		var out zx.Handle
		expect(t, "replace(gain SIGNAL)", zx.Sys_handle_replace(w, zx.RightWait|zx.RightSignal, &out), zx.ErrInvalidArgs)
		if valid(w) {
			t.Errorf("source of a failed replace still valid (Zircon invalidates it)")
		}
	})
}

func TestEventWait(t *testing.T) {
	t.Run("already_signaled", func(t *testing.T) {
		ev := newEvent(t)
		ok(t, "signal", ev.Signal(0, zx.EventSignaled|zx.SignalUser0))
		obs, err := ev.WaitOne(zx.EventSignaled, zx.TimeInfinite)
		ok(t, "wait_one", err)
		if obs != zx.EventSignaled|zx.SignalUser0 {
			t.Errorf("observed %#x, want all asserted signals", obs)
		}
	})
	t.Run("timed_out", func(t *testing.T) {
		ev := newEvent(t)
		ok(t, "signal", ev.Signal(0, zx.SignalUser1))
		start := zx.Now()
		obs, err := ev.WaitOne(zx.EventSignaled, after(20*time.Millisecond))
		expect(t, "wait_one(unsignaled)", status(err), zx.ErrTimedOut)
		if obs != zx.SignalUser1 {
			t.Errorf("observed %#x on timeout, want USER1", obs)
		}
		if zx.Now()-start < zx.Time(20*time.Millisecond) {
			t.Errorf("returned before the deadline")
		}
	})
	t.Run("access_denied_no_wait_right", func(t *testing.T) {
		ev := newEvent(t)
		s, err := ev.Duplicate(zx.RightSignal)
		ok(t, "duplicate", err)
		closeLater(t, s)
		var obs zx.Signals
		expect(t, "wait_one(no WAIT)", zx.Sys_object_wait_one(s, zx.EventSignaled, 0, &obs), zx.ErrAccessDenied)
	})
	for _, ba := range badAddrs {
		t.Run("bad_observed_"+ba.Name, func(t *testing.T) {
			ev := newEvent(t)
			ok(t, "signal", ev.Signal(0, zx.EventSignaled))
			expect(t, "wait_one(bad observed)", zx.Sys_object_wait_one(ev, zx.EventSignaled, 0, (*zx.Signals)(ptr(ba.Addr))), zx.ErrInvalidArgs)
		})
	}
	t.Run("woken_by_other_thread", func(t *testing.T) {
		ev := newEvent(t)
		res := make(chan zx.Signals, 1)
		go func() {
			obs, _ := ev.WaitOne(zx.EventSignaled, after(20*time.Second))
			res <- obs
		}()
		time.Sleep(20 * time.Millisecond)
		ok(t, "signal", ev.Signal(0, zx.EventSignaled))
		if obs := <-res; obs&zx.EventSignaled == 0 {
			t.Errorf("waiter observed %#x", obs)
		}
	})
	t.Run("all_waiters_woken", func(t *testing.T) {
		ev := newEvent(t)
		const n = 8
		var wg sync.WaitGroup
		var woke sync.Map
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				if _, err := ev.WaitOne(zx.EventSignaled, after(20*time.Second)); err == nil {
					woke.Store(i, true)
				}
			}(i)
		}
		time.Sleep(30 * time.Millisecond)
		ok(t, "signal", ev.Signal(0, zx.EventSignaled))
		wg.Wait()
		for i := 0; i < n; i++ {
			if _, w := woke.Load(i); !w {
				t.Errorf("waiter %d not woken", i)
			}
		}
	})
	t.Run("canceled_by_close", func(t *testing.T) {
		// If the waiter had not blocked yet when the handle was closed it
		// gets BAD_HANDLE instead: retry with a longer head start.
		ev := newEvent(t)
		for delay := 20 * time.Millisecond; ; delay *= 2 {
			d, err := ev.Duplicate(zx.RightSameRights)
			ok(t, "duplicate", err)
			res := make(chan zx.Status, 1)
			var obs zx.Signals
			go func() { res <- zx.Sys_object_wait_one(d, zx.EventSignaled, after(20*time.Second), &obs) }()
			time.Sleep(delay)
			ok(t, "close", d.Close())
			st := <-res
			if st == zx.ErrBadHandle && delay < 2*time.Second {
				continue
			}
			expect(t, "wait_one through a handle closed meanwhile", st, zx.ErrCanceled)
			if obs&zx.SignalHandleClosed == 0 {
				t.Errorf("observed %#x lacks ZX_SIGNAL_HANDLE_CLOSED", obs)
			}
			wantSignals(t, "event through the other handle", ev, zx.EventSignaled, 0)
			return
		}
	})
	t.Run("wait_many", func(t *testing.T) {
		a, b := newEvent(t), newEvent(t)
		items := []zx.WaitItem{{Handle: a, WaitFor: zx.EventSignaled}, {Handle: b, WaitFor: zx.EventSignaled}}
		go func() {
			time.Sleep(20 * time.Millisecond)
			zx.Sys_object_signal(b, 0, uint32(zx.EventSignaled))
		}()
		ok(t, "wait_many", zx.WaitMany(items, after(20*time.Second)))
		if items[0].Pending&zx.EventSignaled != 0 || items[1].Pending&zx.EventSignaled == 0 {
			t.Errorf("pending %#x %#x", items[0].Pending, items[1].Pending)
		}
	})
}
