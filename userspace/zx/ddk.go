package zx

import (
	"os"
	"strconv"
	"strings"
)

// Drivers in userspace. A driver program gets device resources from
// init as startup handles (PAHnd(PAResource, i), i = 0, 1, ... in the
// order its system description's resources: list names them; see
// userspace/sysdesc) and uses them with Zircon's driver calls:
//
//   - device memory: Sys_vmo_create_physical(resource, paddr, size) and
//     Sys_vmar_map (uncached-device by default; Sys_vmo_set_cache_policy
//     before mapping for write-combining or cached);
//   - port I/O: Sys_ioports_request(resource, port, n), then
//     beryl/arch/x86/uio's Inb/Outb/... (any other port faults the
//     process);
//   - interrupts: Sys_interrupt_create on a GSI (IRQ resource) or an MSI
//     (Sys_msi_allocate, Sys_msi_create over the physical VMO of the
//     device's configuration space or MSI-X table), then
//     Sys_interrupt_wait, or Sys_interrupt_bind to a port created with
//     PortBindToInterrupt and Sys_interrupt_ack after each
//     ZX_PKT_TYPE_INTERRUPT packet (its timestamp in Payload[0:8]);
//   - DMA: Sys_iommu_create (dummy), Sys_bti_create, then
//     Sys_vmo_create_contiguous or any VMO, Sys_bti_pin for the device
//     addresses (physical addresses) and Sys_pmt_unpin when the device is
//     done.
//
// PCI: init passes every program BERYL_PCI_ECAM, the ECAM windows of the
// ACPI MCFG table the kernel found (empty on machines without one, such
// as QEMU's -machine pc: use ports 0xCF8/0xCFC there). PCIECAM parses
// it; a bus program whose description lists "pci-ecam" gets an MMIO
// resource over each window (in PCIECAM's order).

// PAHnd is Fuchsia's PA_HND(type, arg): the startup-handle type of the
// arg-th handle of a type (e.g. PAHnd(PAResource, 1) for the second
// resource).
func PAHnd(typ, arg uint32) uint32 { return typ | arg<<16 }

// ECAMWindow is one PCI ECAM window (ACPI MCFG allocation): the
// configuration space of buses StartBus..EndBus of segment Segment, 1 MiB
// per bus from Base.
type ECAMWindow struct {
	Base     uint64
	Segment  uint16
	StartBus uint8
	EndBus   uint8
}

// Size returns the bytes the window covers.
func (w ECAMWindow) Size() uint64 { return (uint64(w.EndBus) - uint64(w.StartBus) + 1) << 20 }

// PCIECAM returns the ECAM windows in BERYL_PCI_ECAM
// (BASE:SEGMENT:STARTBUS:ENDBUS, comma-separated; BASE in hex with 0x,
// the rest decimal); malformed entries are skipped.
func PCIECAM() []ECAMWindow { return ParseECAM(os.Getenv("BERYL_PCI_ECAM")) }

// ParseECAM parses a BERYL_PCI_ECAM value.
func ParseECAM(s string) []ECAMWindow {
	var out []ECAMWindow
	for _, w := range strings.Split(s, ",") {
		f := strings.Split(w, ":")
		if len(f) != 4 {
			continue
		}
		base, err1 := strconv.ParseUint(f[0], 0, 64)
		seg, err2 := strconv.ParseUint(f[1], 10, 16)
		start, err3 := strconv.ParseUint(f[2], 10, 8)
		end, err4 := strconv.ParseUint(f[3], 10, 8)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || end < start {
			continue
		}
		out = append(out, ECAMWindow{Base: base, Segment: uint16(seg), StartBus: uint8(start), EndBus: uint8(end)})
	}
	return out
}
