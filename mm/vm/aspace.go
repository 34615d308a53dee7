// Package vm implements user address spaces: a PML4 that shares the
// kernel half, Linux-style anonymous mappings with demand-zero paging
// (software PTEs, as in kmem), protection changes, MADV_DONTNEED, and
// checked copy-in/copy-out that never lets a bad user pointer fault the
// kernel.
//
// Locking: AddressSpace.mu → kmem.Lock (interrupts off, for the physical
// allocator and page tables that the trap path also touches).
package vm

import (
	"errors"
	"sort"
	"sync"

	"beryl/arch/x86"
	"beryl/mm/kmem"
	"beryl/mm/pagetable"
)

// User address range: above the first 64 KiB (nil guard) and below the
// canonical hole.
const (
	UserBase  = 0x10000
	UserLimit = 0x7fff_ffff_f000
	// mmapTop is where non-fixed mappings without a usable hint start,
	// growing down.
	mmapTop = 0x7f00_0000_0000
)

// Protection bits (Linux PROT_*).
const (
	ProtRead  = 1
	ProtWrite = 2
	ProtExec  = 4
)

// Errors.
var (
	ErrInvalid = errors.New("vm: invalid address or length")
	ErrNoMem   = errors.New("vm: out of memory or address space")
	ErrFault   = errors.New("vm: bad user address")
)

type span struct{ start, end uint64 }

// AddressSpace is one process's user address space.
type AddressSpace struct {
	mu     sync.Mutex
	pt     pagetable.Mapper
	spans  []span // reserved ranges, sorted, non-overlapping
	top    uint64
	pages  uint64 // committed (present) pages
	closed bool
}

// New returns an empty address space sharing the kernel half.
func New() (*AddressSpace, error) {
	f := kmem.Lock()
	defer kmem.Unlock(f)
	root, err := kmem.Tables.AllocTable()
	if err != nil {
		return nil, ErrNoMem
	}
	as := &AddressSpace{pt: pagetable.Mapper{Root: root, Mem: kmem.Tables}, top: mmapTop}
	as.pt.CopyUpperHalf(kmem.Kernel.Root)
	return as, nil
}

// Root returns the physical address of the PML4 (the CR3 value).
func (as *AddressSpace) Root() uint64 { return as.pt.Root }

// Pages returns the number of committed pages.
func (as *AddressSpace) Pages() uint64 {
	as.mu.Lock()
	defer as.mu.Unlock()
	return as.pages
}

func pageRound(n uint64) uint64 { return (n + kmem.PageSize - 1) &^ (kmem.PageSize - 1) }

func validRange(addr, length uint64) bool {
	return addr&(kmem.PageSize-1) == 0 && length > 0 && addr >= UserBase && addr <= UserLimit && length <= UserLimit-addr
}

func (as *AddressSpace) freeLocked(start, end uint64) bool {
	for _, s := range as.spans {
		if start < s.end && s.start < end {
			return false
		}
	}
	return true
}

func (as *AddressSpace) reserveLocked(start, end uint64) {
	as.spans = append(as.spans, span{start, end})
	sort.Slice(as.spans, func(i, j int) bool { return as.spans[i].start < as.spans[j].start })
	// merge neighbours
	out := as.spans[:0]
	for _, s := range as.spans {
		if n := len(out); n > 0 && out[n-1].end >= s.start {
			out[n-1].end = max(out[n-1].end, s.end)
			continue
		}
		out = append(out, s)
	}
	as.spans = out
}

func (as *AddressSpace) unreserveLocked(start, end uint64) {
	var out []span
	for _, s := range as.spans {
		if s.end <= start || s.start >= end {
			out = append(out, s)
			continue
		}
		if s.start < start {
			out = append(out, span{s.start, start})
		}
		if s.end > end {
			out = append(out, span{end, s.end})
		}
	}
	as.spans = out
}

