package bootinfo

// Multiboot 1 (spec 0.6.96). Section numbers refer to that document.

// Magic numbers (§3.1.2 header magic, §3.2 machine state: EAX on entry).
const (
	MB1HeaderMagic  uint32 = 0x1BADB002 // in the OS image's multiboot header
	Multiboot1Magic uint32 = 0x2BADB002 // in EAX when a MB1 loader jumps to the kernel
)

// MB1 information-structure flag bits (§3.3): each says which fields are
// valid.
const (
	MB1FlagMem         uint32 = 1 << 0  // mem_lower, mem_upper
	MB1FlagBootDevice  uint32 = 1 << 1  // boot_device
	MB1FlagCmdLine     uint32 = 1 << 2  // cmdline
	MB1FlagMods        uint32 = 1 << 3  // mods_count, mods_addr
	MB1FlagAOutSyms    uint32 = 1 << 4  // a.out symbol table
	MB1FlagELFShdr     uint32 = 1 << 5  // ELF section headers
	MB1FlagMmap        uint32 = 1 << 6  // mmap_length, mmap_addr
	MB1FlagDrives      uint32 = 1 << 7  // drives_length, drives_addr
	MB1FlagConfig      uint32 = 1 << 8  // config_table
	MB1FlagLoaderName  uint32 = 1 << 9  // boot_loader_name
	MB1FlagAPM         uint32 = 1 << 10 // apm_table
	MB1FlagVBE         uint32 = 1 << 11 // vbe_*
	MB1FlagFramebuffer uint32 = 1 << 12 // framebuffer_*
)

// Offsets of the fixed fields of the MB1 information structure (§3.3,
// "Boot information format").
const (
	mb1OffFlags      = 0
	mb1OffMemLower   = 4
	mb1OffMemUpper   = 8
	mb1OffCmdLine    = 16
	mb1OffModsCount  = 20
	mb1OffModsAddr   = 24
	mb1OffMmapLength = 44
	mb1OffMmapAddr   = 48
	mb1OffLoaderName = 64
	mb1OffFBAddr     = 88
	mb1OffFBPitch    = 96
	mb1OffFBWidth    = 100
	mb1OffFBHeight   = 104
	mb1OffFBBpp      = 108
	mb1OffFBType     = 109
)

// MB1InfoMaxSize is the size of the information structure with every
// field present (through the framebuffer color info, §3.3).
const MB1InfoMaxSize = 116

// MB1ModuleSize is the size of one module-list entry (§3.3: mod_start,
// mod_end, string, reserved).
const MB1ModuleSize = 16

// MB1InfoSize returns how many bytes of the information structure are
// meaningful for the given flags, so a reader fetches no more than the
// loader promised to write.
//
//go:nosplit
func MB1InfoSize(flags uint32) int {
	switch {
	case flags&MB1FlagFramebuffer != 0:
		return MB1InfoMaxSize
	case flags&MB1FlagVBE != 0:
		return 88
	case flags&MB1FlagAPM != 0:
		return 72
	case flags&MB1FlagLoaderName != 0:
		return 68
	case flags&MB1FlagConfig != 0:
		return 64
	case flags&MB1FlagDrives != 0:
		return 60
	case flags&MB1FlagMmap != 0:
		return 52
	case flags&(MB1FlagAOutSyms|MB1FlagELFShdr) != 0:
		return 44
	case flags&MB1FlagMods != 0:
		return 28
	case flags&MB1FlagCmdLine != 0:
		return 20
	case flags&MB1FlagBootDevice != 0:
		return 16
	case flags&MB1FlagMem != 0:
		return 12
	}
	return 4
}

// MB1Info is the Multiboot 1 information structure as raw bytes (the
// kernel slices it out of physical memory at the address in EBX). Its
// accessors return ok=false when the flag bit is clear or the slice is too
// short, never panic and never allocate.
type MB1Info []byte

// Flags returns the flags word (0 if the slice is too short).
//
//go:nosplit
func (b MB1Info) Flags() uint32 {
	f, _ := le32(b, mb1OffFlags)
	return f
}

