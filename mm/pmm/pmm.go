// Package pmm is the physical page allocator: a bitmap over a contiguous
// range of 4 KiB frames.
//
// It runs on the page-fault trap path and before the Go runtime is fully
// up, so every function is //go:nosplit, never allocates, never stores a
// pointer (only uint64 words, so no write barrier is ever needed) and keeps
// its stack frame small (it calls nothing that has a stack check; only
// Init stores a pointer, see there). Errors are package-level sentinel
// values.
//
// Locking: the Allocator has no lock of its own. The kernel serialises
// every call with its IRQ-safe physical-memory lock, which is a leaf lock
// (nothing else is acquired while it is held). Host tests call it from one
// goroutine.
//
// State of each frame, kept in two bitmaps in caller-supplied storage:
//
//	unavailable  free=0 alloc=0  (hole, firmware, reserved, or never added)
//	free         free=1 alloc=0  (handed out by AllocPage/AllocContig)
//	allocated    free=0 alloc=1  (returned by FreePage/FreeContig)
//
// Keeping "allocated" separate from "unavailable" lets FreePage reject a
// page it never handed out (a reserved page, an MMIO hole) instead of
// silently adding it to the pool.
package pmm

import (
	"math/bits"
)

// PageSize is the frame size managed by the allocator (4 KiB).
const PageSize = 4096

// PageShift is log2(PageSize).
const PageShift = 12

// Sentinel errors. They are constants, not errors.New values: the
// allocator runs before the Go runtime has run package initialisers, when
// an errors.New variable would still be nil. Returning them never
// allocates.
const (
	// ErrNoMemory: no free page (or no free run of the requested size and
	// alignment) is left.
	ErrNoMemory = Error("pmm: out of physical memory")
	// ErrOutOfRange: the address is outside the allocator's frame range.
	ErrOutOfRange = Error("pmm: address outside managed range")
	// ErrUnaligned: the address is not 4 KiB aligned.
	ErrUnaligned = Error("pmm: address not page aligned")
	// ErrDoubleFree: the page is already free.
	ErrDoubleFree = Error("pmm: page already free")
	// ErrNotAllocated: the page was never handed out (reserved or not RAM).
	ErrNotAllocated = Error("pmm: page not allocated by this allocator")
	// ErrBitmapTooSmall: Init was given less storage than BitmapWords asks.
	ErrBitmapTooSmall = Error("pmm: bitmap storage too small")
	// ErrBadArgument: a zero count, a non-power-of-two alignment or an
	// overflowing range.
	ErrBadArgument = Error("pmm: bad argument")
)

// Allocator is a bitmap page allocator. The zero value manages nothing;
// call Init before use. It is not safe for concurrent use (see package doc).
type Allocator struct {
	base   uint64   // physical address of frame 0 (page aligned)
	npages uint64   // frames in the range
	words  uint64   // words per bitmap
	free   []uint64 // bit set = frame is free
	alloc  []uint64 // bit set = frame is allocated
	nfree  uint64   // frames currently free
	nalloc uint64   // frames currently allocated
	hint   uint64   // next-fit: word index where the next search starts
}

// BitmapWords returns how many uint64 words of storage Init needs for
// npages frames (two bits per frame).
//
//go:nosplit
func BitmapWords(npages uint64) uint64 {
	return 2 * ((npages + 63) / 64)
}

// Init sets the allocator to manage npages frames starting at physical
// address base, using storage (at least BitmapWords(npages) words, which
// the kernel carves out of memory it knows is free). Every frame starts
// unavailable ("all used"); Free adds RAM. Init stores the storage slice
// (a pointer store), so call it once at boot, not on the trap path; every
// other method stores only integers.
//
//go:nosplit
func (a *Allocator) Init(base, npages uint64, storage []uint64) error {
	if base&(PageSize-1) != 0 {
		return ErrUnaligned
	}
	if npages == 0 || npages > (^uint64(0)-base)>>PageShift {
		return ErrBadArgument
	}
	need := BitmapWords(npages)
	if uint64(len(storage)) < need {
		return ErrBitmapTooSmall
	}
	w := need / 2
	storage = storage[:need]
	for i := range storage {
		storage[i] = 0
	}
	a.base = base
	a.npages = npages
	a.words = w
	a.free = storage[:w:w]
	a.alloc = storage[w:need:need]
	a.nfree = 0
	a.nalloc = 0
	a.hint = 0
	return nil
}

// Range returns the managed physical range [base, end).
//
//go:nosplit
func (a *Allocator) Range() (base, end uint64) {
	return a.base, a.base + a.npages<<PageShift
}

// TotalPages is the number of frames in the pool (free + allocated).
//
//go:nosplit
func (a *Allocator) TotalPages() uint64 { return a.nfree + a.nalloc }

// FreePages is the number of frames available for allocation.
//
//go:nosplit
func (a *Allocator) FreePages() uint64 { return a.nfree }

// UsedPages is the number of frames currently allocated.
//
//go:nosplit
func (a *Allocator) UsedPages() uint64 { return a.nalloc }

