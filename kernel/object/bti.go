package object

import "sync"

// IOMMUs, bus transaction initiators and pinned memory tokens (Zircon's
// IommuDispatcher, BusTransactionInitiatorDispatcher,
// PinnedMemoryTokenDispatcher). Beryl has only the dummy IOMMU: a
// device address is the physical address. The memory itself lives in
// mm/vm; a PMT holds the function that unpins it.

// IOMMU types and BTI pin options (zircon/syscalls/iommu.h, types.h).
const (
	IommuTypeDummy    uint32 = 0
	IommuTypeIntel    uint32 = 1
	IommuMaxDescLen          = 4096
	IommuDummyDescLen        = 1 // sizeof(zx_iommu_desc_dummy_t)

	BtiPermRead    uint32 = 1 << 0
	BtiPermWrite   uint32 = 1 << 1
	BtiPermExecute uint32 = 1 << 2
	BtiCompress    uint32 = 1 << 3
	BtiContiguous  uint32 = 1 << 4

	// InfoBTI is ZX_INFO_BTI: zx_info_bti_t { uint64 minimum_contiguity;
	// uint64 aspace_size; uint64 pmo_count; uint64 quarantine_count }.
	InfoBTI     uint32 = 20
	InfoBTISize        = 32
)

// Default rights (Zircon's ZX_DEFAULT_IOMMU_RIGHTS, ZX_DEFAULT_BTI_RIGHTS,
// ZX_DEFAULT_PMT_RIGHTS).
const (
	DefaultIommuRights = RightsBasic
	DefaultBTIRights   = RightsBasic | RightsIO | RightMap
	DefaultPMTRights   = RightInspect
)

// IOMMU is an IOMMU object.
type IOMMU struct {
	Base
	typ uint32
}

// NewIOMMU creates an IOMMU object of typ after the resource check:
// INVALID_ARGS for a descriptor longer than ZX_IOMMU_MAX_DESC_LEN or of
// the wrong size for the dummy type, NOT_SUPPORTED for another type.
func NewIOMMU(typ uint32, descLen uint64) (*IOMMU, Status) {
	if descLen > IommuMaxDescLen {
		return nil, ErrInvalidArgs
	}
	if typ != IommuTypeDummy {
		return nil, ErrNotSupported
	}
	if descLen != IommuDummyDescLen {
		return nil, ErrInvalidArgs
	}
	i := &IOMMU{typ: typ}
	i.Base.Init(i, ObjTypeIOMMU, nil, false, 0)
	return i, OK
}

// BTI is a bus transaction initiator: the device's view of memory through
// its IOMMU. It counts its live PMTs and keeps the quarantine: PMTs
// whose handle went away while their pages were still pinned (the
// device may still be writing there), until bti_release_quarantine.
type BTI struct {
	Base
	iommu *IOMMU
	id    uint64

	mu         sync.Mutex
	pmts       int
	quarantine []*PMT
}

// BTICreate is zx_bti_create: options must be 0 (INVALID_ARGS), iommu an
// IOMMU handle (any rights).
func BTICreate(p *Process, iommu Handle, options uint32, id uint64) (Handle, Status) {
	if options != 0 {
		return HandleInvalid, ErrInvalidArgs
	}
	io, st := lookupAs[*IOMMU](p, iommu, ObjTypeIOMMU, RightNone)
	if st != OK {
		return HandleInvalid, st
	}
	b := &BTI{iommu: io, id: id}
	b.Base.Init(b, ObjTypeBTI, nil, false, 0)
	b.SetRelatedKoid(io.Koid())
	return p.installNew(b, DefaultBTIRights)
}

// NewPMT records a pin on b: addrs are the pinned pages' device addresses
// (physical, with the dummy IOMMU), unpin releases the pages. The caller
// owns one reference to the PMT.
func (b *BTI) NewPMT(addrs []uint64, unpin func()) *PMT {
	t := &PMT{bti: b, addrs: addrs, unpin: unpin, pinned: true}
	t.Base.Init(t, ObjTypePMT, nil, false, 0)
	b.AddRef()
	b.mu.Lock()
	b.pmts++
	b.mu.Unlock()
	return t
}

