// Package pagetable builds and walks x86-64 4-level page tables (Intel SDM
// Vol. 3A §4.5, "4-Level Paging and 5-Level Paging"; entry formats in
// Tables 4-15 to 4-20).
//
// The page-fault handler uses it, so every function is //go:nosplit, never
// allocates and stores only uint64 entries (no pointer stores, hence no
// write barriers). Table pages come from a PageSource, which the kernel
// implements over its direct map and the physical allocator; the source's
// methods must be nosplit and allocation-free as well when used on the trap
// path. Calls through the interface are the only indirect calls made.
//
// The package does not touch the TLB: after Unmap or Protect (and after
// Map over a previously present software PTE) the caller issues INVLPG or
// a shootdown, which lives in arch/.
//
// Locking: a Mapper has no lock. The kernel holds the owning address
// space's lock around every call; the PageSource's own lock (the physical
// allocator's leaf lock) is taken inside, so the order is
// address-space lock → physical-memory lock.
package pagetable

// Page-table entry bits (SDM Vol. 3A §4.5, Tables 4-15 to 4-20).
const (
	Present      uint64 = 1 << 0  // P: the entry maps a page or a table
	Writable     uint64 = 1 << 1  // R/W: writes allowed
	User         uint64 = 1 << 2  // U/S: ring-3 accesses allowed
	WriteThrough uint64 = 1 << 3  // PWT
	CacheDisable uint64 = 1 << 4  // PCD
	Accessed     uint64 = 1 << 5  // A: set by the CPU on access
	Dirty        uint64 = 1 << 6  // D: set by the CPU on write (leaves only)
	Huge         uint64 = 1 << 7  // PS in a PDPTE (1 GiB) or PDE (2 MiB)
	PAT4K        uint64 = 1 << 7  // PAT bit of a 4 KiB PTE (same bit as Huge)
	Global       uint64 = 1 << 8  // G: survives CR3 reloads (CR4.PGE)
	Soft9        uint64 = 1 << 9  // ignored by the CPU: software use
	Soft10       uint64 = 1 << 10 // ignored by the CPU: software use
	Soft11       uint64 = 1 << 11 // ignored by the CPU: software use
	PATHuge      uint64 = 1 << 12 // PAT bit of a 2 MiB / 1 GiB leaf
	NoExecute    uint64 = 1 << 63 // XD: instruction fetches fault (needs EFER.NXE)

	// SoftDemand marks a non-present 4 KiB PTE as reserved address space
	// that is demand-zero: the fault handler commits a zeroed page on first
	// touch. The CPU ignores every other bit of a non-present entry, so the
	// remaining software bits and the protection bits can carry the
	// intended permissions.
	SoftDemand = Soft9

	// AddrMask selects the physical address bits 12..51 of an entry
	// (MAXPHYADDR is at most 52, SDM §4.1.4).
	AddrMask uint64 = 0x000f_ffff_ffff_f000
)

// Entries is the number of entries in every paging structure.
const Entries = 512

// Size is a page size.
type Size uint64

// Page sizes supported by 4-level paging.
const (
	Size4K Size = 1 << 12
	Size2M Size = 1 << 21
	Size1G Size = 1 << 30
)

// Errors. They are constants, not errors.New values: the kernel builds its
// page tables before the Go runtime has run package initialisers, when an
// errors.New variable would still be nil. Returning them never allocates.
const (
	ErrNonCanonical = Error("pagetable: non-canonical virtual address")
	ErrMisaligned   = Error("pagetable: address not aligned to the page size")
	ErrBadSize      = Error("pagetable: unsupported page size")
	ErrBadAddress   = Error("pagetable: physical address beyond 52 bits")
	ErrBadFlags     = Error("pagetable: flags contain address bits")
	ErrWX           = Error("pagetable: writable and executable mapping refused (W^X)")
	ErrExists       = Error("pagetable: address already mapped")
	ErrHugeConflict = Error("pagetable: a huge page covers the address")
	ErrNotMapped    = Error("pagetable: address not mapped")
)

// PageSource supplies and resolves page-table pages. The kernel's
// implementation allocates from the physical allocator and reaches tables
// through its direct map; host tests use the Go heap.
type PageSource interface {
	// AllocTable returns the physical address of a zeroed 4 KiB page.
	AllocTable() (uint64, error)
	// FreeTable releases a page obtained from AllocTable.
	FreeTable(pa uint64)
	// Table returns the table stored at physical address pa.
	Table(pa uint64) *[Entries]uint64
}

