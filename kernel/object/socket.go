package object

import "sync"

// SocketBufferSize is the capacity of each direction of a socket, in bytes.
var SocketBufferSize = 256 * 1024

// Socket is one endpoint of a socket: a bidirectional byte stream or
// datagram transport. Each endpoint owns its receive buffer (data written
// by the peer).
type Socket struct {
	Base
	datagram bool
	options  uint32
	capacity int

	// Guarded by the shared object lock.
	peer          *Socket
	buf           []byte // stream data, from head
	head          int
	dgrams        [][]byte // datagram queue
	size          int      // bytes buffered (both modes)
	writeDisabled bool     // this endpoint may not write
	rxThreshold   int
	txThreshold   int
}

// NewSocket creates a connected pair (the caller owns one reference to
// each); options is ZX_SOCKET_STREAM or ZX_SOCKET_DATAGRAM.
func NewSocket(options uint32) (*Socket, *Socket) {
	mu := new(sync.Mutex)
	mk := func() *Socket {
		s := &Socket{datagram: options&SocketDatagram != 0, options: options, capacity: SocketBufferSize}
		s.Base.Init(s, ObjTypeSocket, mu, true, SocketWritable)
		return s
	}
	a, b := mk(), mk()
	a.peer, b.peer = b, a
	a.related, b.related = b.koid, a.koid
	a.AddRef()
	b.AddRef()
	return a, b
}

func (s *Socket) allowedUserSignals() Signals { return UserSignalAll }

func (s *Socket) allowedPeerSignals() Signals { return UserSignalAll }

func (s *Socket) peerBaseLocked() *Base {
	if s.peer == nil {
		return nil
	}
	return &s.peer.Base
}

// OnZeroHandles asserts PEER_CLOSED on the peer and unlinks the pair.
func (s *Socket) OnZeroHandles() []*HandleEntry {
	s.mu.Lock()
	peer := s.peer
	if peer != nil {
		s.peer, peer.peer = nil, nil
		peer.UpdateStateLocked(SocketWritable|SocketWriteThreshold, SocketPeerClosed)
	}
	s.buf, s.dgrams, s.size, s.head = nil, nil, 0, 0
	s.mu.Unlock()
	if peer != nil {
		peer.Release()
		s.Release()
	}
	return nil
}

// refreshLocked recomputes s's level signals (readable, thresholds) and
// its peer's writability; the lock must be held.
func (s *Socket) refreshLocked() {
	var set, clr Signals
	if s.size > 0 {
		set |= SocketReadable
	} else {
		clr |= SocketReadable
	}
	if s.rxThreshold > 0 && s.size >= s.rxThreshold {
		set |= SocketReadThreshold
	} else {
		clr |= SocketReadThreshold
	}
	s.UpdateStateLocked(clr, set)
	if w := s.peer; w != nil {
		set, clr = 0, 0
		free := s.capacity - s.size
		if free > 0 && !w.writeDisabled {
			set |= SocketWritable
		} else {
			clr |= SocketWritable
		}
		if w.txThreshold > 0 && free >= w.txThreshold {
			set |= SocketWriteThreshold
		} else {
			clr |= SocketWriteThreshold
		}
		w.UpdateStateLocked(clr, set)
	}
}

// SocketCreate is zx_socket_create. Errors: INVALID_ARGS (options),
// ACCESS_DENIED (ZX_POL_NEW_SOCKET), NO_RESOURCES.
func SocketCreate(p *Process, options uint32) (Handle, Handle, Status) {
	// The policy before the options, as Zircon's sys_socket_create
	// (SocketDispatcher::Create checks them).
	if st := p.EnforceBasicPolicy(PolNewSocket); st != OK {
		return HandleInvalid, HandleInvalid, st
	}
	if options&^SocketCreateMask != 0 {
		return HandleInvalid, HandleInvalid, ErrInvalidArgs
	}
	a, b := NewSocket(options)
	return p.installPair(a, b, DefaultSocketRights)
}

