package pci

import "encoding/binary"

// Bus enumerates the functions reachable through one Config.
type Bus struct {
	Config  Config
	Segment uint16
	// SizeBARs sizes each BAR by writing all ones to it (with decoding
	// switched off meanwhile) and restores it; false leaves BARs alone
	// and reports Size 0.
	SizeBARs bool
}

// Enumerate scans bus root and, depth first, the secondary bus of every
// PCI-to-PCI bridge the firmware configured, and returns the functions in
// the order found.
func (b *Bus) Enumerate(root uint8) []*Device {
	var out []*Device
	seen := map[uint8]bool{}
	var scan func(bus uint8)
	scan = func(bus uint8) {
		if seen[bus] {
			return
		}
		seen[bus] = true
		for dev := uint8(0); dev < 32; dev++ {
			a := Addr{Segment: b.Segment, Bus: bus, Device: dev}
			if b.Config.Read(a, RegVendorID, 2) == 0xFFFF {
				continue
			}
			nfn := uint8(1)
			if b.Config.Read(a, RegHeaderType, 1)&0x80 != 0 {
				nfn = 8
			}
			for fn := uint8(0); fn < nfn; fn++ {
				a.Function = fn
				if b.Config.Read(a, RegVendorID, 2) == 0xFFFF {
					continue
				}
				d := b.Probe(a)
				out = append(out, d)
				if d.HeaderType == 1 && d.SecondaryBus > bus {
					scan(d.SecondaryBus)
				}
			}
		}
	}
	scan(root)
	return out
}

// Probe reads one present function's header, BARs and capabilities.
func (b *Bus) Probe(a Addr) *Device {
	c := b.Config
	ht := uint8(c.Read(a, RegHeaderType, 1))
	d := &Device{
		Addr:          a,
		VendorID:      uint16(c.Read(a, RegVendorID, 2)),
		DeviceID:      uint16(c.Read(a, RegDeviceID, 2)),
		Revision:      uint8(c.Read(a, RegRevision, 1)),
		ProgIF:        uint8(c.Read(a, RegProgIF, 1)),
		Subclass:      uint8(c.Read(a, RegSubclass, 1)),
		Class:         uint8(c.Read(a, RegClass, 1)),
		HeaderType:    ht & 0x7F,
		MultiFunction: ht&0x80 != 0,
		InterruptLine: uint8(c.Read(a, RegInterruptLine, 1)),
		InterruptPin:  uint8(c.Read(a, RegInterruptPin, 1)),
	}
	nbars := 0
	switch d.HeaderType {
	case 0:
		nbars = 6
		d.SubsysVendor = uint16(c.Read(a, RegSubsysVendor, 2))
		d.SubsysID = uint16(c.Read(a, RegSubsysID, 2))
	case 1:
		nbars = 2
		d.SecondaryBus = uint8(c.Read(a, RegSecondaryBus, 1))
		d.Subordinate = uint8(c.Read(a, RegSubordinate, 1))
	}
	d.BARs = b.readBARs(a, nbars)
	if d.HeaderType <= 1 && c.Read(a, RegStatus, 2)&StatusCapList != 0 {
		b.readCaps(d)
	}
	return d
}

// readBARs decodes (and with SizeBARs sizes) n base address registers
// (PCI 3.0 §6.2.5.1).
func (b *Bus) readBARs(a Addr, n int) []BAR {
	c := b.Config
	var cmd uint32
	if b.SizeBARs {
		// Decoding off while a BAR holds all ones, so that it never
		// claims addresses it does not own.
		cmd = c.Read(a, RegCommand, 2)
		c.Write(a, RegCommand, 2, cmd&^(CmdIOSpace|CmdMemSpace))
		defer c.Write(a, RegCommand, 2, cmd)
	}
	var out []BAR
	for i := 0; i < n; i++ {
		reg := uint16(RegBAR0 + 4*i)
		v := c.Read(a, reg, 4)
		bar := BAR{Index: i}
		if v&1 != 0 {
			bar.Kind = BARIO
			bar.Base = uint64(v &^ 3)
			if b.SizeBARs {
				c.Write(a, reg, 4, 0xFFFFFFFF)
				m := c.Read(a, reg, 4) &^ 3
				c.Write(a, reg, 4, v)
				if m&0xFFFF0000 == 0 {
					m |= 0xFFFF0000 // 16-bit decoders leave the top half zero
				}
				if m != 0 {
					bar.Size = uint64(^m + 1)
				}
			}
		} else {
			bar.Prefetchable = v&8 != 0
			bar.Base = uint64(v &^ 0xF)
			switch (v >> 1) & 3 {
			case 0:
				bar.Kind = BARMem32
				if b.SizeBARs {
					c.Write(a, reg, 4, 0xFFFFFFFF)
					m := c.Read(a, reg, 4) &^ 0xF
					c.Write(a, reg, 4, v)
					if m != 0 {
						bar.Size = uint64(^m + 1)
					}
				}
			case 2:
				if i+1 >= n {
					continue // a 64-bit BAR cannot start in the last slot
				}
				bar.Kind = BARMem64
				hi := c.Read(a, reg+4, 4)
				bar.Base |= uint64(hi) << 32
				if b.SizeBARs {
					c.Write(a, reg, 4, 0xFFFFFFFF)
					c.Write(a, reg+4, 4, 0xFFFFFFFF)
					m := uint64(c.Read(a, reg, 4)&^0xF) | uint64(c.Read(a, reg+4, 4))<<32
					c.Write(a, reg, 4, v)
					c.Write(a, reg+4, 4, hi)
					if m != 0 {
						bar.Size = ^m + 1
					}
				}
				i++
			default:
				continue // reserved type
			}
		}
		if b.SizeBARs && bar.Size == 0 {
			continue // all zeros back: not implemented
		}
		if !b.SizeBARs && bar.Base == 0 {
			continue
		}
		out = append(out, bar)
	}
	return out
}