// Mapper edits the address space rooted at the PML4 at physical address
// Root.
type Mapper struct {
	Root uint64     // physical address of the PML4 (what CR3 holds)
	Mem  PageSource // where tables come from
	// AllowWX lets Map and Protect create leaves that are both writable
	// and executable. Off by default: W^X is the kernel's policy, and a
	// caller that truly needs it (a JIT) has to ask.
	AllowWX bool
}

// Canonical reports whether va is canonical for 48-bit linear addresses
// (bits 63..47 all equal, SDM §3.3.7.1).
//
//go:nosplit
func Canonical(va uint64) bool {
	return uint64(int64(va<<16)>>16) == va
}

// Index returns va's index into the paging structure at level (4 = PML4,
// 3 = PDPT, 2 = PD, 1 = PT).
//
//go:nosplit
func Index(va uint64, level int) int {
	return int(va>>(12+9*uint(level-1))) & (Entries - 1)
}

// LevelSize is the span of one entry at level: 4 KiB at level 1, 2 MiB at
// 2, 1 GiB at 3, 512 GiB at 4.
//
//go:nosplit
func LevelSize(level int) uint64 {
	return 1 << (12 + 9*uint(level-1))
}

// leafLevel maps a page size to the level holding its leaf entry.
//
//go:nosplit
func leafLevel(s Size) int {
	switch s {
	case Size4K:
		return 1
	case Size2M:
		return 2
	case Size1G:
		return 3
	}
	return 0
}

// addrMask returns the address bits of a leaf at level: bits 12..51 for a
// PTE, 21..51 / 30..51 for huge leaves (bit 12 is then PATHuge).
//
//go:nosplit
func addrMask(level int) uint64 {
	return AddrMask &^ (LevelSize(level) - 1)
}

// checkFlags validates leaf flags for a mapping at level.
//
//go:nosplit
func (m *Mapper) checkFlags(flags uint64, level int) error {
	allowed := ^AddrMask
	if level > 1 {
		allowed |= PATHuge
	}
	if flags&^allowed != 0 {
		return ErrBadFlags
	}
	if !m.AllowWX && flags&Writable != 0 && flags&NoExecute == 0 {
		return ErrWX
	}
	return nil
}

// walk descends from the root to the table at stop (1..3) that holds va's
// entry and returns a pointer to that entry. Missing tables are created
// when create is set, with permissive flags (Present|Writable|User, no XD)
// so that the leaf alone decides the access rights: the CPU combines the
// rights of all levels (SDM §4.6.1). A huge leaf above stop yields
// ErrHugeConflict.
//
//go:nosplit
func (m *Mapper) walk(va uint64, stop int, create bool) (*uint64, error) {
	t := m.Mem.Table(m.Root)
	for level := 4; level > stop; level-- {
		e := &t[Index(va, level)]
		if *e&Present == 0 {
			if !create {
				return nil, ErrNotMapped
			}
			pa, err := m.Mem.AllocTable()
			if err != nil {
				return nil, err
			}
			*e = pa&AddrMask | Present | Writable | User
		} else if level <= 3 && *e&Huge != 0 {
			return nil, ErrHugeConflict
		}
		t = m.Mem.Table(*e & AddrMask)
	}
	return &t[Index(va, stop)], nil
}

// find returns va's leaf entry and its level, for present leaves and for
// non-present, non-zero 4 KiB PTEs (software PTEs) alike.
//
//go:nosplit
func (m *Mapper) find(va uint64) (*uint64, int, error) {
	if !Canonical(va) {
		return nil, 0, ErrNonCanonical
	}
	t := m.Mem.Table(m.Root)
	for level := 4; ; level-- {
		e := &t[Index(va, level)]
		if level == 1 {
			if *e == 0 {
				return nil, 0, ErrNotMapped
			}
			return e, 1, nil
		}
		if *e&Present == 0 {
			return nil, 0, ErrNotMapped
		}
		if level <= 3 && *e&Huge != 0 {
			return e, level, nil
		}
		t = m.Mem.Table(*e & AddrMask)
	}
}

