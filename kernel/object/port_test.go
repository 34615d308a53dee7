package object

import (
	"sync"
	"testing"
	"time"
)

func TestPortQueueWait(t *testing.T) {
	e := newEnv(t)
	port := must(PortCreate(e.p, 0))
	_, st := PortCreate(e.p, 2)
	wantStatus(t, "options", st, ErrInvalidArgs)
	for i := uint64(0); i < 3; i++ {
		pk := PortPacket{Key: i, Type: PktTypeSignalOne, Status: ErrIO}
		pk.Payload[0] = byte(i)
		wantStatus(t, "queue", PortQueue(e.p, port, pk), OK)
	}
	for i := uint64(0); i < 3; i++ {
		pk, st := PortWait(e.p, port, 0)
		wantStatus(t, "wait", st, OK)
		if pk.Key != i || pk.Type != PktTypeUser || pk.Status != ErrIO || pk.Payload[0] != byte(i) {
			t.Errorf("packet %d: %+v", i, pk)
		}
	}
	_, st = PortWait(e.p, port, 0)
	wantStatus(t, "empty", st, ErrTimedOut)
	ev := e.event()
	wantStatus(t, "queue wrong type", PortQueue(e.p, ev, PortPacket{}), ErrWrongType)
	ro := must(HandleDuplicate(e.p, port, RightRead))
	wantStatus(t, "queue no write", PortQueue(e.p, ro, PortPacket{}), ErrAccessDenied)
	wo := must(HandleDuplicate(e.p, port, RightWrite))
	_, st = PortWait(e.p, wo, 0)
	wantStatus(t, "wait no read", st, ErrAccessDenied)
}

func TestPortLimit(t *testing.T) {
	e := newEnv(t)
	old := MaxPortUserPackets
	MaxPortUserPackets = 3
	defer func() { MaxPortUserPackets = old }()
	port := must(PortCreate(e.p, 0))
	for i := 0; i < 3; i++ {
		PortQueue(e.p, port, PortPacket{})
	}
	wantStatus(t, "full", PortQueue(e.p, port, PortPacket{}), ErrShouldWait)
	PortWait(e.p, port, 0)
	wantStatus(t, "room again", PortQueue(e.p, port, PortPacket{}), OK)
}

func TestPortOneWaiterPerPacket(t *testing.T) {
	e := newEnv(t)
	port := must(PortCreate(e.p, 0))
	const waiters = 8
	var wg sync.WaitGroup
	got := make(chan uint64, waiters)
	for i := 0; i < waiters; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pk, st := PortWait(e.p, port, Now()+Time(2*time.Second))
			if st == OK {
				got <- pk.Key
			}
		}()
	}
	time.Sleep(5 * time.Millisecond)
	for i := 0; i < waiters; i++ {
		PortQueue(e.p, port, PortPacket{Key: uint64(i)})
	}
	wg.Wait()
	close(got)
	seen := map[uint64]bool{}
	for k := range got {
		if seen[k] {
			t.Fatalf("packet %d delivered twice", k)
		}
		seen[k] = true
	}
	if len(seen) != waiters {
		t.Fatalf("%d packets delivered", len(seen))
	}
}

