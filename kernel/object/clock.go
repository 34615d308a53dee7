package object

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Clock is the monotonic clock deadlines are measured against. The kernel
// backs it with its own timer; the host uses MonotonicClock or FakeClock.
type Clock interface {
	// Now returns the current monotonic time.
	Now() Time
	// AfterFunc arranges for f to run on its own goroutine once Now() >=
	// deadline; the returned Stopper cancels it.
	AfterFunc(deadline Time, f func()) Stopper
}

// Stopper cancels a pending AfterFunc; Stop reports whether it stopped the
// call before it started.
type Stopper interface {
	Stop() bool
}

type clockBox struct{ c Clock }

var currentClock atomic.Pointer[clockBox]

func init() { SetClock(MonotonicClock()) }

// SetClock replaces the clock used for every deadline and timer.
func SetClock(c Clock) { currentClock.Store(&clockBox{c}) }

// CurrentClock returns the clock in use.
func CurrentClock() Clock { return currentClock.Load().c }

// Now returns the current monotonic time.
func Now() Time { return CurrentClock().Now() }

// SleepUntil blocks until deadline has passed (zx_nanosleep).
func SleepUntil(deadline Time) { SleepUntilKillable(deadline, nil) }

// SleepUntilKillable is SleepUntil that killed (closed when the sleeping
// thread is to end; nil: never) cuts short: it reports false if killed
// ended the sleep.
func SleepUntilKillable(deadline Time, killed <-chan struct{}) bool {
	c := CurrentClock()
	if deadline != TimeInfinite && c.Now() >= deadline {
		return true
	}
	var ch chan struct{}
	if deadline != TimeInfinite {
		ch = make(chan struct{})
		s := c.AfterFunc(deadline, func() { close(ch) })
		defer s.Stop()
	}
	select {
	case <-ch:
		return true
	case <-killed:
		return false
	}
}

// MonotonicClock returns a clock backed by the Go runtime's monotonic time,
// zero when the package was initialised.
func MonotonicClock() Clock { return realClock{} }

var clockEpoch = time.Now()

type realClock struct{}

// Now returns nanoseconds since the package was initialised.
func (realClock) Now() Time { return Time(time.Since(clockEpoch)) }

// AfterFunc runs f on its own goroutine once deadline has passed. A
// deadline already past (down to ZX_TIME_INFINITE_PAST, where the
// subtraction would overflow) fires at once.
func (c realClock) AfterFunc(deadline Time, f func()) Stopper {
	now := c.Now()
	if deadline <= now {
		return time.AfterFunc(0, f)
	}
	return time.AfterFunc(time.Duration(deadline-now), f)
}

// FakeClock is a manually advanced clock for tests.
type FakeClock struct {
	mu     sync.Mutex
	now    Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c        *FakeClock
	deadline Time
	f        func()
	done     bool
}

// NewFakeClock returns a fake clock reading start.
func NewFakeClock(start Time) *FakeClock { return &FakeClock{now: start} }

// Now returns the fake time.
func (c *FakeClock) Now() Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc registers f to run when the clock is advanced to deadline (at
// once, on a new goroutine, if it already has been).
func (c *FakeClock) AfterFunc(deadline Time, f func()) Stopper {
	t := &fakeTimer{c: c, deadline: deadline, f: f}
	c.mu.Lock()
	if deadline <= c.now {
		t.done = true
		c.mu.Unlock()
		go f()
		return t
	}
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	return t
}

// Pending returns the number of registered timers not yet fired.
func (c *FakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Advance moves the clock forward by d and runs, in deadline order and on
// the calling goroutine, every timer that is now due.
func (c *FakeClock) Advance(d Duration) { c.Set(c.Now() + Time(d)) }

// Set moves the clock to t (never backwards) and runs due timers.
func (c *FakeClock) Set(t Time) {
	c.mu.Lock()
	if t > c.now {
		c.now = t
	}
	var due, keep []*fakeTimer
	for _, x := range c.timers {
		if x.deadline <= c.now {
			x.done = true
			due = append(due, x)
		} else {
			keep = append(keep, x)
		}
	}
	c.timers = keep
	c.mu.Unlock()
	sort.SliceStable(due, func(i, j int) bool { return due[i].deadline < due[j].deadline })
	for _, x := range due {
		x.f()
	}
}

// Stop cancels the timer.
func (t *fakeTimer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.done {
		return false
	}
	t.done = true
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			break
		}
	}
	return true
}
