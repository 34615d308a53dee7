package object_info

import (
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: ProcessGetInfoTest (object-info/process-object-info-test.cc).
// The original's fixture process is a started mini-process; the topics
// ported here read no state of it that a created process lacks, except
// ZX_INFO_HANDLE_TABLE, which starts one (ctest.StartMiniProcessEtc).

// handleExtended is zx_info_handle_extended_t (ZX_INFO_HANDLE_TABLE).
type handleExtended struct {
	Type          zx.ObjType
	Handle        zx.Handle
	Rights        zx.Rights
	_             uint32
	Koid          zx.Koid
	RelatedKoid   zx.Koid
	PeerOwnerKoid zx.Koid
}

// newProcess creates an unstarted process in the default job, closed
// (with its root VMAR) at the end of the test.
func newProcess(t *testing.T) zx.Handle {
	t.Helper()
	p, v, err := zx.NewProcess(zx.JobDefault(), "object-info-proc", 0)
	if err != nil {
		t.Fatalf("process_create: %v", err)
	}
	t.Cleanup(func() { v.Handle.Close(); p.Handle.Close() })
	return p.Handle
}

func TestProcessGetInfoTest_InfoHandleBasicOnSelfSuceeds(t *testing.T) {
	ctest.InfoWant(t, zx.ProcessSelf().Handle, zx.ObjectInfoHandleBasic, 32, 1, zx.OK)
}

func TestProcessGetInfoTest_InfoHandleBasicInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoHandleBasic, 32, 1)
}

func TestProcessGetInfoTest_InfoHandleBasicNullAvailSucceeds(t *testing.T) {
	ctest.InfoNullAvailSucceeds(t, newProcess(t), zx.ObjectInfoHandleBasic, 32, 1)
}

func TestProcessGetInfoTest_InfoHandleBasicNullActualSucceeds(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, newProcess(t), zx.ObjectInfoHandleBasic, 32, 1)
}

func TestProcessGetInfoTest_InfoHandleBasicNullActualAndAvailSucceeds(t *testing.T) {
	ctest.InfoNullBothSucceeds(t, newProcess(t), zx.ObjectInfoHandleBasic, 32, 1)
}

func TestProcessGetInfoTest_InfoHandleBasicInvalidBufferPointerFails(t *testing.T) {
	ctest.InfoInvalidBufferPointerFails(t, newProcess(t), zx.ObjectInfoHandleBasic, 32)
}

func TestProcessGetInfoTest_InfoHandleBasicBadActualgIsInvalidArg(t *testing.T) {
	ctest.InfoBadActualFails(t, newProcess(t), zx.ObjectInfoHandleBasic, 32, 1)
}

func TestProcessGetInfoTest_InfoHandleBasicBadAvailIsInvalidArg(t *testing.T) {
	ctest.InfoBadAvailFails(t, newProcess(t), zx.ObjectInfoHandleBasic, 32, 1)
}

func TestProcessGetInfoTest_InfoHandleBasicZeroSizedFails(t *testing.T) {
	ctest.InfoZeroSizeBuffer(t, newProcess(t), zx.ObjectInfoHandleBasic, zx.ErrBufferTooSmall)
}

func TestProcessGetInfoTest_InfoProcessOnSelfSuceeds(t *testing.T) {
	ctest.InfoWant(t, zx.ProcessSelf().Handle, zx.ObjectInfoProcess, 40, 1, zx.OK)
}

func TestProcessGetInfoTest_InfoProcessInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoProcess, 40, 1)
}

func TestProcessGetInfoTest_InfoProcessNullAvailSucceeds(t *testing.T) {
	ctest.InfoNullAvailSucceeds(t, newProcess(t), zx.ObjectInfoProcess, 40, 1)
}

func TestProcessGetInfoTest_InfoProcessNullActualSucceeds(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, newProcess(t), zx.ObjectInfoProcess, 40, 1)
}

func TestProcessGetInfoTest_InfoProcessNullActualAndAvailSucceeds(t *testing.T) {
	ctest.InfoNullBothSucceeds(t, newProcess(t), zx.ObjectInfoProcess, 40, 1)
}

func TestProcessGetInfoTest_InfoProcessInvalidBufferPointerFails(t *testing.T) {
	ctest.InfoInvalidBufferPointerFails(t, newProcess(t), zx.ObjectInfoProcess, 40)
}

func TestProcessGetInfoTest_InfoProcessBadActualgIsInvalidArg(t *testing.T) {
	ctest.InfoBadActualFails(t, newProcess(t), zx.ObjectInfoProcess, 40, 1)
}

func TestProcessGetInfoTest_InfoProcessBadAvailIsInvalidArg(t *testing.T) {
	ctest.InfoBadAvailFails(t, newProcess(t), zx.ObjectInfoProcess, 40, 1)
}

func TestProcessGetInfoTest_InfoProcessZeroSizedBufferFails(t *testing.T) {
	ctest.InfoZeroSizeBuffer(t, newProcess(t), zx.ObjectInfoProcess, zx.ErrBufferTooSmall)
}

