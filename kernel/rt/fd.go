package rt

import (
	"beryl/arch/x86"
	"beryl/kernel/linux"
)

// The runtime's file descriptors: 0-2 are the console; the netpoller adds
// one epoll instance and one eventfd (netpollBreak).
const (
	fdFree = iota
	fdEpoll
	fdEventfd
	maxFds = 64
)

type fdEntry struct {
	kind   uint32
	nonblk bool
	count  uint64 // eventfd counter
	epfd   uint64 // epoll instance this fd is registered with (0 = none)
	events uint32 // registered event mask
	data   uint64 // registered epoll_data
}

var fds [maxFds]fdEntry

//go:nosplit
func allocFd(kind uint32) int64 {
	for i := 3; i < maxFds; i++ {
		if fds[i].kind == fdFree {
			fds[i] = fdEntry{kind: kind}
			return int64(i)
		}
	}
	return -linux.EMFILE
}

//go:nosplit
func getFd(fd uint64, kind uint32) *fdEntry {
	if fd < 3 || fd >= maxFds || fds[fd].kind != kind {
		return nil
	}
	return &fds[fd]
}

//go:nosplit
func closeFd(fd uint64) int64 {
	if fd < 3 {
		return 0
	}
	if fd >= maxFds || fds[fd].kind == fdFree {
		return -linux.EBADF
	}
	fds[fd] = fdEntry{}
	return 0
}

//go:nosplit
func fcntl(fd, cmd, arg uint64) int64 {
	if fd >= maxFds || (fd >= 3 && fds[fd].kind == fdFree) {
		return -linux.EBADF
	}
	switch cmd {
	case linux.FGetfd, linux.FSetfd, linux.FSetfl:
		return 0
	case linux.FGetfl:
		if fd >= 3 && fds[fd].nonblk {
			return linux.ORDWR | 0x800 // O_NONBLOCK
		}
		return linux.ORDWR
	}
	return -linux.EINVAL
}

//go:nosplit
func sysWriteFd(fd, buf, n uint64) int64 {
	switch {
	case fd == 1 || fd == 2:
		x86.SerialWrite((*[1 << 30]byte)(ptr(buf))[:n:n])
		return int64(n)
	case getFd(fd, fdEventfd) != nil:
		if n < 8 {
			return -linux.EINVAL
		}
		e := getFd(fd, fdEventfd)
		e.count += *(*uint64)(ptr(buf))
		wakeEpoll(e.epfd)
		return 8
	}
	return -linux.EBADF
}

//go:nosplit
func sysReadFd(fd, buf, n uint64) int64 {
	if e := getFd(fd, fdEventfd); e != nil {
		if n < 8 {
			return -linux.EINVAL
		}
		if e.count == 0 {
			return -linux.EAGAIN
		}
		*(*uint64)(ptr(buf)) = e.count
		e.count = 0
		return 8
	}
	if fd == 0 {
		return 0
	}
	return -linux.EBADF
}

//go:nosplit
func eventfd(initval, flags uint64) int64 {
	fd := allocFd(fdEventfd)
	if fd < 0 {
		return fd
	}
	fds[fd].count = initval
	fds[fd].nonblk = flags&0x800 != 0
	return fd
}

//go:nosplit
func epollCtl(epfd, op, fd, ev uint64) int64 {
	if getFd(epfd, fdEpoll) == nil {
		return -linux.EBADF
	}
	e := getFd(fd, fdEventfd)
	if e == nil {
		return -linux.EBADF
	}
	switch op {
	case linux.EpollCtlAdd, linux.EpollCtlMod:
		// struct epoll_event is packed on x86-64: u32 events, u64 data.
		b := (*[12]byte)(ptr(ev))
		e.events = uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		var d uint64
		for i := 0; i < 8; i++ {
			d |= uint64(b[4+i]) << (8 * i)
		}
		e.data = d
		e.epfd = epfd
	case linux.EpollCtlDel:
		e.epfd = 0
	default:
		return -linux.EINVAL
	}
	return 0
}

// epollReady fills events with ready fds registered on epfd.
//
//go:nosplit
func epollReady(epfd, events, max uint64) int64 {
	var n uint64
	for i := 3; i < maxFds && n < max; i++ {
		e := &fds[i]
		if e.kind == fdEventfd && e.epfd == epfd && e.count > 0 && e.events&linux.EpollIn != 0 {
			b := (*[12]byte)(ptr(events + 12*n))
			b[0], b[1], b[2], b[3] = linux.EpollIn, 0, 0, 0
			for k := 0; k < 8; k++ {
				b[4+k] = byte(e.data >> (8 * k))
			}
			n++
		}
	}
	return int64(n)
}

//go:nosplit
func epollWait(f *x86.Frame, fx *x86.FXArea, epfd, events, max, timeout uint64) int64 {
	if getFd(epfd, fdEpoll) == nil {
		return -linux.EBADF
	}
	if int64(max) <= 0 {
		return -linux.EINVAL
	}
	if n := epollReady(epfd, events, max); n > 0 {
		return n
	}
	ms := int64(int32(timeout))
	if ms == 0 {
		return 0
	}
	var deadline int64
	if ms > 0 {
		deadline = Nanotime() + ms*1e6
	}
	block(f, fx, waitEpoll, epfd, deadline, 0)
	return handled
}

// wakeEpoll restarts every epoll_pwait on epfd, so it rescans the fds.
//
//go:nosplit
func wakeEpoll(epfd uint64) {
	if epfd == 0 {
		return
	}
	for i := int32(firstThread); i <= hiThread; i++ {
		t := &threads[i]
		if t.state == tsBlocked && t.wait == waitEpoll && t.waitAddr == epfd {
			wakeRestart(t)
		}
	}
}