// Mmap creates an anonymous private mapping (Linux semantics): fixed at
// addr, at the hint if that range is free, or anywhere. Pages are
// demand-zero; prot 0 reserves address space only.
func (as *AddressSpace) Mmap(addr, length uint64, prot int, fixed bool) (uint64, error) {
	length = pageRound(length)
	as.mu.Lock()
	defer as.mu.Unlock()
	if length == 0 {
		return 0, ErrInvalid
	}
	var va uint64
	switch {
	case fixed:
		if !validRange(addr, length) {
			return 0, ErrInvalid
		}
		va = addr
	case addr != 0 && validRange(addr&^(kmem.PageSize-1), length) && as.freeLocked(addr&^(kmem.PageSize-1), addr&^(kmem.PageSize-1)+length):
		va = addr &^ (kmem.PageSize - 1)
	default:
		for {
			if as.top < UserBase+length {
				return 0, ErrNoMem
			}
			as.top -= length
			if as.freeLocked(as.top, as.top+length) {
				break
			}
		}
		va = as.top
	}
	as.reserveLocked(va, va+length)
	var flags uint64
	if prot != 0 {
		flags = pteFlags(prot) | pagetable.SoftDemand
	}
	if err := as.setLocked(va, va+length, flags, true); err != nil {
		return 0, err
	}
	return va, nil
}

func pteFlags(prot int) uint64 {
	f := pagetable.User
	if prot&ProtWrite != 0 {
		f |= pagetable.Writable
	}
	if prot&ProtExec == 0 {
		f |= pagetable.NoExecute
	}
	return f
}

