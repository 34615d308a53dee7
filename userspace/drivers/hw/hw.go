// Package hw holds the small interfaces a userspace driver is written
// against: a register window (MMIO), port I/O, physical memory reads, DMA
// memory with bus addresses and an interrupt to wait on. Drivers and the
// PCI bus program depend only on these, so their logic runs on the host
// against fakes and in Beryl over zx resources alike.
//
// Window implements MMIO over any mapped memory (a mapping of a physical
// VMO in Beryl, a Go byte slice on the host) with exactly-sized accesses.
package hw

import "errors"

// MMIO is a window of device registers. Offsets are relative to the
// window's start; an access outside it panics (a driver bug, not a device
// condition).
type MMIO interface {
	Read8(off uint64) uint8
	Read16(off uint64) uint16
	Read32(off uint64) uint32
	Write8(off uint64, v uint8)
	Write16(off uint64, v uint16)
	Write32(off uint64, v uint32)
}

// Ports performs port I/O (x86 IN/OUT) on ports the process holds.
type Ports interface {
	In8(port uint16) uint8
	In16(port uint16) uint16
	In32(port uint16) uint32
	Out8(port uint16, v uint8)
	Out16(port uint16, v uint16)
	Out32(port uint16, v uint32)
}

// PhysReader reads physical memory (ACPI tables, for instance).
type PhysReader interface {
	ReadPhys(addr uint64, p []byte) error
}

// DMABuffer is memory a device reaches by bus address: Bytes is the
// driver's view, Addr(off) the device's address of Bytes()[off]. The
// buffer is physically contiguous (pinned through a BTI in Beryl).
type DMABuffer interface {
	Bytes() []byte
	Addr(off int) uint64
}

// DMAAllocator hands out DMA buffers of at least size bytes, page aligned.
type DMAAllocator interface {
	AllocDMA(size int) (DMABuffer, error)
}

// Interrupt is a device interrupt a driver waits on.
type Interrupt interface {
	// Wait blocks until the interrupt fires (or the object is destroyed:
	// ErrCanceled).
	Wait() error
	// Ack re-arms a level-triggered line after the device was serviced.
	Ack() error
}

// ErrCanceled is returned by Interrupt.Wait once the interrupt is gone.
var ErrCanceled = errors.New("hw: interrupt canceled")

// Sub is the part of an MMIO window from Off on.
type Sub struct {
	M   MMIO
	Off uint64
}

// Read8 reads the byte at off within the part.
func (s Sub) Read8(off uint64) uint8 { return s.M.Read8(s.Off + off) }

// Read16 reads the 16-bit word at off within the part.
func (s Sub) Read16(off uint64) uint16 { return s.M.Read16(s.Off + off) }

// Read32 reads the 32-bit word at off within the part.
func (s Sub) Read32(off uint64) uint32 { return s.M.Read32(s.Off + off) }

// Write8 writes the byte at off within the part.
func (s Sub) Write8(off uint64, v uint8) { s.M.Write8(s.Off+off, v) }

// Write16 writes the 16-bit word at off within the part.
func (s Sub) Write16(off uint64, v uint16) { s.M.Write16(s.Off+off, v) }

// Write32 writes the 32-bit word at off within the part.
func (s Sub) Write32(off uint64, v uint32) { s.M.Write32(s.Off+off, v) }
