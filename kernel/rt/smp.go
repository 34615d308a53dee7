package rt

import (
	"sync/atomic"

	"beryl/arch/x86"
)

// Application processors. The boot CPU runs every kernel thread; the
// other CPUs come up with their own descriptor tables, stacks, per-CPU
// area and LAPIC timer, count their ticks and idle (HLT with interrupts
// on). Their traps never touch the thread table: HandleTrap sends them
// to apTrap before anything else.

var (
	// online counts CPUs that take interrupts (the boot CPU once
	// EarlyInit has run).
	online uint32
	// cpuTicks counts timer interrupts per CPU.
	cpuTicks [x86.MaxCPUs]uint64
	// stopping is set once a CPU has begun a fatal stop: every other CPU
	// halts on the NMI it is sent, so the fault dump is not interleaved.
	stopping uint32
)

// CPUsOnline returns the number of CPUs that are up: the CPU count the
// kernel reports (beryl_kernel_stats, system_get_num_cpus).
//
//go:nosplit
func CPUsOnline() int { return int(atomic.LoadUint32(&online)) }

// CPUTicks returns how many timer interrupts CPU id has taken.
//
//go:nosplit
func CPUTicks(id uint32) uint64 {
	switch {
	case id == 0:
		return Ticks()
	case id >= x86.MaxCPUs:
		return 0
	}
	return atomic.LoadUint64(&cpuTicks[id])
}

// apStart is x86.APStart: it runs on an application processor with
// interrupts disabled, starts its local APIC and periodic timer at the
// boot CPU's rate, and marks it online.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func apStart(c *x86.CPU) {
	x86.Local.InitAP(VectorSpurious)
	count := lapicHz / TimerHz
	if count == 0 {
		count = 1
	}
	x86.Local.TimerPeriodic(VectorTimer, uint32(count))
	atomic.AddUint32(&online, 1)
	c.SetOnline()
}

// apTrap serves every trap on an application processor: timer ticks are
// counted, an exception is fatal (nothing but the idle loop runs there).
// Trap path: nosplit, no allocation.
//
//go:nosplit
func apTrap(id uint32, f *x86.Frame) {
	v := f.Vector
	switch {
	case v == VectorTimer:
		x86.Local.EOI()
		atomic.AddUint64(&cpuTicks[id], 1)
	case v < 32:
		Fatal(f, "exception on an application processor")
	case v == VectorSpurious:
	default:
		x86.Local.EOI()
	}
}

// stopOthers halts every other CPU (NMI) before a fatal dump.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func stopOthers() {
	if atomic.LoadUint32(&online) > 1 {
		x86.Local.SendNMIAllButSelf()
	}
}

// haltForever parks a CPU that was told to stop.
//
//go:nosplit
func haltForever() {
	for {
		x86.DisableInterrupts()
		x86.Halt()
	}
}
