package object

import (
	"testing"
	"time"
)

// TestWaitsEndWhenKilled: every blocking wait with a kill channel ends
// with ZX_ERR_INTERNAL_INTR_KILLED once the channel is closed, with no
// deadline and nothing signaled, and leaves no waiter behind: a later
// wait or call on the same object works.
func TestWaitsEndWhenKilled(t *testing.T) {
	e := newEnv(t)
	ev := e.event()
	port := must(PortCreate(e.p, 0))
	client, server := must2(ChannelCreate(e.p, 0))
	cases := []struct {
		name string
		wait func(killed <-chan struct{}) Status
	}{
		{"wait_one", func(k <-chan struct{}) Status {
			_, st := ObjectWaitOneKillable(e.p, ev, SignalUser0, TimeInfinite, k)
			return st
		}},
		{"wait_one deadline", func(k <-chan struct{}) Status {
			_, st := ObjectWaitOneKillable(e.p, ev, SignalUser0, Now()+Time(time.Hour), k)
			return st
		}},
		{"wait_many", func(k <-chan struct{}) Status {
			return ObjectWaitManyKillable(e.p, []WaitItem{{Handle: ev, WaitFor: SignalUser0}}, TimeInfinite, k)
		}},
		{"wait_many no items", func(k <-chan struct{}) Status {
			return ObjectWaitManyKillable(e.p, nil, TimeInfinite, k)
		}},
		{"port_wait", func(k <-chan struct{}) Status {
			_, st := PortWaitKillable(e.p, port, TimeInfinite, k)
			return st
		}},
		{"channel_call", func(k <-chan struct{}) Status {
			_, _, st := ChannelCall(e.p, client, 0, TimeInfinite, &ChannelCallArgs{WrBytes: []byte("1234"), Killed: k})
			return st
		}},
		{"sleep", func(k <-chan struct{}) Status {
			if SleepUntilKillable(TimeInfinite, k) {
				return OK
			}
			return ErrInternalIntrKilled
		}},
	}
	for _, c := range cases {
		killed := make(chan struct{})
		done := make(chan Status, 1)
		go func() { done <- c.wait(killed) }()
		select {
		case st := <-done:
			t.Fatalf("%s: returned %v before the kill", c.name, st)
		case <-time.After(20 * time.Millisecond):
		}
		close(killed)
		select {
		case st := <-done:
			wantStatus(t, c.name, st, ErrInternalIntrKilled)
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still blocked after the kill", c.name)
		}
	}
	// Nothing left registered: the objects serve the next waits.
	if n := len(e.p.table.Get(ev).obj.base().obs); n != 0 {
		t.Errorf("event has %d observers after the killed waits", n)
	}
	if pt := e.p.table.Get(port).obj.(*Port); len(pt.waiters) != 0 {
		t.Errorf("port has %d waiters after the killed wait", len(pt.waiters))
	}
	if ch := e.p.table.Get(client).obj.(*Channel); len(ch.waiters) != 0 {
		t.Errorf("channel has %d call waiters after the killed call", len(ch.waiters))
	}
	wantStatus(t, "signal", ObjectSignal(e.p, ev, 0, SignalUser0), OK)
	if _, st := ObjectWaitOneKillable(e.p, ev, SignalUser0, TimeInfinite, make(chan struct{})); st != OK {
		t.Errorf("wait after the killed ones: %v", st)
	}
	HandleClose(e.p, server)
}
