// Package wait is the conformance family for object_wait_one,
// object_wait_many and object_wait_async (deadlines, the 64-item limit,
// pending signals, cancellation by handle close with
// ZX_SIGNAL_HANDLE_CLOSED, port packets with ONCE/TIMESTAMP/EDGE), run
// inside Beryl (go test -exec bin/zxrun).
package wait

import (
	"runtime"
	"testing"
	"time"

	"beryl/userspace/zx"
)

const ms = zx.Time(1_000_000)

// later runs f on another locked OS thread after d.
func later(d zx.Time, f func()) {
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		zx.Sys_nanosleep(zx.Now() + d)
		f()
	}()
}

func newPort(t *testing.T) zx.Handle {
	t.Helper()
	var h zx.Handle
	must(t, "port_create", zx.Sys_port_create(0, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func TestWaitOne(t *testing.T) {
	t.Run("already-satisfied", func(t *testing.T) {
		ev := newEvent(t)
		must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled|zx.SignalUser1)))
		var obs zx.Signals
		want(t, "wait_one", zx.Sys_object_wait_one(ev, zx.EventSignaled, zx.TimeInfinite, &obs), zx.OK)
		if obs != zx.EventSignaled|zx.SignalUser1 {
			t.Errorf("observed %#x, want all asserted signals", obs)
		}
	})
	t.Run("deadline-zero", func(t *testing.T) {
		ev := newEvent(t)
		must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(zx.SignalUser2)))
		var obs zx.Signals
		want(t, "wait_one", zx.Sys_object_wait_one(ev, zx.EventSignaled, 0, &obs), zx.ErrTimedOut)
		if obs != zx.SignalUser2 {
			t.Errorf("observed %#x on timeout, want USER_2", obs)
		}
	})
	t.Run("deadline-future", func(t *testing.T) {
		ev := newEvent(t)
		deadline := zx.Now() + 20*ms
		want(t, "wait_one", zx.Sys_object_wait_one(ev, zx.EventSignaled, deadline, nil), zx.ErrTimedOut)
		if now := zx.Now(); now < deadline {
			t.Errorf("timed out %d ns early", deadline-now)
		}
	})
	t.Run("no-signals", func(t *testing.T) {
		want(t, "wait_one(0)", zx.Sys_object_wait_one(newEvent(t), 0, zx.Now()+5*ms, nil), zx.ErrTimedOut)
	})
	t.Run("signaled-by-other-thread", func(t *testing.T) {
		ev := newEvent(t)
		later(10*ms, func() { zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)) })
		var obs zx.Signals
		want(t, "wait_one", zx.Sys_object_wait_one(ev, zx.EventSignaled, zx.Now()+10_000*ms, &obs), zx.OK)
		if obs&zx.EventSignaled == 0 {
			t.Errorf("observed %#x", obs)
		}
	})
	t.Run("any-of-several", func(t *testing.T) {
		ev := newEvent(t)
		later(5*ms, func() { zx.Sys_object_signal(ev, 0, uint32(zx.SignalUser3)) })
		var obs zx.Signals
		want(t, "wait_one", zx.Sys_object_wait_one(ev, zx.EventSignaled|zx.SignalUser3, zx.Now()+10_000*ms, &obs), zx.OK)
		if obs&zx.SignalUser3 == 0 {
			t.Errorf("observed %#x", obs)
		}
	})
	t.Run("peer-closed", func(t *testing.T) {
		var a, b zx.Handle
		must(t, "eventpair_create", zx.Sys_eventpair_create(0, &a, &b))
		defer zx.Sys_handle_close(a)
		later(5*ms, func() { zx.Sys_handle_close(b) })
		var obs zx.Signals
		want(t, "wait_one", zx.Sys_object_wait_one(a, zx.EventPairPeerClosed, zx.Now()+10_000*ms, &obs), zx.OK)
		if obs&zx.EventPairPeerClosed == 0 {
			t.Errorf("observed %#x", obs)
		}
	})
	t.Run("canceled-by-close", func(t *testing.T) {
		var ev zx.Handle
		must(t, "event_create", zx.Sys_event_create(0, &ev))
		later(10*ms, func() { zx.Sys_handle_close(ev) })
		var obs zx.Signals
		want(t, "wait_one", zx.Sys_object_wait_one(ev, zx.EventSignaled, zx.Now()+10_000*ms, &obs), zx.ErrCanceled)
		if obs&zx.SignalHandleClosed == 0 {
			t.Errorf("observed %#x, want ZX_SIGNAL_HANDLE_CLOSED", obs)
		}
	})
	t.Run("close-of-other-handle-does-not-cancel", func(t *testing.T) {
		ev := newEvent(t)
		var dup zx.Handle
		must(t, "duplicate", zx.Sys_handle_duplicate(ev, zx.RightSameRights, &dup))
		later(5*ms, func() { zx.Sys_handle_close(dup) })
		want(t, "wait_one", zx.Sys_object_wait_one(ev, zx.EventSignaled, zx.Now()+40*ms, nil), zx.ErrTimedOut)
	})
	t.Run("bad-observed-pointer", func(t *testing.T) {
		ev := newEvent(t)
		must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)))
		for _, b := range badAddrs(t, 4, true) {
			if b.Name == "null" {
				continue // observed is optional
			}
			want(t, "wait_one(observed="+b.Name+")", zx.Sys_object_wait_one(ev, zx.EventSignaled, 0, (*zx.Signals)(ptr(b.Addr))), zx.ErrInvalidArgs)
		}
	})
	t.Run("no-wait-right", func(t *testing.T) {
		h := reduced(t, newEvent(t), zx.RightSignal)
		want(t, "wait_one", zx.Sys_object_wait_one(h, zx.EventSignaled, 0, nil), zx.ErrAccessDenied)
	})
	t.Run("vmar-no-wait-right", func(t *testing.T) {
		want(t, "wait_one(root VMAR)", zx.Sys_object_wait_one(zx.VmarRootSelf().Handle, 1, 0, nil), zx.ErrAccessDenied)
	})
	t.Run("bad-handle", func(t *testing.T) {
		want(t, "wait_one", zx.Sys_object_wait_one(0x7fff_fff3, 1, 0, nil), zx.ErrBadHandle)
		want(t, "wait_one(INVALID)", zx.Sys_object_wait_one(zx.HandleInvalid, 1, 0, nil), zx.ErrBadHandle)
	})
}

