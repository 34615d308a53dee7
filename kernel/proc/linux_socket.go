package proc

import (
	"encoding/binary"
	"strings"

	"beryl/kernel/linux"
	"beryl/mm/kmem"
	"beryl/proto/fsproto"
)

// The socket calls: AF_UNIX SOCK_STREAM sockets, from socketpair
// (socket.go) or from socket(2) with bind/listen/accept/connect on path
// or abstract names (unix.go). There is no network stack yet: other
// families fail with EAFNOSUPPORT; SOCK_DGRAM and SOCK_SEQPACKET with
// ESOCKTNOSUPPORT.

const (
	afUnix          = 1
	sockStream      = 1
	sockTypeMask    = 0xf
	sockNonblock    = linux.ONonblock
	sockCloexec     = linux.OCloexec
	msgDontwait     = 0x40
	msgNosignal     = 0x4000
	solSocket       = 1
	soType          = 3
	soError         = 4
	soAcceptconn    = 30
	soDomain        = 39
	eafnosupport    = 97
	eprotonosupp    = 93
	esocktnosupport = 94
	enotsock        = 88
	eisconn         = 106
	enotconn        = 107
	enoprotoopt     = 92
	eopnotsupport   = 95
	eaddrinuse      = 98
	econnrefused    = 111
	enxio           = 6

	// sockaddrUnSize is sizeof(struct sockaddr_un): family and 108 bytes.
	sockaddrUnSize = 110
	// sIfsock is S_IFSOCK.
	sIfsock = 0o140000
)

func sysSocket(t *Thread, a *[6]uint64) (int64, bool) {
	if a[0] != afUnix {
		return -eafnosupport, false
	}
	if a[1]&^(sockTypeMask|sockNonblock|sockCloexec) != 0 {
		return -linux.EINVAL, false
	}
	if a[1]&sockTypeMask != sockStream {
		return -esocktnosupport, false
	}
	if a[2] != 0 && a[2] != afUnix {
		return -eprotonosupp, false
	}
	if !kmem.GateOK() {
		return -linux.ENFILE, false
	}
	return int64(t.P.fds.install(newSocket(uint32(a[1])), a[1]&sockCloexec != 0)), false
}

// sockaddrArg reads a struct sockaddr_un of alen bytes: a path (up to
// its first NUL), an abstract name (starting with NUL, every byte
// counts) or "" (alen 2: no name). A length out of [2, 110] or another
// family: EINVAL.
func (t *Thread) sockaddrArg(addr, alen uint64) (string, int64) {
	if alen < 2 || alen > sockaddrUnSize {
		return "", -linux.EINVAL
	}
	b := make([]byte, alen)
	if t.P.AS.CopyIn(b, addr) != nil {
		return "", -linux.EFAULT
	}
	if binary.LittleEndian.Uint16(b) != afUnix {
		return "", -linux.EINVAL
	}
	name := b[2:]
	if len(name) > 0 && name[0] != 0 {
		if i := strings.IndexByte(string(name), 0); i >= 0 {
			name = name[:i]
		}
	}
	return string(name), 0
}

// sysBind names an unconnected socket: a path makes a socket node there
// (EADDRINUSE if the path exists), an abstract name is registered, an
// empty one gets an abstract name of Linux's autobind form. A socket
// already named: EINVAL.
func sysBind(t *Thread, a *[6]uint64) (int64, bool) {
	f, s, e := t.sockArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	name, e := t.sockaddrArg(a[1], a[2])
	if e != 0 {
		return e, false
	}
	s.mu.Lock()
	named := s.name != "" || s.rx != nil
	s.mu.Unlock()
	if named {
		return -linux.EINVAL, false
	}
	var key unixKey
	if name == "" {
		name = autobindName()
	}
	if name[0] == 0 {
		key = unixKey{abstract: name}
		if e := bindKey(key, s); e != 0 {
			return e, false
		}
	} else {
		abs, e := t.absPath(uint64(uint32(linux.AtFdcwd&0xffffffff)), name)
		if e != 0 {
			return e, false
		}
		m, _, errno, _ := t.pathCall(abs, func(rel string) *fsproto.Encoder {
			return fsproto.NewRequest(fsproto.OpMknod).Str(rel).U32(sIfsock | 0o755)
		})
		if errno == linux.EEXIST {
			return -eaddrinuse, false
		}
		if errno != 0 {
			return -int64(errno), false
		}
		m.put()
		m, _, errno, d := t.pathCall(abs, func(rel string) *fsproto.Encoder {
			return fsproto.NewRequest(fsproto.OpStat).Str(rel).U8(1)
		})
		if errno != 0 {
			return -int64(errno), false
		}
		st := d.Stat()
		key = unixKey{dev: m.dev, ino: st.Ino}
		m.put()
		if e := bindKey(key, s); e != 0 {
			return e, false
		}
	}
	s.mu.Lock()
	s.name, s.bound = name, &key
	s.mu.Unlock()
	return 0, false
}

