package proc

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"beryl/kernel/linux"
)

// The Linux personality's descriptors: one table per process mapping
// descriptor numbers to open file descriptions (*file), which dup, dup3,
// fcntl(F_DUPFD) and a forked child share. What a description reads and
// writes is its fileOps: the console (0-2), pipes (pipe.go), eventfds and
// epoll instances (epoll.go), and files of the namespace (linux_ns.go).
//
// Locking: fdTable.mu → file.mu; a fileOps's own lock comes after both,
// and pollMu last of all.

// maxFds bounds a table (RLIMIT_NOFILE: nofileLimit).
const maxFds = nofileLimit

// fileOps is what one kind of open file does. read and write block
// unless nonblock is set (and then fail with EAGAIN), and end with EINTR
// when intr closes; they return a byte count or -errno.
type fileOps interface {
	read(f *file, buf []byte, intr <-chan struct{}) int64
	write(f *file, buf []byte, intr <-chan struct{}) int64
	// poll returns the EPOLLIN/EPOLLOUT/EPOLLHUP/EPOLLERR bits that hold now.
	poll() uint32
	// release runs when the last descriptor referring to the file closes.
	release()
}

// file is an open file description.
type file struct {
	ops fileOps
	// refs counts the descriptors (in any table) referring to the file.
	refs atomic.Int32
	// flags holds the status flags: the access mode, O_NONBLOCK, O_APPEND.
	flags atomic.Uint32
	// gen counts the file's state changes, for edge-triggered epoll.
	gen atomic.Uint64
	// closed is set when the last descriptor is gone (epoll drops it).
	closed atomic.Bool
	// id numbers the description kernel-wide: the inode number /proc's
	// fd links show for pipes and sockets ("pipe:[id]").
	id uint64
}

// fileIDs numbers open file descriptions.
var fileIDs atomic.Uint64

func newFile(ops fileOps, flags uint32) *file {
	f := &file{ops: ops, id: fileIDs.Add(1)}
	f.flags.Store(flags)
	f.refs.Store(1)
	return f
}

func (f *file) nonblock() bool { return f.flags.Load()&linux.ONonblock != 0 }

func (f *file) acquire() { f.refs.Add(1) }

func (f *file) put() {
	if f.refs.Add(-1) == 0 {
		f.closed.Store(true)
		f.ops.release()
	}
}

// changed records a state change of f and wakes epoll waiters.
func (f *file) changed() {
	f.gen.Add(1)
	pollNotify()
}

var (
	pollMu sync.Mutex
	// pollCh is closed and replaced whenever a file's readiness may have
	// changed: epoll_wait sleeps on it (a kernel-wide broadcast: pipes
	// and eventfds are shared between processes).
	pollCh = make(chan struct{})
)

func pollNotify() {
	pollMu.Lock()
	close(pollCh)
	pollCh = make(chan struct{})
	pollMu.Unlock()
}

func pollWaitCh() <-chan struct{} {
	pollMu.Lock()
	defer pollMu.Unlock()
	return pollCh
}

type fdEntry struct {
	f       *file
	cloexec bool
}

// fdTable holds a process's descriptors.
type fdTable struct {
	mu    sync.Mutex
	fds   []fdEntry // index: descriptor number; f == nil is free
	owner *Process
}

// init gives a new table the console descriptors 0, 1 and 2 of p.
func (t *fdTable) init(p *Process) {
	t.owner = p
	t.fds = []fdEntry{
		{f: newFile(&consoleFile{p: p, fd: linux.Stdin}, linux.ORdonly)},
		{f: newFile(&consoleFile{p: p, fd: linux.Stdout}, linux.OWronly)},
		{f: newFile(&consoleFile{p: p, fd: linux.Stderr}, linux.OWronly)},
	}
}

// installLocked puts f at the lowest free descriptor >= min; it fails
// with -EMFILE when none is below maxFds.
func (t *fdTable) installLocked(f *file, cloexec bool, min int) int {
	for fd := min; fd < maxFds; fd++ {
		if fd >= len(t.fds) {
			t.fds = append(t.fds, make([]fdEntry, fd+1-len(t.fds))...)
		}
		if t.fds[fd].f == nil {
			t.fds[fd] = fdEntry{f: f, cloexec: cloexec}
			return fd
		}
	}
	return -linux.EMFILE
}

