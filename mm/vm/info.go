package vm

import (
	"encoding/binary"

	"beryl/kernel/object"
)

// ZX_INFO_PROCESS_MAPS record (zx_info_maps_t of zircon/syscalls/object.h:
// name[32], base, size, depth, type, padding, then for a mapping
// zx_info_maps_mapping_t: mmu_flags, padding, vmo_koid, vmo_offset,
// committed_pages).
const (
	InfoMapsRecordSize = object.InfoMapsSize

	InfoMapsTypeASpace  uint32 = 1
	InfoMapsTypeVMAR    uint32 = 2
	InfoMapsTypeMapping uint32 = 3
)

// InfoMaps writes the address space's ZX_INFO_PROCESS_MAPS records into
// buf, as many as fit: a depth-first pre-order walk of its tree (depth 0
// the address space, 1 the root VMAR, then sub-VMARs and mappings in
// address order). It returns how many it wrote and how many there are.
// A destroyed address space has none.
func (as *AddressSpace) InfoMaps(buf []byte) (actual, avail int) {
	as.mu.RLock()
	defer as.mu.RUnlock()
	if as.destroyed {
		return 0, 0
	}
	put := func(name string, base, size uint64, depth int, typ uint32) []byte {
		avail++
		if len(buf) < (actual+1)*InfoMapsRecordSize {
			return nil
		}
		r := buf[actual*InfoMapsRecordSize : (actual+1)*InfoMapsRecordSize]
		actual++
		clear(r)
		copy(r[:object.MaxNameLen-1], name)
		le := binary.LittleEndian
		le.PutUint64(r[32:], base)
		le.PutUint64(r[40:], size)
		le.PutUint64(r[48:], uint64(depth))
		le.PutUint32(r[56:], typ)
		return r
	}
	put("", as.root.base, as.root.size, 0, InfoMapsTypeASpace)
	as.root.infoMapsLocked(put, 1)
	return actual, avail
}

// infoMapsLocked adds v and its subtree at depth. v.as.mu held.
func (v *VMAR) infoMapsLocked(put func(string, uint64, uint64, int, uint32) []byte, depth int) {
	name := "useralloc"
	if v.parent == nil {
		name = "root"
	}
	put(name, v.base, v.size, depth, InfoMapsTypeVMAR)
	for _, k := range v.kids {
		switch c := k.(type) {
		case *VMAR:
			c.infoMapsLocked(put, depth+1)
		case *Mapping:
			vmo, off := c.vmo, c.offset
			if c.slice != nil {
				vmo, off = c.slice, c.offset-c.slice.sliceOff
			}
			name := c.name // a Linux PR_SET_VMA_ANON_NAME, else the VMO's
			if name == "" {
				name = vmo.Name()
			}
			r := put(name, c.base, c.size, depth+1, InfoMapsTypeMapping)
			if r == nil {
				continue
			}
			le := binary.LittleEndian
			le.PutUint32(r[64:], c.perms&vmPerms)
			le.PutUint64(r[72:], uint64(vmo.Koid()))
			le.PutUint64(r[80:], off)
			le.PutUint64(r[88:], c.committedPages())
		}
	}
}

// committedPages counts the pages of m's window its VMO holds.
func (m *Mapping) committedPages() uint64 {
	m.vmo.mu.Lock()
	defer m.vmo.mu.Unlock()
	if m.vmo.phys || m.offset >= m.vmo.size {
		return 0
	}
	var n uint64
	last := (min(m.offset+m.size, m.vmo.size) - 1) / PageSize
	m.vmo.pages.each(m.offset/PageSize, last, func(uint64, uint64) { n++ })
	return n
}

// MappedVMOs returns the VMO behind each mapping of the address space (a
// slice for a mapping of a slice), in address order, one entry per
// mapping, each with a reference the caller releases.
func (as *AddressSpace) MappedVMOs() []*VMO {
	as.mu.RLock()
	defer as.mu.RUnlock()
	if as.destroyed {
		return nil
	}
	var out []*VMO
	as.root.mappedEachLocked(func(m *Mapping) {
		v := m.vmo
		if m.slice != nil {
			v = m.slice
		}
		v.AddRef()
		out = append(out, v)
	})
	return out
}

// mappedEachLocked calls f for each mapping of v's subtree in address
// order. v.as.mu held.
func (v *VMAR) mappedEachLocked(f func(*Mapping)) {
	for _, k := range v.kids {
		switch c := k.(type) {
		case *VMAR:
			c.mappedEachLocked(f)
		case *Mapping:
			f(c)
		}
	}
}

// InfoVMOMapping writes v's zx_info_vmo_t as ZX_INFO_PROCESS_VMOS reports
// a VMO reached through a mapping: ZX_INFO_VMO_VIA_MAPPING instead of
// VIA_HANDLE, no handle rights.
func (v *VMO) InfoVMOMapping(buf []byte) {
	v.InfoVMO(0, buf)
	le := binary.LittleEndian
	le.PutUint32(buf[80:], le.Uint32(buf[80:])&^InfoVMOViaHandle|InfoVMOViaMapping)
}
