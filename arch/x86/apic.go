package x86

// Local APIC registers (SDM Vol. 3A §11.4.1, Table 11-1), as xAPIC MMIO
// offsets; x2APIC MSRs are 0x800 + offset/16 (§11.12.1.2).
const (
	LAPICID          = 0x020
	LAPICEOI         = 0x0B0
	LAPICSVR         = 0x0F0
	LAPICLVTTimer    = 0x320
	LAPICInitCount   = 0x380
	LAPICCurCount    = 0x390
	LAPICDivideConf  = 0x3E0
	lapicSVREnable   = 1 << 8
	lvtMasked        = 1 << 16
	lvtTimerPeriodic = 1 << 17
	apicBaseX2       = 1 << 10
	apicBaseEnable   = 1 << 11
)

// LAPIC is the boot CPU's local APIC, in xAPIC (MMIO) or x2APIC (MSR)
// mode.
type LAPIC struct {
	base uintptr // virtual address of the xAPIC MMIO page
	x2   bool
}

// Local is the boot CPU's local APIC.
var Local LAPIC

// HasX2APIC reports CPUID.01H:ECX[21] (SDM Vol. 3A §11.12.1).
//
//go:nosplit
func HasX2APIC() bool {
	_, _, ecx, _ := Cpuid(1, 0)
	return ecx&(1<<21) != 0
}

// LAPICPhysBase returns the xAPIC MMIO physical base from IA32_APIC_BASE.
//
//go:nosplit
func LAPICPhysBase() uint64 { return Rdmsr(MSRAPICBase) &^ 0xFFF & (1<<52 - 1) }

// Init enables the local APIC: x2APIC mode when the CPU has it, otherwise
// xAPIC through the MMIO page mapped at mmio. spurious is the spurious
// interrupt vector.
//
//go:nosplit
func (l *LAPIC) Init(mmio uintptr, spurious uint8) {
	b := Rdmsr(MSRAPICBase)
	if HasX2APIC() {
		Wrmsr(MSRAPICBase, b|apicBaseEnable|apicBaseX2)
		l.x2 = true
	} else {
		Wrmsr(MSRAPICBase, b|apicBaseEnable)
		l.base = mmio
	}
	l.Write(LAPICSVR, lapicSVREnable|uint32(spurious))
	l.Write(LAPICLVTTimer, lvtMasked)
}

// X2 reports whether the APIC runs in x2APIC mode.
//
//go:nosplit
func (l *LAPIC) X2() bool { return l.x2 }

// Read returns a local APIC register.
//
//go:nosplit
func (l *LAPIC) Read(reg uint32) uint32 {
	if l.x2 {
		return uint32(Rdmsr(MSRX2APICBase + reg>>4))
	}
	return *(*uint32)(ptr(l.base + uintptr(reg)))
}

// Write sets a local APIC register.
//
//go:nosplit
func (l *LAPIC) Write(reg, v uint32) {
	if l.x2 {
		Wrmsr(MSRX2APICBase+reg>>4, uint64(v))
		return
	}
	*(*uint32)(ptr(l.base + uintptr(reg))) = v
}

// EOI signals the end of the current interrupt.
//
//go:nosplit
func (l *LAPIC) EOI() { l.Write(LAPICEOI, 0) }

// ID returns the local APIC ID.
//
//go:nosplit
func (l *LAPIC) ID() uint32 {
	if l.x2 {
		return l.Read(LAPICID)
	}
	return l.Read(LAPICID) >> 24
}

// TimerOneShotMax starts the timer counting down from 2^32-1 with
// divide-by-16 and no interrupt, for calibration.
//
//go:nosplit
func (l *LAPIC) TimerOneShotMax() {
	l.Write(LAPICDivideConf, 0x3) // divide by 16
	l.Write(LAPICLVTTimer, lvtMasked)
	l.Write(LAPICInitCount, 0xFFFFFFFF)
}

// TimerPeriodic makes the timer raise vector every count ticks
// (divide-by-16 clock).
//
//go:nosplit
func (l *LAPIC) TimerPeriodic(vector uint8, count uint32) {
	l.Write(LAPICDivideConf, 0x3)
	l.Write(LAPICLVTTimer, uint32(vector)|lvtTimerPeriodic)
	l.Write(LAPICInitCount, count)
}

// IOAPIC is an I/O APIC (82093AA data sheet §3): registers are reached
// through IOREGSEL at +0 and IOWIN at +0x10.
type IOAPIC struct {
	base    uintptr
	GSIBase uint32
	Pins    uint32
}

// NewIOAPIC wraps the I/O APIC whose MMIO page is mapped at mmio and masks
// every pin.
//
//go:nosplit
func NewIOAPIC(mmio uintptr, gsiBase uint32) IOAPIC {
	io := IOAPIC{base: mmio, GSIBase: gsiBase}
	io.Pins = (io.read(1)>>16)&0xFF + 1
	for i := uint32(0); i < io.Pins; i++ {
		io.write(0x10+2*i, lvtMasked)
		io.write(0x11+2*i, 0)
	}
	return io
}

//go:nosplit
func (io *IOAPIC) read(reg uint32) uint32 {
	*(*uint32)(ptr(io.base)) = reg
	return *(*uint32)(ptr(io.base + 0x10))
}

//go:nosplit
func (io *IOAPIC) write(reg, v uint32) {
	*(*uint32)(ptr(io.base)) = reg
	*(*uint32)(ptr(io.base + 0x10)) = v
}

// Route sends pin to vector on the CPU with APIC ID dest, with the given
// polarity (activeLow) and trigger mode (level), unmasked.
//
//go:nosplit
func (io *IOAPIC) Route(pin uint32, vector uint8, dest uint32, activeLow, level bool) {
	lo := uint32(vector)
	if activeLow {
		lo |= 1 << 13
	}
	if level {
		lo |= 1 << 15
	}
	io.write(0x11+2*pin, dest<<24)
	io.write(0x10+2*pin, lo)
}

// Mask masks pin.
//
//go:nosplit
func (io *IOAPIC) Mask(pin uint32) {
	io.write(0x10+2*pin, io.read(0x10+2*pin)|lvtMasked)
}

// Unmask unmasks pin, keeping its route.
//
//go:nosplit
func (io *IOAPIC) Unmask(pin uint32) {
	io.write(0x10+2*pin, io.read(0x10+2*pin)&^lvtMasked)
}
