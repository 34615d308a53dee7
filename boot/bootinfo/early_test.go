package bootinfo

import (
	"reflect"
	"testing"
)

func drain(t *testing.T, it MemMapIter) ([]MemRegion, error) {
	t.Helper()
	var out []MemRegion
	for {
		r, ok := it.Next()
		if !ok {
			return out, it.Err()
		}
		out = append(out, r)
	}
}

func TestMB1InfoAccessors(t *testing.T) {
	fb := &Framebuffer{Addr: 0xfd00_0000, Pitch: 4096, Width: 1024, Height: 768, BPP: 32, Type: 1}
	all := mb1Info{
		flags:    MB1FlagMem | MB1FlagCmdLine | MB1FlagMods | MB1FlagMmap | MB1FlagLoaderName | MB1FlagFramebuffer,
		memLower: 639, memUpper: 130048, cmdline: 0x9000, modsCount: 2, modsAddr: 0x9100,
		mmapLength: 48, mmapAddr: 0x9200, loaderNm: 0x9300, fb: fb,
	}
	b := MB1Info(all.bytes())
	if b.Flags() != all.flags {
		t.Errorf("Flags %#x", b.Flags())
	}
	if lo, hi, ok := b.Mem(); !ok || lo != 639 || hi != 130048 {
		t.Errorf("Mem %d %d %v", lo, hi, ok)
	}
	if a, ok := b.CmdLine(); !ok || a != 0x9000 {
		t.Errorf("CmdLine %#x %v", a, ok)
	}
	if n, a, ok := b.Mods(); !ok || n != 2 || a != 0x9100 {
		t.Errorf("Mods %d %#x %v", n, a, ok)
	}
	if l, a, ok := b.MemMap(); !ok || l != 48 || a != 0x9200 {
		t.Errorf("MemMap %d %#x %v", l, a, ok)
	}
	if a, ok := b.LoaderName(); !ok || a != 0x9300 {
		t.Errorf("LoaderName %#x %v", a, ok)
	}
	if got, ok := b.Framebuffer(); !ok || got != *fb {
		t.Errorf("Framebuffer %+v %v", got, ok)
	}

	// Flags clear: nothing is valid even if the bytes are there.
	none := MB1Info(make([]byte, MB1InfoMaxSize))
	if _, _, ok := none.Mem(); ok {
		t.Error("Mem valid without flag")
	}
	if _, ok := none.CmdLine(); ok {
		t.Error("CmdLine valid without flag")
	}
	if _, ok := none.Framebuffer(); ok {
		t.Error("Framebuffer valid without flag")
	}
	// Truncated: the flag promises a field the slice does not hold.
	short := MB1Info(all.bytes()[:30])
	if _, _, ok := short.MemMap(); ok {
		t.Error("MemMap read past a truncated structure")
	}
	if _, ok := short.Framebuffer(); ok {
		t.Error("Framebuffer read past a truncated structure")
	}
	if MB1Info(nil).Flags() != 0 {
		t.Error("Flags of empty slice")
	}
}

func TestMB1InfoSize(t *testing.T) {
	cases := map[uint32]int{
		0: 4, MB1FlagMem: 12, MB1FlagBootDevice: 16, MB1FlagCmdLine: 20, MB1FlagMods: 28,
		MB1FlagELFShdr: 44, MB1FlagAOutSyms: 44, MB1FlagMmap: 52, MB1FlagDrives: 60, MB1FlagConfig: 64,
		MB1FlagLoaderName: 68, MB1FlagAPM: 72, MB1FlagVBE: 88, MB1FlagFramebuffer: 116,
		MB1FlagMem | MB1FlagMmap: 52,
	}
	for f, want := range cases {
		if got := MB1InfoSize(f); got != want {
			t.Errorf("MB1InfoSize(%#x) = %d, want %d", f, got, want)
		}
	}
}

func TestMB1Module(t *testing.T) {
	list := append(mb1Module(0x100000, 0x180000, 0x9000), mb1Module(0x180000, 0x181000, 0)...)
	s, e, c, ok := MB1Module(list, 1)
	if !ok || s != 0x180000 || e != 0x181000 || c != 0 {
		t.Errorf("module 1: %#x %#x %#x %v", s, e, c, ok)
	}
	for _, i := range []int{-1, 2} {
		if _, _, _, ok := MB1Module(list, i); ok {
			t.Errorf("module %d out of range accepted", i)
		}
	}
	if _, _, _, ok := MB1Module(list[:8], 0); ok {
		t.Error("short module list accepted")
	}
	if _, _, _, ok := MB1Module(list[:31], 1); ok {
		t.Error("partial second entry accepted")
	}
}

