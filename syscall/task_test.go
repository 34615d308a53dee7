package zxsys

import (
	"testing"

	"beryl/kernel/object"
	"beryl/mm/vm"
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
	// Zircon copies the policy in before it looks at the handle, and more
	// than 32 entries are INVALID_ARGS (sys_job_set_policy).
	f.want(object.ErrInvalidArgs, SysJobSetPolicy, 0x9, uint64(object.JobPolRelative), uint64(object.JobPolBasicV1), badPtr, 1)
	f.want(object.ErrBadHandle, SysJobSetPolicy, 0x9, uint64(object.JobPolRelative), uint64(object.JobPolBasicV1), uint64(pol), 1)
	f.want(object.ErrInvalidArgs, SysJobSetPolicy, 0x9, 7, uint64(object.JobPolBasicV1), uint64(pol), 1)
	f.want(object.ErrInvalidArgs, SysJobSetPolicy, 0x9, uint64(object.JobPolRelative), 77, uint64(pol), 1)
	f.want(object.ErrInvalidArgs, SysJobSetPolicy, uint64(job), uint64(object.JobPolRelative), uint64(object.JobPolBasicV1), uint64(pol), 33)
	f.want(object.ErrInvalidArgs, SysJobSetPolicy, uint64(job), uint64(object.JobPolRelative), uint64(object.JobPolBasicV1), uint64(pol), 0)
	f.want(object.ErrInvalidArgs, SysJobSetPolicy, uint64(job), uint64(object.JobPolRelative), 77, uint64(pol), 1)
	f.ok(SysJobSetPolicy, uint64(job), uint64(object.JobPolRelative), uint64(object.JobPolBasicV1), uint64(pol), 1)
	// A process in that job may not create events.
	pe := f.p.Table().Get(job)
	np, st := object.NewProcess(pe.Object().(*object.Job), "child", object.ProcessConfig{})
	if st != object.OK {
		t.Fatal(st)
	}
	g := newFakeCaller(t, np)
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
	f.want(object.ErrAccessDenied, SysTaskKill, uint64(ev)) // DESTROY before the type (sys_task_kill)
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

func TestProcessAndThreadExit(t *testing.T) {
	f := newEnv(t)
	f.call(SysThreadExit)
	if f.exited != 1 || f.p.Dead() {
		t.Fatalf("thread_exit: %d exits, process dead %v", f.exited, f.p.Dead())
	}
	if got := f.call(SysProcessExit, 3); got != 0 {
		t.Fatalf("process_exit returned %d", got)
	}
	if !f.p.Dead() || f.p.Retcode() != 3 {
		t.Fatal("process alive after process_exit")
	}
}

// rootVMAR installs a handle to the caller's root VMAR.
func (f *fakeCaller) rootVMAR() object.Handle {
	root := f.as.RootVMAR()
	root.AddRef()
	h, st := f.p.Install(root, root.Rights())
	if st != object.OK {
		f.t.Fatal(st)
	}
	return h
}

// TestVmoVmar runs the VMO and VMAR calls on real mm/vm objects.
func TestVmoVmar(t *testing.T) {
	f := newEnv(t)
	n := f.handles()
	// Bad out pointers: nothing is created.
	f.want(object.ErrInvalidArgs, SysVmoCreate, 4096, 0, badPtr)
	root := f.rootVMAR()
	f.want(object.ErrInvalidArgs, SysVmarAllocate, uint64(root), 0, 0, 4096, uint64(f.alloc(4)), badPtr)
	f.want(object.ErrInvalidArgs, SysVmoGetSize, uint64(root), badPtr)
	if f.handles() != n+1 || f.frames.Live() != 0 {
		t.Fatalf("handles %d→%d, pages %d", n, f.handles(), f.frames.Live())
	}
	v := f.create1(SysVmoCreate, 8192, 0)
	f.want(object.ErrWrongType, SysVmoRead, uint64(root), uint64(f.alloc(16)), 0, 16)
	f.want(object.ErrBadHandle, SysVmoWrite, 0x9, uint64(f.alloc(16)), 0, 16)
	f.ok(SysVmoWrite, uint64(v), uint64(f.data([]byte("hello, vmo"))), 4090, 10)
	buf := f.alloc(10)
	f.ok(SysVmoRead, uint64(v), uint64(buf), 4090, 10)
	if string(f.bytes(buf, 10)) != "hello, vmo" {
		t.Fatalf("read %q", f.bytes(buf, 10))
	}
	f.want(object.ErrOutOfRange, SysVmoRead, uint64(v), uint64(buf), 8190, 10)
	f.want(object.ErrInvalidArgs, SysVmoRead, uint64(v), badPtr, 0, 10)
	sz := f.alloc(8)
	f.ok(SysVmoGetSize, uint64(v), uint64(sz))
	if f.u64(sz) != 8192 {
		t.Fatalf("size %d", f.u64(sz))
	}
	// vmo_create without ZX_VMO_RESIZABLE: set_size is UNAVAILABLE.
	f.want(object.ErrUnavailable, SysVmoSetSize, uint64(v), 4096)
	f.ok(SysVmoOpRange, uint64(v), uint64(vmOpCommit), 0, 4096, 0, 0)
	// A child VMAR, a mapping in it, protect, unmap, destroy.
	childOut, addr := f.alloc(4), f.alloc(8)
	f.ok(SysVmarAllocate, uint64(root), uint64(vmCanMapRead|vmCanMapWrite|vmCanMapSpecific), 0, 0x10000, uint64(childOut), uint64(addr))
	child, base := f.h(childOut), f.u64(addr)
	info, actual := f.alloc(16), f.alloc(8)
	f.ok(SysObjectGetInfo, uint64(child), uint64(object.InfoVMAR), uint64(info), 16, uint64(actual), 0)
	if f.u64(info) != base || f.u64(info+8) != 0x10000 || f.u64(actual) != 1 {
		t.Fatalf("ZX_INFO_VMAR %#x %#x, want %#x 0x10000", f.u64(info), f.u64(info+8), base)
	}
	f.want(object.ErrBufferTooSmall, SysObjectGetInfo, uint64(child), uint64(object.InfoVMAR), uint64(info), 8, uint64(actual), 0)
	f.ok(SysVmarMap, uint64(child), uint64(vmPermRead|vmPermWrite|vmSpecific), 0x2000, uint64(v), 0, 8192, uint64(addr))
	if f.u64(addr) != base+0x2000 {
		t.Fatalf("mapped at %#x, want %#x", f.u64(addr), base+0x2000)
	}
	if err := f.as.CopyIn(make([]byte, 10), base+0x2000+4090); err != nil {
		t.Fatal(err)
	}
	f.ok(SysVmarProtect, uint64(child), uint64(vmPermRead), base+0x2000, 4096)
	if err := f.as.CopyOut(base+0x2000, []byte{1}); err == nil {
		t.Fatal("wrote a read-only page")
	}
	f.ok(SysVmarUnmap, uint64(child), base+0x2000, 8192)
	if err := f.as.CopyIn(make([]byte, 1), base+0x2000); err == nil {
		t.Fatal("read an unmapped page")
	}
	f.ok(SysVmarDestroy, uint64(child))
	f.want(object.ErrBadState, SysVmarMap, uint64(child), uint64(vmPermRead), 0, uint64(v), 0, 4096, uint64(addr))
	for _, h := range []object.Handle{v, child, root} {
		f.ok(SysHandleClose, uint64(h))
	}
}

// ZX_VM_* (zircon/types.h) and ZX_VMO_OP_COMMIT.
const (
	vmPermRead       = vm.VMPermRead
	vmPermWrite      = vm.VMPermWrite
	vmSpecific       = vm.VMSpecific
	vmCanMapSpecific = vm.VMCanMapSpecific
	vmCanMapRead     = vm.VMCanMapRead
	vmCanMapWrite    = vm.VMCanMapWrite
	vmOpCommit       = 1 // ZX_VMO_OP_COMMIT
)

// TestProcessThreadErrors: the errors process and thread calls report
// before they reach kernel/proc's threads (which run only in the kernel).
func TestProcessThreadErrors(t *testing.T) {
	f := newEnv(t)
	name := f.data([]byte("p"))
	ev := f.create1(SysEventCreate, 0)
	n := f.handles()
	f.want(object.ErrInvalidArgs, SysProcessCreate, uint64(f.jobHandle()), uint64(badPtr), 4, 0, uint64(f.alloc(4)), uint64(f.alloc(4)))
	f.want(object.ErrInvalidArgs, SysProcessCreate, uint64(f.jobHandle()), uint64(name), 1, 0, uint64(f.alloc(4)), kernelPtr)
	f.want(object.ErrInvalidArgs, SysProcessCreate, uint64(f.jobHandle()), uint64(name), 1, 1, uint64(f.alloc(4)), uint64(f.alloc(4)))
	f.want(object.ErrWrongType, SysProcessCreate, uint64(ev), uint64(name), 1, 0, uint64(f.alloc(4)), uint64(f.alloc(4)))
	f.want(object.ErrBadHandle, SysProcessCreate, 0x9, uint64(name), 1, 0, uint64(f.alloc(4)), uint64(f.alloc(4)))
	f.want(object.ErrInvalidArgs, SysThreadCreate, uint64(f.jobHandle()), uint64(name), 1, 0, nonCanonicalPtr)
	f.want(object.ErrInvalidArgs, SysThreadCreate, uint64(f.jobHandle()), uint64(name), 1, 1, uint64(f.alloc(4)))
	f.want(object.ErrWrongType, SysThreadCreate, uint64(f.jobHandle()), uint64(name), 1, 0, uint64(f.alloc(4)))
	// Zircon's copy_user_string: a NULL name is INVALID_ARGS, size 0 too;
	// options come before the handle.
	f.want(object.ErrInvalidArgs, SysProcessCreate, uint64(f.jobHandle()), 0, 0, 0, uint64(f.alloc(4)), uint64(f.alloc(4)))
	f.want(object.ErrInvalidArgs, SysThreadCreate, uint64(f.jobHandle()), 0, 0, 0, uint64(f.alloc(4)))
	f.want(object.ErrInvalidArgs, SysThreadCreate, 0x9, uint64(name), 1, 1, uint64(f.alloc(4)))
	f.want(object.ErrWrongType, SysThreadStart, uint64(ev), 0x10000, 0, 0, 0)
	f.want(object.ErrWrongType, SysProcessStart, uint64(ev), uint64(ev), 0x10000, 0, 0, 0)
	// arg1 is consumed on every failure.
	moved := f.create1(SysEventCreate, 0)
	f.want(object.ErrWrongType, SysProcessStart, uint64(ev), uint64(ev), 0x10000, 0, uint64(moved), 0)
	f.want(object.ErrBadHandle, SysHandleClose, uint64(moved))
	// The process handle is looked at before arg1 (Zircon's order).
	f.want(object.ErrWrongType, SysProcessStart, uint64(ev), uint64(ev), 0x10000, 0, uint64(moved), 0)
	f.want(object.ErrAccessDenied, SysTaskKill, uint64(ev)) // DESTROY before the type (sys_task_kill)
	if f.handles() != n+1 {                                 // the job handle
		t.Fatalf("handles %d→%d", n, f.handles())
	}
}

// TestProcessCreate creates a process through kernel/proc on the host
// fakes: it gets the caller's class, its root VMAR spans the user
// address space, and closing its handles tears it down.
func TestProcessCreate(t *testing.T) {
	env := newEnv(t)
	// A caller of class test.class (set before it starts).
	cp, st := object.NewProcess(env.p.Job(), "classy", object.ProcessConfig{})
	if st != object.OK {
		t.Fatal(st)
	}
	t.Cleanup(func() { cp.Kill(0); cp.Release() })
	if st := cp.SetClass("test.class"); st != object.OK {
		t.Fatal(st)
	}
	cp.Start()
	f := newFakeCaller(t, cp)
	n := f.handles()
	long := f.data([]byte("a-process-name-that-is-way-too-long-for-zircon"))
	ph, vh := f.create2(SysProcessCreate, uint64(f.jobHandle()), uint64(long), 46, 0)
	name := f.alloc(object.MaxNameLen)
	f.ok(SysObjectGetProperty, uint64(ph), uint64(object.PropName), uint64(name), object.MaxNameLen)
	if got := cString(f.bytes(name, object.MaxNameLen)); got != "a-process-name-that-is-way-too-" {
		t.Fatalf("name %q", got)
	}
	class := f.alloc(object.MaxClassLen)
	f.ok(SysObjectGetProperty, uint64(ph), uint64(object.PropProcessClass), uint64(class), object.MaxClassLen)
	if got := cString(f.bytes(class, object.MaxClassLen)); got != "test.class" {
		t.Fatalf("class %q", got)
	}
	info, actual := f.alloc(16), f.alloc(8)
	f.ok(SysObjectGetInfo, uint64(vh), uint64(object.InfoVMAR), uint64(info), 16, uint64(actual), 0)
	if f.u64(info) == 0 || f.u64(info+8) == 0 {
		t.Fatalf("root VMAR %#x+%#x", f.u64(info), f.u64(info+8))
	}
	threads := f.alloc(8)
	f.ok(SysObjectGetInfo, uint64(ph), uint64(object.InfoProcessThreads), uint64(threads), 8, uint64(actual), 0)
	if f.u64(actual) != 0 {
		t.Fatalf("%d threads before start", f.u64(actual))
	}
	th := f.create1(SysThreadCreate, uint64(ph), uint64(f.data([]byte("th\x00junk"))), 7, 0)
	f.ok(SysObjectGetInfo, uint64(th), uint64(object.InfoThread), uint64(f.alloc(72)), 72, uint64(actual), 0)
	tinfo := f.alloc(72)
	f.ok(SysObjectGetInfo, uint64(th), uint64(object.InfoThread), uint64(tinfo), 72, uint64(actual), 0)
	if f.u32(tinfo) != object.ThreadStateNew {
		t.Fatalf("thread state %#x", f.u32(tinfo))
	}
	// A thread_start before process_start, and a start at a kernel address.
	f.want(object.ErrBadState, SysThreadStart, uint64(th), 0x10000, 0, 0, 0)
	f.want(object.ErrInvalidArgs, SysProcessStart, uint64(ph), uint64(th), kernelPtr, 0, 0, 0)
	f.ok(SysTaskKill, uint64(th))
	f.ok(SysObjectGetInfo, uint64(th), uint64(object.InfoThread), uint64(tinfo), 72, uint64(actual), 0)
	if f.u32(tinfo) != object.ThreadStateDead {
		t.Fatalf("killed thread state %#x", f.u32(tinfo))
	}
	for _, h := range []object.Handle{th, vh, ph} {
		f.ok(SysHandleClose, uint64(h))
	}
	if f.handles() != n+1 { // the job handle
		t.Fatalf("handles %d→%d", n, f.handles())
	}
}

// TestVMOPolicies: vmo_create obeys ZX_POL_NEW_VMO before its options, and
// vmo_replace_as_executable without a vmex resource obeys
// ZX_POL_AMBIENT_MARK_VMO_EXEC (consuming the handle), as Zircon's
// sys_vmo_create and sys_vmo_replace_as_executable; process_create checks
// ZX_POL_NEW_PROCESS before its name.
func TestVMOPolicies(t *testing.T) {
	f := newEnv(t)
	child := func(cond uint32) (*fakeCaller, func()) {
		job := f.create1(SysJobCreate, uint64(f.jobHandle()), 0)
		pol := f.alloc(8)
		f.put32(pol, cond)
		f.put32(pol+4, object.PolActionDeny)
		f.ok(SysJobSetPolicy, uint64(job), uint64(object.JobPolRelative), uint64(object.JobPolBasicV1), uint64(pol), 1)
		np, st := object.NewProcess(f.p.Table().Get(job).Object().(*object.Job), "child", object.ProcessConfig{})
		if st != object.OK {
			t.Fatal(st)
		}
		return newFakeCaller(t, np), func() { f.ok(SysTaskKill, uint64(job)); np.Release() }
	}
	g, done := child(object.PolNewVMO)
	g.want(object.ErrAccessDenied, SysVmoCreate, 4096, 0, uint64(g.alloc(4)))
	g.want(object.ErrAccessDenied, SysVmoCreate, 4096, 0x80, uint64(g.alloc(4)))
	done()
	g, done = child(object.PolAmbientMarkVMOExec)
	v := g.create1(SysVmoCreate, 4096, 0)
	g.want(object.ErrAccessDenied, SysVmoReplaceAsExecutable, uint64(v), 0, uint64(g.alloc(4)))
	g.want(object.ErrBadHandle, SysHandleClose, uint64(v))
	done()
	// process_create: the policy before the name (sys_process_create).
	g, done = child(object.PolNewProcess)
	g.want(object.ErrAccessDenied, SysProcessCreate, 0x9, 0, 0, 0, uint64(g.alloc(4)), uint64(g.alloc(4)))
	done()
}
