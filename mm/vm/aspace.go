package vm

import (
	"errors"
	"sync"

	"beryl/kernel/object"
	"beryl/mm/pagetable"
)

// User address range (the root VMAR): above the first 64 KiB (nil guard)
// and below the canonical hole, minus its last page.
const (
	UserBase  = 0x10000
	UserLimit = 0x7fff_ffff_f000
	// mmapTop is where Linux mappings without a usable hint are placed,
	// top-down.
	mmapTop = 0x7f00_0000_0000
)

// Protection bits (Linux PROT_*).
const (
	ProtRead  = 1
	ProtWrite = 2
	ProtExec  = 4
)

// Errors of the Linux-style and copy entry points.
var (
	ErrInvalid = errors.New("vm: invalid address or length")
	ErrNoMem   = errors.New("vm: out of memory or address space")
	ErrFault   = errors.New("vm: bad user address")
)

// Page-fault error code bits (Intel SDM Vol. 3A §4.7).
const (
	pfWrite = 1 << 1
	pfRsvd  = 1 << 3
	pfFetch = 1 << 4
)

// AddressSpace is one process's user address space: page tables sharing
// the kernel half, and a root VMAR covering [UserBase, UserLimit).
type AddressSpace struct {
	env *Env

	// mu is the VMAR tree lock (level 1).
	mu        sync.RWMutex
	root      *VMAR
	destroyed bool // guarded by mu

	// ptMu guards the page tables (level 3).
	ptMu   sync.Mutex
	pt     pagetable.Mapper
	ptGone bool   // tables freed by Destroy; guarded by ptMu
	pages  uint64 // present user PTEs; guarded by ptMu
}

// New returns an empty address space on the kernel's Env.
func New() (*AddressSpace, error) { return NewIn(KernelEnv()) }

// NewIn returns an empty address space on env.
func NewIn(env *Env) (*AddressSpace, error) {
	root, err := env.Tables.AllocTable()
	if err != nil {
		return nil, ErrNoMem
	}
	as := &AddressSpace{env: env, pt: pagetable.Mapper{Root: root, Mem: env.Tables, AllowWX: true}}
	if env.KernelRoot != 0 {
		as.pt.CopyUpperHalf(env.KernelRoot)
	}
	as.root = newVMAR(as, nil, UserBase, UserLimit-UserBase, vmCanMapRWX|VMCanMapSpecific)
	return as, nil
}

// Root returns the physical address of the PML4 (the CR3 value).
func (as *AddressSpace) Root() uint64 { return as.pt.Root }

// RootVMAR returns the root VMAR (for the process's root VMAR handle, with
// RootVMAR().Rights(); take a reference for the handle).
func (as *AddressSpace) RootVMAR() *VMAR { return as.root }

// Pages returns the number of pages currently mapped in the page tables.
func (as *AddressSpace) Pages() uint64 {
	as.ptMu.Lock()
	defer as.ptMu.Unlock()
	return as.pages
}

// PrivatePages returns the number of pages this address space's memory
// holds alone: the committed pages of the VMOs it maps (each VMO once,
// present in the page tables or not: a syscall's copy-out commits pages
// without mapping them), leaving out slices (another VMO's pages) and
// pages shared copy-on-write with another VMO. A process discounting its
// own memory from the kernel's page counts is then not credited with
// pages that stay allocated for their other holders, and its faults and
// copies do not move the counts.
func (as *AddressSpace) PrivatePages() uint64 {
	as.mu.RLock()
	defer as.mu.RUnlock()
	if as.destroyed {
		return 0
	}
	seen := map[*VMO]bool{}
	as.root.mappedVMOsLocked(seen)
	var n uint64
	for v := range seen {
		v.mu.Lock()
		v.pages.each(0, ^uint64(0), func(_, pa uint64) {
			if v.shares.holders(pa) == 1 {
				n++
			}
		})
		v.mu.Unlock()
	}
	return n
}

// mappedVMOsLocked adds the VMOs mapped in v's subtree (slices' parents
// excepted) to seen. v.as.mu held (shared is enough).
func (v *VMAR) mappedVMOsLocked(seen map[*VMO]bool) {
	for _, k := range v.kids {
		switch c := k.(type) {
		case *VMAR:
			c.mappedVMOsLocked(seen)
		case *Mapping:
			if c.slice == nil {
				seen[c.vmo] = true
			}
		}
	}
}

