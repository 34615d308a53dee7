package process

import (
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: ProcessTest cases that query a process's address
// space (ZX_INFO_PROCESS_VMOS, ZX_INFO_PROCESS_MAPS) while it is busy or
// after its root VMAR is destroyed.

// waitCancelCode is the mini-process's MINIP_CMD_WAIT_ASYNC_CANCEL: with
// its own process handle in RDI, create a port and loop forever on
// object_wait_async(process, port) + port_cancel(port, process). The
// port's handle is stored below the stack pointer.
func waitCancelCode() []byte {
	var a asm
	a = a.mov(rBX, rDI)
	a = a.movImm(rDI, 0).lea(rSI, rSP, -16).sys(zx.SysPortCreate)
	a = a.load32(r12, rSP, -16)
	loop := len(a)
	a = a.mov(rDI, rBX).mov(rSI, r12).movImm(rDX, 0).movImm(r10, uint64(zx.TaskTerminated)).movImm(r8, 0).sys(zx.SysObjectWaitAsync)
	a = a.mov(rDI, r12).mov(rSI, rBX).movImm(rDX, 0).sys(zx.SysPortCancel)
	return append(a, 0xeb, byte(loop-len(a)-2)) // JMP rel8 to loop
}

// TestProcessTest_ProcessWaitAsyncCancelSelf checks the lock order of
// ZX_INFO_PROCESS_VMOS against a process that keeps taking its handle
// table's lock and then its dispatcher's (wait_async and port_cancel on
// a handle to itself): the get_info calls must not deadlock.
func TestProcessTest_ProcessWaitAsyncCancelSelf(t *testing.T) {
	job := miniJob(t)
	n := []byte("test_process")
	var proc, vmar, thread zx.Handle
	ctest.Must(t, "process_create", zx.Sys_process_create(job, &n[0], uint(len(n)), 0, &proc, &vmar))
	defer zx.Sys_handle_close(proc)
	defer zx.Sys_handle_close(vmar)
	tn := []byte("test_thread")
	ctest.Must(t, "thread_create", zx.Sys_thread_create(proc, &tn[0], uint(len(tn)), 0, &thread))
	defer zx.Sys_handle_close(thread)

	code, err := zx.NewVmo(zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := code.Write(waitCancelCode(), 0); err != nil {
		t.Fatal(err)
	}
	if code, err = code.ReplaceAsExecutable(zx.HandleInvalid); err != nil {
		t.Fatal(err)
	}
	defer code.Close()
	stack, err := zx.NewVmo(zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	var entry, sp zx.Vaddr
	ctest.Must(t, "vmar_map(code)", zx.Sys_vmar_map(vmar, zx.VMPermRead|zx.VMPermExecute, 0, code.Handle, 0, zx.PageSize, &entry))
	ctest.Must(t, "vmar_map(stack)", zx.Sys_vmar_map(vmar, zx.VMPermRead|zx.VMPermWrite, 0, stack.Handle, 0, zx.PageSize, &sp))

	var dup zx.Handle
	ctest.Must(t, "handle_duplicate(process)", zx.Sys_handle_duplicate(proc, zx.RightSameRights, &dup))
	ctest.Must(t, "process_start", zx.Sys_process_start(proc, thread, entry, sp+zx.PageSize, dup, 0))

	// The original's 10000 calls reliably hit the deadlock it guards
	// against, and each is short.
	var rec [zx.VmoInfoSize]byte
	var actual, avail uint
	for i := 0; i < 10000; i++ {
		if st := zx.Sys_object_get_info(proc, zx.ObjectInfoProcessVMOs, unsafe.Pointer(&rec[0]), uint(len(rec)), &actual, &avail); st != zx.OK {
			t.Fatalf("get_info(PROCESS_VMOS) #%d: %v", i, st)
		}
	}
	// Still looping (had it faulted, the calls above raced nothing).
	ctest.Want(t, "the child still runs", zx.Sys_object_wait_one(proc, zx.TaskTerminated, 0, nil), zx.ErrTimedOut)
	// The child holds a handle to itself: only a kill ends it.
	ctest.Must(t, "task_kill", zx.Sys_task_kill(proc))
	var s zx.Signals
	ctest.Must(t, "wait for TERMINATED", zx.Sys_object_wait_one(proc, zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second), &s))
}

// TestProcessTest_ForbidDestroyRootVmar: destroying a process's root
// VMAR either works or is not supported, and ZX_INFO_PROCESS_MAPS on the
// process still answers.
func TestProcessTest_ForbidDestroyRootVmar(t *testing.T) {
	n := []byte("test_process")
	var proc, vmar zx.Handle
	ctest.Must(t, "process_create", zx.Sys_process_create(zx.JobDefault().Handle, &n[0], uint(len(n)), 0, &proc, &vmar))
	defer zx.Sys_handle_close(proc)
	defer zx.Sys_handle_close(vmar)
	if st := zx.Sys_vmar_destroy(vmar); st != zx.OK && st != zx.ErrNotSupported {
		t.Fatalf("vmar_destroy(root VMAR): %v, want ZX_OK or ZX_ERR_NOT_SUPPORTED", st)
	}
	const mapsRec = 96 // zx_info_maps_t
	var rec [mapsRec]byte
	var actual, avail uint
	ctest.Must(t, "get_info(PROCESS_MAPS)", zx.Sys_object_get_info(proc, zx.ObjectInfoProcessMaps, unsafe.Pointer(&rec[0]), mapsRec, &actual, &avail))
}
