package kmain

import (
	"beryl/arch/x86"
	"beryl/kernel/acpi"
	"beryl/kernel/klog"
	"beryl/kernel/rt"
	"beryl/mm/kmem"
)

// calibrateClock settles the TSC frequency once the ACPI tables are
// readable. Order: CPUID leaves 0x15/0x16 (taken before the runtime
// started, nothing to do), the HPET, the ACPI PM timer, and the PIT last
// (also measured before the runtime; kept only when neither ACPI timer
// exists). Many current machines have no PIT, and QEMU can drop it
// (-machine pit=off) and the HPET (hpet=off).
func calibrateClock() {
	if rt.ClockFromCPUID() {
		return
	}
	if hz := hpetHz(); hz != 0 {
		rt.Recalibrate(hz, rt.ClockHPET)
		return
	}
	if f := Boot.FADT; f != nil && f.PMTimer != 0 && !f.HWReduced {
		port, wide := uint16(f.PMTimer), f.PMTimer32
		if hz := rt.MeasureTSC(20, func(ms uint32) uint64 { return x86.PMTimerMeasureTSC(port, wide, ms) }); hz != 0 {
			rt.Recalibrate(hz, rt.ClockPMTimer)
			return
		}
		klog.Warnf("clock", "ACPI PM timer at %#x does not count", port)
	}
	if rt.ClockSourceID() == rt.ClockNone {
		klog.Errorf("clock", "no CPUID frequency, HPET, ACPI PM timer or PIT: TSC assumed to run at 1 GHz, time is wrong")
	}
}

// hpetHz measures the TSC against the HPET named by the ACPI HPET table,
// or returns 0.
func hpetHz() uint64 {
	if Boot.RSDP == nil {
		return 0
	}
	t, err := acpi.FindTable(PhysMem, Boot.RSDP, "HPET")
	if err != nil {
		return 0
	}
	base, err := acpi.HPETBase(t)
	if err != nil {
		klog.Warnf("clock", "%v", err)
		return 0
	}
	f := kmem.Lock()
	va, ok := kmem.MapMMIO(base, kmem.PageSize, false)
	kmem.Unlock(f)
	if !ok {
		klog.Warnf("clock", "cannot map the HPET at %#x", base)
		return 0
	}
	hz := rt.MeasureTSC(20, func(ms uint32) uint64 { return x86.HPETMeasureTSC(va, ms) })
	if hz == 0 {
		klog.Warnf("clock", "HPET at %#x does not count", base)
	}
	return hz
}
