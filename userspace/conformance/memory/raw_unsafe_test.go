package memory

import (
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// heldStats is where commitAndRelease reads the kernel's counts: memory
// this process touched before it ran out.
var heldStats zx.KernelStats

// commitAndRelease commits [0, size) of v, which must fail with
// NO_MEMORY, reads the kernel's counts while the memory is held, and
// decommits the first release bytes. It makes raw calls only, so it needs
// no page it does not have. It returns the counts and ZX_OK, or the first
// unexpected status.
func commitAndRelease(v zx.Vmo, size, release uint64) (zx.KernelStats, zx.Status) {
	if st := zx.Sys_vmo_op_range(v.Handle, zx.VMOOpCommit, 0, size, nil, 0); st != zx.ErrNoMemory {
		return heldStats, st
	}
	st := zx.Sys_beryl_kernel_stats(zx.HandleInvalid, unsafe.Pointer(&heldStats), uint(unsafe.Sizeof(heldStats)))
	if rst := zx.Sys_vmo_op_range(v.Handle, zx.VMOOpDecommit, 0, release, nil, 0); st == zx.OK {
		st = rst
	}
	return heldStats, st
}

// touchAll maps a VMO as large as RAM and writes every page: no call can
// report the fault that finds no page, so the kernel ends this process.
func touchAll() int {
	s := kernelStats()
	size := s.PagesTotal * zx.PageSize
	v, err := zx.NewVmo(size, 0)
	if err != nil {
		return 2
	}
	addr, err := zx.VmarRootSelf().Map(zx.VMPermRead|zx.VMPermWrite, 0, v, 0, uint(size))
	if err != nil {
		return 3
	}
	mem := unsafe.Slice((*byte)(ctest.Ptr(uintptr(addr))), size)
	for off := uint64(0); off < size; off += zx.PageSize {
		mem[off] = 1
	}
	return 4 // survived writing more pages than RAM has
}

// floorStats is where signalAtFloor reads the kernel's counts while it
// holds memory down to the page-fault floor.
var floorStats zx.KernelStats

// stackT is Linux's stack_t (x86-64) for sigaltstack.
type stackT struct {
	sp    uintptr
	flags int32
	_     int32
	size  uintptr
}

// nilByte is dereferenced for the synchronous fault at the floor.
var nilByte *byte

// altNew and altOld are the alternate signal stacks signalAtFloor sets
// and restores: globals, so that raw calls write only memory the process
// has.
var altNew, altOld stackT

// signalAtFloor takes memory down to the floor page faults stop at (a
// commit to the reserve, then a vmo_read into an untouched mapping, whose
// copy goes as deep as a fault may), switches this thread's alternate
// signal stack to a mapping it never touched and sends itself SIGUSR1:
// the signal frame needs a page the kernel cannot give. The kernel must
// keep the asynchronous signal pending, not kill the process for a bad
// signal stack (exit 139), and deliver it once memory is back. This is
// what killed the parent of the touch worker at -smp 2, on a SIGURG.
// With fault, the signal is instead a synchronous SIGSEGV (a nil
// dereference), which cannot wait: the kernel must end the process for
// want of memory (137, as a page fault without memory), not as for a bad
// signal stack (139).
func signalAtFloor(fault bool) int {
	runtime.LockOSThread()
	got := make(chan os.Signal, 1)
	signal.Notify(got, syscall.SIGUSR1)
	defer signal.Stop(got)
	s := kernelStats()
	const altSize = 64 << 10
	fill := s.PagesReserve / 2 * zx.PageSize // past the quarter faults may go deeper
	root := zx.VmarRootSelf()
	rw := zx.VMPermRead | zx.VMPermWrite
	altVmo, err := zx.NewVmo(altSize, 0)
	if err != nil {
		return 2
	}
	alt, err := root.Map(rw, 0, altVmo, 0, altSize)
	if err != nil {
		return 3
	}
	src, err1 := zx.NewVmo(fill, 0)
	dstVmo, err2 := zx.NewVmo(fill, 0)
	big, err3 := zx.NewVmo(s.PagesTotal*zx.PageSize, 0)
	if err1 != nil || err2 != nil || err3 != nil {
		return 4
	}
	dst, err := root.Map(rw, 0, dstVmo, 0, uint(fill))
	if err != nil {
		return 5
	}
	// Touch what the raw calls at the floor write, so that their copies
	// need no page.
	altNew = stackT{sp: uintptr(alt), size: altSize}
	altOld, floorStats = altNew, s
	code := raiseAtFloor(big, s.PagesTotal*zx.PageSize, src, dstVmo, dst, fill, syscall.Getpid(), syscall.Gettid(), fault)
	if code != 0 {
		return code
	}
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		return 20 // the deferred signal never came
	}
	switch {
	case floorStats.PagesReserve == 0:
		return 21
	case floorStats.PagesFree > floorStats.PagesReserve-floorStats.PagesReserve/4+256:
		return 22 // the fill did not reach the fault floor: nothing was tested
	}
	for _, h := range []zx.Handle{big.Handle, src.Handle, dstVmo.Handle, altVmo.Handle} {
		h.Close()
	}
	if root.Unmap(dst, uint(fill)) != nil || root.Unmap(alt, altSize) != nil {
		return 23
	}
	return stillServing()
}

// raiseAtFloor is signalAtFloor's part at the floor: raw calls only, into
// memory the process has.
func raiseAtFloor(big zx.Vmo, bigSize uint64, src, dstVmo zx.Vmo, dst zx.Vaddr, fill uint64, pid, tid int, fault bool) int {
	if st := zx.Sys_vmo_op_range(big.Handle, zx.VMOOpCommit, 0, bigSize, nil, 0); st != zx.ErrNoMemory {
		return 10
	}
	if zx.Sys_vmo_read(src.Handle, ctest.Ptr(uintptr(dst)), 0, uint(fill)) == zx.OK {
		return 11 // the copy found memory for all of it
	}
	if zx.Sys_beryl_kernel_stats(zx.HandleInvalid, unsafe.Pointer(&floorStats), uint(unsafe.Sizeof(floorStats))) != zx.OK {
		return 14
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_SIGALTSTACK, uintptr(unsafe.Pointer(&altNew)), uintptr(unsafe.Pointer(&altOld)), 0); e != 0 {
		return 12
	}
	if fault {
		// A synchronous SIGSEGV whose frame finds no memory cannot
		// wait: the kernel ends the process for want of memory (137).
		_ = *nilByte
		return 15
	}
	// Without memory for the frame: before the fix, the process died here.
	syscall.RawSyscall(syscall.SYS_TGKILL, uintptr(pid), uintptr(tid), uintptr(syscall.SIGUSR1))
	// Memory back: the signal is delivered on this call's return (on the
	// untouched stack, now that a page can be had).
	st1 := zx.Sys_vmo_op_range(dstVmo.Handle, zx.VMOOpDecommit, 0, fill, nil, 0)
	st2 := zx.Sys_vmo_op_range(big.Handle, zx.VMOOpDecommit, 0, bigSize, nil, 0)
	syscall.RawSyscall(syscall.SYS_SIGALTSTACK, uintptr(unsafe.Pointer(&altOld)), 0, 0)
	if st1 != zx.OK || st2 != zx.OK {
		return 13
	}
	return 0
}
