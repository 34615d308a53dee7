package vm

import (
	"sort"

	"beryl/kernel/object"
)

// zx_vm_option_t values (zircon/types.h).
const (
	VMPermRead            uint32 = 1 << 0
	VMPermWrite           uint32 = 1 << 1
	VMPermExecute         uint32 = 1 << 2
	VMCompact             uint32 = 1 << 3
	VMSpecific            uint32 = 1 << 4
	VMSpecificOverwrite   uint32 = 1 << 5
	VMCanMapSpecific      uint32 = 1 << 6
	VMCanMapRead          uint32 = 1 << 7
	VMCanMapWrite         uint32 = 1 << 8
	VMCanMapExecute       uint32 = 1 << 9
	VMMapRange            uint32 = 1 << 10
	VMRequireNonResizable uint32 = 1 << 11
	VMAllowFaults         uint32 = 1 << 12
	VMOffsetIsUpperLimit  uint32 = 1 << 13

	// VMAlignBase is ZX_VM_ALIGN_BASE: options>>VMAlignBase is log2 of
	// the requested alignment (10..32, 0 = none).
	VMAlignBase        = 24
	VMAlign1KB  uint32 = 10 << VMAlignBase
	VMAlign4KB  uint32 = 12 << VMAlignBase
	VMAlign64KB uint32 = 16 << VMAlignBase
	VMAlign1MB  uint32 = 20 << VMAlignBase
	VMAlign2MB  uint32 = 21 << VMAlignBase
	VMAlign1GB  uint32 = 30 << VMAlignBase
	VMAlign4GB  uint32 = 32 << VMAlignBase

	// zx_vmar_op_range's ops (ZX_VMAR_OP_*, the values of the VMO ops
	// they match).
	VMAROpCommit     uint32 = 1
	VMAROpDecommit   uint32 = 2
	VMAROpMapRange   uint32 = 3
	VMAROpZero       uint32 = 10
	VMAROpDontNeed   uint32 = 12
	VMAROpAlwaysNeed uint32 = 13
	VMAROpPrefetch   uint32 = 14

	vmPerms     = VMPermRead | VMPermWrite | VMPermExecute
	vmCanMapRWX = VMCanMapRead | VMCanMapWrite | VMCanMapExecute
	vmAlignMask = ^uint32(1<<VMAlignBase - 1)
)

// node is a child of a VMAR: a sub-VMAR or a mapping.
type node interface {
	span() (base, size uint64)
}

// VMAR is a virtual memory address region (Zircon's
// VmAddressRegionDispatcher + VmAddressRegion). Its children (sub-VMARs
// and mappings) are kept sorted by address. Everything but the immutable
// as/base/size/flags is guarded by the address space's tree lock.
type VMAR struct {
	object.Base
	as     *AddressSpace
	parent *VMAR // nil for the root; guarded by as.mu
	base   uint64
	size   uint64
	flags  uint32 // VMCanMap*, VMCompact
	dead   bool   // destroyed; guarded by as.mu
	kids   []node // sorted, non-overlapping; guarded by as.mu
}

// Mapping maps a window of a VMO into a VMAR with permissions. It holds a
// reference to the VMO. base/size/offset are written with both the tree
// lock and the VMO lock held; perms with the tree lock.
type Mapping struct {
	as       *AddressSpace
	parent   *VMAR
	base     uint64
	size     uint64
	vmo      *VMO
	offset   uint64
	perms    uint32 // current VMPerm* bits
	maxPerms uint32 // VMPerm* bits Protect may grant
	// private: the VMO is reachable only through this mapping and its
	// splits (Linux anonymous memory), so unmapped parts are freed.
	private bool
	// slice: the slice mapped (vmo is its parent, offset translated),
	// referenced so that the parent's ZX_VMO_ZERO_CHILDREN waits for the
	// mapping to go; nil otherwise.
	slice *VMO
	// name is the mapping's own name (Linux's PR_SET_VMA_ANON_NAME; ""
	// none), which ZX_INFO_PROCESS_MAPS shows instead of the VMO's.
	name string
}

func (v *VMAR) span() (uint64, uint64)    { return v.base, v.size }
func (m *Mapping) span() (uint64, uint64) { return m.base, m.size }

func end(n node) uint64 { b, s := n.span(); return b + s }

func newVMAR(as *AddressSpace, parent *VMAR, base, size uint64, flags uint32) *VMAR {
	v := &VMAR{as: as, parent: parent, base: base, size: size, flags: flags}
	v.Base.Init(v, object.ObjTypeVMAR, nil, false, 0)
	return v
}

// Start returns the VMAR's base address.
func (v *VMAR) Start() uint64 { return v.base }

