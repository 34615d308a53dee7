package zxsys

import (
	"testing"

	"beryl/kernel/object"
)

func TestJobPolicyAndKill(t *testing.T) {
	f := newEnv(t)
	job := f.create1(SysJobCreate, uint64(f.jobHandle()), 0)
	f.want(object.ErrInvalidArgs, SysJobCreate, uint64(f.jobHandle()), 1, uint64(f.alloc(4)))
	f.want(object.ErrInvalidArgs, SysJobCreate, uint64(f.jobHandle()), 0, badPtr)
	ev := f.create1(SysEventCreate, 0)
	f.want(object.ErrWrongType, SysJobCreate, uint64(ev), 0, uint64(f.alloc(4)))
	// v1: deny new events.
	pol := f.alloc(8)
	f.put32(pol, object.PolNewEvent)
	f.put32(pol+4, object.PolActionDeny)
	for _, bp := range []UserPtr{badPtr, kernelPtr, nonCanonicalPtr} {
		f.want(object.ErrInvalidArgs, SysJobSetPolicy, uint64(job), uint64(object.JobPolRelative), uint64(object.JobPolBasicV1), uint64(bp), 1)
	}
	f.want(object.ErrInvalidArgs, SysJobSetPolicy, uint64(job), 7, uint64(object.JobPolBasicV1), uint64(pol), 1)
	f.want(object.ErrBadHandle, SysJobSetPolicy, 0x9, uint64(object.JobPolRelative), uint64(object.JobPolBasicV1), badPtr, 1)
	f.want(object.ErrOutOfRange, SysJobSetPolicy, uint64(job), uint64(object.JobPolRelative), uint64(object.JobPolBasicV1), uint64(pol), 100)
	f.want(object.ErrInvalidArgs, SysJobSetPolicy, uint64(job), uint64(object.JobPolRelative), uint64(object.JobPolBasicV1), uint64(pol), 0)
	f.want(object.ErrInvalidArgs, SysJobSetPolicy, uint64(job), uint64(object.JobPolRelative), 77, uint64(pol), 1)
	f.ok(SysJobSetPolicy, uint64(job), uint64(object.JobPolRelative), uint64(object.JobPolBasicV1), uint64(pol), 1)
	// A process in that job may not create events.
	pe := f.p.Table().Get(job)
	np, st := object.NewProcess(pe.Object().(*object.Job), "child", object.ProcessConfig{})
	if st != object.OK {
		t.Fatal(st)
	}
	g := &fakeCaller{t: t, p: np, mem: make([]byte, memSize), ro: make([]byte, roSize)}
	g.want(object.ErrAccessDenied, SysEventCreate, 0, uint64(g.alloc(4)))
	// Timer slack needs an empty job: BAD_STATE now.
	sl := f.alloc(16)
	f.put64(sl, 1000)
	f.want(object.ErrBadState, SysJobSetPolicy, uint64(job), uint64(object.JobPolRelative), uint64(object.JobPolTimerSlack), uint64(sl), 1)
	f.want(object.ErrInvalidArgs, SysJobSetPolicy, uint64(job), uint64(object.JobPolRelative), uint64(object.JobPolTimerSlack), uint64(sl), 2)
	// task_kill kills the job and its process.
	f.ok(SysTaskKill, uint64(job))
	if !np.Dead() {
		t.Fatal("process survived its job's kill")
	}
	np.Release()
	f.want(object.ErrWrongType, SysTaskKill, uint64(ev))
	f.want(object.ErrBadHandle, SysTaskKill, 0x9)
	// v2 and timer slack on a fresh empty job.
	j2 := f.create1(SysJobCreate, uint64(f.jobHandle()), 0)
	v2 := f.alloc(12)
	f.put32(v2, object.PolNewPort)
	f.put32(v2+4, object.PolActionDeny)
	f.put32(v2+8, object.PolOverrideDeny)
	f.ok(SysJobSetPolicy, uint64(j2), uint64(object.JobPolAbsolute), uint64(object.JobPolBasicV2), uint64(v2), 1)
	f.ok(SysJobSetPolicy, uint64(j2), uint64(object.JobPolRelative), uint64(object.JobPolTimerSlack), uint64(sl), 1)
}

func TestProcessExitWithoutTaskOps(t *testing.T) {
	f := newEnv(t)
	if got := f.call(SysProcessExit, 3); got != 0 {
		t.Fatalf("process_exit returned %d", got)
	}
	if !f.p.Dead() {
		t.Fatal("process alive after process_exit")
	}
	f.call(SysThreadExit)
}

