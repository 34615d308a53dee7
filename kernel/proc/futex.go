package proc

import (
	"sync"
	"time"
)

// futexTable implements FUTEX_WAIT/FUTEX_WAKE keyed on user addresses of
// one process (private futexes).
type futexTable struct {
	mu      sync.Mutex
	waiters map[uint64][]chan struct{}
}

// wait blocks until woken, the deadline passes (timedOut), or kick closes.
// check runs under the table lock and reports whether the futex word
// still holds the expected value.
func (f *futexTable) wait(addr uint64, check func() (bool, error), timeout time.Duration, kick <-chan struct{}) (woken bool, err error) {
	f.mu.Lock()
	ok, err := check()
	if err != nil || !ok {
		f.mu.Unlock()
		return false, err
	}
	if f.waiters == nil {
		f.waiters = map[uint64][]chan struct{}{}
	}
	ch := make(chan struct{})
	f.waiters[addr] = append(f.waiters[addr], ch)
	f.mu.Unlock()
	var tc <-chan time.Time
	if timeout >= 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		tc = t.C
	}
	select {
	case <-ch:
		return true, nil
	case <-tc:
	case <-kick:
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-ch:
		return true, nil // woken while timing out: count as woken
	default:
	}
	l := f.waiters[addr]
	for i, c := range l {
		if c == ch {
			f.waiters[addr] = append(l[:i:i], l[i+1:]...)
			break
		}
	}
	if len(f.waiters[addr]) == 0 {
		delete(f.waiters, addr)
	}
	return false, nil
}

// wake wakes up to n waiters on addr and returns how many it woke.
func (f *futexTable) wake(addr uint64, n int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.waiters[addr]
	k := min(n, len(l))
	for _, c := range l[:k] {
		close(c)
	}
	if k == len(l) {
		delete(f.waiters, addr)
	} else {
		f.waiters[addr] = l[k:]
	}
	return k
}
