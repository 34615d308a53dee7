package process

import (
	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// TestCreateStartZirconOrder: process_create and thread_create check the
// options before the name, and a NULL name is INVALID_ARGS even with size 0
// (Zircon's copy_user_string); process_start looks at the process and
// thread handles before arg1, and an arg1 that is no handle starts the
// process with ZX_HANDLE_INVALID (Zircon's sys_process_start).
func TestCreateStartZirconOrder(t *testing.T) {
	job := miniJob(t)
	var p, v, th zx.Handle
	ctest.Want(t, "process_create(NULL name, 0)", zx.Sys_process_create(job, nil, 0, 0, &p, &v), zx.ErrInvalidArgs)
	ctest.Want(t, "process_create(options 1, NULL name)", zx.Sys_process_create(job, nil, 0, 1, &p, &v), zx.ErrInvalidArgs)
	ctest.Want(t, "thread_create(NULL name, 0)", zx.Sys_thread_create(zx.ProcessSelf().Handle, nil, 0, 0, &th), zx.ErrInvalidArgs)
	n := []byte("x")
	ctest.Want(t, "thread_create(options 1, bad process)", zx.Sys_thread_create(zx.HandleInvalid, &n[0], 1, 1, &th), zx.ErrInvalidArgs)

	proc, vmar, thread, entry := sleeperProcess(t, job, "order")
	defer zx.Sys_handle_close(proc)
	defer zx.Sys_handle_close(thread)
	zx.Sys_handle_close(vmar)
	ev := newEvent(t)
	ctest.Want(t, "process_start(event as process)", zx.Sys_process_start(ev, thread, entry, 0, ev, 0), zx.ErrWrongType)
	ctest.Want(t, "arg1 consumed", zx.Sys_handle_close(ev), zx.ErrBadHandle)
	// ev's value is no handle any more: the process starts without one.
	ctest.Must(t, "process_start(stale arg1)", zx.Sys_process_start(proc, thread, entry, 0, ev, 0))
	info, err := zx.Process{Handle: proc}.Info()
	if err != nil || !info.Started {
		t.Errorf("process info %+v %v", info, err)
	}
}
