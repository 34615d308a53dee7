package object_info

import (
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: VmarGetInfoTest, TaskGetInfoTest and JobGetInfoTest
// (object-info/{vmar,task,job}-object-info-test.cc).

// jobTreeChildren is how many processes and child jobs newJobTree makes.
const jobTreeChildren = 3

// newJobTree creates a job under the default job holding
// jobTreeChildren unstarted processes and as many child jobs; it is
// killed and closed at the end of the test.
func newJobTree(t *testing.T) zx.Job {
	t.Helper()
	j, err := zx.NewJob(zx.JobDefault(), 0)
	if err != nil {
		t.Fatalf("job_create: %v", err)
	}
	var hs []zx.Handle
	for range jobTreeChildren {
		p, v, err := zx.NewProcess(j, "job-info-proc", 0)
		if err != nil {
			t.Fatalf("process_create: %v", err)
		}
		c, err := zx.NewJob(j, 0)
		if err != nil {
			t.Fatalf("job_create(child): %v", err)
		}
		hs = append(hs, p.Handle, v.Handle, c.Handle)
	}
	t.Cleanup(func() {
		j.Kill()
		for _, h := range hs {
			h.Close()
		}
		j.Handle.Close()
	})
	return j
}

func TestVmarGetInfoTest_InfoHandleBasicOnSelfSuceeds(t *testing.T) {
	ctest.InfoWant(t, zx.VmarRootSelf().Handle, zx.ObjectInfoHandleBasic, 32, 1, zx.OK)
}

func TestVmarGetInfoTest_InfoHandleBasicInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoHandleBasic, 32, 1)
}

func TestVmarGetInfoTest_InfoHandleBasicNullAvailSucceeds(t *testing.T) {
	ctest.InfoNullAvailSucceeds(t, zx.VmarRootSelf().Handle, zx.ObjectInfoHandleBasic, 32, 1)
}

func TestVmarGetInfoTest_InfoHandleBasicNullActualSucceeds(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, zx.VmarRootSelf().Handle, zx.ObjectInfoHandleBasic, 32, 1)
}

func TestVmarGetInfoTest_InfoHandleBasicNullActualAndAvailSucceeds(t *testing.T) {
	ctest.InfoNullBothSucceeds(t, zx.VmarRootSelf().Handle, zx.ObjectInfoHandleBasic, 32, 1)
}

func TestVmarGetInfoTest_InfoHandleBasicInvalidBufferPointerFails(t *testing.T) {
	ctest.InfoInvalidBufferPointerFails(t, zx.VmarRootSelf().Handle, zx.ObjectInfoHandleBasic, 32)
}

func TestVmarGetInfoTest_InfoHandleBasicBadActualgIsInvalidArg(t *testing.T) {
	ctest.InfoBadActualFails(t, zx.VmarRootSelf().Handle, zx.ObjectInfoHandleBasic, 32, 1)
}

func TestVmarGetInfoTest_InfoHandleBasicBadAvailIsInvalidArg(t *testing.T) {
	ctest.InfoBadAvailFails(t, zx.VmarRootSelf().Handle, zx.ObjectInfoHandleBasic, 32, 1)
}

func TestVmarGetInfoTest_InfoHandleBasicZeroSizedBufferFails(t *testing.T) {
	ctest.InfoZeroSizeBuffer(t, zx.VmarRootSelf().Handle, zx.ObjectInfoHandleBasic, zx.ErrBufferTooSmall)
}

func TestVmarGetInfoTest_InfoVmarOnSelfFails(t *testing.T) {
	ctest.InfoWant(t, zx.VmarRootSelf().Handle, zx.ObjectInfoVMAR, 16, 1, zx.OK)
}

func TestVmarGetInfoTest_InfoVmarInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoVMAR, 16, 1)
}

func TestVmarGetInfoTest_InfoVmarNullAvailSucceeds(t *testing.T) {
	ctest.InfoNullAvailSucceeds(t, zx.VmarRootSelf().Handle, zx.ObjectInfoVMAR, 16, 1)
}

func TestVmarGetInfoTest_InfoVmarNullActualSucceeds(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, zx.VmarRootSelf().Handle, zx.ObjectInfoVMAR, 16, 1)
}

func TestVmarGetInfoTest_InfoVmarNullActualAndAvailSucceeds(t *testing.T) {
	ctest.InfoNullBothSucceeds(t, zx.VmarRootSelf().Handle, zx.ObjectInfoVMAR, 16, 1)
}

func TestVmarGetInfoTest_InfoVmarInvalidBufferPointerFails(t *testing.T) {
	ctest.InfoInvalidBufferPointerFails(t, zx.VmarRootSelf().Handle, zx.ObjectInfoVMAR, 16)
}