func TestTaskOpsUnset(t *testing.T) {
	f := newEnv(t)
	SetTaskOps(nil)
	for _, n := range []uint64{SysVmoCreate, SysVmoRead, SysVmoWrite, SysVmoGetSize, SysVmoSetSize, SysVmoOpRange,
		SysVmarAllocate, SysVmarMap, SysVmarUnmap, SysVmarProtect, SysVmarDestroy,
		SysProcessCreate, SysProcessStart, SysThreadCreate, SysThreadStart} {
		f.want(object.ErrNotSupported, n, 0, 0, 0, 0, 0, 0, 0, 0)
	}
}

// fakeTasks records calls and hands out events as stand-ins for VMOs,
// VMARs, processes and threads.
type fakeTasks struct {
	calls []string
	name  string
}

func (ft *fakeTasks) ev(c Caller) object.Handle {
	h, _ := object.EventCreate(c.Process(), 0)
	return h
}
func (ft *fakeTasks) log(s string) { ft.calls = append(ft.calls, s) }
func (ft *fakeTasks) VmoCreate(c Caller, size uint64, options uint32) (object.Handle, object.Status) {
	ft.log("vmo_create")
	return ft.ev(c), object.OK
}
func (ft *fakeTasks) VmoRead(c Caller, vmo object.Handle, buffer, offset, size uint64) object.Status {
	ft.log("vmo_read")
	return c.CopyOut(buffer, make([]byte, size))
}
func (ft *fakeTasks) VmoWrite(c Caller, vmo object.Handle, buffer, offset, size uint64) object.Status {
	ft.log("vmo_write")
	return object.OK
}
func (ft *fakeTasks) VmoGetSize(c Caller, vmo object.Handle) (uint64, object.Status) {
	ft.log("vmo_get_size")
	return 4096, object.OK
}
func (ft *fakeTasks) VmoSetSize(c Caller, vmo object.Handle, size uint64) object.Status {
	ft.log("vmo_set_size")
	return object.OK
}
func (ft *fakeTasks) VmoOpRange(c Caller, vmo object.Handle, op uint32, offset, size, buffer, bufferSize uint64) object.Status {
	ft.log("vmo_op_range")
	return object.OK
}
func (ft *fakeTasks) VmarAllocate(c Caller, parent object.Handle, options uint32, offset, size uint64) (object.Handle, uint64, object.Status) {
	ft.log("vmar_allocate")
	return ft.ev(c), 0x7000, object.OK
}
func (ft *fakeTasks) VmarMap(c Caller, vmar object.Handle, options uint32, vmarOffset uint64, vmo object.Handle, vmoOffset, length uint64) (uint64, object.Status) {
	ft.log("vmar_map")
	return 0x8000, object.OK
}
func (ft *fakeTasks) VmarUnmap(c Caller, vmar object.Handle, addr, length uint64) object.Status {
	ft.log("vmar_unmap")
	return object.OK
}
func (ft *fakeTasks) VmarProtect(c Caller, vmar object.Handle, options uint32, addr, length uint64) object.Status {
	ft.log("vmar_protect")
	return object.OK
}
func (ft *fakeTasks) VmarDestroy(c Caller, vmar object.Handle) object.Status {
	ft.log("vmar_destroy")
	return object.OK
}
func (ft *fakeTasks) ProcessCreate(c Caller, job object.Handle, name string, options uint32) (object.Handle, object.Handle, object.Status) {
	ft.log("process_create")
	ft.name = name
	return ft.ev(c), ft.ev(c), object.OK
}
func (ft *fakeTasks) ProcessStart(c Caller, proc, thread object.Handle, entry, stack uint64, arg1 object.Handle, arg2 uint64) object.Status {
	ft.log("process_start")
	return object.OK
}
func (ft *fakeTasks) ProcessExit(c Caller, retcode int64) { ft.log("process_exit") }
func (ft *fakeTasks) ThreadCreate(c Caller, proc object.Handle, name string, options uint32) (object.Handle, object.Status) {
	ft.log("thread_create")
	ft.name = name
	return ft.ev(c), object.OK
}
func (ft *fakeTasks) ThreadStart(c Caller, thread object.Handle, entry, stack, arg1, arg2 uint64) object.Status {
	ft.log("thread_start")
	return object.OK
}
func (ft *fakeTasks) ThreadExit(c Caller) { ft.log("thread_exit") }
func (ft *fakeTasks) ThreadKill(c Caller, thread object.Handle) object.Status {
	ft.log("thread_kill")
	return object.OK
}
func (ft *fakeTasks) ObjectGetInfo(c Caller, h object.Handle, topic uint32, buf []byte) (int, int, int, object.Status) {
	ft.log("get_info")
	if topic != object.InfoVMO {
		return 0, 0, 0, object.ErrNotSupported
	}
	copy(buf, "vmoinfo!")
	return 8, 1, 1, object.OK
}
func (ft *fakeTasks) ObjectGetProperty(c Caller, h object.Handle, prop uint32, value []byte) (int, object.Status) {
	ft.log("get_property")
	return copy(value, "thread-name"), object.OK
}
func (ft *fakeTasks) ObjectSetProperty(c Caller, h object.Handle, prop uint32, value []byte) object.Status {
	ft.log("set_property")
	return object.OK
}

