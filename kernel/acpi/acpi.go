// Package acpi finds the ACPI tables the kernel needs at boot (RSDP, RSDT
// or XSDT, MADT) and decodes the MADT's interrupt topology: local APICs,
// I/O APICs and interrupt source overrides (ACPI 6.4 §5.2.5, §5.2.7,
// §5.2.8, §5.2.12). It is pure Go over a physical-memory reader, so the
// same code runs in the kernel and in host tests.
package acpi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// PhysReader reads physical memory.
type PhysReader interface {
	ReadPhys(addr uint64, p []byte) error
}

// IOAPIC is one MADT I/O APIC entry (type 1).
type IOAPIC struct {
	ID      uint8
	Addr    uint32
	GSIBase uint32
}

// Override is a MADT interrupt source override (type 2): ISA IRQ Source
// arrives at GSI with the given polarity and trigger mode.
type Override struct {
	Source    uint8
	GSI       uint32
	ActiveLow bool
	Level     bool
}

// MADT is the decoded Multiple APIC Description Table.
type MADT struct {
	LocalAPICAddr uint32
	// LAPICIDs are the enabled processors' local APIC IDs in table
	// order (processor local APIC and local x2APIC entries; x2APIC IDs
	// are 32 bits), without duplicates. The first is not necessarily the
	// boot CPU.
	LAPICIDs  []uint32
	IOAPICs   []IOAPIC
	Overrides []Override
}

func (m *MADT) addCPU(id uint32) {
	for _, x := range m.LAPICIDs {
		if x == id {
			return
		}
	}
	m.LAPICIDs = append(m.LAPICIDs, id)
}

// ISAToGSI maps an ISA IRQ to its GSI and polarity/trigger, applying the
// overrides (ISA IRQs default to active-high, edge-triggered, GSI = IRQ).
func (m *MADT) ISAToGSI(irq uint8) (gsi uint32, activeLow, level bool) {
	for _, o := range m.Overrides {
		if o.Source == irq {
			return o.GSI, o.ActiveLow, o.Level
		}
	}
	return uint32(irq), false, false
}

// Errors.
var (
	ErrNoRSDP    = errors.New("acpi: no RSDP found")
	ErrChecksum  = errors.New("acpi: bad checksum")
	ErrNoTable   = errors.New("acpi: table not found")
	ErrTruncated = errors.New("acpi: truncated table")
)

func checksum(b []byte) bool {
	var s byte
	for _, c := range b {
		s += c
	}
	return s == 0
}

// FindRSDP scans the BIOS areas for the RSDP (§5.2.5.1): the first KiB of
// the EBDA (segment at 0x40E) and 0xE0000-0xFFFFF, on 16-byte boundaries.
//
// extra lists more ranges [start, length) to scan afterwards: on UEFI
// machines booted through multiboot v1 nobody hands over the RSDP and the
// BIOS areas are empty, but the firmware keeps it in ACPI reclaimable or
// NVS memory, which the caller passes here.
func FindRSDP(mem PhysReader, extra ...[2]uint64) ([]byte, uint64, error) {
	var seg [2]byte
	areas := [][2]uint64{{0xE0000, 0x20000}}
	if mem.ReadPhys(0x40E, seg[:]) == nil {
		if ebda := uint64(binary.LittleEndian.Uint16(seg[:])) << 4; ebda >= 0x80000 && ebda < 0xA0000 {
			areas = append([][2]uint64{{ebda, 1024}}, areas...)
		}
	}
	for _, e := range extra {
		// Scan in 64 KiB pieces so a large region never needs a large buffer.
		for off := uint64(0); off < e[1]; off += 64 << 10 {
			areas = append(areas, [2]uint64{(e[0] + off) &^ 15, min(64<<10, e[1]-off)})
		}
	}
	for _, a := range areas {
		buf := make([]byte, a[1])
		if mem.ReadPhys(a[0], buf) != nil {
			continue
		}
		for off := 0; off+20 <= len(buf); off += 16 {
			if string(buf[off:off+8]) == "RSD PTR " && checksum(buf[off:off+20]) {
				n := 20
				if buf[off+15] >= 2 && off+36 <= len(buf) {
					n = 36
				}
				return append([]byte(nil), buf[off:off+n]...), a[0] + uint64(off), nil
			}
		}
	}
	return nil, 0, ErrNoRSDP
}

