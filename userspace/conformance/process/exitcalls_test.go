package process

import (
	"encoding/binary"
	"time"

	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// vmar_unmap_handle_close_thread_exit and
// futex_wake_handle_close_thread_exit, called by raw threads: the
// calls end the thread, so the caller cannot be a Go thread.

const exitSentinel = 0x5eed

// unmapExitCode calls vmar_unmap_handle_close_thread_exit(arg1, arg2,
// size, closeH); if it returns, it stores the status at data+8 and exits.
func unmapExitCode(data zx.Vaddr, size uint64, closeH zx.Handle) asm {
	var a asm
	a = a.movImm(rDX, size).movImm(r10, uint64(closeH))
	a = a.sys(zx.SysVmarUnmapHandleCloseThreadExit)
	a = a.movImm(rBX, uint64(data)).store32(rBX, 8, rAX)
	return a.sys(zx.SysThreadExit).ud2()
}

// newExitThread builds the raw thread first (for its data address), then
// writes code calling what mk returns.
func runExitThread(t *testing.T, mk func(data zx.Vaddr) asm, arg1, arg2 uintptr) *rawThread {
	t.Helper()
	r := newRawThread(t, make(asm, 256))
	code := mk(r.data)
	// The code page is executable now; a second raw thread carries the
	// real code with the data address baked in.
	r2 := newRawThread(t, code)
	r2.data, r2.dataVmo = r.data, r.dataVmo
	r2.setWord(8, exitSentinel)
	if arg1 == 0 {
		arg1 = uintptr(r.data)
	}
	r2.start(t, arg1, arg2)
	waitTerminated(t, r2.thread.Handle)
	return r2
}

func TestVmarUnmapHandleCloseThreadExit(t *testing.T) {
	root := zx.VmarRootSelf()
	v, err := zx.NewVmo(2*zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	addr, err := root.Map(zx.VMPermRead|zx.VMPermWrite, 0, v, 0, 2*zx.PageSize)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Unmap(addr, 2*zx.PageSize)
	ev := ctest.NewEvent(t)
	r := runExitThread(t, func(data zx.Vaddr) asm { return unmapExitCode(data, 2*zx.PageSize, ev) }, uintptr(root.Handle), uintptr(addr))
	if w := r.word(8); w != exitSentinel {
		t.Errorf("the call returned %v", zx.Status(int32(w)))
	}
	if ctest.Probe(uintptr(addr), false) {
		t.Error("the range is still mapped")
	}
	if ctest.Valid(ev) {
		t.Error("close_handle is still open")
	}
}

// The unmap's errors return to the caller, which goes on; nothing is
// closed.
func TestVmarUnmapHandleCloseThreadExitErrors(t *testing.T) {
	root := zx.VmarRootSelf()
	ev := ctest.NewEvent(t)
	defer zx.Sys_handle_close(ev)
	for _, c := range []struct {
		name string
		vmar zx.Handle
		addr uintptr
		want zx.Status
	}{
		{"invalid handle", zx.HandleInvalid, 0x10000, zx.ErrBadHandle},
		{"not a VMAR", ev, 0x10000, zx.ErrWrongType},
		{"unaligned address", root.Handle, 0x10001, zx.ErrInvalidArgs},
	} {
		r := runExitThread(t, func(data zx.Vaddr) asm { return unmapExitCode(data, zx.PageSize, ev) }, uintptr(c.vmar), c.addr)
		if got := zx.Status(int32(r.word(8))); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if !ctest.Valid(ev) {
			t.Fatalf("%s: close_handle was closed", c.name)
		}
	}
}

// futex_wake_handle_close_thread_exit stores new_value, closes the
// handle and exits; it never returns.
func TestFutexWakeHandleCloseThreadExit(t *testing.T) {
	ev := ctest.NewEvent(t)
	r := runExitThread(t, func(data zx.Vaddr) asm {
		var a asm
		a = a.movImm(rSI, 1).movImm(rDX, 0x1234).movImm(r10, uint64(ev))
		a = a.sys(zx.SysFutexWakeHandleCloseThreadExit)
		a = a.movImm(rBX, uint64(data)).store32(rBX, 8, rAX)
		return a.sys(zx.SysThreadExit).ud2()
	}, 0, 0)
	if w := r.word(8); w != exitSentinel {
		t.Errorf("the call returned %#x", w)
	}
	if w := r.word(0); w != 0x1234 {
		t.Errorf("*value_ptr = %#x, want 0x1234", w)
	}
	if ctest.Valid(ev) {
		t.Error("close_handle is still open")
	}
}

// trapProcess runs code in a new process of its own job, with a data
// page mapped at the address the code is given in RDI (arg2 of
// process_start) and another in RSI (the unmap target), and returns
// the process after it ends and its data page's first word.
func trapProcess(t *testing.T, mk func() asm) (zx.InfoProcess, uint32) {
	t.Helper()
	job := miniJob(t)
	var proc, vmar, thread zx.Handle
	n := []byte("exit-trap")
	ctest.Must(t, "process_create", zx.Sys_process_create(job, &n[0], uint(len(n)), 0, &proc, &vmar))
	defer zx.Sys_handle_close(proc)
	defer zx.Sys_handle_close(vmar)
	ctest.Must(t, "thread_create", zx.Sys_thread_create(proc, &n[0], uint(len(n)), 0, &thread))
	defer zx.Sys_handle_close(thread)
	cv, err := zx.NewVmo(zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := cv.Write(mk(), 0); err != nil {
		t.Fatal(err)
	}
	if cv, err = cv.ReplaceAsExecutable(zx.HandleInvalid); err != nil {
		t.Fatal(err)
	}
	defer cv.Close()
	dv, err := zx.NewVmo(2*zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer dv.Close()
	var entry, data zx.Vaddr
	ctest.Must(t, "vmar_map(code)", zx.Sys_vmar_map(vmar, zx.VMPermRead|zx.VMPermExecute, 0, cv.Handle, 0, zx.PageSize, &entry))
	ctest.Must(t, "vmar_map(data)", zx.Sys_vmar_map(vmar, zx.VMPermRead|zx.VMPermWrite, 0, dv.Handle, 0, 2*zx.PageSize, &data))
	// The child's own root VMAR handle is the unmap's vmar_handle.
	var cvmar zx.Handle
	ctest.Must(t, "handle_duplicate", zx.Sys_handle_duplicate(vmar, zx.RightSameRights, &cvmar))
	ctest.Must(t, "process_start", zx.Sys_process_start(proc, thread, entry, 0, cvmar, uintptr(data)))
	if _, err := zx.Handle(proc).WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for the process: %v", err)
	}
	info, err := zx.Process{Handle: proc}.Info()
	if err != nil {
		t.Fatal(err)
	}
	var b [4]byte
	dv.Read(b[:], 0)
	return info, binary.LittleEndian.Uint32(b[:])
}

// trapHandle is a handle value no process holds.
const trapHandle = 0x7ffffff3

// A close_handle that cannot be closed after the store and wake: the
// vDSO's ud2, an unhandled trap that kills the process
// (ZX_TASK_RETCODE_EXCEPTION_KILLED); the store happened.
func TestFutexWakeHandleCloseThreadExitTrap(t *testing.T) {
	info, w := trapProcess(t, func() asm {
		// process_start: RDI = arg1 (the VMAR), RSI = arg2 (data).
		var a asm
		a = a.mov(rDI, rSI).movImm(rSI, 1).movImm(rDX, 0x77).movImm(r10, trapHandle)
		return a.sys(zx.SysFutexWakeHandleCloseThreadExit).ud2()
	})
	if !info.Exited || info.ReturnCode != zx.TaskRetcodeExceptionKill {
		t.Errorf("process exited %v with %d, want ZX_TASK_RETCODE_EXCEPTION_KILLED", info.Exited, info.ReturnCode)
	}
	if w != 0x77 {
		t.Errorf("*value_ptr = %#x, want 0x77", w)
	}
}

// A misaligned value_ptr: futex_wake fails after the store, a trap.
func TestFutexWakeHandleCloseThreadExitMisaligned(t *testing.T) {
	info, _ := trapProcess(t, func() asm {
		var a asm
		a = a.lea(rDI, rSI, 1).movImm(rSI, 1).movImm(rDX, 0).movImm(r10, 0)
		return a.sys(zx.SysFutexWakeHandleCloseThreadExit).ud2()
	})
	if !info.Exited || info.ReturnCode != zx.TaskRetcodeExceptionKill {
		t.Errorf("process exited %v with %d, want ZX_TASK_RETCODE_EXCEPTION_KILLED", info.Exited, info.ReturnCode)
	}
}

// The unmap succeeds, then close_handle cannot be closed: a trap.
func TestVmarUnmapHandleCloseThreadExitTrap(t *testing.T) {
	info, _ := trapProcess(t, func() asm {
		var a asm
		a = a.lea(rSI, rSI, zx.PageSize).movImm(rDX, zx.PageSize).movImm(r10, trapHandle)
		return a.sys(zx.SysVmarUnmapHandleCloseThreadExit).ud2()
	})
	if !info.Exited || info.ReturnCode != zx.TaskRetcodeExceptionKill {
		t.Errorf("process exited %v with %d, want ZX_TASK_RETCODE_EXCEPTION_KILLED", info.Exited, info.ReturnCode)
	}
}
