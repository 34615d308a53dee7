package x86

// Exit codes written to QEMU's isa-debug-exit device (iobase 0xf4), which
// terminates QEMU with status (code<<1)|1. The values keep clear of QEMU's
// own exit status 1 and of 0, which a triple fault with -no-reboot gives.
const (
	ExitPass  = 0x10 // QEMU exits 33
	ExitFail  = 0x11 // QEMU exits 35
	ExitPanic = 0x12 // QEMU exits 37
)

// DebugExitPort is the I/O port of QEMU's isa-debug-exit device.
const DebugExitPort = 0xf4

// Stop ends the machine: under QEMU it exits through isa-debug-exit with
// the given code; on hardware (no such device) it halts with interrupts
// disabled.
//
//go:nosplit
func Stop(code uint8) {
	Outb(DebugExitPort, code)
	for {
		DisableInterrupts()
		Halt()
	}
}