func TestProcessGetInfoTest_InfoProcessJobHandleIsBadHandle(t *testing.T) {
	ctest.InfoWrongTypeFails(t, zx.JobDefault().Handle, zx.ObjectInfoProcess, 40, 32)
}

func TestProcessGetInfoTest_InfoProcessThreadHandleIsBadHandle(t *testing.T) {
	ctest.InfoWrongTypeFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoProcess, 40, 32)
}

func TestProcessGetInfoTest_InfoProcessThreadsSelfSuceeds(t *testing.T) {
	ctest.InfoWant(t, zx.ProcessSelf().Handle, zx.ObjectInfoProcessThreads, 8, 1, zx.OK)
}

func TestProcessGetInfoTest_InfoProcessThreadsInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoProcessThreads, 8, 1)
}

func TestProcessGetInfoTest_InfoProcessThreadsZeroSizedBufferSucceeds(t *testing.T) {
	ctest.InfoZeroSizeBuffer(t, zx.ProcessSelf().Handle, zx.ObjectInfoProcessThreads, zx.OK)
}

func TestProcessGetInfoTest_InfoProcessThreadsNullAvailSucceeds(t *testing.T) {
	ctest.InfoNullAvailSucceeds(t, zx.ProcessSelf().Handle, zx.ObjectInfoProcessThreads, 8, 1)
}

func TestProcessGetInfoTest_InfoProcessThreadsNullActualSucceeds(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, zx.ProcessSelf().Handle, zx.ObjectInfoProcessThreads, 8, 1)
}

func TestProcessGetInfoTest_InfoProcessThreadsNullActualAndAvailSucceeds(t *testing.T) {
	ctest.InfoNullBothSucceeds(t, zx.ProcessSelf().Handle, zx.ObjectInfoProcessThreads, 8, 1)
}

func TestProcessGetInfoTest_InfoProcessThreadsBadActualgIsInvalidArg(t *testing.T) {
	ctest.InfoBadActualFails(t, zx.ProcessSelf().Handle, zx.ObjectInfoProcessThreads, 8, 1)
}

func TestProcessGetInfoTest_InfoProcessThreadsBadAvailIsInvalidArg(t *testing.T) {
	ctest.InfoBadAvailFails(t, zx.ProcessSelf().Handle, zx.ObjectInfoProcessThreads, 8, 1)
}

func TestProcessGetInfoTest_InfoProcessThreadsInvalidBufferPointerFails(t *testing.T) {
	ctest.InfoInvalidBufferPointerFails(t, zx.ProcessSelf().Handle, zx.ObjectInfoProcessThreads, 8)
}

