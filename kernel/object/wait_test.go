package object

import (
	"runtime"
	"testing"
	"time"
)

func TestObjectSignal(t *testing.T) {
	e := newEnv(t)
	ev := e.event()
	a, b := must2(EventPairCreate(e.p, 0))
	c0, _ := must2(ChannelCreate(e.p, 0))
	port := must(PortCreate(e.p, 0))
	noSig := must(HandleDuplicate(e.p, ev, RightWait))
	tests := []struct {
		name     string
		h        Handle
		clr, set Signals
		want     Status
	}{
		{"event user", ev, 0, SignalUser0 | EventSignaled, OK},
		{"event clear", ev, SignalUser0, 0, OK},
		{"event readable not allowed", ev, 0, SignalReadable, ErrInvalidArgs},
		{"event handle-closed bit", ev, SignalHandleClosed, 0, ErrInvalidArgs},
		{"eventpair signaled", a, 0, EventPairSignaled, OK},
		{"eventpair peer-closed not allowed", a, 0, EventPairPeerClosed, ErrInvalidArgs},
		{"channel user", c0, 0, SignalUser7, OK},
		{"channel readable", c0, 0, ChannelReadable, ErrInvalidArgs},
		{"no right", noSig, 0, SignalUser0, ErrAccessDenied},
		{"port lacks signal right", port, 0, SignalUser0, ErrAccessDenied},
		{"bad", 0x4, 0, 0, ErrBadHandle},
	}
	for _, tc := range tests {
		wantStatus(t, tc.name, ObjectSignal(e.p, tc.h, tc.clr, tc.set), tc.want)
	}
	if s, _ := ObjectWaitOne(e.p, ev, EventSignaled, 0); s != EventSignaled {
		t.Errorf("event signals %#x", s)
	}
	wantStatus(t, "peer", ObjectSignalPeer(e.p, a, 0, SignalUser1|EventPairSignaled), OK)
	if s, _ := ObjectWaitOne(e.p, b, SignalUser1, 0); s != SignalUser1|EventPairSignaled {
		t.Errorf("peer signals %#x", s)
	}
	wantStatus(t, "peer no peer", ObjectSignalPeer(e.p, ev, 0, SignalUser0), ErrAccessDenied)
	evp := must(HandleDuplicate(e.p, ev, RightSameRights))
	_ = evp
	wantStatus(t, "peer bad bits", ObjectSignalPeer(e.p, c0, 0, ChannelReadable), ErrInvalidArgs)
	HandleClose(e.p, b)
	wantStatus(t, "peer closed", ObjectSignalPeer(e.p, a, 0, SignalUser0), ErrPeerClosed)
}

func TestSignalPeerNotSupported(t *testing.T) {
	e := newEnv(t)
	// An object with SIGNAL_PEER but no peer concept: a job handle has no
	// SIGNAL_PEER by default, so build one from a timer via rights: timers
	// lack it too; use a process handle with all rights via kernel handle.
	ev := NewEvent()
	h := must(e.p.installNew(ev, DefaultEventRights|RightSignalPeer))
	wantStatus(t, "not peered", ObjectSignalPeer(e.p, h, 0, SignalUser0), ErrNotSupported)
}

