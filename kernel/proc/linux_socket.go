package proc

import (
	"encoding/binary"

	"beryl/kernel/linux"
	"beryl/mm/kmem"
)

// The socket calls: socketpair(AF_UNIX, SOCK_STREAM) (socket.go) and
// the calls on its ends. There is no network stack yet and no socket
// bound to a path: socket(2) fails with EAFNOSUPPORT for every family.

const (
	afUnix        = 1
	sockStream    = 1
	sockTypeMask  = 0xf
	sockNonblock  = linux.ONonblock
	sockCloexec   = linux.OCloexec
	msgDontwait   = 0x40
	msgNosignal   = 0x4000
	solSocket     = 1
	soType        = 3
	soError       = 4
	soDomain      = 39
	eafnosupport  = 97
	eprotonosupp  = 93
	enotsock      = 88
	eisconn       = 106
	enoprotoopt   = 92
	eopnotsupport = 95
)

func sysSocket(t *Thread, a *[6]uint64) (int64, bool) { return -eafnosupport, false }

func sysSocketpair(t *Thread, a *[6]uint64) (int64, bool) {
	if a[0] != afUnix {
		return -eafnosupport, false
	}
	if a[1]&^(sockTypeMask|sockNonblock|sockCloexec) != 0 {
		return -linux.EINVAL, false
	}
	if a[1]&sockTypeMask != sockStream || a[2] != 0 {
		return -eprotonosupp, false
	}
	if !kmem.GateOK() {
		return -linux.ENFILE, false
	}
	var probe [8]byte
	if t.P.AS.CopyIn(probe[:], a[3]) != nil {
		return -linux.EFAULT, false
	}
	s1, s2 := newSocketPair(uint32(a[1]))
	f1, f2, e := t.P.fds.installPair(s1, s2, a[1]&sockCloexec != 0)
	if e != 0 {
		return e, false
	}
	var b [8]byte
	binary.LittleEndian.PutUint32(b[:], uint32(f1))
	binary.LittleEndian.PutUint32(b[4:], uint32(f2))
	if t.P.AS.CopyOut(a[3], b[:]) != nil {
		t.P.fds.close(f1)
		t.P.fds.close(f2)
		return -linux.EFAULT, false
	}
	return 0, false
}

// sockArg returns fd's socket (the file reference to put) or an errno:
// EBADF, or ENOTSOCK for another kind of descriptor.
func (t *Thread) sockArg(fd uint64) (*file, *sockFile, int64) {
	f := t.fdArg(fd)
	if f == nil {
		return nil, nil, -linux.EBADF
	}
	s, ok := f.ops.(*sockFile)
	if !ok {
		f.put()
		return nil, nil, -enotsock
	}
	return f, s, 0
}

// callFlags returns f, or a non-blocking view of it for MSG_DONTWAIT.
func callFlags(f *file, flags uint64) *file {
	if flags&msgDontwait == 0 {
		return f
	}
	v := &file{ops: f.ops}
	v.flags.Store(f.flags.Load() | linux.ONonblock)
	return v
}

func sysSendto(t *Thread, a *[6]uint64) (int64, bool) {
	f, s, e := t.sockArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	if a[4] != 0 {
		return -eisconn, false
	}
	buf := make([]byte, min(a[2], maxIO))
	if t.P.AS.CopyIn(buf, a[1]) != nil {
		return -linux.EFAULT, false
	}
	return s.write(callFlags(f, a[3]), buf, t.interruptCh()), false
}

// putUnnamed writes an unnamed AF_UNIX address (sa_family only) to addr
// with its length at lenAddr, if addr is not NULL.
func (t *Thread) putUnnamed(addr, lenAddr uint64) int64 {
	if addr == 0 {
		return 0
	}
	var l [4]byte
	if t.P.AS.CopyIn(l[:], lenAddr) != nil {
		return -linux.EFAULT
	}
	if int32(binary.LittleEndian.Uint32(l[:])) < 0 {
		return -linux.EINVAL
	}
	if binary.LittleEndian.Uint32(l[:]) >= 2 && t.P.AS.CopyOut(addr, []byte{afUnix, 0}) != nil {
		return -linux.EFAULT
	}
	binary.LittleEndian.PutUint32(l[:], 2)
	if t.P.AS.CopyOut(lenAddr, l[:]) != nil {
		return -linux.EFAULT
	}
	return 0
}

func sysRecvfrom(t *Thread, a *[6]uint64) (int64, bool) {
	f, s, e := t.sockArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	if !t.writable(a[1], min(a[2], maxIO)) {
		return -linux.EFAULT, false
	}
	buf := make([]byte, min(a[2], maxIO))
	n := s.read(callFlags(f, a[3]), buf, t.interruptCh())
	if n < 0 {
		return n, false
	}
	if n > 0 && t.P.AS.CopyOut(a[1], buf[:n]) != nil {
		return -linux.EFAULT, false
	}
	if e := t.putUnnamed(a[4], a[5]); e != 0 {
		return e, false
	}
	return n, false
}