// SocketWrite is zx_socket_write (needs ZX_RIGHT_WRITE). A stream write
// may be short; a datagram write is all or nothing. Errors: INVALID_ARGS
// (options), BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED, PEER_CLOSED, BAD_STATE
// (writes disabled), SHOULD_WAIT (full), OUT_OF_RANGE (datagram larger than
// the socket's capacity).
func SocketWrite(p *Process, h Handle, options uint32, data []byte) (int, Status) {
	if options != 0 {
		return 0, ErrInvalidArgs
	}
	s, st := lookupAs[*Socket](p, h, ObjTypeSocket, RightWrite)
	if st != OK {
		return 0, st
	}
	defer s.Release()
	return s.Write(data)
}

// Write writes data into the socket's peer, as zx_socket_write does once
// the handle is checked (the kernel uses it to forward a process's stdout
// into a socket its launcher gave it). Errors: PEER_CLOSED, BAD_STATE,
// SHOULD_WAIT, OUT_OF_RANGE.
func (s *Socket) Write(data []byte) (int, Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dst := s.peer
	if dst == nil {
		return 0, ErrPeerClosed
	}
	if s.writeDisabled {
		return 0, ErrBadState
	}
	if len(data) == 0 {
		return 0, OK
	}
	free := dst.capacity - dst.size
	if s.datagram {
		// A full socket is SHOULD_WAIT before the datagram's size is
		// looked at, as Zircon's SocketDispatcher::WriteSelfLocked.
		if free == 0 {
			return 0, ErrShouldWait
		}
		if len(data) > dst.capacity {
			return 0, ErrOutOfRange
		}
		if len(data) > free {
			return 0, ErrShouldWait
		}
		dst.dgrams = append(dst.dgrams, append([]byte(nil), data...))
		dst.size += len(data)
		dst.refreshLocked()
		return len(data), OK
	}
	if free == 0 {
		return 0, ErrShouldWait
	}
	n := min(free, len(data))
	if dst.head > 0 && dst.head*2 >= len(dst.buf) {
		k := copy(dst.buf, dst.buf[dst.head:])
		dst.buf, dst.head = dst.buf[:k], 0
	}
	dst.buf = append(dst.buf, data[:n]...)
	dst.size += n
	dst.refreshLocked()
	return n, OK
}

// SocketRead is zx_socket_read (needs ZX_RIGHT_READ): it fills buf and
// returns the bytes read. A datagram read takes one datagram, truncated to
// buf. With ZX_SOCKET_PEEK the data stays. Errors: INVALID_ARGS (options),
// BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED, SHOULD_WAIT (empty), PEER_CLOSED
// (empty and peer gone), BAD_STATE (empty and the peer's writes disabled).
func SocketRead(p *Process, h Handle, options uint32, buf []byte) (int, Status) {
	if options&^SocketPeek != 0 {
		return 0, ErrInvalidArgs
	}
	s, st := lookupAs[*Socket](p, h, ObjTypeSocket, RightRead)
	if st != OK {
		return 0, st
	}
	defer s.Release()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.size == 0 {
		switch {
		case s.peer == nil:
			return 0, ErrPeerClosed
		case s.peer.writeDisabled:
			return 0, ErrBadState
		}
		return 0, ErrShouldWait
	}
	// A zero-length read consumes nothing, not even a datagram (as in
	// Zircon: SocketTest.ZeroSize).
	peek := options&SocketPeek != 0 || len(buf) == 0
	var n int
	if s.datagram {
		d := s.dgrams[0]
		n = copy(buf, d)
		if !peek {
			s.dgrams[0] = nil
			s.dgrams = s.dgrams[1:]
			s.size -= len(d)
		}
	} else {
		n = copy(buf, s.buf[s.head:])
		if !peek {
			s.head += n
			s.size -= n
			if s.size == 0 {
				s.buf, s.head = s.buf[:0], 0
			}
		}
	}
	if !peek {
		s.refreshLocked()
	}
	return n, OK
}