// field reads a uint32 field guarded by flag.
//
//go:nosplit
func (b MB1Info) field(flag uint32, off int) (uint32, bool) {
	if b.Flags()&flag == 0 {
		return 0, false
	}
	return le32(b, off)
}

// Mem returns mem_lower and mem_upper in KiB (memory below 1 MiB and from
// 1 MiB to the first hole).
//
//go:nosplit
func (b MB1Info) Mem() (lowerKiB, upperKiB uint32, ok bool) {
	lo, ok1 := b.field(MB1FlagMem, mb1OffMemLower)
	hi, ok2 := b.field(MB1FlagMem, mb1OffMemUpper)
	return lo, hi, ok1 && ok2
}

// CmdLine returns the physical address of the NUL-terminated command line.
//
//go:nosplit
func (b MB1Info) CmdLine() (addr uint32, ok bool) {
	return b.field(MB1FlagCmdLine, mb1OffCmdLine)
}

// Mods returns the module count and the physical address of the module
// list (count entries of MB1ModuleSize bytes).
//
//go:nosplit
func (b MB1Info) Mods() (count, addr uint32, ok bool) {
	c, ok1 := b.field(MB1FlagMods, mb1OffModsCount)
	a, ok2 := b.field(MB1FlagMods, mb1OffModsAddr)
	return c, a, ok1 && ok2
}

// MemMap returns the length in bytes and physical address of the memory
// map buffer (iterate it with MB1MemMap).
//
//go:nosplit
func (b MB1Info) MemMap() (length, addr uint32, ok bool) {
	l, ok1 := b.field(MB1FlagMmap, mb1OffMmapLength)
	a, ok2 := b.field(MB1FlagMmap, mb1OffMmapAddr)
	return l, a, ok1 && ok2
}

// LoaderName returns the physical address of the boot loader's name.
//
//go:nosplit
func (b MB1Info) LoaderName() (addr uint32, ok bool) {
	return b.field(MB1FlagLoaderName, mb1OffLoaderName)
}

// Framebuffer describes a linear framebuffer or EGA text screen.
type Framebuffer struct {
	Addr                 uint64 // physical address
	Pitch, Width, Height uint32 // bytes per line; pixels (characters for EGA text)
	BPP                  uint8  // bits per pixel
	Type                 uint8  // 0 indexed, 1 RGB, 2 EGA text
}

// Framebuffer returns the framebuffer fields (flag bit 12).
//
//go:nosplit
func (b MB1Info) Framebuffer() (Framebuffer, bool) {
	if b.Flags()&MB1FlagFramebuffer == 0 || len(b) < MB1InfoMaxSize {
		return Framebuffer{}, false
	}
	return readFramebuffer(b, mb1OffFBAddr), true
}

// readFramebuffer decodes the framebuffer fields common to MB1 (§3.3) and
// MB2 ("Framebuffer info"): addr u64, pitch, width, height u32, bpp u8,
// type u8. The caller checked the length.
//
//go:nosplit
func readFramebuffer(b []byte, off int) Framebuffer {
	var fb Framebuffer
	fb.Addr, _ = le64(b, off)
	fb.Pitch, _ = le32(b, off+8)
	fb.Width, _ = le32(b, off+12)
	fb.Height, _ = le32(b, off+16)
	if off+21 < len(b) {
		fb.BPP = b[off+20]
		fb.Type = b[off+21]
	}
	return fb
}

// MB1Module decodes entry i of a module list (§3.3: mod_start, mod_end
// exclusive, string address). ok is false if mods is too short.
//
//go:nosplit
func MB1Module(mods []byte, i int) (start, end, cmdline uint32, ok bool) {
	if i < 0 || i > (len(mods)-MB1ModuleSize)/MB1ModuleSize || len(mods) < MB1ModuleSize {
		return 0, 0, 0, false
	}
	off := i * MB1ModuleSize
	start, _ = le32(mods, off)
	end, _ = le32(mods, off+4)
	cmdline, _ = le32(mods, off+8)
	return start, end, cmdline, true
}
