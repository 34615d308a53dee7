package rt

import (
	"unsafe"

	"beryl/arch/x86"
	"beryl/mm/kmem"
)

// canSymbolize reports whether the fault dump may call the Symbolizer,
// ordinary Go code whose stack-split prologues compare SP with the
// stack guard of the goroutine that was running (g, at FS:-8; its
// stack.lo is the first word of the runtime's g). The dump runs on the
// trap stack: an application processor's lies below the goroutine
// stacks, so the first prologue took it for an overflow and the runtime
// died in the middle of the dump ("split stack overflow"). There, and
// when no goroutine is running, the dump prints bare addresses, which
// tools/symbolize names on the host. It does so too while other CPUs
// run threads (smp=on): runtime.FuncForPC allocates for an inlined frame,
// and a CPU the dump has stopped may hold the heap (a dump at -smp 4 hit
// a nested fault in runtime.main's frame).
// Trap path: nosplit, no allocation.
//
//go:nosplit
func canSymbolize() bool {
	if smpOn && CPUsOnline() > 1 {
		return false
	}
	fs := x86.Rdmsr(x86.MSRFSBase)
	if fs < 8 || !kmem.Readable(fs-8) {
		return false
	}
	gp := *(*uint64)(ptr(fs - 8))
	if gp == 0 || !kmem.Readable(gp) || !kmem.Readable(gp+7) {
		return false
	}
	var here byte
	return uint64(uintptr(unsafe.Pointer(&here))) >= *(*uint64)(ptr(gp))
}
