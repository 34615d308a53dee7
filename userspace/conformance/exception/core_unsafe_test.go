package exception

import (
	"encoding/binary"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Ports of Zircon's core-tests that need exceptions
// (zircon/system/utest/core/default-exception-handler and threads). The
// originals' mini-process and TestThread become raw-code child
// processes, each in a job of its own: a debugger channel on the test's
// own (Go) process would stop every thread its runtime starts.

func verifyNoExceptionHandler(t *testing.T) {
	t.Helper()
	var ch zx.Handle
	ctest.Must(t, "exception channel on the default job", zx.Sys_task_create_exception_channel(zx.JobDefault().Handle, 0, &ch))
	zx.Sys_handle_close(ch)
}

func TestDefaultExceptionHandlerTest_UnhandledHardwareException(t *testing.T) {
	verifyNoExceptionHandler(t)
	c := newChild(t, asm{}.ud2())
	c.start(t)
	if rc := retcode(t, c.proc); rc != zx.TaskRetcodeExceptionKill {
		t.Errorf("retcode %d, want ZX_TASK_RETCODE_EXCEPTION_KILL", rc)
	}
}

func TestDefaultExceptionHandlerTest_UnhandledPolicyException(t *testing.T) {
	verifyNoExceptionHandler(t)
	// event_create(0, rsp-16), then exit(0): the policy exception ends it
	// first.
	code := asm{}.movImm(rDI, 0)
	code = append(code, 0x48, 0x8d, 0x74, 0x24, 0xf0) // LEA RSI, [RSP-16]
	code = code.sys(zx.SysEventCreate).exit(0)
	c := newChildWith(t, code, func(job zx.Handle) {
		pol := []zx.PolicyBasic{{Condition: zx.PolNewAny, Action: zx.PolActionAllowException, Flags: zx.PolOverrideDeny}}
		ctest.Must(t, "job_set_policy", zx.Sys_job_set_policy(job, zx.JobPolAbsolute, zx.JobPolBasicV2, unsafe.Pointer(&pol[0]), 1))
	})
	c.start(t)
	if rc := retcode(t, c.proc); rc != zx.TaskRetcodeExceptionKill {
		t.Errorf("retcode %d, want ZX_TASK_RETCODE_EXCEPTION_KILL", rc)
	}
}

// ThreadStartWithZeroInstructionPointer: a thread of the test's own
// process started at RIP 0 faults; the process channel catches it and
// ends the thread with THREAD_EXIT.
func TestThreads_ThreadStartWithZeroInstructionPointer(t *testing.T) {
	n := []byte("test-thread")
	var th zx.Handle
	ctest.Must(t, "thread_create", zx.Sys_thread_create(zx.ProcessSelf().Handle, &n[0], uint(len(n)), 0, &th))
	defer zx.Sys_handle_close(th)
	ch := channel(t, zx.ProcessSelf().Handle, 0)
	ctest.Must(t, "thread_start(0)", zx.Sys_thread_start(th, 0, 0, 0, 0))
	exc, info := readException(t, ch, zx.ExcpFatalPageFault)
	if info.TID != koid(t, th) {
		t.Errorf("exception of thread %d, want %d", info.TID, koid(t, th))
	}
	resume(t, exc, zx.ExceptionStateThreadExit)
	ctest.Must(t, "thread TERMINATED", zx.Sys_object_wait_one(th, zx.TaskTerminated, deadline(), nil))
}

// waitBreak is threads_test_wait_break_fn: wait for USER_SIGNAL_0 on the
// event in RDI, then INT3, then exit.
func waitBreak() asm {
	a := asm{}.movImm(rSI, userSignal0).movImm(rDX, ^uint64(0)>>1).movImm(r10, 0)
	return a.sys(zx.SysObjectWaitOne).int3().exit(0)
}

// userSignal0 is ZX_USER_SIGNAL_0.
const userSignal0 = 1 << 24

func waitState(t *testing.T, thread zx.Handle, want uint32) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); infoThread(t, thread).State != want; {
		if time.Now().After(end) {
			t.Fatalf("thread state %#x, want %#x", infoThread(t, thread).State, want)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestThreads_SuspendMultiple(t *testing.T) {
	c := newChild(t, waitBreak())
	dc := channel(t, c.proc, zx.ExceptionChannelDebugger)
	ev := ctest.NewEvent(t)
	var dup zx.Handle
	ctest.Must(t, "duplicate", zx.Sys_handle_duplicate(ev, zx.RightSameRights, &dup))
	ctest.Must(t, "process_start", zx.Sys_process_start(c.proc, c.thread, c.entry, c.stack, dup, 0))
	exc, _ := readException(t, dc, zx.ExcpThreadStarting)
	resume(t, exc, zx.ExceptionStateHandled)
	waitState(t, c.thread, zx.ThreadStateBlockedWaitOne)
	ctest.Must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(userSignal0)))
	exc, _ = readException(t, dc, zx.ExcpSWBreakpoint)
	waitState(t, c.thread, zx.ThreadStateBlockedException)
	if ct := infoThread(t, c.thread).WaitExceptionChannelType; ct != zx.ExceptionChannelTypeDebugger {
		t.Errorf("wait_exception_channel_type %d", ct)
	}
	var tok1, tok2 zx.Handle
	ctest.Must(t, "suspend 1", zx.Sys_task_suspend(c.thread, &tok1))
	ctest.Must(t, "suspend 2", zx.Sys_task_suspend(c.thread, &tok2))
	zx.Sys_handle_close(tok1)
	if s := infoThread(t, c.thread).State; s != zx.ThreadStateBlockedException {
		t.Errorf("state %#x after one resume, want BLOCKED_EXCEPTION", s)
	}
	resume(t, exc, zx.ExceptionStateHandled)
	ctest.Must(t, "SUSPENDED", zx.Sys_object_wait_one(c.thread, zx.ThreadSuspended, deadline(), nil))
	if s := infoThread(t, c.thread).State; s != zx.ThreadStateSuspended {
		t.Errorf("state %#x, want SUSPENDED", s)
	}
	zx.Sys_handle_close(tok2)
	zx.Sys_handle_close(dc)
	if rc := retcode(t, c.proc); rc != 0 {
		t.Errorf("retcode %d", rc)
	}
}

