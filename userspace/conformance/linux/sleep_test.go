package linux

import (
	"syscall"
	"testing"
	"time"
)

// TestNanosleep: nanosleep sleeps at least as long as asked, whether the
// kernel serves it by yielding (short sleeps) or on a timer, and rejects
// a malformed duration.
func TestNanosleep(t *testing.T) {
	for _, d := range []time.Duration{time.Microsecond, 30 * time.Microsecond, 99 * time.Microsecond, 2 * time.Millisecond} {
		ts := syscall.NsecToTimespec(int64(d))
		for range 20 {
			start := time.Now()
			err := syscall.Nanosleep(&ts, nil)
			if err == syscall.EINTR {
				// A signal handler ran (the runtime's SIGURG): Linux
				// never restarts nanosleep after one (signal(7)).
				continue
			}
			if err != nil {
				t.Fatalf("nanosleep(%v): %v", d, err)
			}
			if got := time.Since(start); got < d {
				t.Fatalf("nanosleep(%v) returned after %v", d, got)
			}
		}
	}
	if err := syscall.Nanosleep(&syscall.Timespec{Nsec: 1e9}, nil); err != syscall.EINVAL {
		t.Errorf("nanosleep(1e9 ns field): %v, want EINVAL", err)
	}
}
