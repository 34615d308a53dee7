package job

import (
	"encoding/binary"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: the JobTest cases of critical processes
// (job_set_critical), the kill-on-OOM property and the waits on a job's
// processes. The original's mini-process is raw code here: it waits for
// its bootstrap channel to become readable (the command) and then exits
// with 0 (MINIP_CMD_EXIT_NORMAL).

func movImm(a []byte, reg byte, v uint64) []byte {
	a = append(a, 0x48, 0xb8+reg)
	return binary.LittleEndian.AppendUint64(a, v)
}

func miniCode() []byte {
	const rax, rdx, rsi, rdi = 0, 2, 6, 7
	// RDI holds the bootstrap channel (process_start's arg1).
	a := movImm(nil, rsi, uint64(zx.ChannelReadable))
	a = movImm(a, rdx, uint64(zx.TimeInfinite))
	a = append(a, 0x4d, 0x31, 0xd2) // xor r10, r10 (no observed pointer)
	a = movImm(a, rax, uint64(zx.SysObjectWaitOne))
	a = append(a, 0x0f, 0x05)
	a = movImm(a, rdi, 0)
	a = movImm(a, rax, uint64(zx.SysProcessExit))
	return append(a, 0x0f, 0x05, 0x0f, 0x0b)
}

// miniProcess is a started child process of job running miniCode; cmd
// is the channel end that commands it.
type miniProcess struct {
	process, thread, cmd zx.Handle
}

func startMiniProcess(t *testing.T, job zx.Handle) *miniProcess {
	t.Helper()
	p, v, st := createProcess(job)
	ctest.Must(t, "process_create", st)
	defer zx.Sys_handle_close(v)
	m := &miniProcess{process: p}
	name := []byte("mini")
	ctest.Must(t, "thread_create", zx.Sys_thread_create(p, &name[0], uint(len(name)), 0, &m.thread))
	var code zx.Handle
	ctest.Must(t, "vmo_create", zx.Sys_vmo_create(zx.PageSize, 0, &code))
	c := miniCode()
	ctest.Must(t, "vmo_write", zx.Sys_vmo_write(code, unsafe.Pointer(&c[0]), 0, uint(len(c))))
	var exec zx.Handle
	ctest.Must(t, "vmo_replace_as_executable", zx.Sys_vmo_replace_as_executable(code, zx.HandleInvalid, &exec))
	var entry zx.Vaddr
	ctest.Must(t, "vmar_map", zx.Sys_vmar_map(v, zx.VMPermRead|zx.VMPermExecute, 0, exec, 0, zx.PageSize, &entry))
	zx.Sys_handle_close(exec)
	var child zx.Handle
	ctest.Must(t, "channel_create", zx.Sys_channel_create(0, &m.cmd, &child))
	ctest.Must(t, "process_start", zx.Sys_process_start(p, m.thread, entry, 0, child, 0))
	t.Cleanup(func() {
		zx.Sys_task_kill(p)
		zx.Sys_object_wait_one(p, zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second), nil)
		zx.Sys_handle_close(m.cmd)
		zx.Sys_handle_close(m.thread)
		zx.Sys_handle_close(p)
	})
	return m
}

// exitNormal is mini_process_cmd_send(MINIP_CMD_EXIT_NORMAL).
func (m *miniProcess) exitNormal(t *testing.T) {
	t.Helper()
	b := []byte{1}
	ctest.Must(t, "channel_write", zx.Sys_channel_write(m.cmd, 0, unsafe.Pointer(&b[0]), 1, nil, 0))
}

func waitSignals(t *testing.T, h zx.Handle, s zx.Signals) zx.Signals {
	t.Helper()
	var got zx.Signals
	ctest.Must(t, "object_wait_one", zx.Sys_object_wait_one(h, s, zx.Now()+zx.Time(10*time.Second), &got))
	return got
}

func jobRetcode(t *testing.T, j zx.Handle) int64 {
	t.Helper()
	var info zx.InfoJob
	ctest.Must(t, "get_info(JOB)", zx.Sys_object_get_info(j, zx.ObjectInfoJob, unsafe.Pointer(&info), uint(unsafe.Sizeof(info)), nil, nil))
	return info.ReturnCode
}

func processRetcode(t *testing.T, p zx.Handle) int64 {
	t.Helper()
	var info zx.InfoProcess
	ctest.Must(t, "get_info(PROCESS)", zx.Sys_object_get_info(p, zx.ObjectInfoProcess, unsafe.Pointer(&info), uint(unsafe.Sizeof(info)), nil, nil))
	return info.ReturnCode
}

