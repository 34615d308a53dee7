package vm

import (
	"encoding/binary"
	"sync"

	"beryl/kernel/object"
)

// VMO children (zx_vmo_create_child), Zircon's semantics:
//
//   - SNAPSHOT (and SNAPSHOT_AT_LEAST_ON_WRITE, which may behave the same
//     and does): the child sees the parent's content at creation; later
//     writes on either side stay on that side. The child takes the
//     parent's committed pages in the range as shared pages (shares.go):
//     both hold them read-only in the page tables, and the first write on
//     either side copies the page (writablePageLocked). Pages the parent
//     had not committed read as zero in the child, as does everything past
//     the parent's size, whatever the parent does later: no hidden node
//     is needed, the child never looks at its parent again. The parent
//     may be closed or resized while children live: they keep their pages.
//   - SLICE: a window on the parent's pages (no copy; writes either way
//     show). The slice references the VMO owning the pages; slices of
//     slices are flattened onto it. Only non-resizable parents; fixed size.
//
// familyMu guards the parent/children links that ZX_VMO_ZERO_CHILDREN
// and ZX_INFO_VMO report. It is taken with no VMO lock held and nests
// outside the objects' signal locks.

// zx_vmo_create_child options (zircon/types.h).
const (
	VMOChildSnapshot               uint32 = 1 << 0
	VMOChildResizable              uint32 = 1 << 2
	VMOChildSlice                  uint32 = 1 << 3
	VMOChildSnapshotAtLeastOnWrite uint32 = 1 << 4
	VMOChildNoWrite                uint32 = 1 << 5
)

var familyMu sync.Mutex

// ChildRights returns the rights of the handle zx_vmo_create_child gives
// for a parent handle with rights in (Zircon's sys_vmo_create_child): the
// parent's, minus RESIZE unless the child is resizable, plus GET/SET_PROPERTY;
// NO_WRITE removes WRITE; otherwise a copy-on-write child gets WRITE and
// loses EXECUTE.
func ChildRights(in object.Rights, options uint32) object.Rights {
	r := in&^object.RightResize | object.RightGetProperty | object.RightSetProperty
	if options&VMOChildResizable != 0 {
		r |= object.RightResize
	}
	switch {
	case options&VMOChildNoWrite != 0:
		r &^= object.RightWrite
	case options&(VMOChildSnapshot|VMOChildSnapshotAtLeastOnWrite) != 0:
		r = r&^object.RightExecute | object.RightWrite
	}
	return r
}

// CreateChild is zx_vmo_create_child after the rights check (DUPLICATE |
// READ on the parent handle): a child of size bytes (rounded up to a
// page; the content size is size) starting at offset in v. The caller
// owns one reference; its handle gets ChildRights. Errors, in Zircon's
// order: INVALID_ARGS (NO_WRITE with RESIZABLE; SLICE with any option but
// NO_WRITE; neither or both SNAPSHOT kinds; unknown options; unaligned
// offset; a slice not inside the parent), OUT_OF_RANGE (size or
// offset+size too large), NOT_SUPPORTED (a slice of a resizable VMO),
// BAD_STATE (v destroyed, or a snapshot of a VMO with pinned pages),
// NOT_SUPPORTED (a snapshot of a physical or contiguous VMO).
func (v *VMO) CreateChild(options uint32, offset, size uint64) (*VMO, object.Status) {
	if options&VMOChildNoWrite != 0 && options&VMOChildResizable != 0 {
		return nil, object.ErrInvalidArgs
	}
	options &^= VMOChildNoWrite
	if options&VMOChildSlice != 0 {
		if options != VMOChildSlice {
			return nil, object.ErrInvalidArgs
		}
		return v.createSlice(offset, size)
	}
	full := options&VMOChildSnapshot != 0
	switch {
	case options&VMOChildSnapshot != 0:
		options &^= VMOChildSnapshot
	case options&VMOChildSnapshotAtLeastOnWrite != 0:
		options &^= VMOChildSnapshotAtLeastOnWrite
	default:
		return nil, object.ErrInvalidArgs
	}
	resizable := options&VMOChildResizable != 0
	if options&^VMOChildResizable != 0 || !pageAligned(offset) {
		return nil, object.ErrInvalidArgs
	}
	rounded, ok := pageRoundUp(size)
	if !ok || rounded > MaxVMOSize || offset+rounded < offset {
		return nil, object.ErrOutOfRange
	}
	var opts uint32
	if resizable {
		opts = VMOResizable
	}
	c, _ := NewVMO(v.frames, size, opts)
	c.cow, c.parentKoid = true, v.Koid()

	// The pages come from the VMO owning them, seen through v's window.
	src, base, limit := v, uint64(0), uint64(0)
	if v.sliceOf != nil {
		src, base, limit = v.sliceOf, v.sliceOff, v.size
	}
	src.mu.Lock()
	if full && (src.pager != nil || src.pclone != nil) {
		// Zircon: a pager's pages cannot be snapshotted in full, only
		// SNAPSHOT_AT_LEAST_ON_WRITE (pager.go's pagerClone).
		src.mu.Unlock()
		c.Release()
		return nil, object.ErrNotSupported
	}
	if src.phys || src.contiguous {
		// Device memory and DMA buffers only have slices (Zircon): a
		// copy-on-write write would move their pages. Zircon answers
		// NOT_SUPPORTED for physical VMOs, INVALID_ARGS for contiguous
		// ones (VmoClone2TestCase.NoPhysical, ForbidContiguousVmo).
		src.mu.Unlock()
		c.Release()
		if src.contiguous {
			return nil, object.ErrInvalidArgs
		}
		return nil, object.ErrNotSupported
	}
	if src.dead || src.pins > 0 || src.cache != CachePolicyCached {
		// Pinned pages cannot become shared; uncached ones cannot be
		// copied (Zircon: BAD_STATE).
		src.mu.Unlock()
		c.Release()
		return nil, object.ErrBadState
	}
	if v.sliceOf == nil {
		limit = src.size
	}
	if offset < limit && src.pager == nil {
		// (A pager-backed VMO's clones share its pages until they
		// write, through pagerClone.)
		lo, hi := base+offset, base+min(offset+rounded, limit)
		first, last := lo/PageSize, hi/PageSize // [first, last)
		share := func(idx, pa uint64) {
			c.pages.set(idx-first, pa, rounded/PageSize)
			src.shares.add(pa)
		}
		if last > first && last-first <= uint64(src.pages.len()) {
			for idx := first; idx < last; idx++ {
				if pa, ok := src.pages.get(idx); ok {
					share(idx, pa)
				}
			}
		} else if last > first {
			src.pages.each(first, last-1, share)
		}
		if c.pages.len() > 0 {
			src.writeProtectLocked(lo, hi)
		}
	}
	if src.pager != nil || src.pclone != nil {
		// The clone's missing pages within v's window come from the
		// pager-backed VMO (pager.go).
		vis := uint64(0)
		if offset < limit {
			vis = (min(offset+rounded, limit) - offset) / PageSize
		}
		src.adoptPagerCloneLocked(c, (base+offset)/PageSize, vis)
	}
	src.mu.Unlock()
	c.name = v.Name() // a child starts with its parent's name, as in Zircon
	v.adopt(c)
	return c, object.OK
}

