package job

import (
	"encoding/binary"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// taskRuntime reads ZX_INFO_TASK_RUNTIME's cpu_time and queue_time.
func taskRuntime(t *testing.T, h zx.Handle) (cpu, queue int64) {
	t.Helper()
	var b [32]byte
	ctest.Must(t, "get_info(TASK_RUNTIME)", zx.Sys_object_get_info(h, zx.ObjectInfoTaskRuntime, unsafe.Pointer(&b[0]), 32, nil, nil))
	return int64(binary.LittleEndian.Uint64(b[0:])), int64(binary.LittleEndian.Uint64(b[8:]))
}

// startSpinner starts a process in job whose thread spins in ring 3 (the
// original's mini-process; Beryl samples ring-3 time, so a thread that
// only blocks may never be charged any); it returns the process and
// thread handles, closed at cleanup.
func startSpinner(t *testing.T, job zx.Handle) (proc, thread zx.Handle) {
	t.Helper()
	proc, v, st := createProcess(job)
	ctest.Must(t, "process_create", st)
	defer zx.Sys_handle_close(v)
	name := []byte("spin")
	ctest.Must(t, "thread_create", zx.Sys_thread_create(proc, &name[0], uint(len(name)), 0, &thread))
	var code zx.Handle
	ctest.Must(t, "vmo_create", zx.Sys_vmo_create(zx.PageSize, 0, &code))
	c := []byte{0xeb, 0xfe} // jmp .
	ctest.Must(t, "vmo_write", zx.Sys_vmo_write(code, unsafe.Pointer(&c[0]), 0, uint(len(c))))
	var exec zx.Handle
	ctest.Must(t, "vmo_replace_as_executable", zx.Sys_vmo_replace_as_executable(code, zx.HandleInvalid, &exec))
	var entry zx.Vaddr
	ctest.Must(t, "vmar_map", zx.Sys_vmar_map(v, zx.VMPermRead|zx.VMPermExecute, 0, exec, 0, zx.PageSize, &entry))
	zx.Sys_handle_close(exec)
	var ev zx.Handle
	ctest.Must(t, "event_create", zx.Sys_event_create(0, &ev))
	ctest.Must(t, "process_start", zx.Sys_process_start(proc, thread, entry, 0, ev, 0))
	t.Cleanup(func() {
		zx.Sys_task_kill(proc)
		zx.Sys_object_wait_one(proc, zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second), nil)
		zx.Sys_handle_close(thread)
		zx.Sys_handle_close(proc)
	})
	return proc, thread
}

// Zircon core-test JobTest.GetRuntimeTest: a new job's runtime is 0; with
// a process running in it, cpu_time and queue_time are positive; after the
// job is killed they can still be read and no longer change; without
// INSPECT the topic is ACCESS_DENIED. The original reads once right after
// the thread runs; Beryl's cpu_time is sampled per scheduler tick, so the
// case polls (up to 10 s) for the first sample.
func TestJobTest_GetRuntimeTest(t *testing.T) {
	var child zx.Handle
	ctest.Must(t, "job_create", zx.Sys_job_create(zx.JobDefault().Handle, 0, &child))
	defer zx.Sys_handle_close(child)
	if cpu, queue := taskRuntime(t, child); cpu != 0 || queue != 0 {
		t.Fatalf("new job: cpu_time %d queue_time %d, want 0", cpu, queue)
	}
	_, thread := startSpinner(t, child)
	ctest.Must(t, "wait RUNNING", zx.Sys_object_wait_one(thread, zx.ThreadRunning, zx.Now()+zx.Time(10*time.Second), nil))
	deadline := time.Now().Add(10 * time.Second)
	cpu, queue := taskRuntime(t, child)
	for cpu == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
		cpu, queue = taskRuntime(t, child)
	}
	if cpu <= 0 || queue <= 0 {
		t.Fatalf("running job: cpu_time %d queue_time %d, want both > 0", cpu, queue)
	}

	ctest.Must(t, "task_kill(job)", zx.Sys_task_kill(child))
	ctest.Must(t, "wait TERMINATED", zx.Sys_object_wait_one(child, zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second), nil))
	cpu, queue = taskRuntime(t, child)
	if cpu <= 0 || queue <= 0 {
		t.Errorf("killed job: cpu_time %d queue_time %d, want both > 0", cpu, queue)
	}
	time.Sleep(5 * time.Millisecond)
	if cpu2, queue2 := taskRuntime(t, child); cpu2 != cpu || queue2 != queue {
		t.Errorf("killed job's runtime changed: cpu_time %d -> %d, queue_time %d -> %d", cpu, cpu2, queue, queue2)
	}

	dup := ctest.Reduced(t, child, ctest.Basic(t, child).Rights&^zx.RightInspect)
	var b [32]byte
	ctest.Want(t, "get_info(TASK_RUNTIME) without INSPECT", zx.Sys_object_get_info(dup, zx.ObjectInfoTaskRuntime, unsafe.Pointer(&b[0]), 32, nil, nil), zx.ErrAccessDenied)
}