// Map maps the page of the given size at va to pa with the leaf flags
// (Present, and Huge for 2 MiB / 1 GiB pages, are added). Both addresses
// must be aligned to size. Intermediate tables are created as needed. It
// fails with ErrExists if a present leaf or (for a huge page) a page table
// already occupies the slot, and ErrHugeConflict if a larger page covers
// va. A non-present software PTE in the slot is replaced.
//
//go:nosplit
func (m *Mapper) Map(va, pa uint64, size Size, flags uint64) error {
	level := leafLevel(size)
	if level == 0 {
		return ErrBadSize
	}
	if !Canonical(va) {
		return ErrNonCanonical
	}
	if va&(uint64(size)-1) != 0 || pa&(uint64(size)-1) != 0 {
		return ErrMisaligned
	}
	if pa&^AddrMask != 0 {
		return ErrBadAddress
	}
	if err := m.checkFlags(flags, level); err != nil {
		return err
	}
	e, err := m.walk(va, level, true)
	if err != nil {
		return err
	}
	if level == 1 {
		if *e&Present != 0 {
			return ErrExists
		}
		*e = pa | flags | Present
		return nil
	}
	if *e&Present != 0 {
		return ErrExists
	}
	*e = pa | flags | Present | Huge
	return nil
}

// Unmap removes the leaf mapping va (a present page of any size, or a
// non-present software PTE) and returns the old entry and the page size.
// va must be the start of the page: splitting a huge page is the caller's
// decision. Tables left empty stay until Prune.
//
//go:nosplit
func (m *Mapper) Unmap(va uint64) (old uint64, size Size, err error) {
	e, level, err := m.find(va)
	if err != nil {
		return 0, 0, err
	}
	if va&(LevelSize(level)-1) != 0 {
		return 0, 0, ErrMisaligned
	}
	old = *e
	*e = 0
	return old, Size(LevelSize(level)), nil
}

// Lookup translates va through present mappings of any size and returns
// the physical address, the leaf's flag bits (everything but the address,
// so Huge is set for large pages) and the page size.
//
//go:nosplit
func (m *Mapper) Lookup(va uint64) (pa, flags uint64, size Size, err error) {
	e, level, err := m.find(va)
	if err != nil {
		return 0, 0, 0, err
	}
	if *e&Present == 0 {
		return 0, 0, 0, ErrNotMapped
	}
	am := addrMask(level)
	off := va & (LevelSize(level) - 1)
	return *e&am + off, *e &^ am, Size(LevelSize(level)), nil
}

// Entry returns a pointer to va's 4 KiB PTE slot, creating intermediate
// tables when create is set. It is for callers that manage non-present
// software PTEs (SoftDemand) and commit them in the fault handler. A huge
// page covering va gives ErrHugeConflict; a missing table without create
// gives ErrNotMapped.
//
//go:nosplit
func (m *Mapper) Entry(va uint64, create bool) (*uint64, error) {
	if !Canonical(va) {
		return nil, ErrNonCanonical
	}
	return m.walk(va, 1, create)
}

// Protect replaces the flags of the present leaf that starts at va,
// keeping its address and size (Present, and Huge for large pages, are
// kept). Making a page inaccessible is done with Unmap or a software PTE
// via Entry, not here.
//
//go:nosplit
func (m *Mapper) Protect(va, flags uint64) error {
	e, level, err := m.find(va)
	if err != nil {
		return err
	}
	if *e&Present == 0 {
		return ErrNotMapped
	}
	if va&(LevelSize(level)-1) != 0 {
		return ErrMisaligned
	}
	if err := m.checkFlags(flags, level); err != nil {
		return err
	}
	keep := *e & addrMask(level)
	if level > 1 {
		keep |= Huge
	}
	*e = keep | flags | Present
	return nil
}

// empty reports whether every entry of t is zero (software PTEs count as
// content: they carry state).
//
//go:nosplit
func empty(t *[Entries]uint64) bool {
	for i := range t {
		if t[i] != 0 {
			return false
		}
	}
	return true
}

// span clips the entry range of a table at level whose first byte is base
// to [lo, hi) (48-bit linear offsets, hi > lo) and returns the first and
// last index touched.
//
//go:nosplit
func span(base, lo, hi uint64, level int) (first, last int) {
	shift := 12 + 9*uint(level-1) // shifts, not division: no panicdivide path
	end := base + Entries<<shift
	if lo < base {
		lo = base
	}
	if hi > end {
		hi = end
	}
	return int((lo - base) >> shift), int((hi - 1 - base) >> shift)
}

const linearMask = 1<<48 - 1