// SocketSetDisposition is zx_socket_set_disposition (needs
// ZX_RIGHT_MANAGE_SOCKET): it disables or re-enables writes on this
// endpoint and/or its peer. Re-enabling writes on an endpoint whose written
// data is still buffered fails with ZX_ERR_BAD_STATE. Errors: BAD_HANDLE,
// WRONG_TYPE, ACCESS_DENIED, INVALID_ARGS, BAD_STATE, PEER_CLOSED.
func SocketSetDisposition(p *Process, h Handle, disposition, dispositionPeer uint32) Status {
	s, st := lookupAs[*Socket](p, h, ObjTypeSocket, RightManageSocket)
	if st != OK {
		return st
	}
	defer s.Release()
	valid := func(d uint32) bool {
		return d == 0 || d == SocketDispositionWriteDisabled || d == SocketDispositionWriteEnabled
	}
	if !valid(disposition) || !valid(dispositionPeer) {
		return ErrInvalidArgs
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	peer := s.peer
	if peer == nil {
		return ErrPeerClosed
	}
	// An endpoint's written data sits in its peer's receive buffer.
	if disposition == SocketDispositionWriteEnabled && s.writeDisabled && peer.size > 0 {
		return ErrBadState
	}
	if dispositionPeer == SocketDispositionWriteEnabled && peer.writeDisabled && s.size > 0 {
		return ErrBadState
	}
	s.setDispositionLocked(disposition)
	peer.setDispositionLocked(dispositionPeer)
	return OK
}

func (s *Socket) setDispositionLocked(d uint32) {
	switch d {
	case SocketDispositionWriteDisabled:
		s.writeDisabled = true
		s.UpdateStateLocked(SocketWritable, SocketWriteDisabled)
		s.peer.UpdateStateLocked(0, SocketPeerWriteDisabled)
	case SocketDispositionWriteEnabled:
		s.writeDisabled = false
		s.UpdateStateLocked(SocketWriteDisabled, 0)
		s.peer.UpdateStateLocked(SocketPeerWriteDisabled, 0)
		s.peer.refreshLocked()
	}
}

// ObjectGetInfoSocket is ZX_INFO_SOCKET (needs ZX_RIGHT_INSPECT).
func ObjectGetInfoSocket(p *Process, h Handle) (SocketInfo, Status) {
	s, st := lookupAs[*Socket](p, h, ObjTypeSocket, RightInspect)
	if st != OK {
		return SocketInfo{}, st
	}
	defer s.Release()
	s.mu.Lock()
	defer s.mu.Unlock()
	info := SocketInfo{Options: s.options, RxBufMax: uint64(s.capacity), RxBufSize: uint64(s.size),
		RxBufAvailable: uint64(s.size)}
	if s.datagram {
		info.RxBufAvailable = 0
		if len(s.dgrams) > 0 {
			info.RxBufAvailable = uint64(len(s.dgrams[0]))
		}
	}
	if s.peer != nil {
		info.TxBufMax = uint64(s.peer.capacity)
		info.TxBufSize = uint64(s.peer.size)
	}
	return info, OK
}

// setPropertyLocked sets a socket threshold property; the lock must be
// held.
func (s *Socket) setPropertyLocked(prop uint32, v uint64) Status {
	switch prop {
	case PropSocketRxThreshold:
		if v > uint64(s.capacity) {
			return ErrInvalidArgs
		}
		s.rxThreshold = int(v)
		s.refreshLocked()
	case PropSocketTxThreshold:
		if s.peer == nil {
			return ErrPeerClosed
		}
		if v > uint64(s.peer.capacity) {
			return ErrInvalidArgs
		}
		s.txThreshold = int(v)
		s.peer.refreshLocked()
	default:
		return ErrInvalidArgs
	}
	return OK
}

func (s *Socket) getPropertyLocked(prop uint32) (uint64, Status) {
	switch prop {
	case PropSocketRxThreshold:
		return uint64(s.rxThreshold), OK
	case PropSocketTxThreshold:
		return uint64(s.txThreshold), OK
	}
	return 0, ErrInvalidArgs
}
