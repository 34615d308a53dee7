package main

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
)

// KernelBase is the virtual address that maps physical address 0 in the
// kernel image mapping (PML4 slot 511, PDPT slot 510).
const KernelBase = 0xffffffff80000000

// Multiboot constants (Multiboot 0.6.96 §3.1.1; Multiboot2 2.0 §3.1).
const (
	mb1Magic     = 0x1BADB002
	mb1FlagAlign = 1 << 0  // page-align modules
	mb1FlagMem   = 1 << 1  // provide memory map
	mb1FlagAOut  = 1 << 16 // load addresses given in the header
	mb1Size      = 32

	mb2Magic        = 0xE85250D6
	mb2ArchI386     = 0
	mb2TagEnd       = 0
	mb2TagInfoReq   = 1
	mb2TagAddress   = 2
	mb2TagEntry     = 3
	mb2TagFramebuf  = 5
	mb2TagModAlign  = 6
	mb2InfoCmdline  = 1
	mb2InfoModules  = 3
	mb2InfoMmap     = 6
	mb2InfoFramebuf = 8
	mb2InfoACPIOld  = 14
	mb2InfoACPINew  = 15
	mb2InfoEFIMmap  = 17
	mb2MaxHeaderOff = 32768
	mb1MaxHeaderOff = 8192
)

// Layout describes where the image is loaded and where the headers went.
type Layout struct {
	LoadAddr, LoadEnd, BSSEnd, Entry uint32
	MB1Offset, MB2Offset             int
}

// Patch returns a copy of img with both multiboot headers written.
func Patch(img []byte, entrySym string) ([]byte, Layout, error) {
	var lay Layout
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		return nil, lay, err
	}
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 {
		return nil, lay, errors.New("not an x86-64 ELF")
	}
	var lo, fileEnd, memEnd uint64
	lo = ^uint64(0)
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD {
			continue
		}
		if p.Vaddr < KernelBase {
			return nil, lay, fmt.Errorf("segment at %#x is not in the kernel half", p.Vaddr)
		}
		if lo == ^uint64(0) {
			if p.Off != 0 {
				return nil, lay, errors.New("first PT_LOAD does not start at file offset 0")
			}
			lo = p.Vaddr
		}
		if p.Vaddr-p.Off != lo {
			return nil, lay, fmt.Errorf("segment at %#x: file offset %#x breaks offset == vaddr-base", p.Vaddr, p.Off)
		}
		fileEnd = max(fileEnd, p.Vaddr+p.Filesz)
		memEnd = max(memEnd, p.Vaddr+p.Memsz)
	}
	if lo == ^uint64(0) {
		return nil, lay, errors.New("no PT_LOAD segments")
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, lay, fmt.Errorf("symbols: %w", err)
	}
	var entry uint64
	for _, s := range syms {
		if s.Name == entrySym {
			entry = s.Value
		}
	}
	if entry == 0 {
		return nil, lay, fmt.Errorf("entry symbol %q not found", entrySym)
	}
	phys := func(v uint64) (uint32, error) {
		p := v - KernelBase
		if v < KernelBase || p >= 1<<32 {
			return 0, fmt.Errorf("address %#x has no 32-bit physical alias", v)
		}
		return uint32(p), nil
	}
	if lay.LoadAddr, err = phys(lo); err != nil {
		return nil, lay, err
	}
	if lay.LoadEnd, err = phys(fileEnd); err != nil {
		return nil, lay, err
	}
	if lay.BSSEnd, err = phys(memEnd); err != nil {
		return nil, lay, err
	}
	if lay.Entry, err = phys(entry); err != nil {
		return nil, lay, err
	}

	// The headers' sizes do not depend on the values in them.
	need := mb1Size + 8 + len(buildMB2(lay, 0))
	off, err := findPadding(img, f, need)
	if err != nil {
		return nil, lay, err
	}
	lay.MB1Offset = off
	lay.MB2Offset = (off + mb1Size + 7) &^ 7
	if lay.MB1Offset+mb1Size > mb1MaxHeaderOff || lay.MB2Offset+need > mb2MaxHeaderOff {
		return nil, lay, errors.New("no room for the headers near the start of the file")
	}
	out := append([]byte(nil), img...)
	copy(out[lay.MB1Offset:], buildMB1(lay, uint32(lay.MB1Offset)))
	copy(out[lay.MB2Offset:], buildMB2(lay, uint32(lay.MB2Offset)))
	return out, lay, nil
}

