// Package port is the conformance family for port_create, port_queue,
// port_wait, port_cancel and object_wait_async, run inside Beryl (go test
// -exec bin/zxrun): every documented error, bad user pointers with nothing
// changed, packet contents and order, one-shot and edge-triggered async
// waits, cancellation by port_cancel and by closing the watched handle,
// and waiters on several threads each getting distinct packets.
package port

import (
	"sync"
	"testing"
	"time"

	"beryl/userspace/zx"
)

func newPort(t *testing.T) zx.Port {
	t.Helper()
	p, err := zx.NewPort(0)
	ok(t, "port_create", err)
	closeLater(t, p.Handle)
	return p
}

func userPacket(key uint64, fill byte) *zx.PortPacket {
	pk := &zx.PortPacket{Key: key, Type: zx.PktTypeUser, Status: -7}
	for i := range pk.Payload {
		pk.Payload[i] = fill + byte(i)
	}
	return pk
}

// noPacket checks that nothing is queued on p.
func noPacket(t *testing.T, p zx.Port) {
	t.Helper()
	pk, err := p.Wait(0)
	if status(err) != zx.ErrTimedOut {
		t.Fatalf("port_wait(deadline 0) = %v with packet %+v, want ZX_ERR_TIMED_OUT", err, pk)
	}
}

func wait(t *testing.T, p zx.Port) zx.PortPacket {
	t.Helper()
	pk, err := p.Wait(after(20 * time.Second))
	ok(t, "port_wait", err)
	return pk
}

func TestPortCreate(t *testing.T) {
	t.Run("new_port", func(t *testing.T) {
		p := newPort(t)
		i := basic(t, p.Handle)
		if i.Type != zx.ObjTypePort || i.Rights != zx.DefaultPortRights {
			t.Errorf("basic %+v", i)
		}
		noPacket(t, p)
	})
	t.Run("bind_to_interrupt_option", func(t *testing.T) {
		var h zx.Handle
		expect(t, "port_create(BIND_TO_INTERRUPT)", zx.Sys_port_create(zx.PortBindToInterrupt, &h), zx.OK)
		closeLater(t, h)
	})
	t.Run("invalid_options", func(t *testing.T) {
		var h zx.Handle
		for _, o := range []uint32{2, 0xffffffff} {
			expect(t, "port_create(options)", zx.Sys_port_create(o, &h), zx.ErrInvalidArgs)
		}
	})
	for _, ba := range append(badAddrs, badAddr{Name: "read_only", Addr: roAddr()}) {
		t.Run("bad_out_"+ba.Name, func(t *testing.T) {
			before := typeCount(t, zx.ObjTypePort)
			expect(t, "port_create(bad out)", zx.Sys_port_create(0, hptr(ba.Addr)), zx.ErrInvalidArgs)
			if n := typeCount(t, zx.ObjTypePort); n != before {
				t.Errorf("port handles %d -> %d after a failed create", before, n)
			}
		})
	}
}