func TestVmarGetInfoTest_InfoVmarBadActualgIsInvalidArg(t *testing.T) {
	ctest.InfoBadActualFails(t, zx.VmarRootSelf().Handle, zx.ObjectInfoVMAR, 16, 1)
}

func TestVmarGetInfoTest_InfoVmarBadAvailIsInvalidArg(t *testing.T) {
	ctest.InfoBadAvailFails(t, zx.VmarRootSelf().Handle, zx.ObjectInfoVMAR, 16, 1)
}

func TestVmarGetInfoTest_InfoVmarZeroSizedBufferFails(t *testing.T) {
	ctest.InfoZeroSizeBuffer(t, zx.VmarRootSelf().Handle, zx.ObjectInfoVMAR, zx.ErrBufferTooSmall)
}

func TestVmarGetInfoTest_InfoVmarJobHandleIsBadHandle(t *testing.T) {
	ctest.InfoWrongTypeFails(t, zx.JobDefault().Handle, zx.ObjectInfoVMAR, 16, 32)
}

func TestVmarGetInfoTest_InfoVmarProcessHandleIsBadHandle(t *testing.T) {
	ctest.InfoWrongTypeFails(t, zx.ProcessSelf().Handle, zx.ObjectInfoVMAR, 16, 32)
}

func TestVmarGetInfoTest_InfoVmarThreadHandleIsBadHandle(t *testing.T) {
	ctest.InfoWrongTypeFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoVMAR, 16, 32)
}

func TestTaskGetInfoTest_InfoStatsUnstartedSuceeds(t *testing.T) {
	ctest.InfoWant(t, newProcess(t), zx.ObjectInfoTaskStats, 32, 1, zx.OK)
}

func TestTaskGetInfoTest_InfoStatsSmokeTest(t *testing.T) {
	var st struct{ Mapped, Private, Shared, ScaledShared uint64 }
	ctest.Must(t, "get_info(TASK_STATS)", zx.Sys_object_get_info(zx.ProcessSelf().Handle, zx.ObjectInfoTaskStats, unsafe.Pointer(&st), uint(unsafe.Sizeof(st)), nil, nil))
	if st.Private == 0 || st.Mapped < st.Private+st.Shared || st.ScaledShared > st.Shared {
		t.Errorf("task stats %+v", st)
	}
}

func TestTaskGetInfoTest_InfoTaskStatsInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoTaskStats, 32, 1)
}

func TestTaskGetInfoTest_InfoTaskStatsNullAvailSucceeds(t *testing.T) {
	ctest.InfoNullAvailSucceeds(t, zx.ProcessSelf().Handle, zx.ObjectInfoTaskStats, 32, 1)
}

func TestTaskGetInfoTest_InfoTaskStatsNullActualSucceeds(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, zx.ProcessSelf().Handle, zx.ObjectInfoTaskStats, 32, 1)
}

func TestTaskGetInfoTest_InfoTaskStatsNullActualAndAvailSucceeds(t *testing.T) {
	ctest.InfoNullBothSucceeds(t, zx.ProcessSelf().Handle, zx.ObjectInfoTaskStats, 32, 1)
}

func TestTaskGetInfoTest_InfoTaskStatsInvalidBufferPointerFails(t *testing.T) {
	ctest.InfoInvalidBufferPointerFails(t, zx.ProcessSelf().Handle, zx.ObjectInfoTaskStats, 32)
}

func TestTaskGetInfoTest_InfoTaskStatsBadActualgIsInvalidArg(t *testing.T) {
	ctest.InfoBadActualFails(t, zx.ProcessSelf().Handle, zx.ObjectInfoTaskStats, 32, 1)
}

func TestTaskGetInfoTest_InfoTaskStatsBadAvailIsInvalidArg(t *testing.T) {
	ctest.InfoBadAvailFails(t, zx.ProcessSelf().Handle, zx.ObjectInfoTaskStats, 32, 1)
}

func TestTaskGetInfoTest_InfoTaskStatsJobHandleIsBadHandle(t *testing.T) {
	ctest.InfoWrongTypeFails(t, zx.JobDefault().Handle, zx.ObjectInfoTaskStats, 32, 32)
}

func TestTaskGetInfoTest_InfoTaskStatsThreadHandleIsBadHandle(t *testing.T) {
	ctest.InfoWrongTypeFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoTaskStats, 32, 32)
}

func TestTaskGetInfoTest_InfoTaskStatsZeroSizedBufferIsTooSmall(t *testing.T) {
	ctest.InfoZeroSizeBuffer(t, zx.ProcessSelf().Handle, zx.ObjectInfoTaskStats, zx.ErrBufferTooSmall)
}

func TestTaskGetInfoTest_InfoTaskRuntimeWrongType(t *testing.T) {
	ctest.InfoWant(t, ctest.NewEvent(t), zx.ObjectInfoTaskRuntime, 32, 1, zx.ErrWrongType)
}

