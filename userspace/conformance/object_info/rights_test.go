package object_info

import (
	"testing"

	"beryl/userspace/zx"
)

// TestTopicRights: each topic needs the rights Zircon's sys_object_get_info
// asks GetDispatcherWithRights for (zircon/kernel/lib/syscalls/object.cc):
// with exactly those rights the call is not ACCESS_DENIED, and without any
// one of them it is.
func TestTopicRights(t *testing.T) {
	job, err := zx.NewJob(zx.JobDefault(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer job.Close()
	th, err := zx.NewThread(zx.ProcessSelf(), "rights", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	sa, sb, err := zx.NewSocket(0)
	if err != nil {
		t.Fatal(err)
	}
	defer sa.Close()
	defer sb.Close()
	timer, err := zx.NewTimer(0, zx.ClockMonotonic)
	if err != nil {
		t.Fatal(err)
	}
	defer timer.Close()
	ev := newEvent(t)
	proc := zx.ProcessSelf().Handle
	for _, c := range []struct {
		name   string
		h      zx.Handle
		topic  uint32
		rights zx.Rights
	}{
		{"handle_table", proc, zx.ObjectInfoHandleTable, zx.RightInspect | zx.RightManageProcess | zx.RightManageThread},
		{"process", proc, zx.ObjectInfoProcess, zx.RightInspect},
		{"process_threads", proc, zx.ObjectInfoProcessThreads, zx.RightEnumerate},
		{"process_handle_stats", proc, zx.ObjectInfoProcessHandleStats, zx.RightInspect},
		{"handle_count", ev, zx.ObjectInfoHandleCount, zx.RightInspect},
		{"thread", th.Handle, zx.ObjectInfoThread, zx.RightInspect},
		{"job", job.Handle, zx.ObjectInfoJob, zx.RightInspect},
		{"job_children", job.Handle, zx.ObjectInfoJobChildren, zx.RightEnumerate},
		{"job_processes", job.Handle, zx.ObjectInfoJobProcesses, zx.RightEnumerate},
		{"vmar", zx.VmarRootSelf().Handle, zx.ObjectInfoVMAR, zx.RightInspect},
		{"socket", sa.Handle, zx.ObjectInfoSocket, zx.RightInspect},
		{"timer", timer.Handle, zx.ObjectInfoTimer, zx.RightInspect},
		{"handle_basic", ev, zx.ObjectInfoHandleBasic, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			buf := make([]byte, 4096)
			if _, _, st := getInfo(reduced(t, c.h, c.rights), c.topic, buf); st != zx.OK {
				t.Errorf("with exactly %#x: %v, want ZX_OK", c.rights, st)
			}
			for bit := zx.Rights(1); bit != 0; bit <<= 1 {
				if c.rights&bit == 0 {
					continue
				}
				if _, _, st := getInfo(reduced(t, c.h, c.rights&^bit), c.topic, buf); st != zx.ErrAccessDenied {
					t.Errorf("without right %#x: %v, want ZX_ERR_ACCESS_DENIED", bit, st)
				}
			}
		})
	}
}