func TestWaitMany(t *testing.T) {
	events := func(t *testing.T, n int) []zx.WaitItem {
		items := make([]zx.WaitItem, n)
		for i := range items {
			items[i] = zx.WaitItem{Handle: newEvent(t), WaitFor: zx.EventSignaled, Pending: 0xdeadbeef}
		}
		return items
	}
	t.Run("one-satisfied", func(t *testing.T) {
		items := events(t, 3)
		must(t, "signal", zx.Sys_object_signal(items[1].Handle, 0, uint32(zx.EventSignaled)))
		must(t, "signal user", zx.Sys_object_signal(items[2].Handle, 0, uint32(zx.SignalUser0)))
		want(t, "wait_many", zx.Sys_object_wait_many(&items[0], 3, zx.TimeInfinite), zx.OK)
		if items[0].Pending != 0 || items[1].Pending != zx.EventSignaled || items[2].Pending != zx.SignalUser0 {
			t.Errorf("pending %#x %#x %#x", items[0].Pending, items[1].Pending, items[2].Pending)
		}
	})
	t.Run("timeout-fills-pending", func(t *testing.T) {
		items := events(t, 2)
		must(t, "signal user", zx.Sys_object_signal(items[0].Handle, 0, uint32(zx.SignalUser4)))
		want(t, "wait_many", zx.Sys_object_wait_many(&items[0], 2, zx.Now()+5*ms), zx.ErrTimedOut)
		if items[0].Pending != zx.SignalUser4 || items[1].Pending != 0 {
			t.Errorf("pending %#x %#x", items[0].Pending, items[1].Pending)
		}
	})
	t.Run("signaled-by-other-thread", func(t *testing.T) {
		items := events(t, 4)
		later(10*ms, func() { zx.Sys_object_signal(items[3].Handle, 0, uint32(zx.EventSignaled)) })
		want(t, "wait_many", zx.Sys_object_wait_many(&items[0], 4, zx.Now()+10_000*ms), zx.OK)
		if items[3].Pending&zx.EventSignaled == 0 {
			t.Errorf("pending %#x", items[3].Pending)
		}
	})
	t.Run("same-handle-twice", func(t *testing.T) {
		items := events(t, 1)
		items = append(items, zx.WaitItem{Handle: items[0].Handle, WaitFor: zx.SignalUser0})
		must(t, "signal", zx.Sys_object_signal(items[0].Handle, 0, uint32(zx.SignalUser0)))
		want(t, "wait_many", zx.Sys_object_wait_many(&items[0], 2, 0), zx.OK)
		if items[0].Pending != zx.SignalUser0 || items[1].Pending != zx.SignalUser0 {
			t.Errorf("pending %#x %#x", items[0].Pending, items[1].Pending)
		}
	})
	t.Run("zero-items", func(t *testing.T) {
		deadline := zx.Now() + 10*ms
		want(t, "wait_many(NULL, 0)", zx.Sys_object_wait_many(nil, 0, deadline), zx.ErrTimedOut)
		if now := zx.Now(); now < deadline {
			t.Errorf("returned %d ns before the deadline", deadline-now)
		}
	})
	t.Run("64-items", func(t *testing.T) {
		items := events(t, zx.WaitManyMaxItems)
		must(t, "signal last", zx.Sys_object_signal(items[63].Handle, 0, uint32(zx.EventSignaled)))
		want(t, "wait_many(64)", zx.Sys_object_wait_many(&items[0], 64, 0), zx.OK)
		if items[63].Pending != zx.EventSignaled || items[0].Pending != 0 {
			t.Errorf("pending[0]=%#x pending[63]=%#x", items[0].Pending, items[63].Pending)
		}
	})
	t.Run("65-items", func(t *testing.T) {
		items := events(t, zx.WaitManyMaxItems+1)
		want(t, "wait_many(65)", zx.Sys_object_wait_many(&items[0], 65, 0), zx.ErrOutOfRange)
		if items[0].Pending != 0xdeadbeef {
			t.Error("rejected wait wrote pending")
		}
	})
	t.Run("huge-count", func(t *testing.T) {
		items := events(t, 1)
		want(t, "wait_many(2^40)", zx.Sys_object_wait_many(&items[0], 1<<40, 0), zx.ErrOutOfRange)
	})
	t.Run("canceled-by-close", func(t *testing.T) {
		items := events(t, 2)
		var ev zx.Handle
		must(t, "event_create", zx.Sys_event_create(0, &ev))
		items[1].Handle = ev
		later(10*ms, func() { zx.Sys_handle_close(ev) })
		want(t, "wait_many", zx.Sys_object_wait_many(&items[0], 2, zx.Now()+10_000*ms), zx.ErrCanceled)
		if items[1].Pending&zx.SignalHandleClosed == 0 || items[0].Pending&zx.SignalHandleClosed != 0 {
			t.Errorf("pending %#x %#x, want HANDLE_CLOSED only on the closed one", items[0].Pending, items[1].Pending)
		}
	})
	t.Run("bad-handle", func(t *testing.T) {
		items := events(t, 3)
		items[2].Handle = 0x7fff_fff3
		want(t, "wait_many", zx.Sys_object_wait_many(&items[0], 3, 0), zx.ErrBadHandle)
		if items[0].Pending != 0xdeadbeef {
			t.Error("failed wait wrote pending")
		}
	})
	t.Run("no-wait-right", func(t *testing.T) {
		items := events(t, 2)
		items[1].Handle = reduced(t, items[1].Handle, zx.RightSignal)
		want(t, "wait_many", zx.Sys_object_wait_many(&items[0], 2, 0), zx.ErrAccessDenied)
	})
	t.Run("bad-items-pointer", func(t *testing.T) {
		for _, b := range badAddrs(t, 24, true) {
			want(t, "wait_many(items="+b.Name+")", zx.Sys_object_wait_many((*zx.WaitItem)(ptr(b.Addr)), 2, 0), zx.ErrInvalidArgs)
		}
	})
}

