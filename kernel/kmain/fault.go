package kmain

import "beryl/arch/x86"

// deliberateFault executes UD2 outside any goroutine's recovery: with
// interrupts disabled the fault cannot become a signal, so the kernel
// prints its fault dump and stops (test.fault option).
func deliberateFault() {
	x86.DisableInterrupts()
	x86.UD2()
}
