package job

import (
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: JobTest.KillTest and KillJobChain, with the
// mini-process of critical_unsafe_test.go.

func jobInfo(t *testing.T, j zx.Handle) zx.InfoJob {
	t.Helper()
	var info zx.InfoJob
	ctest.Must(t, "get_info(JOB)", zx.Sys_object_get_info(j, zx.ObjectInfoJob, unsafe.Pointer(&info), uint(unsafe.Sizeof(info)), nil, nil))
	return info
}

func TestJobTest_KillTest(t *testing.T) {
	child := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(child)
	grandchild := rawJob(t, child)
	defer zx.Sys_handle_close(grandchild)
	m := startMiniProcess(t, child)
	ctest.Must(t, "task_kill(job)", zx.Sys_task_kill(child))
	if got := waitSignals(t, m.process, zx.TaskTerminated); got != zx.TaskTerminated {
		t.Errorf("process signals %#x", got)
	}
	if got := waitSignals(t, child, zx.TaskTerminated); got != deadJob {
		t.Errorf("job signals %#x, want %#x", got, deadJob)
	}
	for _, j := range []zx.Handle{child, grandchild} {
		if info := jobInfo(t, j); !info.Exited || info.ReturnCode != zx.TaskRetcodeSyscallKill {
			t.Errorf("job info %+v", info)
		}
	}
	if rc := processRetcode(t, m.process); rc != zx.TaskRetcodeSyscallKill {
		t.Errorf("process return code %d", rc)
	}
	var j2 zx.Handle
	ctest.Want(t, "job_create in the killed job", zx.Sys_job_create(child, 0, &j2), zx.ErrBadState)
	_, _, st := createProcess(child)
	ctest.Want(t, "process_create in the killed job", st, zx.ErrBadState)
}

func TestJobTest_KillJobChain(t *testing.T) {
	var jobs [5]zx.Handle
	parent := zx.JobDefault().Handle
	for i := range jobs {
		jobs[i] = rawJob(t, parent)
		defer zx.Sys_handle_close(jobs[i])
		parent = jobs[i]
		startMiniProcess(t, jobs[i])
	}
	ctest.Must(t, "task_kill(top job)", zx.Sys_task_kill(jobs[0]))
	items := make([]zx.WaitItem, len(jobs))
	for i, j := range jobs {
		items[i].Handle = j
	}
	items[0].WaitFor = zx.TaskTerminated
	ctest.Must(t, "object_wait_many", zx.Sys_object_wait_many(&items[0], uint(len(items)), zx.Now()+zx.Time(10*time.Second)))
	for i, it := range items {
		if it.Pending != deadJob {
			t.Errorf("job %d: pending %#x, want %#x", i, it.Pending, deadJob)
		}
	}
}
