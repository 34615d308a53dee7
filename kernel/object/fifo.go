package object

import "sync"

// FIFO is one endpoint of a fifo: fixed-size elements, at most
// FIFOMaxSizeBytes per direction. Each endpoint owns its receive ring.
type FIFO struct {
	Base
	elemSize  int
	elemCount int

	// Guarded by the shared object lock.
	peer  *FIFO
	ring  []byte
	head  int // index of the oldest element
	count int // elements buffered
}

// NewFIFO creates a connected pair (the caller owns one reference to
// each). The arguments must already be valid.
func NewFIFO(elemCount, elemSize int) (*FIFO, *FIFO) {
	mu := new(sync.Mutex)
	mk := func() *FIFO {
		f := &FIFO{elemSize: elemSize, elemCount: elemCount, ring: make([]byte, elemCount*elemSize)}
		f.Base.Init(f, ObjTypeFIFO, mu, true, FIFOWritable)
		return f
	}
	a, b := mk(), mk()
	a.peer, b.peer = b, a
	a.related, b.related = b.koid, a.koid
	a.AddRef()
	b.AddRef()
	return a, b
}

func (f *FIFO) allowedUserSignals() Signals { return UserSignalAll }

func (f *FIFO) allowedPeerSignals() Signals { return UserSignalAll }

func (f *FIFO) peerBaseLocked() *Base {
	if f.peer == nil {
		return nil
	}
	return &f.peer.Base
}

// OnZeroHandles asserts PEER_CLOSED on the peer and unlinks the pair.
func (f *FIFO) OnZeroHandles() []*HandleEntry {
	f.mu.Lock()
	peer := f.peer
	if peer != nil {
		f.peer, peer.peer = nil, nil
		peer.UpdateStateLocked(FIFOWritable, FIFOPeerClosed)
	}
	f.mu.Unlock()
	if peer != nil {
		peer.Release()
		f.Release()
	}
	return nil
}

// FIFOCreate is zx_fifo_create, in the order of Zircon's sys_fifo_create:
// ACCESS_DENIED (ZX_POL_NEW_FIFO), then OUT_OF_RANGE (a zero count or
// size, or more than 4096 bytes; any count, as later Zircon, which dropped
// the power-of-two rule), NO_RESOURCES. options is ignored, as
// FifoDispatcher::Create ignores it.
func FIFOCreate(p *Process, elemCount, elemSize uint64, options uint32) (Handle, Handle, Status) {
	if st := p.EnforceBasicPolicy(PolNewFIFO); st != OK {
		return HandleInvalid, HandleInvalid, st
	}
	if elemCount == 0 || elemSize == 0 || elemCount > FIFOMaxSizeBytes || elemSize > FIFOMaxSizeBytes ||
		elemCount*elemSize > FIFOMaxSizeBytes {
		return HandleInvalid, HandleInvalid, ErrOutOfRange
	}
	a, b := NewFIFO(int(elemCount), int(elemSize))
	return p.installPair(a, b, DefaultFIFORights)
}

// FIFOWrite is zx_fifo_write (needs ZX_RIGHT_WRITE): it writes up to count
// elements of elemSize bytes from data and returns how many fit (at least
// one). Errors: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED, PEER_CLOSED (before
// the sizes, as Zircon's FifoDispatcher::WriteFromUser), OUT_OF_RANGE
// (count zero or elemSize wrong), INVALID_ARGS (data shorter than count
// elements), SHOULD_WAIT (full).
func FIFOWrite(p *Process, h Handle, elemSize uint64, data []byte, count uint64) (uint64, Status) {
	f, st := lookupAs[*FIFO](p, h, ObjTypeFIFO, RightWrite)
	if st != OK {
		return 0, st
	}
	defer f.Release()
	f.mu.Lock()
	defer f.mu.Unlock()
	dst := f.peer
	if dst == nil {
		return 0, ErrPeerClosed
	}
	if count == 0 || elemSize != uint64(f.elemSize) {
		return 0, ErrOutOfRange
	}
	if uint64(len(data))/elemSize < count {
		return 0, ErrInvalidArgs
	}
	free := dst.elemCount - dst.count
	if free == 0 {
		return 0, ErrShouldWait
	}
	n := min(uint64(free), count)
	es := f.elemSize
	for i := 0; i < int(n); i++ {
		slot := (dst.head + dst.count) % dst.elemCount
		copy(dst.ring[slot*es:(slot+1)*es], data[i*es:(i+1)*es])
		dst.count++
	}
	if dst.count == int(n) {
		dst.UpdateStateLocked(0, FIFOReadable)
	}
	if dst.count == dst.elemCount {
		f.UpdateStateLocked(FIFOWritable, 0)
	}
	return n, OK
}

// FIFORead is zx_fifo_read (needs ZX_RIGHT_READ): it reads up to count
// elements into data and returns how many. Errors: BAD_HANDLE, WRONG_TYPE,
// ACCESS_DENIED, OUT_OF_RANGE, INVALID_ARGS, PEER_CLOSED (empty and peer
// gone), SHOULD_WAIT (empty).
func FIFORead(p *Process, h Handle, elemSize uint64, data []byte, count uint64) (uint64, Status) {
	f, st := lookupAs[*FIFO](p, h, ObjTypeFIFO, RightRead)
	if st != OK {
		return 0, st
	}
	defer f.Release()
	if count == 0 || elemSize != uint64(f.elemSize) {
		return 0, ErrOutOfRange
	}
	if uint64(len(data))/elemSize < count {
		return 0, ErrInvalidArgs
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.count == 0 {
		if f.peer == nil {
			return 0, ErrPeerClosed
		}
		return 0, ErrShouldWait
	}
	wasFull := f.count == f.elemCount
	n := min(uint64(f.count), count)
	es := f.elemSize
	for i := 0; i < int(n); i++ {
		copy(data[i*es:(i+1)*es], f.ring[f.head*es:(f.head+1)*es])
		f.head = (f.head + 1) % f.elemCount
		f.count--
	}
	if f.count == 0 {
		f.UpdateStateLocked(FIFOReadable, 0)
	}
	if wasFull && f.peer != nil {
		f.peer.UpdateStateLocked(0, FIFOWritable)
	}
	return n, OK
}
