package object

import "sync"

// waitBlock is the blocking state of one object_wait_one/wait_many call.
// Blocks are pooled so that a wait needs no allocation beyond the deadline
// timer.
type waitBlock struct {
	ch   chan struct{}
	wake func()
	obs  [WaitManyMaxItems]waitObserver
}

func (w *waitBlock) signal() {
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

var waitPool = sync.Pool{New: func() any {
	w := &waitBlock{ch: make(chan struct{}, 1)}
	w.wake = w.signal
	return w
}}

func getWaitBlock() *waitBlock { return waitPool.Get().(*waitBlock) }

// putWaitBlock recycles w unless a timer callback may still touch it.
func putWaitBlock(w *waitBlock, n int, reusable bool) {
	if !reusable {
		return
	}
	select {
	case <-w.ch:
	default:
	}
	clear(w.obs[:n])
	waitPool.Put(w)
}

// block waits for an observer, the deadline or killed (closed when the
// waiting thread is to end; nil: never); it reports whether w may be
// reused (no timer callback outstanding) and whether killed ended it.
func (w *waitBlock) block(deadline Time, killed <-chan struct{}) (reusable, wasKilled bool) {
	var t Stopper
	if deadline != TimeInfinite {
		t = CurrentClock().AfterFunc(deadline, w.wake)
	}
	select {
	case <-w.ch:
	case <-killed:
		wasKilled = true
	}
	return t == nil || t.Stop(), wasKilled
}

// waitObserver is a synchronous waiter's observer. Until one of its
// signals is asserted it follows the object's state; the change that
// satisfies it unregisters it and freezes observed, so the waiter reports
// the state that woke it even if the signal is cleared again before the
// waiter runs (Zircon's WaitSignalObserver::OnMatch).
type waitObserver struct {
	blk        *waitBlock
	obj        *Base
	entry      *HandleEntry
	trigger    Signals
	observed   Signals
	matched    bool
	canceled   bool
	registered bool
}

func (o *waitObserver) onStateChange(s Signals) bool {
	o.observed = s
	if s&o.trigger == 0 {
		return false
	}
	o.matched = true
	o.registered = false
	o.blk.signal()
	return true
}

func (o *waitObserver) onCancel(e *HandleEntry) bool {
	if e != o.entry {
		return false
	}
	o.canceled = true
	o.observed |= SignalHandleClosed
	o.registered = false
	o.blk.signal()
	return true
}

// end unregisters o and returns what it observed (the state that
// satisfied it, else the state now), whether one of its signals was
// asserted and whether its handle was closed.
func (o *waitObserver) end() (s Signals, matched, canceled bool) {
	b := o.obj
	b.mu.Lock()
	if o.registered {
		b.removeObserverLocked(o)
		o.registered = false
	}
	s, matched, canceled = o.observed, o.matched, o.canceled
	b.mu.Unlock()
	b.Release()
	return s, matched, canceled
}

func deadlinePassed(deadline Time) bool {
	return deadline != TimeInfinite && deadline <= Now()
}

// ObjectWaitOne is zx_object_wait_one: it blocks until one of signals is
// asserted on h's object (ZX_OK), the deadline passes (ZX_ERR_TIMED_OUT) or
// h is closed (ZX_ERR_CANCELED, observed includes ZX_SIGNAL_HANDLE_CLOSED),
// and returns the observed signals. Errors before waiting: BAD_HANDLE,
// ACCESS_DENIED (no ZX_RIGHT_WAIT), NOT_SUPPORTED (not waitable).
func ObjectWaitOne(p *Process, h Handle, signals Signals, deadline Time) (Signals, Status) {
	return ObjectWaitOneKillable(p, h, signals, deadline, nil)
}

// ObjectWaitOneKillable is ObjectWaitOne for a thread that killed ends:
// once it is closed the wait returns ZX_ERR_INTERNAL_INTR_KILLED (the
// thread then exits, as Zircon's interruptible waits do).
func ObjectWaitOneKillable(p *Process, h Handle, signals Signals, deadline Time, killed <-chan struct{}) (Signals, Status) {
	t := p.table
	t.mu.RLock()
	e := t.getLocked(h)
	if e == nil || e.isRevoked() {
		t.mu.RUnlock()
		return 0, p.missingOrRevoked(e)
	}
	if !e.rights.Has(RightWait) {
		t.mu.RUnlock()
		return 0, ErrAccessDenied
	}
	b := e.obj.base()
	if !b.waitable {
		t.mu.RUnlock()
		return 0, ErrNotSupported
	}
	b.mu.Lock()
	cur := b.signals
	if cur&signals != 0 || deadlinePassed(deadline) {
		b.mu.Unlock()
		t.mu.RUnlock()
		if cur&signals != 0 {
			return cur, OK
		}
		return cur, ErrTimedOut
	}
	w := getWaitBlock()
	o := &w.obs[0]
	*o = waitObserver{blk: w, obj: b, entry: e, trigger: signals, observed: cur, registered: true}
	b.obs = append(b.obs, o)
	b.AddRef()
	b.mu.Unlock()
	t.mu.RUnlock()

	reusable, wasKilled := w.block(deadline, killed)
	obs, matched, canceled := o.end()
	putWaitBlock(w, 1, reusable)
	switch {
	case canceled:
		return obs, ErrCanceled
	case matched:
		return obs, OK
	case wasKilled:
		return obs, ErrInternalIntrKilled
	default:
		return obs, ErrTimedOut
	}
}

// ObjectWaitMany is zx_object_wait_many over at most WaitManyMaxItems
// items; each item's Pending is filled. Every handle is validated before
// any wait is registered. ZX_ERR_CANCELED (some handle closed) takes
// precedence over ZX_OK and ZX_ERR_TIMED_OUT. With no items it sleeps until
// the deadline and returns ZX_ERR_TIMED_OUT.
func ObjectWaitMany(p *Process, items []WaitItem, deadline Time) Status {
	return ObjectWaitManyKillable(p, items, deadline, nil)
}

// ObjectWaitManyKillable is ObjectWaitMany for a thread that killed ends
// (ZX_ERR_INTERNAL_INTR_KILLED, as ObjectWaitOneKillable).
func ObjectWaitManyKillable(p *Process, items []WaitItem, deadline Time, killed <-chan struct{}) Status {
	n := len(items)
	if n > WaitManyMaxItems {
		return ErrOutOfRange
	}
	if n == 0 {
		if !SleepUntilKillable(deadline, killed) {
			return ErrInternalIntrKilled
		}
		return ErrTimedOut
	}
	var entries [WaitManyMaxItems]*HandleEntry
	t := p.table
	t.mu.RLock()
	for i := range items {
		e := t.getLocked(items[i].Handle)
		if e == nil || e.isRevoked() {
			t.mu.RUnlock()
			return p.missingOrRevoked(e)
		}
		if !e.rights.Has(RightWait) {
			t.mu.RUnlock()
			return ErrAccessDenied
		}
		if !e.obj.base().waitable {
			t.mu.RUnlock()
			return ErrNotSupported
		}
		entries[i] = e
	}
	w := getWaitBlock()
	satisfied := false
	for i := range items {
		e := entries[i]
		b := e.obj.base()
		o := &w.obs[i]
		b.mu.Lock()
		*o = waitObserver{blk: w, obj: b, entry: e, trigger: items[i].WaitFor, observed: b.signals}
		if b.signals&items[i].WaitFor != 0 {
			// Satisfied already: keep this state (Zircon matches at
			// AddObserver), whatever happens before the results are read.
			o.matched = true
			satisfied = true
		} else {
			o.registered = true
			b.obs = append(b.obs, o)
		}
		b.AddRef()
		b.mu.Unlock()
	}
	t.mu.RUnlock()

	reusable, wasKilled := true, false
	if !satisfied && !deadlinePassed(deadline) {
		reusable, wasKilled = w.block(deadline, killed)
	}
	anyCanceled, anySatisfied := false, false
	for i := range items {
		obs, m, c := w.obs[i].end()
		items[i].Pending = obs
		anyCanceled = anyCanceled || c
		anySatisfied = anySatisfied || m
	}
	putWaitBlock(w, n, reusable)
	switch {
	case anyCanceled:
		return ErrCanceled
	case anySatisfied:
		return OK
	case wasKilled:
		return ErrInternalIntrKilled
	default:
		return ErrTimedOut
	}
}
