package process

import (
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: the ProcessTest cases that start the original's
// mini-process and only need it alive: here a child process whose one
// thread sleeps forever (raw code, as testProcess's). Each child lives in
// a job of its own that the cleanup kills, so a case that leaves its
// child running (as the originals do) leaks nothing into later cases.
// MiniProcessSanity runs the mini-process's command loop itself
// (ctest.StartMiniProcessEtc).

// miniJob returns a child job of the default job, killed at cleanup.
func miniJob(t *testing.T) zx.Handle {
	t.Helper()
	var j zx.Handle
	ctest.Must(t, "job_create", zx.Sys_job_create(zx.JobDefault().Handle, 0, &j))
	t.Cleanup(func() {
		zx.Sys_task_kill(j)
		zx.Sys_object_wait_one(j, zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second), nil)
		zx.Sys_handle_close(j)
	})
	return j
}

// sleeperProcess creates a process in job with a thread, the sleeping
// code mapped, not started.
func sleeperProcess(t *testing.T, job zx.Handle, name string) (proc, vmar, thread zx.Handle, entry zx.Vaddr) {
	t.Helper()
	n := []byte(name)
	ctest.Must(t, "process_create", zx.Sys_process_create(job, &n[0], uint(len(n)), 0, &proc, &vmar))
	ctest.Must(t, "thread_create", zx.Sys_thread_create(proc, &n[0], uint(len(n)), 0, &thread))
	var a asm
	a = a.movImm(rDI, infinite).sys(zx.SysNanosleep)
	a = append(a, 0xeb, byte(-len(a)-2))
	cv, err := zx.NewVmo(zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := cv.Write(a, 0); err != nil {
		t.Fatal(err)
	}
	if cv, err = cv.ReplaceAsExecutable(zx.HandleInvalid); err != nil {
		t.Fatal(err)
	}
	defer cv.Close()
	ctest.Must(t, "vmar_map", zx.Sys_vmar_map(vmar, zx.VMPermRead|zx.VMPermExecute, 0, cv.Handle, 0, zx.PageSize, &entry))
	return
}

// startMini is start_mini_process: a started sleeper process in job
// with arg1 moved in; the caller owns the process and thread handles.
func startMini(t *testing.T, job, arg1 zx.Handle) (proc, thread zx.Handle) {
	t.Helper()
	proc, vmar, thread, entry := sleeperProcess(t, job, "mini-p")
	zx.Sys_handle_close(vmar)
	ctest.Must(t, "process_start", zx.Sys_process_start(proc, thread, entry, 0, arg1, 0))
	return proc, thread
}

func newEvent(t *testing.T) zx.Handle {
	t.Helper()
	var e zx.Handle
	ctest.Must(t, "event_create", zx.Sys_event_create(0, &e))
	return e
}

func TestProcessTest_ProcessStartFail(t *testing.T) {
	job := miniJob(t)
	proc, thread := startMini(t, job, newEvent(t))
	defer zx.Sys_handle_close(proc)
	defer zx.Sys_handle_close(thread)
	ev2 := newEvent(t)
	var other zx.Handle
	n := []byte("test")
	ctest.Must(t, "thread_create", zx.Sys_thread_create(proc, &n[0], 4, 0, &other))
	defer zx.Sys_handle_close(other)
	ctest.Want(t, "process_start again", zx.Sys_process_start(proc, other, 0, 0, ev2, 0), zx.ErrBadState)
	ctest.Want(t, "the transferred event", zx.Sys_object_signal(ev2, 0, uint32(zx.EventSignaled)), zx.ErrBadHandle)
}

func TestProcessTest_ProcessNotKilledViaThreadClose(t *testing.T) {
	job := miniJob(t)
	proc, thread := startMini(t, job, newEvent(t))
	defer zx.Sys_handle_close(proc)
	ctest.Must(t, "close the thread", zx.Sys_handle_close(thread))
	var s zx.Signals
	ctest.Want(t, "wait for TERMINATED", zx.Sys_object_wait_one(proc, zx.TaskTerminated, zx.Now()+zx.Time(time.Millisecond), &s), zx.ErrTimedOut)
	if s == zx.TaskTerminated {
		t.Error("the process terminated")
	}
}

func TestProcessTest_ProcessNotKilledViaProcessClose(t *testing.T) {
	job := miniJob(t)
	proc, thread := startMini(t, job, newEvent(t))
	defer zx.Sys_handle_close(thread)
	ctest.Must(t, "close the process", zx.Sys_handle_close(proc))
	ctest.Want(t, "wait for the thread's TERMINATED", zx.Sys_object_wait_one(thread, zx.TaskTerminated, zx.Now()+zx.Time(time.Millisecond), nil), zx.ErrTimedOut)
}

func TestProcessTest_KillProcessViaThreadKill(t *testing.T) {
	job := miniJob(t)
	proc, thread := startMini(t, job, newEvent(t))
	defer zx.Sys_handle_close(proc)
	defer zx.Sys_handle_close(thread)
	ctest.Must(t, "task_kill(the only thread)", zx.Sys_task_kill(thread))
	var s zx.Signals
	ctest.Must(t, "wait for TERMINATED", zx.Sys_object_wait_one(proc, zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second), &s))
	if s != zx.TaskTerminated {
		t.Errorf("signals %#x", s)
	}
}

func dupSend(t *testing.T, ch, h zx.Handle) {
	t.Helper()
	var d zx.Handle
	ctest.Must(t, "handle_duplicate", zx.Sys_handle_duplicate(h, zx.RightSameRights, &d))
	ctest.Must(t, "channel_write", zx.Sys_channel_write(ch, 0, nil, 0, &d, 1))
}