// Size returns the VMAR's size in bytes.
func (v *VMAR) Size() uint64 { return v.size }

// Flags returns the VMAR's ZX_VM_CAN_MAP_* and ZX_VM_COMPACT flags.
func (v *VMAR) Flags() uint32 { return v.flags }

// AddressSpace returns the address space the VMAR belongs to.
func (v *VMAR) AddressSpace() *AddressSpace { return v.as }

// Rights returns the rights of a new handle to the VMAR (what
// zx_vmar_allocate and process creation give): ZX_DEFAULT_VMAR_RIGHTS plus
// READ/WRITE/EXECUTE for each ZX_VM_CAN_MAP_* the VMAR has. Zircon's
// ZX_DEFAULT_VMAR_RIGHTS includes ZX_RIGHT_OP_CHILDREN (RFC-0033), which
// zx_vmar_destroy needs; object.DefaultVMARRights predates it, so it is
// added here.
func (v *VMAR) Rights() object.Rights {
	r := object.DefaultVMARRights | object.RightOpChildren
	if v.flags&VMCanMapRead != 0 {
		r |= object.RightRead
	}
	if v.flags&VMCanMapWrite != 0 {
		r |= object.RightWrite
	}
	if v.flags&VMCanMapExecute != 0 {
		r |= object.RightExecute
	}
	return r
}

// Destroyed reports whether the VMAR has been destroyed.
func (v *VMAR) Destroyed() bool {
	v.as.mu.RLock()
	defer v.as.mu.RUnlock()
	return v.dead
}

// AllocateRights returns the rights the parent VMAR handle needs for
// zx_vmar_allocate(options): READ/WRITE/EXECUTE for each CAN_MAP_*.
func AllocateRights(options uint32) object.Rights {
	var r object.Rights
	if options&VMCanMapRead != 0 {
		r |= object.RightRead
	}
	if options&VMCanMapWrite != 0 {
		r |= object.RightWrite
	}
	if options&VMCanMapExecute != 0 {
		r |= object.RightExecute
	}
	return r
}

// ProtectRights returns the rights the VMAR handle needs for
// zx_vmar_protect(options): READ/WRITE/EXECUTE for each PERM_*.
func ProtectRights(options uint32) object.Rights {
	var r object.Rights
	if options&VMPermRead != 0 {
		r |= object.RightRead
	}
	if options&VMPermWrite != 0 {
		r |= object.RightWrite
	}
	if options&VMPermExecute != 0 {
		r |= object.RightExecute
	}
	return r
}

// validProtection: x86 cannot express writable or executable pages that
// are not readable.
func validProtection(options uint32) bool {
	return options&VMPermRead != 0 || options&(VMPermWrite|VMPermExecute) == 0
}

// alignment decodes the ZX_VM_ALIGN_* field into bytes (at least a page).
func alignment(options uint32) (uint64, bool) {
	a := options >> VMAlignBase
	if a == 0 {
		return PageSize, true
	}
	if a < 10 || a > 32 {
		return 0, false
	}
	return max(uint64(1)<<a, PageSize), true
}

// Allocate is zx_vmar_allocate after the rights check (AllocateRights):
// a sub-VMAR of size bytes at offset (with ZX_VM_SPECIFIC) or wherever it
// fits. It returns the child, of which the caller owns one reference (the
// tree holds another until the child is destroyed), and the rights for its
// handle. Errors: INVALID_ARGS (unknown or mapping-only options, PERM_*,
// bad alignment, size 0 or unaligned, offset without SPECIFIC, range
// outside the parent, unaligned or misaligned SPECIFIC address),
// BAD_STATE (parent destroyed), ACCESS_DENIED (CAN_MAP_* the parent lacks;
// SPECIFIC without the parent's CAN_MAP_SPECIFIC), NO_MEMORY (range taken
// or no room).
func (v *VMAR) Allocate(options uint32, offset, size uint64) (*VMAR, object.Rights, object.Status) {
	const allowed = VMSpecific | VMCanMapSpecific | VMCompact | vmCanMapRWX | VMOffsetIsUpperLimit
	align, ok := alignment(options)
	if !ok || options&^vmAlignMask&^(allowed|vmPerms|VMSpecificOverwrite|VMMapRange|
		VMRequireNonResizable|VMAllowFaults|VMOffsetIsUpperLimit) != 0 {
		return nil, 0, object.ErrInvalidArgs
	}
	if options&vmPerms != 0 || !pageAligned(size) || options&^vmAlignMask&^allowed != 0 {
		return nil, 0, object.ErrInvalidArgs
	}
	v.as.mu.Lock()
	defer v.as.mu.Unlock()
	if v.dead {
		return nil, 0, object.ErrBadState
	}
	if size == 0 {
		return nil, 0, object.ErrInvalidArgs
	}
	if options&vmCanMapRWX&^v.flags != 0 {
		return nil, 0, object.ErrAccessDenied
	}
	base, st := v.placeLocked(options, offset, size, align)
	if st != object.OK {
		return nil, 0, st
	}
	if options&VMSpecific != 0 && !v.isFreeLocked(base, base+size) {
		return nil, 0, object.ErrNoMemory
	}
	c := newVMAR(v.as, v, base, size, options&(vmCanMapRWX|VMCanMapSpecific|VMCompact))
	c.AddRef() // the tree's reference
	v.insertLocked(c)
	return c, c.Rights(), object.OK
}