// readCaps walks the capability list (PCI 3.0 §6.7), decoding MSI and
// MSI-X and copying vendor-specific capabilities whole. A list that
// points into the header, loops or runs past capListMax entries ends the
// walk.
func (b *Bus) readCaps(d *Device) {
	c, a := b.Config, d.Addr
	ptr := uint16(c.Read(a, RegCapPtr, 1)) &^ 3
	seen := map[uint16]bool{}
	for n := 0; ptr >= 0x40 && ptr < 0x100 && !seen[ptr] && n < capListMax; n++ {
		seen[ptr] = true
		id := uint8(c.Read(a, ptr, 1))
		next := uint16(c.Read(a, ptr+1, 1)) &^ 3
		size := 4
		switch id {
		case CapVendor:
			size = int(c.Read(a, ptr+2, 1))
		case CapMSI:
			size = 24
		case CapMSIX:
			size = 12
		}
		if size < 2 {
			size = 2
		}
		if int(ptr)+size > 0x100 {
			size = 0x100 - int(ptr)
		}
		data := make([]byte, size)
		for i := range data {
			data[i] = uint8(c.Read(a, ptr+uint16(i), 1))
		}
		d.Caps = append(d.Caps, Capability{ID: id, Offset: ptr, Data: data})
		switch id {
		case CapMSI:
			d.MSI = decodeMSI(ptr, data)
		case CapMSIX:
			d.MSIX = decodeMSIX(ptr, data)
		}
		ptr = next
	}
}

func decodeMSI(off uint16, data []byte) *MSI {
	ctl := binary.LittleEndian.Uint16(data[2:])
	m := &MSI{
		Offset:     off,
		Enabled:    ctl&1 != 0,
		MaxVectors: 1 << ((ctl >> 1) & 7),
		Is64Bit:    ctl&(1<<7) != 0,
		PerVector:  ctl&(1<<8) != 0,
	}
	if m.MaxVectors > 32 {
		m.MaxVectors = 32
	}
	m.DataOffset = off + 8
	if m.Is64Bit {
		m.DataOffset = off + 12
	}
	if m.PerVector {
		m.MaskOffset = m.DataOffset + 4
	}
	return m
}

func decodeMSIX(off uint16, data []byte) *MSIX {
	ctl := binary.LittleEndian.Uint16(data[2:])
	table := binary.LittleEndian.Uint32(data[4:])
	pba := binary.LittleEndian.Uint32(data[8:])
	return &MSIX{
		Offset:      off,
		TableSize:   int(ctl&0x7FF) + 1,
		Enabled:     ctl&(1<<15) != 0,
		TableBAR:    int(table & 7),
		TableOffset: table &^ 7,
		PBABAR:      int(pba & 7),
		PBAOffset:   pba &^ 7,
	}
}

// EnableMSIX sets MSI-X Enable (and clears Function Mask) in d's MSI-X
// control register, and sets Interrupt Disable for the legacy line.
func (b *Bus) EnableMSIX(d *Device, on bool) {
	if d.MSIX == nil {
		return
	}
	reg := d.MSIX.Offset + 2
	ctl := b.Config.Read(d.Addr, reg, 2) &^ (1 << 14)
	if on {
		ctl |= 1 << 15
	} else {
		ctl &^= 1 << 15
	}
	b.Config.Write(d.Addr, reg, 2, ctl)
	d.MSIX.Enabled = on
}

// SetCommand sets and clears bits of d's command register.
func (b *Bus) SetCommand(d *Device, set, clear uint16) {
	cmd := uint16(b.Config.Read(d.Addr, RegCommand, 2))
	b.Config.Write(d.Addr, RegCommand, 2, uint32(cmd&^clear|set))
}
