package exception

import (
	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Each architectural exception reaches a process channel with its type
// and report; the thread waits in BLOCKED_EXCEPTION; closing the
// exception with nobody else bound kills the process with
// ZX_TASK_RETCODE_EXCEPTION_KILL.
func TestArchExceptions(t *testing.T) {
	pf, _, _ := asm{}.storeNull()
	for _, c := range []struct {
		name   string
		code   asm
		typ    uint32
		vector uint64
	}{
		{"page_fault", pf, zx.ExcpFatalPageFault, 14},
		{"undefined_instruction", asm{}.ud2(), zx.ExcpUndefinedInstruction, 6},
		{"sw_breakpoint", asm{}.int3(), zx.ExcpSWBreakpoint, 3},
		{"general", asm{}.hlt(), zx.ExcpGeneral, 13},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch := newChild(t, c.code)
			pc := channel(t, ch.proc, 0)
			ch.start(t)
			exc, info := readException(t, pc, c.typ)
			if info.PID != koid(t, ch.proc) || info.TID != koid(t, ch.thread) {
				t.Errorf("info pid %d tid %d", info.PID, info.TID)
			}
			if got := ctest.Basic(t, exc); got.Type != zx.ObjTypeException || got.Rights != zx.RightTransfer|zx.RightGetProperty|zx.RightSetProperty|zx.RightInspect {
				t.Errorf("exception handle type %d rights %#x", got.Type, got.Rights)
			}
			r := exceptionReport(t, ch.thread)
			if r.Size != 40 || r.Type != c.typ || r.Vector != c.vector {
				t.Errorf("report %+v", r)
			}
			if c.vector == 14 && (r.CR2 != 0 || r.ErrCode&2 == 0) {
				t.Errorf("page fault report: cr2 %#x error %#x (want 0, a write)", r.CR2, r.ErrCode)
			}
			ti := infoThread(t, ch.thread)
			if ti.State != zx.ThreadStateBlockedException || ti.WaitExceptionChannelType != zx.ExceptionChannelTypeProcess {
				t.Errorf("thread state %#x channel type %d", ti.State, ti.WaitExceptionChannelType)
			}
			if getU32Prop(t, exc, zx.PropExceptionState) != zx.ExceptionStateTryNext {
				t.Error("default state not TRY_NEXT")
			}
			ctest.Must(t, "close", zx.Sys_handle_close(exc))
			if rc := retcode(t, ch.proc); rc != zx.TaskRetcodeExceptionKill {
				t.Errorf("retcode %d, want ZX_TASK_RETCODE_EXCEPTION_KILL", rc)
			}
		})
	}
}

// With no exception channel at all the fault kills the process at once.
func TestUnhandledNoChannel(t *testing.T) {
	c := newChild(t, asm{}.ud2())
	c.start(t)
	if rc := retcode(t, c.proc); rc != zx.TaskRetcodeExceptionKill {
		t.Errorf("retcode %d, want ZX_TASK_RETCODE_EXCEPTION_KILL", rc)
	}
	var r report
	ctest.Want(t, "report of a dead thread", zx.Sys_object_get_info(c.thread, zx.ObjectInfoThreadExceptionReport, ptr(&r), 40, nil, nil), zx.ErrBadState)
}

// A handler fixes RIP past the faulting store and resumes the thread,
// which then exits with 9.
func TestHandledFixRIP(t *testing.T) {
	code, at, n := asm{}.storeNull()
	code = code.exit(9)
	c := newChild(t, code)
	pc := channel(t, c.proc, 0)
	c.start(t)
	exc, _ := readException(t, pc, zx.ExcpFatalPageFault)
	r := readRegs(t, c.thread)
	if r.RIP != uint64(c.entry)+uint64(at) {
		t.Errorf("rip %#x, want %#x", r.RIP, uint64(c.entry)+uint64(at))
	}
	r.RIP += uint64(n)
	writeRegs(t, c.thread, r)
	resume(t, exc, zx.ExceptionStateHandled)
	if rc := retcode(t, c.proc); rc != 9 {
		t.Errorf("retcode %d, want 9", rc)
	}
}

// INT3 leaves RIP past the instruction: HANDLED resumes after it.
func TestBreakpointResume(t *testing.T) {
	c := newChild(t, asm{}.int3().exit(7))
	tc := channel(t, c.thread, 0)
	c.start(t)
	exc, _ := readException(t, tc, zx.ExcpSWBreakpoint)
	var out zx.Handle
	ctest.Want(t, "get_process from a thread channel", zx.Sys_exception_get_process(exc, &out), zx.ErrAccessDenied)
	ctest.Must(t, "get_thread", zx.Sys_exception_get_thread(exc, &out))
	if koid(t, out) != koid(t, c.thread) {
		t.Error("get_thread: another thread")
	}
	zx.Sys_handle_close(out)
	resume(t, exc, zx.ExceptionStateHandled)
	if rc := retcode(t, c.proc); rc != 7 {
		t.Errorf("retcode %d, want 7", rc)
	}
}

