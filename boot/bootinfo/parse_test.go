package bootinfo

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const (
	mb1InfoAt  = 0x9500
	mb1CmdAt   = 0x9000
	mb1NameAt  = 0x9100
	mb1ModsAt  = 0x9200
	mb1MmapAt  = 0x9300
	mb1Mod0Cmd = 0x9400
	mb1Mod1Cmd = 0x9480
)

// qemuMB1 lays out a MB1 boot like QEMU's -kernel loader does.
func qemuMB1() (*fakeMem, mb1Info) {
	m := &fakeMem{}
	fb := &Framebuffer{Addr: 0xfd000000, Pitch: 3200, Width: 800, Height: 600, BPP: 32, Type: 1}
	info := mb1Info{
		flags: MB1FlagMem | MB1FlagCmdLine | MB1FlagMods | MB1FlagMmap | MB1FlagLoaderName |
			MB1FlagFramebuffer,
		memLower: 639, memUpper: 129920,
		cmdline: mb1CmdAt, loaderNm: mb1NameAt,
		modsCount: 2, modsAddr: mb1ModsAt,
		mmapAddr: mb1MmapAt, fb: fb,
	}
	var mmap []byte
	mmap = append(mmap, mb1Entry(20, 0, 0x9fc00, 1)...)
	mmap = append(mmap, mb1Entry(20, 0x9fc00, 0x400, 2)...)
	mmap = append(mmap, mb1Entry(20, 0xf0000, 0x10000, 2)...)
	mmap = append(mmap, mb1Entry(20, 0x100000, 0x7ee0000, 1)...)
	mmap = append(mmap, mb1Entry(20, 0x7fe0000, 0x20000, 2)...)
	mmap = append(mmap, mb1Entry(20, 0xfffc0000, 0x40000, 2)...)
	info.mmapLength = uint32(len(mmap))
	m.put(mb1CmdAt, cstr("kernel.elf loglevel=debug test=pmm"))
	m.put(mb1NameAt, cstr("qemu"))
	m.put(mb1ModsAt, append(mb1Module(0x800000, 0x900000, mb1Mod0Cmd), mb1Module(0x900000, 0x900800, mb1Mod1Cmd)...))
	m.put(mb1MmapAt, mmap)
	m.put(mb1Mod0Cmd, cstr("bootfs.cpio"))
	m.put(mb1Mod1Cmd, cstr("extra arg"))
	m.put(mb1InfoAt, info.bytes())
	return m, info
}

func TestParseMultiboot1(t *testing.T) {
	m, _ := qemuMB1()
	info, err := Parse(Multiboot1Magic, m, mb1InfoAt)
	if err != nil {
		t.Fatal(err)
	}
	want := &Info{
		Protocol: Multiboot1, InfoAddr: mb1InfoAt, InfoSize: MB1InfoMaxSize,
		CmdLine: "kernel.elf loglevel=debug test=pmm", BootloaderName: "qemu",
		HasBasicMem: true, MemLowerKiB: 639, MemUpperKiB: 129920,
		MemMap: []MemRegion{
			{0, 0x9fc00, MemAvailable},
			{0x9fc00, 0x400, MemReserved},
			{0xf0000, 0x10000, MemReserved},
			{0x100000, 0x7ee0000, MemAvailable},
			{0x7fe0000, 0x20000, MemReserved},
			{0xfffc0000, 0x40000, MemReserved},
		},
		Modules: []Module{
			{0x800000, 0x900000, "bootfs.cpio"},
			{0x900000, 0x900800, "extra arg"},
		},
		Framebuffer: &Framebuffer{Addr: 0xfd000000, Pitch: 3200, Width: 800, Height: 600, BPP: 32, Type: 1},
	}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("got  %+v\nwant %+v", info, want)
	}
	if info.Protocol.String() != "multiboot1" || Protocol(9).String() != "protocol(9)" {
		t.Error("Protocol.String")
	}
}

