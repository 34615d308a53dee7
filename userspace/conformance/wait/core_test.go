package wait

import (
	"testing"
	"time"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: ObjectWaitOneTest and ObjectWaitManyTest
// (object-wait tests in utest/core).

// signalSoon sets set on h from another goroutine after d.
func signalSoon(h zx.Handle, d time.Duration, clear, set zx.Signals) {
	go func() {
		time.Sleep(d)
		zx.Sys_object_signal(h, uint32(clear), uint32(set))
	}()
}

func deadlineIn(d time.Duration) zx.Time { return zx.Now() + zx.Time(d) }

func TestObjectWaitOneTest_WaitForEventSignaled(t *testing.T) {
	ev := ctest.NewEvent(t)
	ctest.Must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)))
	var obs zx.Signals
	ctest.Must(t, "wait_one", zx.Sys_object_wait_one(ev, zx.EventSignaled, deadlineIn(time.Second), &obs))
	if obs&zx.EventSignaled == 0 {
		t.Errorf("observed %#x", obs)
	}
}

func TestObjectWaitOneTest_WaitForEventTimeout(t *testing.T) {
	ev := ctest.NewEvent(t)
	var obs zx.Signals = 0xff
	start := zx.Now()
	ctest.Want(t, "wait_one", zx.Sys_object_wait_one(ev, zx.EventSignaled, deadlineIn(10*time.Millisecond), &obs), zx.ErrTimedOut)
	if obs != 0 {
		t.Errorf("observed %#x, want 0", obs)
	}
	if el := zx.Now() - start; el < zx.Time(10*time.Millisecond) {
		t.Errorf("returned after %v, before the deadline", time.Duration(el))
	}
}

func TestObjectWaitOneTest_EmptySignalSet(t *testing.T) {
	ev := ctest.NewEvent(t)
	var obs zx.Signals
	ctest.Want(t, "wait_one(no signals)", zx.Sys_object_wait_one(ev, 0, deadlineIn(5*time.Millisecond), &obs), zx.ErrTimedOut)
	ctest.Want(t, "wait_one(no signals, past deadline)", zx.Sys_object_wait_one(ev, 0, 0, &obs), zx.ErrTimedOut)
}

func TestObjectWaitOneTest_WaitForEventTimeoutPreSignalClear(t *testing.T) {
	ev := ctest.NewEvent(t)
	ctest.Must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)))
	ctest.Must(t, "clear", zx.Sys_object_signal(ev, uint32(zx.EventSignaled), 0))
	var obs zx.Signals = 0xff
	ctest.Want(t, "wait_one", zx.Sys_object_wait_one(ev, zx.EventSignaled, deadlineIn(5*time.Millisecond), &obs), zx.ErrTimedOut)
	if obs != 0 {
		t.Errorf("observed %#x, want 0", obs)
	}
}

func TestObjectWaitOneTest_WaitForEventThenSignal(t *testing.T) {
	ev := ctest.NewEvent(t)
	signalSoon(ev, 10*time.Millisecond, 0, zx.EventSignaled)
	var obs zx.Signals
	ctest.Must(t, "wait_one", zx.Sys_object_wait_one(ev, zx.EventSignaled, deadlineIn(5*time.Second), &obs))
	if obs&zx.EventSignaled == 0 {
		t.Errorf("observed %#x", obs)
	}
}

func TestObjectWaitOneTest_TransientSignalsNotReturned(t *testing.T) {
	ev := ctest.NewEvent(t)
	// USER0 is set and cleared before SIGNALED ends the wait: observed is
	// the state at wake-up, without the transient bit.
	go func() {
		time.Sleep(10 * time.Millisecond)
		zx.Sys_object_signal(ev, 0, uint32(zx.SignalUser0))
		zx.Sys_object_signal(ev, uint32(zx.SignalUser0), 0)
		zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled))
	}()
	var obs zx.Signals
	ctest.Must(t, "wait_one", zx.Sys_object_wait_one(ev, zx.EventSignaled, deadlineIn(5*time.Second), &obs))
	if obs != zx.EventSignaled {
		t.Errorf("observed %#x, want SIGNALED only", obs)
	}
}

