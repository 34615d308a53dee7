package x86

// Reference clocks for TSC calibration on machines without a PIT: the
// ACPI power-management timer (ACPI 6.4 §4.8.3.3, 3.579545 MHz, 24 or 32
// bits, read from an I/O port) and the HPET main counter (IA-PC HPET
// specification 1.0a §2.3: capabilities at offset 0, configuration at
// 0x10, counter at 0xF0; period in femtoseconds in the capabilities' high
// half).

// PMTimerHz is the ACPI PM timer's fixed frequency.
const PMTimerHz = 3579545

// PMTimerMeasureTSC counts TSC ticks while the PM timer at port advances
// by ms milliseconds; wide says the counter has 32 bits (FADT flag
// TMR_VAL_EXT), else 24. It returns 0 when the counter does not move.
//
//go:nosplit
func PMTimerMeasureTSC(port uint16, wide bool, ms uint32) uint64 {
	mask := uint32(0xFFFFFF)
	if wide {
		mask = 0xFFFFFFFF
	}
	want := uint32(uint64(PMTimerHz) * uint64(ms) / 1000)
	start := Inl(port) & mask
	// Start on an edge so the window is not short by up to one tick.
	s := start
	t0 := Rdtsc()
	for s == start {
		s = Inl(port) & mask
		if Rdtsc()-t0 > 1<<32 {
			return 0
		}
	}
	t0 = Rdtsc()
	for {
		if (Inl(port)-s)&mask >= want {
			return Rdtsc() - t0
		}
		if Rdtsc()-t0 > 1<<36 {
			return 0
		}
	}
}

// HPET register offsets.
const (
	hpetCaps    = 0x00
	hpetConfig  = 0x10
	hpetCounter = 0xF0
)

// HPETMeasureTSC counts TSC ticks while the HPET mapped at va advances by
// ms milliseconds, enabling its main counter if firmware left it off. It
// returns 0 for an implausible period (0 or above 100 ns, §2.3.4) or a
// counter that does not move.
//
//go:nosplit
func HPETMeasureTSC(va uintptr, ms uint32) uint64 {
	caps := MMIORead64(va + hpetCaps)
	period := caps >> 32 // femtoseconds per tick
	if period == 0 || period > 100000000 {
		return 0
	}
	mask := uint64(0xFFFFFFFF) // COUNT_SIZE_CAP (bit 13) clear: a 32-bit counter
	if caps&(1<<13) != 0 {
		mask = ^uint64(0)
	}
	if cfg := MMIORead64(va + hpetConfig); cfg&1 == 0 {
		MMIOWrite64(va+hpetConfig, cfg|1)
	}
	want := uint64(ms) * 1e12 / period
	s := MMIORead64(va + hpetCounter)
	t0 := Rdtsc()
	for {
		if (MMIORead64(va+hpetCounter)-s)&mask >= want {
			return Rdtsc() - t0
		}
		if Rdtsc()-t0 > 1<<36 {
			return 0
		}
	}
}

// CPUIDTSCHz returns the TSC frequency the CPU enumerates (SDM Vol. 2A
// "CPUID" leaves 15H and 16H): from leaf 0x15 as crystal Hz × EBX / EAX,
// or, when the crystal frequency is not enumerated, the processor base
// frequency of leaf 0x16 (equal to the TSC rate on the CPUs that report
// the ratio but not the crystal). leaf is 0x15 or 0x16, or 0 when the CPU
// says nothing (older CPUs, AMD, QEMU's TCG).
//
//go:nosplit
func CPUIDTSCHz() (hz uint64, leaf uint32) {
	max, _, _, _ := Cpuid(0, 0)
	if max < 0x15 {
		return 0, 0
	}
	den, num, crystal, _ := Cpuid(0x15, 0)
	if den != 0 && num != 0 && crystal != 0 {
		return uint64(crystal) * uint64(num) / uint64(den), 0x15
	}
	if max >= 0x16 {
		if base, _, _, _ := Cpuid(0x16, 0); base != 0 {
			return uint64(base&0xFFFF) * 1e6, 0x16
		}
	}
	return 0, 0
}
