// Package zxsys is Beryl's zx system-call layer: the dispatcher the trap
// path calls for zx numbers, and one handler per syscall (one family per
// file) that validates arguments, copies user memory through the Caller and
// calls the object core (beryl/kernel/object).
//
// The syscalls are declared in spec.txt; tools/zxgen generates the
// dispatch table (table_gen.go), whose typed wrappers decode the eight
// argument registers and call the handlers here. Run `go generate` in this
// directory after editing spec.txt; TestGeneratedFilesFresh fails while a
// generated file is stale.
//
// # Wiring into the trap path
//
// zx numbers are Base (0x1000) + index; Linux numbers are below 0x200, so
// the kernel's syscall entry routes RAX >= Base here and the rest to the
// Linux personality. The x86-64 convention is Zircon's: number in RAX,
// arguments in RDI, RSI, RDX, R10, R8, R9, R12, R13, result in RAX; RCX and
// R11 are clobbered by SYSCALL/SYSRET, every other register is preserved.
// The entry code fills args in that order and calls Dispatch on the kernel
// goroutine that backs the user thread (handlers block as ordinary Go).
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
// The package holds no lock of its own across calls into kernel/object.
// Caller methods are called with no lock held, except the futex value
// read, which runs under the process's futex-context lock so that wait
// and wake are atomic (as Zircon's futex_wait requires).
package zxsys

//go:generate go run beryl/tools/zxgen -root ..

import (
	"sync/atomic"

	"beryl/kernel/object"
	"beryl/mm/kmem"
)

// Base is the first zx syscall number (Linux numbers are below 0x200).
const Base = 0x1000

// UserPtr is a user-space address as passed in a register.
type UserPtr uint64

// Caller is the calling user thread, implemented by the ring-3 machinery.
//
// It is an alias of an unnamed interface type on purpose: kernel packages
// may not import this one (dependency rule boot → syscall → kernel), yet
// they implement Caller and TaskOps. A kernel package spells the same
// interface literal (or its own alias of it) in its TaskOps methods, and
// the types are identical.
type Caller = interface {
	// Process returns the calling process.
	Process() *object.Process
	// CopyIn copies len(dst) bytes from user address uaddr. It returns
	// ZX_ERR_INVALID_ARGS (and may have copied part) if any byte is not
	// mapped readable in the caller's address space, is in the kernel half
	// or is non-canonical. It never faults the kernel.
	CopyIn(dst []byte, uaddr uint64) object.Status
	// CopyOut copies src to user address uaddr, with CopyIn's rules for
	// writable memory.
	CopyOut(uaddr uint64, src []byte) object.Status
}

// UserChecker is optionally implemented by a Caller that can check a user
// range without copying; handlers then probe output buffers with it instead
// of a read-and-write-back round trip.
type UserChecker interface {
	// CheckUser returns ZX_OK if [uaddr, uaddr+n) is mapped readable (and
	// writable if write), ZX_ERR_INVALID_ARGS otherwise.
	CheckUser(uaddr, n uint64, write bool) object.Status
}

// Killable is optionally implemented by a Caller whose thread can be
// killed while blocked in futex_wait or nanosleep: Killed is closed when
// the thread must exit, and the call returns ZX_ERR_INTERNAL_INTR_KILLED.
type Killable interface {
	Killed() <-chan struct{}
}

// ThreadIdentity is optionally implemented by a Caller to report the
// calling thread's koid (debuglog records carry it).
type ThreadIdentity interface {
	ThreadKoid() object.Koid
}