// TablePages returns the number of page-table pages of the user half
// (the root included; the shared kernel half is not counted).
func (as *AddressSpace) TablePages() uint64 {
	as.ptMu.Lock()
	defer as.ptMu.Unlock()
	if as.ptGone {
		return 0
	}
	return as.countTablesLocked(as.pt.Root, 4, pagetable.Entries/2)
}

// countTablesLocked counts the table at tpa (of the given level) and the
// tables below its first n entries. as.ptMu held.
func (as *AddressSpace) countTablesLocked(tpa uint64, level, n int) uint64 {
	c := uint64(1)
	if level == 1 {
		return c
	}
	t := as.pt.Mem.Table(tpa)
	for _, e := range t[:n] {
		if e&pagetable.Present != 0 && e&pagetable.Huge == 0 {
			c += as.countTablesLocked(e&pagetable.AddrMask, level-1, pagetable.Entries)
		}
	}
	return c
}

// privatePagesLocked adds the private present pages of v's mappings to
// *n. v.as.mu held (shared is enough).
func (v *VMAR) privatePagesLocked(n *uint64) {
	for _, k := range v.kids {
		switch c := k.(type) {
		case *VMAR:
			c.privatePagesLocked(n)
		case *Mapping:
			if c.slice != nil {
				continue
			}
			c.vmo.mu.Lock()
			c.as.ptMu.Lock()
			if !c.as.ptGone {
				c.as.walkLocked(c.base, end(c), func(_ uint64, e *uint64) {
					if *e&pagetable.Present != 0 && c.vmo.shares.holders(*e&pagetable.AddrMask) == 1 {
						*n++
					}
				})
			}
			c.as.ptMu.Unlock()
			c.vmo.mu.Unlock()
		}
	}
}

// PrivateVMOs returns the number of distinct VMOs reachable only through
// this address space's private mappings (its Linux anonymous memory:
// every mmap makes one), so that a process watching the kernel's object
// counts can discount what its own runtime maps.
func (as *AddressSpace) PrivateVMOs() uint64 {
	as.mu.RLock()
	defer as.mu.RUnlock()
	seen := map[*VMO]bool{}
	as.root.privateVMOsLocked(seen)
	return uint64(len(seen))
}

// privateVMOsLocked adds the VMOs of v's private mappings, sub-VMARs
// included, to seen. as.mu held (shared is enough).
func (v *VMAR) privateVMOsLocked(seen map[*VMO]bool) {
	for _, k := range v.kids {
		switch n := k.(type) {
		case *VMAR:
			n.privateVMOsLocked(seen)
		case *Mapping:
			if n.private {
				seen[n.vmo] = true
			}
		}
	}
}

// Env returns the address space's Env.
func (as *AddressSpace) Env() *Env { return as.env }

// mappingLocked returns the mapping containing va, descending through
// sub-VMARs, or nil. as.mu held (shared is enough).
func (as *AddressSpace) mappingLocked(va uint64) *Mapping {
	v := as.root
	for {
		switch c := v.childLocked(va).(type) {
		case *Mapping:
			return c
		case *VMAR:
			v = c
		default:
			return nil
		}
	}
}

// Mapped reports whether va lies inside a mapping (mincore).
func (as *AddressSpace) Mapped(va uint64) bool {
	as.mu.RLock()
	defer as.mu.RUnlock()
	return !as.destroyed && as.mappingLocked(va) != nil
}

// Fault resolves a user page fault at va with error code ec: it finds the
// mapping, checks the access against its permissions, commits the VMO page
// and installs the PTE. It reports whether the access may be retried.
func (as *AddressSpace) Fault(va uint64, ec uint64) bool { return as.Resolve(va, ec) == object.OK }

// Resolve is Fault with the reason a fault cannot be resolved:
// ZX_ERR_NO_MEMORY when the page or a page table could not be allocated
// (the access was allowed), ZX_ERR_ACCESS_DENIED when the mapping forbids
// it, ZX_ERR_NOT_FOUND when nothing is mapped there (or the VMO ends
// before the page), ZX_ERR_BAD_STATE when the address space is gone.
// A page of a pager-backed VMO is waited for unkillably (ResolveWait).
func (as *AddressSpace) Resolve(va uint64, ec uint64) object.Status {
	return as.ResolveWait(va, ec, nil)
}

