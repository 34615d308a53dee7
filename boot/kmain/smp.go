package kmain

import (
	"time"

	"beryl/arch/x86"
	"beryl/kernel/klog"
	"beryl/kernel/options"
	"beryl/kernel/rt"
	"beryl/mm/kmem"
)

var (
	apStartPage uint64
	bootTables  uint64
)

// SetAPStart tells kmain where the application processors' start-up code
// goes (a free page below 1 MiB; 0: none) and where the boot page tables
// are (physical addresses, from package boot).
func SetAPStart(page, tables uint64) { apStartPage, bootTables = page, tables }

// AP start-up timing (SDM Vol. 3A §9.4.4.1): INIT, 10 ms, STARTUP, 200
// µs, STARTUP again if the processor has not answered; then up to
// apTimeout for it to come online (TCG on a loaded host is slow).
// Processors get their INIT together and their STARTUP one by one.
const (
	apInitDelay    = 10 * time.Millisecond
	apStartupDelay = 200 * time.Microsecond
	apTimeout      = 2 * time.Second
)

// startCPUs starts the application processors the MADT lists, one at a
// time, up to cpus= CPUs in all, and logs each. A processor that does not
// come up is reported and parked with INIT; the others go on.
func startCPUs(opts options.Options) {
	log := klog.For("smp")
	self := x86.Local.ID()
	defer func() { log.Infof("%d CPUs online", rt.CPUsOnline()) }()
	log.Infof("cpu 0: APIC id %d (boot CPU)", self)
	if Boot.MADT == nil {
		log.Infof("no MADT: one CPU")
		return
	}
	limit := opts.CPUs
	if limit == 0 || limit > x86.MaxCPUs {
		if limit > x86.MaxCPUs {
			log.Warnf("cpus=%d: at most %d CPUs are supported", limit, x86.MaxCPUs)
		}
		limit = x86.MaxCPUs
	}
	if opts.CPUs > len(Boot.MADT.LAPICIDs) {
		log.Infof("cpus=%d: the MADT lists %d", opts.CPUs, len(Boot.MADT.LAPICIDs))
	}
	if apStartPage == 0 || apStartPage >= 1<<20 {
		if len(Boot.MADT.LAPICIDs) > 1 {
			log.Warnf("no free page below 1 MiB for the start-up code: one CPU")
		}
		return
	}
	va := kmem.PhysToVirt(apStartPage)
	x86.SetupTrampoline(va, apStartPage, bootTables)
	var todo []uint32
	for _, apic := range Boot.MADT.LAPICIDs {
		switch {
		case apic == self:
		case len(todo)+1 >= limit:
			log.Infof("APIC id %d not started (cpus=%d)", apic, opts.CPUs)
		default:
			todo = append(todo, apic)
		}
	}
	if a := uint32(opts.TestAbsentCPU); a != 0 && a != self && len(todo)+1 < limit {
		log.Infof("test.absentcpu: also starting APIC id %d", a)
		todo = append(todo, a)
	}
	if len(todo) == 0 {
		return
	}
	// INIT every processor, wait once, then STARTUP them one at a time
	// (they share the trampoline's parameter block).
	for _, apic := range todo {
		sendInit(apic)
	}
	time.Sleep(apInitDelay)
	next := uint32(1)
	for _, apic := range todo {
		f := kmem.Lock()
		pa, err := kmem.Phys.AllocContig(uint64(x86.APMemSize)/kmem.PageSize, 1)
		kmem.Unlock(f)
		if err != nil {
			log.Warnf("APIC id %d not started: no memory for its stacks: %v", apic, err)
			continue
		}
		if ns, ok := startAP(va, pa, next, apic); ok {
			log.Infof("cpu %d: APIC id %d online in %d us", next, apic, ns/1000)
			next++
			continue
		}
		// Never free its memory: a processor that answers late would
		// still use it. INIT parks it in wait-for-SIPI.
		log.Warnf("APIC id %d did not start within %v; going on without it", apic, apTimeout)
	}
}

// sendInit and sendStartup send an IPI with kmem's lock held and
// interrupts off (the xAPIC ICR is written in two steps). Only nosplit
// calls may run under the lock: a preemption check in a function prologue
// could switch goroutines there, and the thread block holding it.
func sendInit(apic uint32) {
	f := kmem.Lock()
	x86.Local.SendInit(apic)
	kmem.Unlock(f)
}

func sendStartup(apic uint32) {
	f := kmem.Lock()
	x86.Local.SendStartup(apic, uint8(apStartPage>>12))
	kmem.Unlock(f)
}

// startAP sends STARTUP (twice if need be) to one processor that has had
// its INIT and waits for it to come online.
func startAP(va uintptr, pa uint64, id, apic uint32) (int64, bool) {
	c := x86.PrepareAP(va, kmem.PhysToVirt(pa), id, apic, kmem.Kernel.Root)
	t0 := rt.Nanotime()
	sendStartup(apic)
	time.Sleep(apStartupDelay)
	if !c.IsOnline() {
		sendStartup(apic)
	}
	for !c.IsOnline() {
		if time.Duration(rt.Nanotime()-t0) > apTimeout {
			sendInit(apic)
			return 0, false
		}
		time.Sleep(50 * time.Microsecond)
	}
	return rt.Nanotime() - t0, true
}
