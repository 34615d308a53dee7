package job

import (
	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// TestGetChild: zx_object_get_child on a job finds its child jobs and
// processes by koid, on a process its threads, with the parent handle's
// rights or fewer; errors come
// in the order of Zircon's sys_object_get_child (BAD_HANDLE,
// ACCESS_DENIED for a missing ENUMERATE right or for rights beyond the
// handle's, and only then WRONG_TYPE, so an event is ACCESS_DENIED), NOT_FOUND for a koid that is no live child, INVALID_ARGS for
// an unwritable out pointer.
func TestGetChild(t *testing.T) {
	job := newJob(t, zx.JobDefault().Handle)
	child := newJob(t, job)
	p, v, err := zx.NewProcess(zx.Job{Handle: job}, "child", 0)
	if err != nil {
		t.Fatal(err)
	}
	proc := p.Handle
	defer p.Close()
	defer v.Close()
	jobInfo := ctest.Basic(t, job)
	for _, c := range []struct {
		name string
		koid zx.Koid
		typ  zx.ObjType
	}{{"job", ctest.Basic(t, child).Koid, zx.ObjTypeJob}, {"process", ctest.Basic(t, proc).Koid, zx.ObjTypeProcess}} {
		var h zx.Handle
		must(t, "object_get_child("+c.name+")", zx.Sys_object_get_child(job, c.koid, zx.RightSameRights, &h))
		b := ctest.Basic(t, h)
		if b.Koid != c.koid || b.Type != c.typ || b.Rights != jobInfo.Rights {
			t.Errorf("%s: got %+v, want koid %d type %d rights %#x", c.name, b, c.koid, c.typ, jobInfo.Rights)
		}
		zx.Sys_handle_close(h)
		must(t, "object_get_child(fewer rights)", zx.Sys_object_get_child(job, c.koid, zx.RightInspect, &h))
		if r := ctest.Basic(t, h).Rights; r != zx.RightInspect {
			t.Errorf("%s: rights %#x, want INSPECT", c.name, r)
		}
		zx.Sys_handle_close(h)
	}
	pk := ctest.Basic(t, proc).Koid
	var h zx.Handle
	want(t, "object_get_child(invalid)", zx.Sys_object_get_child(zx.HandleInvalid, pk, zx.RightSameRights, &h), zx.ErrBadHandle)
	ev := ctest.NewEvent(t)
	// sys_object_get_child checks ENUMERATE before the type.
	want(t, "object_get_child(event)", zx.Sys_object_get_child(ev, pk, zx.RightSameRights, &h), zx.ErrAccessDenied)
	want(t, "object_get_child(process, no such thread)", zx.Sys_object_get_child(proc, 1, zx.RightSameRights, &h), zx.ErrNotFound)
	// A process's child is a thread.
	self := zx.ProcessSelf().Handle
	threads, err := zx.ProcessSelf().Threads()
	if err != nil || len(threads) == 0 {
		t.Fatalf("own threads: %v %v", threads, err)
	}
	must(t, "object_get_child(own process, thread)", zx.Sys_object_get_child(self, threads[0], zx.RightInspect, &h))
	if b := ctest.Basic(t, h); b.Type != zx.ObjTypeThread || b.Koid != threads[0] || b.Rights != zx.RightInspect {
		t.Errorf("thread child: %+v", b)
	}
	zx.Sys_handle_close(h)
	want(t, "object_get_child(thread of another process)", zx.Sys_object_get_child(proc, threads[0], zx.RightSameRights, &h), zx.ErrNotFound)
	weak := ctest.Reduced(t, job, jobInfo.Rights&^zx.RightEnumerate)
	want(t, "object_get_child(no ENUMERATE)", zx.Sys_object_get_child(weak, pk, zx.RightSameRights, &h), zx.ErrAccessDenied)
	narrow := ctest.Reduced(t, job, zx.RightEnumerate|zx.RightInspect)
	want(t, "object_get_child(more rights than the job handle)", zx.Sys_object_get_child(narrow, pk, zx.RightDestroy, &h), zx.ErrAccessDenied)
	want(t, "object_get_child(unknown koid)", zx.Sys_object_get_child(job, 0x7fffffffffff, zx.RightSameRights, &h), zx.ErrNotFound)
	want(t, "object_get_child(own koid)", zx.Sys_object_get_child(job, jobInfo.Koid, zx.RightSameRights, &h), zx.ErrNotFound)
	want(t, "object_get_child(grandchild)", zx.Sys_object_get_child(zx.JobDefault().Handle, pk, zx.RightSameRights, &h), zx.ErrNotFound)
	want(t, "object_get_child(bad out)", zx.Sys_object_get_child(job, pk, zx.RightSameRights, (*zx.Handle)(ctest.Ptr(0x1000))), zx.ErrInvalidArgs)
	// A dead process is no longer found.
	must(t, "task_kill", zx.Sys_task_kill(proc))
	_, err = proc.WaitOne(zx.TaskTerminated, zx.TimeInfinite)
	if err != nil {
		t.Fatal(err)
	}
	want(t, "object_get_child(dead process)", zx.Sys_object_get_child(job, pk, zx.RightSameRights, &h), zx.ErrNotFound)
}