// createSlice is CreateChild for ZX_VMO_CHILD_SLICE.
func (v *VMO) createSlice(offset, size uint64) (*VMO, object.Status) {
	if !pageAligned(offset) {
		return nil, object.ErrInvalidArgs
	}
	rounded, ok := pageRoundUp(size)
	if !ok || rounded > MaxVMOSize {
		return nil, object.ErrOutOfRange
	}
	if !inRange(offset, rounded, v.Size()) {
		return nil, object.ErrInvalidArgs
	}
	if v.resizable {
		return nil, object.ErrNotSupported
	}
	owner, off := v, offset
	if v.sliceOf != nil {
		owner, off = v.sliceOf, v.sliceOff+offset
	}
	c, _ := NewVMO(v.frames, size, 0)
	c.sliceOf, c.sliceOff, c.parentKoid = owner, off, v.Koid()
	owner.AddRef()
	c.name = v.Name() // a child starts with its parent's name, as in Zircon
	v.adopt(c)
	return c, object.OK
}

// adopt links a new child to v and clears ZX_VMO_ZERO_CHILDREN.
func (v *VMO) adopt(c *VMO) {
	familyMu.Lock()
	defer familyMu.Unlock()
	c.parent = v
	if v.kids == nil {
		v.kids = map[*VMO]bool{}
	}
	v.kids[c] = true
	v.children++
	if v.children == 1 {
		mu := v.Base.Lock()
		mu.Lock()
		v.UpdateStateLocked(VMOZeroChildren, 0)
		mu.Unlock()
	}
}

// unlinkFamily detaches a dying VMO from its parent (asserting the
// parent's ZX_VMO_ZERO_CHILDREN when it was the last child) and from its
// children, which live on as children of its parent (as in Zircon, where
// a closed clone's children keep its parent's ZERO_CHILDREN clear).
func (v *VMO) unlinkFamily() {
	familyMu.Lock()
	defer familyMu.Unlock()
	if p := v.parent; p != nil {
		delete(p.kids, v)
		for k := range v.kids {
			k.parent = p
			p.kids[k] = true
			p.children++
		}
		v.kids = nil
		p.children--
		if p.children == 0 {
			mu := p.Base.Lock()
			mu.Lock()
			p.UpdateStateLocked(0, VMOZeroChildren)
			mu.Unlock()
		}
		v.parent = nil
	}
	for k := range v.kids {
		k.parent = nil
	}
	v.kids = nil
}

