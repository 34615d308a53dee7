// Package kmem owns the kernel's memory: the physical page allocator, the
// kernel page tables (direct map, kernel image with W^X, the runtime heap
// region, the MMIO window) and demand-zero paging of the region where the
// Go runtime's mmap reservations live.
//
// Kernel virtual layout (PML4 slots):
//
//	256-383  0xffff800000000000  direct map of physical memory (RW, NX)
//	384-447  0xffffc00000000000  Go runtime mmap region (demand-zero)
//	448      0xffffe00000000000  MMIO and firmware-table window (UC or WB)
//	511      0xffffffff80000000  kernel image (text RX, rodata R, data RW NX)
//
// Every kernel-half PML4 slot gets its PDPT at boot, so the kernel half of
// a user address space is shared by copying slots 256-511 once.
//
// Most entry points run on the trap path (page faults, the runtime's mmap
// and madvise): they are nosplit, allocate nothing and store no Go
// pointers. Locking: everything here runs with x86.TrapLock held and
// interrupts disabled: the trap path holds it already; Go-context callers
// use Lock/Unlock, which disable interrupts and take it (it is
// CPU-recursive, so a page fault while it is held is fine). It is the
// last lock: kmem → nothing. Translations removed or narrowed in the
// kernel half are shot down on every CPU that runs threads
// (x86.Shootdown), one round per call.
package kmem

import (
	"beryl/arch/x86"
	"beryl/mm/pagetable"
	"beryl/mm/pmm"
)

// Virtual layout constants.
const (
	DirectMapBase = 0xffff800000000000
	HeapBase      = 0xffffc00000000000
	HeapLimit     = 0xffffe00000000000
	MMIOBase      = 0xffffe00000000000
	MMIOLimit     = 0xffffe08000000000
	KernelBase    = 0xffffffff80000000
	// ImageBase is where the ELF header of the kernel image is mapped; the
	// image is loaded at physical ImageBase-KernelBase.
	ImageBase = 0xffffffff80200000

	PageSize = 4096
)

var (
	// Phys is the physical page allocator.
	Phys pmm.Allocator
	// Kernel is the kernel address space (CR3 of every kernel thread).
	Kernel pagetable.Mapper

	heapNext = uint64(HeapBase)
	mmioNext = uint64(MMIOBase)
	// heapPages counts committed (present) pages in the runtime region.
	heapPages uint64
	// tablePages counts the kernel's own page tables allocated since
	// boot (the runtime region's grow as the heap's reservations do).
	tablePages uint64
	// userPages counts pages held for user memory: VMO pages and the
	// page tables of user address spaces.
	userPages uint64
	// reservePages is how many free pages user memory may never take:
	// the kernel's own Go heap, page tables and stacks grow into them.
	reservePages uint64
)

// Lock disables interrupts around a kmem call made from goroutine
// context and returns the state Unlock restores.
//
//go:nosplit
func Lock() uint64 {
	f := x86.Flags()
	x86.DisableInterrupts()
	x86.TrapLock.Lock()
	return f
}

// Unlock restores the interrupt state saved by Lock.
//
//go:nosplit
func Unlock(f uint64) {
	x86.TrapLock.Unlock()
	if f&x86.FlagIF != 0 {
		x86.EnableInterrupts()
	}
}

// Stats reports physical memory in pages: total managed, free, and the
// kernel's Go heap: the pages committed to the runtime region and the
// kernel page tables allocated since boot (mostly the region's, which
// grow with the heap's reservations).
//
//go:nosplit
func Stats() (total, free, heap uint64) {
	return Phys.TotalPages(), Phys.FreePages(), heapPages + tablePages
}

// SetReserve sets how many free pages user allocations leave to the
// kernel (AllocUser fails below it, or below three quarters of it for a
// page fault; GateOK fails below half of it). It is set once at boot.
//
//go:nosplit
func SetReserve(pages uint64) { reservePages = pages }

// Reserve returns the reserve set by SetReserve, in pages.
//
//go:nosplit
func Reserve() uint64 { return reservePages }

// UserPages returns the pages currently held for user memory (AllocUser
// minus FreeUser).
//
//go:nosplit
func UserPages() uint64 { return userPages }

// AllocUser allocates a page for user memory (a VMO page or a user page
// table): it fails with pmm.ErrNoMemory rather than take the last
// Reserve() free pages, so that no user commit can starve the kernel. A
// page fault (fault set) may go a quarter of the reserve deeper: the
// threads of a process that has just committed all it could, and every
// other process, keep running on that cushion while the process that
// met NO_MEMORY gives memory back. Callers hold Lock.
//
//go:nosplit
func AllocUser(fault bool) (uint64, error) {
	floor := reservePages
	if fault {
		floor -= reservePages / 4
	}
	if Phys.FreePages() <= floor {
		return 0, pmm.ErrNoMemory
	}
	pa, err := Phys.AllocPage()
	if err == nil {
		userPages++
	}
	return pa, err
}

