package acpi

import (
	"encoding/binary"
	"fmt"
)

// ECAM is one MCFG allocation (PCI Firmware Specification 3.2 §4.1.2):
// the enhanced configuration space of buses StartBus..EndBus of PCI
// segment Segment, 1 MiB per bus from Base (bus StartBus at Base).
type ECAM struct {
	Base     uint64
	Segment  uint16
	StartBus uint8
	EndBus   uint8
}

// Size returns the bytes of configuration space the allocation covers.
func (e ECAM) Size() uint64 { return (uint64(e.EndBus) - uint64(e.StartBus) + 1) << 20 }

// ParseMCFG decodes the MCFG table: a 44-byte header (36 of the SDT plus
// 8 reserved) followed by 16-byte allocations.
func ParseMCFG(t []byte) ([]ECAM, error) {
	if len(t) < 44 || string(t[:4]) != "MCFG" {
		return nil, fmt.Errorf("%w: MCFG table of %d bytes", ErrTruncated, len(t))
	}
	var out []ECAM
	for b := t[44:]; len(b) >= 16; b = b[16:] {
		e := ECAM{Base: binary.LittleEndian.Uint64(b), Segment: binary.LittleEndian.Uint16(b[8:]), StartBus: b[10], EndBus: b[11]}
		if e.EndBus < e.StartBus {
			return nil, fmt.Errorf("acpi: MCFG allocation with buses %d-%d", e.StartBus, e.EndBus)
		}
		out = append(out, e)
	}
	return out, nil
}