// placeLocked validates the placement part of an allocate or map request
// and returns the chosen base (for SPECIFIC requests, without checking
// that it is free). v.as.mu held.
func (v *VMAR) placeLocked(options uint32, offset, size, align uint64) (uint64, object.Status) {
	specific := options&(VMSpecific|VMSpecificOverwrite) != 0
	if options&VMOffsetIsUpperLimit != 0 {
		// offset is the highest end (from the VMAR's base) the placement
		// may reach; it cannot be combined with a specific address.
		if specific || offset > v.size || size > offset {
			return 0, object.ErrInvalidArgs
		}
		base, ok := v.findSpotLocked(size, align, v.base, v.base+offset)
		if !ok {
			return 0, object.ErrNoMemory
		}
		return base, object.OK
	}
	if !specific && offset != 0 {
		return 0, object.ErrInvalidArgs
	}
	if specific && v.flags&VMCanMapSpecific == 0 {
		return 0, object.ErrAccessDenied
	}
	if offset >= v.size || size > v.size-offset {
		return 0, object.ErrInvalidArgs
	}
	if specific {
		base := v.base + offset
		if !pageAligned(base) || base&(align-1) != 0 {
			return 0, object.ErrInvalidArgs
		}
		return base, object.OK
	}
	base, ok := v.findSpotLocked(size, align, v.base, v.base+v.size)
	if !ok {
		return 0, object.ErrNoMemory
	}
	return base, object.OK
}

