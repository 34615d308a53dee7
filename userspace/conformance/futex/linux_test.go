package futex

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"beryl/userspace/zx"
)

// Linux futex(2) operations (include/uapi/linux/futex.h).
const (
	futexWait    = 0
	futexWake    = 1
	futexPrivate = 128
)

// TestLinuxFutexShared: a process has one set of futex queues, so a word
// waited on through zx_futex_wait is woken by Linux FUTEX_WAKE and the
// other way round, and a Linux FUTEX_WAIT on a changed word is EAGAIN.
func TestLinuxFutexShared(t *testing.T) {
	var word int32 = 7
	res := waiters(t, 1, &word, 7)
	if e := linuxFutex(&word, futexWake, 1, nil); e != 0 {
		t.Fatalf("FUTEX_WAKE: %v", e)
	}
	if n := collect(t, res, 2000*ms); n != 1 {
		t.Fatalf("zx waiter woken by FUTEX_WAKE: %d, want 1", n)
	}

	done := make(chan syscall.Errno, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		done <- linuxFutex(&word, futexWait, 7, nil)
	}()
	zx.Sys_nanosleep(zx.Now() + settle)
	if st := zx.Sys_futex_wake(&word, 1); st != zx.OK {
		t.Fatalf("futex_wake: %v", st)
	}
	select {
	case e := <-done:
		if e != 0 {
			t.Fatalf("FUTEX_WAIT woken by zx_futex_wake: %v", e)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("FUTEX_WAIT not woken by zx_futex_wake")
	}

	if e := linuxFutex(&word, futexWait, 8, nil); e != syscall.EAGAIN {
		t.Errorf("FUTEX_WAIT on a changed word: %v, want EAGAIN", e)
	}
	ts := syscall.Timespec{Nsec: 10_000_000}
	if e := linuxFutex(&word, futexWait, 7, &ts); e != syscall.ETIMEDOUT {
		t.Errorf("FUTEX_WAIT with 10 ms: %v, want ETIMEDOUT", e)
	}
}