// msghdrSize is sizeof(struct msghdr) on x86-64.
const msghdrSize = 56

// sysSendmsg gathers the iovecs into one write; ancillary data (file
// descriptors) is not supported: EOPNOTSUPP.
func sysSendmsg(t *Thread, a *[6]uint64) (int64, bool) {
	f, s, e := t.sockArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	var h [msghdrSize]byte
	if t.P.AS.CopyIn(h[:], a[1]) != nil {
		return -linux.EFAULT, false
	}
	le := binary.LittleEndian
	if le.Uint64(h[0:]) != 0 {
		return -eisconn, false
	}
	if le.Uint64(h[40:]) != 0 {
		return -eopnotsupport, false
	}
	iov, e := t.iovecs(le.Uint64(h[16:]), le.Uint64(h[24:]))
	if e != 0 {
		return e, false
	}
	var buf []byte
	for _, v := range iov {
		b := make([]byte, min(v[1], maxIO-uint64(len(buf))))
		if t.P.AS.CopyIn(b, v[0]) != nil {
			return -linux.EFAULT, false
		}
		buf = append(buf, b...)
	}
	return s.write(callFlags(f, a[2]), buf, t.interruptCh()), false
}

// sysRecvmsg reads once and scatters; no address and no ancillary data
// come back (msg_namelen and msg_controllen are set to 0).
func sysRecvmsg(t *Thread, a *[6]uint64) (int64, bool) {
	f, s, e := t.sockArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	var h [msghdrSize]byte
	if t.P.AS.CopyIn(h[:], a[1]) != nil {
		return -linux.EFAULT, false
	}
	le := binary.LittleEndian
	iov, e := t.iovecs(le.Uint64(h[16:]), le.Uint64(h[24:]))
	if e != 0 {
		return e, false
	}
	var total uint64
	for _, v := range iov {
		total += v[1]
		if !t.writable(v[0], min(v[1], maxIO)) {
			return -linux.EFAULT, false
		}
	}
	buf := make([]byte, min(total, maxIO))
	n := s.read(callFlags(f, a[2]), buf, t.interruptCh())
	if n < 0 {
		return n, false
	}
	rest := buf[:n]
	for _, v := range iov {
		c := min(uint64(len(rest)), v[1])
		if c > 0 && t.P.AS.CopyOut(v[0], rest[:c]) != nil {
			return -linux.EFAULT, false
		}
		rest = rest[c:]
	}
	le.PutUint32(h[8:], 0)
	le.PutUint64(h[40:], 0)
	le.PutUint32(h[48:], 0)
	if t.P.AS.CopyOut(a[1], h[:]) != nil {
		return -linux.EFAULT, false
	}
	return n, false
}

func sysShutdown(t *Thread, a *[6]uint64) (int64, bool) {
	f, s, e := t.sockArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	if a[1] > 2 {
		return -linux.EINVAL, false
	}
	s.shutdown(a[1])
	return 0, false
}

// sysGetsockname serves getsockname and getpeername: the ends of a
// socketpair are unnamed.
func sysGetsockname(t *Thread, a *[6]uint64) (int64, bool) {
	f, _, e := t.sockArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	if a[1] == 0 {
		return -linux.EFAULT, false
	}
	return t.putUnnamed(a[1], a[2]), false
}

func sysGetsockopt(t *Thread, a *[6]uint64) (int64, bool) {
	f, _, e := t.sockArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	if a[1] != solSocket {
		return -enoprotoopt, false
	}
	var v uint32
	switch a[2] {
	case soType:
		v = sockStream
	case soError:
		v = 0
	case soDomain:
		v = afUnix
	default:
		return -enoprotoopt, false
	}
	var l [4]byte
	if t.P.AS.CopyIn(l[:], a[4]) != nil {
		return -linux.EFAULT, false
	}
	if binary.LittleEndian.Uint32(l[:]) < 4 {
		return -linux.EINVAL, false
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	binary.LittleEndian.PutUint32(l[:], 4)
	if t.P.AS.CopyOut(a[3], b[:]) != nil || t.P.AS.CopyOut(a[4], l[:]) != nil {
		return -linux.EFAULT, false
	}
	return 0, false
}

// sysSetsockopt accepts SOL_SOCKET options (buffer sizes and the like
// have no effect on a socketpair).
func sysSetsockopt(t *Thread, a *[6]uint64) (int64, bool) {
	f, _, e := t.sockArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	if a[1] != solSocket {
		return -enoprotoopt, false
	}
	return 0, false
}