func TestPortQueue(t *testing.T) {
	t.Run("round_trip", func(t *testing.T) {
		p := newPort(t)
		in := userPacket(0x1122334455667788, 9)
		ok(t, "port_queue", p.Queue(in))
		out := wait(t, p)
		if out != *in {
			t.Errorf("packet %+v, want %+v", out, *in)
		}
		noPacket(t, p)
	})
	t.Run("type_forced_user", func(t *testing.T) {
		p := newPort(t)
		in := userPacket(1, 0)
		in.Type = zx.PktTypeSignalOne
		ok(t, "port_queue", p.Queue(in))
		if out := wait(t, p); out.Type != zx.PktTypeUser {
			t.Errorf("type %d, want ZX_PKT_TYPE_USER", out.Type)
		}
	})
	t.Run("fifo_order", func(t *testing.T) {
		p := newPort(t)
		for k := uint64(0); k < 20; k++ {
			ok(t, "port_queue", p.Queue(userPacket(k, byte(k))))
		}
		for k := uint64(0); k < 20; k++ {
			if pk := wait(t, p); pk.Key != k || pk.Payload[0] != byte(k) {
				t.Fatalf("packet %d has key %d", k, pk.Key)
			}
		}
	})
	t.Run("full_should_wait", func(t *testing.T) {
		p := newPort(t)
		n := 0
		for ; n < 100000; n++ {
			if err := p.Queue(userPacket(uint64(n), 0)); err != nil {
				expect(t, "port_queue(full)", status(err), zx.ErrShouldWait)
				break
			}
		}
		if n == 0 || n == 100000 {
			t.Fatalf("port took %d packets", n)
		}
		wait(t, p)
		ok(t, "port_queue after a wait", p.Queue(userPacket(0, 0)))
	})
	t.Run("bad_handle", func(t *testing.T) {
		for _, h := range []zx.Handle{zx.HandleInvalid, staleHandle(t)} {
			expect(t, "port_queue(bad handle)", zx.Sys_port_queue(h, userPacket(1, 1)), zx.ErrBadHandle)
		}
	})
	t.Run("wrong_type", func(t *testing.T) {
		expect(t, "port_queue(event)", zx.Sys_port_queue(newEvent(t), userPacket(1, 1)), zx.ErrWrongType)
	})
	t.Run("access_denied_no_write_right", func(t *testing.T) {
		p := newPort(t)
		r, err := p.Duplicate(zx.RightRead)
		ok(t, "duplicate", err)
		closeLater(t, r)
		expect(t, "port_queue(no WRITE)", zx.Sys_port_queue(r, userPacket(1, 1)), zx.ErrAccessDenied)
		noPacket(t, p)
	})
	for _, ba := range badAddrs {
		t.Run("bad_packet_"+ba.Name, func(t *testing.T) {
			p := newPort(t)
			expect(t, "port_queue(bad packet)", zx.Sys_port_queue(p.Handle, (*zx.PortPacket)(ptr(ba.Addr))), zx.ErrInvalidArgs)
			noPacket(t, p)
		})
	}
	// sys_port_queue looks up the port before it copies the packet.
	t.Run("handle_before_packet", func(t *testing.T) {
		expect(t, "port_queue(bad handle, NULL packet)", zx.Sys_port_queue(zx.HandleInvalid, nil), zx.ErrBadHandle)
		expect(t, "port_queue(event, NULL packet)", zx.Sys_port_queue(newEvent(t), nil), zx.ErrWrongType)
	})
}