// AllocUserContig allocates n physically contiguous pages for user
// memory (a contiguous VMO), aligned to 2^alignLog2 bytes, with
// AllocUser's floor; each page is later returned with FreeUser. Callers
// hold Lock.
//
//go:nosplit
func AllocUserContig(n uint64, alignLog2 uint32) (uint64, error) {
	if Phys.FreePages() <= reservePages+n {
		return 0, pmm.ErrNoMemory
	}
	align := uint64(1)
	if alignLog2 > 12 {
		align = 1 << (alignLog2 - 12)
	}
	pa, err := Phys.AllocContig(n, align)
	if err == nil {
		userPages += n
	}
	return pa, err
}

// AllocUserTable is AllocUser for a page table of a user address space,
// which page faults need too (so with the fault cushion): the page comes
// zeroed. Callers hold Lock.
//
//go:nosplit
func AllocUserTable() (uint64, error) {
	pa, err := AllocUser(true)
	if err == nil {
		zeroPage(pa)
	}
	return pa, err
}

// FreeUser returns a page obtained from AllocUser. Callers hold Lock.
//
//go:nosplit
func FreeUser(pa uint64) {
	if Phys.FreePage(pa) == nil {
		userPages--
	}
}

// GateOK reports whether the kernel may still grow its Go heap on a
// user's behalf (new objects, queued messages, threads): free memory is
// above half the reserve. The other half is the kernel's own. It reads
// one counter and takes no lock: a racing allocation can move it by a
// page, far inside the margin.
//
// Without a reserve (host tests, before boot sets one) it is always true.
//
//go:nosplit
func GateOK() bool { return reservePages == 0 || Phys.FreePages() > reservePages/2 }

// FaultResult tells the trap handler what a page fault was.
type FaultResult int

// Fault outcomes.
const (
	// FaultResolved: a demand-zero page was committed; retry the access.
	FaultResolved FaultResult = iota
	// FaultUnmapped: nothing is mapped or reserved at the address.
	FaultUnmapped
	// FaultAccess: the page exists but forbids this access.
	FaultAccess
	// FaultNoMemory: physical memory is exhausted.
	FaultNoMemory
)

// HandleFault resolves a fault at va in the kernel address space with the
// page-fault error code ec (SDM Vol. 3A §4.7).
// Trap path: nosplit, no allocation.
//
//go:nosplit
func HandleFault(va uint64, ec uint64) FaultResult {
	if va < HeapBase || va >= HeapLimit {
		if ec&x86.PFPresent != 0 {
			return FaultAccess
		}
		return FaultUnmapped
	}
	e, err := Kernel.Entry(va&^(PageSize-1), false)
	if err != nil || e == nil {
		return FaultUnmapped
	}
	pte := *e
	if pte&pagetable.Present != 0 {
		// Another path committed it, or a protection fault.
		if ec&x86.PFWrite != 0 && pte&pagetable.Writable == 0 {
			return FaultAccess
		}
		if ec&x86.PFFetch != 0 && pte&pagetable.NoExecute != 0 {
			return FaultAccess
		}
		return FaultResolved
	}
	if pte&pagetable.SoftDemand == 0 {
		return FaultUnmapped
	}
	if ec&x86.PFWrite != 0 && pte&pagetable.Writable == 0 {
		return FaultAccess
	}
	pa, perr := Phys.AllocPage()
	if perr != nil || pa == 0 {
		return FaultNoMemory
	}
	zeroPage(pa)
	*e = pa | (pte &^ (pagetable.SoftDemand | pagetable.AddrMask)) | pagetable.Present
	heapPages++
	return FaultResolved
}

// Prepare makes [va, va+length) of the kernel address space present and
// writable before trap-path code writes there from an exception handler
// (a signal frame): demand-zero pages of the runtime region are committed
// now, because a page fault taken inside an exception handler would reuse
// the exception stack and overwrite the outer trap frame. It reports
// false if some page is neither mapped writable nor demand-zero writable,
// or no page is left.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func Prepare(va, length uint64) bool {
	end := va + length
	if end < va {
		return false
	}
	for a := va &^ (PageSize - 1); a < end; a += PageSize {
		if a >= HeapBase && a < HeapLimit {
			if HandleFault(a, x86.PFWrite) != FaultResolved {
				return false
			}
			continue
		}
		_, flags, _, err := Kernel.Lookup(a)
		if err != nil || flags&pagetable.Writable == 0 {
			return false
		}
	}
	return true
}

// ReserveHeap returns length bytes (a page multiple) of fresh address
// space in the runtime region. Nothing is mapped. Hints are not honoured:
// Go falls back to any address when its hints fail.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func ReserveHeap(length uint64) (uint64, bool) {
	if length == 0 || length > HeapLimit-heapNext {
		return 0, false
	}
	va := heapNext
	heapNext += length
	return va, true
}

// InHeap reports whether [va, va+length) lies in the runtime region.
//
//go:nosplit
func InHeap(va, length uint64) bool {
	return va >= HeapBase && va < HeapLimit && length <= HeapLimit-va && va&(PageSize-1) == 0
}