// Map is zx_vmar_map: maps length bytes (rounded up to a page) of vmo from
// vmoOffset. vmarRights and vmoRights are the rights of the two handles
// (the syscall layer has checked their types). It returns the mapping's
// address. Errors, in Zircon's order: ACCESS_DENIED (vmo handle lacks
// MAP), INVALID_ARGS (WRITE or EXECUTE without READ, MAP_RANGE with
// SPECIFIC_OVERWRITE, CAN_MAP_* or other non-mapping options, bad
// alignment), ACCESS_DENIED (a PERM_* not allowed by both handles' rights
// or by the VMAR), NOT_SUPPORTED (REQUIRE_NON_RESIZABLE with a resizable
// VMO), INVALID_ARGS (len 0, unaligned vmo_offset),
// OUT_OF_RANGE (len rounding up or vmo_offset+len overflows),
// BUFFER_TOO_SMALL (a slice
// mapped past its end), BAD_STATE (VMAR
// destroyed), INVALID_ARGS / ACCESS_DENIED for the placement as in
// Allocate, INVALID_ARGS (SPECIFIC_OVERWRITE over a sub-VMAR), NO_MEMORY
// (range taken without OVERWRITE, no room, or MAP_RANGE out of memory).
func (v *VMAR) Map(options uint32, vmarOffset uint64, vmo *VMO, vmoOffset, length uint64,
	vmarRights, vmoRights object.Rights) (uint64, object.Status) {
	if !vmoRights.Has(object.RightMap) {
		return 0, object.ErrAccessDenied
	}
	if !validProtection(options) {
		return 0, object.ErrInvalidArgs
	}
	if options&VMMapRange != 0 && options&VMSpecificOverwrite != 0 {
		return 0, object.ErrInvalidArgs
	}
	if options&vmCanMapRWX != 0 {
		return 0, object.ErrInvalidArgs
	}
	var can uint32
	if vmoRights.Has(object.RightRead) && vmarRights.Has(object.RightRead) {
		can |= VMPermRead
	}
	if vmoRights.Has(object.RightWrite) && vmarRights.Has(object.RightWrite) {
		can |= VMPermWrite
	}
	if vmoRights.Has(object.RightExecute) && vmarRights.Has(object.RightExecute) {
		can |= VMPermExecute
	}
	perms := options & vmPerms
	if perms&^can != 0 {
		return 0, object.ErrAccessDenied
	}
	const allowed = vmPerms | VMSpecific | VMSpecificOverwrite | VMMapRange | VMRequireNonResizable | VMAllowFaults |
		VMOffsetIsUpperLimit
	align, ok := alignment(options)
	if !ok || options&^vmAlignMask&^allowed != 0 {
		return 0, object.ErrInvalidArgs
	}
	if options&VMRequireNonResizable != 0 && vmo.Resizable() {
		return 0, object.ErrNotSupported
	}
	size, ok := pageRoundUp(length)
	if length == 0 || !pageAligned(vmoOffset) {
		return 0, object.ErrInvalidArgs
	}
	// A length that rounds up past the top of the address space
	// overflows like vmo_offset+len (Zircon: OUT_OF_RANGE).
	if !ok || vmoOffset+size < vmoOffset {
		return 0, object.ErrOutOfRange
	}
	// Without ZX_VM_ALLOW_FAULTS Zircon's kernel still maps resizable
	// VMOs and windows past a VMO's end (its docs promise NOT_SUPPORTED
	// and BUFFER_TOO_SMALL; the source leaves them as a TODO): a touch
	// past the end faults.
	// A slice maps its parent's pages; it may not reach past its end
	// (ALLOW_FAULTS or not: the parent's pages there are not the slice's).
	var slice *VMO
	if o := vmo.sliceOf; o != nil {
		if vmoOffset+size > vmo.size {
			return 0, object.ErrBufferTooSmall
		}
		slice, vmo, vmoOffset = vmo, o, vmoOffset+vmo.sliceOff
	}

	v.as.mu.Lock()
	defer v.as.mu.Unlock()
	if v.dead {
		return 0, object.ErrBadState
	}
	canMap := v.flags >> 7 & vmPerms // VMCanMapRead.. are VMPermRead.. << 7
	if perms&^canMap != 0 {
		return 0, object.ErrAccessDenied
	}
	base, st := v.placeLocked(options, vmarOffset, size, align)
	if st != object.OK {
		return 0, st
	}
	if options&(VMSpecific|VMSpecificOverwrite) != 0 && !v.isFreeLocked(base, base+size) {
		if options&VMSpecificOverwrite == 0 {
			return 0, object.ErrNoMemory
		}
		if st := v.overwriteLocked(base, base+size); st != object.OK {
			return 0, st
		}
	}
	m := v.mapLocked(base, size, vmo, vmoOffset, perms, perms|can&canMap, false)
	if slice != nil {
		slice.AddRef()
		m.slice = slice
	}
	if options&VMMapRange != 0 {
		if st := m.populateLocked(); st != object.OK {
			m.destroyLocked()
			return 0, st
		}
	}
	return base, object.OK
}

// overwriteLocked clears [lo, hi) of mappings for SPECIFIC_OVERWRITE; a
// sub-VMAR in the range is INVALID_ARGS (nothing is changed then).
// v.as.mu held.
func (v *VMAR) overwriteLocked(lo, hi uint64) object.Status {
	i, j := v.overlapLocked(lo, hi)
	for _, c := range v.kids[i:j] {
		if _, ok := c.(*VMAR); ok {
			return object.ErrInvalidArgs
		}
	}
	v.unmapLocked(lo, hi, false)
	return object.OK
}

// mapLocked creates a mapping of [base, base+size) (free, inside v) and
// takes a reference to vmo for it. v.as.mu held.
func (v *VMAR) mapLocked(base, size uint64, vmo *VMO, offset uint64, perms, maxPerms uint32, private bool) *Mapping {
	m := &Mapping{as: v.as, parent: v, base: base, size: size, vmo: vmo, offset: offset,
		perms: perms, maxPerms: maxPerms, private: private}
	vmo.AddRef()
	vmo.mu.Lock()
	vmo.addMapLocked(m)
	vmo.mu.Unlock()
	v.insertLocked(m)
	return m
}

// populateLocked commits and maps every page of the mapping that the VMO
// backs (ZX_VM_MAP_RANGE). m.as.mu held.
func (m *Mapping) populateLocked() object.Status {
	if m.perms&VMPermRead == 0 {
		return object.OK
	}
	m.vmo.mu.Lock()
	defer m.vmo.mu.Unlock()
	for off := uint64(0); off < m.size && m.offset+off < m.vmo.size; off += PageSize {
		pa, st := m.vmo.commitLocked((m.offset+off)/PageSize, false)
		if st == object.ErrShouldWait {
			continue // a pager's page not supplied yet: mapped when it comes
		}
		if st != object.OK {
			return st
		}
		if st := m.as.installPTE(m.base+off, pa, m.vmo.ptePermsLocked((m.offset+off)/PageSize, pa, m.perms)); st != object.OK {
			return st
		}
	}
	return object.OK
}