func TestMB1MemMap(t *testing.T) {
	var buf []byte
	buf = append(buf, mb1Entry(20, 0, 0x9fc00, 1)...)
	buf = append(buf, mb1Entry(24, 0x9fc00, 0x400, 2)...) // larger size field: skipped by size
	buf = append(buf, mb1Entry(20, 0x100000, 0, 1)...)    // zero length: skipped
	buf = append(buf, mb1Entry(20, 0x100000, 0x7ee0000, 1)...)
	buf = append(buf, mb1Entry(20, 0xfffc0000, 0x40000, 7)...)            // unknown type → reserved
	buf = append(buf, mb1Entry(20, 0xffff_ffff_ffff_0000, 0x20000, 3)...) // wraps → clipped
	got, err := drain(t, MB1MemMap(buf))
	if err != nil {
		t.Fatal(err)
	}
	want := []MemRegion{
		{0, 0x9fc00, MemAvailable},
		{0x9fc00, 0x400, MemReserved},
		{0x100000, 0x7ee0000, MemAvailable},
		{0xfffc0000, 0x40000, MemReserved},
		{0xffff_ffff_ffff_0000, 0x10000, MemACPIReclaimable},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}

	// Truncated entry, bad size field, trailing garbage.
	good := mb1Entry(20, 0, 0x1000, 1)
	for name, c := range map[string]struct {
		buf  []byte
		want error
		n    int
	}{
		"truncated entry": {append(append([]byte{}, good...), mb1Entry(20, 0, 1, 1)[:20]...), ErrTruncated, 1},
		"size too small":  {append(append([]byte{}, good...), mb1Entry(16, 0, 1, 1)...), ErrBadEntry, 1},
		"trailing bytes":  {append(append([]byte{}, good...), 1, 2), ErrTruncated, 1},
		"size overruns":   {mb1Entry(200, 0, 1, 1)[:24], ErrTruncated, 0},
	} {
		got, err := drain(t, MB1MemMap(c.buf))
		if err != c.want || len(got) != c.n {
			t.Errorf("%s: %d regions, err %v; want %d, %v", name, len(got), err, c.n, c.want)
		}
	}
	if got, err := drain(t, MB1MemMap(nil)); err != nil || len(got) != 0 {
		t.Errorf("empty map: %v %v", got, err)
	}
	var zero MemMapIter
	if _, ok := zero.Next(); ok || zero.Err() != nil {
		t.Error("zero MemMapIter")
	}
}

func TestMB2Tags(t *testing.T) {
	info := mb2(
		tag(MB2TagCmdLine, cstr("console=ttyS0 loglevel=debug")),
		tag(MB2TagLoaderName, cstr("GRUB 2.06")),
		tag(MB2TagModule, u32(0x200000), u32(0x280000), cstr("bootfs")),
		tag(MB2TagBasicMem, u32(639), u32(261120)),
		tag(99, []byte{1, 2, 3}), // unknown, odd size: padding honoured
		tag(MB2TagLoadBase, u32(0x200000)),
	)
	var types []uint32
	it := MB2TagIter(info)
	for {
		typ, tg, ok := it.Next()
		if !ok {
			break
		}
		if sz, _ := le32(tg, 4); int(sz) != len(tg) {
			t.Errorf("tag %d: slice %d bytes, size %d", typ, len(tg), sz)
		}
		types = append(types, typ)
	}
	if it.Err() != nil {
		t.Fatal(it.Err())
	}
	if want := []uint32{1, 2, 3, 4, 99, 21}; !reflect.DeepEqual(types, want) {
		t.Errorf("types %v", types)
	}
	if _, _, ok := it.Next(); ok {
		t.Error("Next after end")
	}
	tg, ok := MB2FindTag(info, MB2TagCmdLine)
	if !ok || string(MB2String(tg)) != "console=ttyS0 loglevel=debug" {
		t.Errorf("cmdline %q", MB2String(tg))
	}
	tg, _ = MB2FindTag(info, MB2TagModule)
	if s, e, c, ok := MB2Module(tg); !ok || s != 0x200000 || e != 0x280000 || string(c) != "bootfs" {
		t.Errorf("module %#x %#x %q", s, e, c)
	}
	tg, _ = MB2FindTag(info, MB2TagBasicMem)
	if lo, hi, ok := MB2BasicMem(tg); !ok || lo != 639 || hi != 261120 {
		t.Errorf("basic mem %d %d", lo, hi)
	}
	if _, ok := MB2FindTag(info, MB2TagMmap); ok {
		t.Error("found absent tag")
	}
	if MB2String(tag(MB2TagCmdLine)) != nil {
		t.Error("empty string tag")
	}
	if _, _, _, ok := MB2Module(tag(MB2TagModule, u32(1))); ok {
		t.Error("short module tag")
	}
	if _, _, ok := MB2BasicMem(tag(MB2TagBasicMem)); ok {
		t.Error("short basic mem tag")
	}
	if _, ok := MB2Framebuffer(tag(MB2TagFramebuffer)); ok {
		t.Error("short framebuffer tag")
	}
	if n, ok := MB2TotalSize(info); !ok || int(n) != len(info) {
		t.Error("MB2TotalSize")
	}
	if _, ok := MB2TotalSize(info[:7]); ok {
		t.Error("MB2TotalSize on short header")
	}
}

