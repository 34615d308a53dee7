package rt

import (
	"sync/atomic"

	"beryl/arch/x86"
)

// IRQ delivery to goroutines: the trap path counts each interrupt of a GSI
// and wakes futex waiters on that counter; goroutine code waits with
// WaitIRQ, which blocks its thread in the futex through the syscall
// package (so the Go scheduler hands the P to another thread meanwhile).
var irqCounts [NumIRQs]uint32

// irqHandlers are trap-path functions run at interrupt time (e.g. to drain
// a device FIFO before acknowledging). Set at init, before the IRQ is
// unmasked.
var irqHandlers [NumIRQs]func()

//go:nosplit
func irq(gsi uint32, f *x86.Frame, fx *x86.FXArea) {
	if h := irqHandlers[gsi]; h != nil {
		h()
	}
	atomic.AddUint32(&irqCounts[gsi], 1)
	futexWakeAddr(irqCountAddr(gsi), 1<<31)
	if depthOf[x86.ThisCPUID()] == 1 {
		reschedule(f, fx)
	}
}

// SetIRQHandler installs a trap-path handler for GSI gsi.
func SetIRQHandler(gsi uint32, h func()) { irqHandlers[gsi] = h }

// IRQCount returns how many interrupts GSI gsi has raised.
func IRQCount(gsi uint32) uint32 { return atomic.LoadUint32(&irqCounts[gsi]) }
