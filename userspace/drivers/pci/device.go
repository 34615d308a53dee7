package pci

import (
	"fmt"
	"strings"
)

// Configuration header offsets (PCI 3.0 §6.1).
const (
	RegVendorID      = 0x00
	RegDeviceID      = 0x02
	RegCommand       = 0x04
	RegStatus        = 0x06
	RegRevision      = 0x08
	RegProgIF        = 0x09
	RegSubclass      = 0x0A
	RegClass         = 0x0B
	RegHeaderType    = 0x0E
	RegBAR0          = 0x10
	RegPrimaryBus    = 0x18 // type 1
	RegSecondaryBus  = 0x19 // type 1
	RegSubordinate   = 0x1A // type 1
	RegSubsysVendor  = 0x2C // type 0
	RegSubsysID      = 0x2E // type 0
	RegCapPtr        = 0x34
	RegInterruptLine = 0x3C
	RegInterruptPin  = 0x3D
)

// Command register bits.
const (
	CmdIOSpace          = 1 << 0
	CmdMemSpace         = 1 << 1
	CmdBusMaster        = 1 << 2
	CmdInterruptDisable = 1 << 10
)

// StatusCapList: the function has a capability list at RegCapPtr.
const StatusCapList = 1 << 4

// BARKind says what a base address register decodes.
type BARKind uint8

// BAR kinds.
const (
	BARNone  BARKind = iota // unimplemented
	BARIO                   // I/O ports
	BARMem32                // 32-bit memory
	BARMem64                // 64-bit memory (uses the next register too)
)

func (k BARKind) String() string {
	return [...]string{"none", "io", "mem32", "mem64"}[k]
}

// BAR is a sized base address register.
type BAR struct {
	Index        int
	Kind         BARKind
	Prefetchable bool
	Base         uint64 // as programmed by the firmware
	Size         uint64
}

// Capability is one entry of the capability list (PCI 3.0 §6.7). Data
// holds its bytes from the ID on: the whole capability for vendor-specific
// ones (length at byte 2), the registers this package decodes otherwise.
type Capability struct {
	ID     uint8
	Offset uint16
	Data   []byte
}

// Capability IDs (PCI Code and ID Assignment 1.11 §2).
const (
	CapPM      = 0x01
	CapMSI     = 0x05
	CapVendor  = 0x09
	CapPCIe    = 0x10
	CapMSIX    = 0x11
	capListMax = 48 // a list longer than this loops
)

// MSI describes an MSI capability (PCI 3.0 §6.8.1).
type MSI struct {
	Offset     uint16
	Is64Bit    bool
	PerVector  bool // per-vector masking
	MaxVectors int  // multiple message capable: 1..32
	Enabled    bool
	DataOffset uint16
	MaskOffset uint16 // 0 without per-vector masking
}

// MSIX describes an MSI-X capability (PCI 3.0 §6.8.2).
type MSIX struct {
	Offset      uint16
	TableSize   int // vectors
	TableBAR    int
	TableOffset uint32
	PBABAR      int
	PBAOffset   uint32
	Enabled     bool
}

// Device is one function found by Enumerate.
type Device struct {
	Addr                      Addr
	VendorID, DeviceID        uint16
	Class, Subclass, ProgIF   uint8
	Revision                  uint8
	HeaderType                uint8 // 0 endpoint, 1 PCI-to-PCI bridge
	MultiFunction             bool
	SubsysVendor, SubsysID    uint16
	BARs                      []BAR // implemented ones only
	InterruptLine             uint8 // firmware-assigned legacy IRQ (0xFF: none)
	InterruptPin              uint8 // 0 none, 1..4 INTA#..INTD#
	SecondaryBus, Subordinate uint8 // bridges
	Caps                      []Capability
	MSI                       *MSI
	MSIX                      *MSIX
}

// BAR returns the implemented BAR with the given index.
func (d *Device) BAR(index int) (BAR, bool) {
	for _, b := range d.BARs {
		if b.Index == index {
			return b, true
		}
	}
	return BAR{}, false
}

// VendorCaps returns the vendor-specific capabilities.
func (d *Device) VendorCaps() []Capability {
	var out []Capability
	for _, c := range d.Caps {
		if c.ID == CapVendor {
			out = append(out, c)
		}
	}
	return out
}

// String is a one-line summary like lspci's.
func (d *Device) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %04x:%04x class %02x%02x%02x", d.Addr, d.VendorID, d.DeviceID, d.Class, d.Subclass, d.ProgIF)
	if name := ClassName(d.Class, d.Subclass); name != "" {
		fmt.Fprintf(&b, " (%s)", name)
	}
	for _, r := range d.BARs {
		fmt.Fprintf(&b, " bar%d=%s:%#x+%#x", r.Index, r.Kind, r.Base, r.Size)
	}
	if d.InterruptPin != 0 {
		fmt.Fprintf(&b, " int%c", 'A'+d.InterruptPin-1)
	}
	if d.MSI != nil {
		fmt.Fprintf(&b, " msi/%d", d.MSI.MaxVectors)
	}
	if d.MSIX != nil {
		fmt.Fprintf(&b, " msix/%d", d.MSIX.TableSize)
	}
	return b.String()
}

// ClassName names the common class codes (PCI Code and ID Assignment
// 1.11 §1).
func ClassName(class, subclass uint8) string {
	switch uint16(class)<<8 | uint16(subclass) {
	case 0x0100:
		return "SCSI storage"
	case 0x0101:
		return "IDE"
	case 0x0106:
		return "SATA"
	case 0x0108:
		return "NVMe"
	case 0x0200:
		return "Ethernet"
	case 0x0300:
		return "VGA"
	case 0x0600:
		return "host bridge"
	case 0x0601:
		return "ISA bridge"
	case 0x0604:
		return "PCI bridge"
	case 0x0680:
		return "bridge"
	case 0x0C03:
		return "USB"
	case 0x0C05:
		return "SMBus"
	case 0x0780:
		return "communication"
	case 0x00FF, 0x0880:
		return "system peripheral"
	}
	return ""
}