func TestMB2TagsMalformed(t *testing.T) {
	good := mb2(tag(MB2TagCmdLine, cstr("x")))
	noEnd := append([]byte{}, good[:len(good)-8]...)
	le.PutUint32(noEnd, uint32(len(noEnd)))
	badSize := append([]byte{}, good...)
	le.PutUint32(badSize[12:], 4) // first tag size < 8
	overrun := append([]byte{}, good...)
	le.PutUint32(overrun[12:], 1000)
	tooBig := append([]byte{}, good...)
	le.PutUint32(tooBig, uint32(len(good)+8))
	tiny := append([]byte{}, good...)
	le.PutUint32(tiny, 8)
	// Padding of the last tag runs past total_size.
	padPast := mb2(tag(MB2TagCmdLine, cstr("ab")))
	padPast = padPast[:8+11]
	le.PutUint32(padPast, uint32(len(padPast)))
	for name, c := range map[string]struct {
		info []byte
		want error
	}{
		"no end tag":       {noEnd, ErrNoEndTag},
		"tag size < 8":     {badSize, ErrBadTag},
		"tag overruns":     {overrun, ErrTruncated},
		"total > buffer":   {tooBig, ErrTruncated},
		"total too small":  {tiny, ErrBadTag},
		"empty":            {nil, ErrTruncated},
		"padding past end": {padPast, ErrNoEndTag},
	} {
		it := MB2TagIter(c.info)
		for {
			if _, _, ok := it.Next(); !ok {
				break
			}
		}
		if it.Err() != c.want {
			t.Errorf("%s: %v, want %v", name, it.Err(), c.want)
		}
		if _, ok := MB2FindTag(c.info, 12345); ok {
			t.Errorf("%s: found tag", name)
		}
	}
}

