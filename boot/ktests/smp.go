package ktests

import (
	"time"

	"beryl/arch/x86"
	"beryl/kernel/ktest"
	"beryl/kernel/rt"
	"beryl/mm/kmem"
)

func init() {
	ktest.Register("smp/cpus-tick", testCPUsTick)
	ktest.Register("smp/signal-frame-prepare", testPrepare)
}

// kmem.Prepare commits the demand-zero pages of a runtime-region range
// (what a signal frame written from an exception handler needs: a page
// fault there would reuse the exception stack), accepts mapped writable
// kernel memory, and refuses a reservation without pages and read-only
// text.
func testPrepare(t *ktest.T) {
	f := kmem.Lock()
	va, ok := kmem.ReserveHeap(4 * kmem.PageSize)
	if ok {
		ok = kmem.Commit(va, 4*kmem.PageSize, true, false)
	}
	kmem.Unlock(f)
	if !ok {
		t.Fatalf("cannot reserve and commit a heap range")
	}
	present := func(a uint64) bool { _, _, _, err := kmem.Kernel.Lookup(a); return err == nil }
	if present(va + kmem.PageSize) {
		t.Fatalf("a fresh demand-zero page is present")
	}
	f = kmem.Lock()
	got := kmem.Prepare(va+kmem.PageSize+100, 2*kmem.PageSize)
	kmem.Unlock(f)
	if !got || !present(va+kmem.PageSize) || !present(va+3*kmem.PageSize) || present(va) {
		t.Errorf("Prepare: %v; pages present %v %v %v %v, want false true true true", got, present(va), present(va+kmem.PageSize), present(va+2*kmem.PageSize), present(va+3*kmem.PageSize))
	}
	f = kmem.Lock()
	data := kmem.Prepare(kmem.DataAddr(&someData), 8)
	text := kmem.Prepare(uint64(x86.IdleLoopPC()), 8)
	kmem.Release(va, 4*kmem.PageSize)
	reserved, _ := kmem.ReserveHeap(kmem.PageSize)
	none := kmem.Prepare(reserved, 8)
	kmem.Unlock(f)
	if !data || text || none {
		t.Errorf("Prepare of kernel data %v (want true), text %v, a reservation without pages %v (want false)", data, text, none)
	}
}

// Every CPU that came up is online, has its own APIC id and per-CPU
// area, and takes its own timer interrupts (which go through its IDT
// gate, TSS and trap stack): its tick count grows while the boot CPU
// sleeps. The rate is irq/timer-rate's business: a loaded TCG host drops
// ticks of a vCPU it does not run.
func testCPUsTick(t *ktest.T) {
	n := rt.CPUsOnline()
	var areas []*x86.CPU
	for id := uint32(0); id < x86.MaxCPUs; id++ {
		if c := x86.CPUByID(id); c != nil {
			areas = append(areas, c)
		}
	}
	if len(areas) != n {
		t.Fatalf("%d CPU areas, %d CPUs online", len(areas), n)
	}
	seen := map[uint32]bool{}
	before := make([]uint64, n)
	for i, c := range areas {
		if c.ID != uint32(i) || !c.IsOnline() || seen[c.APICID] {
			t.Errorf("cpu %d: id %d online %v APIC id %d (duplicate %v)", i, c.ID, c.IsOnline(), c.APICID, seen[c.APICID])
		}
		seen[c.APICID] = true
		before[i] = rt.CPUTicks(c.ID)
	}
	t0 := time.Now()
	for i, c := range areas {
		for rt.CPUTicks(c.ID)-before[i] < 5 && time.Since(t0) < 5*time.Second {
			time.Sleep(10 * time.Millisecond)
		}
		d := rt.CPUTicks(c.ID) - before[i]
		t.Logf("cpu %d (APIC id %d): %d ticks in %v", c.ID, c.APICID, d, time.Since(t0).Round(time.Millisecond))
		if d < 5 {
			t.Errorf("cpu %d took %d timer interrupts in 5 s", c.ID, d)
		}
	}
	if !rt.SMP() && x86.ThisCPUID() != 0 {
		t.Errorf("kernel threads run on cpu %d with smp=off", x86.ThisCPUID())
	}
}
