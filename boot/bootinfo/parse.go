package bootinfo

import "fmt"

// PhysReader reads physical memory. The kernel implements it over its
// direct map (failing for addresses outside RAM); tests use a fake.
type PhysReader interface {
	// ReadPhys fills p from physical address addr, or fails without
	// partial guarantees.
	ReadPhys(addr uint64, p []byte) error
}

// Protocol is the boot protocol the kernel was started with.
type Protocol uint8

// Boot protocols.
const (
	Multiboot1 Protocol = 1
	Multiboot2 Protocol = 2
)

// String returns "multiboot1" or "multiboot2".
func (p Protocol) String() string {
	switch p {
	case Multiboot1:
		return "multiboot1"
	case Multiboot2:
		return "multiboot2"
	}
	return fmt.Sprintf("protocol(%d)", uint8(p))
}

// Module is a boot module (e.g. the boot filesystem image): the physical
// range [Start, End) and its command line.
type Module struct {
	Start, End uint64
	CmdLine    string
}

// Info is everything the kernel uses from the boot loader, copied out of
// physical memory so the originals can be reused afterwards (except the
// modules' contents, which stay where the loader put them).
type Info struct {
	Protocol       Protocol
	InfoAddr       uint64 // physical address of the information structure
	InfoSize       uint64 // its size in bytes (MB1: fixed part only)
	CmdLine        string
	BootloaderName string
	// HasBasicMem says MemLowerKiB/MemUpperKiB are valid (MB1 flag 0,
	// MB2 tag 4).
	HasBasicMem              bool
	MemLowerKiB, MemUpperKiB uint32
	// MemMap is the firmware memory map in firmware order, with
	// consecutive entries of the same type that touch merged. For MB2 it
	// comes from the EFI map when present (see MB2MemMapFor); without any
	// map it is synthesised from the basic memory information.
	MemMap  []MemRegion
	Modules []Module
	// RSDP is a raw copy of the ACPI RSDP (MB2 tag 15, else 14): 20 bytes
	// for ACPI 1.0, 36 for 2.0+. Nil for MB1, whose kernel must search
	// the BIOS areas itself.
	RSDP []byte
	// EFI is set when the loader passed EFI information (system table or
	// EFI memory map), i.e. the machine booted through UEFI.
	EFI bool
	// EFIBootServicesActive is set when the loader did not call
	// ExitBootServices (MB2 tag 18); boot-services memory is then
	// reserved.
	EFIBootServicesActive bool
	EFISystemTable        uint64 // physical address, 0 if none (MB2 tag 11/12)
	Framebuffer           *Framebuffer
	LoadBase              uint64 // MB2 tag 21: physical load address of the image, 0 if none
}

// Limits that keep garbage input from causing huge allocations.
const (
	maxMB1Mmap    = 1 << 20 // bytes of MB1 memory-map buffer
	maxModules    = 1024
	maxMB2Size    = 4 << 20 // bytes of MB2 information structure
	maxStringSize = 64 << 10
)

// Parse dispatches on the bootloader magic (EAX at entry) to
// ParseMultiboot1 or ParseMultiboot2.
func Parse(magic uint32, mem PhysReader, infoAddr uint64) (*Info, error) {
	switch magic {
	case Multiboot1Magic:
		return ParseMultiboot1(mem, infoAddr)
	case Multiboot2Magic:
		return ParseMultiboot2(mem, infoAddr)
	}
	return nil, fmt.Errorf("%w %#x", ErrBadMagic, magic)
}

// read fetches n bytes of physical memory, failing with ErrTruncated
// context when the reader does.
func read(mem PhysReader, addr uint64, n int, what string) ([]byte, error) {
	if addr+uint64(n) < addr {
		return nil, fmt.Errorf("bootinfo: %s at %#x: range wraps: %w", what, addr, ErrTruncated)
	}
	b := make([]byte, n)
	if err := mem.ReadPhys(addr, b); err != nil {
		return nil, fmt.Errorf("bootinfo: reading %s (%d bytes at %#x): %w: %w", what, n, addr, ErrTruncated, err)
	}
	return b, nil
}