func TestWaitAsync(t *testing.T) {
	e := newEnv(t)
	port := must(PortCreate(e.p, 0))
	ev := e.event()
	wantStatus(t, "options", ObjectWaitAsync(e.p, ev, port, 1, SignalUser0, 8), ErrInvalidArgs)
	wantStatus(t, "bad port", ObjectWaitAsync(e.p, ev, 0x50, 1, SignalUser0, 0), ErrBadHandle)
	wantStatus(t, "port wrong type", ObjectWaitAsync(e.p, ev, ev, 1, SignalUser0, 0), ErrWrongType)
	ro := must(HandleDuplicate(e.p, port, RightRead))
	wantStatus(t, "port no write", ObjectWaitAsync(e.p, ev, ro, 1, SignalUser0, 0), ErrAccessDenied)
	wantStatus(t, "bad handle", ObjectWaitAsync(e.p, 0x50, port, 1, SignalUser0, 0), ErrBadHandle)
	nw := must(HandleDuplicate(e.p, ev, RightTransfer))
	wantStatus(t, "no wait", ObjectWaitAsync(e.p, nw, port, 1, SignalUser0, 0), ErrAccessDenied)
	pw := must(e.p.installNew(NewPort(0), RightWait))
	wantStatus(t, "not waitable", ObjectWaitAsync(e.p, pw, port, 1, SignalUser0, 0), ErrNotSupported)

	// Once: a single packet, with all observed signals.
	wantStatus(t, "wait_async", ObjectWaitAsync(e.p, ev, port, 7, SignalUser0, 0), OK)
	ObjectSignal(e.p, ev, 0, SignalUser1)
	if _, st := PortWait(e.p, port, 0); st != ErrTimedOut {
		t.Fatal("packet before trigger")
	}
	ObjectSignal(e.p, ev, 0, SignalUser0)
	ObjectSignal(e.p, ev, SignalUser0, 0)
	ObjectSignal(e.p, ev, 0, SignalUser0)
	pk, st := PortWait(e.p, port, 0)
	wantStatus(t, "packet", st, OK)
	if pk.Key != 7 || pk.Type != PktTypeSignalOne || pk.Signal.Trigger != SignalUser0 ||
		pk.Signal.Observed != SignalUser0|SignalUser1 || pk.Signal.Count != 1 || pk.Signal.Timestamp != 0 {
		t.Errorf("packet %+v", pk)
	}
	if _, st := PortWait(e.p, port, 0); st != ErrTimedOut {
		t.Error("second packet from a once wait")
	}
	// Already asserted: immediate packet, timestamped.
	fc := NewFakeClock(5000)
	SetClock(fc)
	defer SetClock(MonotonicClock())
	ObjectWaitAsync(e.p, ev, port, 8, SignalUser0, WaitAsyncTimestamp)
	pk, _ = PortWait(e.p, port, 0)
	if pk.Key != 8 || pk.Signal.Timestamp != 5000 {
		t.Errorf("timestamp packet %+v", pk)
	}
	// Edge: not triggered by the current level.
	ObjectWaitAsync(e.p, ev, port, 9, SignalUser0, WaitAsyncEdge)
	if _, st := PortWait(e.p, port, 0); st != ErrTimedOut {
		t.Error("edge wait fired on level")
	}
	ObjectSignal(e.p, ev, SignalUser0, 0)
	ObjectSignal(e.p, ev, 0, SignalUser0)
	if pk, st := PortWait(e.p, port, 0); st != OK || pk.Key != 9 {
		t.Errorf("edge: %v %+v", st, pk)
	}
}

func TestPortCancelAndHandleClose(t *testing.T) {
	e := newEnv(t)
	port := must(PortCreate(e.p, 0))
	ev := e.event()
	ev2 := e.event()
	ObjectWaitAsync(e.p, ev, port, 1, SignalUser0, 0)
	ObjectWaitAsync(e.p, ev, port, 2, SignalUser0, 0)
	wantStatus(t, "cancel", PortCancel(e.p, port, ev, 1), OK)
	wantStatus(t, "cancel again", PortCancel(e.p, port, ev, 1), ErrNotFound)
	ObjectSignal(e.p, ev, 0, SignalUser0)
	pk, st := PortWait(e.p, port, 0)
	if st != OK || pk.Key != 2 {
		t.Fatalf("got %v %+v", st, pk)
	}
	// Cancel removes a queued packet too.
	ObjectWaitAsync(e.p, ev, port, 3, SignalUser0, 0)
	wantStatus(t, "cancel queued", PortCancel(e.p, port, ev, 3), OK)
	if _, st := PortWait(e.p, port, 0); st != ErrTimedOut {
		t.Error("canceled packet delivered")
	}
	pw := must(e.p.installNew(NewPort(0), RightWait))
	wantStatus(t, "cancel not waitable", PortCancel(e.p, port, pw, 1), ErrNotSupported)
	wantStatus(t, "cancel bad", PortCancel(e.p, port, 0x70, 1), ErrBadHandle)
	// Closing the handle ends the wait but keeps queued packets.
	ObjectWaitAsync(e.p, ev2, port, 4, SignalUser0, 0)
	h3 := must(HandleDuplicate(e.p, ev2, RightSameRights))
	ObjectWaitAsync(e.p, h3, port, 5, SignalUser1, 0)
	ObjectSignal(e.p, ev2, 0, SignalUser1) // queues key 5
	ObjectWaitAsync(e.p, h3, port, 6, SignalUser2, 0)
	HandleClose(e.p, h3)
	ObjectSignal(e.p, ev2, 0, SignalUser0|SignalUser2)
	keys := map[uint64]bool{}
	for {
		pk, st := PortWait(e.p, port, 0)
		if st != OK {
			break
		}
		keys[pk.Key] = true
	}
	if !keys[4] || !keys[5] || keys[6] {
		t.Errorf("keys %v", keys)
	}
	// Closing the port unregisters its waits.
	ObjectWaitAsync(e.p, ev2, port, 10, SignalUser5, 0)
	b := e.p.table.Get(ev2).obj.base()
	HandleClose(e.p, port)
	if n := len(b.obs); n != 0 {
		t.Errorf("%d observers after port closed", n)
	}
}

