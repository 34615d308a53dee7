package wait

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"beryl/userspace/zx"
)

// signalCancel is modeled on Zircon's PortStressTest.WaitSignalCancel: a
// waiter arms a port wait, blocks in wait (one or many, deadline
// infinite) and cancels the port wait, over and over, while another thread
// sets and clears the event with short pauses. A waiter woken by the
// signal must return ZX_OK with the signals of the moment it was woken,
// even when the signal is cleared again before it runs (Zircon's
// WaitSignalObserver keeps the state OnMatch saw); and a deadline of
// ZX_TIME_INFINITE never times out.
func signalCancel(t *testing.T, rounds int, wait func(ev zx.Handle) (zx.Signals, zx.Status)) {
	ev, err := zx.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	port, err := zx.NewPort(0)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		sleeps := []time.Duration{0, 10, 2, 0, 15, 0}
		for i := 0; !stop.Load(); i++ {
			if err := ev.Signal(0, zx.EventSignaled); err != nil {
				t.Errorf("signal: %v", err)
				return
			}
			if d := sleeps[i%len(sleeps)]; d > 0 {
				zx.Sleep(zx.Now() + zx.Time(d))
			}
			if err := ev.Signal(zx.EventSignaled, 0); err != nil {
				t.Errorf("clear: %v", err)
				return
			}
		}
	}()
	defer func() { stop.Store(true); <-done }()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const key = 919
	for i := 0; i < rounds; i++ {
		if err := port.WaitAsync(ev.Handle, key, zx.EventSignaled, 0); err != nil {
			t.Fatalf("round %d: wait_async: %v", i, err)
		}
		obs, st := wait(ev.Handle)
		if st != zx.OK || obs&zx.EventSignaled == 0 {
			t.Fatalf("round %d: wait with an infinite deadline: %v, observed %#x; want ZX_OK with ZX_EVENT_SIGNALED", i, st, obs)
		}
		if err := port.Cancel(ev.Handle, key); err != nil {
			t.Fatalf("round %d: port_cancel: %v", i, err)
		}
	}
}

func TestWaitOneSignalCancel(t *testing.T) {
	signalCancel(t, 50000, func(ev zx.Handle) (zx.Signals, zx.Status) {
		var obs zx.Signals
		st := zx.Sys_object_wait_one(ev, zx.EventSignaled, zx.TimeInfinite, &obs)
		return obs, st
	})
}

func TestWaitManySignalCancel(t *testing.T) {
	signalCancel(t, 50000, func(ev zx.Handle) (zx.Signals, zx.Status) {
		items := []zx.WaitItem{{Handle: ev, WaitFor: zx.EventSignaled}}
		st := zx.Sys_object_wait_many(&items[0], 1, zx.TimeInfinite)
		return items[0].Pending, st
	})
}