func TestObjectWaitManyTest_TooManyObjects(t *testing.T) {
	ev := ctest.NewEvent(t)
	items := make([]zx.WaitItem, zx.WaitManyMaxItems+1)
	for i := range items {
		items[i] = zx.WaitItem{Handle: ev, WaitFor: zx.EventSignaled}
	}
	ctest.Want(t, "wait_many(65 items)", zx.Sys_object_wait_many(&items[0], uint(len(items)), 0), zx.ErrOutOfRange)
}

func TestObjectWaitManyTest_InvalidHandle(t *testing.T) {
	items := []zx.WaitItem{{Handle: ctest.NewEvent(t), WaitFor: zx.EventSignaled}, {Handle: zx.HandleInvalid, WaitFor: zx.EventSignaled}}
	ctest.Want(t, "wait_many(invalid handle)", zx.Sys_object_wait_many(&items[0], 2, 0), zx.ErrBadHandle)
}

func TestObjectWaitManyTest_WaitForEventsSignaled(t *testing.T) {
	evs := []zx.Handle{ctest.NewEvent(t), ctest.NewEvent(t), ctest.NewEvent(t)}
	items := make([]zx.WaitItem, len(evs))
	for i, e := range evs {
		ctest.Must(t, "signal", zx.Sys_object_signal(e, 0, uint32(zx.EventSignaled)))
		items[i] = zx.WaitItem{Handle: e, WaitFor: zx.EventSignaled}
	}
	ctest.Must(t, "wait_many", zx.Sys_object_wait_many(&items[0], uint(len(items)), deadlineIn(time.Second)))
	for i, it := range items {
		if it.Pending&zx.EventSignaled == 0 {
			t.Errorf("item %d pending %#x", i, it.Pending)
		}
	}
}

func TestObjectWaitManyTest_WaitForEventsThenSignal(t *testing.T) {
	evs := []zx.Handle{ctest.NewEvent(t), ctest.NewEvent(t), ctest.NewEvent(t)}
	items := make([]zx.WaitItem, len(evs))
	for i, e := range evs {
		items[i] = zx.WaitItem{Handle: e, WaitFor: zx.EventSignaled}
	}
	signalSoon(evs[1], 10*time.Millisecond, 0, zx.EventSignaled)
	ctest.Must(t, "wait_many", zx.Sys_object_wait_many(&items[0], uint(len(items)), deadlineIn(5*time.Second)))
	if items[1].Pending&zx.EventSignaled == 0 || items[0].Pending != 0 || items[2].Pending != 0 {
		t.Errorf("pending %#x %#x %#x", items[0].Pending, items[1].Pending, items[2].Pending)
	}
}

func TestObjectWaitManyTest_TransientSignalsNotReturned(t *testing.T) {
	a, b := ctest.NewEvent(t), ctest.NewEvent(t)
	go func() {
		time.Sleep(10 * time.Millisecond)
		zx.Sys_object_signal(a, 0, uint32(zx.SignalUser0))
		zx.Sys_object_signal(a, uint32(zx.SignalUser0), 0)
		zx.Sys_object_signal(b, 0, uint32(zx.EventSignaled))
	}()
	items := []zx.WaitItem{{Handle: a, WaitFor: zx.EventSignaled}, {Handle: b, WaitFor: zx.EventSignaled}}
	ctest.Must(t, "wait_many", zx.Sys_object_wait_many(&items[0], 2, deadlineIn(5*time.Second)))
	if items[0].Pending != 0 || items[1].Pending != zx.EventSignaled {
		t.Errorf("pending %#x %#x", items[0].Pending, items[1].Pending)
	}
}