// Commit makes [va, va+length) demand-zero with the given protection,
// discarding any pages there (mmap MAP_FIXED semantics).
// Trap path: nosplit, no allocation.
//
//go:nosplit
func Commit(va, length uint64, writable, exec bool) bool {
	flags := pagetable.SoftDemand
	if writable {
		flags |= pagetable.Writable
	}
	if !exec {
		flags |= pagetable.NoExecute
	}
	return setRange(va, length, flags, true)
}

// Decommit frees the pages of [va, va+length) and leaves them
// demand-zero with their protection (madvise MADV_DONTNEED: the next touch
// sees zeros).
// Trap path: nosplit, no allocation.
//
//go:nosplit
func Decommit(va, length uint64) bool {
	return setRange(va, length, 0, false)
}

// Release unmaps [va, va+length) entirely (munmap).
// Trap path: nosplit, no allocation.
//
//go:nosplit
func Release(va, length uint64) bool {
	return setRange(va, length, 0, true)
}

// Protect changes the protection of the committed pages in [va,
// va+length) (mprotect). PROT_NONE (readable false) makes them fault
// like unmapped memory; their contents are discarded, which the Go
// runtime never relies on.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func Protect(va, length uint64, readable, writable, exec bool) bool {
	if !readable {
		return Release(va, length)
	}
	sh := &batch
	sh.n = 0
	for a := va; a < va+length; a += PageSize {
		e, err := Kernel.Entry(a, false)
		if err != nil || e == nil || *e&(pagetable.Present|pagetable.SoftDemand) == 0 {
			continue
		}
		v := *e &^ (pagetable.Writable | pagetable.NoExecute)
		if writable {
			v |= pagetable.Writable
		}
		if !exec {
			v |= pagetable.NoExecute
		}
		*e = v
		if v&pagetable.Present != 0 {
			sh.add(a)
			x86.Invlpg(uintptr(a))
		}
	}
	sh.done()
	return true
}

// shootBatch collects the kernel-half addresses one call unmapped or
// narrowed, for one shootdown round on the other CPUs.
type shootBatch struct {
	n   int
	vas [32]uint64
}

// batch is the one shootBatch: calls that fill it hold x86.TrapLock (a
// nosplit frame has no room for it).
var batch shootBatch

//go:nosplit
func (b *shootBatch) add(va uint64) {
	if b.n < len(b.vas) {
		b.vas[b.n] = va
	}
	b.n++
}

// done shoots the batch down on the other CPUs (all translations if it
// overflowed).
//
//go:nosplit
func (b *shootBatch) done() {
	if b.n == 0 || x86.ShootdownCPUs() <= 1 {
		return
	}
	if b.n > len(b.vas) {
		x86.Shootdown(x86.ShootKernel, nil, false, 0)
		return
	}
	x86.Shootdown(x86.ShootKernel, b.vas[:b.n], false, 0)
}

// setRange rewrites every PTE of [va, va+length). With replace set the
// new entry is flags (0 = unmapped); otherwise present pages become
// demand-zero keeping their protection and unmapped ones stay unmapped.
// Present frames are freed and their TLB entries flushed.
//
//go:nosplit
func setRange(va, length uint64, flags uint64, replace bool) bool {
	if !InHeap(va, length) {
		return false
	}
	n := length / PageSize
	flushAll := n > 64
	sh := &batch
	sh.n = 0
	for a := va; a < va+length; a += PageSize {
		e, err := Kernel.Entry(a, replace && flags != 0)
		if err != nil || e == nil {
			if replace && flags != 0 {
				return false
			}
			// No table: nothing mapped here. Skip to the next 2 MiB.
			next := (a | (1<<21 - 1)) + 1
			if next > va+length {
				break
			}
			a = next - PageSize
			continue
		}
		old := *e
		if old&pagetable.Present != 0 {
			Phys.FreePage(old & pagetable.AddrMask)
			heapPages--
			sh.add(a)
			if !flushAll {
				x86.Invlpg(uintptr(a))
			}
		}
		switch {
		case replace:
			*e = flags
		case old&pagetable.Present != 0:
			*e = old&^(pagetable.Present|pagetable.AddrMask|pagetable.Accessed|pagetable.Dirty) | pagetable.SoftDemand
		}
	}
	if flushAll {
		x86.WriteCR3(x86.ReadCR3())
	}
	sh.done()
	return true
}

// MapMMIO maps size bytes of physical address space at pa into the MMIO
// window, uncached (cached for firmware tables when cached is set), and
// returns the virtual address of pa. It runs at boot, before the trap path
// needs it, and from goroutines with Lock held.
//
//go:nosplit
func MapMMIO(pa, size uint64, cached bool) (uintptr, bool) {
	base := pa &^ (PageSize - 1)
	end := (pa + size + PageSize - 1) &^ (PageSize - 1)
	if end-base > MMIOLimit-mmioNext {
		return 0, false
	}
	va := mmioNext
	flags := pagetable.Writable | pagetable.NoExecute | pagetable.Global
	if !cached {
		flags |= pagetable.CacheDisable | pagetable.WriteThrough
	}
	for off := uint64(0); off < end-base; off += PageSize {
		if Kernel.Map(va+off, base+off, pagetable.Size4K, flags) != nil {
			return 0, false
		}
	}
	mmioNext += end - base
	return uintptr(va + (pa - base)), true
}
