package proc

import (
	"sync"

	"beryl/kernel/linux"
)

// sockFile is an AF_UNIX SOCK_STREAM socket. Connected (an end of a
// socketpair, a connect()ed socket or one accept() returned) it is two
// pipes, one per direction: reads take from rx, writes go to tx;
// shutdown(SHUT_WR) ends tx (the peer reads end of file), SHUT_RD ends
// rx. A socket from socket(2) starts unconnected; bind names it (unix.go),
// listen makes it a listener whose connections accept takes.
type sockFile struct {
	mu sync.Mutex
	// rx, tx are set once, when the socket is connected; guarded by mu.
	rx, tx *pipe
	shut   sockShut // guarded by rx.mu
	// name is the bound address (a path as bound, or an abstract name
	// starting with NUL; "" unnamed), peer the connected peer's; lis is
	// set while listening; bound is its registry key. Guarded by mu.
	name, peer string
	lis        *unixListener
	bound      *unixKey
	self       *file
}

type sockShut struct{ rd, wr bool }

// newSocket returns an unconnected socket (socket(2)).
func newSocket(flags uint32) *file {
	s := &sockFile{}
	f := newFile(s, flags&linux.ONonblock|linux.ORDWR)
	s.self = f
	return f
}

// newSocketPair returns the two connected ends.
func newSocketPair(flags uint32) (*file, *file) {
	f1 := newFile(&sockFile{}, flags&linux.ONonblock|linux.ORDWR)
	f2 := newFile(&sockFile{}, flags&linux.ONonblock|linux.ORDWR)
	connectPair(f1, f2)
	return f1, f2
}

// connectPair connects two unconnected sockets' files to each other.
func connectPair(f1, f2 *file) {
	a := &pipe{readers: 1, writers: 1, wake: make(chan struct{})}
	b := &pipe{readers: 1, writers: 1, wake: make(chan struct{})}
	// A pipe's change bumps the generations of the files on both of its
	// ends: here, both sockets.
	a.files = []*file{f1, f2}
	b.files = []*file{f2, f1}
	s1, s2 := f1.ops.(*sockFile), f2.ops.(*sockFile)
	s1.mu.Lock()
	s1.rx, s1.tx, s1.self = a, b, f1
	s1.mu.Unlock()
	s2.mu.Lock()
	s2.rx, s2.tx, s2.self = b, a, f2
	s2.mu.Unlock()
}

// conn returns the pipes of a connected socket (nil, nil otherwise).
func (s *sockFile) conn() (rx, tx *pipe) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rx, s.tx
}

func (s *sockFile) listener() *unixListener {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lis
}

// read: unconnected, ENOTCONN; listening, EINVAL (as Linux).
func (s *sockFile) read(f *file, buf []byte, intr <-chan struct{}) int64 {
	rx, _ := s.conn()
	if rx == nil {
		if s.listener() != nil {
			return -linux.EINVAL
		}
		return -enotconn
	}
	return (&pipeEnd{p: rx}).read(f, buf, intr)
}

func (s *sockFile) write(f *file, buf []byte, intr <-chan struct{}) int64 {
	_, tx := s.conn()
	if tx == nil {
		return -enotconn
	}
	return (&pipeEnd{p: tx, writer: true}).write(f, buf, intr)
}

func (s *sockFile) poll() uint32 {
	rx, tx := s.conn()
	if rx == nil {
		if l := s.listener(); l != nil {
			return l.poll()
		}
		// Unconnected: writable and hung up, as Linux's unix_poll says
		// of a stream socket in TCP_CLOSE.
		return linux.EpollOut | linux.EpollHup
	}
	in := (&pipeEnd{p: rx}).poll()
	out := (&pipeEnd{p: tx, writer: true}).poll()
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
// SHUT_WR 1, SHUT_RDWR 2), once each; an unconnected socket: ENOTCONN.
func (s *sockFile) shutdown(how uint64) int64 {
	rx, tx := s.conn()
	if rx == nil {
		return -enotconn
	}
	rx.mu.Lock()
	rd := (how == 0 || how == 2) && !s.shut.rd
	wr := (how == 1 || how == 2) && !s.shut.wr
	s.shut.rd = s.shut.rd || rd
	s.shut.wr = s.shut.wr || wr
	rx.mu.Unlock()
	if rd {
		(&pipeEnd{p: rx}).release()
	}
	if wr {
		(&pipeEnd{p: tx, writer: true}).release()
	}
	return 0
}

func (s *sockFile) release() {
	s.shutdown(2)
	s.mu.Lock()
	l, key := s.lis, s.bound
	s.lis, s.bound = nil, nil
	s.mu.Unlock()
	if key != nil {
		unbind(*key, s)
	}
	if l != nil {
		l.close()
	}
}