// install gives f (whose reference it takes over) the lowest free
// descriptor; on -EMFILE it drops the reference.
func (t *fdTable) install(f *file, cloexec bool) int {
	t.mu.Lock()
	fd := t.installLocked(f, cloexec, 0)
	t.mu.Unlock()
	if fd < 0 {
		f.put()
	}
	return fd
}

// installPair installs two new files, or neither (-EMFILE).
func (t *fdTable) installPair(a, b *file, cloexec bool) (int, int, int64) {
	t.mu.Lock()
	fa := t.installLocked(a, cloexec, 0)
	fb := -linux.EMFILE
	if fa >= 0 {
		if fb = t.installLocked(b, cloexec, 0); fb < 0 {
			t.fds[fa] = fdEntry{}
		}
	}
	t.mu.Unlock()
	if fb < 0 {
		a.put()
		b.put()
		return 0, 0, -linux.EMFILE
	}
	return fa, fb, 0
}

// get returns the file at fd with a reference the caller must put, or
// nil.
func (t *fdTable) get(fd int) *file {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || fd >= len(t.fds) || t.fds[fd].f == nil {
		return nil
	}
	f := t.fds[fd].f
	f.acquire()
	return f
}

// close frees fd; it reports false if fd was not open.
func (t *fdTable) close(fd int) bool {
	t.mu.Lock()
	if fd < 0 || fd >= len(t.fds) || t.fds[fd].f == nil {
		t.mu.Unlock()
		return false
	}
	f := t.fds[fd].f
	t.fds[fd] = fdEntry{}
	t.mu.Unlock()
	f.put()
	return true
}