func TestPortWait(t *testing.T) {
	t.Run("timed_out", func(t *testing.T) {
		p := newPort(t)
		start := zx.Now()
		_, err := p.Wait(after(20 * time.Millisecond))
		expect(t, "port_wait(empty)", status(err), zx.ErrTimedOut)
		if zx.Now()-start < zx.Time(20*time.Millisecond) {
			t.Errorf("returned before the deadline")
		}
	})
	t.Run("deadline_infinite_past", func(t *testing.T) {
		p := newPort(t)
		_, err := p.Wait(zx.TimeInfinitePast)
		expect(t, "port_wait(ZX_TIME_INFINITE_PAST)", status(err), zx.ErrTimedOut)
	})
	t.Run("past_deadline_packet_available", func(t *testing.T) {
		p := newPort(t)
		ok(t, "port_queue", p.Queue(userPacket(5, 0)))
		pk, err := p.Wait(0)
		ok(t, "port_wait(deadline 0, packet queued)", err)
		if pk.Key != 5 {
			t.Errorf("key %d", pk.Key)
		}
	})
	t.Run("bad_handle", func(t *testing.T) {
		var pk zx.PortPacket
		expect(t, "port_wait(stale)", zx.Sys_port_wait(staleHandle(t), 0, &pk), zx.ErrBadHandle)
	})
	t.Run("wrong_type", func(t *testing.T) {
		var pk zx.PortPacket
		expect(t, "port_wait(event)", zx.Sys_port_wait(newEvent(t), 0, &pk), zx.ErrWrongType)
	})
	t.Run("access_denied_no_read_right", func(t *testing.T) {
		p := newPort(t)
		ok(t, "port_queue", p.Queue(userPacket(1, 1)))
		w, err := p.Duplicate(zx.RightWrite)
		ok(t, "duplicate", err)
		closeLater(t, w)
		var pk zx.PortPacket
		expect(t, "port_wait(no READ)", zx.Sys_port_wait(w, 0, &pk), zx.ErrAccessDenied)
		wait(t, p)
	})
	for _, ba := range append(badAddrs, badAddr{Name: "read_only", Addr: roAddr()}) {
		t.Run("bad_packet_"+ba.Name, func(t *testing.T) {
			p := newPort(t)
			ok(t, "port_queue", p.Queue(userPacket(3, 3)))
			expect(t, "port_wait(bad packet)", zx.Sys_port_wait(p.Handle, 0, (*zx.PortPacket)(ptr(ba.Addr))), zx.ErrInvalidArgs)
			if pk := wait(t, p); pk.Key != 3 {
				t.Errorf("packet lost after a bad-pointer wait: key %d", pk.Key)
			}
		})
	}
	t.Run("woken_by_queue_from_other_thread", func(t *testing.T) {
		p := newPort(t)
		res := make(chan zx.PortPacket, 1)
		go func() {
			pk, _ := p.Wait(after(20 * time.Second))
			res <- pk
		}()
		time.Sleep(20 * time.Millisecond)
		ok(t, "port_queue", p.Queue(userPacket(42, 0)))
		if pk := <-res; pk.Key != 42 {
			t.Errorf("waiter got key %d", pk.Key)
		}
	})
	t.Run("one_waiter_per_packet", func(t *testing.T) {
		p := newPort(t)
		const waiters = 6
		var mu sync.Mutex
		got := map[uint64]int{}
		timeouts := 0
		var wg sync.WaitGroup
		for i := 0; i < waiters; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pk, err := p.Wait(after(500 * time.Millisecond))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					timeouts++
					return
				}
				got[pk.Key]++
			}()
		}
		time.Sleep(30 * time.Millisecond)
		for k := uint64(0); k < waiters-2; k++ {
			ok(t, "port_queue", p.Queue(userPacket(k, 0)))
		}
		wg.Wait()
		// A loaded host may run the queueing after some waits timed out;
		// those packets stay queued. Every packet reaches exactly one
		// waiter or stays in the port, and each waiter got one or timed out.
		delivered := len(got)
		for {
			pk, err := p.Wait(0)
			if err != nil {
				break
			}
			got[pk.Key]++
		}
		if len(got) != waiters-2 || delivered+timeouts != waiters {
			t.Errorf("%d distinct packets (%d delivered), %d timeouts; want %d packets, %d delivered+timeouts", len(got), delivered, timeouts, waiters-2, waiters)
		}
		for k, n := range got {
			if n != 1 {
				t.Errorf("packet %d delivered %d times", k, n)
			}
		}
	})
}