// Unmap is zx_vmar_unmap: removes the mappings in [addr, addr+len) (len
// rounded up to a page; mappings partly inside are split) and destroys the
// sub-VMARs entirely inside. Unmapping nothing succeeds, as in Zircon.
// Errors: INVALID_ARGS (addr unaligned, len 0, range outside the VMAR or
// partly covering a sub-VMAR), BAD_STATE (destroyed).
func (v *VMAR) Unmap(addr, length uint64) object.Status {
	size, ok := pageRoundUp(length)
	if !ok || size == 0 || !pageAligned(addr) {
		return object.ErrInvalidArgs
	}
	v.as.mu.Lock()
	defer v.as.mu.Unlock()
	if v.dead {
		return object.ErrBadState
	}
	if !v.inRange(addr, size) {
		return object.ErrInvalidArgs
	}
	i, j := v.overlapLocked(addr, addr+size)
	for _, c := range v.kids[i:j] {
		if s, ok := c.(*VMAR); ok && (s.base < addr || end(s) > addr+size) {
			return object.ErrInvalidArgs
		}
	}
	v.unmapLocked(addr, addr+size, false)
	return object.OK
}

func (v *VMAR) inRange(addr, size uint64) bool {
	return addr >= v.base && addr-v.base <= v.size && size <= v.size-(addr-v.base)
}

// unmapLocked removes [lo, hi) from the children: mappings are trimmed,
// split or destroyed; sub-VMARs are destroyed when entirely inside, and
// with partial set (the Linux view) entered instead, never destroyed.
// Without partial the caller has checked that no sub-VMAR is partly
// covered. v.as.mu held.
func (v *VMAR) unmapLocked(lo, hi uint64, partial bool) {
	i, j := v.overlapLocked(lo, hi)
	for _, c := range append([]node(nil), v.kids[i:j]...) {
		switch c := c.(type) {
		case *Mapping:
			c.removeRangeLocked(max(lo, c.base), min(hi, end(c)))
		case *VMAR:
			if partial {
				c.unmapLocked(lo, hi, true)
			} else {
				c.destroyLocked()
			}
		}
	}
}

// removeRangeLocked unmaps [lo, hi) (inside m) from m, splitting it as
// needed. m.as.mu held.
func (m *Mapping) removeRangeLocked(lo, hi uint64) {
	if lo > m.base {
		m = m.splitLocked(lo)
	}
	if hi < end(m) {
		m.splitLocked(hi)
	}
	m.destroyLocked()
}

// splitLocked cuts m at at (page-aligned, strictly inside) and returns the
// new mapping covering [at, end). m.as.mu held.
func (m *Mapping) splitLocked(at uint64) *Mapping {
	n := &Mapping{as: m.as, parent: m.parent, base: at, size: end(m) - at, vmo: m.vmo,
		offset: m.offset + (at - m.base), perms: m.perms, maxPerms: m.maxPerms, private: m.private, slice: m.slice, name: m.name}
	m.vmo.AddRef()
	if m.slice != nil {
		m.slice.AddRef()
	}
	m.vmo.mu.Lock()
	m.vmo.splitMapLocked(m, at-m.base, n)
	m.vmo.mu.Unlock()
	m.parent.insertLocked(n)
	return n
}

// destroyLocked removes the mapping: its PTEs are cleared, a private
// mapping's pages are freed, and its VMO reference is dropped (which may
// destroy the VMO). m.as.mu held.
func (m *Mapping) destroyLocked() {
	m.parent.removeLocked(m)
	vmo := m.vmo
	vmo.mu.Lock()
	m.as.clearPTEs(m.base, end(m))
	m.as.pruneTables(m.base, end(m))
	vmo.removeMapLocked(m)
	if m.private {
		vmo.freePagesLocked(m.offset, m.offset+m.size)
	}
	vmo.mu.Unlock()
	vmo.Release()
	if m.slice != nil {
		m.slice.Release()
	}
}

