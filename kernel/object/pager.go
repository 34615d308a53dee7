package object

import (
	"encoding/binary"
	"sync"
)

// Pager objects (zx_pager_create) and the page sources they attach to
// VMOs (zx_pager_create_vmo). The VMO side (which pages are missing, who
// waits for them, supplying and failing) lives in mm/vm; this file owns
// the object and the port packets: each page request is one
// ZX_PKT_TYPE_PAGE_REQUEST packet that can be taken back from the port
// while unread (the request was satisfied first, as Zircon's
// PagerProxy does), and a detached or destroyed VMO queues one
// ZX_PAGER_VMO_COMPLETE packet.
//
// Locks: Pager.mu, then Port.mu. The VMO's own lock (mm/vm) may be held
// while a source queues or retracts a packet; a PagerClient is called
// with no lock of this file held.

// Page request packet type and commands (zircon/syscalls/port.h), and
// pager_op_range ops (zircon/syscalls.h).
const (
	PktTypePageRequest uint32 = 0x09

	PagerVMORead     uint16 = 0
	PagerVMOComplete uint16 = 1
	PagerVMODirty    uint16 = 2

	PagerOpFail           uint32 = 1
	PagerOpDirty          uint32 = 2
	PagerOpWritebackBegin uint32 = 3
	PagerOpWritebackEnd   uint32 = 4

	// VMODirtyRangeIsZero is ZX_VMO_DIRTY_RANGE_IS_ZERO, an option of a
	// zx_vmo_dirty_range_t and the data of ZX_PAGER_OP_WRITEBACK_BEGIN.
	VMODirtyRangeIsZero uint64 = 1
	// PagerVMOStatsModified is ZX_PAGER_VMO_STATS_MODIFIED.
	PagerVMOStatsModified uint32 = 1
	// PagerResetVMOStats is ZX_PAGER_RESET_VMO_STATS.
	PagerResetVMOStats uint32 = 1
	// VMOTrapDirty is ZX_VMO_TRAP_DIRTY, an option of zx_pager_create_vmo.
	VMOTrapDirty uint32 = 1 << 3
)

// DefaultPagerRights are the rights of a new pager handle.
const DefaultPagerRights = RightsBasic | RightsProperty

// PagerClient is the VMO a page source serves, as the pager sees it:
// PagerClosed runs once when the pager's last handle goes, after which
// accesses that need the pager fail as after a detach (but pages already
// supplied stay).
type PagerClient interface {
	PagerClosed()
}

// Pager is a pager object: it owns the page sources of the VMOs made
// with it.
type Pager struct {
	Base

	mu      sync.Mutex
	sources map[*PagerSource]struct{} // attached and not yet detached
	closed  bool
}

// NewPager creates a pager (the caller owns one reference).
func NewPager() *Pager {
	pg := &Pager{sources: map[*PagerSource]struct{}{}}
	pg.Base.Init(pg, ObjTypePager, nil, false, 0)
	return pg
}

// PagerCreate is zx_pager_create. Errors: INVALID_ARGS (options not 0).
func PagerCreate(p *Process, options uint32) (Handle, Status) {
	if options != 0 {
		return HandleInvalid, ErrInvalidArgs
	}
	return p.installNew(NewPager(), DefaultPagerRights)
}

// Attach creates the page source of a new pager-backed VMO: its
// requests go to port with key. The source holds a reference to the port
// (Zircon's PagerProxy does too), so closing the port's handles only
// makes later packets unreadable. client is told when the pager closes.
// After the pager closed, the source starts detached.
func (pg *Pager) Attach(port *Port, key uint64, client PagerClient) *PagerSource {
	port.AddRef()
	s := &PagerSource{pager: pg, pagerKoid: pg.Koid(), port: port, key: key, client: client}
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.closed {
		s.closed = true
		return s
	}
	pg.sources[s] = struct{}{}
	return s
}

// OnZeroHandles closes every attached source: their VMOs can no longer
// get pages (Zircon: accesses fail as if each VMO had been detached).
func (pg *Pager) OnZeroHandles() []*HandleEntry {
	pg.mu.Lock()
	pg.closed = true
	srcs := make([]*PagerSource, 0, len(pg.sources))
	for s := range pg.sources {
		s.closed = true
		srcs = append(srcs, s)
	}
	clear(pg.sources)
	pg.mu.Unlock()
	for _, s := range srcs {
		s.client.PagerClosed()
	}
	return nil
}

// Sources returns the number of VMOs attached to the pager.
func (pg *Pager) Sources() int {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	return len(pg.sources)
}

