package proc

import (
	"encoding/binary"
	"time"

	"beryl/kernel/linux"
	"beryl/mm/kmem"
)

// The descriptor calls: the console descriptors 0-2, and the epoll
// instances and eventfds the Go runtime's netpoller uses (fd.go).

// maxWrite bounds one write(2): longer writes are short, as Linux's are
// for pipes and sockets.
const maxWrite = 1 << 20

// epollEventSize is sizeof(struct epoll_event) on x86-64 (packed).
const epollEventSize = 12

func sysWrite(t *Thread, a *[6]uint64) (int64, bool) {
	p := t.P
	buf := make([]byte, min(a[2], maxWrite))
	if p.AS.CopyIn(buf, a[1]) != nil {
		return -linux.EFAULT, false
	}
	switch a[0] {
	case linux.Stdout:
		p.Stdout.Write(buf)
	case linux.Stderr:
		p.Stderr.Write(buf)
	default:
		o := p.fds.get(int(a[0]))
		if o == nil || o.epoll || len(buf) < 8 {
			return -linux.EBADF, false
		}
		p.fds.eventfdWrite(o, binary.LittleEndian.Uint64(buf))
		return 8, false
	}
	return int64(len(buf)), false
}

func sysRead(t *Thread, a *[6]uint64) (int64, bool) {
	p := t.P
	o := p.fds.get(int(a[0]))
	if o == nil || o.epoll {
		if a[0] == linux.Stdin {
			return 0, false // end of file: user programs have no console input
		}
		return -linux.EBADF, false
	}
	v, ok := p.fds.eventfdRead(o)
	if !ok {
		return -linux.EAGAIN, false
	}
	if a[2] < 8 || !t.put64(a[1], v) {
		return -linux.EFAULT, false
	}
	return 8, false
}

func sysClose(t *Thread, a *[6]uint64) (int64, bool) {
	if a[0] <= linux.Stderr || t.P.fds.close(int(a[0])) {
		return 0, false
	}
	return -linux.EBADF, false
}

// sysFcntl answers F_GETFL with O_RDWR and accepts the rest: the runtime
// only checks that descriptors 0-2 exist and sets O_NONBLOCK/FD_CLOEXEC.
func sysFcntl(t *Thread, a *[6]uint64) (int64, bool) {
	if a[0] > linux.Stderr && t.P.fds.get(int(a[0])) == nil {
		return -linux.EBADF, false
	}
	if a[1] == linux.FGetfl {
		return linux.ORDWR, false
	}
	return 0, false
}

// sysOpenat: there is no file system, and the runtime copes with ENOENT.
func sysOpenat(t *Thread, a *[6]uint64) (int64, bool) { return -linux.ENOENT, false }

func sysEpollCreate1(t *Thread, a *[6]uint64) (int64, bool) {
	if !kmem.GateOK() {
		return -linux.ENOMEM, false
	}
	return int64(t.P.fds.alloc(&fdObj{epoll: true})), false
}

func sysEventfd2(t *Thread, a *[6]uint64) (int64, bool) {
	if !kmem.GateOK() {
		return -linux.ENOMEM, false
	}
	return int64(t.P.fds.alloc(&fdObj{count: a[0], nonblk: a[1]&linux.ONonblock != 0})), false
}

func sysEpollCtl(t *Thread, a *[6]uint64) (int64, bool) {
	p := t.P
	ep, o := p.fds.get(int(a[0])), p.fds.get(int(a[2]))
	if ep == nil || !ep.epoll || o == nil || o.epoll {
		return -linux.EBADF, false
	}
	switch a[1] {
	case linux.EpollCtlAdd, linux.EpollCtlMod:
		var b [epollEventSize]byte
		if p.AS.CopyIn(b[:], a[3]) != nil {
			return -linux.EFAULT, false
		}
		p.fds.mu.Lock()
		o.epfd, o.events, o.data = int(a[0]), binary.LittleEndian.Uint32(b[:]), binary.LittleEndian.Uint64(b[4:])
		p.fds.mu.Unlock()
	case linux.EpollCtlDel:
		p.fds.mu.Lock()
		o.epfd = 0
		p.fds.mu.Unlock()
	default:
		return -linux.EINVAL, false
	}
	return 0, false
}

// sysEpollWait serves epoll_wait and epoll_pwait (the signal mask of the
// latter is not applied: the runtime passes none).
func sysEpollWait(t *Thread, a *[6]uint64) (int64, bool) {
	p := t.P
	ep := p.fds.get(int(a[0]))
	if ep == nil || !ep.epoll {
		return -linux.EBADF, false
	}
	if int64(a[2]) <= 0 {
		return -linux.EINVAL, false
	}
	timeout := time.Duration(int32(a[3])) * time.Millisecond
	ev := p.fds.epollWait(int(a[0]), int(a[2]), timeout, t.interruptCh())
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