// Protect is zx_vmar_protect after the rights check (ProtectRights): sets
// the permissions of the mappings covering [addr, addr+len) (len rounded
// up), splitting them at the ends. Errors: INVALID_ARGS (WRITE/EXECUTE
// without READ, unaligned addr, options other than PERM_*, len 0, range
// outside the VMAR, a sub-VMAR in the range), BAD_STATE (destroyed),
// NOT_FOUND (part of the range unmapped), ACCESS_DENIED (a mapping may not
// have the permissions: its VMO handle or VMAR did not allow them).
func (v *VMAR) Protect(options uint32, addr, length uint64) object.Status {
	if !validProtection(options) || !pageAligned(addr) || options&^vmPerms != 0 {
		return object.ErrInvalidArgs
	}
	size, ok := pageRoundUp(length)
	if !ok || size == 0 {
		return object.ErrInvalidArgs
	}
	v.as.mu.Lock()
	defer v.as.mu.Unlock()
	if v.dead {
		return object.ErrBadState
	}
	if !v.inRange(addr, size) {
		return object.ErrInvalidArgs
	}
	if st := v.checkProtectLocked(addr, addr+size, options); st != object.OK {
		return st
	}
	v.protectLocked(addr, addr+size, options)
	return object.OK
}

// checkProtectLocked verifies that [lo, hi) is covered without gaps by
// mappings (direct children) that may take perms. v.as.mu held.
func (v *VMAR) checkProtectLocked(lo, hi uint64, perms uint32) object.Status {
	i, j := v.overlapLocked(lo, hi)
	next := lo
	for _, c := range v.kids[i:j] {
		b, _ := c.span()
		if b > next {
			return object.ErrNotFound
		}
		m, ok := c.(*Mapping)
		if !ok {
			return object.ErrInvalidArgs
		}
		if perms&^m.maxPerms != 0 {
			return object.ErrAccessDenied
		}
		next = end(c)
	}
	if next < hi {
		return object.ErrNotFound
	}
	return object.OK
}

// splitMappingsLocked calls f for each child mapping overlapping
// [lo, hi), first split so that it lies inside the range; the caller has
// checked that only mappings overlap it. v.as.mu held.
func (v *VMAR) splitMappingsLocked(lo, hi uint64, f func(*Mapping)) {
	i, j := v.overlapLocked(lo, hi)
	for _, c := range append([]node(nil), v.kids[i:j]...) {
		m := c.(*Mapping)
		if m.base < lo {
			m = m.splitLocked(lo)
		}
		if end(m) > hi {
			m.splitLocked(hi)
		}
		f(m)
	}
}

// protectLocked applies perms to the mappings in [lo, hi) (checked by
// checkProtectLocked). v.as.mu held.
func (v *VMAR) protectLocked(lo, hi uint64, perms uint32) {
	v.splitMappingsLocked(lo, hi, func(m *Mapping) {
		m.perms = perms
		m.as.protectPTEs(m.base, end(m), perms)
	})
}

// Destroy is zx_vmar_destroy: unmaps every mapping and destroys every
// sub-VMAR inside, then the VMAR itself, whose handles stay valid but
// fail with BAD_STATE. Errors: BAD_STATE (already destroyed),
// NOT_SUPPORTED (the root VMAR).
func (v *VMAR) Destroy() object.Status {
	v.as.mu.Lock()
	defer v.as.mu.Unlock()
	if v.dead {
		return object.ErrBadState
	}
	if v.parent == nil {
		return object.ErrNotSupported
	}
	v.destroyLocked()
	return object.OK
}

// destroyLocked destroys v's subtree, unlinks v from its parent and drops
// the tree's reference. v.as.mu held.
func (v *VMAR) destroyLocked() {
	v.clearLocked()
	v.dead = true
	if p := v.parent; p != nil {
		p.removeLocked(v)
		v.parent = nil
		v.Release()
	}
}

// clearLocked destroys every child. v.as.mu held.
func (v *VMAR) clearLocked() {
	for len(v.kids) > 0 {
		switch c := v.kids[len(v.kids)-1].(type) {
		case *Mapping:
			c.destroyLocked()
		case *VMAR:
			c.destroyLocked()
		}
	}
}

// OpRange is OpRangeAs with every right a VMAR handle can carry.
func (v *VMAR) OpRange(op uint32, addr, length uint64) object.Status {
	return v.OpRangeAs(op, addr, length, v.Rights()|object.RightRead|object.RightWrite|object.RightOpChildren)
}

// VMAROpRangeRights returns the handle right zx_vmar_op_range's op needs
// (Zircon's is_operation_allowed_from_rights) and whether op is known.
func VMAROpRangeRights(op uint32) (object.Rights, bool) {
	switch op {
	case VMAROpCommit, VMAROpDecommit, VMAROpZero:
		return object.RightWrite, true
	case VMAROpMapRange, VMAROpPrefetch:
		return object.RightRead, true
	case VMAROpDontNeed, VMAROpAlwaysNeed:
		return 0, true // hints
	}
	return 0, false
}

// opRangeSpan is one mapping's part of an op_range: [lo, hi) inside m.
type opRangeSpan struct {
	m      *Mapping
	lo, hi uint64
}

