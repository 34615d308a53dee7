package proc

// A thread waiting for a pager's pages (vm.SuspendableWaiter) leaves the
// wait when it is suspended, as Zircon's page request waits are
// interrupted (ZX_ERR_INTERNAL_INTR_RETRY): the thread parks reporting
// ZX_THREAD_STATE_SUSPENDED, and after the resume the fault or the
// system call looks for the page again, which asks the pager anew.

// PagerSuspended returns a channel closed when t is suspended; it is
// closed at once if t is suspended already.
func (t *Thread) PagerSuspended() <-chan struct{} {
	t.susp.mu.Lock()
	defer t.susp.mu.Unlock()
	if t.susp.pagerKick == nil {
		t.susp.pagerKick = make(chan struct{})
	}
	ch := t.susp.pagerKick
	if t.suspendedLocked() {
		t.kickPagerLocked()
	}
	return ch
}

// ParkSuspended parks t's goroutine while t is suspended (suspendPoint).
func (t *Thread) ParkSuspended() { t.suspendPoint() }

// kickPagerLocked ends t's wait for a pager, if any (a suspend token of
// t or of its process was made). suspendState.mu held.
func (t *Thread) kickPagerLocked() {
	if t.susp.pagerKick != nil && t.suspendedLocked() {
		close(t.susp.pagerKick)
		t.susp.pagerKick = nil
	}
}