// readCString reads a NUL-terminated string at addr, at most
// maxStringSize bytes. It reads in chunks and falls back to single bytes
// near the end of readable memory, so a short string at the very end of
// RAM still reads.
func readCString(mem PhysReader, addr uint64, what string) (string, error) {
	var out []byte
	chunk := make([]byte, 64)
	for len(out) < maxStringSize {
		a := addr + uint64(len(out))
		if a < addr {
			break
		}
		if err := mem.ReadPhys(a, chunk); err != nil {
			// Near the end of memory: one byte at a time.
			var b [1]byte
			if err := mem.ReadPhys(a, b[:]); err != nil {
				return "", fmt.Errorf("bootinfo: reading %s at %#x: %w: %w", what, addr, ErrTruncated, err)
			}
			if b[0] == 0 {
				return string(out), nil
			}
			out = append(out, b[0])
			continue
		}
		if s, ok := CString(chunk); ok {
			return string(append(out, s...)), nil
		}
		out = append(out, chunk...)
	}
	return "", fmt.Errorf("bootinfo: %s at %#x: %w (over %d bytes)", what, addr, ErrBadString, maxStringSize)
}

// collect drains a memory-map iterator, merging touching same-type
// neighbours.
func collect(it MemMapIter, what string) ([]MemRegion, error) {
	var out []MemRegion
	for {
		r, ok := it.Next()
		if !ok {
			break
		}
		// Merge only when the sum cannot wrap: a region ending exactly at
		// 2^64 has a length that would.
		if n := len(out); n > 0 && out[n-1].Type == r.Type && out[n-1].End() == r.Base &&
			out[n-1].Length+r.Length > out[n-1].Length {
			out[n-1].Length += r.Length
			continue
		}
		out = append(out, r)
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("bootinfo: %s: %w", what, err)
	}
	return out, nil
}

// basicMemMap synthesises a map from mem_lower/mem_upper: conventional
// memory from 0 and extended memory from 1 MiB.
func basicMemMap(lowerKiB, upperKiB uint32) []MemRegion {
	var m []MemRegion
	if lowerKiB > 0 {
		m = append(m, MemRegion{0, uint64(lowerKiB) << 10, MemAvailable})
	}
	if upperKiB > 0 {
		m = append(m, MemRegion{1 << 20, uint64(upperKiB) << 10, MemAvailable})
	}
	return m
}

// overlaps reports whether [a, b) and [c, d) intersect.
func overlaps(a, b, c, d uint64) bool { return a < d && c < b }

// checkModules rejects modules with End < Start and modules that overlap
// each other or the information structure.
func checkModules(info *Info) error {
	for i, m := range info.Modules {
		if m.End < m.Start {
			return fmt.Errorf("bootinfo: module %d [%#x, %#x): %w: end before start", i, m.Start, m.End, ErrBadModule)
		}
		if overlaps(m.Start, m.End, info.InfoAddr, info.InfoAddr+info.InfoSize) {
			return fmt.Errorf("bootinfo: module %d [%#x, %#x) overlaps the boot information at %#x: %w", i, m.Start, m.End, info.InfoAddr, ErrOverlap)
		}
		for j := 0; j < i; j++ {
			o := info.Modules[j]
			if overlaps(m.Start, m.End, o.Start, o.End) {
				return fmt.Errorf("bootinfo: modules %d and %d overlap: %w", j, i, ErrOverlap)
			}
		}
	}
	return nil
}

