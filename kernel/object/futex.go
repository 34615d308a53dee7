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
// Ownership (Zircon's OwnedWaitQueue bookkeeping, without priority
// inheritance): a futex with waiters may have an owner thread, set by
// each wait (its new_futex_owner, or none), released by a wake, handed
// to the woken thread by the _single_owner calls, and set on a requeue
// target by new_requeue_owner. A futex without waiters has no owner.
//
// Lock order: FutexContext.mu is a leaf except for the load function,
// which must not take it or call back into the context.

type futexWaiter struct {
	addr  uint64
	koid  Koid          // the waiting thread (0: not known)
	ch    chan struct{} // closed when woken
	woken bool          // guarded by FutexContext.mu
}

// FutexOwner is a thread that can own a futex.
type FutexOwner interface {
	Koid() Koid
}

// FutexContext holds a process's futex wait queues, keyed on user
// address (Zircon's FutexContext). The zero value is ready to use.
type FutexContext struct {
	mu    sync.Mutex
	q     map[uint64][]*futexWaiter
	owner map[uint64]FutexOwner
}

// Owner returns the owner of futex k, or nil.
func (t *FutexContext) Owner(k uint64) FutexOwner {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.owner[k]
}

// setOwnerLocked makes o (nil: none) the owner of k if k has waiters.
func (t *FutexContext) setOwnerLocked(k uint64, o FutexOwner) {
	if o == nil || len(t.q[k]) == 0 {
		delete(t.owner, k)
		return
	}
	if t.owner == nil {
		t.owner = map[uint64]FutexOwner{}
	}
	t.owner[k] = o
}

// waitingLocked reports whether the thread koid waits on any of ks.
func (t *FutexContext) waitingLocked(koid Koid, ks ...uint64) bool {
	for _, k := range ks {
		for _, w := range t.q[k] {
			if w.koid == koid {
				return true
			}
		}
	}
	return false
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
	return t.WaitOwned(k, load, current, deadline, killed, 0, nil, OK)
}

// WaitOwned is Wait for the thread self that makes owner (nil: none) the
// futex's owner, as zx_futex_wait: after the value check, ownerErr (the
// syscall layer's validation of the owner handle) is returned, then
// ZX_ERR_INVALID_ARGS if owner is self or waits on k.
func (t *FutexContext) WaitOwned(k uint64, load func() (int32, Status), current int32, deadline Time, killed <-chan struct{},
	self Koid, owner FutexOwner, ownerErr Status) Status {
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
	if ownerErr != OK {
		t.mu.Unlock()
		return ownerErr
	}
	if owner != nil && (owner.Koid() == self || t.waitingLocked(owner.Koid(), k)) {
		t.mu.Unlock()
		return ErrInvalidArgs
	}
	clock := CurrentClock()
	if deadline != TimeInfinite && clock.Now() >= deadline {
		t.mu.Unlock()
		return ErrTimedOut
	}
	w := &futexWaiter{addr: k, koid: self, ch: make(chan struct{})}
	if t.q == nil {
		t.q = map[uint64][]*futexWaiter{}
	}
	t.q[k] = append(t.q[k], w)
	t.setOwnerLocked(k, owner)
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
		delete(t.owner, k)
		return
	}
	t.q[k] = q
}

// wakeLocked wakes up to n waiters of k, oldest first, and returns how
// many it woke. The futex's owner is released, or with assignWoken
// handed to the thread woken last (an owner of the threads still
// waiting; none if none is left).
func (t *FutexContext) wakeLocked(k uint64, n uint32, assignWoken bool) int {
	q := t.q[k]
	m := len(q)
	if uint64(n) < uint64(m) {
		m = int(n)
	}
	var last *futexWaiter
	for _, w := range q[:m] {
		w.woken = true
		close(w.ch)
		last = w
	}
	t.setLocked(k, q[m:])
	delete(t.owner, k)
	if assignWoken && last != nil && last.koid != 0 {
		t.setOwnerLocked(k, koidOwner(last.koid))
	}
	return m
}

// koidOwner is an owner known by its koid only (a woken waiter).
type koidOwner Koid

// Koid returns the owner's koid.
func (o koidOwner) Koid() Koid { return Koid(o) }

// Wake wakes up to n waiters of k (n = 0xFFFFFFFF: all) and returns how
// many it woke; the futex has no owner afterwards.
func (t *FutexContext) Wake(k uint64, n uint32) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.wakeLocked(k, n, false)
}

// WakeSingleOwner wakes one waiter of k and makes it the owner if
// threads are still waiting (zx_futex_wake_single_owner).
func (t *FutexContext) WakeSingleOwner(k uint64) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.wakeLocked(k, 1, true)
}

// Requeue checks load() == current (else ZX_ERR_BAD_STATE, nothing
// changed), wakes up to wakeCount waiters of k and moves up to
// requeueCount of the rest to to.
func (t *FutexContext) Requeue(k uint64, wakeCount uint32, load func() (int32, Status), current int32, to uint64, requeueCount uint32) Status {
	return t.RequeueOwned(k, wakeCount, load, current, to, requeueCount, false, nil, OK)
}

// RequeueOwned is Requeue with ownership, as zx_futex_requeue (and with
// assignWoken zx_futex_requeue_single_owner): after the value check,
// ownerErr is returned, then ZX_ERR_INVALID_ARGS if owner waits on k or
// to; k's owner is released (or handed to the woken thread) and owner
// (nil: none) owns to if it has waiters.
func (t *FutexContext) RequeueOwned(k uint64, wakeCount uint32, load func() (int32, Status), current int32, to uint64, requeueCount uint32,
	assignWoken bool, owner FutexOwner, ownerErr Status) Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, st := load()
	if st != OK {
		return st
	}
	if v != current {
		return ErrBadState
	}
	if ownerErr != OK {
		return ownerErr
	}
	if owner != nil && t.waitingLocked(owner.Koid(), k, to) {
		return ErrInvalidArgs
	}
	defer func() { t.setOwnerLocked(to, owner) }()
	t.wakeLocked(k, wakeCount, assignWoken)
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
