// Package pcitest is a fake PCI configuration space for host tests: functions
// with BARs that size like hardware (writes of all ones read back the size
// mask), capability lists, and both access paths a bus program uses (the
// ports 0xCF8/0xCFC and ECAM windows).
package pcitest

import (
	"encoding/binary"
	"sync"

	"beryl/userspace/drivers/hw"
	"beryl/userspace/drivers/pci"
)

// Func is one fake function's configuration space.
type Func struct {
	Space   [4096]byte
	barMask [6]uint32 // writable bits of each BAR register, 0: unimplemented
	lastCap uint16
	// Writes counts configuration writes (for tests that check a
	// probe restores what it changed).
	Writes int
}

// Fake is a configuration space: a set of functions by address.
type Fake struct {
	mu    sync.Mutex
	Funcs map[pci.Addr]*Func
	latch uint32 // the 0xCF8 register
}

// New returns an empty configuration space.
func New() *Fake { return &Fake{Funcs: map[pci.Addr]*Func{}} }

// Add creates a function with an endpoint (type 0) header.
func (f *Fake) Add(a pci.Addr, vendor, device uint16, class, subclass, progIF uint8) *Func {
	fn := &Func{}
	s := fn.Space[:]
	binary.LittleEndian.PutUint16(s[pci.RegVendorID:], vendor)
	binary.LittleEndian.PutUint16(s[pci.RegDeviceID:], device)
	s[pci.RegClass], s[pci.RegSubclass], s[pci.RegProgIF] = class, subclass, progIF
	s[pci.RegRevision] = 1
	s[pci.RegInterruptLine] = 0xFF
	f.mu.Lock()
	f.Funcs[a] = fn
	f.mu.Unlock()
	return fn
}

// SetMultiFunction marks the header type's multi-function bit.
func (fn *Func) SetMultiFunction() { fn.Space[pci.RegHeaderType] |= 0x80 }

// SetBridge makes the function a PCI-to-PCI bridge to secondary..subordinate.
func (fn *Func) SetBridge(primary, secondary, subordinate uint8) {
	fn.Space[pci.RegHeaderType] = fn.Space[pci.RegHeaderType]&0x80 | 1
	fn.Space[pci.RegPrimaryBus] = primary
	fn.Space[pci.RegSecondaryBus] = secondary
	fn.Space[pci.RegSubordinate] = subordinate
}

// SetInterrupt sets the interrupt pin (1 = INTA#) and line.
func (fn *Func) SetInterrupt(pin, line uint8) {
	fn.Space[pci.RegInterruptPin], fn.Space[pci.RegInterruptLine] = pin, line
}

// SetBAR implements BAR i of kind at base with size (a power of two;
// BARMem64 takes registers i and i+1).
func (fn *Func) SetBAR(i int, kind pci.BARKind, base, size uint64, prefetch bool) {
	reg := pci.RegBAR0 + 4*i
	var flags uint32
	switch kind {
	case pci.BARIO:
		flags = 1
		fn.barMask[i] = ^uint32(size-1) &^ 3
	case pci.BARMem32:
		fn.barMask[i] = ^uint32(size-1) &^ 0xF
	case pci.BARMem64:
		flags = 4
		m := ^(size - 1)
		fn.barMask[i] = uint32(m) &^ 0xF
		fn.barMask[i+1] = uint32(m >> 32)
		binary.LittleEndian.PutUint32(fn.Space[reg+4:], uint32(base>>32))
	}
	if prefetch {
		flags |= 8
	}
	binary.LittleEndian.PutUint32(fn.Space[reg:], uint32(base)|flags)
}

// AddCap appends a capability with id and body (the bytes after the ID
// and next pointer) at off (0x40 or above, dword aligned) and links it.
func (fn *Func) AddCap(off uint16, id uint8, body []byte) {
	s := fn.Space[:]
	binary.LittleEndian.PutUint16(s[pci.RegStatus:], binary.LittleEndian.Uint16(s[pci.RegStatus:])|pci.StatusCapList)
	if fn.lastCap == 0 {
		s[pci.RegCapPtr] = uint8(off)
	} else {
		s[fn.lastCap+1] = uint8(off)
	}
	s[off], s[off+1] = id, 0
	copy(s[off+2:], body)
	fn.lastCap = off
}

// Read implements pci.Config over the functions (4 KiB each).
func (f *Fake) Read(a pci.Addr, off uint16, width int) uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn := f.Funcs[a]
	if fn == nil {
		return uint32(1<<(8*width) - 1)
	}
	var v uint32
	for i := width - 1; i >= 0; i-- {
		v = v<<8 | uint32(fn.Space[int(off)+i])
	}
	return v
}

