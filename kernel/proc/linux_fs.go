package proc

import (
	"encoding/binary"
	"time"

	"beryl/kernel/linux"
	"beryl/mm/kmem"
)

// The descriptor calls on the process's fd table (fd.go): read, write
// and their vector forms, close, dup/dup2/dup3, fcntl, close_range,
// pipe/pipe2 (pipe.go), eventfd2, epoll (epoll.go).

// maxIO bounds one read(2) or write(2): longer transfers are short, as
// Linux's are for pipes and sockets.
const maxIO = 1 << 20

// epollEventSize is sizeof(struct epoll_event) on x86-64 (packed).
const epollEventSize = 12

// fdArg returns the file at descriptor a (a reference to put) or nil.
func (t *Thread) fdArg(a uint64) *file {
	if a > maxFds {
		return nil
	}
	return t.P.fds.get(int(a))
}

func sysWrite(t *Thread, a *[6]uint64) (int64, bool) {
	f, buf, e := t.writeArgs(a[0], a[1], a[2], false)
	if e != 0 {
		return e, false
	}
	defer f.put()
	return f.ops.write(f, buf, t.blockCh(f)), false
}

// pfWriteFault is the x86 page-fault error code of a write (SDM Vol. 3A
// 4.7), for resolving a user buffer's pages before a read fills it.
const pfWriteFault = 1 << 1

// writable reports whether the n bytes at user address addr can be
// written, making their pages present: a read checks its buffer before
// it consumes bytes from a pipe or a directory, which a failed copy
// would lose (Linux fails with EFAULT and consumes nothing).
func (t *Thread) writable(addr, n uint64) bool {
	if n == 0 {
		return true
	}
	if addr+n < addr {
		return false
	}
	for va := addr &^ 4095; va < addr+n; va += 4096 {
		if t.P.AS.Resolve(va, pfWriteFault) != 0 {
			return false
		}
	}
	return true
}

func sysRead(t *Thread, a *[6]uint64) (int64, bool) { return readCall(t, a, false) }

// readCall serves read (vec false) and readv: one read, its bytes
// scattered over the user buffers.
func readCall(t *Thread, a *[6]uint64, vec bool) (int64, bool) {
	f, u, buf, e := t.readArgs(a[0], a[1], a[2], vec)
	if e != 0 {
		return e, false
	}
	defer f.put()
	n := f.ops.read(f, buf, t.blockCh(f))
	if n <= 0 {
		return n, false
	}
	if e := t.copyOut(u, buf[:n]); e != 0 {
		return e, false
	}
	return n, false
}

// iovecs reads an iovec array (at most 1024 entries, as UIO_MAXIOV).
func (t *Thread) iovecs(addr, n uint64) (userBufs, int64) {
	if n > 1024 {
		return nil, -linux.EINVAL
	}
	b := make([]byte, 16*n)
	if t.P.AS.CopyIn(b, addr) != nil {
		return nil, -linux.EFAULT
	}
	v := make([][2]uint64, n)
	var total uint64
	for i := range v {
		v[i] = [2]uint64{binary.LittleEndian.Uint64(b[16*i:]), binary.LittleEndian.Uint64(b[16*i+8:])}
		total += v[i][1]
		if int64(v[i][1]) < 0 || int64(total) < 0 {
			return nil, -linux.EINVAL
		}
	}
	return v, 0
}

// sysWritev gathers the buffers and writes them with one write.
func sysWritev(t *Thread, a *[6]uint64) (int64, bool) {
	f, buf, e := t.writeArgs(a[0], a[1], a[2], true)
	if e != 0 {
		return e, false
	}
	defer f.put()
	return f.ops.write(f, buf, t.blockCh(f)), false
}

// sysReadv reads once and scatters the bytes.
func sysReadv(t *Thread, a *[6]uint64) (int64, bool) { return readCall(t, a, true) }

func sysClose(t *Thread, a *[6]uint64) (int64, bool) {
	if a[0] <= maxFds && t.P.fds.close(int(a[0])) {
		return 0, false
	}
	return -linux.EBADF, false
}

func sysDup(t *Thread, a *[6]uint64) (int64, bool) {
	if a[0] > maxFds {
		return -linux.EBADF, false
	}
	return t.P.fds.dup(int(a[0]), 0, false), false
}

func sysDup2(t *Thread, a *[6]uint64) (int64, bool) {
	if a[0] > maxFds {
		return -linux.EBADF, false
	}
	if a[1] > maxFds {
		return -linux.EBADF, false
	}
	return t.P.fds.dup2(int(a[0]), int(a[1]), false), false
}

// sysDup3 is dup2 that refuses oldfd == newfd (EINVAL) and takes
// O_CLOEXEC as its only flag.
func sysDup3(t *Thread, a *[6]uint64) (int64, bool) {
	if a[2]&^linux.OCloexec != 0 {
		return -linux.EINVAL, false
	}
	if a[0] > maxFds || a[1] > maxFds {
		return -linux.EBADF, false
	}
	if a[0] == a[1] {
		return -linux.EINVAL, false
	}
	return t.P.fds.dup2(int(a[0]), int(a[1]), a[2]&linux.OCloexec != 0), false
}

// sysCloseRange is close_range(first, last, flags): CLOSE_RANGE_CLOEXEC
// marks instead of closing; CLOSE_RANGE_UNSHARE is accepted (tables are
// never shared between processes).
func sysCloseRange(t *Thread, a *[6]uint64) (int64, bool) {
	if a[2]&^(linux.CloseRangeUnshare|linux.CloseRangeCloexec) != 0 || uint32(a[0]) > uint32(a[1]) {
		return -linux.EINVAL, false
	}
	t.P.fds.closeRange(uint(uint32(a[0])), uint(uint32(a[1])), a[2]&linux.CloseRangeCloexec != 0)
	return 0, false
}

