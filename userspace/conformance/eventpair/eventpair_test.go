// Package eventpair is the conformance family for eventpair_create and
// for object_signal / object_signal_peer and waits on event pairs, run
// inside Beryl (go test -exec bin/zxrun): documented errors, bad user
// pointers, PEER_CLOSED on the last handle's close (before close
// returns), rights, and waits woken by the peer on another thread.
package eventpair

import (
	"testing"
	"time"

	"beryl/userspace/zx"
)

const allSignals zx.Signals = 0xffffffff

func TestEventPairCreate(t *testing.T) {
	t.Run("endpoints", func(t *testing.T) {
		a, b := newEventPair(t)
		ia, ib := basic(t, a), basic(t, b)
		if ia.Type != zx.ObjTypeEventPair || ib.Type != zx.ObjTypeEventPair {
			t.Errorf("types %d %d", ia.Type, ib.Type)
		}
		if ia.Rights != zx.DefaultEventPairRights || ib.Rights != zx.DefaultEventPairRights {
			t.Errorf("rights %#x %#x, want %#x", ia.Rights, ib.Rights, zx.DefaultEventPairRights)
		}
		if ia.RelatedKoid != ib.Koid || ib.RelatedKoid != ia.Koid || ia.Koid == ib.Koid {
			t.Errorf("koids %d/%d related %d/%d", ia.Koid, ib.Koid, ia.RelatedKoid, ib.RelatedKoid)
		}
		wantSignals(t, "new a", a, allSignals, 0)
		wantSignals(t, "new b", b, allSignals, 0)
	})
	t.Run("invalid_options", func(t *testing.T) {
		var a, b zx.Handle
		for _, o := range []uint32{1, 0xffffffff} {
			expect(t, "eventpair_create(options)", zx.Sys_eventpair_create(o, &a, &b), zx.ErrNotSupported)
		}
	})
	for _, ba := range append(badAddrs, badAddr{Name: "read_only", Addr: roAddr()}) {
		t.Run("bad_out0_"+ba.Name, func(t *testing.T) {
			before := typeCount(t, zx.ObjTypeEventPair)
			var b zx.Handle
			expect(t, "eventpair_create(bad out0)", zx.Sys_eventpair_create(0, hptr(ba.Addr), &b), zx.ErrInvalidArgs)
			if n := typeCount(t, zx.ObjTypeEventPair); n != before {
				t.Errorf("eventpair handles %d -> %d after a failed create", before, n)
			}
		})
		t.Run("bad_out1_"+ba.Name, func(t *testing.T) {
			before := typeCount(t, zx.ObjTypeEventPair)
			var a zx.Handle
			expect(t, "eventpair_create(bad out1)", zx.Sys_eventpair_create(0, &a, hptr(ba.Addr)), zx.ErrInvalidArgs)
			if n := typeCount(t, zx.ObjTypeEventPair); n != before {
				t.Errorf("eventpair handles %d -> %d after a failed create", before, n)
			}
		})
	}
}

