// Package futex implements Zircon futexes for the zx syscall layer: wait
// queues keyed on (address space, user address), with Zircon's semantics —
// a wait checks the current value atomically with respect to wakes
// (mismatch → ZX_ERR_BAD_STATE), honours a deadline (→ ZX_ERR_TIMED_OUT),
// wakes are counted and FIFO, and requeue moves waiters to another futex.
//
// It is pure Go (no unsafe, no arch) and host-tested. The caller supplies
// the value read (a copy-in from user memory) as a function, run with the
// table lock held, so that "check value, then sleep" is atomic with every
// Wake/Requeue on the same table.
//
// Lock order: Table.mu is a leaf except for the load function, which must
// not take Table.mu or call back into this package.
package futex

import (
	"sync"

	"beryl/kernel/object"
)

// Key identifies a futex: an address space (e.g. the *object.Process) and
// a user address in it.
type Key struct {
	Space any
	Addr  uint64
}

type waiter struct {
	key   Key
	ch    chan struct{} // closed when woken
	woken bool          // guarded by Table.mu
}

// Table holds the wait queues. The zero value is ready to use.
type Table struct {
	mu sync.Mutex
	q  map[Key][]*waiter
}

// Waiters returns the number of threads waiting on k.
func (t *Table) Waiters(k Key) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.q[k])
}

// Wait blocks on k if load() returns current, until woken (ZX_OK), the
// deadline passes (ZX_ERR_TIMED_OUT) or killed is closed
// (ZX_ERR_INTERNAL_INTR_KILLED). load's error is returned as is; a
// different value returns ZX_ERR_BAD_STATE without waiting.
func (t *Table) Wait(k Key, load func() (int32, object.Status), current int32, deadline object.Time, killed <-chan struct{}) object.Status {
	t.mu.Lock()
	v, st := load()
	if st != object.OK {
		t.mu.Unlock()
		return st
	}
	if v != current {
		t.mu.Unlock()
		return object.ErrBadState
	}
	clock := object.CurrentClock()
	if deadline != object.TimeInfinite && clock.Now() >= deadline {
		t.mu.Unlock()
		return object.ErrTimedOut
	}
	w := &waiter{key: k, ch: make(chan struct{})}
	if t.q == nil {
		t.q = map[Key][]*waiter{}
	}
	t.q[k] = append(t.q[k], w)
	t.mu.Unlock()

	var timeout chan struct{}
	if deadline != object.TimeInfinite {
		timeout = make(chan struct{})
		s := clock.AfterFunc(deadline, func() { close(timeout) })
		defer s.Stop()
	}
	res := object.OK
	select {
	case <-w.ch:
		return object.OK
	case <-timeout:
		res = object.ErrTimedOut
	case <-killed:
		res = object.ErrInternalIntrKilled
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if w.woken {
		// A wake raced with the timeout; the wake wins (it was counted).
		return object.OK
	}
	t.removeLocked(w)
	return res
}

func (t *Table) removeLocked(w *waiter) {
	q := t.q[w.key]
	for i, x := range q {
		if x == w {
			q = append(q[:i], q[i+1:]...)
			break
		}
	}
	t.setLocked(w.key, q)
}

func (t *Table) setLocked(k Key, q []*waiter) {
	if len(q) == 0 {
		delete(t.q, k)
		return
	}
	t.q[k] = q
}

// wakeLocked wakes up to n waiters of k, oldest first, and returns how
// many it woke.
func (t *Table) wakeLocked(k Key, n uint32) int {
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
func (t *Table) Wake(k Key, n uint32) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.wakeLocked(k, n)
}

// Requeue checks load() == current (else ZX_ERR_BAD_STATE, nothing
// changed), wakes up to wakeCount waiters of k and moves up to
// requeueCount of the rest to to.
func (t *Table) Requeue(k Key, wakeCount uint32, load func() (int32, object.Status), current int32, to Key, requeueCount uint32) object.Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, st := load()
	if st != object.OK {
		return st
	}
	if v != current {
		return object.ErrBadState
	}
	t.wakeLocked(k, wakeCount)
	q := t.q[k]
	m := len(q)
	if uint64(requeueCount) < uint64(m) {
		m = int(requeueCount)
	}
	if m == 0 {
		return object.OK
	}
	moved := q[:m:m]
	for _, w := range moved {
		w.key = to
	}
	if t.q == nil {
		t.q = map[Key][]*waiter{}
	}
	t.q[to] = append(t.q[to], moved...)
	t.setLocked(k, q[m:])
	return object.OK
}
