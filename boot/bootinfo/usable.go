package bootinfo

// PageSize is the granularity of usable ranges (4 KiB frames).
const PageSize = 4096

// Range is a physical address range [Start, End).
type Range struct {
	Start, End uint64
}

// Low1MiB is the real-mode area (IVT, BDA, EBDA, option ROMs, AP
// trampoline) that the kernel keeps out of the page allocator.
var Low1MiB = Range{0, 1 << 20}

// UsableIter yields the page-aligned pieces of memory that are available
// in a firmware memory map and not excluded, in ascending address order.
// Regions may be unsorted and overlap: where an available region overlaps
// any non-available one, the non-available type wins (firmware overlaps
// are resolved conservatively), and adjacent or overlapping available
// regions merge before alignment. It neither allocates nor modifies its
// inputs, and every method is //go:nosplit; each Next is O(n²) in the
// number of regions, which is fine for firmware maps (at most a few
// hundred entries) at boot.
type UsableIter struct {
	regions []MemRegion
	exclude []Range
	cur     uint64
	done    bool
}

// Usable returns an iterator over the usable pieces of regions minus
// exclude (e.g. Low1MiB, the kernel image, modules, the boot information
// and the allocator's own bitmap).
//
//go:nosplit
func Usable(regions []MemRegion, exclude []Range) UsableIter {
	return UsableIter{regions: regions, exclude: exclude}
}

// Next returns the next usable page-aligned range, never empty.
//
//go:nosplit
func (it *UsableIter) Next() (Range, bool) {
	for !it.done {
		x, ok := it.start(it.cur)
		if !ok {
			it.done = true
			break
		}
		y := it.end(x)
		it.cur = y
		if y == ^uint64(0) {
			it.done = true
		}
		if x > ^uint64(0)-(PageSize-1) {
			continue
		}
		a := (x + PageSize - 1) &^ (PageSize - 1)
		b := y &^ (PageSize - 1)
		if a < b {
			return Range{a, b}, true
		}
	}
	return Range{}, false
}

// start returns the lowest address >= x that is available and not
// blocked. Each step strictly increases x, so the loop terminates.
//
//go:nosplit
func (it *UsableIter) start(x uint64) (uint64, bool) {
	for {
		in := false
		next := ^uint64(0)
		for i := range it.regions {
			r := &it.regions[i]
			if r.Type != MemAvailable || r.Length == 0 {
				continue
			}
			if r.Base <= x && x < r.End() {
				in = true
				break
			}
			if r.Base > x && r.Base < next {
				next = r.Base
			}
		}
		if !in {
			if next == ^uint64(0) {
				return 0, false
			}
			x = next
			continue
		}
		e, blocked := it.blockedAt(x)
		if !blocked {
			return x, true
		}
		if e == ^uint64(0) {
			return 0, false
		}
		x = e
	}
}

// blockedAt reports whether x lies in a non-available region or an
// excluded range, and if so where that block ends.
//
//go:nosplit
func (it *UsableIter) blockedAt(x uint64) (uint64, bool) {
	for i := range it.regions {
		r := &it.regions[i]
		if r.Type != MemAvailable && r.Length != 0 && r.Base <= x && x < r.End() {
			return r.End(), true
		}
	}
	for i := range it.exclude {
		ex := &it.exclude[i]
		if ex.Start <= x && x < ex.End {
			return ex.End, true
		}
	}
	return 0, false
}

// end returns the end of the usable stretch starting at the usable
// address x: the end of the union of available regions reachable from x,
// cut at the first block that starts above x.
//
//go:nosplit
func (it *UsableIter) end(x uint64) uint64 {
	y := x
	for grew := true; grew; {
		grew = false
		for i := range it.regions {
			r := &it.regions[i]
			if r.Type == MemAvailable && r.Length != 0 && r.Base <= y && r.End() > y {
				y = r.End()
				grew = true
			}
		}
	}
	for i := range it.regions {
		r := &it.regions[i]
		if r.Type != MemAvailable && r.Length != 0 && r.Base > x && r.Base < y {
			y = r.Base
		}
	}
	for i := range it.exclude {
		ex := &it.exclude[i]
		if ex.End > ex.Start && ex.Start > x && ex.Start < y {
			y = ex.Start
		}
	}
	return y
}

// UsableBytes returns the total size of the usable pieces.
//
//go:nosplit
func UsableBytes(regions []MemRegion, exclude []Range) uint64 {
	it := Usable(regions, exclude)
	var n uint64
	for {
		r, ok := it.Next()
		if !ok {
			return n
		}
		n += r.End - r.Start
	}
}

// AvailableSpan returns the lowest start and highest end of the available
// regions, page aligned outward: the frame range the page allocator's
// bitmap must cover. ok is false if no region is available.
//
//go:nosplit
func AvailableSpan(regions []MemRegion) (lo, hi uint64, ok bool) {
	lo = ^uint64(0)
	for i := range regions {
		r := &regions[i]
		if r.Type != MemAvailable || r.Length == 0 {
			continue
		}
		ok = true
		if r.Base < lo {
			lo = r.Base
		}
		if e := r.End(); e > hi {
			hi = e
		}
	}
	if !ok {
		return 0, 0, false
	}
	lo &^= PageSize - 1
	if hi <= ^uint64(0)-(PageSize-1) {
		hi = (hi + PageSize - 1) &^ (PageSize - 1)
	} else {
		hi = ^uint64(0) &^ (PageSize - 1)
	}
	return lo, hi, true
}