// Prune frees the intermediate tables that are empty and overlap
// [va, va+length), clearing the entries that pointed at them, and returns
// how many were freed. The PML4 itself is never freed, and neither are the
// PDPTs under PML4 entries 256–511: the kernel half is shared by every
// address space and its top-level entries must never change. The caller
// flushes the TLB (paging-structure caches) for the range afterwards.
//
//go:nosplit
func (m *Mapper) Prune(va, length uint64) int {
	if length == 0 || !Canonical(va) {
		return 0
	}
	lo := va & linearMask
	hi := lo + length
	if hi > 1<<48 || hi < lo {
		hi = 1 << 48
	}
	freed := 0
	root := m.Mem.Table(m.Root)
	f4, l4 := span(0, lo, hi, 4)
	for i4 := f4; i4 <= l4; i4++ {
		e4 := &root[i4]
		if *e4&Present == 0 {
			continue
		}
		b4 := uint64(i4) * LevelSize(4)
		pdptPA := *e4 & AddrMask
		pdpt := m.Mem.Table(pdptPA)
		f3, l3 := span(b4, lo, hi, 3)
		for i3 := f3; i3 <= l3; i3++ {
			e3 := &pdpt[i3]
			if *e3&Present == 0 || *e3&Huge != 0 {
				continue
			}
			b3 := b4 + uint64(i3)*LevelSize(3)
			pdPA := *e3 & AddrMask
			pd := m.Mem.Table(pdPA)
			f2, l2 := span(b3, lo, hi, 2)
			for i2 := f2; i2 <= l2; i2++ {
				e2 := &pd[i2]
				if *e2&Present == 0 || *e2&Huge != 0 {
					continue
				}
				ptPA := *e2 & AddrMask
				if empty(m.Mem.Table(ptPA)) {
					*e2 = 0
					m.Mem.FreeTable(ptPA)
					freed++
				}
			}
			if empty(pd) {
				*e3 = 0
				m.Mem.FreeTable(pdPA)
				freed++
			}
		}
		if i4 < Entries/2 && empty(pdpt) {
			*e4 = 0
			m.Mem.FreeTable(pdptPA)
			freed++
		}
	}
	return freed
}

// LeafFunc receives each leaf released by TeardownLowerHalf: its virtual
// address, the entry (present or a software PTE) and the page size. The
// process-teardown code uses it to drop page references; on the trap path
// it must be nosplit and allocation-free too.
type LeafFunc func(va, pte uint64, size Size)

// TeardownLowerHalf releases the user half of the address space: every
// table under PML4 entries 0–255 is freed and those entries are cleared;
// leaf(va, pte, size) is called first for each non-zero leaf if leaf is not
// nil. The PML4 and the kernel half are untouched, so the caller frees the
// PML4 itself (after switching CR3 away from it). It returns the number of
// tables freed.
//
//go:nosplit
func (m *Mapper) TeardownLowerHalf(leaf LeafFunc) int {
	freed := 0
	root := m.Mem.Table(m.Root)
	for i4 := 0; i4 < Entries/2; i4++ {
		e4 := root[i4]
		if e4&Present == 0 {
			continue
		}
		b4 := uint64(i4) * LevelSize(4)
		pdpt := m.Mem.Table(e4 & AddrMask)
		for i3 := range pdpt {
			e3 := pdpt[i3]
			b3 := b4 + uint64(i3)*LevelSize(3)
			if e3&Present == 0 {
				continue
			}
			if e3&Huge != 0 {
				if leaf != nil {
					leaf(b3, e3, Size1G)
				}
				continue
			}
			pd := m.Mem.Table(e3 & AddrMask)
			for i2 := range pd {
				e2 := pd[i2]
				b2 := b3 + uint64(i2)*LevelSize(2)
				if e2&Present == 0 {
					continue
				}
				if e2&Huge != 0 {
					if leaf != nil {
						leaf(b2, e2, Size2M)
					}
					continue
				}
				if leaf != nil {
					pt := m.Mem.Table(e2 & AddrMask)
					for i1 := range pt {
						if pt[i1] != 0 {
							leaf(b2+uint64(i1)*LevelSize(1), pt[i1], Size4K)
						}
					}
				}
				m.Mem.FreeTable(e2 & AddrMask)
				freed++
			}
			m.Mem.FreeTable(e3 & AddrMask)
			freed++
		}
		root[i4] = 0
		m.Mem.FreeTable(e4 & AddrMask)
		freed++
	}
	return freed
}

// CopyUpperHalf copies PML4 entries 256–511 (the shared kernel half) from
// the PML4 at src into this Mapper's root, for a new address space.
//
//go:nosplit
func (m *Mapper) CopyUpperHalf(src uint64) {
	dst := m.Mem.Table(m.Root)
	s := m.Mem.Table(src)
	for i := Entries / 2; i < Entries; i++ {
		dst[i] = s[i]
	}
}

// Error is the type of the package's sentinel errors.
type Error string

// Error implements error.
func (e Error) Error() string { return string(e) }