// A job's runtime includes that of its child jobs, dead ones included
// (Zircon's JobDispatcher::GetRuntimeStats).
func TestJobRuntime_IncludesChildJobs(t *testing.T) {
	var parent, child zx.Handle
	ctest.Must(t, "job_create", zx.Sys_job_create(zx.JobDefault().Handle, 0, &parent))
	defer func() { zx.Sys_task_kill(parent); zx.Sys_handle_close(parent) }()
	ctest.Must(t, "job_create(child)", zx.Sys_job_create(parent, 0, &child))
	defer zx.Sys_handle_close(child)
	startSpinner(t, child)
	deadline := time.Now().Add(10 * time.Second)
	cpu, _ := taskRuntime(t, child)
	for cpu == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
		cpu, _ = taskRuntime(t, child)
	}
	if cpu == 0 {
		t.Fatal("child job's cpu_time stayed 0")
	}
	if pcpu, pqueue := taskRuntime(t, parent); pcpu < cpu || pqueue <= 0 {
		t.Errorf("parent: cpu_time %d queue_time %d, want cpu_time >= the child's %d and queue_time > 0", pcpu, pqueue, cpu)
	}
	ctest.Must(t, "task_kill(child)", zx.Sys_task_kill(child))
	ctest.Must(t, "wait TERMINATED", zx.Sys_object_wait_one(child, zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second), nil))
	ccpu, cqueue := taskRuntime(t, child)
	if pcpu, pqueue := taskRuntime(t, parent); pcpu != ccpu || pqueue != cqueue {
		t.Errorf("after the child job died: parent cpu_time %d queue_time %d, want the child's %d %d", pcpu, pqueue, ccpu, cqueue)
	}
}

// ZX_INFO_TASK_RUNTIME on a job handle: BAD_HANDLE, then ACCESS_DENIED
// without INSPECT, in Zircon's order.
func TestJobRuntime_Errors(t *testing.T) {
	var b [32]byte
	ctest.Want(t, "invalid handle", zx.Sys_object_get_info(zx.HandleInvalid, zx.ObjectInfoTaskRuntime, unsafe.Pointer(&b[0]), 32, nil, nil), zx.ErrBadHandle)
	var j zx.Handle
	ctest.Must(t, "job_create", zx.Sys_job_create(zx.JobDefault().Handle, 0, &j))
	defer zx.Sys_handle_close(j)
	dup := ctest.Reduced(t, j, ctest.Basic(t, j).Rights&^zx.RightInspect)
	ctest.Want(t, "without INSPECT", zx.Sys_object_get_info(dup, zx.ObjectInfoTaskRuntime, unsafe.Pointer(&b[0]), 32, nil, nil), zx.ErrAccessDenied)
	ctest.Want(t, "buffer too small", zx.Sys_object_get_info(j, zx.ObjectInfoTaskRuntime, unsafe.Pointer(&b[0]), 31, nil, nil), zx.ErrBufferTooSmall)
}
