package object

import (
	"encoding/binary"
	"math/bits"
)

// MSI allocations (ZX_OBJ_TYPE_MSI, Zircon's MsiAllocationDispatcher): a
// block of message-signalled interrupt vectors from msi_allocate, from
// which msi_create makes one interrupt object per vector.

// msi_create options (zircon/types.h: ZX_MSI_MODE_MSI_X).
const (
	MsiModeMSIX uint32 = 1
	// MsiMaxCount bounds one allocation (a PCI MSI capability's 32).
	MsiMaxCount = 32
)

// ZX_INFO_MSI: zx_info_msi_t { uint64 target_addr; uint32 target_data;
// uint32 base_irq_id; uint32 num_irq; uint32 interrupt_count }.
const (
	InfoMSI     uint32 = 28
	InfoMSISize        = 24
)

// DefaultMSIRights are an MSI allocation's default rights.
const DefaultMSIRights = RightsBasic

// MSI is an allocation of Count consecutive vectors from Base (an index
// into the kernel's MSI vectors), returned by free when it dies. It
// tracks which ids have a live interrupt object.
type MSI struct {
	Base
	VecBase, Count uint32
	// Addr and Data are the message address and the data of vector 0:
	// vector i sends Data+i to Addr.
	Addr uint64
	Data uint32
	free func()

	used uint32 // bit i: id i has an interrupt object; guarded by the object lock
}

// NewMSI wraps an allocation; free returns its vectors when the object
// dies.
func NewMSI(vecBase, count uint32, addr uint64, data uint32, free func()) *MSI {
	m := &MSI{VecBase: vecBase, Count: count, Addr: addr, Data: data, free: free}
	m.Base.Init(m, ObjTypeMSI, nil, false, 0)
	return m
}

// Claim marks id as having an interrupt object: INVALID_ARGS past the
// allocation, ALREADY_BOUND if it has one.
func (m *MSI) Claim(id uint32) Status {
	if id >= m.Count {
		return ErrInvalidArgs
	}
	m.Lock().Lock()
	defer m.Lock().Unlock()
	if m.used&(1<<id) != 0 {
		return ErrAlreadyBound
	}
	m.used |= 1 << id
	return OK
}

// Unclaim frees id for another interrupt object.
func (m *MSI) Unclaim(id uint32) {
	m.Lock().Lock()
	m.used &^= 1 << id
	m.Lock().Unlock()
}

// OnDestroy returns the vectors.
func (m *MSI) OnDestroy() {
	if m.free != nil {
		m.free()
	}
}

// ObjectGetInfoMSI is ZX_INFO_MSI (needs INSPECT): the message address
// and data of vector 0, the first vector, the count and how many ids
// have a live interrupt object.
func ObjectGetInfoMSI(p *Process, h Handle) ([InfoMSISize]byte, Status) {
	var b [InfoMSISize]byte
	m, st := lookupAs[*MSI](p, h, ObjTypeMSI, RightInspect)
	if st != OK {
		return b, st
	}
	defer m.Release()
	m.Lock().Lock()
	used := bits.OnesCount32(m.used)
	m.Lock().Unlock()
	le := binary.LittleEndian
	le.PutUint64(b[0:], m.Addr)
	le.PutUint32(b[8:], m.Data)
	le.PutUint32(b[12:], m.VecBase)
	le.PutUint32(b[16:], m.Count)
	le.PutUint32(b[20:], uint32(used))
	return b, OK
}