// TaskOps is implemented by the user-mode engineer (address spaces, VMOs,
// VMARs, processes, threads) and installed with SetTaskOps. Handlers in
// this package have already decoded the arguments, copied in names and
// probed every out-pointer they write (handles, sizes, addresses); the
// methods get user pointers only for bulk data (VMO read/write buffers and
// vmo_op_range's buffer), which they copy through c. Each method resolves
// its handles itself, with Zircon's gate order (BAD_HANDLE, WRONG_TYPE,
// ACCESS_DENIED) and the rights listed in spec.txt. Handles a method
// returns are already installed in c.Process()'s table; if the handler
// then fails to copy them out it closes them.
//
// Only builtin and kernel/object types appear in the method set, so a
// kernel package can implement it without importing this one; user
// addresses are plain uint64. Until SetTaskOps is called those syscalls
// return ZX_ERR_NOT_SUPPORTED.
type TaskOps interface {
	VmoCreate(c Caller, size uint64, options uint32) (object.Handle, object.Status)
	VmoRead(c Caller, vmo object.Handle, buffer, offset, size uint64) object.Status
	VmoWrite(c Caller, vmo object.Handle, buffer, offset, size uint64) object.Status
	VmoGetSize(c Caller, vmo object.Handle) (uint64, object.Status)
	VmoSetSize(c Caller, vmo object.Handle, size uint64) object.Status
	VmoOpRange(c Caller, vmo object.Handle, op uint32, offset, size, buffer, bufferSize uint64) object.Status

	VmarAllocate(c Caller, parent object.Handle, options uint32, offset, size uint64) (child object.Handle, addr uint64, st object.Status)
	VmarMap(c Caller, vmar object.Handle, options uint32, vmarOffset uint64, vmo object.Handle, vmoOffset, length uint64) (addr uint64, st object.Status)
	VmarUnmap(c Caller, vmar object.Handle, addr, length uint64) object.Status
	VmarProtect(c Caller, vmar object.Handle, options uint32, addr, length uint64) object.Status
	VmarDestroy(c Caller, vmar object.Handle) object.Status

	// ProcessCreate creates a process and its root VMAR in job; name is
	// already copied in and truncated to ZX_MAX_NAME_LEN-1 bytes.
	ProcessCreate(c Caller, job object.Handle, name string, options uint32) (proc, vmar object.Handle, st object.Status)
	// ProcessStart starts proc's first thread; arg1 is consumed (moved to
	// the new process on success, closed on failure), as in Zircon.
	ProcessStart(c Caller, proc, thread object.Handle, entry, stack uint64, arg1 object.Handle, arg2 uint64) object.Status
	// ProcessExit ends the calling process; it returns, and the trap path
	// must not resume the calling thread in user mode afterwards.
	ProcessExit(c Caller, retcode int64)
	ThreadCreate(c Caller, proc object.Handle, name string, options uint32) (object.Handle, object.Status)
	ThreadStart(c Caller, thread object.Handle, entry, stack, arg1, arg2 uint64) object.Status
	// ThreadExit ends the calling thread; as ProcessExit.
	ThreadExit(c Caller)
	// ThreadKill is task_kill on a thread handle (jobs and processes are
	// killed by kernel/object; process kill must end the threads too).
	ThreadKill(c Caller, thread object.Handle) object.Status

	// ObjectGetInfo serves the topics kernel/object does not know
	// (ZX_INFO_VMO, ZX_INFO_VMAR, ZX_INFO_THREAD, ZX_INFO_PROCESS_THREADS,
	// ...): it encodes records of recordSize bytes into buf and returns
	// ZX_ERR_NOT_SUPPORTED for topics it does not know either.
	ObjectGetInfo(c Caller, h object.Handle, topic uint32, buf []byte) (recordSize, actual, avail int, st object.Status)
	// ObjectGetProperty / ObjectSetProperty serve properties of threads,
	// VMOs and processes that kernel/object does not (ZX_PROP_NAME of a
	// thread or VMO, ZX_PROP_PROCESS_DEBUG_ADDR, ZX_PROP_REGISTER_FS, ...);
	// value is the user's value buffer (already copied in for set).
	ObjectGetProperty(c Caller, h object.Handle, prop uint32, value []byte) (n int, st object.Status)
	ObjectSetProperty(c Caller, h object.Handle, prop uint32, value []byte) object.Status
}

type taskOpsBox struct{ ops TaskOps }

var taskOps atomic.Pointer[taskOpsBox]

// SetTaskOps installs the VMO/VMAR/process/thread implementation (nil
// removes it).
func SetTaskOps(ops TaskOps) {
	if ops == nil {
		taskOps.Store(nil)
		return
	}
	taskOps.Store(&taskOpsBox{ops})
}

func tasks() TaskOps {
	if b := taskOps.Load(); b != nil {
		return b.ops
	}
	return nil
}

// RootResourceCheck, if set, validates the resource handle of
// debuglog_create (ZX_RSRC_KIND_ROOT); resources belong to another issue.
// Unset, only ZX_HANDLE_INVALID is accepted there, as Zircon long did.
var RootResourceCheck atomic.Pointer[func(c Caller, h object.Handle) object.Status]

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
	Fn func(c Caller, a *[8]uint64) int64
}

// Dispatch runs zx syscall num with the argument registers args (RDI, RSI,
// RDX, R10, R8, R9, R12, R13 in that order) for the calling thread c and
// returns the value for RAX: a zx_status_t (sign-extended), or the time
// for clock_get_monotonic. Unknown numbers return ZX_ERR_BAD_SYSCALL.
func Dispatch(c Caller, num uint64, args *[8]uint64) int64 {
	i := num - Base
	if num < Base || i >= NumSyscalls {
		return int64(object.ErrBadSyscall)
	}
	e := &Table[i]
	if e.Alloc && !kmem.GateOK() {
		return int64(object.ErrNoMemory)
	}
	return e.Fn(c, args)
}

// Lookup returns the table entry for num, or nil.
func Lookup(num uint64) *Entry {
	i := num - Base
	if num < Base || i >= NumSyscalls {
		return nil
	}
	return &Table[i]
}
