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

// HandleTrap is the kernel's trap handler (x86.TrapHandler). It holds
// x86.TrapLock throughout, except for the NMI of a fatal stop, TLB
// shootdown requests, and the traps of application processors that do not
// run threads (smp=off).
// Trap path: nosplit, no allocation.
//
//go:nosplit
func HandleTrap(f *x86.Frame, fx *x86.FXArea) {
	v := f.Vector
	if v == x86.VectorNMI && atomic.LoadUint32(&stopping) != 0 {
		haltForever()
	}
	if v == x86.VectorShootdown {
		x86.ServiceShootdown()
		x86.Local.EOI()
		return
	}
	me := x86.ThisCPUID()
	if me != 0 && !smpOn {
		apTrap(me, f)
		return
	}
	x86.TrapLock.Lock()
	depthOf[me]++
	// Exceptions share one IST stack per CPU (x86.ISTExc): one taken
	// while another is being handled on this CPU starts at the same
	// stack top and overwrites the outer frame. Nothing may fault there
	// (kmem.Prepare); if something does, stop with a dump rather than
	// resume a corrupted context.
	onExc := v < 32 && v != x86.VectorNMI && v != x86.VectorDF && v != x86.VectorMC
	if onExc {
		if inExc[me] {
			Fatal(f, "exception inside an exception handler")
		}
		inExc[me] = true
	}
	switch {
	case v == x86.VectorSyscall:
		doSyscall(f, fx)
	case v == VectorTimer:
		x86.Local.EOI()
		tick(me, f, fx)
	case v < 32:
		exception(f, fx)
	case v >= VectorIRQBase && v < VectorIRQBase+NumIRQs:
		irq(uint32(v-VectorIRQBase), f, fx)
		x86.Local.EOI()
	case v == VectorResched:
		x86.Local.EOI()
		if depthOf[me] == 1 {
			reschedule(f, fx)
		}
	case v >= VectorMSIBase && v < VectorMSIBase+NumMSIs:
		irq(uint32(NumIRQs+v-VectorMSIBase), f, fx)
		x86.Local.EOI()
	case v == VectorSpurious, v >= VectorPICBase && v < VectorPICBase+16:
		// Spurious: no EOI (SDM Vol. 3A §11.9; 8259A spurious IRQ 7/15).
	default:
		x86.Local.EOI()
	}
	// No signal into a context that ran with interrupts disabled: it is
	// a critical section (kmem.Lock held, x86.TrapLock with it), and a
	// handler there (the runtime's preemption) could switch goroutines
	// and block the thread while it holds the lock.
	if depthOf[me] == 1 && f.RFLAGS&x86.FlagIF != 0 {
		deliverPending(f, fx)
	}
	if onExc {
		inExc[me] = false
	}
	depthOf[me]--
	x86.TrapLock.Unlock()
}

// inExc says, per CPU, that an exception is being handled on its
// exception stack.
var inExc [x86.MaxCPUs]bool

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
func tick(me uint32, f *x86.Frame, fx *x86.FXArea) {
	if me != 0 {
		atomic.AddUint64(&cpuTicks[me], 1)
		if depthOf[me] == 1 {
			reschedule(f, fx)
		}
		return
	}
	ticks++
	if TraceSyscalls && ticks%500 == 0 {
		x86.SerialPuts("[tick cur=")
		x86.SerialPutDec(uint64(threads[curIdx()].tid))
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
	if depthOf[x86.ThisCPUID()] == 1 {
		reschedule(f, fx)
	}
}
