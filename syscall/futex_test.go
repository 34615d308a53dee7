package zxsys

import (
	"testing"
	"time"

	"beryl/kernel/object"
)

func TestFutex(t *testing.T) {
	f := newEnv(t)
	fx := f.alloc(8)
	f.put32(fx, 5)
	key, futexes := uint64(fx), f.p.Futexes()
	f.want(object.ErrBadState, SysFutexWait, uint64(fx), 4, 0, uint64(object.TimeInfinite))
	f.want(object.ErrTimedOut, SysFutexWait, uint64(fx), 5, 0, 1)
	f.want(object.ErrInvalidArgs, SysFutexWait, uint64(fx+1), 5, 0, 1)
	f.want(object.ErrInvalidArgs, SysFutexWait, 0, 5, 0, 1)
	for _, bp := range []UserPtr{badPtr, kernelPtr, nonCanonicalPtr} {
		f.want(object.ErrInvalidArgs, SysFutexWait, uint64(bp), 5, 0, 1)
		f.want(object.ErrInvalidArgs, SysFutexRequeue, uint64(bp), 1, 5, uint64(fx), 1, 0)
	}
	ev := f.create1(SysEventCreate, 0)
	f.want(object.ErrWrongType, SysFutexWait, uint64(fx), 5, uint64(ev), 1)
	f.want(object.ErrBadHandle, SysFutexWait, uint64(fx), 5, 0x13, 1)
	now := f.call(SysClockGetMonotonic)
	f.want(object.ErrTimedOut, SysFutexWait, uint64(fx), 5, 0, uint64(now+2e6))

	// Two waiters; wake one, then requeue the other to fx2 and wake it there.
	res := make(chan object.Status, 2)
	for i := 0; i < 2; i++ {
		go func() { res <- f.st(SysFutexWait, uint64(fx), 5, 0, uint64(object.TimeInfinite)) }()
	}
	waitFor(t, func() bool { return futexes.Waiters(key) == 2 })
	f.ok(SysFutexWake, uint64(fx), 1)
	if st := <-res; st != object.OK {
		t.Fatal(st)
	}
	fx2 := fx + 4
	f.want(object.ErrBadState, SysFutexRequeue, uint64(fx), 0, 4, uint64(fx2), 1, 0)
	f.want(object.ErrInvalidArgs, SysFutexRequeue, uint64(fx), 0, 5, uint64(fx), 1, 0)
	f.want(object.ErrInvalidArgs, SysFutexRequeue, uint64(fx), 0, 5, uint64(fx2+1), 1, 0)
	f.want(object.ErrWrongType, SysFutexRequeue, uint64(fx), 0, 5, uint64(fx2), 1, uint64(ev))
	f.ok(SysFutexRequeue, uint64(fx), 0, 5, uint64(fx2), 1, 0)
	if futexes.Waiters(key) != 0 || futexes.Waiters(uint64(fx2)) != 1 {
		t.Fatal("requeue did not move the waiter")
	}
	f.ok(SysFutexWake, uint64(fx2), 0xffffffff)
	if st := <-res; st != object.OK {
		t.Fatal(st)
	}
	f.ok(SysFutexWake, uint64(fx), 10) // nobody waiting
	f.want(object.ErrInvalidArgs, SysFutexWake, uint64(fx+2), 1)
	// Killed while waiting.
	k := killCaller{f, make(chan struct{})}
	go func() {
		var a [8]uint64
		a[0], a[1], a[3] = uint64(fx), 5, uint64(object.TimeInfinite)
		res <- object.Status(testDispatcher.Dispatch(k, SysFutexWait, &a))
	}()
	waitFor(t, func() bool { return futexes.Waiters(key) == 1 })
	close(k.ch)
	if st := <-res; st != object.ErrInternalIntrKilled {
		t.Fatal(st)
	}
	if futexes.Waiters(key) != 0 {
		t.Fatal("killed waiter still queued")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 5000; i++ {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("condition never became true")
}
