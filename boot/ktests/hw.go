package ktests

import (
	"sort"
	"time"

	"beryl/arch/x86"
	"beryl/boot/kmain"
	"beryl/kernel/console"
	"beryl/kernel/ktest"
	"beryl/kernel/rt"
	"beryl/mm/kmem"
	"beryl/mm/pagetable"
)

func init() {
	ktest.Register("irq/timer-rate", testTimerRate)
	ktest.Register("irq/serial-input", testSerialInput)
	ktest.Register("mm/kernel-wx", testWX)
	ktest.Register("mm/lower-half-unmapped", testLowerHalf)
	ktest.Register("boot/info", testBootInfo)
	ktest.Register("time/tsc-vs-timer", testClock)
	ktest.Register("time/tsc-vs-acpi-pm-timer", testClockPMTimer)
	ktest.Register("cpu/smep-smap", testSMEP)
	ktest.Register("cpu/getrandom", testGetrandom)
}

// The LAPIC timer ticks at the configured rate within ±5 %, measured
// against the TSC over five 100 ms windows. The best window counts: a
// TCG guest that loses the host CPU for a while loses the ticks that
// fell due meanwhile (QEMU coalesces them), so a loaded host only lowers
// a window's count, never raises it; a wrongly programmed timer is off
// in every window.
func testTimerRate(t *ktest.T) {
	var ratio [5]float64
	for i := range ratio {
		t0, k0 := rt.Nanotime(), rt.Ticks()
		time.Sleep(100 * time.Millisecond)
		t1, k1 := rt.Nanotime(), rt.Ticks()
		ratio[i] = float64(k1-k0) / (float64(rt.TimerHz) * float64(t1-t0) / 1e9)
	}
	r := ratio
	sort.Float64s(r[:])
	t.Logf("ticks/expected per window %.3f (best %.3f) at %d Hz", ratio, r[4], rt.TimerHz)
	if r[4] < 0.95 || r[4] > 1.05 {
		t.Errorf("tick rate off by more than 5%% in the best window: ratio %.3f", r[4])
	}
}

// The host injects "Z" on the serial line once it sees this test start;
// the byte must arrive through the IRQ path. (It may arrive before this
// function runs: the ring buffer is only ever filled by the interrupt
// handler, so at least one serial IRQ must have been counted by then.)
func testSerialInput(t *ktest.T) {
	done := make(chan byte, 1)
	go func() { done <- console.ReadByte() }()
	select {
	case c := <-done:
		if c != 'Z' {
			t.Errorf("read %q, want 'Z'", c)
		}
		if console.IRQs() == 0 {
			t.Errorf("byte arrived without a serial interrupt")
		}
		t.Logf("received %q; %d serial IRQs so far", c, console.IRQs())
	case <-time.After(20 * time.Second):
		t.Fatalf("no serial input within 20 s (IRQs: %d)", console.IRQs())
	}
}

var someData = []int{1, 2, 3}

// The kernel image is mapped W^X: text RX, data RW and NX.
func testWX(t *ktest.T) {
	text := uint64(x86.IdleLoopPC())
	_, fl, _, err := kmem.Kernel.Lookup(text)
	if err != nil || fl&pagetable.Writable != 0 || fl&pagetable.NoExecute != 0 {
		t.Errorf("text %#x flags %#x err %v: want RX", text, fl, err)
	}
	data := kmem.DataAddr(&someData)
	_, fl, _, err = kmem.Kernel.Lookup(data)
	if err != nil || fl&pagetable.Writable == 0 || fl&pagetable.NoExecute == 0 {
		t.Errorf("data %#x flags %#x err %v: want RW NX", data, fl, err)
	}
	if _, _, _, err := kmem.Kernel.Lookup(kmem.DirectMapBase + 0x100000); err != nil {
		t.Errorf("direct map missing: %v", err)
	}
}

func testLowerHalf(t *ktest.T) {
	for _, va := range []uint64{0, 0x1000, 0x200000, 0x7fff_ffff_f000} {
		if _, _, _, err := kmem.Kernel.Lookup(va); err == nil {
			t.Errorf("%#x is mapped in the kernel address space", va)
		}
	}
}

func testBootInfo(t *ktest.T) {
	b := kmain.Boot
	if b.Info == nil || len(b.Info.MemMap) == 0 {
		t.Fatalf("no memory map")
	}
	if b.MADT == nil || len(b.MADT.IOAPICs) == 0 || len(b.IOAPICs) == 0 {
		t.Fatalf("no I/O APIC found through the MADT")
	}
	total, free, _ := kmem.Stats()
	t.Logf("%s, %d regions, %d MiB managed, %d MiB free", b.Info.Protocol, len(b.Info.MemMap), total>>8, free>>8)
	if free == 0 || free > total {
		t.Errorf("free %d of %d pages", free, total)
	}
}

// The TSC clock and the PIT-independent LAPIC tick agree.
func testClock(t *ktest.T) {
	a := rt.Nanotime()
	b := rt.Nanotime()
	if b < a {
		t.Fatalf("monotonic clock went backwards: %d then %d", a, b)
	}
	if hz := rt.TSCHz(); hz < 100e6 || hz > 10e9 {
		t.Errorf("implausible TSC frequency %d", hz)
	}
}

// The calibrated TSC agrees with the ACPI PM timer (a fixed 3.579545 MHz
// clock that every ACPI PC has, with or without PIT and HPET) within 5 %
// over 50 ms windows, median of three.
func testClockPMTimer(t *ktest.T) {
	f := kmain.Boot.FADT
	if f == nil || f.PMTimer == 0 {
		t.Fatalf("no ACPI PM timer on this machine (FADT %+v)", f)
	}
	t.Logf("clock source %s, TSC %d Hz", rt.ClockSource(), rt.TSCHz())
	var r [3]float64
	for i := range r {
		ticks := x86.PMTimerMeasureTSC(uint16(f.PMTimer), f.PMTimer32, 50)
		r[i] = float64(ticks) / (float64(rt.TSCHz()) * 0.05)
	}
	sort.Float64s(r[:])
	t.Logf("TSC ticks / expected per 50 ms of PM timer: %.3f", r)
	if r[1] < 0.95 || r[1] > 1.05 {
		t.Errorf("TSC rate off by more than 5%% against the PM timer: median ratio %.3f", r[1])
	}
}

// SMEP and SMAP are on whenever the CPU has them (the boot tests run QEMU
// with -cpu max, which offers both under TCG): the kernel reaches user
// memory only through its direct map.
func testSMEP(t *ktest.T) {
	_, ebx, _, _ := x86.Cpuid(7, 0)
	cr4 := x86.ReadCR4()
	if ebx&(1<<7) == 0 || ebx&(1<<20) == 0 {
		t.Fatalf("this CPU lacks SMEP or SMAP (CPUID.7:EBX %#x): boot with -cpu max", ebx)
	}
	if cr4&x86.CR4SMEP == 0 || cr4&x86.CR4SMAP == 0 {
		t.Errorf("CR4 %#x: SMEP or SMAP off", cr4)
	}
}