func TestObjectWaitAsync(t *testing.T) {
	t.Run("signal_packet", func(t *testing.T) {
		p := newPort(t)
		ev := newEvent(t)
		ok(t, "wait_async", p.WaitAsync(ev, 77, zx.EventSignaled, zx.WaitAsyncOnce))
		noPacket(t, p)
		ok(t, "signal", ev.Signal(0, zx.EventSignaled|zx.SignalUser0))
		pk := wait(t, p)
		s := pk.Signal()
		if pk.Key != 77 || pk.Type != zx.PktTypeSignalOne || pk.Status != zx.OK {
			t.Errorf("packet key %d type %d status %v", pk.Key, pk.Type, pk.Status)
		}
		if s.Trigger != zx.EventSignaled || s.Observed != zx.EventSignaled|zx.SignalUser0 || s.Count != 1 || s.Timestamp != 0 {
			t.Errorf("signal payload %+v", *s)
		}
	})
	t.Run("already_asserted", func(t *testing.T) {
		p := newPort(t)
		ev := newEvent(t)
		ok(t, "signal", ev.Signal(0, zx.SignalUser1))
		ok(t, "wait_async", p.WaitAsync(ev, 1, zx.SignalUser1, 0))
		pk := wait(t, p)
		if pk.Signal().Observed&zx.SignalUser1 == 0 {
			t.Errorf("observed %#x", pk.Signal().Observed)
		}
	})
	t.Run("one_shot", func(t *testing.T) {
		p := newPort(t)
		ev := newEvent(t)
		ok(t, "wait_async", p.WaitAsync(ev, 1, zx.EventSignaled, 0))
		ok(t, "signal", ev.Signal(0, zx.EventSignaled))
		wait(t, p)
		ok(t, "clear", ev.Signal(zx.EventSignaled, 0))
		ok(t, "signal again", ev.Signal(0, zx.EventSignaled))
		noPacket(t, p)
	})
	t.Run("timestamp", func(t *testing.T) {
		p := newPort(t)
		ev := newEvent(t)
		before := zx.Now()
		ok(t, "wait_async(TIMESTAMP)", p.WaitAsync(ev, 1, zx.EventSignaled, zx.WaitAsyncTimestamp))
		ok(t, "signal", ev.Signal(0, zx.EventSignaled))
		pk := wait(t, p)
		ts := pk.Signal().Timestamp
		if ts < before || ts > zx.Now() {
			t.Errorf("timestamp %d outside [%d, now]", ts, before)
		}
	})
	t.Run("edge_triggered", func(t *testing.T) {
		p := newPort(t)
		ev := newEvent(t)
		ok(t, "signal", ev.Signal(0, zx.EventSignaled))
		ok(t, "wait_async(EDGE)", p.WaitAsync(ev, 1, zx.EventSignaled, zx.WaitAsyncEdge))
		noPacket(t, p) // already asserted: no packet until it rises again
		ok(t, "clear", ev.Signal(zx.EventSignaled, 0))
		noPacket(t, p)
		ok(t, "set", ev.Signal(0, zx.EventSignaled))
		if pk := wait(t, p); pk.Key != 1 {
			t.Errorf("key %d", pk.Key)
		}
	})
	t.Run("channel_readable_and_peer_closed", func(t *testing.T) {
		p := newPort(t)
		a, b, err := zx.NewChannel(0)
		ok(t, "channel_create", err)
		closeLater(t, b.Handle)
		ok(t, "wait_async", p.WaitAsync(b.Handle, 9, zx.ChannelReadable|zx.ChannelPeerClosed, 0))
		ok(t, "close a", a.Close())
		pk := wait(t, p)
		if pk.Signal().Observed&zx.ChannelPeerClosed == 0 {
			t.Errorf("observed %#x", pk.Signal().Observed)
		}
	})
	t.Run("closing_handle_cancels", func(t *testing.T) {
		p := newPort(t)
		ev := newEvent(t)
		d, err := ev.Duplicate(zx.RightSameRights)
		ok(t, "duplicate", err)
		ok(t, "wait_async", p.WaitAsync(d, 1, zx.EventSignaled, 0))
		ok(t, "close watched handle", d.Close())
		ok(t, "signal", ev.Signal(0, zx.EventSignaled))
		noPacket(t, p)
	})
	t.Run("closing_handle_keeps_queued_packet", func(t *testing.T) {
		p := newPort(t)
		ev := newEvent(t)
		d, err := ev.Duplicate(zx.RightSameRights)
		ok(t, "duplicate", err)
		ok(t, "wait_async", p.WaitAsync(d, 5, zx.EventSignaled, 0))
		ok(t, "signal", ev.Signal(0, zx.EventSignaled))
		ok(t, "close watched handle", d.Close())
		if pk := wait(t, p); pk.Key != 5 {
			t.Errorf("key %d", pk.Key)
		}
	})
	t.Run("many_waits_many_packets", func(t *testing.T) {
		p := newPort(t)
		var evs []zx.Handle
		for k := uint64(0); k < 10; k++ {
			ev := newEvent(t)
			evs = append(evs, ev)
			ok(t, "wait_async", p.WaitAsync(ev, k, zx.EventSignaled, 0))
		}
		for i := len(evs) - 1; i >= 0; i-- {
			ok(t, "signal", evs[i].Signal(0, zx.EventSignaled))
		}
		for k := 9; k >= 0; k-- {
			if pk := wait(t, p); pk.Key != uint64(k) {
				t.Fatalf("key %d, want %d (signal order)", pk.Key, k)
			}
		}
	})
	t.Run("port_closed_with_armed_wait", func(t *testing.T) {
		p, err := zx.NewPort(0)
		ok(t, "port_create", err)
		ev := newEvent(t)
		ok(t, "wait_async", p.WaitAsync(ev, 1, zx.EventSignaled, 0))
		ok(t, "close port", p.Close())
		ok(t, "signal after the port is gone", ev.Signal(0, zx.EventSignaled))
		wantSignals(t, "event", ev, zx.EventSignaled, zx.EventSignaled)
	})
	t.Run("woken_port_waiter_on_other_thread", func(t *testing.T) {
		p := newPort(t)
		ev := newEvent(t)
		ok(t, "wait_async", p.WaitAsync(ev, 11, zx.EventSignaled, 0))
		res := make(chan zx.PortPacket, 1)
		go func() {
			pk, _ := p.Wait(after(20 * time.Second))
			res <- pk
		}()
		time.Sleep(20 * time.Millisecond)
		ok(t, "signal", ev.Signal(0, zx.EventSignaled))
		if pk := <-res; pk.Key != 11 || pk.Type != zx.PktTypeSignalOne {
			t.Errorf("packet %+v", pk)
		}
	})
	t.Run("invalid_options", func(t *testing.T) {
		p := newPort(t)
		expect(t, "wait_async(options=4)", zx.Sys_object_wait_async(newEvent(t), p.Handle, 1, zx.EventSignaled, 4), zx.ErrInvalidArgs)
	})
	t.Run("bad_handle", func(t *testing.T) {
		p := newPort(t)
		expect(t, "wait_async(stale object)", zx.Sys_object_wait_async(staleHandle(t), p.Handle, 1, zx.EventSignaled, 0), zx.ErrBadHandle)
	})
	t.Run("bad_port", func(t *testing.T) {
		expect(t, "wait_async(stale port)", zx.Sys_object_wait_async(newEvent(t), staleHandle(t), 1, zx.EventSignaled, 0), zx.ErrBadHandle)
	})
	t.Run("port_wrong_type", func(t *testing.T) {
		expect(t, "wait_async(port is an event)", zx.Sys_object_wait_async(newEvent(t), newEvent(t), 1, zx.EventSignaled, 0), zx.ErrWrongType)
	})
	t.Run("port_access_denied_no_write_right", func(t *testing.T) {
		p := newPort(t)
		r, err := p.Duplicate(zx.RightRead)
		ok(t, "duplicate", err)
		closeLater(t, r)
		expect(t, "wait_async(port without WRITE)", zx.Sys_object_wait_async(newEvent(t), r, 1, zx.EventSignaled, 0), zx.ErrAccessDenied)
	})
	t.Run("object_access_denied_no_wait_right", func(t *testing.T) {
		p := newPort(t)
		ev, err := newEvent(t).Duplicate(zx.RightSignal)
		ok(t, "duplicate", err)
		closeLater(t, ev)
		expect(t, "wait_async(object without WAIT)", zx.Sys_object_wait_async(ev, p.Handle, 1, zx.EventSignaled, 0), zx.ErrAccessDenied)
	})
	t.Run("port_not_waitable", func(t *testing.T) {
		// A port cannot be waited on; with WAIT missing from its default
		// rights the rights gate answers first.
		p := newPort(t)
		q := newPort(t)
		expect(t, "wait_async(on a port)", zx.Sys_object_wait_async(q.Handle, p.Handle, 1, zx.SignalUser0, 0), zx.ErrAccessDenied)
	})
}

