package rt

import (
	"math/bits"

	"beryl/arch/x86"
	"beryl/mm/kmem"
)

var (
	// tscHz is the calibrated TSC frequency; x86's TSC clock converts
	// ticks at this rate.
	tscHz uint64
	// clockSource is what tscHz was measured against (an index into
	// clockSources: early boot stores no pointers).
	clockSource uint8
)

// Clock sources, in the order of preference.
const (
	ClockNone uint8 = iota
	ClockCPUID15
	ClockCPUID16
	ClockHPET
	ClockPMTimer
	ClockPIT
)

var clockSources = [...]string{"none (assumed 1 GHz)", "CPUID 0x15", "CPUID 0x16", "HPET", "ACPI PM timer", "PIT"}

// Nanotime returns nanoseconds since the TSC was calibrated at boot.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func Nanotime() int64 { return x86.Nanotime() }

// TSCHz returns the calibrated TSC frequency.
func TSCHz() uint64 { return tscHz }

// ClockSource names the reference the TSC frequency came from: "CPUID
// 0x15", "CPUID 0x16", "HPET", "ACPI PM timer", "PIT", or "none ..." when
// nothing could be measured.
func ClockSource() string { return clockSources[clockSource] }

// ClockFromCPUID reports whether the CPU enumerated the TSC frequency, so
// no calibration against a timer is needed.
func ClockFromCPUID() bool { return clockSource == ClockCPUID15 || clockSource == ClockCPUID16 }

// ClockSourceID returns the Clock* constant of the current source.
func ClockSourceID() uint8 { return clockSource }

// calibrateTSC takes the TSC frequency from CPUID leaves 0x15/0x16, else
// measures it against the PIT (median of three 10 ms windows), and starts
// the monotonic clock at zero. The HPET and ACPI PM timer need the ACPI
// tables, which are read once the runtime runs: kmain then corrects the
// rate with Recalibrate. Without any of them the TSC is assumed to run
// at 1 GHz until then.
//
//go:nosplit
func calibrateTSC() {
	hz, leaf := x86.CPUIDTSCHz()
	switch {
	case leaf == 0x15:
		clockSource = ClockCPUID15
	case leaf == 0x16:
		clockSource = ClockCPUID16
	default:
		var m [3]uint64
		for i := range m {
			m[i] = x86.PITMeasureTSC(10) * 100
		}
		hz = median3(m)
		if hz != 0 {
			clockSource = ClockPIT
		}
	}
	if hz == 0 {
		hz = 1e9
	}
	tscHz = hz
	x86.SetTSCRate(hz)
}

//go:nosplit
func median3(m [3]uint64) uint64 {
	if m[0] > m[1] {
		m[0], m[1] = m[1], m[0]
	}
	if m[1] > m[2] {
		m[1], m[2] = m[2], m[1]
	}
	if m[0] > m[1] {
		m[0], m[1] = m[1], m[0]
	}
	return m[1]
}

// MeasureTSC runs measure (which returns TSC ticks per ms-millisecond
// window, 0 on failure) three times and returns the median rate in Hz, or
// 0 when any window failed.
func MeasureTSC(ms uint32, measure func(ms uint32) uint64) uint64 {
	var m [3]uint64
	for i := range m {
		v := measure(ms)
		if v == 0 {
			return 0
		}
		m[i] = v * 1000 / uint64(ms)
	}
	return median3(m)
}

// Recalibrate sets the TSC frequency to hz, measured against source (a
// Clock* constant),
// without a jump in the monotonic clock (from now on it advances at the
// corrected rate), and measures the local APIC timer's input rate again,
// since it was measured against the old TSC rate. It runs on the boot CPU before other
// CPUs start.
func Recalibrate(hz uint64, source uint8) {
	if hz == 0 {
		return
	}
	f := kmem.Lock() // interrupts off: the LAPIC timer is reprogrammed
	old := tscHz
	tscHz = hz
	x86.SetTSCRate(hz)
	clockSource = source
	// Measure the LAPIC timer again against the corrected TSC (median of
	// three 10 ms windows; rescaling the boot-time figure by new/old would
	// keep that single window's error, and under a loaded TCG host such a
	// window can be off several times).
	var m [3]uint64
	for i := range m {
		x86.Local.TimerOneShotMax()
		t0 := Nanotime()
		for Nanotime()-t0 < 10e6 {
		}
		m[i] = uint64(0xFFFFFFFF-x86.Local.Read(x86.LAPICCurCount)) * 100
	}
	if v := median3(m); v != 0 {
		lapicHz = v
	} else {
		hi, lo := bits.Mul64(lapicHz, hz)
		lapicHz, _ = bits.Div64(hi, lo, old)
	}
	count := lapicHz / TimerHz
	if count == 0 {
		count = 1
	}
	x86.Local.TimerPeriodic(VectorTimer, uint32(count))
	kmem.Unlock(f)
}

// LAPIC timer calibration: the timer's input clock (divided by 16) is
// counted over a TSC-timed window, then programmed for TimerHz.
var lapicHz uint64

//go:nosplit
func startTimer(hz uint64) {
	x86.Local.TimerOneShotMax()
	t0 := Nanotime()
	for Nanotime()-t0 < 10e6 {
	}
	elapsed := uint64(0xFFFFFFFF - x86.Local.Read(x86.LAPICCurCount))
	lapicHz = elapsed * 100
	TimerHz = hz
	tickNs = int64(1e9 / hz)
	x86.SetUserTick(VectorTimer, 1e9/hz)
	count := lapicHz / hz
	if count == 0 {
		count = 1
	}
	x86.Local.TimerPeriodic(VectorTimer, uint32(count))
}

// LAPICTimerHz returns the calibrated local APIC timer input frequency
// (after the divide-by-16).
func LAPICTimerHz() uint64 { return lapicHz }

// readRTC reads the CMOS real-time clock (MC146818 registers 0-9) and
// returns Unix nanoseconds, assuming the RTC keeps UTC.
//
//go:nosplit
func readRTC() int64 {
	for i := 0; i < 100000 && rd(0x0A)&0x80 != 0; i++ { // update in progress
	}
	sec, min, hour := rd(0), rd(2), rd(4)
	day, mon, year := rd(7), rd(8), rd(9)
	if rd(0x0B)&0x04 == 0 { // BCD
		sec, min, hour, day, mon, year = bcd(sec), bcd(min), bcd(hour&0x7f)|hour&0x80, bcd(day), bcd(mon), bcd(year)
	}
	year += 2000
	// days from civil (Howard Hinnant's algorithm)
	y := int64(year)
	if mon <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (int64(mon) + 9) % 12
	doy := (153*mp+2)/5 + int64(day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := era*146097 + doe - 719468
	return ((days*24+int64(hour&0x7f))*60+int64(min))*60*1e9 + int64(sec)*1e9
}

//go:nosplit
func rd(r uint8) uint64 {
	x86.Outb(0x70, r)
	return uint64(x86.Inb(0x71))
}

//go:nosplit
func bcd(v uint64) uint64 { return v&15 + (v>>4)*10 }
