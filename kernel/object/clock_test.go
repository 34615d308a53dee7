package object

import (
	"testing"
	"time"
)

// A deadline in the past, down to ZX_TIME_INFINITE_PAST, fires at once
// (the duration must not overflow into the far future).
func TestRealClockPastDeadline(t *testing.T) {
	c := MonotonicClock()
	for _, d := range []Time{TimeInfinitePast, 0, c.Now() - 1} {
		ch := make(chan struct{})
		c.AfterFunc(d, func() { close(ch) })
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatalf("AfterFunc(%d) did not fire", d)
		}
	}
}
