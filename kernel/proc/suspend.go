package proc

import (
	"sync"

	"beryl/kernel/object"
)

// Thread suspension (task_suspend). A thread is suspended while it or its
// process holds a suspend token. The thread's goroutine parks at its next
// return towards ring 3 (suspendPoint): a thread in user mode comes back
// to the kernel within one timer tick; a thread inside a system call
// counts as suspended at once (its user registers are saved and it will
// not run user code) and parks when the call returns, as Zircon's thread
// that suspends on its way out of a blocking call: the call itself goes
// on, so a reply or a signal that arrives meanwhile is not lost.
//
// ZX_THREAD_SUSPENDED is asserted (and ZX_THREAD_RUNNING cleared) from
// the moment the thread counts as suspended until a resume, a kill or its
// process's death.
//
// Locking: Process.mu → suspendState.mu → the thread's object lock.

// suspendState is a thread's part of suspension.
type suspendState struct {
	mu sync.Mutex
	// count is the number of live suspend tokens of the thread itself.
	count int
	// inCall is the ZX_THREAD_STATE_* the thread reports while inside a
	// system call (RUNNING for one that does not block), 0 outside.
	inCall uint32
	// parked is set while the thread counts as suspended (SUSPENDED
	// asserted).
	parked bool
	// wake is closed (and replaced) by every resume and kill.
	wake chan struct{}
	// pagerKick is closed when the thread is suspended, ending a wait
	// for a pager (pagerwait.go); nil when nobody asked for it.
	pagerKick chan struct{}
}

// suspendedLocked reports whether t must not run user code: a token of
// its own or of its process is live. suspendState.mu held.
func (t *Thread) suspendedLocked() bool {
	return t.susp.count > 0 || t.P.suspends.Load() > 0
}

// parkLocked marks t suspended. suspendState.mu held.
func (t *Thread) parkLocked() {
	if !t.susp.parked {
		t.susp.parked = true
		t.setSignals(object.ThreadRunning, object.ThreadSuspended)
	}
}

// unparkLocked marks t running again and wakes its goroutine.
// suspendState.mu held.
func (t *Thread) unparkLocked() {
	if t.susp.parked {
		t.susp.parked = false
		t.setSignals(object.ThreadSuspended, object.ThreadRunning)
	}
	if t.susp.wake != nil {
		close(t.susp.wake)
		t.susp.wake = nil
	}
}

// suspendPoint parks the thread's goroutine while the thread is
// suspended; it returns at once when not, and when the thread or its
// process is being killed.
func (t *Thread) suspendPoint() {
	for {
		t.susp.mu.Lock()
		if !t.suspendedLocked() || t.P.killed.Load() || t.exitReq.Load() {
			if t.susp.parked {
				t.unparkLocked()
			}
			t.susp.mu.Unlock()
			return
		}
		t.parkLocked()
		if t.susp.wake == nil {
			t.susp.wake = make(chan struct{})
		}
		wake := t.susp.wake
		t.susp.mu.Unlock()
		select {
		case <-wake:
		case <-t.P.dying:
		}
	}
}

// enterCall records that the thread entered a system call in which it
// reports state; a suspended thread counts as suspended at once.
func (t *Thread) enterCall(state uint32) {
	t.susp.mu.Lock()
	t.susp.inCall = state
	if t.suspendedLocked() {
		t.parkLocked()
	}
	t.susp.mu.Unlock()
}

// leaveCall records that the thread's system call returned.
func (t *Thread) leaveCall() {
	t.susp.mu.Lock()
	t.susp.inCall = 0
	t.susp.mu.Unlock()
}

// noteSuspend makes a thread inside a system call count as suspended
// (a token of it or of its process was just made).
func (t *Thread) noteSuspend() {
	t.susp.mu.Lock()
	if t.susp.inCall != 0 && t.suspendedLocked() {
		t.parkLocked()
	}
	t.kickPagerLocked()
	t.susp.mu.Unlock()
}

// noteResume lets t run again if no token holds it any more.
func (t *Thread) noteResume() {
	t.susp.mu.Lock()
	if !t.suspendedLocked() {
		t.unparkLocked()
	}
	t.susp.mu.Unlock()
}

// wakeSuspended wakes a parked goroutine (kill).
func (t *Thread) wakeSuspended() {
	t.susp.mu.Lock()
	if t.susp.wake != nil {
		close(t.susp.wake)
		t.susp.wake = nil
	}
	t.susp.mu.Unlock()
}

// suspendedState reports whether the thread counts as suspended, and the
// state it reports inside a system call (0 outside one).
func (t *Thread) suspendedState() (bool, uint32) {
	t.susp.mu.Lock()
	defer t.susp.mu.Unlock()
	return t.susp.parked, t.susp.inCall
}

// SuspendThread makes a suspend token for thread t (task_suspend),
// called by the thread with koid caller: NOT_SUPPORTED for the caller
// itself, BAD_STATE for a dying or dead thread. The caller gets the
// token's reference.
func SuspendThread(caller object.Koid, t *Thread) (*SuspendToken, object.Status) {
	if caller == t.Koid() {
		return nil, object.ErrNotSupported
	}
	t.startMu.Lock()
	defer t.startMu.Unlock()
	if t.Signals()&object.TaskTerminated != 0 || t.exitReq.Load() || t.P.killed.Load() {
		return nil, object.ErrBadState
	}
	t.susp.mu.Lock()
	t.susp.count++
	t.recall()
	if t.started && t.susp.inCall != 0 {
		t.parkLocked()
	}
	t.kickPagerLocked()
	t.susp.mu.Unlock()
	t.AddRef()
	return newSuspendToken(func() {
		t.susp.mu.Lock()
		t.susp.count--
		t.susp.mu.Unlock()
		t.noteResume()
		t.Release()
	}), object.OK
}

// SuspendProcess makes a suspend token for process po (task_suspend):
// every thread of it, also those started later, is suspended while the
// token lives. NOT_SUPPORTED for the caller's own process, BAD_STATE for
// a process that is dying or dead.
func SuspendProcess(caller *object.Process, po *object.Process) (*SuspendToken, object.Status) {
	if caller == po {
		return nil, object.ErrNotSupported
	}
	p := processOf(po)
	if p == nil {
		return nil, object.ErrBadState
	}
	p.mu.Lock()
	if p.exiting || p.finishing {
		p.mu.Unlock()
		return nil, object.ErrBadState
	}
	p.suspends.Add(1)
	for _, t := range p.threads {
		t.noteSuspend()
	}
	p.mu.Unlock()
	po.AddRef()
	return newSuspendToken(func() {
		p.mu.Lock()
		p.suspends.Add(-1)
		ts := make([]*Thread, 0, len(p.threads))
		for _, t := range p.threads {
			ts = append(ts, t)
		}
		p.mu.Unlock()
		for _, t := range ts {
			t.noteResume()
		}
		po.Release()
	}), object.OK
}
