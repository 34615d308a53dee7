package rt

import (
	"sync/atomic"

	"beryl/arch/x86"
	"beryl/mm/kmem"
)

// IRQ delivery to goroutines: the trap path counts each interrupt of a GSI
// and wakes futex waiters on that counter; goroutine code waits with
// WaitIRQ, which blocks its thread in the futex through the syscall
// package (so the Go scheduler hands the P to another thread meanwhile).
var irqCounts [NumLines]uint32

// irqHandlers are trap-path functions run at interrupt time (e.g. to drain
// a device FIFO before acknowledging). Set at init, before the IRQ is
// unmasked.
var irqHandlers [NumLines]func()

// irqMaskOnFire marks the level-triggered GSIs a userspace driver
// holds: the trap path masks them (MaskGSI) until the driver acks, or a
// line still asserted would interrupt again at once.
var irqMaskOnFire [NumLines]uint32

// MaskGSI masks a GSI at its I/O APIC from the trap path; boot sets it
// to a nosplit function before any line is marked.
var MaskGSI func(gsi uint32)

//go:nosplit
func irq(gsi uint32, f *x86.Frame, fx *x86.FXArea) {
	if h := irqHandlers[gsi]; h != nil {
		h()
	}
	if irqMaskOnFire[gsi] != 0 {
		MaskGSI(gsi)
	}
	atomic.AddUint32(&irqCounts[gsi], 1)
	futexWakeAddr(irqCountAddr(gsi), 1<<31)
	if depthOf[x86.ThisCPUID()] == 1 {
		reschedule(f, fx)
	}
}

// SetIRQMaskOnFire marks (or unmarks) GSI gsi as masked by the trap path
// when it fires.
func SetIRQMaskOnFire(gsi uint32, on bool) {
	v := uint32(0)
	if on {
		v = 1
	}
	atomic.StoreUint32(&irqMaskOnFire[gsi], v)
}

// KickIRQ bumps GSI gsi's count and wakes its waiters without an
// interrupt (a line's owner stopping its waiter). It takes the trap lock
// as the trap path's futex calls hold it: on another CPU a waiter may be
// between its count check and its block, and the thread table is shared.
func KickIRQ(gsi uint32) {
	f := kmem.Lock()
	atomic.AddUint32(&irqCounts[gsi], 1)
	futexWakeAddr(irqCountAddr(gsi), 1<<31)
	kmem.Unlock(f)
}

// SetIRQHandler installs a trap-path handler for GSI gsi.
func SetIRQHandler(gsi uint32, h func()) { irqHandlers[gsi] = h }

// IRQCount returns how many interrupts GSI gsi has raised.
func IRQCount(gsi uint32) uint32 { return atomic.LoadUint32(&irqCounts[gsi]) }
