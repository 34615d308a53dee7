// Package virtio is the transport side of virtio 1.0 drivers in userspace:
// the modern PCI transport (vendor capabilities locating the common,
// notify, ISR and device configuration structures in BARs), device
// initialisation and feature negotiation, and split virtqueues in DMA
// memory. It is pure Go over the hw interfaces and host-tested against a
// device model (package virtiotest).
//
// Reference: Virtual I/O Device (VIRTIO) Version 1.0, §2 (basic
// facilities), §4.1 (virtio over PCI).
package virtio

import (
	"encoding/binary"
	"errors"
	"fmt"

	"beryl/userspace/drivers/pci"
)

// VendorID is the PCI vendor of virtio devices; modern device IDs are
// 0x1040 + the virtio device type (§4.1.2).
const (
	VendorID        = 0x1AF4
	ModernDeviceID  = 0x1040
	DeviceTypeNet   = 1
	DeviceTypeBlock = 2
)

// Vendor capability cfg_type values (§4.1.4).
const (
	CapCommon = 1
	CapNotify = 2
	CapISR    = 3
	CapDevice = 4
	CapPCI    = 5
)

// Region is where one configuration structure lives: BAR, offset, length.
type Region struct {
	BAR    int
	Offset uint32
	Length uint32
}

// Layout is the set of structures a modern device exposes.
type Layout struct {
	Common, Notify, ISR, Device Region
	NotifyMultiplier            uint32
	hasDevice                   bool
}

// ErrNotModern: the function lacks a capability a virtio 1.0 driver needs.
var ErrNotModern = errors.New("virtio: not a modern (1.0) virtio PCI function")

// ParseLayout reads d's virtio vendor capabilities (§4.1.4). The first
// capability of each type wins, as the specification asks of drivers.
func ParseLayout(d *pci.Device) (Layout, error) {
	var l Layout
	var seen [6]bool
	for _, c := range d.VendorCaps() {
		if len(c.Data) < 16 {
			continue
		}
		typ := c.Data[3]
		if typ == 0 || typ > CapPCI || seen[typ] {
			continue
		}
		r := Region{
			BAR:    int(c.Data[4]),
			Offset: binary.LittleEndian.Uint32(c.Data[8:]),
			Length: binary.LittleEndian.Uint32(c.Data[12:]),
		}
		if r.BAR > 5 {
			continue // reserved BAR values: ignore the capability
		}
		if typ != CapPCI {
			if b, ok := d.BAR(r.BAR); !ok || b.Kind == pci.BARIO || b.Size != 0 && uint64(r.Offset)+uint64(r.Length) > b.Size {
				return Layout{}, fmt.Errorf("virtio: capability type %d outside BAR %d", typ, r.BAR)
			}
		}
		seen[typ] = true
		switch typ {
		case CapCommon:
			l.Common = r
		case CapNotify:
			if len(c.Data) < 20 {
				return Layout{}, fmt.Errorf("virtio: short notify capability")
			}
			l.Notify = r
			l.NotifyMultiplier = binary.LittleEndian.Uint32(c.Data[16:])
		case CapISR:
			l.ISR = r
		case CapDevice:
			l.Device = r
			l.hasDevice = true
		}
	}
	if !seen[CapCommon] || !seen[CapNotify] || !seen[CapISR] || l.Common.Length < commonCfgLen {
		return Layout{}, ErrNotModern
	}
	return l, nil
}

// HasDeviceConfig reports whether the device has a device-specific
// configuration structure.
func (l Layout) HasDeviceConfig() bool { return l.hasDevice }

// CapBody encodes a virtio vendor capability's bytes after ID and next
// (for device models and tests): cap_len, cfg_type, bar, padding, offset,
// length and, for the notify capability, the multiplier.
func CapBody(typ uint8, r Region, multiplier uint32) []byte {
	n := 16
	if typ == CapNotify {
		n = 20
	}
	b := make([]byte, n)
	b[2], b[3], b[4] = byte(n), typ, byte(r.BAR)
	binary.LittleEndian.PutUint32(b[8:], r.Offset)
	binary.LittleEndian.PutUint32(b[12:], r.Length)
	if typ == CapNotify {
		binary.LittleEndian.PutUint32(b[16:], multiplier)
	}
	return b[2:]
}

// DeviceType returns the virtio device type of a PCI function, 0 if it is
// not a virtio device: modern IDs are 0x1040+type; transitional ones
// (0x1000-0x103F, what QEMU shows on a conventional PCI bus) carry the
// type in the subsystem ID (§4.1.2.1).
func DeviceType(d *pci.Device) int {
	if d.VendorID != VendorID {
		return 0
	}
	switch {
	case d.DeviceID >= ModernDeviceID && d.DeviceID <= 0x107F:
		return int(d.DeviceID - ModernDeviceID)
	case d.DeviceID >= 0x1000 && d.DeviceID < 0x1040:
		return int(d.SubsysID)
	}
	return 0
}
