package rt

import (
	"sync/atomic"
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

// WaitWord blocks the calling goroutine until *p differs from seen and
// returns the new value: a counter that a trap-path producer bumps and
// announces with WakeWord (e.g. console input from several devices).
func WaitWord(p *uint32, seen uint32) uint32 {
	for {
		if c := atomic.LoadUint32(p); c != seen {
			return c
		}
		syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(p)), 128, uintptr(seen), 0, 0, 0)
	}
}

// WakeWord wakes every WaitWord on p. Trap path: nosplit, no allocation.
//
//go:nosplit
func WakeWord(p *uint32) { futexWakeAddr(uint64(uintptr(unsafe.Pointer(p))), 1<<31) }
