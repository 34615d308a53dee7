package proc

import (
	"sync"

	"beryl/kernel/linux"
)

// Named pipes: a FIFO node of a directory server (mknodat) is a kernel
// pipe while it is open, one per (mount device, inode), shared by every
// process that opens it. Opening for reading waits for a writer and
// opening for writing waits for a reader, unless O_NONBLOCK (then a
// writer without a reader fails with ENXIO); O_RDWR never waits. When
// the last end closes the pipe and its bytes are gone, as on Linux.

type fifoKey struct{ dev, ino uint64 }

var (
	fifoMu sync.Mutex
	fifos  = map[fifoKey]*pipe{}
)

// fifoFile is an end of a named pipe: reading, writing or both.
type fifoFile struct {
	key  fifoKey
	p    *pipe
	r, w bool
	self *file
}

// openFifo opens the FIFO key with flags, waiting for the other side as
// open(2) does; it returns a new file or -errno.
func openFifo(key fifoKey, flags uint32, intr <-chan struct{}) (*file, int64) {
	acc := flags & linux.OAccmode
	r, w := acc != linux.OWronly, acc != linux.ORdonly
	fifoMu.Lock()
	p := fifos[key]
	if p == nil {
		p = &pipe{wake: make(chan struct{})}
		fifos[key] = p
	}
	p.mu.Lock()
	if w && !r && flags&linux.ONonblock != 0 && p.readers == 0 {
		p.mu.Unlock()
		if p.readers == 0 && p.writers == 0 && len(p.files) == 0 {
			delete(fifos, key)
		}
		fifoMu.Unlock()
		return nil, -linux.ENXIO
	}
	ff := &fifoFile{key: key, p: p, r: r, w: w}
	f := newFile(ff, flags&(linux.OAccmode|linux.ONonblock))
	ff.self = f
	p.files = append(p.files, f)
	if r {
		p.readers++
		p.readOpens++
	}
	if w {
		p.writers++
		p.writeOpens++
	}
	r0, w0 := p.readOpens, p.writeOpens
	p.changedLocked()
	p.mu.Unlock()
	fifoMu.Unlock()
	pollNotify()
	if flags&linux.ONonblock != 0 || (r && w) {
		return f, 0
	}
	for {
		p.mu.Lock()
		ready := (r && (p.writers > 0 || p.writeOpens != w0)) || (w && (p.readers > 0 || p.readOpens != r0))
		wake := p.wake
		p.mu.Unlock()
		if ready {
			return f, 0
		}
		select {
		case <-wake:
		case <-intr:
			f.put()
			return nil, -linux.EINTR
		}
	}
}

func (ff *fifoFile) read(f *file, buf []byte, intr <-chan struct{}) int64 {
	if !ff.r {
		return -linux.EBADF
	}
	return (&pipeEnd{p: ff.p}).read(f, buf, intr)
}

func (ff *fifoFile) write(f *file, buf []byte, intr <-chan struct{}) int64 {
	if !ff.w {
		return -linux.EBADF
	}
	return (&pipeEnd{p: ff.p, writer: true}).write(f, buf, intr)
}

func (ff *fifoFile) poll() uint32 {
	var ev uint32
	if ff.r {
		ev |= (&pipeEnd{p: ff.p}).poll()
	}
	if ff.w {
		ev |= (&pipeEnd{p: ff.p, writer: true}).poll()
	}
	return ev
}

func (ff *fifoFile) release() {
	fifoMu.Lock()
	defer fifoMu.Unlock()
	p := ff.p
	p.mu.Lock()
	for i, f := range p.files {
		if f == ff.self {
			p.files = append(p.files[:i], p.files[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
	if ff.r {
		(&pipeEnd{p: p}).release()
	}
	if ff.w {
		(&pipeEnd{p: p, writer: true}).release()
	}
	p.mu.Lock()
	if len(p.files) == 0 {
		delete(fifos, ff.key)
	}
	p.mu.Unlock()
}
