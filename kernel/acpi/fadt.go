package acpi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// GAS is an ACPI Generic Address Structure (ACPI 6.4 §5.2.3.2).
type GAS struct {
	Space    uint8 // GASMemory, GASIO, ...
	BitWidth uint8
	Access   uint8 // access size: 1 byte, 2 word, 3 dword, 4 qword; 0 undefined
	Addr     uint64
}

// Address spaces of a GAS.
const (
	GASMemory = 0
	GASIO     = 1
)

func parseGAS(b []byte) GAS {
	return GAS{Space: b[0], BitWidth: b[1], Access: b[3], Addr: binary.LittleEndian.Uint64(b[4:])}
}

// FADT holds what the kernel uses from the Fixed ACPI Description Table
// ("FACP", ACPI 6.4 §5.2.9): the PM timer, the PM1 control blocks for
// sleep states, the reset register and where the DSDT is.
type FADT struct {
	DSDT        uint64 // physical address (X_DSDT when set)
	SMICmd      uint32 // SMI command port; 0: the machine is in ACPI mode already
	ACPIEnable  uint8  // value for SMICmd that hands the PM registers to the OS
	PM1aCnt     uint32 // I/O port of the PM1a control block (0: none)
	PM1bCnt     uint32
	PMTimer     uint32 // I/O port of the PM timer (0: none)
	PMTimer32   bool   // TMR_VAL_EXT: the PM timer counts 32 bits, not 24
	ResetReg    GAS    // valid when ResetSup
	ResetValue  uint8
	ResetSup    bool // RESET_REG_SUP
	HWReduced   bool // HW_REDUCED_ACPI: no PM1 blocks, no PM timer
	Revision    uint8
	TableLength int
}

// FADT flags (Table 5.10).
const (
	fadtTmrValExt   = 1 << 8
	fadtResetRegSup = 1 << 10
	fadtHWReduced   = 1 << 20
)

// ParseFADT decodes an "FACP" table. Fields beyond the table's length
// (ACPI 1.0 tables end at 116 bytes) stay zero; the 64-bit X_ blocks win
// over the 32-bit ones when they name I/O ports.
func ParseFADT(t []byte) (*FADT, error) {
	if len(t) < 116 || string(t[:4]) != "FACP" {
		return nil, fmt.Errorf("%w: FADT of %d bytes", ErrTruncated, len(t))
	}
	le := binary.LittleEndian
	f := &FADT{
		DSDT:        uint64(le.Uint32(t[40:])),
		SMICmd:      le.Uint32(t[48:]),
		ACPIEnable:  t[52],
		PM1aCnt:     le.Uint32(t[64:]),
		PM1bCnt:     le.Uint32(t[68:]),
		PMTimer:     le.Uint32(t[76:]),
		Revision:    t[8],
		TableLength: len(t),
	}
	if t[91] < 4 { // PM_TMR_LEN
		f.PMTimer = 0
	}
	flags := le.Uint32(t[112:])
	f.PMTimer32 = flags&fadtTmrValExt != 0
	f.HWReduced = flags&fadtHWReduced != 0
	if len(t) >= 129 {
		f.ResetSup = flags&fadtResetRegSup != 0
		f.ResetReg = parseGAS(t[116:])
		f.ResetValue = t[128]
	}
	if len(t) >= 148 {
		if x := le.Uint64(t[140:]); x != 0 {
			f.DSDT = x
		}
	}
	ioBlock := func(off int, cur *uint32) {
		if len(t) >= off+12 {
			if g := parseGAS(t[off:]); g.Space == GASIO && g.Addr != 0 && g.Addr <= 0xFFFF {
				*cur = uint32(g.Addr)
			}
		}
	}
	ioBlock(172, &f.PM1aCnt)
	ioBlock(184, &f.PM1bCnt)
	ioBlock(208, &f.PMTimer)
	return f, nil
}

// HPETBase returns the physical address of the HPET's registers from an
// "HPET" table (IA-PC HPET specification 1.0a §3.2.4).
func HPETBase(t []byte) (uint64, error) {
	if len(t) < 56 || string(t[:4]) != "HPET" {
		return 0, fmt.Errorf("%w: HPET table of %d bytes", ErrTruncated, len(t))
	}
	g := parseGAS(t[40:])
	if g.Space != GASMemory || g.Addr == 0 {
		return 0, fmt.Errorf("acpi: HPET registers not in memory space (space %d, address %#x)", g.Space, g.Addr)
	}
	return g.Addr, nil
}

// ErrNoS5 says the DSDT has no \_S5 package the reader understands.
var ErrNoS5 = errors.New("acpi: no \\_S5 object in the DSDT")

// FindS5 returns the SLP_TYPa and SLP_TYPb values of the \_S5 (soft off)
// sleep state from a DSDT or SSDT: just enough AML (ACPI 6.4 §20.2) to
// read `Name (_S5, Package () {a, b, ...})`: NameOp, the name (with an
// optional root prefix), PackageOp, PkgLength, NumElements, then each
// element as a ByteConst, WordConst, DWordConst, Zero, One or Ones.
func FindS5(dsdt []byte) (slpTypA, slpTypB uint8, err error) {
	body := dsdt
	if len(body) > 36 {
		body = body[36:]
	}
	for off := 0; ; {
		i := bytes.Index(body[off:], []byte("_S5_"))
		if i < 0 {
			return 0, 0, ErrNoS5
		}
		i += off
		off = i + 4
		// NameOp directly before the name, or before a root/parent prefix.
		if !(i >= 1 && body[i-1] == 0x08) && !(i >= 2 && (body[i-1] == '\\' || body[i-1] == '^') && body[i-2] == 0x08) {
			continue
		}
		p := body[i+4:]
		if len(p) < 3 || p[0] != 0x12 { // PackageOp
			continue
		}
		n := 1 + int(p[1]>>6) // PkgLength: lead byte bits 7:6 count the bytes that follow
		if len(p) < 1+n+1 {
			continue
		}
		p = p[1+n+1:] // skip PackageOp's PkgLength and NumElements
		var v [2]uint8
		ok := true
		for k := range v {
			if len(p) == 0 {
				ok = false
				break
			}
			switch p[0] {
			case 0x00: // ZeroOp
				v[k], p = 0, p[1:]
			case 0x01: // OneOp
				v[k], p = 1, p[1:]
			case 0xFF: // OnesOp
				v[k], p = 0xFF, p[1:]
			case 0x0A: // BytePrefix
				if len(p) < 2 {
					ok = false
					break
				}
				v[k], p = p[1], p[2:]
			case 0x0B: // WordPrefix
				if len(p) < 3 {
					ok = false
					break
				}
				v[k], p = p[1], p[3:]
			case 0x0C: // DWordPrefix
				if len(p) < 5 {
					ok = false
					break
				}
				v[k], p = p[1], p[5:]
			default:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok {
			return v[0] & 7, v[1] & 7, nil
		}
	}
}

// ReadTable reads the whole table at physical address addr (for tables
// the FADT points at, such as the DSDT) and checks its signature and
// checksum.
func ReadTable(mem PhysReader, addr uint64, sig string) ([]byte, error) {
	return readTable(mem, addr, sig)
}
