package object

import "sync"

// Futexes: Zircon's futex semantics, shared by the zx futex calls and the
// Linux personality's FUTEX_WAIT/FUTEX_WAKE (a word waited on through one
// is woken through the other, as on one kernel). A wait checks the value
// atomically with respect to wakes (mismatch → ZX_ERR_BAD_STATE), honours
// a deadline (→ ZX_ERR_TIMED_OUT), wakes are counted and FIFO, and
// requeue moves waiters to another futex of the same process.
//
// The caller supplies the value read (a copy-in from user memory) as a
// function run with the context's lock held, so that "check value, then
// sleep" is atomic with every Wake/Requeue.
//
// Lock order: FutexContext.mu is a leaf except for the load function,
// which must not take it or call back into the context.

type futexWaiter struct {
	addr  uint64
	ch    chan struct{} // closed when woken
	woken bool          // guarded by FutexContext.mu
}

// FutexContext holds a process's futex wait queues, keyed on user
// address (Zircon's FutexContext). The zero value is ready to use.
type FutexContext struct {
	mu sync.Mutex
	q  map[uint64][]*futexWaiter
}

// Waiters returns the number of threads waiting on k.
func (t *FutexContext) Waiters(k uint64) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.q[k])
}

// Wait blocks on k if load() returns current, until woken (ZX_OK), the
// deadline passes (ZX_ERR_TIMED_OUT) or killed is closed
// (ZX_ERR_INTERNAL_INTR_KILLED). load's error is returned as is; a
// different value returns ZX_ERR_BAD_STATE without waiting.
func (t *FutexContext) Wait(k uint64, load func() (int32, Status), current int32, deadline Time, killed <-chan struct{}) Status {
	t.mu.Lock()
	v, st := load()
	if st != OK {
		t.mu.Unlock()
		return st
	}
	if v != current {
		t.mu.Unlock()
		return ErrBadState
	}
	clock := CurrentClock()
	if deadline != TimeInfinite && clock.Now() >= deadline {
		t.mu.Unlock()
		return ErrTimedOut
	}
	w := &futexWaiter{addr: k, ch: make(chan struct{})}
	if t.q == nil {
		t.q = map[uint64][]*futexWaiter{}
	}
	t.q[k] = append(t.q[k], w)
	t.mu.Unlock()

	var timeout chan struct{}
	if deadline != TimeInfinite {
		timeout = make(chan struct{})
		s := clock.AfterFunc(deadline, func() { close(timeout) })
		defer s.Stop()
	}
	res := OK
	select {
	case <-w.ch:
		return OK
	case <-timeout:
		res = ErrTimedOut
	case <-killed:
		res = ErrInternalIntrKilled
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if w.woken {
		// A wake raced with the timeout; the wake wins (it was counted).
		return OK
	}
	t.removeLocked(w)
	return res
}

func (t *FutexContext) removeLocked(w *futexWaiter) {
	q := t.q[w.addr]
	for i, x := range q {
		if x == w {
			q = append(q[:i], q[i+1:]...)
			break
		}
	}
	t.setLocked(w.addr, q)
}

func (t *FutexContext) setLocked(k uint64, q []*futexWaiter) {
	if len(q) == 0 {
		delete(t.q, k)
		return
	}
	t.q[k] = q
}

// wakeLocked wakes up to n waiters of k, oldest first, and returns how
// many it woke.
func (t *FutexContext) wakeLocked(k uint64, n uint32) int {
	q := t.q[k]
	m := len(q)
	if uint64(n) < uint64(m) {
		m = int(n)
	}
	for _, w := range q[:m] {
		w.woken = true
		close(w.ch)
	}
	t.setLocked(k, q[m:])
	return m
}

// Wake wakes up to n waiters of k (n = 0xFFFFFFFF: all) and returns how
// many it woke.
func (t *FutexContext) Wake(k uint64, n uint32) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.wakeLocked(k, n)
}

// Requeue checks load() == current (else ZX_ERR_BAD_STATE, nothing
// changed), wakes up to wakeCount waiters of k and moves up to
// requeueCount of the rest to to.
func (t *FutexContext) Requeue(k uint64, wakeCount uint32, load func() (int32, Status), current int32, to uint64, requeueCount uint32) Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, st := load()
	if st != OK {
		return st
	}
	if v != current {
		return ErrBadState
	}
	t.wakeLocked(k, wakeCount)
	q := t.q[k]
	m := len(q)
	if uint64(requeueCount) < uint64(m) {
		m = int(requeueCount)
	}
	if m == 0 {
		return OK
	}
	moved := q[:m:m]
	for _, w := range moved {
		w.addr = to
	}
	if t.q == nil {
		t.q = map[uint64][]*futexWaiter{}
	}
	t.q[to] = append(t.q[to], moved...)
	t.setLocked(k, q[m:])
	return OK
}
