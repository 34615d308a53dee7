// Package job is the conformance family for zx_job_create,
// zx_job_set_policy and zx_task_kill on jobs, run inside Beryl
// (go test -exec bin/zxrun).
package job

import (
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

var (
	want = ctest.Want
	must = ctest.Must
)

func newJob(t *testing.T, parent zx.Handle) zx.Handle {
	t.Helper()
	var h zx.Handle
	must(t, "job_create", zx.Sys_job_create(parent, 0, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func TestJobCreate(t *testing.T) {
	parent := zx.JobDefault().Handle
	t.Run("child_related_to_parent", func(t *testing.T) {
		child := newJob(t, parent)
		c, p := ctest.Basic(t, child), ctest.Basic(t, parent)
		if c.Type != zx.ObjTypeJob || c.RelatedKoid != p.Koid || c.Koid == p.Koid {
			t.Fatalf("child %+v parent koid %d", c, p.Koid)
		}
	})
	t.Run("grandchild", func(t *testing.T) {
		child := newJob(t, parent)
		g := newJob(t, child)
		if ctest.Basic(t, g).RelatedKoid != ctest.Basic(t, child).Koid {
			t.Fatalf("grandchild not related to its parent")
		}
	})
	t.Run("bad_options", func(t *testing.T) {
		var h zx.Handle
		want(t, "job_create(options=1)", zx.Sys_job_create(parent, 1, &h), zx.ErrInvalidArgs)
	})
	t.Run("bad_handle", func(t *testing.T) {
		var h zx.Handle
		want(t, "job_create(bad)", zx.Sys_job_create(0x7ffffff3, 0, &h), zx.ErrBadHandle)
	})
	t.Run("wrong_type", func(t *testing.T) {
		var h zx.Handle
		want(t, "job_create(event)", zx.Sys_job_create(ctest.NewEvent(t), 0, &h), zx.ErrWrongType)
	})
	t.Run("no_manage_job_right", func(t *testing.T) {
		r := ctest.Reduced(t, parent, zx.RightDuplicate|zx.RightInspect)
		var h zx.Handle
		want(t, "job_create(no MANAGE_JOB)", zx.Sys_job_create(r, 0, &h), zx.ErrAccessDenied)
	})
	t.Run("bad_out_pointer", func(t *testing.T) {
		before := ctest.HandleCount(t)
		want(t, "job_create(out=kernel)", zx.Sys_job_create(parent, 0, (*zx.Handle)(ctest.Ptr(0xffff_8000_0000_0000))), zx.ErrInvalidArgs)
		if after := ctest.HandleCount(t); after != before {
			t.Errorf("handle count %d → %d: a handle leaked", before, after)
		}
	})
}

func TestJobSetPolicy(t *testing.T) {
	parent := zx.JobDefault().Handle
	basic := []zx.PolicyBasic{{Condition: zx.PolNewEvent, Action: zx.PolActionDeny}}
	set := func(h zx.Handle, opts, topic uint32, p unsafe.Pointer, n uint32) zx.Status {
		return zx.Sys_job_set_policy(h, opts, topic, p, n)
	}
	t.Run("basic_v2_ok", func(t *testing.T) {
		j := newJob(t, parent)
		want(t, "set_policy", set(j, zx.JobPolRelative, zx.JobPolBasicV2, unsafe.Pointer(&basic[0]), 1), zx.OK)
	})
	t.Run("bad_topic", func(t *testing.T) {
		j := newJob(t, parent)
		want(t, "set_policy(topic)", set(j, zx.JobPolRelative, 0x77, unsafe.Pointer(&basic[0]), 1), zx.ErrInvalidArgs)
	})
	t.Run("bad_options", func(t *testing.T) {
		j := newJob(t, parent)
		want(t, "set_policy(options)", set(j, 7, zx.JobPolBasicV2, unsafe.Pointer(&basic[0]), 1), zx.ErrInvalidArgs)
	})
	t.Run("bad_policy_pointer", func(t *testing.T) {
		j := newJob(t, parent)
		want(t, "set_policy(policy=unmapped)", set(j, zx.JobPolRelative, zx.JobPolBasicV2, ctest.Ptr(0x1000), 1), zx.ErrInvalidArgs)
	})
	t.Run("no_set_policy_right", func(t *testing.T) {
		j := newJob(t, parent)
		r := ctest.Reduced(t, j, zx.RightDuplicate|zx.RightInspect)
		want(t, "set_policy(no SET_POLICY)", set(r, zx.JobPolRelative, zx.JobPolBasicV2, unsafe.Pointer(&basic[0]), 1), zx.ErrAccessDenied)
	})
	t.Run("wrong_type", func(t *testing.T) {
		want(t, "set_policy(event)", set(ctest.NewEvent(t), zx.JobPolRelative, zx.JobPolBasicV2, unsafe.Pointer(&basic[0]), 1), zx.ErrWrongType)
	})
	// sys_job_set_policy: topic, options, pointer and count (at most 32),
	// the copy, and only then the handle.
	t.Run("zircon_order", func(t *testing.T) {
		j := newJob(t, parent)
		many := make([]zx.PolicyBasic, 33)
		for i := range many {
			many[i] = basic[0]
		}
		want(t, "set_policy(33 entries)", set(j, zx.JobPolRelative, zx.JobPolBasicV2, unsafe.Pointer(&many[0]), 33), zx.ErrInvalidArgs)
		want(t, "set_policy(32 entries)", set(j, zx.JobPolRelative, zx.JobPolBasicV2, unsafe.Pointer(&many[0]), 32), zx.OK)
		ev := ctest.NewEvent(t)
		want(t, "set_policy(event, unmapped policy)", set(ev, zx.JobPolRelative, zx.JobPolBasicV2, ctest.Ptr(0x1000), 1), zx.ErrInvalidArgs)
		want(t, "set_policy(event, count 0)", set(ev, zx.JobPolRelative, zx.JobPolBasicV2, unsafe.Pointer(&basic[0]), 0), zx.ErrInvalidArgs)
		want(t, "set_policy(event, bad topic)", set(ev, zx.JobPolRelative, 0x77, unsafe.Pointer(&basic[0]), 1), zx.ErrInvalidArgs)
		want(t, "set_policy(event, timer slack ABSOLUTE)", set(ev, zx.JobPolAbsolute, zx.JobPolTimerSlack, unsafe.Pointer(&basic[0]), 1), zx.ErrInvalidArgs)
	})
}

func TestJobKill(t *testing.T) {
	parent := zx.JobDefault().Handle
	t.Run("kill_terminates", func(t *testing.T) {
		j := newJob(t, parent)
		child := newJob(t, j)
		want(t, "task_kill(job)", zx.Sys_task_kill(j), zx.OK)
		for _, h := range []zx.Handle{j, child} {
			var obs zx.Signals
			want(t, "wait TERMINATED", zx.Sys_object_wait_one(h, zx.TaskTerminated, zx.Now()+zx.Time(5e9), &obs), zx.OK)
		}
		var h zx.Handle
		want(t, "job_create in a killed job", zx.Sys_job_create(j, 0, &h), zx.ErrBadState)
		// Zircon: ProcessDispatcher::Create fails in JobDispatcher::
		// AddChildProcess with ZX_ERR_BAD_STATE once the job is killed.
		var ph, vh zx.Handle
		name := []byte("p")
		want(t, "process_create in a killed job", zx.Sys_process_create(j, &name[0], uint(len(name)), 0, &ph, &vh), zx.ErrBadState)
		if ph != zx.HandleInvalid || vh != zx.HandleInvalid {
			t.Errorf("process_create in a killed job wrote handles %#x %#x", ph, vh)
		}
	})
	t.Run("no_destroy_right", func(t *testing.T) {
		j := newJob(t, parent)
		r := ctest.Reduced(t, j, zx.RightDuplicate|zx.RightInspect)
		want(t, "task_kill(no DESTROY)", zx.Sys_task_kill(r), zx.ErrAccessDenied)
		// sys_task_kill checks DESTROY before the type.
		want(t, "task_kill(event)", zx.Sys_task_kill(ctest.NewEvent(t)), zx.ErrAccessDenied)
		want(t, "task_kill(invalid)", zx.Sys_task_kill(zx.HandleInvalid), zx.ErrBadHandle)
	})
}
