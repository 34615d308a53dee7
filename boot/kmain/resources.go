package kmain

import (
	"fmt"
	"strings"

	"beryl/arch/x86"
	"beryl/boot/bootinfo"
	"beryl/kernel/acpi"
	"beryl/kernel/klog"
	"beryl/kernel/object"
	"beryl/mm/kmem"
)

// ECAMs are the PCI ECAM windows of the ACPI MCFG table (none on
// -machine pc). init receives them in BERYL_PCI_ECAM.
var ECAMs []acpi.ECAM

// setupResources sets the address space of each resource kind and
// withholds what the kernel itself uses, so that no resource (and no
// physical VMO) ever covers it: every RAM region of the memory map
// (the allocator's pages, the kernel image, the boot modules; not the
// test RAM of test.ram.reserve), the LAPIC,
// the I/O APICs, the HPET and the framebuffer; the I/O ports of the
// console UARTs, the PICs, the PIT, the i8042, QEMU's debug-exit port
// and the ACPI PM blocks; the GSIs of the serial and keyboard lines.
func setupResources(info *bootinfo.Info) {
	mmio := func(base, size uint64) { object.ReserveResourceRange(object.ResourceKindMMIO, base, size) }
	pio := func(base, size uint64) { object.ReserveResourceRange(object.ResourceKindIOPort, base, size) }
	irq := func(gsi uint32) { object.ReserveResourceRange(object.ResourceKindIRQ, uint64(gsi), 1) }

	if max, _, _, _ := x86.Cpuid(0x80000000, 0); max >= 0x80000008 {
		a, _, _, _ := x86.Cpuid(0x80000008, 0)
		if bits := a & 0xff; bits >= 32 && bits <= 52 {
			object.SetResourceSpace(object.ResourceKindMMIO, 0, 1<<bits)
		}
	}
	for _, r := range info.MemMap {
		if r.Type == bootinfo.MemAvailable {
			b := r.Base &^ (kmem.PageSize - 1)
			reserveRAM(mmio, b, (r.End()-b+kmem.PageSize-1)&^(kmem.PageSize-1))
		}
	}
	for _, m := range info.Modules {
		mmio(m.Start&^(kmem.PageSize-1), (m.End-m.Start&^(kmem.PageSize-1)+kmem.PageSize-1)&^(kmem.PageSize-1))
	}
	mmio(x86.LAPICPhysBase(), kmem.PageSize)
	if fb := info.Framebuffer; fb != nil && fb.Addr != 0 {
		mmio(fb.Addr&^(kmem.PageSize-1), (uint64(fb.Pitch)*uint64(fb.Height)+kmem.PageSize)&^(kmem.PageSize-1))
	}
	if rsdp := Boot.RSDP; rsdp != nil {
		if t, err := acpi.FindTable(PhysMem, rsdp, "HPET"); err == nil {
			if base, err := acpi.HPETBase(t); err == nil {
				mmio(base&^(kmem.PageSize-1), kmem.PageSize)
			}
		}
		if t, err := acpi.FindTable(PhysMem, rsdp, "MCFG"); err == nil {
			if e, err := acpi.ParseMCFG(t); err == nil {
				ECAMs = e
			} else {
				klog.Warnf("pci", "%v", err)
			}
		}
	}
	gsis := uint64(0)
	if m := Boot.MADT; m != nil {
		for _, io := range m.IOAPICs {
			mmio(uint64(io.Addr)&^(kmem.PageSize-1), kmem.PageSize)
		}
		for _, a := range Boot.IOAPICs {
			gsis = max(gsis, uint64(a.GSIBase+a.Pins))
		}
		com1, _, _ := m.ISAToGSI(4)
		kbd, _, _ := m.ISAToGSI(1)
		pit, _, _ := m.ISAToGSI(0)
		irq(com1)
		irq(kbd)
		irq(pit)
	}
	if gsis != 0 {
		object.SetResourceSpace(object.ResourceKindIRQ, 0, gsis)
	}
	pio(x86.COM1, 8)
	if Boot.Options.UserIO == "ports" {
		pio(x86.COM2, 8)
		pio(x86.COM3, 8)
	}
	pio(0x20, 2) // master PIC
	pio(0xa0, 2) // slave PIC
	pio(0x40, 4) // PIT
	pio(0x60, 1) // i8042 data
	pio(0x64, 1) // i8042 status/command
	pio(x86.DebugExitPort, 4)
	if f := Boot.FADT; f != nil {
		for _, p := range []uint32{f.PM1aCnt, f.PM1bCnt} {
			if p != 0 {
				pio(uint64(p), 2)
			}
		}
		if f.PMTimer != 0 {
			pio(uint64(f.PMTimer), 4)
		}
		if f.SMICmd != 0 {
			pio(uint64(f.SMICmd), 1)
		}
	}
	for _, e := range ECAMs {
		klog.Infof("pci", "ECAM segment %d buses %d-%d at %#x", e.Segment, e.StartBus, e.EndBus, e.Base)
	}
}

// ecamEnv is init's BERYL_PCI_ECAM variable: the MCFG allocations as
// comma-separated BASE:SEGMENT:STARTBUS:ENDBUS (hex base, decimal
// numbers); empty without an MCFG table (use ports 0xCF8/0xCFC).
func ecamEnv() string {
	var s []string
	for _, e := range ECAMs {
		s = append(s, fmt.Sprintf("%#x:%d:%d:%d", e.Base, e.Segment, e.StartBus, e.EndBus))
	}
	return "BERYL_PCI_ECAM=" + strings.Join(s, ",")
}
