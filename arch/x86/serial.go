package x86

// I/O bases of the PC's 16550 UARTs.
const (
	COM1 = 0x3F8
	COM2 = 0x2F8
	COM3 = 0x3E8
)

// 16550 register offsets and bits (National Semiconductor PC16550D data
// sheet, Table II).
const (
	uartData = 0 // RBR/THR (DLL when DLAB=1)
	uartIER  = 1 // interrupt enable (DLM when DLAB=1)
	uartFCR  = 2 // FIFO control (write) / IIR (read)
	uartLCR  = 3
	uartMCR  = 4
	uartLSR  = 5

	lsrDataReady = 1 << 0
	lsrTHREmpty  = 1 << 5
	ierRxAvail   = 1 << 0
	mcrDTR       = 1 << 0
	mcrRTS       = 1 << 1
	mcrOut2      = 1 << 3 // gates the UART's IRQ line on PC hardware
)

// SerialInit programs COM1 for 115200 baud, 8N1, FIFOs on, interrupts off.
//
//go:nosplit
func SerialInit() { SerialInitPort(COM1) }

// SerialInitPort programs the UART at base like SerialInit.
//
//go:nosplit
func SerialInitPort(base uint16) {
	Outb(base+uartIER, 0)
	Outb(base+uartLCR, 0x80) // DLAB
	Outb(base+uartData, 1)   // divisor 1: 115200 baud
	Outb(base+uartIER, 0)
	Outb(base+uartLCR, 0x03) // 8N1, DLAB off
	Outb(base+uartFCR, 0xC7) // enable and clear FIFOs, 14-byte threshold
	Outb(base+uartMCR, mcrDTR|mcrRTS|mcrOut2)
}

// SerialWriteRaw writes b to the UART at base unchanged (no CR insertion),
// for byte streams such as a program's stdout.
func SerialWriteRaw(base uint16, b []byte) {
	for _, c := range b {
		for i := 0; i < 100000 && Inb(base+uartLSR)&lsrTHREmpty == 0; i++ {
			Pause()
		}
		Outb(base+uartData, c)
	}
}

// SerialEnableRxInterrupt makes COM1 raise its IRQ when a byte arrives.
//
//go:nosplit
func SerialEnableRxInterrupt() {
	Outb(COM1+uartIER, ierRxAvail)
}

// SerialReadByte returns a received byte if one is waiting.
//
//go:nosplit
func SerialReadByte() (byte, bool) {
	if Inb(COM1+uartLSR)&lsrDataReady == 0 {
		return 0, false
	}
	return Inb(COM1 + uartData), true
}

// ConsoleHook, when set, receives every byte written to the console
// (COM1) as well: the screen console. It is set once at boot; it runs on
// the trap path, so it must be nosplit and must not allocate.
var ConsoleHook func(c byte)

// SerialPutByte writes one byte to COM1, waiting for the transmitter (at
// most ~100000 polls: a machine without a UART reads 0xFF, which looks
// ready, so output never stalls there), and to ConsoleHook.
//
//go:nosplit
func SerialPutByte(c byte) {
	for i := 0; i < 100000 && Inb(COM1+uartLSR)&lsrTHREmpty == 0; i++ {
		Pause()
	}
	Outb(COM1+uartData, c)
	if h := ConsoleHook; h != nil {
		h(c)
	}
}

// SerialWrite writes b to COM1, turning "\n" into "\r\n".
//
//go:nosplit
func SerialWrite(b []byte) {
	for i := 0; i < len(b); i++ {
		if b[i] == '\n' {
			SerialPutByte('\r')
		}
		SerialPutByte(b[i])
	}
}

// SerialPuts writes s to COM1 (see SerialWrite).
//
//go:nosplit
func SerialPuts(s string) {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			SerialPutByte('\r')
		}
		SerialPutByte(s[i])
	}
}

// SerialPutHex writes v as 0x-prefixed hexadecimal without allocating.
//
//go:nosplit
func SerialPutHex(v uint64) {
	SerialPutByte('0')
	SerialPutByte('x')
	started := false
	for shift := 60; shift >= 0; shift -= 4 {
		d := byte(v>>uint(shift)) & 0xf
		if d != 0 || started || shift == 0 {
			started = true
			SerialPutByte("0123456789abcdef"[d])
		}
	}
}

// SerialPutDec writes v in decimal without allocating.
//
//go:nosplit
func SerialPutDec(v uint64) {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	for ; i < len(buf); i++ {
		SerialPutByte(buf[i])
	}
}
