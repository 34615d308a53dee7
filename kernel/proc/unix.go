package proc

import (
	"strconv"
	"sync"
	"sync/atomic"

	"beryl/kernel/linux"
)

// UNIX-domain sockets bound to names. A path name is a socket node
// (S_IFSOCK) that bind makes in a directory server (mknod), so it shows
// in its directory and goes with unlink; the socket behind it lives in
// the kernel, found by (mount device, inode) as a named pipe is. An
// abstract name (a leading NUL byte) has no node. connect finds the bound
// socket, which must be listening, and queues the listener's end of a new
// connected pair for accept.
//
// Locking: unixMu is taken alone; unixListener.mu → sockFile.mu (a
// connect queues a new pair under the listener's lock).

// unixKey names a bound socket: a node (dev, ino) or an abstract name.
type unixKey struct {
	dev, ino uint64
	abstract string
}

var (
	unixMu    sync.Mutex
	unixBound = map[unixKey]*sockFile{}
	// autobinds numbers the abstract names bind gives an unnamed address.
	autobinds atomic.Uint32
)

// bindKey registers s under k: EADDRINUSE if another socket has it.
func bindKey(k unixKey, s *sockFile) int64 {
	unixMu.Lock()
	defer unixMu.Unlock()
	if unixBound[k] != nil {
		return -eaddrinuse
	}
	unixBound[k] = s
	return 0
}

// unbind drops s's registration (its last descriptor closed).
func unbind(k unixKey, s *sockFile) {
	unixMu.Lock()
	if unixBound[k] == s {
		delete(unixBound, k)
	}
	unixMu.Unlock()
}

func boundSocket(k unixKey) *sockFile {
	unixMu.Lock()
	defer unixMu.Unlock()
	return unixBound[k]
}

// autobindName is the abstract name Linux gives a socket bound to an
// empty address: NUL and five hex digits.
func autobindName() string {
	s := strconv.FormatUint(uint64(autobinds.Add(1)&0xfffff), 16)
	for len(s) < 5 {
		s = "0" + s
	}
	return "\x00" + s
}

// unixListener holds a listening socket's connections not yet accepted:
// at most backlog+1 of them, as Linux allows.
type unixListener struct {
	mu      sync.Mutex
	backlog int
	queue   []*file // the listener's ends of the connections
	closed  bool
	wake    chan struct{}
	self    *file
}

func newUnixListener(self *file, backlog int) *unixListener {
	return &unixListener{backlog: backlog, wake: make(chan struct{}), self: self}
}

func (l *unixListener) setBacklog(n int) {
	l.mu.Lock()
	l.backlog = n
	l.mu.Unlock()
}

func (l *unixListener) poll() uint32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) > 0 {
		return linux.EpollIn
	}
	return 0
}

// changedLocked wakes waiters; the caller calls l.self.changed() after
// unlocking.
func (l *unixListener) changedLocked() {
	close(l.wake)
	l.wake = make(chan struct{})
}

// close ends the listener: queued connections are dropped (their
// clients read end of file), waiting connects fail with ECONNREFUSED.
func (l *unixListener) close() {
	l.mu.Lock()
	q := l.queue
	l.queue, l.closed = nil, true
	l.changedLocked()
	l.mu.Unlock()
	for _, f := range q {
		f.put()
	}
}

// connect connects client (an unconnected socket named clientName) to
// the listener, whose address is serverName: it queues the listener's
// end. A full queue blocks, or fails with EAGAIN when nonblock.
func (l *unixListener) connect(client *file, clientName, serverName string, nonblock bool, intr <-chan struct{}) int64 {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return -econnrefused
		}
		if len(l.queue) <= l.backlog {
			srv := newFile(&sockFile{name: serverName, peer: clientName}, linux.ORDWR)
			connectPair(client, srv)
			cs := client.ops.(*sockFile)
			cs.mu.Lock()
			cs.peer = serverName
			cs.mu.Unlock()
			l.queue = append(l.queue, srv)
			l.changedLocked()
			l.mu.Unlock()
			l.self.changed()
			return 0
		}
		if nonblock {
			l.mu.Unlock()
			return -linux.EAGAIN
		}
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-intr:
			return -linux.EINTR
		}
	}
}

// accept takes the oldest queued connection, waiting for one unless
// nonblock (EAGAIN).
func (l *unixListener) accept(nonblock bool, intr <-chan struct{}) (*file, int64) {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return nil, -linux.EINVAL
		}
		if len(l.queue) > 0 {
			f := l.queue[0]
			l.queue = l.queue[1:]
			l.changedLocked()
			l.mu.Unlock()
			l.self.changed()
			return f, 0
		}
		if nonblock {
			l.mu.Unlock()
			return nil, -linux.EAGAIN
		}
		wake := l.wake
		l.mu.Unlock()
		select {
		case <-wake:
		case <-intr:
			return nil, -linux.EINTR
		}
	}
}
