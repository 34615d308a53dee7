package process

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

// pollRuntime reads h's runtime until both times are positive (10 s at
// most), as ProcessTest.GetTaskRuntime does: Beryl's cpu_time is sampled
// per scheduler tick, so the first reads may see 0.
func pollRuntime(t *testing.T, h zx.Handle) (cpu, queue int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	cpu, queue = taskRuntime(t, h)
	for (cpu == 0 || queue == 0) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
		cpu, queue = taskRuntime(t, h)
	}
	return cpu, queue
}

// Zircon core-test ProcessTest.GetTaskRuntime: 0 before the process
// starts; positive cpu_time and queue_time while its thread runs; after
// the kill both stay positive and stop changing. The child's thread spins
// in ring 3 (Beryl charges sampled ring-3 time only).
func TestProcessTest_GetTaskRuntime(t *testing.T) {
	job := miniJob(t)
	n := []byte("rt")
	var proc, vmar, thread zx.Handle
	ctest.Must(t, "process_create", zx.Sys_process_create(job, &n[0], 2, 0, &proc, &vmar))
	defer zx.Sys_handle_close(proc)
	defer zx.Sys_handle_close(vmar)
	ctest.Must(t, "thread_create", zx.Sys_thread_create(proc, &n[0], 2, 0, &thread))
	defer zx.Sys_handle_close(thread)
	if cpu, queue := taskRuntime(t, proc); cpu != 0 || queue != 0 {
		t.Fatalf("before the start: cpu_time %d queue_time %d, want 0", cpu, queue)
	}
	code, _ := asm{}.spin()
	cv, err := zx.NewVmo(zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	cv.Write(code, 0)
	if cv, err = cv.ReplaceAsExecutable(zx.HandleInvalid); err != nil {
		t.Fatal(err)
	}
	var entry zx.Vaddr
	ctest.Must(t, "vmar_map(code)", zx.Sys_vmar_map(vmar, zx.VMPermRead|zx.VMPermExecute, 0, cv.Handle, 0, zx.PageSize, &entry))
	cv.Close()
	ctest.Must(t, "process_start", zx.Sys_process_start(proc, thread, entry, 0, newEvent(t), 0))
	ctest.Must(t, "wait RUNNING", zx.Sys_object_wait_one(thread, zx.ThreadRunning, zx.Now()+zx.Time(10*time.Second), nil))
	if cpu, queue := pollRuntime(t, proc); cpu <= 0 || queue <= 0 {
		t.Fatalf("running: cpu_time %d queue_time %d, want both > 0", cpu, queue)
	}
	ctest.Must(t, "task_kill", zx.Sys_task_kill(proc))
	waitTerminated(t, proc)
	cpu, queue := taskRuntime(t, proc)
	if cpu <= 0 || queue <= 0 {
		t.Errorf("dead: cpu_time %d queue_time %d, want both > 0", cpu, queue)
	}
	if cpu2, queue2 := taskRuntime(t, proc); cpu2 != cpu || queue2 != queue {
		t.Errorf("dead process's runtime changed: cpu_time %d -> %d, queue_time %d -> %d", cpu, cpu2, queue, queue2)
	}
}

// Zircon core-test Threads.GetInfoRuntime: a created thread's runtime is
// 0; once it has run, cpu_time and queue_time are positive, and they can
// still be read after it exits; without INSPECT the topic is
// ACCESS_DENIED. The thread signals the event, then spins in ring 3 until
// killed (the original's waits on the event; Beryl charges sampled ring-3
// time only, so the case polls for the first sample).
func TestThreads_GetInfoRuntime(t *testing.T) {
	ev, err := zx.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	var a asm
	a = a.movImm(rSI, 0).movImm(rDX, uint64(zx.SignalUser0)).sys(zx.SysObjectSignal)
	a, _ = a.spin()
	r := newRawThread(t, a)
	if cpu, queue := taskRuntime(t, r.thread.Handle); cpu != 0 || queue != 0 {
		t.Fatalf("before the start: cpu_time %d queue_time %d, want 0", cpu, queue)
	}
	r.start(t, uintptr(ev.Handle), 0)
	if _, err := ev.WaitOne(zx.SignalUser0, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if cpu, queue := pollRuntime(t, r.thread.Handle); cpu <= 0 || queue <= 0 {
		t.Fatalf("running: cpu_time %d queue_time %d, want both > 0", cpu, queue)
	}
	ctest.Must(t, "task_kill", zx.Sys_task_kill(r.thread.Handle))
	waitTerminated(t, r.thread.Handle)
	if cpu, queue := taskRuntime(t, r.thread.Handle); cpu <= 0 || queue <= 0 {
		t.Errorf("exited: cpu_time %d queue_time %d, want both > 0", cpu, queue)
	}
	dup := ctest.Reduced(t, r.thread.Handle, ctest.Basic(t, r.thread.Handle).Rights&^zx.RightInspect)
	var b [32]byte
	ctest.Want(t, "get_info(TASK_RUNTIME) without INSPECT", zx.Sys_object_get_info(dup, zx.ObjectInfoTaskRuntime, unsafe.Pointer(&b[0]), 32, nil, nil), zx.ErrAccessDenied)
}

// Beryl: a thread that spins in ring 3 while more spinners than CPUs
// compete keeps accruing queue_time, not only at its start.
func TestTaskRuntime_QueueTimeGrowsUnderContention(t *testing.T) {
	code, _ := asm{}.spin()
	var rs []*rawThread
	for i := 0; i < 4; i++ {
		r := newRawThread(t, code)
		r.start(t, 0, 0)
		rs = append(rs, r)
	}
	defer func() {
		for _, r := range rs {
			zx.Sys_task_kill(r.thread.Handle)
			waitTerminated(t, r.thread.Handle)
		}
	}()
	h := rs[0].thread.Handle
	_, q0 := pollRuntime(t, h)
	deadline := time.Now().Add(10 * time.Second)
	_, q1 := taskRuntime(t, h)
	for q1 == q0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		_, q1 = taskRuntime(t, h)
	}
	if q1 <= q0 {
		t.Errorf("queue_time stayed %d while 4 spinners competed for the CPUs", q0)
	}
	t.Logf("queue_time %d -> %d", q0, q1)
}
