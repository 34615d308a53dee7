package kmem

import (
	"unsafe"

	"beryl/arch/x86"
	"beryl/mm/pagetable"
)

// MaxPhys caps the physical address range the allocator manages (64 GiB:
// a 4 MiB bitmap). Memory above it is left unused.
const MaxPhys = 64 << 30

// bootMapLimit is how much physical memory the boot page tables map at the
// direct-map address (entry_amd64.s): Setup only touches memory below it
// until the new tables are live.
const bootMapLimit = 4 << 30

// Range is a physical address range [Start, End).
type Range struct{ Start, End uint64 }

// Setup initialises the physical allocator with the usable ranges (RAM
// minus everything that must never be handed out: kernel image, boot
// modules, boot information, the low 1 MiB), builds the kernel page tables
// with the direct map covering direct (RAM and firmware-table regions),
// and switches CR3 to them. span is the end of RAM. Afterwards the lower
// half is unmapped, so nil dereferences fault. It runs before the Go
// runtime: nosplit, no allocation.
//
//go:nosplit
func Setup(usable, direct []Range, span uint64) bool {
	hi := span
	if hi > MaxPhys {
		hi = MaxPhys
	}
	npages := hi / PageSize
	words := bitmapWords(npages)
	need := words * 8

	// Bitmap storage: the first usable range that fits, below the boot
	// direct map's limit.
	var bm uint64
	for _, r := range usable {
		start := (r.Start + PageSize - 1) &^ (PageSize - 1)
		if r.End > start && r.End-start >= need && start+need <= bootMapLimit {
			bm = start
			break
		}
	}
	if bm == 0 {
		return false
	}
	storage := unsafe.Slice((*uint64)(Ptr(PhysToVirt(bm))), words)
	if Phys.Init(0, npages, storage) != nil {
		return false
	}
	for _, r := range usable {
		Phys.Free(r.Start, r.End-r.Start)
	}
	Phys.Reserve(bm, need)

	// Page tables. The allocator hands out low pages first, so every table
	// built here is reachable through the boot direct map.
	root, err := src.AllocTable()
	if err != nil || root >= bootMapLimit {
		return false
	}
	Kernel = pagetable.Mapper{Root: root, Mem: &src}
	pml4 := src.Table(root)
	for i := 256; i < 512; i++ {
		t, err := src.AllocTable()
		if err != nil {
			return false
		}
		pml4[i] = t | pagetable.Present | pagetable.Writable
	}

	// Direct map in 2 MiB pages.
	dm := pagetable.Writable | pagetable.NoExecute | pagetable.Global
	for _, r := range direct {
		end := r.End
		if end > MaxPhys {
			end = MaxPhys
		}
		if r.Start < end {
			mapDirect(r.Start, end, dm)
		}
	}

	// Kernel image from its own program headers (the ELF header is the
	// first page of the loaded text segment).
	if !mapImage() {
		return false
	}
	x86.WriteCR4(x86.ReadCR4() | x86.CR4PGE)
	x86.WriteCR3(root)
	return true
}

//go:nosplit
func bitmapWords(npages uint64) uint64 { return 2 * ((npages + 63) / 64) }

// mapDirect maps [lo, hi) at the direct map in 2 MiB pages, skipping pages
// an earlier region already mapped.
//
//go:nosplit
func mapDirect(lo, hi uint64, flags uint64) {
	const big = 1 << 21
	for a := lo &^ (big - 1); a < hi; a += big {
		if _, _, _, err := Kernel.Lookup(DirectMapBase + a); err == nil {
			continue
		}
		Kernel.Map(DirectMapBase+a, a, pagetable.Size2M, flags)
	}
}

// ELF64 program header fields (System V gABI).
const (
	ptLoad = 1
	pfX    = 1
	pfW    = 2
)

//go:nosplit
func mapImage() bool {
	const big = 1 << 21
	it := imageSegments()
	for {
		vaddr, memsz, pflags, ok := it.next()
		if !ok {
			return true
		}
		flags := pagetable.Global
		if pflags&pfW != 0 {
			flags |= pagetable.Writable
		}
		if pflags&pfX == 0 {
			flags |= pagetable.NoExecute
		}
		for a := vaddr &^ (big - 1); a < vaddr+memsz; a += big {
			if Kernel.Map(a, a-KernelBase, pagetable.Size2M, flags) != nil {
				return false
			}
		}
	}
}

// segments iterates over the PT_LOAD program headers of the loaded kernel
// image (its ELF header is the first page of the text segment). An
// iterator rather than a callback: callers run before the Go runtime, where
// a closure's stack check would dereference a nil g.
type segments struct {
	phoff, phentsize, phnum, i uint64
}

//go:nosplit
func imageSegments() segments {
	hdr := (*[64]byte)(Ptr(ImageBase))
	return segments{
		phoff:     le64(hdr[32:]),
		phentsize: uint64(hdr[54]) | uint64(hdr[55])<<8,
		phnum:     uint64(hdr[56]) | uint64(hdr[57])<<8,
	}
}

// next returns the next PT_LOAD segment's address, memory size and flags.
//
//go:nosplit
func (s *segments) next() (vaddr, memsz uint64, flags uint32, ok bool) {
	for ; s.i < s.phnum; s.i++ {
		ph := (*[56]byte)(Ptr(uintptr(ImageBase + s.phoff + s.i*s.phentsize)))
		if le32(ph[0:]) == ptLoad {
			s.i++
			return le64(ph[16:]), le64(ph[40:]), le32(ph[4:]), true
		}
	}
	return 0, 0, 0, false
}

//go:nosplit
func le64(b []byte) uint64 {
	return uint64(le32(b)) | uint64(le32(b[4:]))<<32
}

//go:nosplit
func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// ImagePhysEnd returns the physical end of the loaded kernel image
// (including BSS), from its program headers.
//
//go:nosplit
func ImagePhysEnd() uint64 {
	var end uint64
	it := imageSegments()
	for {
		vaddr, memsz, _, ok := it.next()
		if !ok {
			return end - KernelBase
		}
		if vaddr+memsz > end {
			end = vaddr + memsz
		}
	}
}