// spin is a raw thread's endless loop (JMP to itself).
func spin() asm { return asm{0xeb, 0xfe} }

func suspendSync(t *testing.T, thread zx.Handle) zx.Handle {
	t.Helper()
	var tok zx.Handle
	ctest.Must(t, "task_suspend", zx.Sys_task_suspend(thread, &tok))
	ctest.Must(t, "wait SUSPENDED", zx.Sys_object_wait_one(thread, zx.ThreadSuspended, deadline(), nil))
	return tok
}

// X86AcFlagUserCopy: a suspended thread gets RFLAGS.AC and RIP 0; once
// resumed it faults, nobody handles it, and the process dies with
// ZX_TASK_RETCODE_EXCEPTION_KILL (the kernel survives). The original's
// mini-process sleeps in a call; this child spins in user mode.
func TestThreads_X86AcFlagUserCopy(t *testing.T) {
	c := newChild(t, spin())
	c.start(t)
	tok := suspendSync(t, c.thread)
	r := readRegs(t, c.thread)
	r.RFLAGS |= 1 << 18
	r.RIP = 0
	writeRegs(t, c.thread, r)
	zx.Sys_handle_close(tok)
	if rc := retcode(t, c.proc); rc != zx.TaskRetcodeExceptionKill {
		t.Errorf("retcode %d, want ZX_TASK_RETCODE_EXCEPTION_KILL", rc)
	}
}

// KillSuspendedThread: killing a suspended thread does not let it run
// user code again, and the debugger sees ZX_EXCP_THREAD_EXITING. The
// original's thread stores 1 to a variable of the test; this child
// stores 1 below its stack pointer, read through the stack's VMO.
func TestThreads_KillSuspendedThread(t *testing.T) {
	code := asm{0x48, 0xc7, 0x44, 0x24, 0xf8, 0x01, 0x00, 0x00, 0x00} // MOV QWORD [RSP-8], 1
	code = append(code, 0xeb, byte(0x100-len(code)-2))                // JMP back
	c := newChild(t, code)
	c.start(t)
	addr := c.stack - 8
	value := func() uint64 {
		var b [8]byte
		if err := c.stackVmo.Read(b[:], zx.PageSize-8); err != nil {
			t.Fatal(err)
		}
		return binary.LittleEndian.Uint64(b[:])
	}
	for end := time.Now().Add(10 * time.Second); value() != 1; time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the thread never stored 1")
		}
	}
	tok := suspendSync(t, c.thread)
	dc := channel(t, c.proc, zx.ExceptionChannelDebugger)
	hundred := uint64(100)
	var n uint
	ctest.Must(t, "process_write_memory", zx.Sys_process_write_memory(c.proc, addr, unsafe.Pointer(&hundred), 8, &n))
	ctest.Must(t, "task_kill", zx.Sys_task_kill(c.thread))
	ctest.Must(t, "TERMINATED", zx.Sys_object_wait_one(c.thread, zx.TaskTerminated, deadline(), nil))
	exc, info := readException(t, dc, zx.ExcpThreadExiting)
	if info.TID != koid(t, c.thread) {
		t.Error("THREAD_EXITING of another thread")
	}
	if v := value(); v != 100 {
		t.Errorf("value %d after the kill, want 100 (the thread ran again)", v)
	}
	zx.Sys_handle_close(tok)
	zx.Sys_handle_close(exc)
}
