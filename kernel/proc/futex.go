package proc

import (
	"encoding/binary"
	"sync"
	"time"

	"beryl/kernel/linux"
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

// sysFutex serves futex(2): FUTEX_WAIT and FUTEX_WAKE, private to the
// process (the operations the Go runtime makes).
func sysFutex(t *Thread, a *[6]uint64) (int64, bool) { return t.futex(a), false }

func (t *Thread) futex(a *[6]uint64) int64 {
	p := t.P
	addr, op, val := a[0], a[1]&linux.FutexCmdMask, uint32(a[2])
	switch op {
	case linux.FutexWait:
		if addr&3 != 0 {
			return -linux.EINVAL
		}
		timeout := time.Duration(-1)
		if a[3] != 0 {
			d, ok := t.timespec(a[3])
			if !ok {
				return -linux.EINVAL
			}
			timeout = d
		}
		woken, err := p.futex.wait(addr, func() (bool, error) {
			var b [4]byte
			if err := p.AS.CopyIn(b[:], addr); err != nil {
				return false, err
			}
			return binary.LittleEndian.Uint32(b[:]) == val, nil
		}, timeout, t.interruptCh())
		switch {
		case err != nil:
			return -linux.EFAULT
		case woken:
			return 0
		case t.P.killed.Load():
			return -linux.EINTR
		case interrupted(t.interruptCh()):
			return -linux.EINTR
		case timeout >= 0:
			return -linux.ETIMEDOUT
		}
		return -linux.EAGAIN
	case linux.FutexWake:
		return int64(p.futex.wake(addr, int(val)))
	}
	return -linux.ENOSYS
}
