package x86

// TrapHandler receives every trap, interrupt and SYSCALL with interrupts
// disabled, on a trap stack, with the interrupted state in f and its
// x87/SSE state in fx. It may rewrite both (to return a value, deliver a
// signal or switch to another thread). It must be trap-path code: nosplit,
// allocation-free, storing no Go pointers. Set before interrupts are
// enabled.
var TrapHandler func(f *Frame, fx *FXArea)

// dispatch is called by trapCommon.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func dispatch(f *Frame, fx *FXArea) {
	h := TrapHandler
	if h == nil {
		noHandler(f)
		return
	}
	h(f, fx)
}

// noHandler reports a trap taken before the kernel installed its handler
// and stops the machine.
//
//go:nosplit
func noHandler(f *Frame) {
	SerialPuts("beryl: trap before handler: vector=")
	SerialPutHex(f.Vector)
	SerialPuts(" rip=")
	SerialPutHex(f.RIP)
	SerialPuts(" cr2=")
	SerialPutHex(ReadCR2())
	SerialPuts("\n")
	Stop(ExitPanic)
}

// syscallEntry is the SYSCALL target (trap_amd64.s).
func syscallEntry()

// trapCommon is the shared trap path (trap_amd64.s).
func trapCommon()

// trapKernel is the trap path for frames from ring 0.
func trapKernel()

// enterFrame loads f and fx and IRETQs into them; it does not return.
func enterFrame(f *Frame, fx *FXArea)

// vectorAddr returns the address of IDT stub v (vectors_amd64.s).
func vectorAddr(v uintptr) uintptr

// syscallEntryAddr returns the address of syscallEntry.
func syscallEntryAddr() uintptr

// IdleLoopPC returns the address of IdleLoop, the RIP of an idle context.
func IdleLoopPC() uintptr
