package process

import (
	"encoding/binary"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-test ProcessTest.ProcessStartWriteThreadState: a thread
// suspended before its process starts has its FS base written by
// thread_write_state, then reads through it. The original's mini-process
// checks the word and reports; this child (raw code) exits with the word
// it read at FS:0, which the case compares.
func TestProcessTest_ProcessStartWriteThreadState(t *testing.T) {
	job := miniJob(t)
	n := []byte("ttp")
	var proc, vmar, thread zx.Handle
	ctest.Must(t, "process_create", zx.Sys_process_create(job, &n[0], 3, 0, &proc, &vmar))
	defer zx.Sys_handle_close(proc)
	defer zx.Sys_handle_close(vmar)
	ctest.Must(t, "thread_create", zx.Sys_thread_create(proc, &n[0], 2, 0, &thread))
	defer zx.Sys_handle_close(thread)
	tok := suspend(t, thread)

	// mov rdi, fs:[0]; process_exit(rdi)
	code := asm{0x64, 0x48, 0x8b, 0x3c, 0x25, 0, 0, 0, 0}.sys(zx.SysProcessExit).ud2()
	cv, err := zx.NewVmo(zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	cv.Write(code, 0)
	if cv, err = cv.ReplaceAsExecutable(zx.HandleInvalid); err != nil {
		t.Fatal(err)
	}
	var entry zx.Vaddr
	ctest.Must(t, "vmar_map(code)", zx.Sys_vmar_map(vmar, zx.VMPermRead|zx.VMPermExecute, 0, cv.Handle, 0, zx.PageSize, &entry))
	cv.Close()
	ctest.Must(t, "process_start", zx.Sys_process_start(proc, thread, entry, 0, newEvent(t), 0))

	const check = 0x1234_5678_9abc
	word, err := zx.NewVmo(zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	word.Write(binary.LittleEndian.AppendUint64(nil, check), 0)
	var addr zx.Vaddr
	ctest.Must(t, "vmar_map(word)", zx.Sys_vmar_map(vmar, zx.VMPermRead, 0, word.Handle, 0, zx.PageSize, &addr))
	word.Close()

	var s zx.Signals
	ctest.Must(t, "wait for SUSPENDED", zx.Sys_object_wait_one(thread, zx.ThreadSuspended, zx.Now()+zx.Time(10*time.Second), &s))
	regs := make([]byte, generalRegsSize)
	ctest.Must(t, "thread_read_state", zx.Sys_thread_read_state(thread, zx.ThreadStateGeneralRegs, unsafe.Pointer(&regs[0]), generalRegsSize))
	if fs := binary.LittleEndian.Uint64(regs[18*8:]); fs != 0 {
		t.Errorf("initial fs_base %#x, want 0", fs)
	}
	binary.LittleEndian.PutUint64(regs[18*8:], uint64(addr))
	ctest.Must(t, "thread_write_state", zx.Sys_thread_write_state(thread, zx.ThreadStateGeneralRegs, unsafe.Pointer(&regs[0]), generalRegsSize))
	ctest.Must(t, "close the token", zx.Sys_handle_close(tok))
	waitTerminated(t, proc)
	if info := processInfo(t, proc); info.ReturnCode != check {
		t.Errorf("the thread read %#x through its FS base, want %#x", info.ReturnCode, check)
	}
}

// Zircon core-test ProcessTest.GetRuntimeNoPermission.
func TestProcessTest_GetRuntimeNoPermission(t *testing.T) {
	job := miniJob(t)
	var proc, vmar zx.Handle
	ctest.Must(t, "process_create", zx.Sys_process_create(job, &[]byte("rt")[0], 2, 0, &proc, &vmar))
	defer zx.Sys_handle_close(proc)
	defer zx.Sys_handle_close(vmar)
	basic := ctest.Basic(t, proc)
	dup := ctest.Reduced(t, proc, basic.Rights&^zx.RightInspect)
	var info [32]byte
	ctest.Must(t, "get_info(TASK_RUNTIME)", zx.Sys_object_get_info(proc, zx.ObjectInfoTaskRuntime, unsafe.Pointer(&info[0]), 32, nil, nil))
	ctest.Want(t, "get_info(TASK_RUNTIME) without INSPECT", zx.Sys_object_get_info(dup, zx.ObjectInfoTaskRuntime, unsafe.Pointer(&info[0]), 32, nil, nil), zx.ErrAccessDenied)
}