// ResolveWait is Resolve where w waits for a pager's pages, with no lock
// of the address space held (the mapping may go meanwhile: the fault is
// then resolved afresh). Its errors add the pager's: the op_range FAIL
// status, ZX_ERR_BAD_STATE (detached, pager closed) and
// ZX_ERR_INTERNAL_INTR_KILLED.
func (as *AddressSpace) ResolveWait(va uint64, ec uint64, w PageWaiter) object.Status {
	for {
		var r *pageReq
		st := as.resolve(va, ec, &r)
		if r == nil {
			return st
		}
		if st := waitReq(r, w); st != object.OK {
			return st
		}
	}
}

// resolve is one attempt of ResolveWait: a status, or in *req the page
// request to wait for (with no lock held) before trying again.
func (as *AddressSpace) resolve(va uint64, ec uint64, req **pageReq) object.Status {
	if va < UserBase || va >= UserLimit || ec&pfRsvd != 0 {
		return object.ErrNotFound
	}
	as.mu.RLock()
	defer as.mu.RUnlock()
	if as.destroyed {
		return object.ErrBadState
	}
	m := as.mappingLocked(va)
	if m == nil {
		return object.ErrNotFound
	}
	need := VMPermRead
	if ec&pfWrite != 0 {
		need |= VMPermWrite
	}
	if ec&pfFetch != 0 {
		need |= VMPermExecute
	}
	if m.perms&need != need {
		return object.ErrAccessDenied
	}
	page := va &^ (PageSize - 1)
	m.vmo.mu.Lock()
	defer m.vmo.mu.Unlock()
	if off := m.offset + (page - m.base); off < m.vmo.size && m.vmo.needsPagerLocked(off/PageSize) {
		if pc := m.vmo.pclone; pc != nil && ec&pfWrite == 0 {
			// A clone's read maps its parent's page read-only: it
			// sees the parent's writes until it writes itself.
			done, r, st := pc.sharedLocked(off/PageSize, true, func(pa uint64) object.Status {
				return as.installPTE(page, pa, m.vmo.ptePermsLocked(off/PageSize, pa, m.perms)&^VMPermWrite)
			})
			if done || st != object.OK || r != nil {
				*req = r
				return st
			}
		} else if r, st := m.vmo.pageSourceLocked(off/PageSize, off/PageSize+1); st != object.OK || r != nil {
			*req = r
			return st
		}
	}
	if off := m.offset + (page - m.base); ec&pfWrite != 0 && off < m.vmo.size && m.vmo.needsDirtyLocked(off/PageSize) {
		r, st := m.vmo.dirtyRequestLocked(off/PageSize, off/PageSize+1)
		*req = r
		return st
	}
	pa, st := m.vmo.pageForFaultLocked(m.offset+(page-m.base), ec&pfWrite != 0)
	if st == object.ErrOutOfRange {
		return object.ErrNotFound
	}
	if st != object.OK {
		return st
	}
	if st := as.installPTE(page, pa, m.vmo.ptePermsLocked((m.offset+(page-m.base))/PageSize, pa, m.perms)); st != object.OK {
		return st
	}
	if ec&pfWrite == 0 {
		as.faultAroundLocked(m, page)
	}
	return object.OK
}

// faultAround is how many pages around a read or execute fault are mapped
// with it (an aligned window): the pages the VMO already holds, such as a
// program's text shared from the boot filesystem, which would otherwise
// each take a fault of their own. Nothing is committed or copied.
const faultAround = 16

// faultAroundLocked maps the pages of m's VMO that are present in the
// aligned window of faultAround pages around page and not mapped yet,
// with the permissions a fault would give them. as.mu and the VMO's lock
// held.
func (as *AddressSpace) faultAroundLocked(m *Mapping, page uint64) {
	lo := max(page&^(faultAround*PageSize-1), m.base)
	hi := min(lo+faultAround*PageSize, m.base+m.size)
	for va := lo; va < hi; va += PageSize {
		if va == page {
			continue
		}
		off := m.offset + (va - m.base)
		if off >= m.vmo.size {
			break
		}
		if pa, ok := m.vmo.pages.get(off / PageSize); ok {
			as.installAbsentPTE(va, pa, m.vmo.ptePermsLocked(off/PageSize, pa, m.perms))
		}
	}
}

