// Package zxsys is Beryl's zx system-call layer: the dispatcher and one
// handler per syscall (one family per file) that validates arguments,
// copies user memory through the Caller and calls the object core
// (beryl/kernel/object), mm/vm (VMOs, VMARs) and kernel/proc (processes,
// threads).
//
// The syscalls are declared in spec.txt; tools/zxgen generates the
// dispatch table (table_gen.go), whose typed wrappers decode the eight
// argument registers and call the handlers, methods of *Dispatcher. Run
// `go generate` in this directory after editing spec.txt;
// TestGeneratedFilesFresh fails while a generated file is stale.
//
// # The path of a system call
//
//  1. A user thread executes SYSCALL; arch/x86's entry (trap_amd64.s)
//     saves its registers and x86.EnterUser returns to the thread's kernel
//     goroutine.
//  2. kernel/proc's thread loop (Thread.run, Thread.syscall) sends RAX <
//     Base to the Linux personality and the rest to its Syscalls value:
//     the *Dispatcher boot/kmain built and passed to proc.SetSyscalls.
//  3. Dispatcher.Syscall → Dispatch indexes Table (ZX_ERR_BAD_SYSCALL
//     outside it, ZX_ERR_NO_MEMORY for alloc calls under memory pressure);
//     the entry's Fn decodes the registers.
//  4. The handler (d.sysVmoCreate, ...) runs on the thread's goroutine and
//     may block as ordinary Go; its result goes back to RAX.
//
// zx numbers are Base (0x1000) + index; Linux numbers are below 0x200. The
// x86-64 convention is Zircon's: number in RAX, arguments in RDI, RSI, RDX,
// R10, R8, R9, R12, R13, result in RAX; RCX and R11 are clobbered by
// SYSCALL/SYSRET, every other register is preserved.
//
// Host tests implement Caller over a byte slice and an mm/vm address
// space on host fakes, and call Dispatch directly.
//
// # User memory
//
// Handlers reach user memory only through Caller.CopyIn/CopyOut, which fail
// with ZX_ERR_INVALID_ARGS for any bad address. Before changing any state a
// handler checks every pointer it will write through (probe), so a bad
// pointer returns ZX_ERR_INVALID_ARGS with nothing changed; if a final
// copy-out still fails (another thread unmapped the memory meanwhile), the
// handles the call created are closed again.
//
// # Lock order
//
// The package holds no lock of its own across calls into kernel/object,
// mm/vm or kernel/proc. Caller methods are called with no lock held, except the futex value
// read, which runs under the process's futex-context lock so that wait
// and wake are atomic (as Zircon's futex_wait requires).
package zxsys

//go:generate go run beryl/tools/zxgen -root ..

import (
	"beryl/kernel/object"
	"beryl/kernel/proc"
	"beryl/mm/kmem"
	"beryl/mm/vm"
)

// Base is the first zx syscall number (Linux numbers are below 0x200).
const Base = 0x1000

// UserPtr is a user-space address as passed in a register.
type UserPtr uint64

// Caller is the calling user thread: the one interface between the
// handlers and the thread machinery. *proc.Thread implements it in the
// kernel; host tests implement it over a byte slice and a host vm.Env.
type Caller interface {
	// Process returns the calling process.
	Process() *object.Process
	// AddressSpace returns the calling process's address space: its root
	// VMAR, its page counts, and the vm.Env new VMOs and processes are
	// built in.
	AddressSpace() *vm.AddressSpace
	// CopyIn copies len(dst) bytes from user address uaddr. It returns
	// ZX_ERR_INVALID_ARGS (and may have copied part) if any byte is not
	// mapped readable in the caller's address space, is in the kernel half
	// or is non-canonical. It never faults the kernel.
	CopyIn(dst []byte, uaddr uint64) object.Status
	// CopyOut copies src to user address uaddr, with CopyIn's rules for
	// writable memory.
	CopyOut(uaddr uint64, src []byte) object.Status
	// ThreadKoid is the calling thread's koid (debuglog records carry it).
	ThreadKoid() object.Koid
	// Killed is closed when the calling thread must stop (task_kill of
	// the thread or of its process): every call that blocks (nanosleep,
	// futex_wait, object_wait_one and _many, port_wait, channel_call,
	// interrupt_wait) then returns ZX_ERR_INTERNAL_INTR_KILLED and the
	// thread ends on its way out.
	Killed() <-chan struct{}
	// TakeStartupHandle returns, once, the handle value process_start
	// passed to the calling process as arg1 (HandleInvalid if none or
	// already taken): beryl_startup_handle.
	TakeStartupHandle() object.Handle
	// ExitThread makes the calling thread end when the call returns
	// (thread_exit); it does not return to user mode.
	ExitThread()
	// SetIOPorts allows (allow) or denies the calling process the I/O
	// ports [base, base+n) (base+n <= 65536): ioports_request/release.
	SetIOPorts(base, n uint32, allow bool)
}