// ParseMultiboot1 parses the Multiboot 1 information structure at
// infoAddr (EBX at entry; spec 0.6.96 §3.3). Fields whose flag is clear
// are left zero. The memory map comes from mmap_* (flag 6), else from
// mem_lower/mem_upper (flag 0); with neither it fails with ErrNoMemMap.
func ParseMultiboot1(mem PhysReader, infoAddr uint64) (*Info, error) {
	hdr, err := read(mem, infoAddr, 4, "multiboot1 info flags")
	if err != nil {
		return nil, err
	}
	size := MB1InfoSize(MB1Info(hdr).Flags())
	raw, err := read(mem, infoAddr, size, "multiboot1 info")
	if err != nil {
		return nil, err
	}
	b := MB1Info(raw)
	info := &Info{Protocol: Multiboot1, InfoAddr: infoAddr, InfoSize: uint64(size)}

	if lo, hi, ok := b.Mem(); ok {
		info.HasBasicMem, info.MemLowerKiB, info.MemUpperKiB = true, lo, hi
	}
	if a, ok := b.CmdLine(); ok {
		if info.CmdLine, err = readCString(mem, uint64(a), "command line"); err != nil {
			return nil, err
		}
	}
	if a, ok := b.LoaderName(); ok {
		if info.BootloaderName, err = readCString(mem, uint64(a), "boot loader name"); err != nil {
			return nil, err
		}
	}
	if n, a, ok := b.Mods(); ok && n > 0 {
		if n > maxModules {
			return nil, fmt.Errorf("bootinfo: %d modules: %w", n, ErrTooLarge)
		}
		list, err := read(mem, uint64(a), int(n)*MB1ModuleSize, "module list")
		if err != nil {
			return nil, err
		}
		for i := 0; i < int(n); i++ {
			s, e, c, _ := MB1Module(list, i)
			m := Module{Start: uint64(s), End: uint64(e)}
			if c != 0 {
				if m.CmdLine, err = readCString(mem, uint64(c), fmt.Sprintf("module %d command line", i)); err != nil {
					return nil, err
				}
			}
			info.Modules = append(info.Modules, m)
		}
		if err := checkModules(info); err != nil {
			return nil, err
		}
	}
	if l, a, ok := b.MemMap(); ok {
		if l > maxMB1Mmap {
			return nil, fmt.Errorf("bootinfo: memory map of %d bytes: %w", l, ErrTooLarge)
		}
		if overlaps(uint64(a), uint64(a)+uint64(l), infoAddr, infoAddr+uint64(size)) {
			return nil, fmt.Errorf("bootinfo: memory map at %#x overlaps the boot information: %w", a, ErrOverlap)
		}
		buf, err := read(mem, uint64(a), int(l), "memory map")
		if err != nil {
			return nil, err
		}
		if info.MemMap, err = collect(MB1MemMap(buf), "multiboot1 memory map"); err != nil {
			return nil, err
		}
	}
	if len(info.MemMap) == 0 && info.HasBasicMem {
		info.MemMap = basicMemMap(info.MemLowerKiB, info.MemUpperKiB)
	}
	if len(info.MemMap) == 0 {
		return nil, ErrNoMemMap
	}
	if fb, ok := b.Framebuffer(); ok {
		info.Framebuffer = &fb
	}
	return info, nil
}