func TestProcessTest_KillChannelHandleCycle(t *testing.T) {
	var c0, c1 zx.Handle
	ctest.Must(t, "channel_create", zx.Sys_channel_create(0, &c0, &c1))
	job := miniJob(t)
	p1, v1, th1, e1 := sleeperProcess(t, job, "ttp1")
	p2, v2, th2, e2 := sleeperProcess(t, job, "ttp2")
	dupSend(t, c0, p2)
	dupSend(t, c0, th2)
	dupSend(t, c1, p1)
	dupSend(t, c1, th1)
	ctest.Must(t, "process_start(1)", zx.Sys_process_start(p1, th1, e1, 0, c0, 0))
	ctest.Must(t, "process_start(2)", zx.Sys_process_start(p2, th2, e2, 0, c1, 0))
	for _, h := range []zx.Handle{v2, v1, p1, p2} {
		ctest.Must(t, "handle_close", zx.Sys_handle_close(h))
	}
	timeout := zx.Time(250 * time.Millisecond)
	ctest.Want(t, "thread 1 alive", zx.Sys_object_wait_one(th1, zx.TaskTerminated, zx.Now()+timeout, nil), zx.ErrTimedOut)
	ctest.Want(t, "thread 2 alive", zx.Sys_object_wait_one(th2, zx.TaskTerminated, zx.Now()+timeout, nil), zx.ErrTimedOut)
	ctest.Must(t, "close thread 1", zx.Sys_handle_close(th1))
	ctest.Want(t, "thread 2 still alive", zx.Sys_object_wait_one(th2, zx.TaskTerminated, zx.Now()+timeout, nil), zx.ErrTimedOut)
	ctest.Must(t, "task_kill(job)", zx.Sys_task_kill(job))
	var s zx.Signals
	ctest.Must(t, "thread 2 terminated", zx.Sys_object_wait_one(th2, zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second), &s))
	ctest.Must(t, "close thread 2", zx.Sys_handle_close(th2))
}

func processInfo(t *testing.T, p zx.Handle) zx.InfoProcess {
	t.Helper()
	var info zx.InfoProcess
	ctest.Must(t, "get_info(PROCESS)", zx.Sys_object_get_info(p, zx.ObjectInfoProcess, unsafe.Pointer(&info), uint(unsafe.Sizeof(info)), nil, nil))
	return info
}

func TestProcessTest_InfoReflectsProcessState(t *testing.T) {
	job := miniJob(t)
	proc, vmar, thread, entry := sleeperProcess(t, job, "ttp")
	defer zx.Sys_handle_close(proc)
	defer zx.Sys_handle_close(vmar)
	defer zx.Sys_handle_close(thread)
	if info := processInfo(t, proc); info.Started || info.Exited || info.ReturnCode != 0 {
		t.Errorf("before start: %+v", info)
	}
	ctest.Must(t, "process_start", zx.Sys_process_start(proc, thread, entry, 0, newEvent(t), 0))
	ctest.Want(t, "alive", zx.Sys_object_wait_one(proc, zx.TaskTerminated, zx.Now()+zx.Time(250*time.Millisecond), nil), zx.ErrTimedOut)
	if info := processInfo(t, proc); !info.Started || info.Exited {
		t.Errorf("running: %+v", info)
	}
	ctest.Must(t, "task_kill", zx.Sys_task_kill(proc))
	var s zx.Signals
	ctest.Must(t, "wait", zx.Sys_object_wait_one(proc, zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second), &s))
	if s != zx.TaskTerminated {
		t.Errorf("signals %#x", s)
	}
	if info := processInfo(t, proc); !info.Started || !info.Exited || info.ReturnCode != zx.TaskRetcodeSyscallKill {
		t.Errorf("killed: %+v", info)
	}
}

func TestProcessTest_MiniProcessSanity(t *testing.T) {
	var proc, thread, vmar zx.Handle
	n := []byte("mini-p")
	ctest.Must(t, "process_create", zx.Sys_process_create(zx.JobDefault().Handle, &n[0], 3, 0, &proc, &vmar))
	ctest.Must(t, "thread_create", zx.Sys_thread_create(proc, &n[0], 2, 0, &thread))
	defer func() {
		// The child has exited; kill it anyway should an assertion fail early.
		zx.Sys_task_kill(proc)
		zx.Sys_handle_close(thread)
		zx.Sys_handle_close(proc)
		zx.Sys_handle_close(vmar)
	}()
	ctl, st := ctest.StartMiniProcessEtc(proc, thread, vmar, newEvent(t))
	ctest.Must(t, "start_mini_process_etc", st)
	defer zx.Sys_handle_close(ctl)
	ctest.Want(t, "MINIP_CMD_ECHO_MSG", ctest.MiniProcessCmd(ctl, ctest.MinipCmdEchoMsg, nil), zx.OK)
	var oev zx.Handle
	ctest.Want(t, "MINIP_CMD_CREATE_EVENT", ctest.MiniProcessCmd(ctl, ctest.MinipCmdCreateEvent, &oev), zx.OK)
	if oev != zx.HandleInvalid {
		if b := ctest.Basic(t, oev); b.Type != zx.ObjTypeEvent {
			t.Errorf("the child's event has type %d", b.Type)
		}
		zx.Sys_handle_close(oev)
	}
	ctest.Want(t, "MINIP_CMD_EXIT_NORMAL", ctest.MiniProcessCmd(ctl, ctest.MinipCmdExitNormal, nil), zx.ErrPeerClosed)
}
