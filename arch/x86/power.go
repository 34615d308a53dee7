package x86

// Legacy reset paths (no ACPI reset register): the PCI reset control
// register at port 0xCF9 (Intel PCH/ICH datasheets: bit 1 SYS_RST, bit 2
// RST_CPU; writing 0x02 then 0x06 asks for a hard reset) and the 8042
// keyboard controller's pulse-reset command 0xFE on port 0x64.
const (
	resetControlPort = 0xCF9
	kbcStatus        = 0x64
	kbcCommand       = 0x64
)

// ResetCF9 requests a hard reset through port 0xCF9.
func ResetCF9() {
	Outb(resetControlPort, 0x02)
	for i := 0; i < 1000; i++ {
		Inb(0x80) // ~1 µs each: let the chipset see two writes
	}
	Outb(resetControlPort, 0x06)
}

// ResetKBC pulses the CPU reset line through the keyboard controller,
// after waiting (bounded) for its input buffer to drain.
func ResetKBC() {
	for i := 0; i < 100000 && Inb(kbcStatus)&0x02 != 0; i++ {
	}
	Outb(kbcCommand, 0xFE)
}

// ACPISleep writes SLP_TYP and SLP_EN (ACPI 6.4 §4.8.3.2.1: bits 12:10
// and 13) to a PM1 control block; for S5 this powers the machine off.
func ACPISleep(port uint16, slpTyp uint8) {
	v := Inw(port) &^ (7 << 10)
	Outw(port, v|uint16(slpTyp&7)<<10|1<<13)
}

// ACPIEnable hands the PM registers from firmware (SMM) to the OS by
// writing enable to the SMI command port, then waits (bounded) for
// SCI_EN (bit 0 of PM1a control) as ACPI 6.4 §16.3.1 describes.
func ACPIEnable(smiCmd uint16, enable uint8, pm1aCnt uint16) {
	if Inw(pm1aCnt)&1 != 0 {
		return
	}
	Outb(smiCmd, enable)
	for i := 0; i < 1000000 && Inw(pm1aCnt)&1 == 0; i++ {
	}
}