// copy moves bytes between buf and user memory at uaddr through the VMOs,
// checking every page's mapping and permission (reading needs PERM_READ,
// writing PERM_WRITE; force skips the permission check).
func (as *AddressSpace) copy(uaddr uint64, buf []byte, out, force bool) error {
	if len(buf) == 0 {
		return nil
	}
	if e := uaddr + uint64(len(buf)); e < uaddr || uaddr < UserBase || e > UserLimit {
		return ErrFault
	}
	as.mu.RLock()
	defer as.mu.RUnlock()
	if as.destroyed {
		return ErrFault
	}
	need := VMPermRead
	if out {
		need = VMPermWrite
	}
	for len(buf) > 0 {
		m := as.mappingLocked(uaddr)
		if m == nil || !force && m.perms&need == 0 {
			return ErrFault
		}
		in := uaddr % PageSize
		n := min(uint64(len(buf)), PageSize-in)
		if err := m.copyPage(uaddr-in, in, buf[:n], out); err != nil {
			return err
		}
		buf, uaddr = buf[n:], uaddr+n
	}
	return nil
}

// copyPage copies buf to or from the page at va (in m), at byte in.
// m.as.mu held (shared).
func (m *Mapping) copyPage(va, in uint64, buf []byte, out bool) error {
	v := m.vmo
	v.mu.Lock()
	defer v.mu.Unlock()
	off := m.offset + (va - m.base)
	if off >= v.size || v.phys {
		return ErrFault // device memory is not copied through
	}
	if v.needsPagerLocked(off / PageSize) {
		// The kernel does not wait for a pager's pages in a copy; a
		// clone uses its parent's page if it is there.
		pc := v.pclone
		if pc == nil {
			return ErrFault
		}
		done, _, _ := pc.sharedLocked(off/PageSize, false, func(pa uint64) object.Status {
			if out {
				return pc.forkLocked(v, off/PageSize, pa)
			}
			copy(buf, pc.parent.frames.Bytes(pa)[in:])
			return object.OK
		})
		switch {
		case !done && v.needsPagerLocked(off/PageSize):
			return ErrFault
		case done && !out:
			return nil
		}
	}
	if out && v.needsDirtyLocked(off/PageSize) {
		return ErrFault // the kernel does not wait for a pager in a copy
	}
	if !out {
		if pa, ok := v.pages.get(off / PageSize); ok {
			copy(buf, v.frames.Bytes(pa)[in:])
		} else {
			clear(buf)
		}
		return nil
	}
	pa, st := v.writablePageLocked(off/PageSize, true) // as the user's own write would
	switch st {
	case object.OK:
	case object.ErrNoMemory:
		return ErrNoMem // the address is good; memory is short
	default:
		return ErrFault // a dead VMO
	}
	copy(v.frames.Bytes(pa)[in:], buf)
	v.markDirtyLocked(off / PageSize)
	return nil
}

// CopyIn reads len(dst) bytes at user address uaddr. Unmapped, kernel-half,
// non-canonical or unreadable addresses give ErrFault; nothing faults the
// kernel.
func (as *AddressSpace) CopyIn(dst []byte, uaddr uint64) error {
	return as.copy(uaddr, dst, false, false)
}

// CopyOut writes src at user address uaddr, which must be mapped writable.
// It gives ErrFault for an address CopyIn refuses or a mapping without
// write permission, and ErrNoMem when a page could not be committed (or
// copied on write) for want of memory: callers that must tell a bad
// address from a full machine (signal delivery) test for ErrNoMem. A
// failed copy may have written a prefix.
func (as *AddressSpace) CopyOut(uaddr uint64, src []byte) error {
	return as.copy(uaddr, src, true, false)
}

// Poke writes src at uaddr regardless of the mapping's write permission
// (the loader filling read-only segments).
func (as *AddressSpace) Poke(uaddr uint64, src []byte) error { return as.copy(uaddr, src, true, true) }