const deadJob = zx.JobTerminated | zx.JobNoProcesses | zx.JobNoJobs | jobNoChildren

func TestJobTest_OneCriticalProcessKillsOneJob(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	m := startMiniProcess(t, j)
	ctest.Must(t, "job_set_critical", zx.Sys_job_set_critical(j, 0, m.process))
	ctest.Must(t, "task_kill", zx.Sys_task_kill(m.process))
	if got := waitSignals(t, j, zx.JobTerminated); got != deadJob {
		t.Errorf("job signals %#x, want %#x", got, deadJob)
	}
	if rc := jobRetcode(t, j); rc != zx.TaskRetcodeCriticalProcessKill {
		t.Errorf("job return code %d", rc)
	}
}

func TestJobTest_ManyCriticalProcessesKillOneJob(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	m1 := startMiniProcess(t, j)
	m2 := startMiniProcess(t, j)
	ctest.Must(t, "job_set_critical(1)", zx.Sys_job_set_critical(j, 0, m1.process))
	ctest.Must(t, "job_set_critical(2)", zx.Sys_job_set_critical(j, 0, m2.process))
	ctest.Must(t, "task_kill", zx.Sys_task_kill(m1.process))
	if got := waitSignals(t, j, zx.JobTerminated); got != deadJob {
		t.Errorf("job signals %#x, want %#x", got, deadJob)
	}
	if rc := jobRetcode(t, j); rc != zx.TaskRetcodeCriticalProcessKill {
		t.Errorf("job return code %d", rc)
	}
	if rc := processRetcode(t, m2.process); rc != zx.TaskRetcodeCriticalProcessKill {
		t.Errorf("second process's return code %d", rc)
	}
}

func TestJobTest_OneCriticalProcessKillsJobTree(t *testing.T) {
	j1 := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j1)
	j2 := rawJob(t, j1)
	defer zx.Sys_handle_close(j2)
	m1 := startMiniProcess(t, j1)
	m2 := startMiniProcess(t, j2)
	ctest.Must(t, "job_set_critical", zx.Sys_job_set_critical(j1, 0, m2.process))
	ctest.Want(t, "job_set_critical(not an ancestor)", zx.Sys_job_set_critical(j2, 0, m1.process), zx.ErrInvalidArgs)
	ctest.Must(t, "task_kill", zx.Sys_task_kill(m2.process))
	for _, j := range []zx.Handle{j1, j2} {
		if got := waitSignals(t, j, zx.JobTerminated); got != deadJob {
			t.Errorf("job signals %#x, want %#x", got, deadJob)
		}
		if rc := jobRetcode(t, j); rc != zx.TaskRetcodeCriticalProcessKill {
			t.Errorf("job return code %d", rc)
		}
	}
}

func TestJobTest_OneCriticalProcessKillsOneJobIfRetcodeNonzero(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	m := startMiniProcess(t, j)
	ctest.Must(t, "job_set_critical(RETCODE_NONZERO)", zx.Sys_job_set_critical(j, zx.JobCriticalProcessRetcodeNonzero, m.process))
	m.exitNormal(t)
	if got := waitSignals(t, j, zx.JobNoProcesses); got != zx.JobNoProcesses|zx.JobNoJobs|jobNoChildren {
		t.Errorf("job signals %#x, want the job alive without processes", got)
	}
}

func TestJobTest_CriticalProcessNotInAncestor(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	m := startMiniProcess(t, zx.JobDefault().Handle)
	ctest.Want(t, "job_set_critical", zx.Sys_job_set_critical(j, 0, m.process), zx.ErrInvalidArgs)
	ctest.Must(t, "task_kill", zx.Sys_task_kill(m.process))
}

func TestJobTest_CriticalProcessAlreadySet(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	m := startMiniProcess(t, j)
	ctest.Must(t, "job_set_critical", zx.Sys_job_set_critical(j, 0, m.process))
	ctest.Want(t, "job_set_critical again", zx.Sys_job_set_critical(j, 0, m.process), zx.ErrAlreadyBound)
	ctest.Must(t, "task_kill", zx.Sys_task_kill(m.process))
	if got := waitSignals(t, j, zx.JobTerminated); got != deadJob {
		t.Errorf("job signals %#x, want %#x", got, deadJob)
	}
	if rc := jobRetcode(t, j); rc != zx.TaskRetcodeCriticalProcessKill {
		t.Errorf("job return code %d", rc)
	}
}

