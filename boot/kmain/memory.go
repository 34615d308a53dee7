package kmain

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"beryl/kernel/klog"
	"beryl/kernel/options"
	"beryl/mm/kmem"
)

// Reserve sizing: an eighth of managed RAM, within these bounds (pages).
const (
	minReservePages = 8 << 8  // 8 MiB
	maxReservePages = 64 << 8 // 64 MiB
)

// reclaimPeriod is how often the reclaimer looks at free memory; under
// pressure it also bounds how long the Go heap can grow unchecked.
const reclaimPeriod = 20 * time.Millisecond

// reserveFor returns the kernel's reserve in pages for total managed
// pages and the mem.reserve option (MiB, 0 = automatic); it never exceeds
// half of RAM.
func reserveFor(total uint64, mib int) uint64 {
	r := min(max(total/8, minReservePages), maxReservePages)
	if mib > 0 {
		r = uint64(mib) << 8
	}
	return min(r, total/2)
}

// setupMemory sets the kernel's memory reserve and starts the reclaimer.
//
// User memory (VMO pages, user page tables) stops short of the reserve
// (kmem.AllocUser), and calls that grow kernel memory for a user stop at
// half of it (kmem.GateOK, the spec's alloc calls, mmap and clone). The
// kernel's own Go heap, page tables and stacks may use all of it; what
// keeps the heap inside is the reclaimer below.
func setupMemory(opts options.Options) {
	f := kmem.Lock()
	total, _, _ := kmem.Stats()
	r := reserveFor(total, opts.MemReserve)
	kmem.SetReserve(r)
	kmem.Unlock(f)
	klog.Infof("mem", "kernel reserve %d MiB of %d MiB (user memory stops there, new kernel objects at half)", r>>8, total>>8)
	go reclaim()
}

// reclaim keeps the kernel's Go heap inside physical memory once free
// memory is near or below the reserve. The Go runtime's collector paces itself
// on heap growth (GOGC), not on free physical pages, so under pressure
// the reclaimer gives it a memory limit of what it has mapped plus what
// is still free (less an eighth of the reserve for page tables and
// stacks), and collects and returns freed heap pages
// (debug.FreeOSMemory) at most every 250 ms and once more when free
// memory is back above the reserve: pages the heap freed but kept would
// otherwise keep user memory and the allocation gate shut after the
// process that used them is gone.
func reclaim() {
	samples := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	limited := false
	var lastFree time.Time
	for range time.Tick(reclaimPeriod) {
		f := kmem.Lock()
		_, free, _ := kmem.Stats()
		kmem.Unlock(f)
		res := kmem.Reserve()
		// Pressure starts an eighth above the reserve, so that a user
		// holding all it could commit (free memory at the reserve) is
		// an episode too.
		if free >= res+res/8 {
			if limited {
				// The episode is over: lift the limit and give back,
				// once, what the heap grew by during it (the runtime's
				// own scavenger would take minutes).
				debug.SetMemoryLimit(math.MaxInt64)
				debug.FreeOSMemory()
				limited = false
			}
			continue
		}
		metrics.Read(samples)
		mapped := samples[0].Value.Uint64() - samples[1].Value.Uint64()
		var headroom uint64
		if margin := res / 8; free > margin {
			headroom = (free - margin) * kmem.PageSize
		}
		debug.SetMemoryLimit(int64(mapped + headroom))
		limited = true
		if time.Since(lastFree) >= 250*time.Millisecond {
			debug.FreeOSMemory()
			lastFree = time.Now()
		}
	}
}
