package process

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: the Threads and ProcessTest cases (threads and
// process tests in utest/core) that need no suspend, thread state or
// exceptions. Where the original runs a mini-process's code, these run
// raw machine code on a thread of this process (newRawThread).

// exitCode stores arg1 at arg2 and calls zx_thread_exit.
func exitCode() []byte {
	code := []byte{0x48, 0x89, 0x3e, 0xb8} // mov [rsi], rdi; mov eax, imm32
	code = binary.LittleEndian.AppendUint32(code, zx.SysThreadExit)
	return append(code, 0x0f, 0x05, 0x0f, 0x0b) // syscall; ud2
}

func nameOf(t *testing.T, h zx.Handle) string {
	t.Helper()
	b := make([]byte, zx.MaxNameLen)
	ctest.Must(t, "get_property(NAME)", zx.Sys_object_get_property(h, zx.PropName, unsafe.Pointer(&b[0]), uint(len(b))))
	return strings.TrimRight(string(b), "\x00")
}

func rawThreadNamed(t *testing.T, name string) (zx.Handle, zx.Status) {
	var h zx.Handle
	// As the C string "" of the original: never NULL.
	b := append([]byte(name), 0)
	st := zx.Sys_thread_create(zx.ProcessSelf().Handle, &b[0], uint(len(name)), 0, &h)
	if st == zx.OK {
		t.Cleanup(func() { zx.Sys_handle_close(h) })
	}
	return h, st
}

func TestThreads_Basics(t *testing.T) {
	r := newRawThread(t, exitCode())
	if err := r.thread.Start(r.code, r.data+4*zx.PageSize, 7, uintptr(r.data)); err != nil {
		t.Fatalf("thread_start: %v", err)
	}
	if _, err := r.thread.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for the thread: %v", err)
	}
	var b [8]byte
	if r.dataVmo.Read(b[:], 0); binary.LittleEndian.Uint64(b[:]) != 7 {
		t.Errorf("the thread did not run")
	}
}

func TestThreads_InvalidRights(t *testing.T) {
	r := newRawThread(t, exitCode())
	ro := ctest.Reduced(t, r.thread.Handle, zx.RightRead)
	ctest.Want(t, "thread_start(READ only)", zx.Sys_thread_start(ro, r.code, r.data+4*zx.PageSize, 0, uintptr(r.data)), zx.ErrAccessDenied)
}

func TestThreads_Detach(t *testing.T) {
	r := newRawThread(t, exitCode())
	if err := r.thread.Start(r.code, r.data+4*zx.PageSize, 0x5a, uintptr(r.data)); err != nil {
		t.Fatalf("thread_start: %v", err)
	}
	// Without its handle the thread still runs to its end.
	r.thread.Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var b [8]byte
		if r.dataVmo.Read(b[:], 0); binary.LittleEndian.Uint64(b[:]) == 0x5a {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Error("the detached thread never ran")
}

func TestThreads_EmptyNameSucceeds(t *testing.T) {
	h, st := rawThreadNamed(t, "")
	ctest.Must(t, "thread_create(empty name)", st)
	if n := nameOf(t, h); n != "" {
		t.Errorf("name %q", n)
	}
}

func TestThreads_LongNameSucceeds(t *testing.T) {
	long := strings.Repeat("x", 2*zx.MaxNameLen)
	h, st := rawThreadNamed(t, long)
	ctest.Must(t, "thread_create(long name)", st)
	if n := nameOf(t, h); n != long[:zx.MaxNameLen-1] {
		t.Errorf("name %q, want the first %d bytes", n, zx.MaxNameLen-1)
	}
}

func TestThreads_ThreadStartOnInitialThread(t *testing.T) {
	r := newRawThread(t, exitCode())
	ctest.Want(t, "thread_start(the running first thread)", zx.Sys_thread_start(zx.ThreadSelf().Handle, r.code, r.data+4*zx.PageSize, 0, uintptr(r.data)), zx.ErrBadState)
}

func TestThreads_NonstartedThread(t *testing.T) {
	var h zx.Handle
	name := "non-started"
	ctest.Must(t, "thread_create", zx.Sys_thread_create(zx.ProcessSelf().Handle, unsafe.StringData(name), uint(len(name)), 0, &h))
	ctest.Must(t, "close the unstarted thread", zx.Sys_handle_close(h))
}

func TestThreads_InfoTaskStatsFails(t *testing.T) {
	var info [32]byte
	if st := zx.Sys_object_get_info(zx.ThreadSelf().Handle, zx.ObjectInfoTaskStats, unsafe.Pointer(&info[0]), 32, nil, nil); st == zx.OK {
		t.Error("get_info(TASK_STATS) on a thread = ZX_OK")
	}
}

func processNamed(t *testing.T, name string) (zx.Handle, zx.Status) {
	var p, v zx.Handle
	b := append([]byte(name), 0)
	st := zx.Sys_process_create(zx.JobDefault().Handle, &b[0], uint(len(name)), 0, &p, &v)
	if st == zx.OK {
		t.Cleanup(func() { zx.Sys_handle_close(v); zx.Sys_handle_close(p) })
	}
	return p, st
}

func TestProcessTest_LongNameSucceeds(t *testing.T) {
	long := strings.Repeat("p", 2*zx.MaxNameLen)
	p, st := processNamed(t, long)
	ctest.Must(t, "process_create(long name)", st)
	if n := nameOf(t, p); n != long[:zx.MaxNameLen-1] {
		t.Errorf("name %q", n)
	}
}

func TestProcessTest_EmptyNameSucceeds(t *testing.T) {
	p, st := processNamed(t, "")
	ctest.Must(t, "process_create(empty name)", st)
	if n := nameOf(t, p); n != "" {
		t.Errorf("name %q", n)
	}
}

func TestProcessTest_ProcessStartNoHandle(t *testing.T) {
	p, st := processNamed(t, "start-no-handle")
	ctest.Must(t, "process_create", st)
	ctest.Want(t, "process_start(no thread handle)", zx.Sys_process_start(p, zx.HandleInvalid, 0, 0, zx.HandleInvalid, 0), zx.ErrBadHandle)
}