func TestWaitOne(t *testing.T) {
	e := newEnv(t)
	fc := NewFakeClock(1000)
	SetClock(fc)
	defer SetClock(MonotonicClock())
	ev := e.event()
	port := must(PortCreate(e.p, 0))
	noWait := must(HandleDuplicate(e.p, ev, RightDuplicate))

	_, st := ObjectWaitOne(e.p, 0x8, SignalUser0, 0)
	wantStatus(t, "bad", st, ErrBadHandle)
	_, st = ObjectWaitOne(e.p, noWait, SignalUser0, 0)
	wantStatus(t, "no wait right", st, ErrAccessDenied)
	portW := must(e.p.installNew(NewPort(0), RightWait))
	_, st = ObjectWaitOne(e.p, portW, SignalUser0, 0)
	wantStatus(t, "port not waitable", st, ErrNotSupported)
	_ = port

	s, st := ObjectWaitOne(e.p, ev, SignalUser0, 500)
	wantStatus(t, "past deadline", st, ErrTimedOut)
	if s != 0 {
		t.Errorf("observed %#x", s)
	}

	// Satisfied while blocked.
	done := make(chan struct{})
	go func() {
		s, st := ObjectWaitOne(e.p, ev, SignalUser0|SignalUser1, TimeInfinite)
		if st != OK || s&SignalUser1 == 0 {
			t.Errorf("wait: %#x %v", s, st)
		}
		close(done)
	}()
	time.Sleep(time.Millisecond)
	ObjectSignal(e.p, ev, 0, SignalUser2) // not a trigger
	ObjectSignal(e.p, ev, 0, SignalUser1)
	<-done

	// Deadline on the fake clock.
	ObjectSignal(e.p, ev, SignalUser1|SignalUser2, 0)
	done = make(chan struct{})
	go func() {
		_, st := ObjectWaitOne(e.p, ev, SignalUser0, 2000)
		wantStatus(t, "timeout", st, ErrTimedOut)
		close(done)
	}()
	for fc.Pending() == 0 {
		time.Sleep(100 * time.Microsecond)
	}
	fc.Set(2000)
	<-done

	// Closing the waited handle cancels the wait.
	h2 := must(HandleDuplicate(e.p, ev, RightSameRights))
	done = make(chan struct{})
	go func() {
		s, st := ObjectWaitOne(e.p, h2, SignalUser0, TimeInfinite)
		wantStatus(t, "canceled", st, ErrCanceled)
		if s&SignalHandleClosed == 0 {
			t.Errorf("observed %#x lacks HANDLE_CLOSED", s)
		}
		close(done)
	}()
	waitObservers(t, ev, e, 1)
	HandleClose(e.p, h2)
	<-done
}

