package console

import (
	"beryl/arch/x86"
	"beryl/kernel/rt"
)

// The PS/2 keyboard (i8042, scan code set 1 after the controller's
// translation, US layout) feeds the same input ring as the serial line:
// keys become the bytes a VT100 terminal sends (Enter "\r", Backspace
// 0x7f, arrows ESC [ A..D, Home/End ESC [ H / F, Delete ESC [ 3 ~, Ctrl+
// letter its control code), so the shell sees one kind of input from
// either.
//
// The driver lives in the kernel for now: the userspace driver model
// (ioport and IRQ resources handed to a driver process) arrives with the
// driver issue, and then this moves to a userspace program reading port
// 0x60 through an ioport resource and waiting on an interrupt object.

// Modifier state, touched only by the trap path.
var (
	kbdShift, kbdCtrl, kbdCaps, kbdE0 bool
)

// Scan code set 1 make codes 0x00-0x39 to characters, unshifted and
// shifted (0: not a character key).
const (
	kbdPlain   = "\x00\x1b1234567890-=\x7f\tqwertyuiop[]\r\x00asdfghjkl;'`\x00\\zxcvbnm,./\x00*\x00 "
	kbdShifted = "\x00\x1b!@#$%^&*()_+\x7f\tQWERTYUIOP{}\r\x00ASDFGHJKL:\"~\x00|ZXCVBNM<>?\x00*\x00 "
)

// keyboardIRQ turns waiting scan codes into console bytes. Trap path:
// nosplit, no allocation.
//
//go:nosplit
func keyboardIRQ() {
	n := 0
	for {
		sc, ok := x86.KBCReadScancode()
		if !ok {
			break
		}
		if keyboardByte(sc) {
			n++
		}
	}
	if n > 0 {
		inputSeq.Add(1)
		rt.WakeWord(inputSeqAddr())
	}
}

// keyboardByte handles one scan code and reports whether it queued
// input.
//
//go:nosplit
func keyboardByte(sc uint8) bool {
	if sc == 0xE0 {
		kbdE0 = true
		return false
	}
	e0 := kbdE0
	kbdE0 = false
	release := sc&0x80 != 0
	code := sc & 0x7f
	switch code {
	case 0x2a, 0x36: // shifts
		if !e0 {
			kbdShift = !release
		}
		return false
	case 0x1d: // ctrl (left; right with E0)
		kbdCtrl = !release
		return false
	case 0x38: // alt
		return false
	case 0x3a:
		if !release {
			kbdCaps = !kbdCaps
		}
		return false
	}
	if release {
		return false
	}
	if e0 {
		switch code {
		case 0x48:
			return put3('A')
		case 0x50:
			return put3('B')
		case 0x4d:
			return put3('C')
		case 0x4b:
			return put3('D')
		case 0x47:
			return put3('H')
		case 0x4f:
			return put3('F')
		case 0x53: // Delete
			return put(0x1b) && put('[') && put('3') && put('~')
		case 0x1c: // keypad Enter
			return put('\r')
		case 0x35: // keypad /
			return put('/')
		}
		return false
	}
	if int(code) >= len(kbdPlain) {
		return false
	}
	c := kbdPlain[code]
	if kbdShift {
		c = kbdShifted[code]
	}
	if kbdCaps && c >= 'a' && c <= 'z' {
		c -= 'a' - 'A'
	} else if kbdCaps && c >= 'A' && c <= 'Z' && kbdShift {
		c += 'a' - 'A'
	}
	if c == 0 {
		return false
	}
	if kbdCtrl {
		switch {
		case c >= 'a' && c <= 'z':
			c -= 'a' - 1
		case c >= 'A' && c <= 'Z':
			c -= 'A' - 1
		case c == '[':
			c = 0x1b
		}
	}
	return put(c)
}

//go:nosplit
func put3(final byte) bool { return put(0x1b) && put('[') && put(final) }

// StartKeyboard enables the PS/2 keyboard's interrupt (ISA IRQ 1 at GSI
// g; route programs the I/O APIC) if an 8042 answers, and reports
// whether it did.
func StartKeyboard(g uint32, route func()) bool {
	if !x86.KBCPresent() {
		return false
	}
	rt.SetIRQHandler(g, keyboardIRQ)
	route()
	return x86.KBCEnableKeyboardIRQ()
}