// Munmap removes mappings in [addr, addr+length).
func (as *AddressSpace) Munmap(addr, length uint64) error {
	length = pageRound(length)
	if !validRange(addr, length) {
		return ErrInvalid
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	as.unreserveLocked(addr, addr+length)
	return as.setLocked(addr, addr+length, 0, true)
}

// Decommit frees the committed pages of the range, which read as zeros on
// next touch (MADV_DONTNEED).
func (as *AddressSpace) Decommit(addr, length uint64) error {
	length = pageRound(length)
	if !validRange(addr, length) {
		return ErrInvalid
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	return as.setLocked(addr, addr+length, 0, false)
}

// Mprotect changes the protection of mapped pages in the range; prot 0
// makes them inaccessible (their contents are dropped).
func (as *AddressSpace) Mprotect(addr, length uint64, prot int) error {
	length = pageRound(length)
	if !validRange(addr, length) {
		return ErrInvalid
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	if prot == 0 {
		return as.setLocked(addr, addr+length, 0, true)
	}
	f := kmem.Lock()
	defer kmem.Unlock(f)
	for a := addr; a < addr+length; a += kmem.PageSize {
		e, err := as.pt.Entry(a, false)
		if err != nil || e == nil || *e&(pagetable.Present|pagetable.SoftDemand) == 0 {
			continue
		}
		keep := *e &^ (pagetable.Writable | pagetable.NoExecute | pagetable.User)
		*e = keep | pteFlags(prot)
		as.flushLocked(a)
	}
	return nil
}

// setLocked rewrites the PTEs of [start, end): with replace, to flags
// (0 = unmapped); otherwise present pages become demand-zero again.
func (as *AddressSpace) setLocked(start, end, flags uint64, replace bool) error {
	f := kmem.Lock()
	defer kmem.Unlock(f)
	for a := start; a < end; a += kmem.PageSize {
		e, err := as.pt.Entry(a, replace && flags != 0)
		if err != nil || e == nil {
			if replace && flags != 0 {
				return ErrNoMem
			}
			continue
		}
		old := *e
		if old&pagetable.Present != 0 {
			kmem.Phys.FreePage(old & pagetable.AddrMask)
			as.pages--
			as.flushLocked(a)
		}
		switch {
		case replace:
			*e = flags
		case old&pagetable.Present != 0:
			*e = old&^(pagetable.Present|pagetable.AddrMask|pagetable.Accessed|pagetable.Dirty) | pagetable.SoftDemand
		}
	}
	return nil
}

func (as *AddressSpace) flushLocked(va uint64) {
	if x86.ReadCR3()&pagetable.AddrMask == as.pt.Root {
		x86.Invlpg(uintptr(va))
	}
}

// Fault resolves a user page fault at va (error code ec): it commits a
// demand-zero page if the mapping allows the access. It reports whether
// the access may be retried.
func (as *AddressSpace) Fault(va uint64, ec uint64) bool {
	as.mu.Lock()
	defer as.mu.Unlock()
	_, err := as.pageLocked(va&^(kmem.PageSize-1), ec&x86.PFWrite != 0, ec&x86.PFFetch != 0)
	return err == nil
}

// pageLocked returns the physical page backing va for the access,
// committing a demand-zero page.
func (as *AddressSpace) pageLocked(va uint64, write, exec bool) (uint64, error) {
	if va < UserBase || va >= UserLimit {
		return 0, ErrFault
	}
	f := kmem.Lock()
	defer kmem.Unlock(f)
	e, err := as.pt.Entry(va, false)
	if err != nil || e == nil {
		return 0, ErrFault
	}
	pte := *e
	if pte&(pagetable.Present|pagetable.SoftDemand) == 0 {
		return 0, ErrFault
	}
	if write && pte&pagetable.Writable == 0 || exec && pte&pagetable.NoExecute != 0 {
		return 0, ErrFault
	}
	if pte&pagetable.Present != 0 {
		return pte & pagetable.AddrMask, nil
	}
	pa, perr := kmem.Phys.AllocPage()
	if perr != nil {
		return 0, ErrNoMem
	}
	clear(kmem.PhysBytes(pa, kmem.PageSize))
	*e = pa | pte&^(pagetable.SoftDemand|pagetable.AddrMask) | pagetable.Present
	as.pages++
	return pa, nil
}

// copy moves bytes between kernel memory and user memory, page by page
// through the direct map, checking every page's mapping and protection.
func (as *AddressSpace) copy(uaddr uint64, buf []byte, out bool, force bool) error {
	if uaddr+uint64(len(buf)) < uaddr || uaddr+uint64(len(buf)) > UserLimit {
		return ErrFault
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	for len(buf) > 0 {
		page := uaddr &^ (kmem.PageSize - 1)
		n := min(uint64(len(buf)), page+kmem.PageSize-uaddr)
		var pa uint64
		var err error
		if force {
			pa, err = as.pageLocked(page, false, false)
		} else {
			pa, err = as.pageLocked(page, out, false)
		}
		if err != nil {
			return err
		}
		mem := kmem.PhysBytes(pa+(uaddr-page), n)
		if out {
			copy(mem, buf[:n])
		} else {
			copy(buf[:n], mem)
		}
		buf = buf[n:]
		uaddr += n
	}
	return nil
}

// CopyIn reads len(dst) bytes at user address uaddr. Unmapped, kernel-half,
// non-canonical or unreadable addresses give ErrFault; nothing faults the
// kernel.
func (as *AddressSpace) CopyIn(dst []byte, uaddr uint64) error { return as.copy(uaddr, dst, false, false) }

// CopyOut writes src at user address uaddr, which must be mapped writable.
func (as *AddressSpace) CopyOut(uaddr uint64, src []byte) error { return as.copy(uaddr, src, true, false) }

// Poke writes src at uaddr regardless of the mapping's write permission
// (the loader filling read-only segments).
func (as *AddressSpace) Poke(uaddr uint64, src []byte) error { return as.copy(uaddr, src, true, true) }

// Destroy frees every user page and table. The address space must not be
// in use by any thread, and CR3 must not point at it.
func (as *AddressSpace) Destroy() {
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.closed {
		return
	}
	as.closed = true
	f := kmem.Lock()
	defer kmem.Unlock(f)
	if x86.ReadCR3()&pagetable.AddrMask == as.pt.Root {
		x86.WriteCR3(kmem.Kernel.Root)
	}
	as.pt.TeardownLowerHalf(func(va, pte uint64, size pagetable.Size) {
		if pte&pagetable.Present != 0 {
			kmem.Phys.FreePage(pte & pagetable.AddrMask)
		}
	})
	kmem.Tables.FreeTable(as.pt.Root)
	as.pages = 0
}