// ReleaseQuarantine is zx_bti_release_quarantine: unpins every
// quarantined PMT.
func (b *BTI) ReleaseQuarantine() {
	b.mu.Lock()
	q := b.quarantine
	b.quarantine = nil
	b.mu.Unlock()
	for _, t := range q {
		t.doUnpin()
		t.Release()
	}
}

// Counts returns the BTI's live pinned PMTs and quarantined ones.
func (b *BTI) Counts() (pmts, quarantined int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pmts, len(b.quarantine)
}

// OnZeroHandles releases the quarantine: with its last handle gone no
// one can release it any more (Zircon does the same).
func (b *BTI) OnZeroHandles() []*HandleEntry {
	b.ReleaseQuarantine()
	return nil
}

// OnDestroy drops the IOMMU reference.
func (b *BTI) OnDestroy() { b.iommu.Release() }

// ObjectGetInfoBTI is ZX_INFO_BTI (needs INSPECT): minimum contiguity
// (a page), address space size (all of physical memory: 2^64-1 bytes
// reported as Zircon's dummy IOMMU does, UINT64_MAX), live PMTs and
// quarantined PMTs.
func ObjectGetInfoBTI(p *Process, h Handle) ([4]uint64, Status) {
	b, st := lookupAs[*BTI](p, h, ObjTypeBTI, RightInspect)
	if st != OK {
		return [4]uint64{}, st
	}
	defer b.Release()
	n, q := b.Counts()
	return [4]uint64{4096, ^uint64(0), uint64(n), uint64(q)}, OK
}

// PMT is a pinned memory token: pages pinned for a device until
// pmt_unpin.
type PMT struct {
	Base
	bti   *BTI
	addrs []uint64

	mu     sync.Mutex
	pinned bool
	unpin  func()
}

// Addrs returns the device addresses of the pinned pages.
func (t *PMT) Addrs() []uint64 { return t.addrs }

// doUnpin unpins once.
func (t *PMT) doUnpin() {
	t.mu.Lock()
	f := t.unpin
	was := t.pinned
	t.pinned, t.unpin = false, nil
	t.mu.Unlock()
	if !was {
		return
	}
	if f != nil {
		f()
	}
	t.bti.mu.Lock()
	t.bti.pmts--
	t.bti.mu.Unlock()
}

// PMTUnpin is zx_pmt_unpin: the handle is removed (BAD_HANDLE,
// WRONG_TYPE) and the pages unpinned.
func PMTUnpin(p *Process, h Handle) Status {
	t, st := lookupAs[*PMT](p, h, ObjTypePMT, RightNone)
	if st != OK {
		return st
	}
	defer t.Release()
	t.doUnpin()
	return HandleClose(p, h)
}

// Abort unpins a PMT whose handle never reached the user (bti_pin failing
// after the pin), taking it out of the quarantine if its handle's
// failure put it there.
func (t *PMT) Abort() {
	t.doUnpin()
	b := t.bti
	b.mu.Lock()
	for i, q := range b.quarantine {
		if q == t {
			b.quarantine = append(b.quarantine[:i], b.quarantine[i+1:]...)
			b.mu.Unlock()
			t.Release()
			return
		}
	}
	b.mu.Unlock()
}

// OnZeroHandles quarantines a PMT still pinned: its pages stay pinned
// until bti_release_quarantine (the device may still be using them).
func (t *PMT) OnZeroHandles() []*HandleEntry {
	t.mu.Lock()
	pinned := t.pinned
	t.mu.Unlock()
	if pinned {
		t.AddRef()
		t.bti.mu.Lock()
		t.bti.quarantine = append(t.bti.quarantine, t)
		t.bti.mu.Unlock()
	}
	return nil
}

// OnDestroy drops the BTI reference.
func (t *PMT) OnDestroy() { t.bti.Release() }