func TestPortCancel(t *testing.T) {
	t.Run("cancels_pending_wait", func(t *testing.T) {
		p := newPort(t)
		ev := newEvent(t)
		ok(t, "wait_async", p.WaitAsync(ev, 3, zx.EventSignaled, 0))
		ok(t, "port_cancel", p.Cancel(ev, 3))
		ok(t, "signal", ev.Signal(0, zx.EventSignaled))
		noPacket(t, p)
	})
	t.Run("removes_queued_packet", func(t *testing.T) {
		p := newPort(t)
		ev := newEvent(t)
		ok(t, "wait_async", p.WaitAsync(ev, 3, zx.EventSignaled, 0))
		ok(t, "signal", ev.Signal(0, zx.EventSignaled))
		ok(t, "port_cancel", p.Cancel(ev, 3))
		noPacket(t, p)
	})
	t.Run("only_matching_key", func(t *testing.T) {
		p := newPort(t)
		ev := newEvent(t)
		ok(t, "wait_async key 1", p.WaitAsync(ev, 1, zx.EventSignaled, 0))
		ok(t, "wait_async key 2", p.WaitAsync(ev, 2, zx.EventSignaled, 0))
		ok(t, "port_cancel key 1", p.Cancel(ev, 1))
		ok(t, "signal", ev.Signal(0, zx.EventSignaled))
		if pk := wait(t, p); pk.Key != 2 {
			t.Errorf("key %d", pk.Key)
		}
		noPacket(t, p)
	})
	t.Run("keeps_user_packets", func(t *testing.T) {
		p := newPort(t)
		ev := newEvent(t)
		ok(t, "port_queue", p.Queue(userPacket(3, 0)))
		ok(t, "wait_async", p.WaitAsync(ev, 3, zx.EventSignaled, 0))
		ok(t, "port_cancel", p.Cancel(ev, 3))
		if pk := wait(t, p); pk.Type != zx.PktTypeUser || pk.Key != 3 {
			t.Errorf("packet %+v", pk)
		}
	})
	t.Run("not_found", func(t *testing.T) {
		p := newPort(t)
		ev := newEvent(t)
		expect(t, "port_cancel(no wait)", status(p.Cancel(ev, 1)), zx.ErrNotFound)
		ok(t, "wait_async", p.WaitAsync(ev, 1, zx.EventSignaled, 0))
		expect(t, "port_cancel(other key)", status(p.Cancel(ev, 2)), zx.ErrNotFound)
	})
	t.Run("bad_port_handle", func(t *testing.T) {
		expect(t, "port_cancel(stale port)", zx.Sys_port_cancel(staleHandle(t), newEvent(t), 1), zx.ErrBadHandle)
	})
	t.Run("port_wrong_type", func(t *testing.T) {
		expect(t, "port_cancel(port is an event)", zx.Sys_port_cancel(newEvent(t), newEvent(t), 1), zx.ErrWrongType)
	})
	t.Run("port_access_denied_no_write_right", func(t *testing.T) {
		p := newPort(t)
		ev := newEvent(t)
		ok(t, "wait_async", p.WaitAsync(ev, 1, zx.EventSignaled, 0))
		r, err := p.Duplicate(zx.RightRead)
		ok(t, "duplicate", err)
		closeLater(t, r)
		expect(t, "port_cancel(port without WRITE)", zx.Sys_port_cancel(r, ev, 1), zx.ErrAccessDenied)
		ok(t, "signal", ev.Signal(0, zx.EventSignaled))
		wait(t, p)
	})
	t.Run("bad_source_handle", func(t *testing.T) {
		p := newPort(t)
		expect(t, "port_cancel(stale source)", zx.Sys_port_cancel(p.Handle, staleHandle(t), 1), zx.ErrBadHandle)
	})
}