func buildMB1(lay Layout, off uint32) []byte {
	flags := uint32(mb1FlagAlign | mb1FlagMem | mb1FlagAOut)
	w := []uint32{
		mb1Magic, flags, -(mb1Magic + flags),
		lay.LoadAddr + off, // header_addr: where this header lands in memory
		lay.LoadAddr, lay.LoadEnd, lay.BSSEnd, lay.Entry,
	}
	return le32(w...)
}

func buildMB2(lay Layout, off uint32) []byte {
	// The address tag (header_addr, load_addr, load_end, bss_end) does for
	// GRUB what the a.out kludge does for multiboot v1.
	body := tag(mb2TagAddress, 0, le32(lay.LoadAddr+off, lay.LoadAddr, lay.LoadEnd, lay.BSSEnd))
	// Information request: ask for what the kernel parses (non-optional
	// flag 0 would make GRUB refuse to boot if one were missing, so mark
	// the request optional).
	req := le32(mb2InfoCmdline, mb2InfoModules, mb2InfoMmap, mb2InfoACPIOld, mb2InfoACPINew, mb2InfoEFIMmap, mb2InfoFramebuf)
	body = append(body, tag(mb2TagInfoReq, 1, req)...)
	body = append(body, tag(mb2TagEntry, 0, le32(lay.Entry))...)
	// A linear framebuffer (optional: GRUB keeps text mode if it finds no
	// such mode) for the screen console: 1024×768×32 preferred; under UEFI
	// GRUB hands over the GOP mode.
	body = append(body, tag(mb2TagFramebuf, 1, le32(1024, 768, 32))...)
	body = append(body, tag(mb2TagModAlign, 0, nil)...)
	body = append(body, tag(mb2TagEnd, 0, nil)...)
	length := uint32(16 + len(body))
	hdr := le32(mb2Magic, mb2ArchI386, length, -(mb2Magic + mb2ArchI386 + length))
	return append(hdr, body...)
}

// tag encodes one multiboot2 header tag, padded to 8 bytes.
func tag(typ, flags uint16, payload []byte) []byte {
	b := make([]byte, 8, 8+len(payload)+8)
	binary.LittleEndian.PutUint16(b[0:], typ)
	binary.LittleEndian.PutUint16(b[2:], flags)
	binary.LittleEndian.PutUint32(b[4:], uint32(8+len(payload)))
	b = append(b, payload...)
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

func le32(w ...uint32) []byte {
	b := make([]byte, 4*len(w))
	for i, v := range w {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return b
}

// findPadding finds need zero bytes, 8-byte aligned, after the ELF header,
// program headers and section headers and before the first section or
// segment with file contents.
func findPadding(img []byte, f *elf.File, need int) (int, error) {
	start := 64
	ph := int(binary.LittleEndian.Uint64(img[32:]))
	start = max(start, ph+int(binary.LittleEndian.Uint16(img[54:]))*len(f.Progs))
	sh := int(binary.LittleEndian.Uint64(img[40:]))
	shEnd := sh + int(binary.LittleEndian.Uint16(img[58:]))*len(f.Sections)
	if sh < 8192 {
		start = max(start, shEnd)
	}
	end := len(img)
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOBITS && s.Type != elf.SHT_NULL && s.Offset > 0 && int(s.Offset) >= start {
			end = min(end, int(s.Offset))
		}
	}
	start = (start + 63) &^ 63
	if end-start < need {
		return 0, fmt.Errorf("only %d bytes of header padding, need %d", end-start, need)
	}
	// A previous mkboot run left its headers here (go build does not
	// rewrite an up-to-date output): overwrite them.
	if binary.LittleEndian.Uint32(img[start:]) == mb1Magic {
		return start, nil
	}
	for _, c := range img[start : start+need] {
		if c != 0 {
			return 0, errors.New("header padding is not zero")
		}
	}
	return start, nil
}
