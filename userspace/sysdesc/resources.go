package sysdesc

import (
	"fmt"
	"strconv"
	"strings"
)

// Resource is one entry of a program's resources: list: a resource init
// carves out of its root resource (resource_create) and passes to the
// program as a PA_RESOURCE startup handle (PA_HND(PA_RESOURCE, i) for
// the i-th entry, in order). A program gets exactly the resources its
// entry lists and never the root resource. Entries:
//
//	mmio BASE SIZE        physical address range (device registers)
//	ioport BASE SIZE      x86 I/O ports
//	irq GSI [COUNT]       global system interrupts
//	system NAME           one privilege: power, vmex, info, debug, cpu,
//	                      iommu, msi, hypervisor, mexec, energy_info,
//	                      framebuffer, profile, class (beryl_process_set_class)
//	pci-ecam              an MMIO resource over the PCI ECAM windows
//	                      (ACPI MCFG, BERYL_PCI_ECAM); none on machines
//	                      without MCFG
//
// Numbers are decimal or 0x-prefixed hex.
type Resource struct {
	Kind       string // mmio, ioport, irq, system, pci-ecam
	Base, Size uint64
	System     uint64 // the system resource's base (Kind system)
}

// SystemBases maps the names of system resources to their bases
// (ZX_RSRC_SYSTEM_*_BASE; class is Beryl's 0x100).
var SystemBases = map[string]uint64{
	"hypervisor": 0, "vmex": 1, "debug": 2, "info": 3, "cpu": 4, "power": 5, "mexec": 6,
	"energy_info": 7, "iommu": 8, "framebuffer": 9, "profile": 10, "msi": 11, "class": 0x100,
}

// ParseResource parses one resources: entry.
func ParseResource(s string) (Resource, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return Resource{}, fmt.Errorf("empty resource")
	}
	num := func(x string) (uint64, error) { return strconv.ParseUint(x, 0, 64) }
	r := Resource{Kind: f[0]}
	switch f[0] {
	case "mmio", "ioport":
		if len(f) != 3 {
			return r, fmt.Errorf("resource %q: want %s BASE SIZE", s, f[0])
		}
		var err1, err2 error
		r.Base, err1 = num(f[1])
		r.Size, err2 = num(f[2])
		if err1 != nil || err2 != nil || r.Size == 0 || r.Base+r.Size < r.Base {
			return r, fmt.Errorf("resource %q: bad range", s)
		}
		if f[0] == "ioport" && r.Base+r.Size > 0x10000 {
			return r, fmt.Errorf("resource %q: ports end at 0xffff", s)
		}
	case "irq":
		if len(f) != 2 && len(f) != 3 {
			return r, fmt.Errorf("resource %q: want irq GSI [COUNT]", s)
		}
		var err1, err2 error
		r.Base, err1 = num(f[1])
		r.Size = 1
		if len(f) == 3 {
			r.Size, err2 = num(f[2])
		}
		if err1 != nil || err2 != nil || r.Size == 0 || r.Base+r.Size > 4096 {
			return r, fmt.Errorf("resource %q: bad GSI range", s)
		}
	case "system":
		b, ok := SystemBases[strings.Join(f[1:], " ")]
		if len(f) != 2 || !ok {
			return r, fmt.Errorf("resource %q: want system NAME (one of power, vmex, info, debug, cpu, iommu, msi, hypervisor, mexec, energy_info, framebuffer, profile, class)", s)
		}
		r.System = b
	case "pci-ecam":
		if len(f) != 1 {
			return r, fmt.Errorf("resource %q: pci-ecam takes no arguments", s)
		}
	default:
		return r, fmt.Errorf("resource %q: unknown kind %q (mmio, ioport, irq, system, pci-ecam)", s, f[0])
	}
	return r, nil
}