func TestProcessGetInfoTest_InfoProcessHandleStats(t *testing.T) {
	var info zx.InfoProcessHandleStats
	get := func() {
		t.Helper()
		ctest.Must(t, "get_info(PROCESS_HANDLE_STATS)", zx.Sys_object_get_info(zx.ProcessSelf().Handle, zx.ObjectInfoProcessHandleStats, unsafe.Pointer(&info), uint(unsafe.Sizeof(info)), nil, nil))
	}
	get()
	c := info.HandleCount
	if c[zx.ObjTypeNone] != 0 || c[zx.ObjTypeProcess] == 0 || c[zx.ObjTypeThread] == 0 || c[zx.ObjTypeVMO] == 0 || c[zx.ObjTypeInterrupt] != 0 {
		t.Errorf("handle counts none %d process %d thread %d vmo %d interrupt %d", c[zx.ObjTypeNone], c[zx.ObjTypeProcess], c[zx.ObjTypeThread], c[zx.ObjTypeVMO], c[zx.ObjTypeInterrupt])
	}
	channels := c[zx.ObjTypeChannel]
	a, b, err := zx.NewChannel(0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	get()
	if got := info.HandleCount[zx.ObjTypeChannel]; got != channels+2 {
		t.Errorf("channels %d -> %d, want +2", channels, got)
	}
}

func TestProcessGetInfoTest_InfoProcessHandleTableInsufficientRights(t *testing.T) {
	selfie := ctest.Reduced(t, zx.ProcessSelf().Handle, zx.RightInspect|zx.RightManageThread)
	var avail uint
	ctest.Want(t, "get_info(HANDLE_TABLE) without MANAGE_PROCESS", zx.Sys_object_get_info(selfie, zx.ObjectInfoHandleTable, nil, 0, nil, &avail), zx.ErrAccessDenied)
}

func TestProcessGetInfoTest_InfoProcessHandleTableEmpty(t *testing.T) {
	var recs [4]handleExtended
	var actual, avail uint = 9, 9
	ctest.Must(t, "get_info(HANDLE_TABLE)", zx.Sys_object_get_info(newProcess(t), zx.ObjectInfoHandleTable, unsafe.Pointer(&recs[0]), uint(unsafe.Sizeof(recs)), &actual, &avail))
	if actual != 0 || avail != 0 {
		t.Errorf("actual %d avail %d, want 0 and 0", actual, avail)
	}
}

// The original's fixture: a mini-process started with an unmapped VMO
// as its transferred handle and its control channel then closed, so it
// holds that VMO and its end of the channel, whose peer is gone.
func TestProcessGetInfoTest_InfoProcessHandleTable(t *testing.T) {
	p, v, err := zx.NewProcess(zx.JobDefault(), "object-info-mini-proc", 0)
	if err != nil {
		t.Fatalf("process_create: %v", err)
	}
	proc := p.Handle
	var thread, vmo zx.Handle
	t.Cleanup(func() {
		zx.Sys_task_kill(proc)
		zx.Sys_object_wait_one(proc, zx.TaskTerminated, zx.TimeInfinite, nil)
		zx.Sys_handle_close(thread)
		v.Handle.Close()
		p.Handle.Close()
	})
	n := []byte("object-info-mini-thrd")
	ctest.Must(t, "thread_create", zx.Sys_thread_create(proc, &n[0], uint(len(n)), 0, &thread))
	ctest.Must(t, "vmo_create", zx.Sys_vmo_create(zx.PageSize, 0, &vmo))
	ctl, st := ctest.StartMiniProcessEtc(proc, thread, v.Handle, vmo)
	ctest.Must(t, "start_mini_process_etc", st)
	zx.Sys_handle_close(ctl)

	var recs [4]handleExtended
	var actual, avail uint
	ctest.Must(t, "get_info(HANDLE_TABLE)", zx.Sys_object_get_info(proc, zx.ObjectInfoHandleTable, unsafe.Pointer(&recs[0]), uint(unsafe.Sizeof(recs)), &actual, &avail))
	if actual != 2 || avail != 2 {
		t.Fatalf("actual %d avail %d, want 2 and 2", actual, avail)
	}
	if recs[0].Type != zx.ObjTypeVMO || recs[1].Type != zx.ObjTypeChannel {
		t.Errorf("types %d, %d; want VMO (%d), channel (%d)", recs[0].Type, recs[1].Type, zx.ObjTypeVMO, zx.ObjTypeChannel)
	}
	for i, r := range recs[:2] {
		if r.Handle == zx.HandleInvalid || r.Koid == 0 || r.PeerOwnerKoid != 0 {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	if recs[0].RelatedKoid != 0 {
		t.Errorf("the VMO's related koid %d, want 0", recs[0].RelatedKoid)
	}
	if recs[1].RelatedKoid == 0 {
		t.Error("the channel has no related koid")
	}
}

func TestProcessGetInfoTest_InfoProcessHandleTableSelf(t *testing.T) {
	// A Fuchsia process starts with dozens of handles, a Beryl Go
	// program with a few: hold enough events to pass the original's > 10.
	for range 8 {
		ctest.NewEvent(t)
	}
	self := zx.ProcessSelf().Handle
	var avail uint
	ctest.Must(t, "get_info(HANDLE_TABLE, NULL)", zx.Sys_object_get_info(self, zx.ObjectInfoHandleTable, nil, 0, nil, &avail))
	if avail <= 10 {
		t.Fatalf("avail %d, want > 10", avail)
	}
	avail += 4
	recs := make([]handleExtended, avail)
	var actual uint
	ctest.Must(t, "get_info(HANDLE_TABLE)", zx.Sys_object_get_info(self, zx.ObjectInfoHandleTable, unsafe.Pointer(&recs[0]), avail*uint(unsafe.Sizeof(recs[0])), &actual, &avail))
	if actual < 10 || actual != avail {
		t.Fatalf("actual %d avail %d", actual, avail)
	}
	for _, r := range recs[:actual] {
		if r.Handle == zx.HandleInvalid || r.Koid == 0 || r.Type == zx.ObjTypeNone {
			t.Errorf("record %+v", r)
		}
		switch r.Type {
		case zx.ObjTypeChannel, zx.ObjTypeSocket, zx.ObjTypeEventPair, zx.ObjTypeFIFO, zx.ObjTypeThread, zx.ObjTypeProcess:
			if r.RelatedKoid == 0 {
				t.Errorf("record %+v: no related koid", r)
			}
		case zx.ObjTypeJob:
		default:
			if r.RelatedKoid != 0 {
				t.Errorf("record %+v: related koid", r)
			}
		}
	}
}

func TestProcessGetInfoTest_InfoProcessHandleTableInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoHandleTable, 40, 1)
}

func TestProcessGetInfoTest_InfoProcessHandleTableNullAvailSuceeds(t *testing.T) {
	ctest.InfoNullAvailSucceeds(t, newProcess(t), zx.ObjectInfoHandleTable, 40, 1)
}

func TestProcessGetInfoTest_InfoProcessHandleTableNullActualAvailSuceeds(t *testing.T) {
	ctest.InfoNullBothSucceeds(t, newProcess(t), zx.ObjectInfoHandleTable, 40, 1)
}

func TestProcessGetInfoTest_InfoProcessHandleTableInvalidBufferPointerFails(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, newProcess(t), zx.ObjectInfoHandleTable, 40, 1)
}
