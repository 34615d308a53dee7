package vm

import "errors"

// ErrNotAnon is SetName on a range that is not all anonymous memory.
var ErrNotAnon = errors.New("vm: not anonymous memory")

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
	v.splitMappingsLocked(lo, hi, func(m *Mapping) { m.name = name })
	return nil
}
