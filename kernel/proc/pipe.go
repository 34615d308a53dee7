package proc

import (
	"sync"

	"beryl/kernel/linux"
)

// pipe is a Linux pipe: a byte queue of linux.PipeSize bytes between a
// read end and a write end (pipe2). Reads block while it is empty and a
// writer exists (end of file once none does); writes block while it is
// full and fail with EPIPE once no reader exists. Writes of at most
// linux.PipeBuf bytes are atomic.
type pipe struct {
	mu      sync.Mutex
	buf     []byte
	readers int
	writers int
	// readOpens and writeOpens count the opens of a named FIFO's ends
	// ever made: an open waiting for the other end is satisfied by an
	// arrival even if that end has closed again before it looks.
	readOpens, writeOpens uint64
	// wake is closed and replaced whenever the pipe changes.
	wake chan struct{}
	// files are the files on its ends, whose generations a change bumps
	// (two for pipe2 and socketpair, any number for a named FIFO).
	files []*file
}

// pipeEnd is one end's fileOps.
type pipeEnd struct {
	p      *pipe
	writer bool
}

// newPipe returns the read and write ends, with status flags flags
// (O_NONBLOCK).
func newPipe(flags uint32) (*file, *file) {
	p := &pipe{readers: 1, writers: 1, wake: make(chan struct{})}
	r := newFile(&pipeEnd{p: p}, flags&linux.ONonblock|linux.ORdonly)
	w := newFile(&pipeEnd{p: p, writer: true}, flags&linux.ONonblock|linux.OWronly)
	p.files = []*file{r, w}
	return r, w
}

// changedLocked wakes blocked readers and writers and epoll.
func (p *pipe) changedLocked() {
	close(p.wake)
	p.wake = make(chan struct{})
	for _, f := range p.files {
		f.gen.Add(1)
	}
}

func (e *pipeEnd) read(f *file, buf []byte, intr <-chan struct{}) int64 {
	if e.writer {
		return -linux.EBADF
	}
	p := e.p
	for {
		p.mu.Lock()
		if len(buf) == 0 {
			p.mu.Unlock()
			return 0
		}
		if len(p.buf) > 0 {
			n := copy(buf, p.buf)
			p.buf = p.buf[:copy(p.buf, p.buf[n:])]
			p.changedLocked()
			p.mu.Unlock()
			pollNotify()
			return int64(n)
		}
		if p.writers == 0 {
			p.mu.Unlock()
			return 0
		}
		if f.nonblock() {
			p.mu.Unlock()
			return -linux.EAGAIN
		}
		wake := p.wake
		p.mu.Unlock()
		select {
		case <-wake:
		case <-intr:
			return errRestartSys
		}
	}
}

func (e *pipeEnd) write(f *file, buf []byte, intr <-chan struct{}) int64 {
	if !e.writer {
		return -linux.EBADF
	}
	p := e.p
	done := 0
	for {
		p.mu.Lock()
		if p.readers == 0 {
			p.mu.Unlock()
			if done > 0 {
				return int64(done)
			}
			return -linux.EPIPE
		}
		room := linux.PipeSize - len(p.buf)
		rest := len(buf) - done
		if rest == 0 {
			p.mu.Unlock()
			return int64(done)
		}
		// A write of at most PipeBuf bytes goes in whole or not at all.
		if room > 0 && (rest > linux.PipeBuf || room >= rest) {
			n := min(room, rest)
			p.buf = append(p.buf, buf[done:done+n]...)
			done += n
			p.changedLocked()
			p.mu.Unlock()
			pollNotify()
			if f.nonblock() || done == len(buf) {
				return int64(done)
			}
			continue
		}
		if f.nonblock() {
			p.mu.Unlock()
			if done > 0 {
				return int64(done)
			}
			return -linux.EAGAIN
		}
		wake := p.wake
		p.mu.Unlock()
		select {
		case <-wake:
		case <-intr:
			if done > 0 {
				return int64(done)
			}
			return errRestartSys
		}
	}
}

func (e *pipeEnd) poll() uint32 {
	p := e.p
	p.mu.Lock()
	defer p.mu.Unlock()
	var ev uint32
	if e.writer {
		if p.readers == 0 {
			ev |= linux.EpollErr | linux.EpollOut
		} else if linux.PipeSize-len(p.buf) >= linux.PipeBuf {
			ev |= linux.EpollOut
		}
		return ev
	}
	if len(p.buf) > 0 {
		ev |= linux.EpollIn
	}
	if p.writers == 0 {
		ev |= linux.EpollHup
	}
	return ev
}

func (e *pipeEnd) release() {
	p := e.p
	p.mu.Lock()
	if e.writer {
		p.writers--
	} else if p.readers--; p.readers == 0 {
		p.buf = nil
	}
	p.changedLocked()
	p.mu.Unlock()
	pollNotify()
}