// clip converts [addr, addr+length) into a frame-index range clipped to
// the managed range. Rounding is inward when inward is set (only whole
// pages become available) and outward otherwise (any touched page is
// reserved).
//
//go:nosplit
func (a *Allocator) clip(addr, length uint64, inward bool) (lo, hi uint64) {
	end := addr + length
	if end < addr { // overflow: clamp to the top of the address space
		end = ^uint64(0)
	}
	if inward {
		if addr > ^uint64(0)-(PageSize-1) {
			return 0, 0
		}
		addr = (addr + PageSize - 1) &^ (PageSize - 1)
		end &^= PageSize - 1
	} else {
		addr &^= PageSize - 1
		if end > ^uint64(0)-(PageSize-1) {
			end = ^uint64(0) &^ (PageSize - 1) // last page cannot be covered fully; fine
		} else {
			end = (end + PageSize - 1) &^ (PageSize - 1)
		}
	}
	mEnd := a.base + a.npages<<PageShift
	if addr < a.base {
		addr = a.base
	}
	if end > mEnd {
		end = mEnd
	}
	if addr >= end {
		return 0, 0
	}
	return (addr - a.base) >> PageShift, (end - a.base) >> PageShift
}

// Free adds the whole pages inside [base, base+length) to the pool, clipped
// to the managed range (firmware maps cover more than the allocator
// manages). Pages already free or currently allocated are left alone, so
// overlapping calls are harmless. It returns the number of pages added.
//
//go:nosplit
func (a *Allocator) Free(base, length uint64) uint64 {
	lo, hi := a.clip(base, length, true)
	var added uint64
	for i := lo; i < hi; {
		w, b := i/64, i%64
		n := uint64(64) - b
		if hi-i < n {
			n = hi - i
		}
		m := mask(b, n)
		newBits := m &^ a.free[w] &^ a.alloc[w]
		a.free[w] |= newBits
		added += uint64(popcount(newBits))
		i += n
	}
	a.nfree += added
	return added
}

// Reserve removes every page touching [base, base+length) from the free
// pool (rounding outward), e.g. for the kernel image, boot modules or the
// bitmap storage itself. Allocated pages stay allocated. It returns the
// number of free pages removed.
//
//go:nosplit
func (a *Allocator) Reserve(base, length uint64) uint64 {
	lo, hi := a.clip(base, length, false)
	var removed uint64
	for i := lo; i < hi; {
		w, b := i/64, i%64
		n := uint64(64) - b
		if hi-i < n {
			n = hi - i
		}
		m := mask(b, n) & a.free[w]
		a.free[w] &^= m
		removed += uint64(popcount(m))
		i += n
	}
	a.nfree -= removed
	return removed
}

// AllocPage returns the physical address of a free page and marks it
// allocated. The page's contents are not cleared. It searches next-fit
// from where the last allocation succeeded, skipping full words, so
// sequential allocation is O(1) amortised.
//
//go:nosplit
func (a *Allocator) AllocPage() (uint64, error) {
	if a.nfree == 0 {
		return 0, ErrNoMemory
	}
	w := a.hint
	if w >= a.words {
		w = 0
	}
	for n := uint64(0); n < a.words; n++ {
		if x := a.free[w]; x != 0 {
			b := uint64(trailingZeros(x))
			a.free[w] &^= 1 << b
			a.alloc[w] |= 1 << b
			a.nfree--
			a.nalloc++
			a.hint = w
			return a.base + (w*64+b)<<PageShift, nil
		}
		w++
		if w == a.words {
			w = 0
		}
	}
	return 0, ErrNoMemory // unreachable while counters are consistent
}

// frame validates pa and returns its frame index.
//
//go:nosplit
func (a *Allocator) frame(pa uint64) (uint64, error) {
	if pa&(PageSize-1) != 0 {
		return 0, ErrUnaligned
	}
	if pa < a.base || (pa-a.base)>>PageShift >= a.npages {
		return 0, ErrOutOfRange
	}
	return (pa - a.base) >> PageShift, nil
}

// FreePage returns a page obtained from AllocPage or AllocContig to the
// pool. Freeing an unaligned, out-of-range, already free or never
// allocated page is an error and changes nothing.
//
//go:nosplit
func (a *Allocator) FreePage(pa uint64) error {
	i, err := a.frame(pa)
	if err != nil {
		return err
	}
	w, bit := i/64, uint64(1)<<(i%64)
	if a.alloc[w]&bit == 0 {
		if a.free[w]&bit != 0 {
			return ErrDoubleFree
		}
		return ErrNotAllocated
	}
	a.alloc[w] &^= bit
	a.free[w] |= bit
	a.nalloc--
	a.nfree++
	return nil
}