// --- Linux personality ---

func validRange(addr, length uint64) bool {
	return pageAligned(addr) && length > 0 && addr >= UserBase && addr <= UserLimit && length <= UserLimit-addr
}

// linuxPerms converts PROT_* to ZX_VM_PERM_*; on x86 writable or
// executable pages are readable.
func linuxPerms(prot int) uint32 {
	var p uint32
	if prot&(ProtRead|ProtWrite|ProtExec) != 0 {
		p |= VMPermRead
	}
	if prot&ProtWrite != 0 {
		p |= VMPermWrite
	}
	if prot&ProtExec != 0 {
		p |= VMPermExecute
	}
	return p
}

// Mmap creates an anonymous private mapping (Linux semantics): a new VMO
// of the rounded length mapped into the root VMAR at addr with fixed
// (ZX_VM_SPECIFIC_OVERWRITE), at the hint addr if that range is free, or
// top-down below 0x7f0000000000. prot 0 makes a mapping without
// permissions (a reservation that mprotect or MAP_FIXED can later open).
// Errors: ErrInvalid (length 0, bad fixed address, MAP_FIXED over a
// sub-VMAR), ErrNoMem (no room, no memory).
func (as *AddressSpace) Mmap(addr, length uint64, prot int, fixed bool) (uint64, error) {
	if length == 0 {
		return 0, ErrInvalid
	}
	size, ok := pageRoundUp(length)
	if !ok || size > UserLimit-UserBase {
		return 0, ErrNoMem
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.destroyed {
		return 0, ErrNoMem
	}
	vmo, st := NewVMO(as.env.Frames, size, 0)
	if st != object.OK {
		return 0, ErrNoMem
	}
	defer vmo.Release() // the mapping holds the only reference
	va, err := as.placeLocked(addr, size, fixed)
	if err != nil {
		return 0, err
	}
	as.root.mapLocked(va, size, vmo, 0, linuxPerms(prot), vmPerms, true)
	return va, nil
}

// placeLocked finds where a Linux mapping of size bytes goes (see Mmap),
// clearing the range for fixed. as.mu held.
func (as *AddressSpace) placeLocked(addr, size uint64, fixed bool) (uint64, error) {
	root := as.root
	hint := addr &^ (PageSize - 1)
	var va uint64
	ok := false
	switch {
	case fixed:
		if !validRange(addr, size) {
			return 0, ErrInvalid
		}
		va = addr
		if st := root.overwriteLocked(va, va+size); st != object.OK {
			return 0, ErrInvalid
		}
	case hint != 0 && validRange(hint, size) && root.isFreeLocked(hint, hint+size):
		va = hint
	default:
		if va, ok = root.findSpotLocked(size, PageSize, UserBase, mmapTop); !ok {
			if va, ok = root.findSpotLocked(size, PageSize, UserBase, UserLimit); !ok {
				return 0, ErrNoMem
			}
		}
	}
	return va, nil
}

// MmapVMO maps [offset, offset+length) of vmo as Mmap places an anonymous
// mapping: a Linux mapping of a file's VMO. private says the mapping
// holds the VMO's only reference (a copy-on-write child made for
// MAP_PRIVATE), so unmapped parts are freed. The part of the range past
// the VMO's end is mapped inaccessible (Linux's SIGBUS pages past the end
// of file fault as SIGSEGV here). The mapping takes its own reference.
// Errors: ErrInvalid (offset not page-aligned, length 0, bad fixed
// address), ErrNoMem.
func (as *AddressSpace) MmapVMO(addr, length uint64, prot int, fixed bool, vmo *VMO, offset uint64, private, readOnly bool) (uint64, error) {
	if length == 0 || !pageAligned(offset) {
		return 0, ErrInvalid
	}
	size, ok := pageRoundUp(length)
	if !ok || size > UserLimit-UserBase {
		return 0, ErrNoMem
	}
	covered := uint64(0)
	if vs := vmo.Size(); offset < vs {
		covered = min(size, vs-offset)
	}
	var rest *VMO
	if covered < size {
		var st object.Status
		if rest, st = NewVMO(as.env.Frames, size-covered, 0); st != object.OK {
			return 0, ErrNoMem
		}
		defer rest.Release()
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.destroyed {
		return 0, ErrNoMem
	}
	va, err := as.placeLocked(addr, size, fixed)
	if err != nil {
		return 0, err
	}
	if covered > 0 {
		maxPerms := vmPerms
		if readOnly {
			maxPerms &^= VMPermWrite
		}
		as.root.mapLocked(va, covered, vmo, offset, linuxPerms(prot), maxPerms, private)
	}
	if rest != nil {
		as.root.mapLocked(va+covered, size-covered, rest, 0, 0, 0, true)
	}
	return va, nil
}

// Munmap removes the mappings in [addr, addr+length), entering sub-VMARs
// but never destroying them (Zircon's unmap with partial VMARs allowed).
func (as *AddressSpace) Munmap(addr, length uint64) error {
	size, ok := pageRoundUp(length)
	if !ok || !validRange(addr, size) {
		return ErrInvalid
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	if !as.destroyed {
		as.root.unmapLocked(addr, addr+size, true)
	}
	return nil
}

// Mprotect changes the protection of the mappings (direct children of the
// root VMAR) covering [addr, addr+length). Contents survive, PROT_NONE
// included. Errors: ErrInvalid (unaligned, a sub-VMAR in the range, or a
// protection the mapping may not have), ErrNoMem (part of the range
// unmapped).
func (as *AddressSpace) Mprotect(addr, length uint64, prot int) error {
	if length == 0 && pageAligned(addr) {
		return nil
	}
	size, ok := pageRoundUp(length)
	if !ok || !pageAligned(addr) {
		return ErrInvalid
	}
	if !validRange(addr, size) {
		return ErrNoMem
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.destroyed {
		return ErrNoMem
	}
	perms := linuxPerms(prot)
	switch as.root.checkProtectLocked(addr, addr+size, perms) {
	case object.OK:
	case object.ErrNotFound:
		return ErrNoMem
	default:
		return ErrInvalid
	}
	as.root.protectLocked(addr, addr+size, perms)
	return nil
}

// Decommit implements MADV_DONTNEED on [addr, addr+length): the pages of
// private (mmap-created) mappings are decommitted and read back as zero;
// shared VMOs only lose their PTEs. Gaps are skipped.
func (as *AddressSpace) Decommit(addr, length uint64) error {
	if length == 0 && pageAligned(addr) {
		return nil
	}
	size, ok := pageRoundUp(length)
	if !ok || !validRange(addr, size) {
		return ErrInvalid
	}
	as.mu.RLock()
	defer as.mu.RUnlock()
	if !as.destroyed {
		as.root.dontNeedLocked(addr, addr+size)
	}
	return nil
}

// dontNeedLocked applies MADV_DONTNEED to [lo, hi) in v's subtree.
// v.as.mu held (shared is enough).
func (v *VMAR) dontNeedLocked(lo, hi uint64) {
	i, j := v.overlapLocked(lo, hi)
	for _, c := range v.kids[i:j] {
		switch c := c.(type) {
		case *Mapping:
			s, e := max(lo, c.base), min(hi, end(c))
			if c.private {
				c.decommitLocked(s, e)
			} else {
				c.as.clearPTEs(s, e)
			}
		case *VMAR:
			c.dontNeedLocked(lo, hi)
		}
	}
}

// Destroy frees the page tables, unmaps everything (dropping the VMO
// references, which frees the pages of VMOs nobody else holds) and kills
// the root VMAR (its handles then fail with BAD_STATE). No thread may be
// running in the address space; if CR3 holds it, it is switched to the
// kernel's tables first.
func (as *AddressSpace) Destroy() {
	as.mu.Lock()
	if as.destroyed {
		as.mu.Unlock()
		return
	}
	as.destroyed = true
	as.ptMu.Lock()
	as.env.TLB.Retire(as.pt.Root)
	as.pt.TeardownLowerHalf(nil)
	as.env.Tables.FreeTable(as.pt.Root)
	as.ptGone, as.pages = true, 0
	as.ptMu.Unlock()
	root := as.root
	root.clearLocked()
	root.dead = true
	as.mu.Unlock()
	root.Release() // the address space's reference
}
