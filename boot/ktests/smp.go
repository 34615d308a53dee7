package ktests

import (
	"time"

	"beryl/arch/x86"
	"beryl/kernel/ktest"
	"beryl/kernel/rt"
)

func init() {
	ktest.Register("smp/cpus-tick", testCPUsTick)
}

// Every CPU that came up is online, has its own APIC id and per-CPU
// area, and takes its own timer interrupts (which go through its IDT
// gate, TSS and trap stack): its tick count grows while the boot CPU
// sleeps.
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
	time.Sleep(200 * time.Millisecond)
	for i, c := range areas {
		d := rt.CPUTicks(c.ID) - before[i]
		t.Logf("cpu %d (APIC id %d): %d ticks in 200 ms", c.ID, c.APICID, d)
		if d < 20 {
			t.Errorf("cpu %d took %d timer interrupts in 200 ms", c.ID, d)
		}
	}
	if x86.ThisCPUID() != 0 {
		t.Errorf("kernel threads run on cpu %d", x86.ThisCPUID())
	}
}