// writeProtectLocked makes every mapping of VMO offsets [lo, hi)
// read-only in the page tables (the pages there have become shared).
// v.mu held.
func (v *VMO) writeProtectLocked(lo, hi uint64) {
	for m := range v.maps {
		s, e := max(lo, m.offset), min(hi, m.offset+m.size)
		if s < e {
			m.as.writeProtectPTEs(m.base+(s-m.offset), m.base+(e-m.offset))
		}
	}
}

// ZX_INFO_VMO flags (zircon/syscalls/object.h).
const (
	InfoVMOTypePaged        uint32 = 1 << 0
	InfoVMOResizable        uint32 = 1 << 1
	InfoVMOIsCowClone       uint32 = 1 << 2
	InfoVMOViaHandle        uint32 = 1 << 3
	InfoVMOViaMapping       uint32 = 1 << 4
	InfoVMOPagerBacked      uint32 = 1 << 5
	InfoVMOContiguous       uint32 = 1 << 6
	InfoVMORecordSize              = 184
	infoVMOCommitted               = 88
	infoVMOPopulated               = 128
	infoVMOCommittedPrivate        = 136
)

// VMOStats are a VMO's page figures: committed pages (shared ones
// included), the private ones among them (held by this VMO alone), and
// the proportional share (each page divided by its number of holders), in
// bytes.
type VMOStats struct {
	Committed, Private, ScaledBytes uint64
}

// Stats returns the VMO's page figures (zero for a slice: its pages are
// its parent's).
func (v *VMO) Stats() VMOStats {
	var s VMOStats
	if v.sliceOf != nil {
		return s
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.pages.each(0, ^uint64(0), func(_, pa uint64) {
		n := uint64(v.shares.holders(pa))
		s.Committed++
		if n == 1 {
			s.Private++
		}
		s.ScaledBytes += PageSize / n
	})
	return s
}

// InfoVMO encodes ZX_INFO_VMO (zx_info_vmo_t, the layout with the
// private/scaled attribution fields, InfoVMORecordSize bytes) for a
// handle with rights into buf, which must be large enough. committed and
// populated bytes count every page the VMO can reach, shared
// copy-on-write pages included; the *_private_bytes count pages only it
// holds; the scaled bytes divide each page by its holders (fractional
// parts are not reported).
func (v *VMO) InfoVMO(rights object.Rights, buf []byte) {
	le := binary.LittleEndian
	clear(buf[:InfoVMORecordSize])
	st := v.Stats()
	owner := v
	if v.sliceOf != nil {
		owner = v.sliceOf
	}
	owner.mu.Lock()
	var nmaps uint64
	spaces := map[*AddressSpace]bool{}
	for m := range owner.maps {
		if (v.sliceOf == nil) == (m.slice == nil) && (v.sliceOf == nil || m.slice == v) {
			nmaps++
			spaces[m.as] = true
		}
	}
	owner.mu.Unlock()
	v.mu.Lock()
	size, content, name := v.size, v.contentSize, v.name
	v.mu.Unlock()
	owner.mu.Lock()
	cache, phys, contig := owner.cache, owner.phys, owner.contiguous
	owner.mu.Unlock()
	familyMu.Lock()
	children := v.children
	familyMu.Unlock()
	flags := InfoVMOViaHandle
	if !phys {
		flags |= InfoVMOTypePaged // ZX_INFO_VMO_TYPE_PHYSICAL is 0
	}
	if contig {
		flags |= InfoVMOContiguous
	}
	if v.resizable {
		flags |= InfoVMOResizable
	}
	if v.cow {
		flags |= InfoVMOIsCowClone
	}
	if v.pager != nil {
		flags |= InfoVMOPagerBacked
	}
	le.PutUint64(buf[0:], uint64(v.Koid()))
	copy(buf[8:8+31], name) // name [32], NUL-terminated
	le.PutUint64(buf[40:], size)
	le.PutUint64(buf[48:], uint64(v.parentKoid))
	le.PutUint64(buf[56:], uint64(children))
	le.PutUint64(buf[64:], nmaps)
	// share_count: the address spaces mapping it, at least 1 (Zircon's
	// VmObject::share_count answers 1 below two mappings).
	le.PutUint64(buf[72:], uint64(max(1, len(spaces))))
	le.PutUint32(buf[80:], flags)
	le.PutUint64(buf[infoVMOCommitted:], st.Committed*PageSize)
	le.PutUint32(buf[96:], uint32(rights))
	le.PutUint32(buf[100:], cache) // cache_policy
	// metadata_bytes (104) and committed_change_events (112) 0.
	le.PutUint64(buf[120:], content)
	le.PutUint64(buf[infoVMOPopulated:], st.Committed*PageSize)
	le.PutUint64(buf[infoVMOCommittedPrivate:], st.Private*PageSize)
	le.PutUint64(buf[144:], st.Private*PageSize) // populated_private_bytes
	le.PutUint64(buf[152:], st.ScaledBytes)      // committed_scaled_bytes
	le.PutUint64(buf[160:], st.ScaledBytes)      // populated_scaled_bytes
}