// PagerSource is the link between one pager-backed VMO and its pager:
// it queues the VMO's page requests on the pager's port.
type PagerSource struct {
	pager     *Pager // not referenced: only to unlink
	pagerKoid Koid
	port      *Port // referenced until Release
	key       uint64
	client    PagerClient

	closed   bool // guarded by pager.mu
	released bool // guarded by pager.mu
}

// PagerKoid is the koid of the pager the source belongs to.
func (s *PagerSource) PagerKoid() Koid { return s.pagerKoid }

// Attached reports whether the source is still attached to its pager
// (not detached, pager not closed).
func (s *PagerSource) Attached() bool {
	s.pager.mu.Lock()
	defer s.pager.mu.Unlock()
	return !s.closed
}

// Key is the port key of the source's packets.
func (s *PagerSource) Key() uint64 { return s.key }

// PageRequestPacket is a page request's port packet. It is queued at most
// once and can be taken back while unread.
type PageRequestPacket struct {
	slot PortInterruptSlot
}

// pageRequest fills a zx_packet_page_request_t: { uint16 command; uint16
// flags; uint32 reserved0; uint64 offset; uint64 length; uint64
// reserved1 }.
func (s *PagerSource) pageRequest(cmd uint16, off, length uint64) PortPacket {
	pk := PortPacket{Key: s.key, Type: PktTypePageRequest}
	le := binary.LittleEndian
	le.PutUint16(pk.Payload[0:], cmd)
	le.PutUint64(pk.Payload[8:], off)
	le.PutUint64(pk.Payload[16:], length)
	return pk
}

// SendRead queues a ZX_PAGER_VMO_READ request for the byte range [off,
// off+length) in pk (a packet not queued now). Packets for a port without
// handles are dropped.
func (s *PagerSource) SendRead(pk *PageRequestPacket, off, length uint64) {
	s.send(pk, PagerVMORead, off, length)
}

// SendDirty queues a ZX_PAGER_VMO_DIRTY request for the byte range [off,
// off+length) in pk, as SendRead.
func (s *PagerSource) SendDirty(pk *PageRequestPacket, off, length uint64) {
	s.send(pk, PagerVMODirty, off, length)
}

func (s *PagerSource) send(pk *PageRequestPacket, cmd uint16, off, length uint64) {
	pt := s.port
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if pk.slot.queued || pt.zero {
		return
	}
	pk.slot.node = portNode{pk: s.pageRequest(cmd, off, length), intr: &pk.slot}
	if len(pt.waiters) == 0 {
		pk.slot.queued = true
	}
	pt.enqueueLocked(&pk.slot.node)
}

// Retract takes pk out of the port's queue if it is still there (its
// request was satisfied or failed before the pager read it).
func (s *PagerSource) Retract(pk *PageRequestPacket) {
	pt := s.port
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if pk.slot.queued {
		pt.unlinkLocked(&pk.slot.node)
		pk.slot.queued = false
	}
}

// SendComplete queues the ZX_PAGER_VMO_COMPLETE packet: the VMO was
// detached or destroyed and will make no more requests.
func (s *PagerSource) SendComplete() {
	s.port.QueueKernel(s.pageRequest(PagerVMOComplete, 0, 0))
}

// Detach unlinks the source from its pager (zx_pager_detach_vmo, or the
// VMO's destruction); it reports false if the source was already closed
// or detached.
func (s *PagerSource) Detach() bool {
	pg := s.pager
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if s.closed {
		return false
	}
	s.closed = true
	delete(pg.sources, s)
	return true
}

// Release drops the source's port reference once its VMO is gone.
func (s *PagerSource) Release() {
	pg := s.pager
	pg.mu.Lock()
	if s.released {
		pg.mu.Unlock()
		return
	}
	s.released = true
	s.closed = true
	delete(pg.sources, s)
	pg.mu.Unlock()
	s.port.Release()
}

// ValidPagerFailStatus reports whether st may be given to
// ZX_PAGER_OP_FAIL (zx_pager_op_range): ZX_ERR_IO,
// ZX_ERR_IO_DATA_INTEGRITY, ZX_ERR_BAD_STATE, ZX_ERR_NO_SPACE or
// ZX_ERR_BUFFER_TOO_SMALL, passed as a 64-bit value.
func ValidPagerFailStatus(data uint64) (Status, bool) {
	st := Status(int32(data))
	if uint64(int64(st)) != data {
		return 0, false
	}
	switch st {
	case ErrIO, ErrIODataIntegrity, ErrBadState, ErrNoSpace, ErrBufferTooSmall:
		return st, true
	}
	return 0, false
}
