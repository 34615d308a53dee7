package vm

import (
	"beryl/kernel/object"
	"beryl/mm/pagetable"
)

// Device memory: physical VMOs (zx_vmo_create_physical), contiguous VMOs
// (zx_vmo_create_contiguous) and cache policies (zx_vmo_set_cache_policy).

// Cache policies (ZX_CACHE_POLICY_*, zircon/types.h).
const (
	CachePolicyCached         uint32 = 0
	CachePolicyUncached       uint32 = 1
	CachePolicyUncachedDevice uint32 = 2
	CachePolicyWriteCombining uint32 = 3
	cachePolicyMask           uint32 = 3
)

// permCacheShift places a VMO's cache policy above the ZX_VM_PERM_* bits
// in the perms word the fault and populate paths pass to installPTE.
const permCacheShift = 24

// cacheFlags returns the PTE bits of a cache policy. x86 PAT (Intel SDM
// Vol. 3A §11.12.3): the index is PAT:PCD:PWT. Entries 0-3 keep their
// power-on values (WB, WT, UC-, UC); boot programs entry 7 as WC
// (x86.SetupPAT). Uncached and uncached-device both map to UC (index 3:
// strong uncacheable, as device registers need); write-combining to
// index 7.
func cacheFlags(policy uint32) uint64 {
	switch policy {
	case CachePolicyUncached, CachePolicyUncachedDevice:
		return pagetable.CacheDisable | pagetable.WriteThrough
	case CachePolicyWriteCombining:
		return pagetable.PAT4K | pagetable.CacheDisable | pagetable.WriteThrough
	}
	return 0
}

// ContigFrames is implemented by Frames that can allocate physically
// contiguous runs of pages (contiguous VMOs).
type ContigFrames interface {
	// AllocContig returns the first of n contiguous free pages whose
	// address is a multiple of 2^alignLog2 bytes.
	AllocContig(n uint64, alignLog2 uint32) (uint64, error)
}

// NewPhysicalVMO is the kernel side of zx_vmo_create_physical (Zircon's
// VmObjectPhysical): a VMO over the physical range [paddr, paddr+size),
// size rounded up to a page, whose pages are always present and belong
// to no allocator (device memory: the syscall layer checked the MMIO
// resource and that the range is no RAM the kernel manages). Its cache
// policy starts uncached-device. It cannot be read or written through
// vmo_read/vmo_write (NOT_SUPPORTED), resized, decommitted or cloned.
// Errors: INVALID_ARGS (paddr not page aligned, size 0, wrapping).
func NewPhysicalVMO(frames Frames, paddr, size uint64) (*VMO, object.Status) {
	rounded, ok := pageRoundUp(size)
	if !pageAligned(paddr) || size == 0 || !ok || paddr+rounded < paddr {
		return nil, object.ErrInvalidArgs
	}
	v := &VMO{
		frames:      frames,
		shares:      sharesOf(frames),
		size:        rounded,
		contentSize: size,
		maps:        map[*Mapping]bool{},
		phys:        true,
		physBase:    paddr,
		cache:       CachePolicyUncachedDevice,
	}
	v.Base.Init(v, object.ObjTypeVMO, nil, true, VMOZeroChildren)
	return v, object.OK
}

// NewContiguousVMO is the kernel side of zx_vmo_create_contiguous: a
// VMO of size bytes (rounded up to a page) committed at once on
// physically contiguous, zeroed pages aligned to 2^alignLog2 bytes. Its
// pages never leave it before it dies (DECOMMIT is NOT_SUPPORTED), so a
// device may keep addressing them. Errors: INVALID_ARGS (size 0),
// OUT_OF_RANGE (too large), NO_MEMORY (no such run), NOT_SUPPORTED
// (frames cannot allocate runs).
func NewContiguousVMO(frames Frames, size uint64, alignLog2 uint32) (*VMO, object.Status) {
	if size == 0 {
		return nil, object.ErrInvalidArgs
	}
	cf, ok := frames.(ContigFrames)
	if !ok {
		return nil, object.ErrNotSupported
	}
	v, st := NewVMO(frames, size, 0)
	if st != object.OK {
		return nil, st
	}
	n := v.size / PageSize
	pa, err := cf.AllocContig(n, alignLog2)
	if err != nil {
		v.Release()
		return nil, object.ErrNoMemory
	}
	v.mu.Lock()
	for i := uint64(0); i < n; i++ {
		clear(frames.Bytes(pa + i*PageSize))
		v.pages.set(i, pa+i*PageSize, n)
	}
	v.contiguous = true
	v.mu.Unlock()
	return v, object.OK
}

// Physical reports whether v is a physical VMO, and its base address.
func (v *VMO) Physical() (bool, uint64) { return v.phys, v.physBase }

// ContiguousBase returns the physical address of the first page of a
// physical or contiguous VMO (both are one run of physical pages), and
// false for any other VMO.
func (v *VMO) ContiguousBase() (uint64, bool) {
	if v.phys {
		return v.physBase, true
	}
	if !v.contiguous {
		return 0, false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.pages.get(0)
}

// Contiguous reports whether v's pages are physically contiguous (a
// contiguous or physical VMO).
func (v *VMO) Contiguous() bool { return v.contiguous || v.phys }

// CachePolicy returns the VMO's ZX_CACHE_POLICY_*.
func (v *VMO) CachePolicy() uint32 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.cache
}

// SetCachePolicy is zx_vmo_set_cache_policy after the gate (MAP):
// INVALID_ARGS for an unknown policy; BAD_STATE while the VMO is mapped,
// has committed pages (a paged VMO), children, a parent, or pinned
// pages (Zircon's conditions, so that no translation with another policy
// exists).
func (v *VMO) SetCachePolicy(policy uint32) object.Status {
	if policy&^cachePolicyMask != 0 {
		return object.ErrInvalidArgs
	}
	if v.sliceOf != nil || v.cow {
		return object.ErrBadState
	}
	familyMu.Lock()
	kids := v.children
	familyMu.Unlock()
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.maps) != 0 || kids != 0 || v.pins != 0 || !v.phys && !v.contiguous && v.pages.len() != 0 {
		return object.ErrBadState
	}
	// A contiguous VMO's committed pages may become uncached, but not
	// cached again (Zircon: their cache lines may be stale).
	if v.contiguous && v.cache != CachePolicyCached && policy == CachePolicyCached {
		return object.ErrBadState
	}
	v.cache = policy
	return object.OK
}

// UnmapVMO removes every mapping of v from the address space (a revoked
// kos handle to device memory or a DMA buffer cuts the access it gave).
func (as *AddressSpace) UnmapVMO(v *VMO) {
	type span struct {
		parent     *VMAR
		base, size uint64
	}
	var spans []span
	v.mu.Lock()
	for m := range v.maps {
		if m.as == as {
			spans = append(spans, span{m.parent, m.base, m.size})
		}
	}
	v.mu.Unlock()
	for _, s := range spans {
		s.parent.Unmap(s.base, s.size)
	}
}
