// Package pci enumerates a PCI bus from userspace: configuration space
// through ECAM (memory-mapped, found through the ACPI MCFG table) or
// through the legacy ports 0xCF8/0xCFC, BAR sizing, and the capability
// list (MSI, MSI-X, vendor-specific capabilities such as virtio's). It is
// pure Go over the hw interfaces; the bus program supplies them from zx
// resources, host tests from fakes (package pcitest).
//
// References: PCI Local Bus Specification 3.0 §6 (configuration space),
// PCI Express Base Specification 4.0 §7.2.2 (ECAM), PCI Firmware
// Specification 3.2 §4.1.2 (MCFG).
package pci

import (
	"fmt"
	"sync"

	"beryl/userspace/drivers/hw"
)

// Addr is a function's address: segment (ECAM group), bus, device, function.
type Addr struct {
	Segment  uint16
	Bus      uint8
	Device   uint8 // 0..31
	Function uint8 // 0..7
}

func (a Addr) String() string {
	return fmt.Sprintf("%04x:%02x:%02x.%d", a.Segment, a.Bus, a.Device, a.Function)
}

// Config reads and writes configuration space with accesses of width 1, 2
// or 4 bytes at an offset aligned to the width. A function that does not
// exist reads as all ones.
type Config interface {
	Read(a Addr, off uint16, width int) uint32
	Write(a Addr, off uint16, width int, v uint32)
	// Limit is the size of each function's configuration space reachable
	// this way: 4096 through ECAM, 256 through the ports.
	Limit() uint16
}

func checkAccess(off uint16, width int, limit uint16) {
	if (width != 1 && width != 2 && width != 4) || int(off)%width != 0 || int(off)+width > int(limit) {
		panic(fmt.Sprintf("pci: config access of %d bytes at %#x", width, off))
	}
}

func allOnes(width int) uint32 {
	if width == 4 {
		return 0xFFFFFFFF
	}
	return 1<<(8*width) - 1
}

// Legacy configuration mechanism #1 (PCI 3.0 §3.2.2.3.2).
const (
	PortConfigAddress = 0xCF8
	PortConfigData    = 0xCFC
)

// PortConfig is configuration mechanism #1: the address of a dword goes to
// port 0xCF8, its bytes are read or written at 0xCFC..0xCFF. It reaches
// segment 0 and the first 256 bytes of each function.
type PortConfig struct {
	mu    sync.Mutex // the two port accesses of one config access are not atomic
	Ports hw.Ports
}

// Limit is 256: the ports reach only the legacy header space.
func (c *PortConfig) Limit() uint16 { return 256 }

func (c *PortConfig) selectDword(a Addr, off uint16) uint16 {
	c.Ports.Out32(PortConfigAddress, 1<<31|uint32(a.Bus)<<16|uint32(a.Device&31)<<11|uint32(a.Function&7)<<8|uint32(off&0xFC))
	return PortConfigData + off&3
}

// Read reads width bytes at off of function a.
func (c *PortConfig) Read(a Addr, off uint16, width int) uint32 {
	checkAccess(off, width, 256)
	if a.Segment != 0 {
		return allOnes(width)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.selectDword(a, off)
	switch width {
	case 1:
		return uint32(c.Ports.In8(p))
	case 2:
		return uint32(c.Ports.In16(p))
	}
	return c.Ports.In32(p)
}

// Write writes width bytes at off of function a.
func (c *PortConfig) Write(a Addr, off uint16, width int, v uint32) {
	checkAccess(off, width, 256)
	if a.Segment != 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.selectDword(a, off)
	switch width {
	case 1:
		c.Ports.Out8(p, uint8(v))
	case 2:
		c.Ports.Out16(p, uint16(v))
	default:
		c.Ports.Out32(p, v)
	}
}

// ECAM is the enhanced configuration access mechanism of one segment:
// 4 KiB of configuration space per function, 1 MiB per bus, at
// Base + (bus-StartBus)<<20 | device<<15 | function<<12.
type ECAM struct {
	Segment          uint16
	StartBus, EndBus uint8
	// Bus returns the 1 MiB window of one bus (mapped lazily by the
	// caller, so that a sparse bus tree maps only what it uses); nil
	// means the bus cannot be reached.
	Bus func(bus uint8) hw.MMIO

	mu     sync.Mutex
	mapped map[uint8]hw.MMIO
}

// Limit is 4096: ECAM reaches the extended configuration space.
func (e *ECAM) Limit() uint16 { return 4096 }

func (e *ECAM) window(a Addr) (hw.MMIO, uint64) {
	if a.Segment != e.Segment || a.Bus < e.StartBus || a.Bus > e.EndBus {
		return nil, 0
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	w, ok := e.mapped[a.Bus]
	if !ok {
		w = e.Bus(a.Bus)
		if e.mapped == nil {
			e.mapped = map[uint8]hw.MMIO{}
		}
		e.mapped[a.Bus] = w
	}
	if w == nil {
		return nil, 0
	}
	return w, uint64(a.Device&31)<<15 | uint64(a.Function&7)<<12
}

// Read reads width bytes at off of function a.
func (e *ECAM) Read(a Addr, off uint16, width int) uint32 {
	checkAccess(off, width, 4096)
	w, base := e.window(a)
	if w == nil {
		return allOnes(width)
	}
	switch width {
	case 1:
		return uint32(w.Read8(base + uint64(off)))
	case 2:
		return uint32(w.Read16(base + uint64(off)))
	}
	return w.Read32(base + uint64(off))
}

// Write writes width bytes at off of function a.
func (e *ECAM) Write(a Addr, off uint16, width int, v uint32) {
	checkAccess(off, width, 4096)
	w, base := e.window(a)
	if w == nil {
		return
	}
	switch width {
	case 1:
		w.Write8(base+uint64(off), uint8(v))
	case 2:
		w.Write16(base+uint64(off), uint16(v))
	default:
		w.Write32(base+uint64(off), v)
	}
}
