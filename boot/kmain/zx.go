package kmain

import (
	"runtime/metrics"

	"beryl/arch/x86"
	"beryl/kernel/object"
	"beryl/kernel/proc"
	"beryl/kernel/rt"
	"beryl/mm/kmem"
	zxsys "beryl/syscall"
)

// setupSyscalls builds the zx dispatcher and hands it to kernel/proc,
// whose thread loop calls it for every zx number (kernel packages may not
// import the syscall layer). It runs before any user program starts.
func setupSyscalls() {
	ticks := setupTicks()
	proc.SetSyscalls(&zxsys.Dispatcher{Stats: kernelStats, Power: zxsys.PowerOps{Reboot: Reboot, PowerOff: PowerOff},
		IRQ: zxsys.IRQOps{GSILine: newGSILine, AllocMSI: allocMSI, MSILine: msiLineFor},
		// ticks_get is the TSC, at the rate the kernel calibrated.
		Ticks:          ticks,
		TicksPerSecond: func() int64 { return int64(rt.TSCHz()) },
		SchedCPUs:      rt.SchedCPUs})
}

// setupTicks makes the TSC, offset so that it counts from the monotonic
// clock's zero, the tick counter of ticks_get and of clock objects: ticks
// scaled by 10^9/TSCHz then read as the monotonic clock, as Zircon's
// ticks and clock_get_monotonic do.
func setupTicks() func() int64 {
	hz := int64(rt.TSCHz())
	if hz <= 0 {
		object.SetTickSource(nil, 0)
		return object.Ticks
	}
	object.SetTickSource(func() int64 { return int64(x86.Rdtsc()) }, hz)
	toTicks := object.TicksToMono().Inverse()
	// The offset from the narrowest of a few TSC reads around the clock.
	var base, window int64 = 0, -1
	for i := 0; i < 8; i++ {
		a := int64(x86.Rdtsc())
		m := toTicks.Scale(int64(object.Now()))
		b := int64(x86.Rdtsc())
		if window < 0 || b-a < window {
			base, window = a+(b-a)/2-m, b-a
		}
	}
	read := func() int64 { return int64(x86.Rdtsc()) - base }
	object.SetTickSource(read, hz)
	return read
}

// kernelStats fills what only the kernel's main package knows for
// beryl_kernel_stats: pages, CPUs and their busy and idle time,
// processes.
func kernelStats(s *zxsys.KernelStats) {
	f := kmem.Lock()
	s.PagesTotal, s.PagesFree, s.PagesHeap = kmem.Stats()
	s.PagesUser, s.PagesReserve = kmem.UserPages(), kmem.Reserve()
	kmem.Unlock(f)
	s.CPUs = uint64(rt.CPUsOnline())
	for id := uint32(0); id < uint32(min(s.CPUs, zxsys.StatsCPUs)); id++ {
		busy, idle := rt.CPUTimes(id)
		s.CPUBusyNs[id], s.CPUIdleNs[id] = uint64(busy), uint64(idle)
	}
	s.Processes = uint64(proc.Live())
	gcs := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(gcs)
	if gcs[0].Value.Kind() == metrics.KindUint64 {
		s.KernelGCs = gcs[0].Value.Uint64()
	}
}