func TestParseMultiboot1Fallbacks(t *testing.T) {
	// Only mem_lower/mem_upper: the map is synthesised.
	m := &fakeMem{}
	m.put(0x1000, mb1Info{flags: MB1FlagMem, memLower: 640, memUpper: 1024}.bytes())
	info, err := ParseMultiboot1(m, 0x1000)
	if err != nil {
		t.Fatal(err)
	}
	want := []MemRegion{{0, 640 << 10, MemAvailable}, {1 << 20, 1 << 20, MemAvailable}}
	if !reflect.DeepEqual(info.MemMap, want) || info.InfoSize != 12 {
		t.Errorf("synthesised map %+v, size %d", info.MemMap, info.InfoSize)
	}
	// A module without a command line; touching same-type map entries merge.
	m = &fakeMem{}
	mmap := append(mb1Entry(20, 0x100000, 0x100000, 1), mb1Entry(20, 0x200000, 0x100000, 1)...)
	m.put(0x2000, mmap)
	m.put(0x3000, mb1Module(0x400000, 0x400000, 0))
	m.put(0x1000, mb1Info{flags: MB1FlagMmap | MB1FlagMods, mmapLength: uint32(len(mmap)), mmapAddr: 0x2000, modsCount: 1, modsAddr: 0x3000}.bytes())
	info, err = ParseMultiboot1(m, 0x1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.MemMap) != 1 || info.MemMap[0].Length != 0x200000 || info.Modules[0].CmdLine != "" {
		t.Errorf("merged map %+v modules %+v", info.MemMap, info.Modules)
	}
	// Regression (found by FuzzParseMultiboot2): merging up to 2^64 must
	// not wrap the length to zero.
	m = &fakeMem{}
	mmap = append(mb1Entry(20, 0, 0x1000, 1), mb1Entry(20, 0x1000, ^uint64(0), 1)...)
	m.put(0x2000, mmap)
	m.put(0x1000, mb1Info{flags: MB1FlagMmap, mmapLength: uint32(len(mmap)), mmapAddr: 0x2000}.bytes())
	info, err = ParseMultiboot1(m, 0x1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range info.MemMap {
		if r.Length == 0 {
			t.Errorf("zero-length region after merge: %+v", info.MemMap)
		}
	}
	if len(info.MemMap) != 2 || info.MemMap[1].End() != ^uint64(0) {
		t.Errorf("map reaching 2^64: %+v", info.MemMap)
	}
}

func TestParseMultiboot1Errors(t *testing.T) {
	type mut func(m *fakeMem, i *mb1Info)
	cases := []struct {
		name string
		mut  mut
		want error
	}{
		{"no memory info", func(m *fakeMem, i *mb1Info) { i.flags &^= MB1FlagMem | MB1FlagMmap }, ErrNoMemMap},
		{"unreadable cmdline", func(m *fakeMem, i *mb1Info) { i.cmdline = 0xdead0000 }, ErrTruncated},
		{"unreadable loader name", func(m *fakeMem, i *mb1Info) { i.loaderNm = 0xdead0000 }, ErrTruncated},
		{"unreadable module list", func(m *fakeMem, i *mb1Info) { i.modsAddr = 0xdead0000 }, ErrTruncated},
		{"too many modules", func(m *fakeMem, i *mb1Info) { i.modsCount = 100000 }, ErrTooLarge},
		{"unreadable mmap", func(m *fakeMem, i *mb1Info) { i.mmapAddr = 0xdead0000 }, ErrTruncated},
		{"huge mmap", func(m *fakeMem, i *mb1Info) { i.mmapLength = 1 << 30 }, ErrTooLarge},
		{"mmap length cuts an entry", func(m *fakeMem, i *mb1Info) { i.mmapLength -= 3 }, ErrTruncated},
		{"mmap overlaps info", func(m *fakeMem, i *mb1Info) { i.mmapAddr = mb1InfoAt - 8 }, ErrOverlap},
		{"module end before start", func(m *fakeMem, i *mb1Info) {
			m.segs[2].data = append(mb1Module(0x900000, 0x800000, 0), mb1Module(0x900000, 0x900800, 0)...)
		}, ErrBadModule},
		{"modules overlap", func(m *fakeMem, i *mb1Info) {
			m.segs[2].data = append(mb1Module(0x800000, 0x900000, 0), mb1Module(0x8ff000, 0x900800, 0)...)
		}, ErrOverlap},
		{"module overlaps info", func(m *fakeMem, i *mb1Info) {
			m.segs[2].data = append(mb1Module(0x9000, 0xa000, 0), mb1Module(0x900000, 0x900800, 0)...)
		}, ErrOverlap},
		{"unreadable module cmdline", func(m *fakeMem, i *mb1Info) {
			m.segs[2].data = append(mb1Module(0x800000, 0x900000, 0xdead0000), mb1Module(0x900000, 0x900800, 0)...)
		}, ErrTruncated},
		{"unterminated cmdline", func(m *fakeMem, i *mb1Info) {
			m.put(0x100000, bytes.Repeat([]byte("a"), maxStringSize+100))
			i.cmdline = 0x100000
		}, ErrBadString},
	}
	for _, c := range cases {
		m, info := qemuMB1()
		c.mut(m, &info)
		for i := range m.segs {
			if m.segs[i].addr == mb1InfoAt {
				m.segs[i].data = info.bytes()
			}
		}
		got, err := ParseMultiboot1(m, mb1InfoAt)
		if !errors.Is(err, c.want) || got != nil {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := ParseMultiboot1(&fakeMem{}, 0x1000); !errors.Is(err, ErrTruncated) || !errors.Is(err, errUnmapped) {
		t.Errorf("no info at all: %v", err)
	}
	// Flags promise more than is readable.
	m := &fakeMem{}
	m.put(0x1000, u32(MB1FlagMmap))
	if _, err := ParseMultiboot1(m, 0x1000); !errors.Is(err, ErrTruncated) {
		t.Errorf("short info: %v", err)
	}
	if _, err := ParseMultiboot1(m, ^uint64(0)-1); !errors.Is(err, ErrTruncated) {
		t.Errorf("wrapping address: %v", err)
	}
}

func TestReadCStringAtEndOfMemory(t *testing.T) {
	m := &fakeMem{}
	m.put(0x1000, []byte("short\x00")) // chunked read would run past the segment
	s, err := readCString(m, 0x1000, "x")
	if err != nil || s != "short" {
		t.Errorf("%q %v", s, err)
	}
	m.put(0x2000, []byte("noterm"))
	if _, err := readCString(m, 0x2000, "x"); !errors.Is(err, ErrTruncated) {
		t.Errorf("unterminated at end of memory: %v", err)
	}
	long := strings.Repeat("b", 100) + "\x00"
	m.put(0x3000, []byte(long+strings.Repeat("z", 64)))
	if s, err := readCString(m, 0x3000, "x"); err != nil || s != long[:100] {
		t.Errorf("multi-chunk: %q %v", s, err)
	}
}

const mb2At = 0x10000

func grubMB2(extra ...[]byte) []byte {
	tags := [][]byte{
		tag(MB2TagCmdLine, cstr("loglevel=info timer.hz=250")),
		tag(MB2TagLoaderName, cstr("GRUB 2.06")),
		tag(MB2TagModule, u32(0x800000), u32(0x900000), cstr("/boot/bootfs.cpio")),
		tag(MB2TagModule, u32(0x900000), u32(0x900001), cstr("")),
		tag(MB2TagBasicMem, u32(639), u32(2096128)),
		tag(MB2TagBootDevice, u32(0x80), u32(0), u32(0)),
		mb2MmapTag(24,
			MemRegion{0, 0x9fc00, MemAvailable},
			MemRegion{0x9fc00, 0x400, MemReserved},
			MemRegion{0x100000, 0x7fee0000, MemAvailable},
			MemRegion{0x7ffe0000, 0x20000, MemReserved}),
		tag(MB2TagFramebuffer, u64(0xfd000000), u32(4096), u32(1024), u32(768), []byte{32, 1, 0, 0}),
		tag(MB2TagLoadBase, u32(0x200000)),
		tag(MB2TagACPIOld, rsdp(0, 20)),
	}
	return mb2(append(tags, extra...)...)
}

func TestParseMultiboot2BIOS(t *testing.T) {
	m := &fakeMem{}
	m.put(mb2At, grubMB2())
	info, err := Parse(Multiboot2Magic, m, mb2At)
	if err != nil {
		t.Fatal(err)
	}
	want := &Info{
		Protocol: Multiboot2, InfoAddr: mb2At, InfoSize: uint64(len(grubMB2())),
		CmdLine: "loglevel=info timer.hz=250", BootloaderName: "GRUB 2.06",
		HasBasicMem: true, MemLowerKiB: 639, MemUpperKiB: 2096128,
		MemMap: []MemRegion{
			{0, 0x9fc00, MemAvailable},
			{0x9fc00, 0x400, MemReserved},
			{0x100000, 0x7fee0000, MemAvailable},
			{0x7ffe0000, 0x20000, MemReserved},
		},
		Modules:     []Module{{0x800000, 0x900000, "/boot/bootfs.cpio"}, {0x900000, 0x900001, ""}},
		RSDP:        rsdp(0, 20),
		Framebuffer: &Framebuffer{Addr: 0xfd000000, Pitch: 4096, Width: 1024, Height: 768, BPP: 32, Type: 1},
		LoadBase:    0x200000,
	}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("got  %+v\nwant %+v", info, want)
	}
}

func TestParseMultiboot2UEFI(t *testing.T) {
	efi := efiMmapTag(48,
		efiDesc{EFIBootServicesCode, 0, 1},
		efiDesc{EFIConventionalMemory, 0x1000, 0x9f},
		efiDesc{EFILoaderData, 0x100000, 0x100}, // merges with the previous? no: gap at 0xa0000
		efiDesc{EFIBootServicesData, 0x200000, 0x100},
		efiDesc{EFIRuntimeServicesData, 0x300000, 0x10},
		efiDesc{EFIACPIReclaimMemory, 0x310000, 0x10},
	)
	m := &fakeMem{}
	m.put(mb2At, grubMB2(efi,
		tag(MB2TagEFI64, u64(0x7f000000)),
		tag(MB2TagACPINew, rsdp(2, 36)),
	))
	info, err := ParseMultiboot2(m, mb2At)
	if err != nil {
		t.Fatal(err)
	}
	wantMap := []MemRegion{
		{0, 0xa0000, MemAvailable}, // boot-services code + conventional, merged
		{0x100000, 0x200000, MemAvailable},
		{0x300000, 0x10000, MemReserved},
		{0x310000, 0x10000, MemACPIReclaimable},
	}
	if !reflect.DeepEqual(info.MemMap, wantMap) {
		t.Errorf("EFI map %+v", info.MemMap)
	}
	if !info.EFI || info.EFISystemTable != 0x7f000000 || info.EFIBootServicesActive {
		t.Errorf("EFI fields %+v", info)
	}
	if len(info.RSDP) != 36 || info.RSDP[15] != 2 {
		t.Errorf("new RSDP not preferred: %x", info.RSDP)
	}
	// Boot services still running: their memory is reserved.
	m = &fakeMem{}
	m.put(mb2At, mb2(efi, tag(MB2TagEFIBootServices), tag(MB2TagEFI32, u32(0x7f00))))
	info, err = ParseMultiboot2(m, mb2At)
	if err != nil {
		t.Fatal(err)
	}
	if !info.EFIBootServicesActive || info.MemMap[0] != (MemRegion{0, 0x1000, MemReserved}) || info.EFISystemTable != 0x7f00 {
		t.Errorf("boot services active: %+v", info)
	}
	// Basic memory information only.
	m = &fakeMem{}
	m.put(mb2At, mb2(tag(MB2TagBasicMem, u32(640), u32(0))))
	if info, err = ParseMultiboot2(m, mb2At); err != nil || len(info.MemMap) != 1 {
		t.Errorf("basic mem only: %+v %v", info, err)
	}
}

func TestParseMultiboot2Errors(t *testing.T) {
	put := func(b []byte) *fakeMem { m := &fakeMem{}; m.put(mb2At, b); return m }
	bigTotal := mb2(tag(MB2TagCmdLine, cstr("x")))
	le.PutUint32(bigTotal, maxMB2Size+8)
	shortTotal := mb2()
	le.PutUint32(shortTotal, 8)
	longerThanMem := mb2(tag(MB2TagCmdLine, cstr("x")))
	le.PutUint32(longerThanMem, uint32(len(longerThanMem)+64))
	noEnd := mb2(tag(MB2TagCmdLine, cstr("x")))
	noEnd = noEnd[:len(noEnd)-8]
	le.PutUint32(noEnd, uint32(len(noEnd)))
	manyMods := make([][]byte, maxModules+1)
	for i := range manyMods {
		manyMods[i] = tag(MB2TagModule, u32(uint32(i)*16), u32(uint32(i)*16+1), cstr(""))
	}
	basic := tag(MB2TagBasicMem, u32(640), u32(1024))
	cases := []struct {
		name string
		mem  *fakeMem
		addr uint64
		want error
	}{
		{"misaligned", put(grubMB2()), mb2At + 4, ErrMisaligned},
		{"nothing there", &fakeMem{}, mb2At, ErrTruncated},
		{"total_size too large", put(bigTotal), mb2At, ErrTooLarge},
		{"total_size too small", put(shortTotal), mb2At, ErrTruncated},
		{"total_size beyond memory", put(longerThanMem), mb2At, ErrTruncated},
		{"no end tag", put(noEnd), mb2At, ErrNoEndTag},
		{"no memory info", put(mb2(tag(MB2TagCmdLine, cstr("x")))), mb2At, ErrNoMemMap},
		{"short module tag", put(mb2(basic, tag(MB2TagModule, u32(1)))), mb2At, ErrBadTag},
		{"module end before start", put(mb2(basic, tag(MB2TagModule, u32(2), u32(1)))), mb2At, ErrBadModule},
		{"module overlaps info", put(mb2(basic, tag(MB2TagModule, u32(mb2At), u32(mb2At+8)))), mb2At, ErrOverlap},
		{"too many modules", put(mb2(append(manyMods, basic)...)), mb2At, ErrTooLarge},
		{"short basic mem", put(mb2(tag(MB2TagBasicMem, u32(1)))), mb2At, ErrBadTag},
		{"short EFI32", put(mb2(basic, tag(MB2TagEFI32))), mb2At, ErrBadTag},
		{"short EFI64", put(mb2(basic, tag(MB2TagEFI64, u32(1)))), mb2At, ErrBadTag},
		{"short framebuffer", put(mb2(basic, tag(MB2TagFramebuffer, u32(1)))), mb2At, ErrBadTag},
		{"short load base", put(mb2(basic, tag(MB2TagLoadBase))), mb2At, ErrBadTag},
		{"bad mmap entry size", put(mb2(mb2MmapTag(8, MemRegion{0, 1, 1}))), mb2At, ErrBadEntry},
		{"bad EFI descriptor size", put(mb2(efiMmapTag(24, efiDesc{7, 0, 1}))), mb2At, ErrBadEntry},
		{"short RSDP", put(mb2(basic, tag(MB2TagACPIOld, rsdp(0, 12)))), mb2At, ErrBadRSDP},
		{"v2 RSDP too short", put(mb2(basic, tag(MB2TagACPINew, rsdp(2, 20)))), mb2At, ErrBadRSDP},
		{"RSDP bad signature", put(mb2(basic, tag(MB2TagACPIOld, make([]byte, 20)))), mb2At, ErrBadRSDP},
	}
	for _, c := range cases {
		info, err := ParseMultiboot2(c.mem, c.addr)
		if !errors.Is(err, c.want) || info != nil {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Parse(0x1234, &fakeMem{}, 0); !errors.Is(err, ErrBadMagic) {
		t.Errorf("bad magic: %v", err)
	}
}

// fuzzMem exposes the fuzz input as physical memory at address 0, so
// pointers inside the input that are small enough point back into it.
func fuzzMem(data []byte) *fakeMem {
	m := &fakeMem{}
	m.put(0, data)
	return m
}

func checkInfo(t *testing.T, info *Info, err error) {
	if err != nil {
		if info != nil {
			t.Fatalf("info returned with error %v", err)
		}
		return
	}
	if len(info.MemMap) == 0 {
		t.Fatal("success without a memory map")
	}
	for _, r := range info.MemMap {
		if r.Length == 0 || r.Base+r.Length < r.Base && r.Base+r.Length != 0 {
			t.Fatalf("bad region %+v", r)
		}
		if r.Type < MemAvailable || r.Type > MemBadRAM {
			t.Fatalf("bad type %+v", r)
		}
	}
	for _, m := range info.Modules {
		if m.End < m.Start {
			t.Fatalf("bad module %+v", m)
		}
	}
	// The usable iterator must terminate and stay inside available RAM.
	it := Usable(info.MemMap, []Range{Low1MiB})
	for n := 0; ; n++ {
		r, ok := it.Next()
		if !ok {
			break
		}
		if r.Start >= r.End || r.Start%PageSize != 0 || r.End%PageSize != 0 || n > 10000 {
			t.Fatalf("bad usable range %+v", r)
		}
	}
}

func FuzzParseMultiboot1(f *testing.F) {
	// Seed: the QEMU-like layout flattened into one buffer at address 0.
	buf := make([]byte, 0x800)
	mmap := append(mb1Entry(20, 0, 0x9fc00, 1), mb1Entry(20, 0x100000, 0x7ee0000, 1)...)
	copy(buf[0x200:], mmap)
	copy(buf[0x300:], cstr("kernel loglevel=debug"))
	copy(buf[0x400:], append(mb1Module(0x1000, 0x2000, 0x300), mb1Module(0x2000, 0x3000, 0)...))
	copy(buf[0x500:], cstr("qemu"))
	copy(buf, mb1Info{
		flags:    MB1FlagMem | MB1FlagCmdLine | MB1FlagMods | MB1FlagMmap | MB1FlagLoaderName | MB1FlagFramebuffer,
		memLower: 639, memUpper: 1024, cmdline: 0x300, modsCount: 2, modsAddr: 0x400,
		mmapLength: uint32(len(mmap)), mmapAddr: 0x200, loaderNm: 0x500, fb: &Framebuffer{BPP: 32},
	}.bytes())
	f.Add(buf)
	f.Add(mb1Info{flags: MB1FlagMem, memLower: 1, memUpper: 2}.bytes())
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := ParseMultiboot1(fuzzMem(data), 0)
		checkInfo(t, info, err)
		// The early accessors must not panic either.
		b := MB1Info(data)
		if l, a, ok := b.MemMap(); ok && uint64(a) < uint64(len(data)) {
			end := min(uint64(a)+uint64(l), uint64(len(data)))
			it := MB1MemMap(data[a:end])
			for _, ok := it.Next(); ok; _, ok = it.Next() {
			}
		}
	})
}

func FuzzParseMultiboot2(f *testing.F) {
	f.Add(grubMB2())
	f.Add(grubMB2(efiMmapTag(48, efiDesc{7, 0x1000, 16}, efiDesc{3, 0x100000, 16}),
		tag(MB2TagEFIBootServices), tag(MB2TagEFI64, u64(1)), tag(MB2TagACPINew, rsdp(2, 36))))
	f.Add(mb2(tag(MB2TagBasicMem, u32(640), u32(1024))))
	f.Add(mb2())
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := ParseMultiboot2(fuzzMem(data), 0)
		checkInfo(t, info, err)
		if it, ok := MB2MemMapFor(data); ok {
			for n := 0; ; n++ {
				if _, ok := it.Next(); !ok || n > len(data) {
					break
				}
			}
		}
	})
}