// AllocContig returns the base of npages physically contiguous free pages
// whose physical address is a multiple of alignPages pages (a power of two;
// 0 means 1), e.g. for DMA buffers or 2 MiB large pages. It scans from the
// bottom of the range (first fit) so low memory fragments less for later
// large requests.
//
//go:nosplit
func (a *Allocator) AllocContig(npages, alignPages uint64) (uint64, error) {
	if alignPages == 0 {
		alignPages = 1
	}
	if npages == 0 || alignPages&(alignPages-1) != 0 || alignPages > 1<<(64-PageShift-1) {
		return 0, ErrBadArgument
	}
	if npages > a.nfree {
		return 0, ErrNoMemory
	}
	// Alignment is of the physical frame number, not of the index.
	baseFrame := a.base >> PageShift
	am := alignPages - 1
	i := uint64(0)
	for {
		i = a.nextFree(i)
		if i >= a.npages {
			return 0, ErrNoMemory
		}
		// Round the physical frame number up to the alignment.
		pf := baseFrame + i
		apf := (pf + am) &^ am
		if apf < pf {
			return 0, ErrNoMemory
		}
		i = apf - baseFrame
		if i >= a.npages || a.npages-i < npages {
			return 0, ErrNoMemory
		}
		end := i + npages
		bad := a.firstNonFree(i, end)
		if bad == end {
			a.markAllocated(i, end)
			return a.base + i<<PageShift, nil
		}
		i = bad + 1
	}
}

// FreeContig frees npages pages starting at pa, all of which must be
// allocated; on any error nothing is freed.
//
//go:nosplit
func (a *Allocator) FreeContig(pa, npages uint64) error {
	if npages == 0 {
		return ErrBadArgument
	}
	lo, err := a.frame(pa)
	if err != nil {
		return err
	}
	if a.npages-lo < npages {
		return ErrOutOfRange
	}
	// Validate everything before changing any state.
	for i := lo; i < lo+npages; i++ {
		w, bit := i/64, uint64(1)<<(i%64)
		if a.alloc[w]&bit == 0 {
			if a.free[w]&bit != 0 {
				return ErrDoubleFree
			}
			return ErrNotAllocated
		}
	}
	for i := lo; i < lo+npages; {
		w, b := i/64, i%64
		n := uint64(64) - b
		if lo+npages-i < n {
			n = lo + npages - i
		}
		m := mask(b, n)
		a.alloc[w] &^= m
		a.free[w] |= m
		i += n
	}
	a.nalloc -= npages
	a.nfree += npages
	return nil
}

// IsFree reports whether the page at pa is in the free pool.
//
//go:nosplit
func (a *Allocator) IsFree(pa uint64) bool {
	i, err := a.frame(pa)
	return err == nil && a.free[i/64]&(1<<(i%64)) != 0
}

// IsAllocated reports whether the page at pa is currently allocated.
//
//go:nosplit
func (a *Allocator) IsAllocated(pa uint64) bool {
	i, err := a.frame(pa)
	return err == nil && a.alloc[i/64]&(1<<(i%64)) != 0
}

// nextFree returns the index of the first free frame >= i, or npages.
//
//go:nosplit
func (a *Allocator) nextFree(i uint64) uint64 {
	if i >= a.npages {
		return a.npages
	}
	w := i / 64
	x := a.free[w] &^ (1<<(i%64) - 1)
	for x == 0 {
		w++
		if w >= a.words {
			return a.npages
		}
		x = a.free[w]
	}
	return w*64 + uint64(trailingZeros(x))
}

// firstNonFree returns the first index in [lo, hi) that is not free, or hi.
//
//go:nosplit
func (a *Allocator) firstNonFree(lo, hi uint64) uint64 {
	for i := lo; i < hi; {
		w, b := i/64, i%64
		n := uint64(64) - b
		if hi-i < n {
			n = hi - i
		}
		m := mask(b, n)
		if miss := m &^ a.free[w]; miss != 0 {
			return w*64 + uint64(trailingZeros(miss))
		}
		i += n
	}
	return hi
}

// markAllocated moves the free frames [lo, hi) to allocated.
//
//go:nosplit
func (a *Allocator) markAllocated(lo, hi uint64) {
	for i := lo; i < hi; {
		w, b := i/64, i%64
		n := uint64(64) - b
		if hi-i < n {
			n = hi - i
		}
		m := mask(b, n)
		a.free[w] &^= m
		a.alloc[w] |= m
		i += n
	}
	a.nfree -= hi - lo
	a.nalloc += hi - lo
}

// mask returns n (1..64) set bits starting at bit b (b+n <= 64).
//
//go:nosplit
func mask(b, n uint64) uint64 {
	if n >= 64 {
		return ^uint64(0)
	}
	return (uint64(1)<<n - 1) << b
}

// trailingZeros is math/bits.TrailingZeros64, which the compiler turns
// into an inline BSF (checked: no call), so it is safe on the trap path.
//
//go:nosplit
func trailingZeros(x uint64) int { return bits.TrailingZeros64(x) }

// popcount is a SWAR population count: math/bits.OnesCount64 compiles to a
// POPCNT feature check plus an out-of-line fallback call under GOAMD64=v1.
//
//go:nosplit
func popcount(x uint64) int {
	x -= (x >> 1) & 0x5555555555555555
	x = (x & 0x3333333333333333) + ((x >> 2) & 0x3333333333333333)
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0f
	return int((x * 0x0101010101010101) >> 56)
}

// Error is the type of the package's sentinel errors.
type Error string

// Error implements error.
func (e Error) Error() string { return string(e) }
