package x86

// Intel 8254 PIT (82C54 data sheet): channel 2 is gated through port 0x61,
// whose bit 5 reads the channel's OUT pin, so it can time an interval
// without interrupts.
const (
	pitHz      = 1193182
	pitCh2     = 0x42
	pitCommand = 0x43
	pitGate    = 0x61
)

// PITMeasureTSC returns how many TSC ticks elapse in ms milliseconds,
// timed by PIT channel 2 in mode 0 (interrupt on terminal count), or 0
// when there is no PIT: many current machines (and QEMU with pit=off)
// have none, and port 0x61 then reads 0xFF, so OUT looks high before the
// count can have run out. A wait longer than 2^36 TSC ticks (tens of
// seconds at any real clock rate) also gives 0 rather than hanging.
//
//go:nosplit
func PITMeasureTSC(ms uint32) uint64 {
	count := uint32(pitHz) * ms / 1000
	g := Inb(pitGate)
	Outb(pitGate, g&^0x02|0x01) // speaker off, gate on
	Outb(pitCommand, 0xB0)      // channel 2, lobyte/hibyte, mode 0, binary
	Outb(pitCh2, uint8(count))
	Outb(pitCh2, uint8(count>>8))
	g = Inb(pitGate) &^ 0x01
	Outb(pitGate, g) // restart the count with a gate edge
	Outb(pitGate, g|0x01)
	t0 := Rdtsc()
	if Inb(pitGate)&0x20 != 0 {
		return 0 // OUT already high: no counter behind the port
	}
	for Inb(pitGate)&0x20 == 0 {
		if Rdtsc()-t0 > 1<<36 {
			return 0
		}
	}
	return Rdtsc() - t0
}

// PIC (8259A data sheet): remap both controllers away from the exception
// vectors, then mask every line; the I/O APIC delivers device interrupts.
const (
	pic1Cmd  = 0x20
	pic1Data = 0x21
	pic2Cmd  = 0xA0
	pic2Data = 0xA1
)

// PICDisable remaps the legacy PICs to vectors base..base+15 and masks all
// their lines. A masked PIC can still raise a spurious IRQ 7 or 15 at
// base+7 or base+15, which the kernel ignores.
//
//go:nosplit
func PICDisable(base uint8) {
	Outb(pic1Cmd, 0x11) // ICW1: init, ICW4 follows
	Outb(pic2Cmd, 0x11)
	Outb(pic1Data, base) // ICW2: vector base
	Outb(pic2Data, base+8)
	Outb(pic1Data, 4) // ICW3: slave on IRQ2
	Outb(pic2Data, 2)
	Outb(pic1Data, 1) // ICW4: 8086 mode
	Outb(pic2Data, 1)
	Outb(pic1Data, 0xFF)
	Outb(pic2Data, 0xFF)
}
