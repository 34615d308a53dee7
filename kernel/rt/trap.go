package rt

import (
	"sync/atomic"

	"beryl/arch/x86"
)

// Interrupt vectors.
const (
	// VectorTimer is the local APIC timer.
	VectorTimer = 0x20
	// VectorPICBase is where the (masked) legacy PICs are remapped.
	VectorPICBase = 0x30
	// VectorIRQBase is the vector of GSI 0; GSI n arrives at base+n.
	VectorIRQBase = 0x40
	// NumIRQs is the number of GSIs with a vector.
	NumIRQs = 24
	// VectorMSIBase is the first of the NumMSIs vectors that userspace
	// drivers' MSIs target (msi_allocate); MSI vector i is counted as
	// interrupt line NumIRQs+i (IRQCount, WaitIRQ).
	VectorMSIBase = 0x60
	// NumMSIs is the number of MSI vectors.
	NumMSIs = 64
	// NumLines is the number of interrupt lines with a count: GSIs, then
	// MSI vectors.
	NumLines = NumIRQs + NumMSIs
	// VectorSpurious is the local APIC spurious vector.
	VectorSpurious = 0xFF
)

// HandleTrap is the kernel's trap handler (x86.TrapHandler).
// Trap path: nosplit, no allocation.
//
//go:nosplit
func HandleTrap(f *x86.Frame, fx *x86.FXArea) {
	depth++
	v := f.Vector
	switch {
	case v == x86.VectorSyscall:
		doSyscall(f, fx)
	case v == VectorTimer:
		x86.Local.EOI()
		tick(f, fx)
	case v < 32:
		exception(f, fx)
	case v >= VectorIRQBase && v < VectorIRQBase+NumIRQs:
		irq(uint32(v-VectorIRQBase), f, fx)
		x86.Local.EOI()
	case v >= VectorMSIBase && v < VectorMSIBase+NumMSIs:
		irq(uint32(NumIRQs+v-VectorMSIBase), f, fx)
		x86.Local.EOI()
	case v == VectorSpurious, v >= VectorPICBase && v < VectorPICBase+16:
		// Spurious: no EOI (SDM Vol. 3A §11.9; 8259A spurious IRQ 7/15).
	default:
		x86.Local.EOI()
	}
	if depth == 1 {
		deliverPending(f, fx)
	}
	depth--
}

var (
	ticks uint64
	// TimerHz is the configured tick rate.
	TimerHz uint64 = 1000
)

// Ticks returns the number of timer interrupts since the timer started.
//
//go:nosplit
func Ticks() uint64 { return atomic.LoadUint64(&ticks) }

//go:nosplit
func tick(f *x86.Frame, fx *x86.FXArea) {
	ticks++
	if TraceSyscalls && ticks%500 == 0 {
		x86.SerialPuts("[tick cur=")
		x86.SerialPutDec(uint64(threads[cur].tid))
		x86.SerialPuts(" rip=")
		x86.SerialPutHex(f.RIP)
		for i := int32(0); i <= hiThread; i++ {
			x86.SerialPuts(" ")
			x86.SerialPutDec(uint64(threads[i].state))
			x86.SerialPuts("/")
			x86.SerialPutDec(uint64(threads[i].wait))
		}
		x86.SerialPuts("]\n")
	}
	timeoutExpired(Nanotime())
	if depth == 1 {
		reschedule(f, fx)
	}
}