func TestMB2MemMapAndEFI(t *testing.T) {
	regions := []MemRegion{
		{0, 0x9fc00, MemAvailable},
		{0x100000, 0x3ff00000, MemAvailable},
		{0xfee00000, 0x1000, MemType(9)}, // unknown → reserved
	}
	got, err := drain(t, MB2MemMap(mb2MmapTag(24, regions...)))
	if err != nil {
		t.Fatal(err)
	}
	regions[2].Type = MemReserved
	if !reflect.DeepEqual(got, regions) {
		t.Errorf("mmap %+v", got)
	}
	// Larger entry size (forward compatible).
	if got, err := drain(t, MB2MemMap(mb2MmapTag(32, regions...))); err != nil || !reflect.DeepEqual(got, regions) {
		t.Errorf("entry_size 32: %+v %v", got, err)
	}
	if _, err := drain(t, MB2MemMap(mb2MmapTag(16, regions...))); err != ErrBadEntry {
		t.Errorf("entry_size 16: %v", err)
	}
	tr := mb2MmapTag(24, regions...)
	if got, err := drain(t, MB2MemMap(tr[:len(tr)-4])); err != ErrTruncated || len(got) != 2 {
		t.Errorf("truncated mmap: %d %v", len(got), err)
	}
	if _, err := drain(t, MB2MemMap(tr[:12])); err != ErrTruncated {
		t.Errorf("short mmap tag: %v", err)
	}

	descs := []efiDesc{
		{EFIBootServicesCode, 0, 1},
		{EFIConventionalMemory, 0x1000, 0x9e},
		{EFILoaderData, 0x100000, 0x100},
		{EFIBootServicesData, 0x200000, 0x200},
		{EFIRuntimeServicesCode, 0x400000, 0x10},
		{EFIACPIReclaimMemory, 0x410000, 0x10},
		{EFIACPIMemoryNVS, 0x420000, 0x10},
		{EFIUnusableMemory, 0x430000, 0x10},
		{EFIMemoryMappedIO, 0xfec00000, 1},
		{EFIPersistentMemory, 0x1_0000_0000, 0x100},
		{EFIConventionalMemory, 0x500000, 0},       // empty: skipped
		{EFIConventionalMemory, 0x600000, 1 << 62}, // absurd: clipped
	}
	want := []MemRegion{
		{0, 0x1000, MemAvailable},
		{0x1000, 0x9e000, MemAvailable},
		{0x100000, 0x100000, MemAvailable},
		{0x200000, 0x200000, MemAvailable},
		{0x400000, 0x10000, MemReserved},
		{0x410000, 0x10000, MemACPIReclaimable},
		{0x420000, 0x10000, MemNVS},
		{0x430000, 0x10000, MemBadRAM},
		{0xfec00000, 0x1000, MemReserved},
		{0x1_0000_0000, 0x100000, MemReserved},
		{0x600000, 1<<64 - 0x600000, MemAvailable},
	}
	got, err = drain(t, EFIMemMap(efiMmapTag(48, descs...), true))
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("EFI map (exited):\n got %+v\nwant %+v\n%v", got, want, err)
	}
	got, _ = drain(t, EFIMemMap(efiMmapTag(40, descs...), false))
	if got[0].Type != MemReserved || got[3].Type != MemReserved || got[2].Type != MemAvailable {
		t.Errorf("boot services memory with services active: %+v", got[:4])
	}
	if _, err := drain(t, EFIMemMap(efiMmapTag(32, descs...), true)); err != ErrBadEntry {
		t.Errorf("descriptor size 32: %v", err)
	}
	if _, err := drain(t, EFIMemMap(tag(MB2TagEFIMmap), true)); err != ErrTruncated {
		t.Errorf("empty EFI tag: %v", err)
	}
	et := efiMmapTag(48, descs[:2]...)
	if got, err := drain(t, EFIMemMap(et[:len(et)-1], true)); err != ErrTruncated || len(got) != 1 {
		t.Errorf("truncated EFI map: %d %v", len(got), err)
	}
	if EFIMemType(200, true) != MemReserved || EFIMemType(EFIUnacceptedMemory, true) != MemReserved {
		t.Error("unknown EFI type not reserved")
	}
}

func TestMB2MemMapFor(t *testing.T) {
	mm := mb2MmapTag(24, MemRegion{0x100000, 0x100000, MemAvailable})
	efi := efiMmapTag(48, efiDesc{EFIBootServicesData, 0x100000, 0x100})
	first := func(info []byte) (MemRegion, bool) {
		it, ok := MB2MemMapFor(info)
		if !ok {
			return MemRegion{}, false
		}
		r, _ := it.Next()
		return r, true
	}
	if r, ok := first(mb2(mm)); !ok || r.Type != MemAvailable || r.Length != 0x100000 {
		t.Errorf("mmap only: %+v %v", r, ok)
	}
	if r, _ := first(mb2(mm, efi)); r.Type != MemAvailable || r.Length != 0x100000 {
		t.Errorf("EFI preferred: %+v", r)
	}
	if r, _ := first(mb2(efi, tag(MB2TagEFIBootServices), mm)); r.Type != MemReserved {
		t.Errorf("boot services active: %+v", r)
	}
	if _, ok := first(mb2(tag(MB2TagCmdLine, cstr("x")))); ok {
		t.Error("map found in info without one")
	}
}

