package pci

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"beryl/userspace/drivers/hw"
)

// MCFGEntry is one ECAM region of the MCFG table (PCI Firmware 3.2
// Table 4-3): configuration space of buses StartBus..EndBus of Segment
// at Base (the address of bus 0, even when StartBus is not 0).
type MCFGEntry struct {
	Base             uint64
	Segment          uint16
	StartBus, EndBus uint8
}

// BusBase returns the physical address of bus's 1 MiB window.
func (m MCFGEntry) BusBase(bus uint8) uint64 { return m.Base + uint64(bus)<<20 }

// Errors of the ACPI walk.
var (
	ErrNoRSDP = errors.New("pci: no ACPI RSDP found")
	ErrNoMCFG = errors.New("pci: no ACPI MCFG table (no ECAM)")
)

func acpiSum(b []byte) bool {
	var s byte
	for _, c := range b {
		s += c
	}
	return s == 0
}

// FindRSDP scans the BIOS areas for the ACPI RSDP (ACPI 6.4 §5.2.5.1):
// the first KiB of the EBDA and 0xE0000-0xFFFFF, on 16-byte boundaries.
// It returns the RSDP's bytes (20, or 36 for revision 2 and later).
func FindRSDP(mem hw.PhysReader) ([]byte, error) {
	areas := [][2]uint64{{0xE0000, 0x20000}}
	var seg [2]byte
	if mem.ReadPhys(0x40E, seg[:]) == nil {
		if ebda := uint64(binary.LittleEndian.Uint16(seg[:])) << 4; ebda >= 0x80000 && ebda < 0xA0000 {
			areas = append([][2]uint64{{ebda, 1024}}, areas...)
		}
	}
	for _, a := range areas {
		buf := make([]byte, a[1])
		if mem.ReadPhys(a[0], buf) != nil {
			continue
		}
		for off := 0; off+20 <= len(buf); off += 16 {
			if string(buf[off:off+8]) == "RSD PTR " && acpiSum(buf[off:off+20]) {
				n := 20
				if buf[off+15] >= 2 && off+36 <= len(buf) && acpiSum(buf[off:off+36]) {
					n = 36
				}
				return append([]byte(nil), buf[off:off+n]...), nil
			}
		}
	}
	return nil, ErrNoRSDP
}

func readSDT(mem hw.PhysReader, addr uint64) ([]byte, error) {
	var hdr [36]byte
	if err := mem.ReadPhys(addr, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(hdr[4:])
	if n < 36 || n > 1<<20 {
		return nil, fmt.Errorf("pci: ACPI table %q at %#x: bad length %d", hdr[:4], addr, n)
	}
	t := make([]byte, n)
	if err := mem.ReadPhys(addr, t); err != nil {
		return nil, err
	}
	if !acpiSum(t) {
		return nil, fmt.Errorf("pci: ACPI table %q at %#x: bad checksum", t[:4], addr)
	}
	return t, nil
}

// FindMCFG follows the RSDP to the XSDT (or RSDT) and returns the MCFG
// table's ECAM regions.
func FindMCFG(mem hw.PhysReader, rsdp []byte) ([]MCFGEntry, error) {
	if len(rsdp) < 20 || string(rsdp[:8]) != "RSD PTR " {
		return nil, ErrNoRSDP
	}
	var root []byte
	var err error
	width := 4
	if len(rsdp) >= 36 && rsdp[15] >= 2 && binary.LittleEndian.Uint64(rsdp[24:]) != 0 {
		root, err = readSDT(mem, binary.LittleEndian.Uint64(rsdp[24:]))
		width = 8
	} else {
		root, err = readSDT(mem, uint64(binary.LittleEndian.Uint32(rsdp[16:])))
	}
	if err != nil {
		return nil, err
	}
	for off := 36; off+width <= len(root); off += width {
		a := uint64(binary.LittleEndian.Uint32(root[off:]))
		if width == 8 {
			a = binary.LittleEndian.Uint64(root[off:])
		}
		var sig [4]byte
		if mem.ReadPhys(a, sig[:]) != nil || !bytes.Equal(sig[:], []byte("MCFG")) {
			continue
		}
		t, err := readSDT(mem, a)
		if err != nil {
			return nil, err
		}
		return ParseMCFG(t)
	}
	return nil, ErrNoMCFG
}

// ParseMCFG decodes an MCFG table: a 36-byte header, 8 reserved bytes,
// then 16-byte allocation entries.
func ParseMCFG(t []byte) ([]MCFGEntry, error) {
	if len(t) < 44 || string(t[:4]) != "MCFG" {
		return nil, fmt.Errorf("pci: not an MCFG table")
	}
	var out []MCFGEntry
	for off := 44; off+16 <= len(t); off += 16 {
		e := MCFGEntry{
			Base:     binary.LittleEndian.Uint64(t[off:]),
			Segment:  binary.LittleEndian.Uint16(t[off+8:]),
			StartBus: t[off+10],
			EndBus:   t[off+11],
		}
		if e.EndBus < e.StartBus || e.Base&(1<<20-1) != 0 {
			return nil, fmt.Errorf("pci: bad MCFG entry %+v", e)
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, ErrNoMCFG
	}
	return out, nil
}

// ParseECAMList decodes the kernel's list of MCFG allocations as init
// receives it (BERYL_PCI_ECAM): comma-separated BASE:SEGMENT:STARTBUS:ENDBUS
// with a hexadecimal base and decimal numbers. An empty list (no MCFG:
// -machine pc) is no error.
func ParseECAMList(s string) ([]MCFGEntry, error) {
	var out []MCFGEntry
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p := strings.Split(f, ":")
		if len(p) != 4 {
			return nil, fmt.Errorf("pci: ECAM entry %q is not BASE:SEGMENT:STARTBUS:ENDBUS", f)
		}
		base, err1 := strconv.ParseUint(p[0], 0, 64)
		seg, err2 := strconv.ParseUint(p[1], 10, 16)
		start, err3 := strconv.ParseUint(p[2], 10, 8)
		end, err4 := strconv.ParseUint(p[3], 10, 8)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return nil, fmt.Errorf("pci: ECAM entry %q: %w", f, err)
		}
		e := MCFGEntry{Base: base, Segment: uint16(seg), StartBus: uint8(start), EndBus: uint8(end)}
		if e.EndBus < e.StartBus || e.Base&(1<<20-1) != 0 {
			return nil, fmt.Errorf("pci: bad ECAM entry %q", f)
		}
		out = append(out, e)
	}
	return out, nil
}
