package bootinfo

import (
	"math/rand"
	"reflect"
	"testing"
)

func usable(regions []MemRegion, exclude []Range) []Range {
	var out []Range
	it := Usable(regions, exclude)
	for {
		r, ok := it.Next()
		if !ok {
			return out
		}
		out = append(out, r)
	}
}

func TestUsableBasic(t *testing.T) {
	const mib = 1 << 20
	// A QEMU-like map, deliberately unsorted and overlapping.
	regions := []MemRegion{
		{0x100000, 0x7ee0000, MemAvailable},
		{0, 0x9fc00, MemAvailable},
		{0x9fc00, 0x400, MemReserved},
		{0xf0000, 0x10000, MemReserved},
		{0x7fe0000, 0x20000, MemReserved},
		{0x3000000, 0x1800, MemACPIReclaimable}, // inside RAM: firmware overlap, reserved wins
		{0xfffc0000, 0x40000, MemReserved},
	}
	exclude := []Range{
		Low1MiB,
		{0x200000, 0x400800},   // kernel image, unaligned end
		{0x500100, 0x500200},   // boot info, tiny, unaligned
		{0x5000000, 0x5000000}, // empty: ignored
	}
	got := usable(regions, exclude)
	want := []Range{
		{0x100000, 0x200000},
		{0x401000, 0x500000},
		{0x501000, 0x3000000},
		{0x3002000, 0x7fe0000},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %x\nwant %x", got, want)
	}
	var sum uint64
	for _, r := range want {
		sum += r.End - r.Start
	}
	if UsableBytes(regions, exclude) != sum {
		t.Errorf("UsableBytes %#x, want %#x", UsableBytes(regions, exclude), sum)
	}
	lo, hi, ok := AvailableSpan(regions)
	if !ok || lo != 0 || hi != 0x7fe0000 {
		t.Errorf("AvailableSpan %#x %#x %v", lo, hi, ok)
	}
	_ = mib
}

func TestUsableEdgeCases(t *testing.T) {
	top := ^uint64(0)
	cases := []struct {
		name    string
		regions []MemRegion
		exclude []Range
		want    []Range
	}{
		{"nothing", nil, nil, nil},
		{"only reserved", []MemRegion{{0, 1 << 30, MemReserved}}, nil, nil},
		{"sub-page region", []MemRegion{{0x1100, 0xe00, MemAvailable}}, nil, nil},
		{"adjacent regions merge before aligning",
			[]MemRegion{{0x1800, 0x800, MemAvailable}, {0x2000, 0x800, MemAvailable}, {0x800, 0x1000, MemAvailable}},
			nil, []Range{{0x1000, 0x2000}}},
		{"nested and duplicate regions",
			[]MemRegion{{0, 0x10000, MemAvailable}, {0x2000, 0x1000, MemAvailable}, {0, 0x10000, MemAvailable}},
			nil, []Range{{0, 0x10000}}},
		{"exclude everything", []MemRegion{{0x1000, 0x10000, MemAvailable}}, []Range{{0, top}}, nil},
		{"overlapping excludes",
			[]MemRegion{{0, 0x10000, MemAvailable}},
			[]Range{{0x2000, 0x5000}, {0x4000, 0x8000}, {0x3000, 0x3001}},
			[]Range{{0, 0x2000}, {0x8000, 0x10000}}},
		{"zero-length regions ignored",
			[]MemRegion{{0, 0, MemReserved}, {0x1000, 0x1000, MemAvailable}, {0x1000, 0, MemBadRAM}},
			nil, []Range{{0x1000, 0x2000}}},
		{"bad RAM punches a hole",
			[]MemRegion{{0, 0x10000, MemAvailable}, {0x4000, 0x10, MemBadRAM}},
			nil, []Range{{0, 0x4000}, {0x5000, 0x10000}}},
		{"top of address space",
			[]MemRegion{{top - 0x3fff, 0x4000, MemAvailable}, {0x1000, 0x1000, MemAvailable}},
			nil, []Range{{0x1000, 0x2000}, {top - 0x3fff, top &^ 0xfff}}},
		{"region wrapping past 2^64",
			[]MemRegion{{top - 0xffff, 0x20000, MemAvailable}},
			[]Range{{top - 0xffff, top - 0x7fff}},
			[]Range{{top - 0x7fff, top &^ 0xfff}}},
		{"reserved to the top ends iteration",
			[]MemRegion{{0, 0x10000, MemAvailable}, {0x8000, top, MemReserved}},
			nil, []Range{{0, 0x8000}}},
		{"available inside the last page only",
			[]MemRegion{{top - 0x10, 0x10, MemAvailable}},
			nil, nil},
	}
	for _, c := range cases {
		if got := usable(c.regions, c.exclude); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %x, want %x", c.name, got, c.want)
		}
	}
	if _, _, ok := AvailableSpan([]MemRegion{{0, 0x1000, MemReserved}}); ok {
		t.Error("AvailableSpan with nothing available")
	}
	if lo, hi, _ := AvailableSpan([]MemRegion{{0x1800, 0x100, MemAvailable}, {top - 5, 10, MemAvailable}}); lo != 0x1000 || hi != top&^0xfff {
		t.Errorf("AvailableSpan rounding %#x %#x", lo, hi)
	}
}

// TestUsableModel compares the iterator with a brute-force model over a
// small address space with sub-page granularity: a page is usable iff
// every unit in it is inside an available region and outside every
// non-available region and exclusion; the iterator must return exactly
// the maximal runs of usable pages.
func TestUsableModel(t *testing.T) {
	const unit = 0x400
	const pages = 48
	const units = pages * PageSize / unit
	r := rand.New(rand.NewSource(7))
	for iter := 0; iter < 3000; iter++ {
		var regions []MemRegion
		var exclude []Range
		for i := r.Intn(8); i > 0; i-- {
			ty := MemAvailable
			if r.Intn(3) == 0 {
				ty = MemType(2 + r.Intn(4))
			}
			b := uint64(r.Intn(units)) * unit
			regions = append(regions, MemRegion{b, uint64(r.Intn(units/2)) * unit, ty})
		}
		for i := r.Intn(4); i > 0; i-- {
			s := uint64(r.Intn(units)) * unit
			exclude = append(exclude, Range{s, s + uint64(r.Intn(units/4))*unit})
		}
		var ok [2 * units]bool // regions may reach past units
		for u := range ok {
			a := uint64(u) * unit
			in, blocked := false, false
			for _, rg := range regions {
				if a >= rg.Base && a < rg.Base+rg.Length {
					if rg.Type == MemAvailable {
						in = true
					} else {
						blocked = true
					}
				}
			}
			for _, ex := range exclude {
				if a >= ex.Start && a < ex.End {
					blocked = true
				}
			}
			ok[u] = in && !blocked
		}
		var want []Range
		per := PageSize / unit
		for p := 0; p < 2*pages; p++ {
			full := true
			for u := p * per; u < (p+1)*per; u++ {
				full = full && ok[u]
			}
			if !full {
				continue
			}
			s := uint64(p) * PageSize
			if n := len(want); n > 0 && want[n-1].End == s {
				want[n-1].End += PageSize
			} else {
				want = append(want, Range{s, s + PageSize})
			}
		}
		got := usable(regions, exclude)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("regions %x exclude %x:\n got %x\nwant %x", regions, exclude, got, want)
		}
	}
}
