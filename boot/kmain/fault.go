package kmain

import (
	"runtime"

	"beryl/arch/x86"
	"beryl/kernel/rt"
)

func init() { rt.Symbolizer = symbolize }

// symbolize names pc from the kernel's own pclntab for the fault dump.
// For return addresses the call instruction (pc-1) gives the line.
func symbolize(pc uint64, ret bool) (string, string, int) {
	fn := runtime.FuncForPC(uintptr(pc))
	if fn == nil {
		return "", "", 0
	}
	at := uintptr(pc)
	if ret {
		at--
	}
	file, line := fn.FileLine(at)
	return fn.Name(), file, line
}

// deliberateFault executes UD2 outside any goroutine's recovery: with
// interrupts disabled the fault cannot become a signal, so the kernel
// prints its fault dump and stops (test.fault option).
//
//go:noinline
func deliberateFault() {
	x86.DisableInterrupts()
	x86.UD2()
}
