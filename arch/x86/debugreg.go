package x86

import "sync/atomic"

// Debug registers (SDM Vol. 3B §18.2): DR0-DR3 hold breakpoint linear
// addresses, DR7 arms them (§18.2.4) and DR6 reports the condition that
// raised a #DB (§18.2.3).
//
// They belong to user contexts and are switched where a context enters
// ring 3 (EnterUser), only for contexts that arm a breakpoint: a context
// whose Debug.DR7 is non-zero gets DR0-DR3 and DR7 loaded unless the CPU
// already holds them (CPU.dbgCtx and dbgGen name the context and the
// write they came from: a MOV to a debug register is slow, and under
// QEMU's TCG each one with a breakpoint armed flushes the translated
// code); one whose Debug.DR7 is 0 gets DR7 cleared only when the CPU
// still has another context's breakpoints armed (CPU.userDR7). A context
// that arms none, on a CPU where none is armed, costs two loads and a
// branch. Armed user breakpoints left in place while the kernel runs
// cannot fire in ring 0: the kernel reaches user memory through the
// direct map, never at user linear addresses, and I/O breakpoints need
// CR4.DE, which stays clear.
//
// A #DB from ring 3 leaves DR6 in the context (Debug.DR6) and resets the
// register, as the processor never clears its status bits itself.

// DebugRegs is a user context's debug-register state. Its offsets in
// UserContext are read by debugreg_amd64.s (checked by
// TestDebugRegsLayout).
type DebugRegs struct {
	// DR holds DR0-DR3, loaded when DR7 is non-zero.
	DR [4]uint64
	// DR7 is the value loaded into DR7 while the context runs; 0 when it
	// arms no breakpoint (no L0-L3 or G0-G3 bit set), and then no debug
	// register is loaded for it.
	DR7 uint64
	// DR6 is DR6 as the context's last #DB from ring 3 left it; 0 when
	// none came since it was last cleared.
	DR6 uint64
	// Gen names the write that set DR and DR7 (NextDebugGen): a CPU that
	// loaded the same context and Gen holds them still.
	Gen uint64
}

// debugGen numbers the writes of debug registers.
var debugGen atomic.Uint64

// NextDebugGen returns a number no earlier write of any context's
// DebugRegs used: set Debug.Gen to it with every change of DR or DR7.
func NextDebugGen() uint64 { return debugGen.Add(1) }

// DR6 and DR7 bits (SDM Vol. 3B §18.2.3, §18.2.4).
const (
	// DR6Fixed are DR6's bits that read as 1 (4-11 and 16-31; bit 16,
	// RTM, is 1 unless a #DB hit inside a transaction).
	DR6Fixed = 0xffff0ff0
	// DR7Enables are L0, G0, ..., L3, G3: DR7 arms a breakpoint only if
	// one of them is set.
	DR7Enables = 0xff
)

// switchDebugRegs is called by EnterUser, with interrupts disabled and
// the kernel's GS, when the context about to run (in BX) or the last one
// on this CPU arms a breakpoint: it loads DR0-DR3 and DR7 from the
// context unless the CPU holds them already, or clears DR7 when the
// context arms none. Register arguments; clobbers AX. Trap path:
// assembly, no allocation.
func switchDebugRegs()

// saveDebugStatus is called by userTrap on a #DB from ring 3: it copies
// DR6 into the trapped context and resets DR6 to its fixed bits.
// Register-only; clobbers AX and CX. Trap path: assembly, no allocation.
func saveDebugStatus()