// Dispatcher is the zx system-call entry: boot/kmain builds one and hands
// it to kernel/proc (proc.SetSyscalls), whose thread loop calls Syscall
// for every zx number. Handlers are its methods. The zero value serves
// every call; only beryl_kernel_stats's machine-wide numbers need Stats.
type Dispatcher struct {
	// Stats fills the numbers of beryl_kernel_stats that only the
	// kernel's main package knows (pages, CPUs, processes); nil leaves
	// them 0.
	Stats func(s *KernelStats)
	// Power holds the machine's reset and power-off paths for
	// system_powerctl (nil functions: not possible here).
	Power PowerOps
	// IRQ builds the hardware lines of interrupt objects (boot/kmain:
	// I/O APIC GSIs, MSI vectors); nil fields: not on this machine.
	IRQ IRQOps
	// Ticks and TicksPerSecond are the tick counter of ticks_get and its
	// rate (the TSC); nil, or a rate of 0, makes ticks nanoseconds of the
	// monotonic clock.
	Ticks          func() int64
	TicksPerSecond func() int64
	// SchedCPUs is the number of CPUs that run threads (CPUs 0 to n-1):
	// ZX_INFO_THREAD's affinity mask; nil means one.
	SchedCPUs func() int
}

// HandleArg describes a handle argument of a syscall (for checks and docs).
type HandleArg struct {
	Index    int            // argument position
	Name     string         // argument name in spec.txt
	Type     object.ObjType // required type, ObjTypeNone if any
	Rights   object.Rights  // rights always required
	Checked  bool           // Rights is the complete requirement
	Consumed bool           // the handle is consumed by the call
}

// Entry is one dispatch table entry.
type Entry struct {
	Num      uint64
	Name     string
	NArgs    int
	Blocking bool
	NoReturn bool
	// Alloc: the call grows kernel memory for the caller; Dispatch fails
	// it with ZX_ERR_NO_MEMORY while kmem.GateOK is false.
	Alloc   bool
	Handles []HandleArg
	// Fn decodes the argument registers and runs the handler.
	Fn func(d *Dispatcher, c Caller, a *[8]uint64) int64
}

// Dispatch runs zx syscall num with the argument registers args (RDI, RSI,
// RDX, R10, R8, R9, R12, R13 in that order) for the calling thread c and
// returns the value for RAX: a zx_status_t (sign-extended), or the time
// for clock_get_monotonic. Unknown numbers return ZX_ERR_BAD_SYSCALL.
func (d *Dispatcher) Dispatch(c Caller, num uint64, args *[8]uint64) int64 {
	i := num - Base
	if num < Base || i >= NumSyscalls {
		return int64(object.ErrBadSyscall)
	}
	e := &Table[i]
	if e.Alloc && !kmem.GateOK() {
		return int64(object.ErrNoMemory)
	}
	return e.Fn(d, c, args)
}

// Syscall is Dispatch for a kernel/proc user thread: the method the
// thread loop calls (proc.Syscalls).
func (d *Dispatcher) Syscall(t *proc.Thread, num uint64, args *[8]uint64) int64 {
	return d.Dispatch(t, num, args)
}

// Lookup returns the table entry for num, or nil.
func Lookup(num uint64) *Entry {
	i := num - Base
	if num < Base || i >= NumSyscalls {
		return nil
	}
	return &Table[i]
}
