package rt

import (
	"sync/atomic"
	"syscall"

	"beryl/arch/x86"
	"beryl/mm/kmem"
)

// Application processors come up with their own descriptor tables,
// stacks, per-CPU area and LAPIC timer. With smp=off they only count
// their ticks and idle (HLT with interrupts on), and HandleTrap sends
// their traps to apTrap before anything else. With smp=on (the default:
// EnableSMP before they start) each has an idle context in the thread
// table and takes part in scheduling like the boot CPU: every CPU picks
// runnable threads from the one shared table under x86.TrapLock, a
// thread made runnable kicks an idle CPU with VectorResched, and TLB
// shootdowns reach every CPU.

// VectorResched is the reschedule IPI: an idle CPU looks for work.
const VectorResched = 0xF0

var (
	// online counts CPUs that take interrupts (the boot CPU once
	// EarlyInit has run).
	online uint32
	// cpuTicks counts timer interrupts per CPU.
	cpuTicks [x86.MaxCPUs]uint64
	// onlineAt is, per CPU, the monotonic time it came up; idleNs the
	// time it spent in its idle context up to idleSince, when it last
	// entered it (the time since counts too while it is there).
	onlineAt  [x86.MaxCPUs]int64
	idleNs    [x86.MaxCPUs]int64
	idleSince [x86.MaxCPUs]int64
	// smpOn says application processors run threads.
	smpOn bool
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
	if smpOn {
		// The CPU's idle context is what it runs now (apEntry64's idle
		// loop); its frame is saved when it first switches away.
		x86.TrapLock.Lock()
		id := int32(c.ID)
		t := &threads[id]
		t.state = tsRunning
		t.fsBase = x86.Rdmsr(x86.MSRFSBase)
		t.lastCPU = c.ID
		curOf[id] = id
		loadedFSOf[id] = t.fsBase
		idleSince[id] = Nanotime()
		if n := int(c.ID) + 1; n > x86.ShootdownCPUs() {
			x86.SetShootdownCPUs(n)
		}
		x86.TrapLock.Unlock()
	}
	x86.Local.InitAP(VectorSpurious)
	count := lapicHz / TimerHz
	if count == 0 {
		count = 1
	}
	x86.Local.TimerPeriodic(VectorTimer, uint32(count))
	onlineAt[c.ID] = Nanotime()
	if !smpOn {
		idleSince[c.ID] = onlineAt[c.ID]
	}
	atomic.AddUint32(&online, 1)
	c.SetOnline()
}

// CPUTimes returns how long CPU id has been busy (running threads) and
// idle (in its idle context: halted or about to halt) since it came up.
func CPUTimes(id uint32) (busyNs, idleTotalNs int64) {
	if id >= uint32(CPUsOnline()) {
		return 0, 0
	}
	now := Nanotime()
	idle := atomic.LoadInt64(&idleNs[id])
	if id != 0 && !smpOn || isIdle(curOf[id]) {
		idle += now - idleSince[id]
	}
	total := now - onlineAt[id]
	if idle > total {
		idle = total
	}
	return total - idle, idle
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

// EnableSMP makes the application processors that start from now on run
// threads (smp=on). Called on the boot CPU before any starts.
func EnableSMP() { smpOn = true }

// SMP reports whether application processors run threads.
//
//go:nosplit
func SMP() bool { return smpOn }

// SchedCPUs returns the number of CPUs that run threads: what
// sched_getaffinity reports, so the count the Go runtime's GOMAXPROCS
// follows.
//
//go:nosplit
func SchedCPUs() int {
	if !smpOn {
		return 1
	}
	return CPUsOnline()
}

// kickIdle sends a reschedule IPI to one idle CPU other than this one, so
// that a thread made runnable does not wait for its tick. Called with
// x86.TrapLock held.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func kickIdle() {
	if !smpOn {
		return
	}
	me := x86.ThisCPUID()
	n := uint32(CPUsOnline())
	for id := uint32(0); id < n; id++ {
		if id != me && isIdle(curOf[id]) {
			if c := x86.CPUByID(id); c != nil && c.IsOnline() {
				x86.Local.SendIPI(c.APICID, VectorResched)
				return
			}
		}
	}
}

// kickIdleIn sends a reschedule IPI to one idle CPU of mask other than
// this one, so that a thread that may run only there is picked up before
// their next tick. Called with x86.TrapLock held.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func kickIdleIn(mask uint64) {
	me := x86.ThisCPUID()
	n := uint32(CPUsOnline())
	for id := uint32(0); id < n; id++ {
		if id != me && mask&(1<<id) != 0 && isIdle(curOf[id]) {
			if c := x86.CPUByID(id); c != nil && c.IsOnline() {
				x86.Local.SendIPI(c.APICID, VectorResched)
				return
			}
		}
	}
}

// SetAffinity restricts the calling kernel thread to the CPUs in mask
// (bit n: CPU n; 0: any) and, when the CPU it runs on is not one of
// them, moves it to one (a sched_yield: the scheduler runs it only on
// its CPUs) before it returns. The caller has locked its goroutine to
// its thread (runtime.LockOSThread) for as long as the mask matters. A
// mask that names no CPU that runs threads means any.
func SetAffinity(mask uint64) {
	if mask&cpuMask(SchedCPUs()) == 0 {
		mask = 0
	}
	f := kmem.Lock()
	threads[curIdx()].allowed = mask
	move := mask != 0 && mask&(1<<x86.ThisCPUID()) == 0
	kmem.Unlock(f)
	if move {
		syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0)
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
