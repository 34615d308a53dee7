package futex

import (
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: FutexTest (futex tests in utest/core), on the
// family's helpers: waiters each on their own OS thread, and words on the
// heap.

func TestFutexTest_WaitValueMismatch(t *testing.T) {
	v := word()
	*v = 123
	ctest.Want(t, "futex_wait(wrong value)", zx.Sys_futex_wait(v, 124, zx.HandleInvalid, zx.TimeInfinite), zx.ErrBadState)
}

func TestFutexTest_WaitTimeout(t *testing.T) {
	v := word()
	ctest.Want(t, "futex_wait(deadline)", zx.Sys_futex_wait(v, 0, zx.HandleInvalid, zx.Sys_deadline_after(zx.Duration(time.Millisecond))), zx.ErrTimedOut)
}

func TestFutexTest_WaitTimeoutElapsed(t *testing.T) {
	v := word()
	const relative = 10 * time.Millisecond
	for range 5 {
		start := zx.Sys_clock_get_monotonic()
		ctest.Want(t, "futex_wait", zx.Sys_futex_wait(v, 0, zx.HandleInvalid, zx.Sys_deadline_after(zx.Duration(relative))), zx.ErrTimedOut)
		if el := zx.Sys_clock_get_monotonic() - start; el < zx.Time(relative) {
			t.Errorf("timed out after %v, before the deadline", time.Duration(el))
		}
	}
}

func TestFutexTest_WaitBadAddress(t *testing.T) {
	// Inaccessible addresses are refused before any wait.
	for _, a := range []uintptr{0, 4, 0x7fff_ffff_f000} {
		ctest.Want(t, "futex_wait(bad address)", zx.Sys_futex_wait((*int32)(ptr(a)), 0, zx.HandleInvalid, zx.TimeInfinite), zx.ErrInvalidArgs)
	}
}

func TestFutexTest_Wakeup(t *testing.T) {
	v := word()
	res := waiters(t, 1, v, 0)
	ctest.Must(t, "futex_wake(1)", zx.Sys_futex_wake(v, 1))
	if n := collect(t, res, zx.Time(settle)); n != 1 {
		t.Errorf("%d waiters woke", n)
	}
}

func TestFutexTest_WakeupLimit(t *testing.T) {
	v := word()
	res := waiters(t, 4, v, 0)
	ctest.Must(t, "futex_wake(2)", zx.Sys_futex_wake(v, 2))
	if n := collect(t, res, zx.Time(settle)); n != 2 {
		t.Errorf("%d waiters woke, want 2", n)
	}
	release(t, v, res, 2)
}

func TestFutexTest_WakeupAddress(t *testing.T) {
	a, b := word(), word()
	res := waiters(t, 1, a, 0)
	ctest.Must(t, "futex_wake(other word)", zx.Sys_futex_wake(b, zx.FutexWakeAll))
	if n := collect(t, res, zx.Time(settle)); n != 0 {
		t.Errorf("a wake on another word woke %d", n)
	}
	release(t, a, res, 1)
}

func TestFutexTest_RequeueValueMismatch(t *testing.T) {
	a, b := word(), word()
	*a = 100
	ctest.Want(t, "futex_requeue(wrong value)", zx.Sys_futex_requeue(a, 1, 101, b, 1, zx.HandleInvalid), zx.ErrBadState)
}

func TestFutexTest_RequeueSameAddr(t *testing.T) {
	a := word()
	*a = 100
	ctest.Want(t, "futex_requeue(same word)", zx.Sys_futex_requeue(a, 1, 100, a, 1, zx.HandleInvalid), zx.ErrInvalidArgs)
}

func TestFutexTest_Requeue(t *testing.T) {
	a, b := word(), word()
	*a = 100
	res := waiters(t, 6, a, 100)
	// Wake 3, move 2 to b: one stays on a.
	ctest.Must(t, "futex_requeue(3, 2)", zx.Sys_futex_requeue(a, 3, 100, b, 2, zx.HandleInvalid))
	if n := collect(t, res, zx.Time(settle)); n != 3 {
		t.Errorf("%d woke, want 3", n)
	}
	ctest.Must(t, "futex_wake(b, all)", zx.Sys_futex_wake(b, zx.FutexWakeAll))
	if n := collect(t, res, zx.Time(settle)); n != 2 {
		t.Errorf("%d woke from the requeue target, want 2", n)
	}
	release(t, a, res, 1)
}

func TestFutexTest_RequeueUnqueuedOnTimeout(t *testing.T) {
	a, b := word(), word()
	*a = 100
	var done atomic.Int32
	res := make(chan zx.Status, 1)
	go func() {
		res <- zx.Sys_futex_wait(a, 100, zx.HandleInvalid, zx.Sys_deadline_after(zx.Duration(300*time.Millisecond)))
		done.Store(1)
	}()
	time.Sleep(50 * time.Millisecond)
	ctest.Must(t, "futex_requeue(0, 1)", zx.Sys_futex_requeue(a, 0, 100, b, 1, zx.HandleInvalid))
	ctest.Want(t, "requeued waiter", <-res, zx.ErrTimedOut)
	// The timed-out waiter left b's queue: a new waiter there is the only
	// one a wake of one reaches.
	res2 := waiters(t, 1, b, 0)
	ctest.Must(t, "futex_wake(b, 1)", zx.Sys_futex_wake(b, 1))
	if n := collect(t, res2, zx.Time(settle)); n != 1 {
		t.Errorf("%d woke, want the new waiter", n)
	}
}

func TestFutexTest_MisalignedFutextAddr(t *testing.T) {
	v := make([]int64, 2)
	mis := (*int32)(unsafe.Add(unsafe.Pointer(&v[0]), 1))
	ctest.Want(t, "futex_wait(misaligned)", zx.Sys_futex_wait(mis, 0, zx.HandleInvalid, zx.TimeInfinite), zx.ErrInvalidArgs)
	ctest.Want(t, "futex_wake(misaligned)", zx.Sys_futex_wake(mis, 1), zx.ErrInvalidArgs)
	ok := (*int32)(unsafe.Pointer(&v[1]))
	ctest.Want(t, "futex_requeue(misaligned)", zx.Sys_futex_requeue(mis, 1, 0, ok, 1, zx.HandleInvalid), zx.ErrInvalidArgs)
	ctest.Want(t, "futex_requeue(misaligned target)", zx.Sys_futex_requeue(ok, 1, 0, mis, 1, zx.HandleInvalid), zx.ErrInvalidArgs)
}

// TestFutexTest_EventSignaling is the original's futex-based event: a
// signaller sets the word and wakes the waiters, which see the new value.
func TestFutexTest_EventSignaling(t *testing.T) {
	ev := word()
	const n = 3
	res := waiters(t, n, ev, 0)
	atomic.StoreInt32(ev, 1)
	ctest.Must(t, "futex_wake(all)", zx.Sys_futex_wake(ev, zx.FutexWakeAll))
	if got := collect(t, res, zx.Time(settle)); got != n {
		t.Errorf("%d of %d waiters woke", got, n)
	}
	ctest.Want(t, "wait on the signalled event", zx.Sys_futex_wait(ev, 0, zx.HandleInvalid, zx.TimeInfinite), zx.ErrBadState)
}
