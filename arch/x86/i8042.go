package x86

// Intel 8042 keyboard controller (the PC's PS/2 controller; IBM PS/2
// Technical Reference, "Keyboard/Auxiliary Device Controller"): data on
// port 0x60, status (read) and commands (write) on 0x64.
const (
	kbcData         = 0x60
	kbcStatOutFull  = 1 << 0 // a byte waits in the output buffer
	kbcStatInFull   = 1 << 1 // the controller has not taken the last byte
	kbcStatAux      = 1 << 5 // the waiting byte is from the mouse port
	kbcCmdReadCfg   = 0x20
	kbcCmdWriteCfg  = 0x60
	kbcCfgIRQ1      = 1 << 0 // keyboard interrupt
	kbcCfgTranslate = 1 << 6 // translate to scan code set 1
)

// KBCPresent reports whether an 8042 answers: without one (USB-only
// machines with no legacy emulation) the status port floats to 0xFF.
func KBCPresent() bool { return Inb(kbcStatus) != 0xFF }

// KBCEnableKeyboardIRQ drains the output buffer and sets the controller's
// keyboard interrupt and scan-code translation bits, leaving the rest of
// the firmware's configuration alone.
func KBCEnableKeyboardIRQ() bool {
	for i := 0; i < 64 && Inb(kbcStatus)&kbcStatOutFull != 0; i++ {
		Inb(kbcData)
	}
	if !kbcWrite(kbcCommand, kbcCmdReadCfg) {
		return false
	}
	cfg, ok := kbcRead()
	if !ok {
		return false
	}
	return kbcWrite(kbcCommand, kbcCmdWriteCfg) && kbcWrite(kbcData, cfg|kbcCfgIRQ1|kbcCfgTranslate)
}

func kbcWrite(port uint16, v uint8) bool {
	for i := 0; i < 100000; i++ {
		if Inb(kbcStatus)&kbcStatInFull == 0 {
			Outb(port, v)
			return true
		}
	}
	return false
}

func kbcRead() (uint8, bool) {
	for i := 0; i < 100000; i++ {
		if Inb(kbcStatus)&kbcStatOutFull != 0 {
			return Inb(kbcData), true
		}
	}
	return 0, false
}

// KBCReadScancode returns a keyboard byte if one is waiting (mouse bytes
// are read and dropped). Trap path: nosplit, no allocation.
//
//go:nosplit
func KBCReadScancode() (uint8, bool) {
	for {
		st := Inb(kbcStatus)
		if st&kbcStatOutFull == 0 || st == 0xFF {
			return 0, false
		}
		b := Inb(kbcData)
		if st&kbcStatAux == 0 {
			return b, true
		}
	}
}