// sysListen makes a bound, unconnected socket a listener (again: a new
// backlog). backlog is clamped to [0, 4096] (negative: 4096), Linux's
// somaxconn.
func sysListen(t *Thread, a *[6]uint64) (int64, bool) {
	f, s, e := t.sockArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	backlog := int(int32(a[1]))
	if backlog < 0 || backlog > 4096 {
		backlog = 4096
	}
	s.mu.Lock()
	if s.rx != nil || s.name == "" {
		s.mu.Unlock()
		return -linux.EINVAL, false
	}
	l := s.lis
	if l == nil {
		s.lis = newUnixListener(f, backlog)
	}
	s.mu.Unlock()
	if l != nil {
		l.setBacklog(backlog) // listen again: the new backlog
	}
	return 0, false
}

// sysConnect connects an unconnected socket to the listener bound at
// the address: a path that is not a socket node, or a socket that is not
// listening, is ECONNREFUSED; a missing path ENOENT. A connected socket:
// EISCONN; a listener: EINVAL.
func sysConnect(t *Thread, a *[6]uint64) (int64, bool) {
	f, s, e := t.sockArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	name, e := t.sockaddrArg(a[1], a[2])
	if e != 0 {
		return e, false
	}
	if name == "" {
		return -linux.EINVAL, false
	}
	s.mu.Lock()
	connected, listening, self := s.rx != nil, s.lis != nil, s.name
	s.mu.Unlock()
	if connected {
		return -eisconn, false
	}
	if listening {
		return -linux.EINVAL, false
	}
	key := unixKey{abstract: name}
	if name[0] != 0 {
		abs, e := t.absPath(uint64(uint32(linux.AtFdcwd&0xffffffff)), name)
		if e != 0 {
			return e, false
		}
		m, _, errno, d := t.pathCall(abs, func(rel string) *fsproto.Encoder {
			return fsproto.NewRequest(fsproto.OpStat).Str(rel).U8(0)
		})
		if errno != 0 {
			return -int64(errno), false
		}
		st := d.Stat()
		key = unixKey{dev: m.dev, ino: st.Ino}
		m.put()
		if st.Mode&linux.SIfmt != sIfsock {
			return -econnrefused, false
		}
	}
	peer := boundSocket(key)
	if peer == nil {
		return -econnrefused, false
	}
	peer.mu.Lock()
	l, peerName := peer.lis, peer.name
	peer.mu.Unlock()
	if l == nil {
		return -econnrefused, false
	}
	return l.connect(f, self, peerName, f.nonblock(), t.interruptCh()), false
}

// sysAccept4 takes a connection of a listening socket (else EINVAL) as a
// new descriptor (flags SOCK_NONBLOCK, SOCK_CLOEXEC; others EINVAL) and
// writes the peer's address to addr if it is not NULL.
func sysAccept4(t *Thread, a *[6]uint64) (int64, bool) {
	if a[3]&^(sockNonblock|sockCloexec) != 0 {
		return -linux.EINVAL, false
	}
	f, s, e := t.sockArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	l := s.listener()
	if l == nil {
		return -linux.EINVAL, false
	}
	if a[1] != 0 {
		var lb [4]byte
		if t.P.AS.CopyIn(lb[:], a[2]) != nil {
			return -linux.EFAULT, false
		}
		if int32(binary.LittleEndian.Uint32(lb[:])) < 0 {
			return -linux.EINVAL, false
		}
	}
	nf, e := l.accept(f.nonblock(), t.interruptCh())
	if e != 0 {
		return e, false
	}
	if a[3]&sockNonblock != 0 {
		nf.flags.Store(nf.flags.Load() | linux.ONonblock)
	}
	ns := nf.ops.(*sockFile)
	ns.mu.Lock()
	peer := ns.peer
	ns.mu.Unlock()
	if e := t.putSockaddr(a[1], a[2], peer); e != 0 {
		nf.put()
		return e, false
	}
	return int64(t.P.fds.install(nf, a[3]&sockCloexec != 0)), false
}