func TestWaitAsync(t *testing.T) {
	wait := func(t *testing.T, port zx.Handle, d zx.Time) (zx.PortPacket, zx.Status) {
		t.Helper()
		var pk zx.PortPacket
		st := zx.Sys_port_wait(port, zx.Now()+d, &pk)
		return pk, st
	}
	t.Run("once", func(t *testing.T) {
		port, ev := newPort(t), newEvent(t)
		must(t, "wait_async", zx.Sys_object_wait_async(ev, port, 42, zx.EventSignaled, zx.WaitAsyncOnce))
		if _, st := wait(t, port, 0); st != zx.ErrTimedOut {
			t.Fatalf("packet before the signal: %v", st)
		}
		must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled|zx.SignalUser0)))
		pk, st := wait(t, port, 5000*ms)
		must(t, "port_wait", st)
		sig := pk.Signal()
		if pk.Key != 42 || pk.Type != zx.PktTypeSignalOne || pk.Status != zx.OK ||
			sig.Trigger != zx.EventSignaled || sig.Observed&zx.EventSignaled == 0 || sig.Count != 1 {
			t.Errorf("packet %+v signal %+v", pk, *sig)
		}
		must(t, "clear", zx.Sys_object_signal(ev, uint32(zx.EventSignaled), 0))
		must(t, "signal again", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)))
		if _, st := wait(t, port, 10*ms); st != zx.ErrTimedOut {
			t.Errorf("ONCE wait delivered a second packet: %v", st)
		}
	})
	t.Run("already-asserted", func(t *testing.T) {
		port, ev := newPort(t), newEvent(t)
		must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)))
		must(t, "wait_async", zx.Sys_object_wait_async(ev, port, 1, zx.EventSignaled, 0))
		if pk, st := wait(t, port, 5000*ms); st != zx.OK || pk.Key != 1 {
			t.Errorf("port_wait = %v key %d", st, pk.Key)
		}
	})
	t.Run("timestamp", func(t *testing.T) {
		port, ev := newPort(t), newEvent(t)
		must(t, "wait_async", zx.Sys_object_wait_async(ev, port, 2, zx.EventSignaled, zx.WaitAsyncTimestamp))
		before := zx.Now()
		must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)))
		after := zx.Now()
		pk, st := wait(t, port, 5000*ms)
		must(t, "port_wait", st)
		if ts := pk.Signal().Timestamp; ts < before || ts > after {
			t.Errorf("timestamp %d outside [%d, %d]", ts, before, after)
		}
	})
	t.Run("edge", func(t *testing.T) {
		port, ev := newPort(t), newEvent(t)
		must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)))
		must(t, "wait_async(EDGE)", zx.Sys_object_wait_async(ev, port, 3, zx.EventSignaled, zx.WaitAsyncEdge))
		if _, st := wait(t, port, 10*ms); st != zx.ErrTimedOut {
			t.Fatalf("EDGE wait fired on a level: %v", st)
		}
		must(t, "clear", zx.Sys_object_signal(ev, uint32(zx.EventSignaled), 0))
		must(t, "set", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)))
		if pk, st := wait(t, port, 5000*ms); st != zx.OK || pk.Key != 3 {
			t.Errorf("EDGE packet: %v key %d", st, pk.Key)
		}
	})
	t.Run("close-handle-drops-wait", func(t *testing.T) {
		port := newPort(t)
		var ev zx.Handle
		must(t, "event_create", zx.Sys_event_create(0, &ev))
		must(t, "wait_async", zx.Sys_object_wait_async(ev, port, 4, zx.EventSignaled, 0))
		must(t, "close", zx.Sys_handle_close(ev))
		if _, st := wait(t, port, 10*ms); st != zx.ErrTimedOut {
			t.Errorf("packet after closing the waited handle: %v", st)
		}
	})
	t.Run("port-cancel", func(t *testing.T) {
		port, ev := newPort(t), newEvent(t)
		must(t, "wait_async", zx.Sys_object_wait_async(ev, port, 5, zx.EventSignaled, 0))
		must(t, "port_cancel", zx.Sys_port_cancel(port, ev, 5))
		must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)))
		if _, st := wait(t, port, 10*ms); st != zx.ErrTimedOut {
			t.Errorf("packet after port_cancel: %v", st)
		}
	})
	t.Run("two-keys", func(t *testing.T) {
		port, ev := newPort(t), newEvent(t)
		must(t, "wait_async 1", zx.Sys_object_wait_async(ev, port, 10, zx.SignalUser0, 0))
		must(t, "wait_async 2", zx.Sys_object_wait_async(ev, port, 11, zx.SignalUser1, 0))
		must(t, "signal USER_1", zx.Sys_object_signal(ev, 0, uint32(zx.SignalUser1)))
		pk, st := wait(t, port, 5000*ms)
		if st != zx.OK || pk.Key != 11 {
			t.Errorf("first packet %v key %d, want key 11", st, pk.Key)
		}
		if _, st := wait(t, port, 10*ms); st != zx.ErrTimedOut {
			t.Errorf("unsatisfied wait delivered: %v", st)
		}
	})
	t.Run("across-threads", func(t *testing.T) {
		port, ev := newPort(t), newEvent(t)
		must(t, "wait_async", zx.Sys_object_wait_async(ev, port, 6, zx.EventSignaled, 0))
		later(10*ms, func() { zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)) })
		done := make(chan zx.Status, 1)
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var pk zx.PortPacket
			done <- zx.Sys_port_wait(port, zx.Now()+10_000*ms, &pk)
		}()
		select {
		case st := <-done:
			want(t, "port_wait on another thread", st, zx.OK)
		case <-time.After(20 * time.Second):
			t.Fatal("port_wait never returned")
		}
	})
	for _, c := range []struct {
		name string
		opts uint32
	}{{"option-4", 4}, {"option-high", 1 << 31}, {"option-8", 8}} {
		t.Run("invalid-"+c.name, func(t *testing.T) {
			want(t, "wait_async", zx.Sys_object_wait_async(newEvent(t), newPort(t), 0, zx.EventSignaled, c.opts), zx.ErrInvalidArgs)
		})
	}
	t.Run("bad-handle", func(t *testing.T) {
		want(t, "wait_async", zx.Sys_object_wait_async(0x7fff_fff3, newPort(t), 0, 1, 0), zx.ErrBadHandle)
	})
	t.Run("bad-port", func(t *testing.T) {
		want(t, "wait_async", zx.Sys_object_wait_async(newEvent(t), 0x7fff_fff3, 0, 1, 0), zx.ErrBadHandle)
	})
	t.Run("port-wrong-type", func(t *testing.T) {
		want(t, "wait_async", zx.Sys_object_wait_async(newEvent(t), newEvent(t), 0, 1, 0), zx.ErrWrongType)
	})
	t.Run("port-no-write-right", func(t *testing.T) {
		p := reduced(t, newPort(t), zx.RightRead)
		want(t, "wait_async", zx.Sys_object_wait_async(newEvent(t), p, 0, 1, 0), zx.ErrAccessDenied)
	})
	t.Run("handle-no-wait-right", func(t *testing.T) {
		h := reduced(t, newEvent(t), zx.RightSignal)
		want(t, "wait_async", zx.Sys_object_wait_async(h, newPort(t), 0, 1, 0), zx.ErrAccessDenied)
	})
}
