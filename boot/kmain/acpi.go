package kmain

import (
	"beryl/boot/bootinfo"
	"beryl/kernel/acpi"
	"beryl/kernel/klog"
)

// findACPI locates the RSDP (handed over by multiboot2, else found by
// scanning the BIOS areas and the firmware's ACPI memory) and reads the
// FADT, which timekeeping and power control need. A machine without ACPI
// still boots: the callers fall back to the PIT and legacy reset.
func findACPI(info *bootinfo.Info) {
	rsdp := info.RSDP
	if rsdp == nil {
		var err error
		var acpiMem [][2]uint64
		for _, r := range info.MemMap {
			if (r.Type == bootinfo.MemACPIReclaimable || r.Type == bootinfo.MemNVS) && r.Base+r.Length <= 1<<32 {
				acpiMem = append(acpiMem, [2]uint64{r.Base, r.Length})
			}
		}
		if rsdp, _, err = acpi.FindRSDP(PhysMem, acpiMem...); err != nil {
			klog.Warnf("acpi", "%v", err)
			return
		}
	}
	Boot.RSDP = rsdp
	t, err := acpi.FindTable(PhysMem, rsdp, "FACP")
	if err != nil {
		klog.Warnf("acpi", "FADT: %v", err)
		return
	}
	f, err := acpi.ParseFADT(t)
	if err != nil {
		klog.Warnf("acpi", "FADT: %v", err)
		return
	}
	Boot.FADT = f
	klog.Infof("acpi", "FADT rev %d: PM1a_CNT %#x, PM timer %#x (32-bit %v), reset register %v %#x=%#x, DSDT at %#x",
		f.Revision, f.PM1aCnt, f.PMTimer, f.PMTimer32, f.ResetSup, f.ResetReg.Addr, f.ResetValue, f.DSDT)
}