func TestTaskGetInfoTest_InfoTaskRuntimeInvalidHandle(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoTaskRuntime, 32, 1)
}

func TestJobGetInfoTest_InfoJobProcessesPartiallyUnmappedBufferIsInvalidArgs(t *testing.T) {
	ctest.InfoPartiallyUnmappedBuffer(t, newJobTree(t).Handle, zx.ObjectInfoJobProcesses, 8, zx.ErrInvalidArgs)
}

func TestJobGetInfoTest_InfoJobProcessesGetChild(t *testing.T) {
	j := newJobTree(t)
	koids := make([]zx.Koid, 8)
	var actual, avail uint
	ctest.Must(t, "get_info", zx.Sys_object_get_info(j.Handle, zx.ObjectInfoJobProcesses, unsafe.Pointer(&koids[0]), 8*8, &actual, &avail))
	if actual != jobTreeChildren || avail != actual {
		t.Fatalf("actual %d avail %d, want %d", actual, avail, jobTreeChildren)
	}
	for _, k := range koids[:actual] {
		var h zx.Handle
		ctest.Must(t, "object_get_child", zx.Sys_object_get_child(j.Handle, k, zx.RightSameRights, &h))
		if got := ctest.Basic(t, h).Koid; got != k {
			t.Errorf("child koid %d, want %d", got, k)
		}
		zx.Sys_handle_close(h)
	}
}

func TestJobGetInfoTest_InfoJobChildJobsGetChild(t *testing.T) {
	j := newJobTree(t)
	koids := make([]zx.Koid, 8)
	var actual, avail uint
	ctest.Must(t, "get_info", zx.Sys_object_get_info(j.Handle, zx.ObjectInfoJobChildren, unsafe.Pointer(&koids[0]), 8*8, &actual, &avail))
	if actual != jobTreeChildren || avail != actual {
		t.Fatalf("actual %d avail %d, want %d", actual, avail, jobTreeChildren)
	}
	for _, k := range koids[:actual] {
		var h zx.Handle
		ctest.Must(t, "object_get_child", zx.Sys_object_get_child(j.Handle, k, zx.RightSameRights, &h))
		if got := ctest.Basic(t, h).Koid; got != k {
			t.Errorf("child koid %d, want %d", got, k)
		}
		zx.Sys_handle_close(h)
	}
}

func TestJobGetInfoTest_InfoJobProcessesOnSelfSuceeds(t *testing.T) {
	ctest.InfoWant(t, zx.JobDefault().Handle, zx.ObjectInfoJobProcesses, 8, 1, zx.OK)
}

func TestJobGetInfoTest_InfoJobProcessesInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoJobProcesses, 8, 1)
}

func TestJobGetInfoTest_InfoJobProcessesZeroSizedBufferIsOk(t *testing.T) {
	ctest.InfoZeroSizeBuffer(t, newJobTree(t).Handle, zx.ObjectInfoJobProcesses, zx.OK)
}

func TestJobGetInfoTest_InfoJobProcessesSmallBufferIsOk(t *testing.T) {
	ctest.InfoSmallBufferSucceeds(t, newJobTree(t).Handle, zx.ObjectInfoJobProcesses, 8)
}

func TestJobGetInfoTest_InfoJobProcessesNullAvailSucceeds(t *testing.T) {
	ctest.InfoNullAvailSucceeds(t, newJobTree(t).Handle, zx.ObjectInfoJobProcesses, 8, 1)
}

func TestJobGetInfoTest_InfoJobProcessesNullActualSucceeds(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, newJobTree(t).Handle, zx.ObjectInfoJobProcesses, 8, 1)
}

func TestJobGetInfoTest_InfoJobProcessesNullActualAndAvailSucceeds(t *testing.T) {
	ctest.InfoNullBothSucceeds(t, newJobTree(t).Handle, zx.ObjectInfoJobProcesses, 8, 1)
}

func TestJobGetInfoTest_InfoJobProcessesInvalidBufferPointerFails(t *testing.T) {
	ctest.InfoInvalidBufferPointerFails(t, newJobTree(t).Handle, zx.ObjectInfoJobProcesses, 8)
}

func TestJobGetInfoTest_InfoJobProcessesBadActualgIsInvalidArg(t *testing.T) {
	ctest.InfoBadActualFails(t, newJobTree(t).Handle, zx.ObjectInfoJobProcesses, 8, 1)
}

func TestJobGetInfoTest_InfoJobProcessesBadAvailIsInvalidArg(t *testing.T) {
	ctest.InfoBadAvailFails(t, newJobTree(t).Handle, zx.ObjectInfoJobProcesses, 8, 1)
}
