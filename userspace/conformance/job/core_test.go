package job

import (
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: JobTest (job/job.cc in utest/core). The cases that
// need a running child process (the original's mini-process) are not
// ported here.

// jobNoChildren is __ZX_OBJECT_SIGNAL_6, the job signal the original
// declares itself: active while a job has no child jobs or processes.
const jobNoChildren zx.Signals = 1 << 6

func rawJob(t *testing.T, parent zx.Handle) zx.Handle {
	t.Helper()
	var j zx.Handle
	ctest.Must(t, "job_create", zx.Sys_job_create(parent, 0, &j))
	return j
}

func jobSignals(h zx.Handle) zx.Signals {
	var s zx.Signals
	zx.Sys_object_wait_one(h, 0, zx.TimeInfinitePast, &s)
	return s
}

func createProcess(j zx.Handle) (zx.Handle, zx.Handle, zx.Status) {
	var p, v zx.Handle
	name := []byte("job-test-p")
	st := zx.Sys_process_create(j, &name[0], uint(len(name)), 0, &p, &v)
	return p, v, st
}

type timerSlack struct {
	MinSlack    int64
	DefaultMode uint32
	_           uint32
}

func setSlack(j zx.Handle, options uint32, pol []timerSlack, count uint32) zx.Status {
	var p unsafe.Pointer
	if len(pol) > 0 {
		p = unsafe.Pointer(&pol[0])
	}
	return zx.Sys_job_set_policy(j, options, zx.JobPolTimerSlack, p, count)
}

func setBasic(j zx.Handle, options uint32, pol []zx.PolicyBasic) zx.Status {
	return zx.Sys_job_set_policy(j, options, zx.JobPolBasicV2, unsafe.Pointer(&pol[0]), uint32(len(pol)))
}

func TestJobTest_BasicTest(t *testing.T) {
	child := rawJob(t, zx.JobDefault().Handle)
	grandchild := rawJob(t, child)
	var info struct {
		ReturnCode int64
		Exited     bool
		_          [7]byte
	}
	ctest.Must(t, "get_info(JOB)", zx.Sys_object_get_info(child, zx.ObjectInfoJob, unsafe.Pointer(&info), 16, nil, nil))
	if info.Exited || info.ReturnCode != 0 {
		t.Errorf("job info %+v", info)
	}
	ctest.Must(t, "close", zx.Sys_handle_close(child))
	ctest.Must(t, "close", zx.Sys_handle_close(grandchild))
	var j zx.Handle
	ctest.Want(t, "job_create(ZX_HANDLE_INVALID)", zx.Sys_job_create(zx.HandleInvalid, 0, &j), zx.ErrBadHandle)
}

func TestJobTest_CreateTest(t *testing.T) {
	child := rawJob(t, zx.JobDefault().Handle)
	p1, v1, st := createProcess(zx.JobDefault().Handle)
	ctest.Must(t, "process_create(default job)", st)
	p2, v2, st := createProcess(child)
	ctest.Must(t, "process_create(child job)", st)
	for _, h := range []zx.Handle{child, p1, p2, v1, v2} {
		ctest.Must(t, "close", zx.Sys_handle_close(h))
	}
}

func TestJobTest_JobSignals(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	all := zx.JobNoProcesses | zx.JobNoJobs | jobNoChildren
	if s := jobSignals(j); s != all {
		t.Errorf("new job %#x, want %#x", s, all)
	}
	p, v, st := createProcess(j)
	ctest.Must(t, "process_create", st)
	defer zx.Sys_handle_close(v)
	if s := jobSignals(j); s != zx.JobNoJobs {
		t.Errorf("with a process %#x", s)
	}
	c := rawJob(t, j)
	if s := jobSignals(j); s != 0 {
		t.Errorf("with a process and a job %#x", s)
	}
	zx.Sys_handle_close(p)
	if s := jobSignals(j); s != zx.JobNoProcesses {
		t.Errorf("process gone %#x", s)
	}
	zx.Sys_handle_close(c)
	if s := jobSignals(j); s != all {
		t.Errorf("all gone %#x", s)
	}
}

func TestJobTest_CreateMissingRightsTest(t *testing.T) {
	parent := ctest.Reduced(t, zx.JobDefault().Handle, zx.DefaultJobRights&^zx.RightWrite&^zx.RightManageJob)
	var j zx.Handle
	ctest.Want(t, "job_create(no WRITE, MANAGE_JOB)", zx.Sys_job_create(parent, 0, &j), zx.ErrAccessDenied)
}

func TestJobTest_PolicyInvalidTopicTest(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	var pol uint32
	ctest.Want(t, "set_policy(topic 2)", zx.Sys_job_set_policy(j, zx.JobPolRelative, 2, unsafe.Pointer(&pol), 1), zx.ErrInvalidArgs)
}

func TestJobTest_PolicyBasicOverrideDenyTest(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	pol := []zx.PolicyBasic{
		{Condition: zx.PolBadHandle, Action: zx.PolActionKill, Flags: zx.PolOverrideDeny},
		{Condition: zx.PolNewChannel, Action: zx.PolActionAllowException, Flags: zx.PolOverrideDeny},
		{Condition: zx.PolNewFIFO, Action: zx.PolActionDeny, Flags: zx.PolOverrideDeny},
	}
	ctest.Must(t, "set_policy(RELATIVE)", setBasic(j, zx.JobPolRelative, pol))
	ctest.Must(t, "set_policy(ABSOLUTE, same)", setBasic(j, zx.JobPolAbsolute, pol))
	pol[0].Action = zx.PolActionAllow
	ctest.Want(t, "set_policy(ABSOLUTE, changed)", setBasic(j, zx.JobPolAbsolute, pol), zx.ErrAlreadyExists)
}

func TestJobTest_PolicyBasicOverrideAllowTest(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	pol := []zx.PolicyBasic{
		{Condition: zx.PolBadHandle, Action: zx.PolActionKill, Flags: zx.PolOverrideAllow},
		{Condition: zx.PolNewChannel, Action: zx.PolActionAllowException, Flags: zx.PolOverrideAllow},
		{Condition: zx.PolNewFIFO, Action: zx.PolActionDeny, Flags: zx.PolOverrideAllow},
	}
	ctest.Must(t, "set_policy(RELATIVE)", setBasic(j, zx.JobPolRelative, pol))
	pol[0].Action = zx.PolActionAllow
	ctest.Must(t, "set_policy(ABSOLUTE, changed)", setBasic(j, zx.JobPolAbsolute, pol))
}

const ms = int64(time.Millisecond)

func TestJobTest_PolicyTimerSlackInvalidOptionsTest(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	pol := []timerSlack{{10 * ms, zx.TimerSlackLate, 0}}
	ctest.Want(t, "set_policy(ABSOLUTE, TIMER_SLACK)", setSlack(j, zx.JobPolAbsolute, pol, 1), zx.ErrInvalidArgs)
	ctest.Must(t, "set_policy(RELATIVE, TIMER_SLACK)", setSlack(j, zx.JobPolRelative, pol, 1))
}

func TestJobTest_PolicyTimerSlackInvalidCountTest(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	pol := []timerSlack{{10 * ms, zx.TimerSlackLate, 0}, {10 * ms, zx.TimerSlackLate, 0}}
	ctest.Want(t, "count 0", setSlack(j, zx.JobPolRelative, pol, 0), zx.ErrInvalidArgs)
	ctest.Want(t, "count 2", setSlack(j, zx.JobPolRelative, pol, 2), zx.ErrInvalidArgs)
	ctest.Must(t, "count 1", setSlack(j, zx.JobPolRelative, pol, 1))
}

func TestJobTest_PolicyTimerSlackInvalidPolicyTest(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	ctest.Want(t, "NULL policy", setSlack(j, zx.JobPolRelative, nil, 1), zx.ErrInvalidArgs)
	ctest.Want(t, "negative slack", setSlack(j, zx.JobPolRelative, []timerSlack{{-10 * ms, zx.TimerSlackLate, 0}}, 1), zx.ErrInvalidArgs)
	ctest.Want(t, "mode 3", setSlack(j, zx.JobPolRelative, []timerSlack{{10 * ms, 3, 0}}, 1), zx.ErrInvalidArgs)
	ctest.Must(t, "valid", setSlack(j, zx.JobPolRelative, []timerSlack{{10 * ms, zx.TimerSlackLate, 0}}, 1))
}

func TestJobTest_PolicyTimerSlackNonEmptyTest(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	gc := rawJob(t, j)
	pol := []timerSlack{{10 * ms, zx.TimerSlackLate, 0}}
	ctest.Want(t, "set_policy on a non-empty job", setSlack(j, zx.JobPolRelative, pol, 1), zx.ErrBadState)
	zx.Sys_handle_close(gc)
	ctest.Must(t, "set_policy on the emptied job", setSlack(j, zx.JobPolRelative, pol, 1))
}

func TestJobTest_PolicyTimerSlackValid(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	for _, p := range []timerSlack{{10 * ms, zx.TimerSlackCenter, 0}, {10 * ms, zx.TimerSlackEarly, 0}, {10 * ms, zx.TimerSlackLate, 0},
		{10000 * ms, zx.TimerSlackLate, 0}, {int64(5 * time.Microsecond), zx.TimerSlackCenter, 0}} {
		ctest.Must(t, "set_policy(TIMER_SLACK)", setSlack(j, zx.JobPolRelative, []timerSlack{p}, 1))
	}
}

func TestJobTest_KillJobNoChildTest(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	ctest.Must(t, "task_kill", zx.Sys_task_kill(j))
	var c zx.Handle
	ctest.Want(t, "job_create in a killed job", zx.Sys_job_create(j, 0, &c), zx.ErrBadState)
	_, _, st := createProcess(j)
	ctest.Want(t, "process_create in a killed job", st, zx.ErrBadState)
}

func jobChildren(t *testing.T, j zx.Handle) []zx.Koid {
	t.Helper()
	ks := make([]zx.Koid, 4)
	var n uint
	ctest.Must(t, "get_info(JOB_CHILDREN)", zx.Sys_object_get_info(j, zx.ObjectInfoJobChildren, unsafe.Pointer(&ks[0]), 8, nil, &n))
	return ks[:min(n, 1)]
}

func TestJobTest_KillJobRemovesFromTree(t *testing.T) {
	parent := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(parent)
	child := rawJob(t, parent)
	defer zx.Sys_handle_close(child)
	if ks := jobChildren(t, parent); len(ks) != 1 || ks[0] != ctest.Basic(t, child).Koid {
		t.Fatalf("children %v", ks)
	}
	ctest.Must(t, "task_kill", zx.Sys_task_kill(child))
	ctest.Must(t, "wait TERMINATED", zx.Sys_object_wait_one(child, zx.TaskTerminated, zx.TimeInfinite, nil))
	if ks := jobChildren(t, parent); len(ks) != 0 {
		t.Errorf("children after kill %v", ks)
	}
}

func TestJobTest_CloseJobRemovesFromTree(t *testing.T) {
	parent := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(parent)
	child := rawJob(t, parent)
	if ks := jobChildren(t, parent); len(ks) != 1 || ks[0] != ctest.Basic(t, child).Koid {
		t.Fatalf("children %v", ks)
	}
	ctest.Must(t, "close", zx.Sys_handle_close(child))
	if ks := jobChildren(t, parent); len(ks) != 0 {
		t.Errorf("children after close %v", ks)
	}
}

func TestJobTest_MaxHeightSmoke(t *testing.T) {
	parent := zx.JobDefault().Handle
	var stack []zx.Handle
	defer func() {
		for i := len(stack) - 1; i >= 0; i-- {
			ctest.Must(t, "close", zx.Sys_handle_close(stack[i]))
		}
	}()
	for {
		var c zx.Handle
		if zx.Sys_job_create(parent, 0, &c) != zx.OK {
			break
		}
		if len(stack) >= 128 {
			t.Fatal("no maximum job height below 128")
		}
		stack = append(stack, c)
		parent = c
	}
	var c zx.Handle
	ctest.Want(t, "job_create at the maximum height", zx.Sys_job_create(parent, 0, &c), zx.ErrOutOfRange)
	p, v, st := createProcess(parent)
	ctest.Must(t, "process_create at the maximum height", st)
	zx.Sys_handle_close(v)
	zx.Sys_handle_close(p)
}