// waitObservers blocks until the object behind h has n observers.
func waitObservers(t *testing.T, h Handle, e *env, n int) {
	t.Helper()
	b := e.p.table.Get(h).obj.base()
	for i := 0; i < 10000; i++ {
		b.mu.Lock()
		k := len(b.obs)
		b.mu.Unlock()
		if k >= n {
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
	t.Fatal("observer never registered")
}

func TestWaitMany(t *testing.T) {
	e := newEnv(t)
	a, b := e.event(), e.event()
	items := make([]WaitItem, 65)
	wantStatus(t, "too many", ObjectWaitMany(e.p, items, 0), ErrOutOfRange)
	wantStatus(t, "none", ObjectWaitMany(e.p, nil, 0), ErrTimedOut)
	noWait := must(HandleDuplicate(e.p, a, RightTransfer))
	pw := must(e.p.installNew(NewPort(0), RightWait))
	for _, tc := range []struct {
		name string
		h    Handle
		want Status
	}{{"bad", 0x10, ErrBadHandle}, {"rights", noWait, ErrAccessDenied}, {"port", pw, ErrNotSupported}} {
		st := ObjectWaitMany(e.p, []WaitItem{{Handle: a, WaitFor: SignalUser0}, {Handle: tc.h, WaitFor: SignalUser0}}, 0)
		wantStatus(t, tc.name, st, tc.want)
		if n := len(e.p.table.Get(a).obj.base().obs); n != 0 {
			t.Fatalf("%s: %d observers left registered", tc.name, n)
		}
	}
	ObjectSignal(e.p, b, 0, SignalUser3)
	its := []WaitItem{{Handle: a, WaitFor: SignalUser0}, {Handle: b, WaitFor: SignalUser3}}
	wantStatus(t, "satisfied", ObjectWaitMany(e.p, its, 0), OK)
	if its[0].Pending != 0 || its[1].Pending != SignalUser3 {
		t.Errorf("pending %#x %#x", its[0].Pending, its[1].Pending)
	}
	its[1].WaitFor = SignalUser4
	wantStatus(t, "timeout", ObjectWaitMany(e.p, its, Now()), ErrTimedOut)

	done := make(chan struct{})
	go func() {
		its := []WaitItem{{Handle: a, WaitFor: SignalUser0}, {Handle: b, WaitFor: SignalUser4}}
		st := ObjectWaitMany(e.p, its, TimeInfinite)
		wantStatus(t, "canceled", st, ErrCanceled)
		if its[0].Pending&SignalHandleClosed == 0 {
			t.Errorf("pending %#x", its[0].Pending)
		}
		close(done)
	}()
	waitObservers(t, a, e, 1)
	HandleClose(e.p, a)
	<-done

	// 64 items, one satisfied later by another goroutine.
	var many []WaitItem
	for i := 0; i < WaitManyMaxItems; i++ {
		many = append(many, WaitItem{Handle: e.event(), WaitFor: SignalUser0})
	}
	go func() {
		time.Sleep(time.Millisecond)
		ObjectSignal(e.p, many[63].Handle, 0, SignalUser0)
	}()
	wantStatus(t, "64 items", ObjectWaitMany(e.p, many, Now()+Time(time.Minute)), OK)
	if many[63].Pending != SignalUser0 {
		t.Errorf("pending %#x", many[63].Pending)
	}
}

func TestEventPairPeerClosed(t *testing.T) {
	e := newEnv(t)
	a, b := must2(EventPairCreate(e.p, 0))
	ib := must(ObjectGetInfoHandleBasic(e.p, b))
	ia := must(ObjectGetInfoHandleBasic(e.p, a))
	if ia.RelatedKoid != ib.Koid || ib.RelatedKoid != ia.Koid {
		t.Error("related koids")
	}
	HandleClose(e.p, a)
	// Asserted before HandleClose returned.
	if s, st := ObjectWaitOne(e.p, b, EventPairPeerClosed, 0); st != OK || s&EventPairPeerClosed == 0 {
		t.Errorf("peer closed not asserted: %#x %v", s, st)
	}
	if must(ObjectGetInfoHandleBasic(e.p, b)).RelatedKoid != ia.Koid {
		t.Error("related koid changed after peer closed")
	}
	_, _, st := EventPairCreate(e.p, 1)
	wantStatus(t, "options", st, ErrNotSupported)
	_, st = EventCreate(e.p, 1)
	wantStatus(t, "event options", st, ErrInvalidArgs)
}

func TestLifetimeRefsVsHandles(t *testing.T) {
	e := newEnv(t)
	ev := NewEvent() // one kernel reference
	h := must(e.p.installNew(ev, DefaultEventRights))
	ev.AddRef()
	if ev.HandleCount() != 1 || ev.RefCount() != 2 {
		t.Fatalf("handles %d refs %d", ev.HandleCount(), ev.RefCount())
	}
	HandleClose(e.p, h)
	if ev.Destroyed() || ev.HandleCount() != 0 {
		t.Fatal("destroyed while referenced")
	}
	ev.Release()
	if !ev.Destroyed() {
		t.Fatal("not destroyed after last reference")
	}
}

func TestKoidsUnique(t *testing.T) {
	e := newEnv(t)
	seen := map[Koid]bool{}
	for i := 0; i < 50; i++ {
		h := e.event()
		k := must(ObjectGetInfoHandleBasic(e.p, h)).Koid
		if k < KoidFirst || seen[k] {
			t.Fatalf("koid %d reused or reserved", k)
		}
		seen[k] = true
		HandleClose(e.p, h)
	}
}

// TestWaitKeepsWakingState: a waiter woken by a signal that is cleared
// again before it runs still returns ZX_OK with the signals that woke it
// (Zircon's WaitSignalObserver), for wait_one and wait_many, even with an
// infinite deadline.
func TestWaitKeepsWakingState(t *testing.T) {
	e := newEnv(t)
	ev := must(EventCreate(e.p, 0))
	obj, _, st := e.p.lookup(ev, ObjTypeEvent, 0)
	wantStatus(t, "lookup", st, OK)
	b := obj.base()
	defer b.Release()
	// pulse waits until one waiter is registered, then sets and clears
	// EVENT_SIGNALED under one hold of the object lock, so no waiter can
	// run in between.
	pulse := func() {
		for {
			b.mu.Lock()
			if len(b.obs) == 1 {
				b.UpdateStateLocked(0, EventSignaled)
				b.UpdateStateLocked(EventSignaled, 0)
				b.mu.Unlock()
				return
			}
			b.mu.Unlock()
			runtime.Gosched()
		}
	}
	go pulse()
	obs, st := ObjectWaitOne(e.p, ev, EventSignaled, TimeInfinite)
	if st != OK || obs&EventSignaled == 0 {
		t.Errorf("wait_one: %v, observed %#x; want OK with EVENT_SIGNALED", st, obs)
	}
	go pulse()
	items := []WaitItem{{Handle: ev, WaitFor: EventSignaled}}
	st = ObjectWaitMany(e.p, items, TimeInfinite)
	if st != OK || items[0].Pending&EventSignaled == 0 {
		t.Errorf("wait_many: %v, pending %#x; want OK with EVENT_SIGNALED", st, items[0].Pending)
	}
}