// ParseMultiboot2 parses the Multiboot2 information structure at infoAddr
// (EBX at entry, 8-byte aligned; spec 2.0 §3.6). Unknown tags are skipped
// for forward compatibility; a later duplicate of a single-valued tag
// replaces the earlier one.
func ParseMultiboot2(mem PhysReader, infoAddr uint64) (*Info, error) {
	if infoAddr%8 != 0 {
		return nil, fmt.Errorf("bootinfo: multiboot2 info at %#x: %w", infoAddr, ErrMisaligned)
	}
	hdr, err := read(mem, infoAddr, MB2HeaderSize, "multiboot2 info header")
	if err != nil {
		return nil, err
	}
	total, _ := MB2TotalSize(hdr)
	if total < MB2HeaderSize+8 {
		return nil, fmt.Errorf("bootinfo: multiboot2 total_size %d: %w", total, ErrTruncated)
	}
	if total > maxMB2Size {
		return nil, fmt.Errorf("bootinfo: multiboot2 total_size %d: %w", total, ErrTooLarge)
	}
	raw, err := read(mem, infoAddr, int(total), "multiboot2 info")
	if err != nil {
		return nil, err
	}
	info := &Info{Protocol: Multiboot2, InfoAddr: infoAddr, InfoSize: uint64(total)}

	var rsdpOld, rsdpNew, efiMmap, mmap []byte
	it := MB2TagIter(raw)
	for {
		typ, tag, ok := it.Next()
		if !ok {
			break
		}
		switch typ {
		case MB2TagCmdLine:
			info.CmdLine = string(MB2String(tag))
		case MB2TagLoaderName:
			info.BootloaderName = string(MB2String(tag))
		case MB2TagModule:
			s, e, c, ok := MB2Module(tag)
			if !ok {
				return nil, fmt.Errorf("bootinfo: module tag of %d bytes: %w", len(tag), ErrBadTag)
			}
			if len(info.Modules) >= maxModules {
				return nil, fmt.Errorf("bootinfo: more than %d modules: %w", maxModules, ErrTooLarge)
			}
			info.Modules = append(info.Modules, Module{Start: uint64(s), End: uint64(e), CmdLine: string(c)})
		case MB2TagBasicMem:
			lo, hi, ok := MB2BasicMem(tag)
			if !ok {
				return nil, fmt.Errorf("bootinfo: basic memory tag of %d bytes: %w", len(tag), ErrBadTag)
			}
			info.HasBasicMem, info.MemLowerKiB, info.MemUpperKiB = true, lo, hi
		case MB2TagMmap:
			mmap = tag
		case MB2TagEFIMmap:
			efiMmap = tag
			info.EFI = true
		case MB2TagEFIBootServices:
			info.EFIBootServicesActive = true
		case MB2TagEFI32:
			if len(tag) < 12 {
				return nil, fmt.Errorf("bootinfo: EFI32 tag: %w", ErrBadTag)
			}
			p, _ := le32(tag, 8)
			info.EFI, info.EFISystemTable = true, uint64(p)
		case MB2TagEFI64:
			if len(tag) < 16 {
				return nil, fmt.Errorf("bootinfo: EFI64 tag: %w", ErrBadTag)
			}
			info.EFI = true
			info.EFISystemTable, _ = le64(tag, 8)
		case MB2TagACPIOld:
			rsdpOld = tag[8:]
		case MB2TagACPINew:
			rsdpNew = tag[8:]
		case MB2TagFramebuffer:
			fb, ok := MB2Framebuffer(tag)
			if !ok {
				return nil, fmt.Errorf("bootinfo: framebuffer tag of %d bytes: %w", len(tag), ErrBadTag)
			}
			info.Framebuffer = &fb
		case MB2TagLoadBase:
			if len(tag) < 12 {
				return nil, fmt.Errorf("bootinfo: load base tag: %w", ErrBadTag)
			}
			a, _ := le32(tag, 8)
			info.LoadBase = uint64(a)
		}
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("bootinfo: multiboot2 tags: %w", err)
	}
	if err := checkModules(info); err != nil {
		return nil, err
	}

	switch {
	case efiMmap != nil:
		info.MemMap, err = collect(EFIMemMap(efiMmap, !info.EFIBootServicesActive), "EFI memory map")
	case mmap != nil:
		info.MemMap, err = collect(MB2MemMap(mmap), "multiboot2 memory map")
	}
	if err != nil {
		return nil, err
	}
	if len(info.MemMap) == 0 && info.HasBasicMem {
		info.MemMap = basicMemMap(info.MemLowerKiB, info.MemUpperKiB)
	}
	if len(info.MemMap) == 0 {
		return nil, ErrNoMemMap
	}

	rsdp, minLen := rsdpNew, 36
	if rsdp == nil {
		rsdp, minLen = rsdpOld, 20
	}
	if rsdp != nil {
		if len(rsdp) < minLen || string(rsdp[:8]) != "RSD PTR " {
			return nil, fmt.Errorf("bootinfo: ACPI RSDP tag (%d bytes): %w", len(rsdp), ErrBadRSDP)
		}
		info.RSDP = append([]byte(nil), rsdp...)
	}
	return info, nil
}