func TestEventPairSignal(t *testing.T) {
	t.Run("signal_self", func(t *testing.T) {
		a, b := newEventPair(t)
		ok(t, "signal(SIGNALED|USER0)", a.Signal(0, zx.EventPairSignaled|zx.SignalUser0))
		wantSignals(t, "self", a, allSignals, zx.EventPairSignaled|zx.SignalUser0)
		wantSignals(t, "peer untouched", b, allSignals, 0)
	})
	t.Run("signal_peer", func(t *testing.T) {
		a, b := newEventPair(t)
		ok(t, "signal_peer(SIGNALED)", a.SignalPeer(0, zx.EventPairSignaled))
		wantSignals(t, "peer", b, allSignals, zx.EventPairSignaled)
		wantSignals(t, "self untouched", a, allSignals, 0)
		ok(t, "signal_peer(clear)", a.SignalPeer(zx.EventPairSignaled, zx.SignalUser7))
		wantSignals(t, "peer after clear", b, allSignals, zx.SignalUser7)
	})
	t.Run("signal_peer_symmetric", func(t *testing.T) {
		a, b := newEventPair(t)
		ok(t, "b signals a", b.SignalPeer(0, zx.SignalUser3))
		wantSignals(t, "a", a, allSignals, zx.SignalUser3)
	})
	for _, bits := range []struct {
		name string
		s    zx.Signals
	}{{"peer_closed", zx.EventPairPeerClosed}, {"readable", zx.SignalReadable}, {"writable", zx.SignalWritable}, {"bit4", zx.Signal4}} {
		t.Run("invalid_signal_"+bits.name, func(t *testing.T) {
			a, b := newEventPair(t)
			expect(t, "object_signal(non-user bit)", zx.Sys_object_signal(a, 0, uint32(bits.s)), zx.ErrInvalidArgs)
			expect(t, "object_signal_peer(non-user bit)", zx.Sys_object_signal_peer(a, 0, uint32(bits.s)), zx.ErrInvalidArgs)
			wantSignals(t, "a unchanged", a, allSignals, 0)
			wantSignals(t, "b unchanged", b, allSignals, 0)
		})
	}
	t.Run("access_denied_no_signal_peer_right", func(t *testing.T) {
		a, b := newEventPair(t)
		r, err := a.Duplicate(zx.RightSignal | zx.RightWait)
		ok(t, "duplicate", err)
		closeLater(t, r)
		expect(t, "signal_peer(no SIGNAL_PEER)", zx.Sys_object_signal_peer(r, 0, uint32(zx.SignalUser0)), zx.ErrAccessDenied)
		wantSignals(t, "peer unchanged", b, allSignals, 0)
		ok(t, "signal self still allowed", r.Signal(0, zx.SignalUser0))
	})
	t.Run("access_denied_no_signal_right", func(t *testing.T) {
		a, _ := newEventPair(t)
		r, err := a.Duplicate(zx.RightSignalPeer | zx.RightWait)
		ok(t, "duplicate", err)
		closeLater(t, r)
		expect(t, "signal(no SIGNAL)", zx.Sys_object_signal(r, 0, uint32(zx.SignalUser0)), zx.ErrAccessDenied)
		wantSignals(t, "unchanged", a, allSignals, 0)
	})
	t.Run("bad_handle", func(t *testing.T) {
		for _, h := range []zx.Handle{zx.HandleInvalid, staleHandle(t)} {
			expect(t, "signal_peer(bad handle)", zx.Sys_object_signal_peer(h, 0, uint32(zx.SignalUser0)), zx.ErrBadHandle)
		}
	})
}

