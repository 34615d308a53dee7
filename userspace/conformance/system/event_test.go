package system

import (
	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// system_get_event, with the port of Zircon's core-tests
// system-event/mempressure.cc (SystemEvent.*). As the original, the cases
// rely on the default job being the root job, which it is for a
// conformance family (init runs in the root job and starts the families
// in its default job).

var memoryEventKinds = []uint32{zx.SystemEventOutOfMemory, zx.SystemEventMemoryPressureCritical,
	zx.SystemEventMemoryPressureWarning, zx.SystemEventMemoryPressureNormal}

// getEvent gets the event of kind through rootJob, closed at the end of
// the test.
func getEvent(t *testing.T, rootJob zx.Handle, kind uint32) zx.Handle {
	t.Helper()
	var h zx.Handle
	ctest.Must(t, "system_get_event", zx.Sys_system_get_event(rootJob, kind, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

// retrieveMemEvent is the original's retrieve_mem_event.
func retrieveMemEvent(t *testing.T, kind uint32) {
	var h zx.Handle
	ctest.Want(t, "get_event(invalid handle)", zx.Sys_system_get_event(zx.HandleInvalid, kind, &h), zx.ErrBadHandle)
	ctest.Want(t, "get_event(process)", zx.Sys_system_get_event(zx.ProcessSelf().Handle, kind, &h), zx.ErrWrongType)
	sub, err := zx.NewJob(zx.JobDefault(), 0)
	if err != nil {
		t.Fatal("helper sub job:", err)
	}
	defer sub.Handle.Close()
	ctest.Want(t, "get_event(sub job)", zx.Sys_system_get_event(sub.Handle, kind, &h), zx.ErrAccessDenied)

	root := zx.JobDefault().Handle
	ctest.Want(t, "get_event(kind ~0)", zx.Sys_system_get_event(root, ^uint32(0), &h), zx.ErrInvalidArgs)
	e := getEvent(t, root, kind)
	info := ctest.Basic(t, e)
	if info.Koid == 0 {
		t.Error("no koid")
	}
	if info.Type != zx.ObjTypeEvent {
		t.Errorf("type %d, want ZX_OBJ_TYPE_EVENT", info.Type)
	}
	if info.Rights != zx.DefaultSystemEventLowMemoryRights {
		t.Errorf("rights %#x, want ZX_DEFAULT_SYSTEM_EVENT_LOW_MEMORY_RIGHTS %#x", info.Rights, zx.DefaultSystemEventLowMemoryRights)
	}
}

// signalMemEventFromUserspace is the original's
// signal_mem_event_from_userspace.
func signalMemEventFromUserspace(t *testing.T, kind uint32) {
	e := getEvent(t, zx.JobDefault().Handle, kind)
	ctest.Want(t, "object_signal", zx.Sys_object_signal(e, 0, 1), zx.ErrAccessDenied)
}

func TestSystemEvent_RetrieveOom(t *testing.T) { retrieveMemEvent(t, zx.SystemEventOutOfMemory) }

func TestSystemEvent_CannotSignalOomFromUserspace(t *testing.T) {
	signalMemEventFromUserspace(t, zx.SystemEventOutOfMemory)
}

func TestSystemEvent_RetrieveMempressureCritical(t *testing.T) {
	retrieveMemEvent(t, zx.SystemEventMemoryPressureCritical)
}

func TestSystemEvent_CannotSignalMempressureCriticalFromUserspace(t *testing.T) {
	signalMemEventFromUserspace(t, zx.SystemEventMemoryPressureCritical)
}

// The original's name, misspelling included.
func TestSystemEvent_RetreiveMempressureWarning(t *testing.T) {
	retrieveMemEvent(t, zx.SystemEventMemoryPressureWarning)
}

func TestSystemEvent_CannotSignalMempressureWarningFromUserspace(t *testing.T) {
	signalMemEventFromUserspace(t, zx.SystemEventMemoryPressureWarning)
}

func TestSystemEvent_RetrieveMempressureNormal(t *testing.T) {
	retrieveMemEvent(t, zx.SystemEventMemoryPressureNormal)
}

func TestSystemEvent_CannotSignalMempressureNormalFromUserspace(t *testing.T) {
	signalMemEventFromUserspace(t, zx.SystemEventMemoryPressureNormal)
}

func TestSystemEvent_ExactlyOneMemoryEventSignaled(t *testing.T) {
	items := make([]zx.WaitItem, len(memoryEventKinds))
	for i, k := range memoryEventKinds {
		items[i] = zx.WaitItem{Handle: getEvent(t, zx.JobDefault().Handle, k), WaitFor: zx.EventSignaled}
	}
	// This wait returns at once.
	ctest.Must(t, "object_wait_many", zx.Sys_object_wait_many(&items[0], uint(len(items)), zx.TimeInfinite))
	n := 0
	for _, it := range items {
		if it.Pending != 0 {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d memory events signaled, want exactly 1", n)
	}
}

// Beryl's cases for system_get_event's documented errors beyond the
// original's.

// TestSystemGetEventRights: OUT_OF_MEMORY needs MANAGE_PROCESS on the root
// job, the pressure kinds no right at all.
func TestSystemGetEventRights(t *testing.T) {
	none := ctest.Reduced(t, zx.JobDefault().Handle, 0)
	var h zx.Handle
	ctest.Want(t, "get_event(OOM, no rights)", zx.Sys_system_get_event(none, zx.SystemEventOutOfMemory, &h), zx.ErrAccessDenied)
	for _, k := range memoryEventKinds[1:] {
		getEvent(t, none, k)
	}
	noManage := ctest.Reduced(t, zx.JobDefault().Handle, zx.DefaultJobRights&^zx.RightManageProcess)
	ctest.Want(t, "get_event(OOM, no MANAGE_PROCESS)", zx.Sys_system_get_event(noManage, zx.SystemEventOutOfMemory, &h), zx.ErrAccessDenied)
}

// TestSystemGetEventBadKind: every kind but 1..4 is INVALID_ARGS, after the
// handle checks.
func TestSystemGetEventBadKind(t *testing.T) {
	var h zx.Handle
	for _, k := range []uint32{0, 5, 6, 0x100, ^uint32(0)} {
		ctest.Want(t, "get_event(root job, bad kind)", zx.Sys_system_get_event(zx.JobDefault().Handle, k, &h), zx.ErrInvalidArgs)
		ctest.Want(t, "get_event(invalid handle, bad kind)", zx.Sys_system_get_event(zx.HandleInvalid, k, &h), zx.ErrBadHandle)
		ctest.Want(t, "get_event(process, bad kind)", zx.Sys_system_get_event(zx.ProcessSelf().Handle, k, &h), zx.ErrWrongType)
	}
}

// TestSystemGetEventBadOut: an unwritable out pointer is INVALID_ARGS and
// leaves no handle behind.
func TestSystemGetEventBadOut(t *testing.T) {
	bad := ctest.BadAddrs(t, 4, true)
	before := ctest.HandleCount(t)
	for _, ba := range bad {
		st := zx.Sys_system_get_event(zx.JobDefault().Handle, zx.SystemEventMemoryPressureNormal, (*zx.Handle)(ctest.Ptr(ba.Addr)))
		ctest.Want(t, "get_event(out "+ba.Name+")", st, zx.ErrInvalidArgs)
	}
	if after := ctest.HandleCount(t); after != before {
		t.Errorf("handle count %d after failed calls, was %d", after, before)
	}
}

// TestSystemGetEventSameObject: the events are created once: each call
// returns a handle to the same object of its kind, one object per kind.
func TestSystemGetEventSameObject(t *testing.T) {
	seen := map[zx.Koid]uint32{}
	for _, k := range memoryEventKinds {
		a := ctest.Basic(t, getEvent(t, zx.JobDefault().Handle, k)).Koid
		b := ctest.Basic(t, getEvent(t, zx.JobDefault().Handle, k)).Koid
		if a != b {
			t.Errorf("kind %d: koids %d and %d, want one object", k, a, b)
		}
		if o, ok := seen[a]; ok {
			t.Errorf("kinds %d and %d share koid %d", o, k, a)
		}
		seen[a] = k
	}
}
