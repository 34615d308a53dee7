package rt

import (
	"beryl/arch/x86"
	"beryl/mm/kmem"
)

// EarlyTraps makes the boot thread current and installs HandleTrap. It
// runs before the Go runtime: nosplit, no allocation.
//
//go:nosplit
func EarlyTraps() {
	initThreads()
	x86.TrapHandler = HandleTrap
	x86.APStart = apStart
}

// EarlyInit masks the legacy PICs, calibrates the TSC against the PIT,
// enables the local APIC and starts its timer at TimerHz, then enables
// interrupts. It runs before the Go runtime, after kmem.Setup: nosplit, no
// allocation.
//
//go:nosplit
func EarlyInit() {
	x86.PICDisable(VectorPICBase)
	calibrateTSC()
	x86.SetRealtimeOffset(readRTC())
	var mmio uintptr
	if !x86.HasX2APIC() {
		va, ok := kmem.MapMMIO(x86.LAPICPhysBase(), kmem.PageSize, false)
		if !ok {
			x86.SerialPuts("beryl: cannot map the local APIC\n")
			x86.Stop(x86.ExitPanic)
		}
		mmio = va
	}
	x86.Local.Init(mmio, VectorSpurious)
	startTimer(TimerHz)
	x86.BootCPU.APICID = x86.Local.ID()
	x86.BootCPU.SetOnline()
	online = 1
	x86.EnableInterrupts()
}

// SetTimerHz reprograms the tick rate.
func SetTimerHz(hz uint64) {
	f := kmem.Lock()
	TimerHz = hz
	tickNs = int64(1e9 / hz)
	x86.SetUserTick(VectorTimer, 1e9/hz)
	x86.Local.TimerPeriodic(VectorTimer, uint32(lapicHz/hz))
	kmem.Unlock(f)
}
