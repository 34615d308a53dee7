package boot

import "beryl/arch/x86"

// early runs on the boot stack before the Go runtime exists: nosplit, no
// allocation, no Go pointers stored.
//
//go:nosplit
func early() uintptr {
	x86.SerialInit()
	x86.SerialPuts("beryl: long mode\n")
	x86.InitBootCPU()
	x86.SerialPuts("beryl: cpu tables loaded, magic=")
	x86.SerialPutHex(uint64(bootMagicValue()))
	x86.SerialPuts("\n")
	x86.Stop(x86.ExitPass)
	return 0
}