// Write implements pci.Config: read-only header fields ignore writes, BARs
// keep only their writable bits.
func (f *Fake) Write(a pci.Addr, off uint16, width int, v uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn := f.Funcs[a]
	if fn == nil {
		return
	}
	fn.Writes++
	for i := 0; i < width; i++ {
		o := int(off) + i
		b := byte(v >> (8 * i))
		switch {
		case o == 4 || o == 5 || o == pci.RegInterruptLine || o >= 0x40:
			fn.Space[o] = b
		case o >= pci.RegBAR0 && o < pci.RegBAR0+24:
			if fn.Space[pci.RegHeaderType]&0x7F != 0 && o >= pci.RegBAR0+8 {
				fn.Space[o] = b // bridge bus numbers and windows
				continue
			}
			bar := (o - pci.RegBAR0) / 4
			shift := 8 * ((o - pci.RegBAR0) % 4)
			mask := byte(fn.barMask[bar] >> shift)
			fn.Space[o] = fn.Space[o]&^mask | b&mask
		}
	}
}

// Limit is 4096 (the fake is ECAM-sized).
func (f *Fake) Limit() uint16 { return 4096 }

// Ports returns port I/O that implements configuration mechanism #1
// (0xCF8/0xCFC) over f; other ports read as all ones.
func (f *Fake) Ports() hw.Ports { return portIO{f} }

type portIO struct{ f *Fake }

func (p portIO) target(port uint16) (pci.Addr, uint16, bool) {
	p.f.mu.Lock()
	l := p.f.latch
	p.f.mu.Unlock()
	if l&(1<<31) == 0 || port < pci.PortConfigData || port > pci.PortConfigData+3 {
		return pci.Addr{}, 0, false
	}
	a := pci.Addr{Bus: uint8(l >> 16), Device: uint8(l>>11) & 31, Function: uint8(l>>8) & 7}
	return a, uint16(l&0xFC) + port - pci.PortConfigData, true
}

func (p portIO) in(port uint16, w int) uint32 {
	a, off, ok := p.target(port)
	if !ok {
		return uint32(1<<(8*w) - 1)
	}
	return p.f.Read(a, off, w)
}

func (p portIO) out(port uint16, w int, v uint32) {
	if port == pci.PortConfigAddress && w == 4 {
		p.f.mu.Lock()
		p.f.latch = v
		p.f.mu.Unlock()
		return
	}
	if a, off, ok := p.target(port); ok {
		p.f.Write(a, off, w, v)
	}
}

func (p portIO) In8(port uint16) uint8       { return uint8(p.in(port, 1)) }
func (p portIO) In16(port uint16) uint16     { return uint16(p.in(port, 2)) }
func (p portIO) In32(port uint16) uint32     { return p.in(port, 4) }
func (p portIO) Out8(port uint16, v uint8)   { p.out(port, 1, uint32(v)) }
func (p portIO) Out16(port uint16, v uint16) { p.out(port, 2, uint32(v)) }
func (p portIO) Out32(port uint16, v uint32) { p.out(port, 4, v) }

// ECAMBus returns bus's 1 MiB ECAM window over f (nil for a bus without
// functions, like an unmapped window).
func (f *Fake) ECAMBus(bus uint8) hw.MMIO { return ecamBus{f, bus} }

type ecamBus struct {
	f   *Fake
	bus uint8
}

func (e ecamBus) split(off uint64) (pci.Addr, uint16) {
	if off >= 1<<20 {
		panic("pcitest: ECAM access outside the bus window")
	}
	return pci.Addr{Bus: e.bus, Device: uint8(off >> 15), Function: uint8(off>>12) & 7}, uint16(off & 0xFFF)
}

func (e ecamBus) Read8(off uint64) uint8 {
	a, o := e.split(off)
	return uint8(e.f.Read(a, o, 1))
}
func (e ecamBus) Read16(off uint64) uint16 {
	a, o := e.split(off)
	return uint16(e.f.Read(a, o, 2))
}
func (e ecamBus) Read32(off uint64) uint32 {
	a, o := e.split(off)
	return e.f.Read(a, o, 4)
}
func (e ecamBus) Write8(off uint64, v uint8) {
	a, o := e.split(off)
	e.f.Write(a, o, 1, uint32(v))
}
func (e ecamBus) Write16(off uint64, v uint16) {
	a, o := e.split(off)
	e.f.Write(a, o, 2, uint32(v))
}
func (e ecamBus) Write32(off uint64, v uint32) {
	a, o := e.split(off)
	e.f.Write(a, o, 4, v)
}