// dup installs fd's file at the lowest free descriptor >= min.
func (t *fdTable) dup(fd, min int, cloexec bool) int64 {
	if min < 0 || min >= maxFds {
		return -linux.EINVAL
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || fd >= len(t.fds) || t.fds[fd].f == nil {
		return -linux.EBADF
	}
	f := t.fds[fd].f
	n := t.installLocked(f, cloexec, min)
	if n >= 0 {
		f.acquire()
	}
	return int64(n)
}

// dup2 makes newfd refer to oldfd's file (dup3 semantics: the caller
// rejects oldfd == newfd where dup3 must).
func (t *fdTable) dup2(oldfd, newfd int, cloexec bool) int64 {
	if newfd < 0 || newfd >= maxFds {
		return -linux.EBADF
	}
	t.mu.Lock()
	if oldfd < 0 || oldfd >= len(t.fds) || t.fds[oldfd].f == nil {
		t.mu.Unlock()
		return -linux.EBADF
	}
	f := t.fds[oldfd].f
	if oldfd == newfd {
		t.mu.Unlock()
		return int64(newfd)
	}
	if newfd >= len(t.fds) {
		t.fds = append(t.fds, make([]fdEntry, newfd+1-len(t.fds))...)
	}
	old := t.fds[newfd].f
	f.acquire()
	t.fds[newfd] = fdEntry{f: f, cloexec: cloexec}
	t.mu.Unlock()
	if old != nil {
		old.put()
	}
	return int64(newfd)
}

// closeRange closes (or, with CLOSE_RANGE_CLOEXEC, marks close-on-exec)
// the descriptors in [first, last].
func (t *fdTable) closeRange(first, last uint, cloexec bool) {
	var gone []*file
	t.mu.Lock()
	for fd := first; fd <= last && fd < uint(len(t.fds)); fd++ {
		if t.fds[fd].f == nil {
			continue
		}
		if cloexec {
			t.fds[fd].cloexec = true
		} else {
			gone = append(gone, t.fds[fd].f)
			t.fds[fd] = fdEntry{}
		}
	}
	t.mu.Unlock()
	for _, f := range gone {
		f.put()
	}
}

// cloexec reads or sets fd's FD_CLOEXEC; it reports false if fd is not
// open.
func (t *fdTable) cloexec(fd int, set bool, v bool) (bool, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || fd >= len(t.fds) || t.fds[fd].f == nil {
		return false, false
	}
	if set {
		t.fds[fd].cloexec = v
	}
	return t.fds[fd].cloexec, true
}

// Inherit replaces t's descriptors (a new process's) with src's: all of
// them (fork, clone without CLONE_FILES) or, with exec set, those
// without FD_CLOEXEC (a new image started from src's process keeps the
// rest). The files are shared, as Linux's open file descriptions are,
// except the console: a console descriptor becomes t's owner's console
// (its own stdout and stderr). For execve in place, CloseOnExec.
func (t *fdTable) Inherit(src *fdTable, exec bool) {
	src.mu.Lock()
	fds := make([]fdEntry, len(src.fds))
	for i, e := range src.fds {
		if e.f == nil || (exec && e.cloexec) {
			continue
		}
		if c, ok := e.f.ops.(*consoleFile); ok && t.owner != nil && c.p != t.owner {
			e.f = newFile(&consoleFile{p: t.owner, fd: c.fd}, e.f.flags.Load())
		} else {
			e.f.acquire()
		}
		fds[i] = e
	}
	src.mu.Unlock()
	t.mu.Lock()
	old := t.fds
	t.fds = fds
	t.mu.Unlock()
	for _, e := range old {
		if e.f != nil {
			e.f.put()
		}
	}
}

// CloseOnExec closes the descriptors marked FD_CLOEXEC (execve in place).
func (t *fdTable) CloseOnExec() {
	var gone []*file
	t.mu.Lock()
	for i, e := range t.fds {
		if e.f != nil && e.cloexec {
			gone = append(gone, e.f)
			t.fds[i] = fdEntry{}
		}
	}
	t.mu.Unlock()
	for _, f := range gone {
		f.put()
	}
}

// closeAll closes every descriptor (the process is gone).
func (t *fdTable) closeAll() {
	t.mu.Lock()
	old := t.fds
	t.fds = nil
	t.mu.Unlock()
	for _, e := range old {
		if e.f != nil {
			e.f.put()
		}
	}
}

// consoleFile is descriptors 0-2: reads are at end of file (user programs
// get no console input), writes go to the process's Stdout or Stderr.
type consoleFile struct {
	p  *Process
	fd int
}

func (c *consoleFile) read(f *file, buf []byte, intr <-chan struct{}) int64 {
	if c.fd != linux.Stdin {
		return -linux.EBADF
	}
	return 0
}

func (c *consoleFile) write(f *file, buf []byte, intr <-chan struct{}) int64 {
	c.p.mu.Lock()
	w := c.p.Stdout
	if c.fd == linux.Stderr {
		w = c.p.Stderr
	}
	c.p.mu.Unlock()
	if c.fd == linux.Stdin {
		return -linux.EBADF
	}
	w.Write(buf)
	return int64(len(buf))
}

func (c *consoleFile) poll() uint32 { return linux.EpollIn | linux.EpollOut }

func (c *consoleFile) release() {}

// canAccess reports whether f is open for writing (write) or for
// reading: not O_RDONLY, or not O_WRONLY.
func (f *file) canAccess(write bool) bool {
	if write {
		return f.flags.Load()&linux.OAccmode != linux.ORdonly
	}
	return f.flags.Load()&linux.OAccmode != linux.OWronly
}

// userBufs is the user memory of one read or write: a single buffer
// (oneBuf) or an iovec array (Thread.iovecs), each {address, length}.
type userBufs [][2]uint64

// oneBuf is the single user buffer [addr, addr+n).
func oneBuf(addr, n uint64) userBufs { return userBufs{{addr, n}} }

// copyIn gathers the user buffers into one kernel buffer of at most
// maxIO bytes (a write's data); EFAULT.
func (t *Thread) copyIn(u userBufs) ([]byte, int64) {
	var buf []byte
	for _, v := range u {
		b := make([]byte, min(v[1], maxIO-uint64(len(buf))))
		if t.P.AS.CopyIn(b, v[0]) != nil {
			return nil, -linux.EFAULT
		}
		if buf == nil {
			buf = b
		} else {
			buf = append(buf, b...)
		}
	}
	return buf, 0
}

// readBuf makes the user buffers' pages present and writable (EFAULT
// otherwise, before a read consumes anything) and returns a kernel
// buffer for their total length, at most maxIO bytes.
func (t *Thread) readBuf(u userBufs) ([]byte, int64) {
	var total uint64
	for _, v := range u {
		total += v[1]
		if !t.writable(v[0], min(v[1], maxIO)) {
			return nil, -linux.EFAULT
		}
	}
	return make([]byte, min(total, maxIO)), 0
}

// copyOut scatters b over the user buffers in order; EFAULT.
func (t *Thread) copyOut(u userBufs, b []byte) int64 {
	for _, v := range u {
		c := min(uint64(len(b)), v[1])
		if c > 0 && t.P.AS.CopyOut(v[0], b[:c]) != nil {
			return -linux.EFAULT
		}
		b = b[c:]
	}
	return 0
}

// userBufsArg is the user memory of read and write (vec false: the
// buffer at addr of n bytes) or of readv and writev (vec: the n iovecs
// at addr; EINVAL, EFAULT).
func (t *Thread) userBufsArg(addr, n uint64, vec bool) (userBufs, int64) {
	if vec {
		return t.iovecs(addr, n)
	}
	return oneBuf(addr, n), 0
}

// writeArgs serves write and writev: the file at fd (a reference to
// put), which must be open for writing (EBADF), and the bytes of its
// user buffers (userBufsArg) copied in.
func (t *Thread) writeArgs(fd, addr, n uint64, vec bool) (*file, []byte, int64) {
	f := t.fdArg(fd)
	if f == nil {
		return nil, nil, -linux.EBADF
	}
	if !f.canAccess(true) {
		f.put()
		return nil, nil, -linux.EBADF
	}
	u, e := t.userBufsArg(addr, n, vec)
	if e == 0 {
		var buf []byte
		if buf, e = t.copyIn(u); e == 0 {
			return f, buf, 0
		}
	}
	f.put()
	return nil, nil, e
}

// readArgs serves read and readv: the file at fd (a reference to put),
// which must be open for reading (EBADF), its user buffers (userBufsArg)
// and a kernel buffer to read into (readBuf).
func (t *Thread) readArgs(fd, addr, n uint64, vec bool) (*file, userBufs, []byte, int64) {
	f := t.fdArg(fd)
	if f == nil {
		return nil, nil, nil, -linux.EBADF
	}
	if !f.canAccess(false) {
		f.put()
		return nil, nil, nil, -linux.EBADF
	}
	u, e := t.userBufsArg(addr, n, vec)
	if e == 0 {
		var buf []byte
		if buf, e = t.readBuf(u); e == 0 {
			return f, u, buf, 0
		}
	}
	f.put()
	return nil, nil, nil, e
}

// probePairArg checks that the two ints of a new descriptor pair can be
// written at addr (EFAULT), before the pair is made: Linux checks only
// afterwards, but probing first leaves nothing to undo.
func (t *Thread) probePairArg(addr uint64) int64 {
	var probe [8]byte
	if t.P.AS.CopyIn(probe[:], addr) != nil {
		return -linux.EFAULT
	}
	return 0
}

// installPairAt installs a and b (pipe2's or socketpair's new files) as
// two descriptors and writes their numbers as two ints at addr; if that
// write fails both are closed again (EFAULT).
func (t *Thread) installPairAt(addr uint64, a, b *file, cloexec bool) int64 {
	fa, fb, e := t.P.fds.installPair(a, b, cloexec)
	if e != 0 {
		return e
	}
	var buf [8]byte
	binary.LittleEndian.PutUint32(buf[:], uint32(fa))
	binary.LittleEndian.PutUint32(buf[4:], uint32(fb))
	if t.P.AS.CopyOut(addr, buf[:]) != nil {
		t.P.fds.close(fa)
		t.P.fds.close(fb)
		return -linux.EFAULT
	}
	return 0
}
