package vm

import "errors"

// ErrNotAnon is SetName on a range that is not all anonymous memory.
var ErrNotAnon = errors.New("vm: not anonymous memory")

// Types of ZX_INFO_PROCESS_MAPS entries (zx_info_maps_type_t).
const (
	MapsTypeAspace  uint32 = 1
	MapsTypeVMAR    uint32 = 2
	MapsTypeMapping uint32 = 3
)

// MapsEntry is one node of an address space's tree as ZX_INFO_PROCESS_MAPS
// reports it (zx_info_maps_t): the address space at depth 0, the root
// VMAR at depth 1, then sub-VMARs and mappings in depth-first pre-order,
// each level by ascending address. The mapping fields are zero for the
// other types.
type MapsEntry struct {
	Name       string
	Base, Size uint64
	Depth      uint64
	Type       uint32
	Perms      uint32 // VMPerm* bits (mappings)
	VMOKoid    uint64
	VMOOffset  uint64
	Committed  uint64 // committed pages of the VMO inside the mapped window
}

// Maps returns the address space's tree (nil once it is destroyed). name
// is the address space's entry name (Zircon uses the process name).
func (as *AddressSpace) Maps(name string) []MapsEntry {
	as.mu.RLock()
	defer as.mu.RUnlock()
	if as.destroyed {
		return nil
	}
	out := []MapsEntry{{Name: name, Base: UserBase, Size: UserLimit - UserBase, Type: MapsTypeAspace}}
	return as.root.mapsLocked(out, "root", 1)
}

// mapsLocked appends v and its subtree at depth. v.as.mu held (shared).
func (v *VMAR) mapsLocked(out []MapsEntry, name string, depth uint64) []MapsEntry {
	out = append(out, MapsEntry{Name: name, Base: v.base, Size: v.size, Depth: depth, Type: MapsTypeVMAR})
	for _, k := range v.kids {
		switch c := k.(type) {
		case *VMAR:
			out = c.mapsLocked(out, "useralloc", depth+1)
		case *Mapping:
			out = append(out, c.mapsEntry(depth+1))
		}
	}
	return out
}

func (m *Mapping) mapsEntry(depth uint64) MapsEntry {
	e := MapsEntry{Base: m.base, Size: m.size, Depth: depth, Type: MapsTypeMapping, Perms: m.perms, VMOOffset: m.offset}
	v := m.vmo
	if m.slice != nil {
		v = m.slice
		e.VMOOffset -= m.slice.sliceOff
	}
	e.Name = m.name
	if e.Name == "" {
		e.Name = v.Name()
	}
	e.VMOKoid = uint64(v.Koid())
	first, last := m.offset/PageSize, (m.offset+m.size-1)/PageSize
	m.vmo.mu.Lock()
	m.vmo.pages.each(first, last, func(_, _ uint64) { e.Committed++ })
	m.vmo.mu.Unlock()
	return e
}

// SetName names the mappings covering [addr, addr+length) (the length
// rounded up to pages), splitting those that straddle its ends: Linux's
// PR_SET_VMA_ANON_NAME ("" clears). Errors: ErrInvalid (addr not
// page-aligned), ErrNoMem (a gap or a sub-VMAR in the range),
// ErrNotAnon (a mapping of a VMO that is not the mapping's alone).
func (as *AddressSpace) SetName(addr, length uint64, name string) error {
	size, ok := pageRoundUp(length)
	if !ok || !pageAligned(addr) {
		return ErrInvalid
	}
	if size == 0 {
		return nil
	}
	if !validRange(addr, size) {
		return ErrNoMem
	}
	lo, hi := addr, addr+size
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.destroyed {
		return ErrNoMem
	}
	v := as.root
	i, j := v.overlapLocked(lo, hi)
	next := lo
	for _, c := range v.kids[i:j] {
		b, _ := c.span()
		m, isMapping := c.(*Mapping)
		if b > next || !isMapping {
			return ErrNoMem
		}
		if !m.private {
			return ErrNotAnon
		}
		next = end(c)
	}
	if next < hi {
		return ErrNoMem
	}
	for _, c := range append([]node(nil), v.kids[i:j]...) {
		m := c.(*Mapping)
		if m.base < lo {
			m = m.splitLocked(lo)
		}
		if end(m) > hi {
			m.splitLocked(hi)
		}
		m.name = name
	}
	return nil
}