func TestSmallHelpers(t *testing.T) {
	if s, ok := CString([]byte("abc\x00def")); !ok || string(s) != "abc" {
		t.Error("CString")
	}
	if s, ok := CString([]byte("abc")); ok || string(s) != "abc" {
		t.Error("CString unterminated")
	}
	if (MemRegion{^uint64(0) - 5, 100, MemAvailable}).End() != ^uint64(0) {
		t.Error("End saturation")
	}
	names := map[MemType]string{1: "available", 2: "reserved", 3: "acpi-reclaimable", 4: "acpi-nvs", 5: "bad-ram", 9: "unknown"}
	for ty, n := range names {
		if ty.String() != n {
			t.Errorf("%d.String() = %q", ty, ty.String())
		}
	}
	if _, ok := le16([]byte{1}, 0); ok {
		t.Error("le16 short")
	}
	if v, ok := le16([]byte{1, 2}, 0); !ok || v != 0x201 {
		t.Error("le16")
	}
	if _, ok := le32([]byte{1, 2, 3, 4}, -1); ok {
		t.Error("le32 negative offset")
	}
	if errCode(200).error() != nil {
		t.Error("unknown errCode")
	}
}

// TestEarlyNoAllocation checks that the early layer never allocates.
func TestEarlyNoAllocation(t *testing.T) {
	info1 := MB1Info(mb1Info{flags: MB1FlagMem | MB1FlagMods | MB1FlagMmap | MB1FlagFramebuffer | MB1FlagCmdLine | MB1FlagLoaderName,
		fb: &Framebuffer{}}.bytes())
	mods := mb1Module(1, 2, 3)
	mmap1 := append(mb1Entry(20, 0, 0xa0000, 1), mb1Entry(20, 0x100000, 0x1000000, 1)...)
	info2 := mb2(
		tag(MB2TagCmdLine, cstr("a=b")),
		tag(MB2TagModule, u32(0x200000), u32(0x280000), cstr("m")),
		tag(MB2TagBasicMem, u32(1), u32(2)),
		tag(MB2TagFramebuffer, make([]byte, 24)),
		mb2MmapTag(24, MemRegion{0, 0xa0000, MemAvailable}, MemRegion{0x100000, 0x1000000, MemAvailable}),
		efiMmapTag(48, efiDesc{EFIConventionalMemory, 0x100000, 0x1000}),
	)
	regions := []MemRegion{{0, 0xa0000, MemAvailable}, {0x100000, 0x1000000, MemAvailable}, {0x200000, 0x1000, MemReserved}}
	exclude := []Range{Low1MiB, {0x400000, 0x500000}}
	var sink uint64
	allocs := testing.AllocsPerRun(50, func() {
		_ = info1.Flags()
		_, _, _ = info1.Mem()
		_, _ = info1.CmdLine()
		_, _, _ = info1.Mods()
		_, _, _ = info1.MemMap()
		_, _ = info1.LoaderName()
		fb, _ := info1.Framebuffer()
		sink += fb.Addr
		_, _, _, _ = MB1Module(mods, 0)
		sink += uint64(MB1InfoSize(info1.Flags()))
		it := MB1MemMap(mmap1)
		for r, ok := it.Next(); ok; r, ok = it.Next() {
			sink += r.Length
		}
		_ = it.Err()
		tags := MB2TagIter(info2)
		for _, tg, ok := tags.Next(); ok; _, tg, ok = tags.Next() {
			sink += uint64(len(tg))
		}
		_ = tags.Err()
		if tg, ok := MB2FindTag(info2, MB2TagCmdLine); ok {
			sink += uint64(len(MB2String(tg)))
		}
		if tg, ok := MB2FindTag(info2, MB2TagModule); ok {
			_, _, c, _ := MB2Module(tg)
			sink += uint64(len(c))
		}
		if tg, ok := MB2FindTag(info2, MB2TagBasicMem); ok {
			_, _, _ = MB2BasicMem(tg)
		}
		if tg, ok := MB2FindTag(info2, MB2TagFramebuffer); ok {
			_, _ = MB2Framebuffer(tg)
		}
		mi, _ := MB2MemMapFor(info2)
		for r, ok := mi.Next(); ok; r, ok = mi.Next() {
			sink += r.Base
		}
		if tg, ok := MB2FindTag(info2, MB2TagMmap); ok {
			m := MB2MemMap(tg)
			for r, ok := m.Next(); ok; r, ok = m.Next() {
				sink += r.Base
			}
		}
		u := Usable(regions, exclude)
		for r, ok := u.Next(); ok; r, ok = u.Next() {
			sink += r.End
		}
		sink += UsableBytes(regions, exclude)
		lo, hi, _ := AvailableSpan(regions)
		sink += lo + hi
		_ = EFIMemType(3, true).String()
	})
	if allocs != 0 {
		t.Fatalf("early layer allocated %.1f times per run", allocs)
	}
	_ = sink
}