func sysAccept(t *Thread, a *[6]uint64) (int64, bool) {
	b := [6]uint64{a[0], a[1], a[2], 0}
	return sysAccept4(t, &b)
}

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
	if e := t.probePairArg(a[3]); e != 0 {
		return e, false
	}
	s1, s2 := newSocketPair(uint32(a[1]))
	return t.installPairAt(a[3], s1, s2, a[1]&sockCloexec != 0), false
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
		// Linux's unix_stream_sendmsg: an address is EISCONN on a
		// connected socket, EOPNOTSUPP on another.
		if rx, _ := s.conn(); rx != nil {
			return -eisconn, false
		}
		return -eopnotsupport, false
	}
	buf, e := t.copyIn(oneBuf(a[1], a[2]))
	if e != 0 {
		return e, false
	}
	return s.write(callFlags(f, a[3]), buf, t.interruptCh()), false
}

// putSockaddr writes AF_UNIX address name ("" unnamed: sa_family only;
// a path with its NUL; an abstract name as is) to addr, truncated to the
// length at lenAddr, and the full length there, if addr is not NULL.
func (t *Thread) putSockaddr(addr, lenAddr uint64, name string) int64 {
	if addr == 0 {
		return 0
	}
	var l [4]byte
	if t.P.AS.CopyIn(l[:], lenAddr) != nil {
		return -linux.EFAULT
	}
	room := int32(binary.LittleEndian.Uint32(l[:]))
	if room < 0 {
		return -linux.EINVAL
	}
	b := []byte{afUnix, 0}
	b = append(b, name...)
	if name != "" && name[0] != 0 {
		b = append(b, 0)
	}
	if n := min(int(room), len(b)); n > 0 && t.P.AS.CopyOut(addr, b[:n]) != nil {
		return -linux.EFAULT
	}
	binary.LittleEndian.PutUint32(l[:], uint32(len(b)))
	if t.P.AS.CopyOut(lenAddr, l[:]) != nil {
		return -linux.EFAULT
	}
	return 0
}

// putUnnamed writes an unnamed AF_UNIX address (sa_family only).
func (t *Thread) putUnnamed(addr, lenAddr uint64) int64 { return t.putSockaddr(addr, lenAddr, "") }

func sysRecvfrom(t *Thread, a *[6]uint64) (int64, bool) {
	f, s, e := t.sockArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	u := oneBuf(a[1], a[2])
	buf, e := t.readBuf(u)
	if e != 0 {
		return e, false
	}
	n := s.read(callFlags(f, a[3]), buf, t.interruptCh())
	if n < 0 {
		return n, false
	}
	if e := t.copyOut(u, buf[:n]); e != 0 {
		return e, false
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
	buf, e := t.copyIn(iov)
	if e != 0 {
		return e, false
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
	buf, e := t.readBuf(iov)
	if e != 0 {
		return e, false
	}
	n := s.read(callFlags(f, a[2]), buf, t.interruptCh())
	if n < 0 {
		return n, false
	}
	if e := t.copyOut(iov, buf[:n]); e != 0 {
		return e, false
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
	return s.shutdown(a[1]), false
}

// sysGetsockname gives the socket's bound address (unnamed: the family
// only).
func sysGetsockname(t *Thread, a *[6]uint64) (int64, bool) {
	f, s, e := t.sockArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	if a[1] == 0 {
		return -linux.EFAULT, false
	}
	s.mu.Lock()
	name := s.name
	s.mu.Unlock()
	return t.putSockaddr(a[1], a[2], name), false
}

// sysGetpeername gives the connected peer's address; unconnected:
// ENOTCONN.
func sysGetpeername(t *Thread, a *[6]uint64) (int64, bool) {
	f, s, e := t.sockArg(a[0])
	if e != 0 {
		return e, false
	}
	defer f.put()
	s.mu.Lock()
	connected, peer := s.rx != nil, s.peer
	s.mu.Unlock()
	if !connected {
		return -enotconn, false
	}
	if a[1] == 0 {
		return -linux.EFAULT, false
	}
	return t.putSockaddr(a[1], a[2], peer), false
}

func sysGetsockopt(t *Thread, a *[6]uint64) (int64, bool) {
	f, s, e := t.sockArg(a[0])
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
	case soAcceptconn:
		if s.listener() != nil {
			v = 1
		}
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
