package exception

import (
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// eventCreateExit: event_create(0, rsp-16), then process_exit(status).
func eventCreateExit() asm {
	code := asm{}.movImm(rDI, 0)
	code = append(code, 0x48, 0x8d, 0x74, 0x24, 0xf0) // LEA RSI, [RSP-16]
	code = code.sys(zx.SysEventCreate)
	code = append(code, 0x48, 0x89, 0xc7) // MOV RDI, RAX
	return code.sys(zx.SysProcessExit)
}

// A job policy with ZX_POL_ACTION_ALLOW_EXCEPTION or DENY_EXCEPTION
// raises ZX_EXCP_POLICY_ERROR (synth_code: the condition) when the call
// returns; HANDLED lets the thread go on with the call's result.
func TestPolicyException(t *testing.T) {
	for _, c := range []struct {
		name   string
		action uint32
		want   int64
	}{
		{"allow", zx.PolActionAllowException, 0},
		{"deny", zx.PolActionDenyException, int64(zx.ErrAccessDenied)},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch := newChildWith(t, eventCreateExit(), func(job zx.Handle) {
				pol := []zx.PolicyBasic{{Condition: zx.PolNewEvent, Action: c.action, Flags: zx.PolOverrideDeny}}
				ctest.Must(t, "job_set_policy", zx.Sys_job_set_policy(job, zx.JobPolAbsolute, zx.JobPolBasicV2, unsafe.Pointer(&pol[0]), 1))
			})
			pc := channel(t, ch.proc, 0)
			ch.start(t)
			exc, _ := readException(t, pc, zx.ExcpPolicyError)
			if r := exceptionReport(t, ch.thread); r.Type != zx.ExcpPolicyError || r.SynthCode != zx.PolNewEvent {
				t.Errorf("report %+v, want synth_code ZX_POL_NEW_EVENT", r)
			}
			resume(t, exc, zx.ExceptionStateHandled)
			if rc := retcode(t, ch.proc); rc != c.want {
				t.Errorf("retcode %d, want %d", rc, c.want)
			}
		})
	}
}

// THREAD_STARTING and THREAD_EXITING go to the process debugger only.
func TestThreadStartingExiting(t *testing.T) {
	c := newChild(t, asm{}.exit(4))
	dc := channel(t, c.proc, zx.ExceptionChannelDebugger)
	pc := channel(t, c.proc, 0)
	c.start(t)
	exc, info := readException(t, dc, zx.ExcpThreadStarting)
	if info.TID != koid(t, c.thread) {
		t.Error("THREAD_STARTING of another thread")
	}
	ctest.Must(t, "close", zx.Sys_handle_close(exc))
	exc, _ = readException(t, dc, zx.ExcpThreadExiting)
	ctest.Must(t, "close", zx.Sys_handle_close(exc))
	noException(t, pc)
	if rc := retcode(t, c.proc); rc != 4 {
		t.Errorf("retcode %d, want 4", rc)
	}
}

// PROCESS_STARTING goes to the job debugger channel; the thread goes on
// whatever the handler sets.
func TestProcessStarting(t *testing.T) {
	c := newChild(t, asm{}.exit(6))
	jd := channel(t, c.job, zx.ExceptionChannelDebugger)
	c.start(t)
	exc, info := readException(t, jd, zx.ExcpProcessStarting)
	if info.PID != koid(t, c.proc) {
		t.Error("PROCESS_STARTING of another process")
	}
	var p zx.Handle
	ctest.Must(t, "exception_get_process", zx.Sys_exception_get_process(exc, &p))
	if koid(t, p) != koid(t, c.proc) {
		t.Error("get_process: another process")
	}
	zx.Sys_handle_close(p)
	ctest.Must(t, "close", zx.Sys_handle_close(exc))
	if rc := retcode(t, c.proc); rc != 6 {
		t.Errorf("retcode %d, want 6", rc)
	}
}