func TestJobTest_WaitTest(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	m := startMiniProcess(t, j)
	if got := waitSignals(t, j, zx.JobNoJobs); got != zx.JobNoJobs {
		t.Errorf("signals %#x, want NO_JOBS alone", got)
	}
	time.Sleep(5 * time.Millisecond)
	ctest.Must(t, "task_kill", zx.Sys_task_kill(m.process))
	if got := waitSignals(t, j, zx.JobNoProcesses); got != zx.JobNoProcesses|zx.JobNoJobs|jobNoChildren {
		t.Errorf("signals %#x", got)
	}
}

// TestJobSetCriticalErrors: the documented errors of job_set_critical.
func TestJobSetCriticalErrors(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	m := startMiniProcess(t, j)
	ctest.Want(t, "options 2", zx.Sys_job_set_critical(j, 2, m.process), zx.ErrInvalidArgs)
	ctest.Want(t, "bad job handle", zx.Sys_job_set_critical(0x7ffffff3, 0, m.process), zx.ErrBadHandle)
	ctest.Want(t, "a process as the job", zx.Sys_job_set_critical(m.process, 0, m.process), zx.ErrWrongType)
	ctest.Want(t, "job without DESTROY", zx.Sys_job_set_critical(ctest.Reduced(t, j, zx.RightsBasic), 0, m.process), zx.ErrAccessDenied)
	ctest.Want(t, "bad process handle", zx.Sys_job_set_critical(j, 0, 0x7ffffff3), zx.ErrBadHandle)
	ctest.Want(t, "a job as the process", zx.Sys_job_set_critical(j, 0, j), zx.ErrWrongType)
	ctest.Want(t, "process without WAIT", zx.Sys_job_set_critical(j, 0, ctest.Reduced(t, m.process, zx.RightInspect)), zx.ErrAccessDenied)
	ctest.Want(t, "not an ancestor", zx.Sys_job_set_critical(rawJob(t, zx.JobDefault().Handle), 0, m.process), zx.ErrInvalidArgs)
	ctest.Must(t, "job_set_critical", zx.Sys_job_set_critical(j, 0, m.process))
	ctest.Want(t, "already critical", zx.Sys_job_set_critical(j, 0, m.process), zx.ErrAlreadyBound)
}

func setOOM(j zx.Handle, v uint64, size uint) zx.Status {
	return zx.Sys_object_set_property(j, zx.PropJobKillOnOOM, unsafe.Pointer(&v), size)
}

// TestJobTest_SetJobOomKillBit sets the bit on a child job rather than
// the default job the original uses: the conformance families share
// theirs.
func TestJobTest_SetJobOomKillBit(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	ctest.Must(t, "set KILL_ON_OOM 1", setOOM(j, 1, 8))
	ctest.Must(t, "set KILL_ON_OOM 0", setOOM(j, 0, 8))
	ctest.Want(t, "set KILL_ON_OOM 2", setOOM(j, 2, 8), zx.ErrInvalidArgs)
}

// TestJobKillOnOOMProperty: the property reads back, shows in
// ZX_INFO_JOB, and is refused on other objects and with short buffers.
func TestJobKillOnOOMProperty(t *testing.T) {
	j := rawJob(t, zx.JobDefault().Handle)
	defer zx.Sys_handle_close(j)
	get := func() uint64 {
		var v uint64
		ctest.Must(t, "get KILL_ON_OOM", zx.Sys_object_get_property(j, zx.PropJobKillOnOOM, unsafe.Pointer(&v), 8))
		return v
	}
	if v := get(); v != 0 {
		t.Errorf("a new job's KILL_ON_OOM is %d", v)
	}
	ctest.Must(t, "set 1", setOOM(j, 1, 8))
	var info zx.InfoJob
	ctest.Must(t, "get_info(JOB)", zx.Sys_object_get_info(j, zx.ObjectInfoJob, unsafe.Pointer(&info), uint(unsafe.Sizeof(info)), nil, nil))
	if v := get(); v != 1 || !info.KillOnOOM {
		t.Errorf("after setting: property %d, info.kill_on_oom %v", v, info.KillOnOOM)
	}
	ctest.Want(t, "short buffer", setOOM(j, 1, 4), zx.ErrBufferTooSmall)
	ctest.Want(t, "on a process", setOOM(zx.ProcessSelf().Handle, 1, 8), zx.ErrWrongType)
	ctest.Must(t, "set 0", setOOM(j, 0, 8))
}
