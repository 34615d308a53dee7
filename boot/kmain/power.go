package kmain

import (
	"fmt"
	"time"

	"beryl/arch/x86"
	"beryl/kernel/acpi"
	"beryl/kernel/klog"
	"beryl/mm/kmem"
)

// power is what the reboot and power-off paths use, found at boot so
// the paths themselves only touch hardware.
var power struct {
	s5         bool // the DSDT's \_S5 was read
	slpA, slpB uint8
}

// setupPower reads the \_S5 sleep type from the DSDT, for the
// system_powerctl operations setupSyscalls hands the dispatcher.
func setupPower() {
	if f := Boot.FADT; f != nil && f.DSDT != 0 && f.PM1aCnt != 0 {
		dsdt, err := acpi.ReadTable(PhysMem, f.DSDT, "DSDT")
		if err == nil {
			power.slpA, power.slpB, err = acpi.FindS5(dsdt)
		}
		if err != nil {
			klog.Warnf("power", "no ACPI power-off: %v", err)
		} else {
			power.s5 = true
			klog.Infof("power", "ACPI S5: SLP_TYPa %d, SLP_TYPb %d", power.slpA, power.slpB)
		}
	}
}

// Reboot resets the machine: the FADT's reset register, then port 0xCF9,
// then the keyboard controller, each given 100 ms. It returns only if
// all three failed.
func Reboot() {
	fmt.Println("beryl: rebooting")
	if f := Boot.FADT; f != nil && f.ResetSup {
		switch r := f.ResetReg; r.Space {
		case acpi.GASIO:
			x86.DisableInterrupts()
			x86.Outb(uint16(r.Addr), f.ResetValue)
			settle()
		case acpi.GASMemory:
			fl := kmem.Lock()
			va, ok := kmem.MapMMIO(r.Addr&^(kmem.PageSize-1), kmem.PageSize, false)
			kmem.Unlock(fl)
			if ok {
				x86.DisableInterrupts()
				x86.MMIOWrite8(va+uintptr(r.Addr&(kmem.PageSize-1)), f.ResetValue)
				settle()
			}
		}
	}
	x86.DisableInterrupts()
	x86.ResetCF9()
	settle()
	x86.ResetKBC()
	settle()
	x86.EnableInterrupts()
	klog.Errorf("power", "reset failed (ACPI reset register, 0xCF9 and keyboard controller)")
}

// PowerOff enters ACPI S5. It returns only if that failed or the machine
// has no ACPI power-off.
func PowerOff() {
	f := Boot.FADT
	if !power.s5 || f == nil {
		klog.Errorf("power", "power-off: no ACPI S5 on this machine")
		return
	}
	fmt.Println("beryl: powering off")
	x86.DisableInterrupts()
	if f.SMICmd != 0 && f.ACPIEnable != 0 {
		x86.ACPIEnable(uint16(f.SMICmd), f.ACPIEnable, uint16(f.PM1aCnt))
	}
	x86.ACPISleep(uint16(f.PM1aCnt), power.slpA)
	if f.PM1bCnt != 0 {
		x86.ACPISleep(uint16(f.PM1bCnt), power.slpB)
	}
	settle()
	x86.EnableInterrupts()
	klog.Errorf("power", "ACPI S5 did not power the machine off")
}

// settle busy-waits 100 ms (interrupts may be off) for a reset or sleep
// request to take effect.
func settle() {
	t := time.Now()
	for time.Since(t) < 100*time.Millisecond {
		x86.Pause()
	}
}
