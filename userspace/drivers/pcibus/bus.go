// Command pcibus is the PCI bus program: it finds the configuration
// space (ECAM windows from the ACPI MCFG table, which the kernel lists in
// BERYL_PCI_ECAM, or else the ports 0xCF8/0xCFC), enumerates every
// function with its BARs and capabilities, prints the list, and starts a
// driver process for each device it has a driver for, handing it only
// that device's resources: a physical VMO per memory BAR, its interrupt
// and a BTI for DMA (see pci.Handoff).
//
// With -list it only enumerates; with -auto (init starts it so at boot)
// it prints nothing unless some function has a driver. Arguments after
// the flags are passed to the drivers.
package main

import (
	"fmt"
	"io"

	"beryl/userspace/drivers/hw"
	"beryl/userspace/drivers/pci"
	"beryl/userspace/drivers/virtio"
)

// Platform is the hardware access the bus program needs; zxPlatform
// provides it from resources in Beryl, tests from fakes.
type Platform interface {
	// Ports returns access to ports [base, base+n).
	Ports(base, n uint16) (hw.Ports, error)
	// MapMMIO maps physical [base, base+size) uncached.
	MapMMIO(base, size uint64) (hw.MMIO, error)
}

// Scan is one enumeration.
type Scan struct {
	Bus     *pci.Bus
	Mode    string // how configuration space was reached
	Devices []*pci.Device
}

// scan opens configuration space (ECAM when ecamList names windows,
// else the ports) and enumerates it, writing the device list to out.
func scan(p Platform, ecamList string, out io.Writer) (*Scan, error) {
	ecams, err := pci.ParseECAMList(ecamList)
	if err != nil {
		return nil, err
	}
	s := &Scan{}
	if len(ecams) > 0 {
		for _, e := range ecams {
			e := e
			var mapErr error
			cfg := &pci.ECAM{Segment: e.Segment, StartBus: e.StartBus, EndBus: e.EndBus, Bus: func(b uint8) hw.MMIO {
				m, err := p.MapMMIO(e.BusBase(b), 1<<20)
				if err != nil {
					mapErr = err
					return nil
				}
				return m
			}}
			s.Mode = fmt.Sprintf("ECAM segment %d buses %d-%d at %#x", e.Segment, e.StartBus, e.EndBus, e.Base)
			s.Bus = &pci.Bus{Config: cfg, Segment: e.Segment, SizeBARs: true}
			s.Devices = append(s.Devices, s.Bus.Enumerate(e.StartBus)...)
			if mapErr != nil {
				return nil, fmt.Errorf("mapping ECAM: %w", mapErr)
			}
			break // one segment: QEMU's machines have one
		}
	} else {
		ports, err := p.Ports(pci.PortConfigAddress, 8)
		if err != nil {
			return nil, fmt.Errorf("ports 0xCF8-0xCFF: %w", err)
		}
		s.Mode = "ports 0xCF8/0xCFC"
		s.Bus = &pci.Bus{Config: &pci.PortConfig{Ports: ports}, SizeBARs: true}
		s.Devices = s.Bus.Enumerate(0)
	}
	fmt.Fprintf(out, "pcibus: configuration space through %s\n", s.Mode)
	for _, d := range s.Devices {
		fmt.Fprintf(out, "pcibus: %s\n", d)
	}
	fmt.Fprintf(out, "pcibus: %d functions\n", len(s.Devices))
	return s, nil
}

// driverFor names the bootfs program that drives d ("" for none).
func driverFor(d *pci.Device) string {
	if virtio.DeviceType(d) == virtio.DeviceTypeNet {
		return "bin/virtionetd"
	}
	return ""
}