func TestEventPairPeerClosed(t *testing.T) {
	t.Run("before_close_returns", func(t *testing.T) {
		for i := 0; i < 50; i++ {
			a, b, err := zx.NewEventPair(0)
			ok(t, "eventpair_create", err)
			ok(t, "close a", a.Close())
			wantSignals(t, "b", b.Handle, zx.EventPairPeerClosed, zx.EventPairPeerClosed)
			ok(t, "close b", b.Close())
		}
	})
	t.Run("signal_peer_fails", func(t *testing.T) {
		a, b := newEventPair(t)
		ok(t, "close b", b.Close())
		expect(t, "signal_peer(peer closed)", zx.Sys_object_signal_peer(a, 0, uint32(zx.SignalUser0)), zx.ErrPeerClosed)
	})
	t.Run("signal_self_still_works", func(t *testing.T) {
		a, b := newEventPair(t)
		ok(t, "close b", b.Close())
		ok(t, "signal self", a.Signal(0, zx.EventPairSignaled))
		wantSignals(t, "a", a, allSignals, zx.EventPairSignaled|zx.EventPairPeerClosed)
	})
	t.Run("keeps_signals_set_before", func(t *testing.T) {
		a, b := newEventPair(t)
		ok(t, "b signals a", b.SignalPeer(0, zx.SignalUser2))
		ok(t, "close b", b.Close())
		wantSignals(t, "a", a, allSignals, zx.SignalUser2|zx.EventPairPeerClosed)
	})
	t.Run("not_while_duplicate_open", func(t *testing.T) {
		a, b := newEventPair(t)
		d, err := b.Duplicate(zx.RightSameRights)
		ok(t, "duplicate", err)
		ok(t, "close b", b.Close())
		wantSignals(t, "a with b's duplicate alive", a, zx.EventPairPeerClosed, 0)
		ok(t, "close duplicate", d.Close())
		wantSignals(t, "a after the last handle", a, zx.EventPairPeerClosed, zx.EventPairPeerClosed)
	})
	t.Run("replace_keeps_peer", func(t *testing.T) {
		a, b := newEventPair(t)
		r, err := b.Replace(zx.RightWait | zx.RightSignalPeer)
		ok(t, "replace", err)
		closeLater(t, r)
		wantSignals(t, "a after replace", a, zx.EventPairPeerClosed, 0)
		ok(t, "signal_peer through the replacement", r.SignalPeer(0, zx.SignalUser1))
		wantSignals(t, "a", a, zx.SignalUser1, zx.SignalUser1)
		expect(t, "signal through a WAIT|SIGNAL_PEER handle", zx.Sys_object_signal(r, 0, uint32(zx.SignalUser1)), zx.ErrAccessDenied)
	})
	t.Run("woken_by_peer_close", func(t *testing.T) {
		a, b := newEventPair(t)
		res := make(chan zx.Signals, 1)
		go func() {
			obs, _ := a.WaitOne(zx.EventPairPeerClosed, after(20*time.Second))
			res <- obs
		}()
		time.Sleep(20 * time.Millisecond)
		ok(t, "close b", b.Close())
		if obs := <-res; obs&zx.EventPairPeerClosed == 0 {
			t.Errorf("observed %#x", obs)
		}
	})
}

func TestEventPairWait(t *testing.T) {
	t.Run("woken_by_peer_signal", func(t *testing.T) {
		a, b := newEventPair(t)
		res := make(chan zx.Signals, 1)
		go func() {
			obs, _ := a.WaitOne(zx.EventPairSignaled, after(20*time.Second))
			res <- obs
		}()
		time.Sleep(20 * time.Millisecond)
		ok(t, "signal_peer", b.SignalPeer(0, zx.EventPairSignaled))
		if obs := <-res; obs != zx.EventPairSignaled {
			t.Errorf("observed %#x, want SIGNALED", obs)
		}
	})
	t.Run("ping_pong", func(t *testing.T) {
		// Two threads hand a token back and forth through the pair.
		a, b := newEventPair(t)
		const rounds = 50
		done := make(chan error, 1)
		go func() {
			for i := 0; i < rounds; i++ {
				if _, err := b.WaitOne(zx.SignalUser0, after(20*time.Second)); err != nil {
					done <- err
					return
				}
				if err := b.Signal(zx.SignalUser0, 0); err != nil {
					done <- err
					return
				}
				if err := b.SignalPeer(0, zx.SignalUser0); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		for i := 0; i < rounds; i++ {
			ok(t, "ping", a.SignalPeer(0, zx.SignalUser0))
			waitFor(t, a, zx.SignalUser0)
			ok(t, "clear", a.Signal(zx.SignalUser0, 0))
		}
		ok(t, "pong side", <-done)
	})
	t.Run("timed_out_observes_state", func(t *testing.T) {
		a, b := newEventPair(t)
		ok(t, "signal_peer", b.SignalPeer(0, zx.SignalUser5))
		obs, err := a.WaitOne(zx.EventPairSignaled, after(10*time.Millisecond))
		expect(t, "wait_one", status(err), zx.ErrTimedOut)
		if obs != zx.SignalUser5 {
			t.Errorf("observed %#x, want USER5", obs)
		}
	})
}