// OpRangeAs is zx_vmar_op_range through a handle with rights, following
// Zircon's VmAddressRegion::RangeOp: the range must be covered by
// mappings, in this VMAR or (for MAP_RANGE, ZERO and the hints, with
// RIGHT_OP_CHILDREN) in its sub-VMARs. COMMIT commits the VMO pages and
// maps them; DECOMMIT frees them (they read back as zero); MAP_RANGE maps
// the pages the VMOs already hold; ZERO zeroes them; ALWAYS_NEED maps the
// present pages; DONT_NEED does nothing (no page reclamation); PREFETCH
// maps the present pages (anonymous VMOs have nothing to fetch). Errors
// in Zircon's order: INVALID_ARGS (unknown op), ACCESS_DENIED (the
// handle lacks WRITE for COMMIT/DECOMMIT/ZERO, READ for MAP_RANGE/
// PREFETCH), INVALID_ARGS (len 0, addr unaligned), OUT_OF_RANGE (range
// outside the VMAR), BAD_STATE (destroyed, a gap), INVALID_ARGS (a
// mapping of a sub-VMAR for COMMIT/DECOMMIT/PREFETCH or without
// OP_CHILDREN), ACCESS_DENIED (COMMIT/DECOMMIT/ZERO on a mapping that
// cannot be made writable, PREFETCH on one that cannot be readable), then
// the VMO's own errors (NOT_SUPPORTED: DECOMMIT of a snapshot child or
// contiguous VMO; BAD_STATE: pinned pages; NO_MEMORY). Mappings before
// the first error keep what was done to them, as in Zircon.
func (v *VMAR) OpRangeAs(op uint32, addr, length uint64, rights object.Rights) object.Status {
	need, known := VMAROpRangeRights(op)
	if !known {
		return object.ErrInvalidArgs
	}
	if rights&need != need {
		return object.ErrAccessDenied
	}
	size, ok := pageRoundUp(length)
	if !ok || size == 0 || !pageAligned(addr) {
		return object.ErrInvalidArgs
	}
	if !v.inRange(addr, size) {
		return object.ErrOutOfRange
	}
	v.as.mu.Lock()
	defer v.as.mu.Unlock()
	if v.dead {
		return object.ErrBadState
	}
	lo, hi := addr, addr+size
	var spans []opRangeSpan
	v.mappingsInLocked(lo, hi, &spans)
	next := lo
	children := rights&object.RightOpChildren != 0
	for _, s := range spans {
		if s.lo > next {
			return object.ErrBadState
		}
		if s.m.parent != v && (!children || op == VMAROpCommit || op == VMAROpDecommit || op == VMAROpPrefetch) {
			return object.ErrInvalidArgs
		}
		if st := s.m.rangeOpLocked(op, s.lo, s.hi); st != object.OK {
			return st
		}
		next = s.hi
	}
	if next < hi {
		return object.ErrBadState
	}
	return object.OK
}

// mappingsInLocked appends the parts of the mappings of v's subtree that
// overlap [lo, hi), in address order. v.as.mu held.
func (v *VMAR) mappingsInLocked(lo, hi uint64, out *[]opRangeSpan) {
	i, j := v.overlapLocked(lo, hi)
	for _, c := range v.kids[i:j] {
		switch n := c.(type) {
		case *VMAR:
			n.mappingsInLocked(lo, hi, out)
		case *Mapping:
			*out = append(*out, opRangeSpan{n, max(lo, n.base), min(hi, end(n))})
		}
	}
}

// rangeOpLocked applies op_range's op to [lo, hi) inside m. m.as.mu held.
func (m *Mapping) rangeOpLocked(op uint32, lo, hi uint64) object.Status {
	switch op {
	case VMAROpCommit, VMAROpDecommit, VMAROpZero:
		if m.maxPerms&VMPermWrite == 0 {
			return object.ErrAccessDenied
		}
	case VMAROpPrefetch:
		if m.maxPerms&VMPermRead == 0 {
			return object.ErrAccessDenied
		}
	}
	off := m.offset + (lo - m.base)
	n := hi - lo
	switch op {
	case VMAROpCommit:
		if st := m.vmo.OpRange(VMOOpCommit, off, min(n, m.vmo.Size()-min(off, m.vmo.Size()))); st != object.OK {
			return st
		}
		return m.mapPresentLocked(lo, hi)
	case VMAROpDecommit:
		m.vmo.mu.Lock()
		defer m.vmo.mu.Unlock()
		if m.vmo.cow || m.vmo.contiguous || m.vmo.phys {
			return object.ErrNotSupported
		}
		e := min(off+n, m.vmo.size)
		if off < e && m.vmo.pinnedLocked(off, e-off) {
			return object.ErrBadState
		}
		m.vmo.decommitLocked(off, e)
		return object.OK
	case VMAROpZero:
		sz := m.vmo.Size()
		if off >= sz {
			return object.OK
		}
		return m.vmo.OpRange(VMOOpZero, off, min(n, sz-off))
	case VMAROpMapRange, VMAROpAlwaysNeed, VMAROpPrefetch:
		return m.mapPresentLocked(lo, hi)
	}
	return object.OK // DONT_NEED: a hint
}