// readTable reads a whole SDT at addr and checks its signature and
// checksum.
func readTable(mem PhysReader, addr uint64, sig string) ([]byte, error) {
	var hdr [36]byte
	if err := mem.ReadPhys(addr, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(hdr[4:])
	if n < 36 || n > 1<<20 {
		return nil, fmt.Errorf("acpi: %q at %#x: bad length %d", sig, addr, n)
	}
	t := make([]byte, n)
	if err := mem.ReadPhys(addr, t); err != nil {
		return nil, err
	}
	if sig != "" && string(t[:4]) != sig {
		return nil, fmt.Errorf("acpi: expected %q at %#x, found %q", sig, addr, t[:4])
	}
	if !checksum(t) {
		return nil, fmt.Errorf("%w in %q at %#x", ErrChecksum, t[:4], addr)
	}
	return t, nil
}

// FindTable returns the table with signature sig through the RSDP's XSDT
// (ACPI 2.0+) or RSDT.
func FindTable(mem PhysReader, rsdp []byte, sig string) ([]byte, error) {
	if len(rsdp) < 20 || string(rsdp[:8]) != "RSD PTR " {
		return nil, ErrNoRSDP
	}
	var root []byte
	var err error
	width := 4
	if len(rsdp) >= 36 && rsdp[15] >= 2 && binary.LittleEndian.Uint64(rsdp[24:]) != 0 {
		root, err = readTable(mem, binary.LittleEndian.Uint64(rsdp[24:]), "XSDT")
		width = 8
	} else {
		root, err = readTable(mem, uint64(binary.LittleEndian.Uint32(rsdp[16:])), "RSDT")
	}
	if err != nil {
		return nil, err
	}
	for off := 36; off+width <= len(root); off += width {
		var a uint64
		if width == 8 {
			a = binary.LittleEndian.Uint64(root[off:])
		} else {
			a = uint64(binary.LittleEndian.Uint32(root[off:]))
		}
		var s [4]byte
		if mem.ReadPhys(a, s[:]) != nil || !bytes.Equal(s[:], []byte(sig)) {
			continue
		}
		return readTable(mem, a, sig)
	}
	return nil, fmt.Errorf("%w: %s", ErrNoTable, sig)
}

// ParseMADT decodes a MADT ("APIC") table.
func ParseMADT(t []byte) (*MADT, error) {
	if len(t) < 44 || string(t[:4]) != "APIC" {
		return nil, ErrTruncated
	}
	m := &MADT{LocalAPICAddr: binary.LittleEndian.Uint32(t[36:])}
	for off := 44; off+2 <= len(t); {
		typ, n := t[off], int(t[off+1])
		if n < 2 || off+n > len(t) {
			return nil, fmt.Errorf("%w: MADT entry at %d", ErrTruncated, off)
		}
		e := t[off : off+n]
		switch {
		case typ == 0 && n >= 8: // processor local APIC
			if binary.LittleEndian.Uint32(e[4:])&1 != 0 {
				m.addCPU(uint32(e[3]))
			}
		case typ == 9 && n >= 16: // processor local x2APIC (ACPI 6.4 §5.2.12.12)
			if binary.LittleEndian.Uint32(e[8:])&1 != 0 {
				m.addCPU(binary.LittleEndian.Uint32(e[4:]))
			}
		case typ == 1 && n >= 12:
			m.IOAPICs = append(m.IOAPICs, IOAPIC{ID: e[2], Addr: binary.LittleEndian.Uint32(e[4:]), GSIBase: binary.LittleEndian.Uint32(e[8:])})
		case typ == 2 && n >= 10:
			flags := binary.LittleEndian.Uint16(e[8:])
			m.Overrides = append(m.Overrides, Override{
				Source:    e[3],
				GSI:       binary.LittleEndian.Uint32(e[4:]),
				ActiveLow: flags&3 == 3,
				Level:     flags>>2&3 == 3,
			})
		}
		off += n
	}
	return m, nil
}
