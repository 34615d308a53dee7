package proc

import (
	"sync"
	"time"

	"beryl/kernel/linux"
)

// eventFile is an eventfd: a 64-bit counter; write adds, read takes the
// whole count (or one, with EFD_SEMAPHORE) and blocks while it is zero.
type eventFile struct {
	mu        sync.Mutex
	count     uint64
	semaphore bool
	wake      chan struct{}
	self      *file
}

func newEventFile(initval uint64, flags uint32, semaphore bool) *file {
	e := &eventFile{count: initval, semaphore: semaphore, wake: make(chan struct{})}
	f := newFile(e, flags&linux.ONonblock|linux.ORDWR)
	e.self = f
	return f
}

func (e *eventFile) changedLocked() {
	close(e.wake)
	e.wake = make(chan struct{})
	e.self.gen.Add(1)
}

func (e *eventFile) read(f *file, buf []byte, intr <-chan struct{}) int64 {
	if len(buf) < 8 {
		return -linux.EINVAL
	}
	return e.block(f, intr, func() bool {
		if e.count == 0 {
			return false
		}
		v := e.count
		if e.semaphore {
			v = 1
		}
		e.count -= v
		putLE64(buf, v)
		return true
	})
}

// write adds to the counter; a sum that would reach 2^64-1 blocks (or
// fails with EAGAIN), and the value 2^64-1 itself is EINVAL.
func (e *eventFile) write(f *file, buf []byte, intr <-chan struct{}) int64 {
	if len(buf) < 8 {
		return -linux.EINVAL
	}
	v := le64(buf)
	if v == ^uint64(0) {
		return -linux.EINVAL
	}
	return e.block(f, intr, func() bool {
		if ^uint64(0)-e.count <= v {
			return false
		}
		e.count += v
		return true
	})
}

// block runs op with e.mu held until it reports that it changed the
// counter, then wakes pollers and returns 8 (the bytes an eventfd read or
// write moves). While op cannot go on, a non-blocking file fails with
// EAGAIN; otherwise it waits for the counter to change, or for intr
// (EINTR).
func (e *eventFile) block(f *file, intr <-chan struct{}, op func() bool) int64 {
	for {
		e.mu.Lock()
		if op() {
			e.changedLocked()
			e.mu.Unlock()
			pollNotify()
			return 8
		}
		if f.nonblock() {
			e.mu.Unlock()
			return -linux.EAGAIN
		}
		wake := e.wake
		e.mu.Unlock()
		select {
		case <-wake:
		case <-intr:
			return -linux.EINTR
		}
	}
}

func (e *eventFile) poll() uint32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	ev := uint32(0)
	if e.count > 0 {
		ev |= linux.EpollIn
	}
	if e.count < ^uint64(0)-1 {
		ev |= linux.EpollOut
	}
	return ev
}

func (e *eventFile) release() {}

func le64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func putLE64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (8 * i))
	}
}

// epollFile is an epoll instance: an interest list of (descriptor, file)
// pairs. Level-triggered items are reported while ready; edge-triggered
// ones (EPOLLET, which Go's netpoller uses) once per change of the file
// (its generation); EPOLLONESHOT ones once until re-armed.
type epollFile struct {
	mu    sync.Mutex
	items map[epKey]*epItem
}

type epKey struct {
	fd int
	f  *file
}

type epItem struct {
	events   uint32
	data     uint64
	seenGen  uint64
	reported bool
	disabled bool // EPOLLONESHOT after its event
}

func newEpollFile() *file {
	return newFile(&epollFile{items: map[epKey]*epItem{}}, linux.ORDWR)
}

func (ep *epollFile) read(f *file, buf []byte, intr <-chan struct{}) int64  { return -linux.EINVAL }
func (ep *epollFile) write(f *file, buf []byte, intr <-chan struct{}) int64 { return -linux.EINVAL }

func (ep *epollFile) poll() uint32 {
	if len(ep.ready(1, false)) > 0 {
		return linux.EpollIn
	}
	return 0
}

func (ep *epollFile) release() {
	ep.mu.Lock()
	ep.items = nil
	ep.mu.Unlock()
}

// ctl is epoll_ctl for fd, whose file is f. The interest list holds no
// reference: an item goes when its file's last descriptor closes.
func (ep *epollFile) ctl(op int, fd int, f *file, events uint32, data uint64) int64 {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	k := epKey{fd, f}
	it := ep.items[k]
	switch op {
	case linux.EpollCtlAdd:
		if it != nil {
			return -linux.EEXIST
		}
		ep.items[k] = &epItem{events: events, data: data}
	case linux.EpollCtlMod:
		if it == nil {
			return -linux.ENOENT
		}
		*it = epItem{events: events, data: data}
	case linux.EpollCtlDel:
		if it == nil {
			return -linux.ENOENT
		}
		delete(ep.items, k)
	default:
		return -linux.EINVAL
	}
	pollNotify()
	return 0
}

type readyEvent struct {
	events uint32
	data   uint64
}

// ready collects up to max ready events; consume marks edge-triggered
// and one-shot items as reported. Items whose file no descriptor refers
// to any more (closed) are dropped, as Linux drops them.
func (ep *epollFile) ready(max int, consume bool) []readyEvent {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	var ev []readyEvent
	for k, it := range ep.items {
		if len(ev) >= max {
			break
		}
		if k.f.closed.Load() {
			delete(ep.items, k)
			continue
		}
		if it.disabled {
			continue
		}
		gen := k.f.gen.Load()
		if it.events&linux.EpollEt != 0 && it.reported && it.seenGen == gen {
			continue
		}
		r := k.f.ops.poll() & (it.events | linux.EpollErr | linux.EpollHup)
		if r == 0 {
			continue
		}
		if consume {
			it.reported, it.seenGen = true, gen
			if it.events&linux.EpollOneshot != 0 {
				it.disabled = true
			}
		}
		ev = append(ev, readyEvent{r, it.data})
	}
	return ev
}

// wait returns ready events, waiting up to timeout (<0: forever) or until
// intr closes (nil: interrupted).
func (ep *epollFile) wait(max int, timeout time.Duration, intr <-chan struct{}) ([]readyEvent, bool) {
	var deadline <-chan time.Time
	if timeout > 0 {
		tm := time.NewTimer(timeout)
		defer tm.Stop()
		deadline = tm.C
	}
	for {
		ch := pollWaitCh()
		if ev := ep.ready(max, true); len(ev) > 0 || timeout == 0 {
			return ev, true
		}
		select {
		case <-ch:
		case <-deadline:
			return nil, true
		case <-intr:
			return nil, false
		}
	}
}