// Single-step: in the breakpoint's exception the handler sets
// ZX_THREAD_STATE_SINGLE_STEP; the next instruction raises
// ZX_EXCP_HW_BREAKPOINT (#DB).
func TestSingleStep(t *testing.T) {
	c := newChild(t, asm{}.int3().nop().exit(5))
	pc := channel(t, c.proc, 0)
	c.start(t)
	exc, _ := readException(t, pc, zx.ExcpSWBreakpoint)
	one := uint32(1)
	ctest.Must(t, "SINGLE_STEP on", zx.Sys_thread_write_state(c.thread, zx.ThreadStateSingleStep, ptr(&one), 4))
	rip := readRegs(t, c.thread).RIP
	resume(t, exc, zx.ExceptionStateHandled)
	exc, _ = readException(t, pc, zx.ExcpHWBreakpoint)
	if r := exceptionReport(t, c.thread); r.Vector != 1 {
		t.Errorf("vector %d, want 1", r.Vector)
	}
	if got := readRegs(t, c.thread).RIP; got != rip+1 {
		t.Errorf("rip after one step %#x, want %#x", got, rip+1)
	}
	zero := uint32(0)
	ctest.Must(t, "SINGLE_STEP off", zx.Sys_thread_write_state(c.thread, zx.ThreadStateSingleStep, ptr(&zero), 4))
	resume(t, exc, zx.ExceptionStateHandled)
	if rc := retcode(t, c.proc); rc != 5 {
		t.Errorf("retcode %d, want 5", rc)
	}
}

// Handlers in Zircon's order: process debugger, thread, process, jobs
// (inner first); each TRY_NEXT passes the exception on.
func TestHandlerOrder(t *testing.T) {
	pf, _, _ := asm{}.storeNull()
	c := newChild(t, pf)
	jc := channel(t, c.job, 0)
	pch := channel(t, c.proc, 0)
	tc := channel(t, c.thread, 0)
	dc := channel(t, c.proc, zx.ExceptionChannelDebugger)
	var info zx.InfoProcess
	ctest.Must(t, "ZX_INFO_PROCESS", zx.Sys_object_get_info(c.proc, zx.ObjectInfoProcess, ptr(&info), 16, nil, nil))
	if !info.DebuggerAttached {
		t.Error("debugger_attached not set")
	}
	c.start(t)
	// The debugger sees the thread start first.
	exc, _ := readException(t, dc, zx.ExcpThreadStarting)
	ctest.Must(t, "close", zx.Sys_handle_close(exc))
	for _, s := range []struct {
		ch zx.Handle
		ct uint32
	}{{dc, zx.ExceptionChannelTypeDebugger}, {tc, zx.ExceptionChannelTypeThread}, {pch, zx.ExceptionChannelTypeProcess}, {jc, zx.ExceptionChannelTypeJob}} {
		exc, _ := readException(t, s.ch, zx.ExcpFatalPageFault)
		if got := infoThread(t, c.thread).WaitExceptionChannelType; got != s.ct {
			t.Errorf("wait_exception_channel_type %d, want %d", got, s.ct)
		}
		var v uint32 = zx.ExceptionStrategySecondChance
		want := zx.ErrBadState
		if s.ct == zx.ExceptionChannelTypeDebugger {
			want = zx.OK
		}
		ctest.Want(t, "set strategy", zx.Sys_object_set_property(exc, zx.PropExceptionStrategy, ptr(&v), 4), want)
		if s.ct == zx.ExceptionChannelTypeProcess {
			// Second chance: the debugger again before the job.
			ctest.Must(t, "close", zx.Sys_handle_close(exc))
			exc, _ = readException(t, dc, zx.ExcpFatalPageFault)
			if getU32Prop(t, exc, zx.PropExceptionStrategy) != zx.ExceptionStrategySecondChance {
				t.Error("strategy not SECOND_CHANCE")
			}
		}
		ctest.Must(t, "close", zx.Sys_handle_close(exc))
	}
	if rc := retcode(t, c.proc); rc != zx.TaskRetcodeExceptionKill {
		t.Errorf("retcode %d", rc)
	}
}

// THREAD_EXIT ends the thread (and so its one-thread process).
func TestStateThreadExit(t *testing.T) {
	c := newChild(t, asm{}.ud2())
	pc := channel(t, c.proc, 0)
	c.start(t)
	exc, _ := readException(t, pc, zx.ExcpUndefinedInstruction)
	resume(t, exc, zx.ExceptionStateThreadExit)
	ctest.Must(t, "thread TERMINATED", zx.Sys_object_wait_one(c.thread, zx.TaskTerminated, deadline(), nil))
}

// task_kill of a process whose thread waits in an exception ends it; the
// exception handle stays usable.
func TestKillInException(t *testing.T) {
	c := newChild(t, asm{}.ud2())
	pc := channel(t, c.proc, 0)
	c.start(t)
	exc, _ := readException(t, pc, zx.ExcpUndefinedInstruction)
	ctest.Must(t, "task_kill", zx.Sys_task_kill(c.proc))
	if rc := retcode(t, c.proc); rc != zx.TaskRetcodeSyscallKill {
		t.Errorf("retcode %d, want ZX_TASK_RETCODE_SYSCALL_KILL", rc)
	}
	var th zx.Handle
	ctest.Must(t, "get_thread after the kill", zx.Sys_exception_get_thread(exc, &th))
	zx.Sys_handle_close(th)
	setU32Prop(t, exc, zx.PropExceptionState, zx.ExceptionStateHandled)
	var bad uint32 = 3
	ctest.Want(t, "bad state value", zx.Sys_object_set_property(exc, zx.PropExceptionState, ptr(&bad), 4), zx.ErrInvalidArgs)
	ctest.Want(t, "short buffer", zx.Sys_object_set_property(exc, zx.PropExceptionState, ptr(&bad), 2), zx.ErrBufferTooSmall)
	zx.Sys_handle_close(exc)
}
