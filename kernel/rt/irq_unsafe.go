package rt

import (
	"syscall"
	"unsafe"
)

//go:nosplit
func irqCountAddr(gsi uint32) uint64 { return uint64(uintptr(unsafe.Pointer(&irqCounts[gsi]))) }

// WaitIRQ blocks the calling goroutine until GSI gsi's count differs from
// seen and returns the new count.
func WaitIRQ(gsi uint32, seen uint32) uint32 {
	for {
		if c := IRQCount(gsi); c != seen {
			return c
		}
		// FUTEX_WAIT_PRIVATE; EAGAIN if the count moved meanwhile.
		syscall.Syscall6(syscall.SYS_FUTEX, uintptr(irqCountAddr(gsi)), 128, uintptr(seen), 0, 0, 0)
	}
}