// mapPresentLocked installs the PTEs of the pages of [lo, hi) inside m
// that its VMO holds (nothing is committed), with the permissions a
// fault would give them. m.as.mu held.
func (m *Mapping) mapPresentLocked(lo, hi uint64) object.Status {
	if m.perms&VMPermRead == 0 {
		return object.OK
	}
	m.vmo.mu.Lock()
	defer m.vmo.mu.Unlock()
	for va := lo; va < hi; va += PageSize {
		off := m.offset + (va - m.base)
		if off >= m.vmo.size {
			break
		}
		pa, ok := m.vmo.pages.get(off / PageSize)
		if m.vmo.phys {
			pa, ok = m.vmo.physBase+off&^(PageSize-1), true
		}
		if !ok {
			continue
		}
		if st := m.as.installPTE(va, pa, m.vmo.ptePermsLocked(off/PageSize, pa, m.perms)); st != object.OK {
			return st
		}
	}
	return object.OK
}

// decommitLocked decommits the VMO pages behind [lo, hi) (inside m).
// m.as.mu held (shared is enough).
func (m *Mapping) decommitLocked(lo, hi uint64) {
	m.vmo.mu.Lock()
	off := m.offset + (lo - m.base)
	m.vmo.decommitLocked(off, min(off+(hi-lo), m.vmo.size))
	m.vmo.mu.Unlock()
}

// --- children bookkeeping (v.as.mu held) ---

// overlapLocked returns the index range [i, j) of children overlapping
// [lo, hi).
func (v *VMAR) overlapLocked(lo, hi uint64) (int, int) {
	i := sort.Search(len(v.kids), func(k int) bool { return end(v.kids[k]) > lo })
	j := i
	for j < len(v.kids) {
		if b, _ := v.kids[j].span(); b >= hi {
			break
		}
		j++
	}
	return i, j
}

// childLocked returns the child containing va, or nil.
func (v *VMAR) childLocked(va uint64) node {
	i := sort.Search(len(v.kids), func(k int) bool { return end(v.kids[k]) > va })
	if i < len(v.kids) {
		if b, _ := v.kids[i].span(); b <= va {
			return v.kids[i]
		}
	}
	return nil
}

func (v *VMAR) isFreeLocked(lo, hi uint64) bool {
	i, j := v.overlapLocked(lo, hi)
	return i == j
}

func (v *VMAR) insertLocked(n node) {
	b, _ := n.span()
	i := sort.Search(len(v.kids), func(k int) bool { k0, _ := v.kids[k].span(); return k0 > b })
	v.kids = append(v.kids, nil)
	copy(v.kids[i+1:], v.kids[i:])
	v.kids[i] = n
}

func (v *VMAR) removeLocked(n node) {
	b, _ := n.span()
	i := sort.Search(len(v.kids), func(k int) bool { k0, _ := v.kids[k].span(); return k0 >= b })
	for ; i < len(v.kids); i++ {
		if v.kids[i] == n {
			copy(v.kids[i:], v.kids[i+1:])
			v.kids[len(v.kids)-1] = nil
			v.kids = v.kids[:len(v.kids)-1]
			return
		}
	}
	panic("vm: removing a node that is not a child")
}

// findSpotLocked finds the highest address in [lo, hi) (clipped to v)
// where size bytes aligned to align fit between the children.
func (v *VMAR) findSpotLocked(size, align, lo, hi uint64) (uint64, bool) {
	lo, hi = max(lo, v.base), min(hi, v.base+v.size)
	gapEnd := hi
	for k := len(v.kids); k >= 0; k-- {
		gapStart := lo
		if k > 0 {
			gapStart = max(lo, end(v.kids[k-1]))
		}
		if k < len(v.kids) {
			b, _ := v.kids[k].span()
			gapEnd = min(hi, b)
		}
		if gapEnd >= size && gapEnd > gapStart {
			if a := (gapEnd - size) &^ (align - 1); a >= gapStart {
				return a, true
			}
		}
		if gapStart <= lo {
			break
		}
	}
	return 0, false
}