func TestTaskOpsDelegation(t *testing.T) {
	f := newEnv(t)
	ft := &fakeTasks{}
	SetTaskOps(ft)
	defer SetTaskOps(nil)
	n := f.handles()
	// Bad out pointers: the implementation is never called.
	f.want(object.ErrInvalidArgs, SysVmoCreate, 4096, 0, badPtr)
	f.want(object.ErrInvalidArgs, SysVmarAllocate, 1, 0, 0, 4096, uint64(f.alloc(4)), badPtr)
	f.want(object.ErrInvalidArgs, SysProcessCreate, 1, badPtr, 4, 0, uint64(f.alloc(4)), uint64(f.alloc(4)))
	f.want(object.ErrInvalidArgs, SysProcessCreate, 1, uint64(f.data([]byte("p"))), 1, 0, uint64(f.alloc(4)), kernelPtr)
	f.want(object.ErrInvalidArgs, SysThreadCreate, 1, uint64(f.data([]byte("t"))), 1, 0, nonCanonicalPtr)
	f.want(object.ErrInvalidArgs, SysVmoGetSize, 1, badPtr)
	f.want(object.ErrInvalidArgs, SysVmarMap, 1, 0, 0, 2, 0, 4096, badPtr)
	if len(ft.calls) != 0 || f.handles() != n {
		t.Fatalf("calls %v, handles %d→%d", ft.calls, n, f.handles())
	}
	f.create1(SysVmoCreate, 4096, 0)
	f.ok(SysVmoRead, 1, uint64(f.alloc(16)), 0, 16)
	f.ok(SysVmoWrite, 1, uint64(f.alloc(16)), 0, 16)
	sz := f.alloc(8)
	f.ok(SysVmoGetSize, 1, uint64(sz))
	if f.u64(sz) != 4096 {
		t.Fatal("size")
	}
	f.ok(SysVmoSetSize, 1, 8192)
	f.ok(SysVmoOpRange, 1, 1, 0, 4096, 0, 0)
	addr := f.alloc(8)
	f.ok(SysVmarAllocate, 1, 0, 0, 4096, uint64(f.alloc(4)), uint64(addr))
	if f.u64(addr) != 0x7000 {
		t.Fatal("child addr")
	}
	f.ok(SysVmarMap, 1, 0, 0, 2, 0, 4096, uint64(addr))
	if f.u64(addr) != 0x8000 {
		t.Fatal("mapped addr")
	}
	f.ok(SysVmarUnmap, 1, 0x8000, 4096)
	f.ok(SysVmarProtect, 1, 1, 0x8000, 4096)
	f.ok(SysVmarDestroy, 1)
	long := f.data([]byte("a-process-name-that-is-way-too-long-for-zircon"))
	f.create2(SysProcessCreate, 1, uint64(long), 46, 0)
	if ft.name != "a-process-name-that-is-way-too" && len(ft.name) != object.MaxNameLen-1 {
		t.Fatalf("name %q", ft.name)
	}
	f.ok(SysProcessStart, 1, 2, 0x1000, 0x2000, 0, 0)
	f.create1(SysThreadCreate, 1, uint64(f.data([]byte("th\x00junk"))), 7, 0)
	if ft.name != "th" {
		t.Fatalf("thread name %q", ft.name)
	}
	f.ok(SysThreadStart, 1, 0x1000, 0x2000, 0, 0)
	// get_info topics unknown to the object core go to TaskOps.
	buf, actual := f.alloc(16), f.alloc(8)
	ev := f.create1(SysEventCreate, 0)
	f.ok(SysObjectGetInfo, uint64(ev), uint64(object.InfoVMO), uint64(buf), 16, uint64(actual), 0)
	if string(f.bytes(buf, 8)) != "vmoinfo!" || f.u64(actual) != 1 {
		t.Fatal("vmo info")
	}
	f.call(SysThreadExit)
	f.call(SysProcessExit, 0)
	if f.p.Dead() {
		t.Fatal("process_exit bypassed TaskOps")
	}
	if len(ft.calls) != 18 {
		t.Fatalf("calls %v", ft.calls)
	}
}
