package boot

import (
	"beryl/arch/x86"
	"beryl/boot/bootinfo"
	"beryl/kernel/rt"
	"beryl/mm/kmem"
)

// Bootloader magic values in EAX at entry.
const (
	magicMultiboot1 = 0x2BADB002
	magicMultiboot2 = 0x36D76289
)

var (
	// Regions and exclusions gathered before the runtime exists (fixed
	// arrays: nothing may allocate yet).
	regions  [128]bootinfo.MemRegion
	nregions int
	exclude  [40]bootinfo.Range
	nexclude int
)

//go:nosplit
func addExclude(start, end uint64) {
	if nexclude < len(exclude) && end > start {
		exclude[nexclude] = bootinfo.Range{Start: start, End: end}
		nexclude++
	}
}

// early runs on the boot stack before the Go runtime exists: nosplit, no
// allocation, no Go pointers stored. It returns the initial stack pointer
// for the runtime.
//
//go:nosplit
func early() uintptr {
	x86.SerialInit()
	x86.InitBootCPU()
	rt.EarlyTraps()

	magic, info := uint64(bootMagicValue()), uint64(bootInfoValue())
	addExclude(0, 1<<20)
	addExclude(kmem.ImageBase-kmem.KernelBase, kmem.ImagePhysEnd())
	switch magic {
	case magicMultiboot1:
		collectMB1(info)
	case magicMultiboot2:
		collectMB2(info)
	default:
		x86.SerialPuts("beryl: not loaded by a multiboot loader\n")
		x86.Stop(x86.ExitPanic)
	}
	findAPPage()
	if !setupMemory() {
		x86.SerialPuts("beryl: memory setup failed\n")
		x86.Stop(x86.ExitPanic)
	}
	rt.EarlyInit()
	return initialStack()
}

// apPage is a free page below 1 MiB for the application processors'
// start-up code (0: none). The physical allocator never manages the low
// 1 MiB, so no one else is handed this page; it avoids everything the
// boot information occupies there.
var apPage uint64

// findAPPage picks apPage: the lowest page from 0x1000 up in available
// RAM below 0xA0000 that no exclusion (other than the blanket low 1 MiB)
// touches.
//
//go:nosplit
func findAPPage() {
	for i := 0; i < nregions; i++ {
		r := regions[i]
		if r.Type != bootinfo.MemAvailable {
			continue
		}
		for pa := (r.Base + 4095) &^ 4095; pa+4096 <= r.Base+r.Length && pa+4096 <= 0xA0000; pa += 4096 {
			if pa >= 0x1000 && !lowExcluded(pa) && (apPage == 0 || pa < apPage) {
				apPage = pa
				break
			}
		}
	}
}

//go:nosplit
func lowExcluded(pa uint64) bool {
	for i := 0; i < nexclude; i++ {
		e := exclude[i]
		if e.Start == 0 && e.End == 1<<20 {
			continue
		}
		if e.Start < pa+4096 && pa < e.End {
			return true
		}
	}
	return false
}

// APStartPage returns the physical page for the start-up trampoline, or
// 0 when the memory map has none free below 1 MiB.
func APStartPage() uint64 { return apPage }

// BootPageTables returns the physical address of the boot page tables
// (entry_amd64.s), which stay intact: they identity-map the low 4 GiB
// and map the kernel image, as the start-up trampoline needs.
func BootPageTables() uint64 {
	return ((uint64(bootTablesAddr()) + 4095) &^ 4095) - kmem.KernelBase
}

var (
	usable  [160]kmem.Range
	direct  [130]kmem.Range
	nusable int
	ndirect int
)

// setupMemory turns the memory map into what kmem.Setup takes: the usable
// ranges (available RAM minus the exclusions) and the ranges to
// direct-map (RAM, ACPI regions and the low 1 MiB).
//
//go:nosplit
func setupMemory() bool {
	_, span, ok := bootinfo.AvailableSpan(regions[:nregions])
	if !ok {
		return false
	}
	it := bootinfo.Usable(regions[:nregions], exclude[:nexclude])
	for nusable < len(usable) {
		r, more := it.Next()
		if !more {
			break
		}
		usable[nusable] = kmem.Range{Start: r.Start, End: r.End}
		nusable++
	}
	direct[0] = kmem.Range{Start: 0, End: 1 << 20}
	ndirect = 1
	for i := 0; i < nregions && ndirect < len(direct); i++ {
		switch r := regions[i]; r.Type {
		case bootinfo.MemAvailable, bootinfo.MemACPIReclaimable, bootinfo.MemNVS:
			direct[ndirect] = kmem.Range{Start: r.Base, End: r.Base + r.Length}
			ndirect++
		}
	}
	return kmem.Setup(usable[:nusable], direct[:ndirect], span)
}

//go:nosplit
func collectMB1(info uint64) {
	b := bootinfo.MB1Info(kmem.PhysBytes(info, bootinfo.MB1InfoMaxSize))
	addExclude(info, info+bootinfo.MB1InfoMaxSize)
	if l, a, ok := b.MemMap(); ok {
		addExclude(uint64(a), uint64(a)+uint64(l))
		it := bootinfo.MB1MemMap(kmem.PhysBytes(uint64(a), uint64(l)))
		collect(&it)
	}
	if a, ok := b.CmdLine(); ok {
		addExclude(uint64(a), uint64(a)+4096)
	}
	if n, a, ok := b.Mods(); ok && n > 0 {
		mods := kmem.PhysBytes(uint64(a), uint64(n)*bootinfo.MB1ModuleSize)
		addExclude(uint64(a), uint64(a)+uint64(len(mods)))
		for i := 0; i < int(n); i++ {
			s, e, c, ok := bootinfo.MB1Module(mods, i)
			if !ok {
				break
			}
			addExclude(uint64(s), uint64(e))
			addExclude(uint64(c), uint64(c)+4096)
		}
	}
}

//go:nosplit
func collectMB2(info uint64) {
	total, _ := bootinfo.MB2TotalSize(kmem.PhysBytes(info, 8))
	blob := kmem.PhysBytes(info, uint64(total))
	addExclude(info, info+uint64(total))
	if it, ok := bootinfo.MB2MemMapFor(blob); ok {
		collect(&it)
	}
	tags := bootinfo.MB2TagIter(blob)
	for {
		typ, tag, ok := tags.Next()
		if !ok {
			break
		}
		if typ == bootinfo.MB2TagModule {
			if s, e, _, ok := bootinfo.MB2Module(tag); ok {
				addExclude(uint64(s), uint64(e))
			}
		}
	}
}

//go:nosplit
func collect(it *bootinfo.MemMapIter) {
	for nregions < len(regions) {
		r, ok := it.Next()
		if !ok {
			break
		}
		regions[nregions] = r
		nregions++
	}
}

// Magic returns the bootloader's magic value.
func Magic() uint32 { return bootMagicValue() }

// InfoAddr returns the physical address of the boot information.
func InfoAddr() uint64 { return uint64(bootInfoValue()) }
