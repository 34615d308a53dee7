package proc

import (
	"sync"
	"time"
)

// fdTable holds a user process's non-console descriptors: the epoll
// instances and eventfds its Go runtime's netpoller uses for timers.
type fdTable struct {
	mu    sync.Mutex
	fds   map[int]*fdObj
	next  int
	ready chan struct{} // closed and replaced whenever an eventfd changes
}

type fdObj struct {
	epoll  bool
	count  uint64 // eventfd
	nonblk bool
	epfd   int // the epoll an eventfd is registered with
	events uint32
	data   uint64
}

func (t *fdTable) init() {
	t.fds = map[int]*fdObj{}
	t.next = 3
	t.ready = make(chan struct{})
}

func (t *fdTable) alloc(o *fdObj) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	fd := t.next
	t.next++
	t.fds[fd] = o
	return fd
}

func (t *fdTable) get(fd int) *fdObj {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fds[fd]
}

func (t *fdTable) close(fd int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.fds[fd]; !ok {
		return false
	}
	delete(t.fds, fd)
	return true
}

// signal wakes epoll waiters after an eventfd changed.
func (t *fdTable) signalLocked() {
	close(t.ready)
	t.ready = make(chan struct{})
}

func (t *fdTable) eventfdWrite(o *fdObj, v uint64) {
	t.mu.Lock()
	o.count += v
	t.signalLocked()
	t.mu.Unlock()
}

func (t *fdTable) eventfdRead(o *fdObj) (uint64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if o.count == 0 {
		return 0, false
	}
	v := o.count
	o.count = 0
	return v, true
}

type readyEvent struct {
	events uint32
	data   uint64
}

// epollWait returns ready events for epfd, waiting up to timeout (<0:
// forever) or until kick closes.
func (t *fdTable) epollWait(epfd int, max int, timeout time.Duration, kick <-chan struct{}) []readyEvent {
	var deadline <-chan time.Time
	if timeout >= 0 {
		tm := time.NewTimer(timeout)
		defer tm.Stop()
		deadline = tm.C
	}
	for {
		t.mu.Lock()
		var ev []readyEvent
		for _, o := range t.fds {
			if !o.epoll && o.epfd == epfd && o.count > 0 && o.events&1 != 0 && len(ev) < max {
				ev = append(ev, readyEvent{1, o.data})
			}
		}
		ready := t.ready
		t.mu.Unlock()
		if len(ev) > 0 || timeout == 0 {
			return ev
		}
		select {
		case <-ready:
		case <-deadline:
			return nil
		case <-kick:
			return nil
		}
	}
}