// settableFlags are the status flags F_SETFL changes.
const settableFlags = linux.ONonblock | linux.OAppend

// sysFcntl serves F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL and
// F_SETFL (O_NONBLOCK, O_APPEND); other commands fail with EINVAL.
func sysFcntl(t *Thread, a *[6]uint64) (int64, bool) {
	f := t.fdArg(a[0])
	if f == nil {
		return -linux.EBADF, false
	}
	defer f.put()
	fd := int(a[0])
	switch a[1] {
	case linux.FDupfd, linux.FDupfdCloexec:
		if a[2] >= maxFds {
			return -linux.EINVAL, false
		}
		return t.P.fds.dup(fd, int(a[2]), a[1] == linux.FDupfdCloexec), false
	case linux.FGetfd:
		ce, ok := t.P.fds.cloexec(fd, false, false)
		if !ok {
			return -linux.EBADF, false
		}
		if ce {
			return linux.FdCloexec, false
		}
		return 0, false
	case linux.FSetfd:
		if _, ok := t.P.fds.cloexec(fd, true, a[2]&linux.FdCloexec != 0); !ok {
			return -linux.EBADF, false
		}
		return 0, false
	case linux.FGetfl:
		return int64(f.flags.Load()), false
	case linux.FSetfl:
		for {
			old := f.flags.Load()
			if f.flags.CompareAndSwap(old, old&^settableFlags|uint32(a[2])&settableFlags) {
				break
			}
		}
		f.changed()
		return 0, false
	}
	return -linux.EINVAL, false
}

// sysPipe2 is pipe2(fds, flags): O_CLOEXEC and O_NONBLOCK; the two
// descriptors are written as two ints.
func sysPipe2(t *Thread, a *[6]uint64) (int64, bool) {
	if a[1]&^(linux.OCloexec|linux.ONonblock) != 0 {
		return -linux.EINVAL, false
	}
	if !kmem.GateOK() {
		return -linux.ENFILE, false
	}
	if e := t.probePairArg(a[0]); e != 0 {
		return e, false
	}
	r, w := newPipe(uint32(a[1]))
	return t.installPairAt(a[0], r, w, a[1]&linux.OCloexec != 0), false
}

func sysPipe(t *Thread, a *[6]uint64) (int64, bool) {
	b := [6]uint64{a[0], 0}
	return sysPipe2(t, &b)
}

func sysEpollCreate1(t *Thread, a *[6]uint64) (int64, bool) {
	if a[0]&^linux.OCloexec != 0 {
		return -linux.EINVAL, false
	}
	if !kmem.GateOK() {
		return -linux.ENOMEM, false
	}
	return int64(t.P.fds.install(newEpollFile(), a[0]&linux.OCloexec != 0)), false
}

func sysEventfd2(t *Thread, a *[6]uint64) (int64, bool) {
	if a[1]&^(linux.OCloexec|linux.ONonblock|linux.EfdSemaphore) != 0 || a[0] > 0xffffffff {
		return -linux.EINVAL, false
	}
	if !kmem.GateOK() {
		return -linux.ENOMEM, false
	}
	f := newEventFile(a[0], uint32(a[1]), a[1]&linux.EfdSemaphore != 0)
	return int64(t.P.fds.install(f, a[1]&linux.OCloexec != 0)), false
}

func sysEpollCtl(t *Thread, a *[6]uint64) (int64, bool) {
	p := t.P
	epf := t.fdArg(a[0])
	if epf == nil {
		return -linux.EBADF, false
	}
	defer epf.put()
	f := t.fdArg(a[2])
	if f == nil {
		return -linux.EBADF, false
	}
	defer f.put()
	ep, ok := epf.ops.(*epollFile)
	if !ok || f == epf {
		return -linux.EINVAL, false
	}
	var events uint32
	var data uint64
	if a[1] != linux.EpollCtlDel {
		var b [epollEventSize]byte
		if p.AS.CopyIn(b[:], a[3]) != nil {
			return -linux.EFAULT, false
		}
		events, data = binary.LittleEndian.Uint32(b[:]), binary.LittleEndian.Uint64(b[4:])
	}
	return ep.ctl(int(a[1]), int(a[2]), f, events, data), false
}

// sysEpollWait serves epoll_wait and epoll_pwait (the signal mask of the
// latter is not applied: the runtime passes none).
func sysEpollWait(t *Thread, a *[6]uint64) (int64, bool) {
	p := t.P
	epf := t.fdArg(a[0])
	if epf == nil {
		return -linux.EBADF, false
	}
	defer epf.put()
	ep, ok := epf.ops.(*epollFile)
	if !ok {
		return -linux.EINVAL, false
	}
	if int64(a[2]) <= 0 || a[2] > 1<<16 {
		return -linux.EINVAL, false
	}
	timeout := time.Duration(int32(a[3])) * time.Millisecond
	ev, ok := ep.wait(int(a[2]), timeout, t.interruptCh())
	if !ok {
		return -linux.EINTR, false
	}
	for i, e := range ev {
		var b [epollEventSize]byte
		binary.LittleEndian.PutUint32(b[:], e.events)
		binary.LittleEndian.PutUint64(b[4:], e.data)
		if p.AS.CopyOut(a[1]+uint64(epollEventSize*i), b[:]) != nil {
			return -linux.EFAULT, false
		}
	}
	return int64(len(ev)), false
}

// sysIoctl: no descriptor is a terminal.
func sysIoctl(t *Thread, a *[6]uint64) (int64, bool) {
	f := t.fdArg(a[0])
	if f == nil {
		return -linux.EBADF, false
	}
	f.put()
	return -linux.ENOTTY, false
}
