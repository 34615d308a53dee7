package proc

import (
	"beryl/kernel/linux"
)

// sockFile is one end of a connected AF_UNIX SOCK_STREAM pair
// (socketpair): two pipes, one per direction. Reads take from rx, writes
// go to tx; shutdown(SHUT_WR) ends tx (the peer reads end of file),
// SHUT_RD ends rx.
type sockFile struct {
	rx, tx *pipe
	shut   sockShut // guarded by rx.mu
}

type sockShut struct{ rd, wr bool }

// newSocketPair returns the two connected ends.
func newSocketPair(flags uint32) (*file, *file) {
	a := &pipe{readers: 1, writers: 1, wake: make(chan struct{})}
	b := &pipe{readers: 1, writers: 1, wake: make(chan struct{})}
	s1 := &sockFile{rx: a, tx: b}
	s2 := &sockFile{rx: b, tx: a}
	f1 := newFile(s1, flags&linux.ONonblock|linux.ORDWR)
	f2 := newFile(s2, flags&linux.ONonblock|linux.ORDWR)
	// A pipe's change bumps the generations of the files on both of its
	// ends: here, both sockets.
	a.files = []*file{f1, f2}
	b.files = []*file{f2, f1}
	return f1, f2
}

func (s *sockFile) read(f *file, buf []byte, intr <-chan struct{}) int64 {
	return (&pipeEnd{p: s.rx}).read(f, buf, intr)
}

func (s *sockFile) write(f *file, buf []byte, intr <-chan struct{}) int64 {
	return (&pipeEnd{p: s.tx, writer: true}).write(f, buf, intr)
}

func (s *sockFile) poll() uint32 {
	in := (&pipeEnd{p: s.rx}).poll()
	out := (&pipeEnd{p: s.tx, writer: true}).poll()
	ev := in&linux.EpollIn | out&(linux.EpollOut|linux.EpollErr)
	if in&linux.EpollHup != 0 {
		ev |= linux.EpollRdhup
		if out&linux.EpollErr != 0 {
			ev |= linux.EpollHup
		}
	}
	return ev
}

// shutdown ends the read side, the write side, or both (how: SHUT_RD 0,
// SHUT_WR 1, SHUT_RDWR 2), once each.
func (s *sockFile) shutdown(how uint64) {
	p := s.rx
	p.mu.Lock()
	rd := (how == 0 || how == 2) && !s.shut.rd
	wr := (how == 1 || how == 2) && !s.shut.wr
	s.shut.rd = s.shut.rd || rd
	s.shut.wr = s.shut.wr || wr
	p.mu.Unlock()
	if rd {
		(&pipeEnd{p: s.rx}).release()
	}
	if wr {
		(&pipeEnd{p: s.tx, writer: true}).release()
	}
}

func (s *sockFile) release() {
	s.shutdown(2)
}