func TestPortPacketEncoding(t *testing.T) {
	pk := PortPacket{Key: 0x1122334455667788, Type: PktTypeSignalOne, Status: ErrCanceled,
		Signal: PacketSignal{Trigger: 1, Observed: 3, Count: 1, Timestamp: 99}}
	var b [PortPacketSize]byte
	pk.Encode(&b)
	if b[0] != 0x88 || b[8] != 1 || b[16] != 1 || b[20] != 3 || b[32] != 99 {
		t.Errorf("encoding % x", b)
	}
	u := PortPacket{Key: 5, Type: PktTypeUser}
	u.Payload[31] = 0xee
	u.Encode(&b)
	d := DecodePortPacket(&b)
	if d.Key != 5 || d.Payload[31] != 0xee || d.Type != PktTypeUser {
		t.Errorf("round trip %+v", d)
	}
}

// TestPortCloseManyWaits: closing a port with many waits pending on one
// object unregisters them in one sweep of the object's observers. One by
// one, the removal was quadratic in their number: with the tens of
// thousands a wait_async loop leaves on one event while the closer of
// Zircon's CloseWaitRace stress is delayed, the close held its caller
// for seconds (the stress's "a racer hangs"). Another port's waits on
// the object stay.
func TestPortCloseManyWaits(t *testing.T) {
	e := newEnv(t)
	port := must(PortCreate(e.p, 0))
	other := must(PortCreate(e.p, 0))
	ev := e.event()
	n, every := 100000, 1000
	if raceEnabled {
		n = 10000 // the sweep is what is checked; the timing needs no race detector
	}
	for i := range n {
		wantStatus(t, "wait_async", ObjectWaitAsync(e.p, ev, port, uint64(i), SignalUser0, 0), OK)
		if i%every == 0 {
			wantStatus(t, "wait_async(other)", ObjectWaitAsync(e.p, ev, other, uint64(i), SignalUser0, 0), OK)
		}
	}
	b := e.p.table.Get(ev).obj.base()
	done := make(chan struct{})
	start := time.Now()
	go func() {
		HandleClose(e.p, port)
		close(done)
	}()
	// Quadratic, the close takes minutes here; one sweep, milliseconds.
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("closing a port with %d waits on one event takes more than 10 s", n)
	}
	t.Logf("closed a port with %d waits on one event in %v", n, time.Since(start))
	b.mu.Lock()
	left := len(b.obs)
	b.mu.Unlock()
	if left != n/every {
		t.Errorf("%d observers left on the event, want the other port's %d", left, n/every)
	}
	ObjectSignal(e.p, ev, 0, SignalUser0)
	got := 0
	for {
		if _, st := PortWait(e.p, other, 0); st != OK {
			break
		}
		got++
	}
	if got != n/every {
		t.Errorf("the other port got %d packets, want %d", got, n/every)
	}
}
