package vm

import "beryl/mm/pagetable"

// PageSize is the size of a page and of the VMO/VMAR granule.
const PageSize = 4096

// Frames supplies the physical pages that back VMOs.
type Frames interface {
	// Alloc returns a free physical page (contents unspecified); fault
	// says a page fault needs it, which may dig deeper into what the
	// machine keeps back than a syscall's commit.
	Alloc(fault bool) (pa uint64, err error)
	// Free releases a page obtained from Alloc.
	Free(pa uint64)
	// Bytes returns the PageSize bytes of the page at pa (the kernel
	// reaches them through its direct map).
	Bytes(pa uint64) []byte
}

// TLB invalidates translations of an address space. Implementations act
// only if root is the live address space (CR3 holds it); a CR3 load
// flushes everything else anyway.
type TLB interface {
	// Flush invalidates the translation of va under root.
	Flush(root, va uint64)
	// FlushAll invalidates every non-global translation under root.
	FlushAll(root uint64)
	// Retire makes sure root is not live (switches to the kernel's tables)
	// before it is freed.
	Retire(root uint64)
}

// BatchTLB is a TLB that can invalidate several addresses of one
// operation at once (one shootdown round on a multiprocessor); the
// flushes of an operation use it when the TLB offers it. The addresses
// are vas[:n], passed by value so that a fault path allocates nothing.
type BatchTLB interface {
	FlushBatch(root uint64, vas [MaxBatchFlushes]uint64, n int)
}

// MaxBatchFlushes is the most addresses one operation flushes one by one;
// beyond it, it flushes the whole address space.
const MaxBatchFlushes = maxSingleFlushes

// Env is what an address space needs from the machine: data pages, page
// tables (the PageSource locks the physical allocator itself), the TLB and
// the kernel half to share.
type Env struct {
	Frames Frames
	Tables pagetable.PageSource
	TLB    TLB
	// KernelRoot is the PML4 whose upper half (slots 256-511) every new
	// address space shares; 0 shares nothing (host tests).
	KernelRoot uint64
}

func pageRoundUp(n uint64) (uint64, bool) {
	r := (n + PageSize - 1) &^ (PageSize - 1)
	return r, r >= n
}

func pageAligned(n uint64) bool { return n&(PageSize-1) == 0 }