// TestPortCloseManyWaits: closing a port with tens of thousands of waits
// pending on one event returns promptly and unregisters them all, while
// a wait through another port stays. (The kernel took them out one by
// one, quadratic in their number: CloseWaitRace's closer, delayed while
// its racers piled up waits, was held for seconds and reported as a hung
// racer.)
func TestPortCloseManyWaits(t *testing.T) {
	p, err := zx.NewPort(0)
	ok(t, "port_create", err)
	other := newPort(t)
	ev := newEvent(t)
	const n = 30000
	for i := range n {
		if st := zx.Sys_object_wait_async(ev, p.Handle, uint64(i), zx.EventSignaled, 0); st != zx.OK {
			zx.Sys_handle_close(p.Handle)
			t.Fatalf("wait_async %d: %v", i, st)
		}
	}
	ok(t, "wait_async(other port)", other.WaitAsync(ev, 7, zx.EventSignaled, 0))
	done := make(chan zx.Status, 1)
	start := time.Now()
	go func() { done <- zx.Sys_handle_close(p.Handle) }()
	select {
	case st := <-done:
		if st != zx.OK {
			t.Fatalf("handle_close(port) = %v", st)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("handle_close of a port with %d waits on one event hangs", n)
	}
	t.Logf("handle_close of a port with %d waits on one event: %v", n, time.Since(start))
	ok(t, "signal", ev.Signal(0, zx.EventSignaled))
	if pk := wait(t, other); pk.Key != 7 {
		t.Errorf("other port: key %d, want 7", pk.Key)
	}
	noPacket(t, other)
}
