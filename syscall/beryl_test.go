package zxsys

import (
	"testing"
	"time"

	"beryl/kernel/object"
	"beryl/kernel/proc"
	"beryl/mm/kmem"
	"beryl/mm/vm"
)

// takerCaller adds TakeStartupHandle to the fake caller.
type takerCaller struct {
	*fakeCaller
	h object.Handle
}

func (c *takerCaller) TakeStartupHandle() object.Handle {
	h := c.h
	c.h = object.HandleInvalid
	return h
}

func TestBerylStartupHandle(t *testing.T) {
	f := newEnv(t)
	out := f.alloc(4)
	// A process without one: BAD_STATE.
	f.want(object.ErrBadState, SysBerylStartupHandle, uint64(out))
	ev := f.create1(SysEventCreate, 0)
	c := &takerCaller{fakeCaller: f, h: ev}
	st := func(p UserPtr) object.Status {
		var a [8]uint64
		a[0] = uint64(p)
		return object.Status(testDispatcher.Dispatch(c, SysBerylStartupHandle, &a))
	}
	for _, bp := range badPtrs {
		if s := st(bp); s != object.ErrInvalidArgs {
			t.Fatalf("bad pointer %#x: %v", bp, s)
		}
	}
	if c.h != ev {
		t.Fatal("a bad pointer consumed the startup handle")
	}
	if s := st(out); s != object.OK || f.h(out) != ev {
		t.Fatalf("take: %v %#x, want %#x", s, f.h(out), ev)
	}
	if s := st(out); s != object.ErrBadState {
		t.Fatalf("second take: %v, want BAD_STATE", s)
	}
}

func TestBerylKernelStats(t *testing.T) {
	f := newEnv(t)
	d := &Dispatcher{Stats: func(s *KernelStats) {
		s.PagesTotal, s.PagesFree, s.PagesHeap, s.CPUs, s.Processes = 100, 40, 10, 2, 3
		s.PagesUser, s.PagesReserve = 21, 16
		s.CPUBusyNs[1], s.CPUIdleNs[1] = 7, 9
		s.KernelGCs = 11
	}}
	saved := testDispatcher
	testDispatcher = d
	defer func() { testDispatcher = saved }()
	// The caller's own pages and private VMOs: one Linux-style anonymous
	// mapping with a page faulted in.
	va, err := f.as.Mmap(0, 4096, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	if !f.as.Fault(va, 6) { // a user write
		t.Fatal("fault")
	}
	pages, private := f.as.PrivatePages()+f.as.TablePages(), f.as.PrivateVMOs()
	if pages == 0 || private != 1 {
		t.Fatalf("fake address space: %d pages, %d private VMOs", pages, private)
	}
	buf := f.alloc(int(KernelStatsSize) + 8)
	f.put64(buf+UserPtr(KernelStatsSize), 0x5a5a)
	f.ok(SysBerylKernelStats, 0, uint64(buf), KernelStatsSize+8)
	w := func(i int) uint64 { return f.u64(buf + UserPtr(8*i)) }
	if w(0) != KernelStatsSize || w(1) != 100 || w(2) != 40 || w(3) != 10 || w(4) != 2 || w(5) != 3 || w(6) != pages {
		t.Fatalf("header % d", []uint64{w(0), w(1), w(2), w(3), w(4), w(5), w(6)})
	}
	at := 9 + int(object.ObjTypeUpperBound) // the words after Objects
	tail := []uint64{w(at), w(at + 1), w(at + 2), w(at + 3)}
	if tail[0] != 1 || tail[1] != 21 || tail[2] != 16 || tail[3] != uint64(len(proc.ThreadKoids(f.Process()))) {
		t.Errorf("record tail (caller private VMOs, user pages, reserve, caller threads) %d, want [1 21 16 %d]", tail, len(proc.ThreadKoids(f.Process())))
	}
	if busy, idle := w(at+4+1), w(at+4+StatsCPUs+1); busy != 7 || idle != 9 || w(at+4+2*StatsCPUs) != 11 || 8*(at+7+2*StatsCPUs) != int(KernelStatsSize) {
		t.Errorf("cpu 1 busy %d idle %d ns, GCs %d, want 7, 9, 11 (record of %d bytes)", busy, idle, w(at+4+2*StatsCPUs), KernelStatsSize)
	}
	if got, want := w(at+5+2*StatsCPUs), proc.PrivateVMOs(); got != want {
		t.Errorf("every process's private VMOs %d, want %d", got, want)
	}
	if got, want := w(at+6+2*StatsCPUs), proc.ClonedThreads(f.Process()); got != want {
		t.Errorf("other processes' cloned threads %d, want %d", got, want)
	}
	if f.u64(buf+UserPtr(KernelStatsSize)) != 0x5a5a {
		t.Fatal("wrote past the record")
	}
	if got := w(7); got != uint64(object.LiveHandles()) {
		t.Errorf("handles %d, want %d", got, object.LiveHandles())
	}
	var sum uint64
	for ty := 1; ty < int(object.ObjTypeUpperBound); ty++ {
		sum += w(9 + ty)
	}
	if sum != w(8) || w(9) != 0 || w(9+int(object.ObjTypeProcess)) < 1 || w(9+int(object.ObjTypeEvent)) != uint64(object.LiveObjects(object.ObjTypeEvent)) {
		t.Errorf("objects: total %d, sum %d, processes %d", w(8), sum, w(9+int(object.ObjTypeProcess)))
	}
	// A short buffer gets a prefix.
	small := f.alloc(16)
	f.put64(small+8, 0xabcdef0000000007)
	f.ok(SysBerylKernelStats, 0, uint64(small), 12)
	if f.u64(small) != KernelStatsSize || f.u32(small+8) != 100 || f.u32(small+12) != 0xabcdef00 {
		t.Errorf("short read: % x", f.bytes(small, 16))
	}
	for _, bp := range badPtrs {
		f.want(object.ErrInvalidArgs, SysBerylKernelStats, 0, uint64(bp), KernelStatsSize)
	}
	// Another process's anonymous mappings count in PrivateVmos, and
	// leave it with the process.
	job := object.NewRootJob()
	env, _, _, _ := vm.NewHostEnv()
	po, root, st := proc.CreateProcess(f.Process(), job, "other", env)
	if st != object.OK {
		t.Fatal(st)
	}
	before := proc.PrivateVMOs()
	for range 2 {
		if _, err := proc.AddressSpaceOf(po).Mmap(0, 4096, 3, false); err != nil {
			t.Fatal(err)
		}
	}
	f.ok(SysBerylKernelStats, 0, uint64(buf), KernelStatsSize)
	if got := w(at + 5 + 2*StatsCPUs); got != before+2 {
		t.Errorf("private VMOs with another process's two mappings: %d, want %d", got, before+2)
	}
	po.Kill(0)
	root.Release()
	po.Release()
	job.Kill(0)
	job.Release()
	for deadline := time.Now().Add(2 * time.Second); proc.PrivateVMOs() != before; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("private VMOs %d after the other process ended, want %d", proc.PrivateVMOs(), before)
		}
	}
	ev := f.create1(SysEventCreate, 0)
	f.want(object.ErrWrongType, SysBerylKernelStats, uint64(ev), uint64(buf), KernelStatsSize)
	f.want(object.ErrBadHandle, SysBerylKernelStats, 0x21, uint64(buf), KernelStatsSize)
}

func TestVmoReplaceAsExecutable(t *testing.T) {
	f := newEnv(t)
	n := f.handles()
	// A bad out pointer, a bad vmex or a handle that is not a VMO: the
	// handle is consumed whatever happens.
	for _, c := range []struct {
		vmo  bool
		vmex uint64
		out  UserPtr
		want object.Status
	}{
		{true, 0, badPtr, object.ErrInvalidArgs},
		{true, 0x21, f.alloc(4), object.ErrBadHandle},
		{false, 0, f.alloc(4), object.ErrWrongType},
	} {
		h := f.create1(SysEventCreate, 0)
		if c.vmo {
			f.ok(SysHandleClose, uint64(h))
			h = f.create1(SysVmoCreate, 4096, 0)
		}
		f.want(c.want, SysVmoReplaceAsExecutable, uint64(h), c.vmex, uint64(c.out))
		f.want(object.ErrBadHandle, SysHandleClose, uint64(h))
	}
	if f.handles() != n {
		t.Fatalf("handles %d→%d", n, f.handles())
	}
	v := f.create1(SysVmoCreate, 4096, 0)
	nh := f.create1(SysVmoReplaceAsExecutable, uint64(v), 0)
	info, st := object.ObjectGetInfoHandleBasic(f.p, nh)
	if st != object.OK || !info.Rights.Has(object.RightExecute|object.RightMap|object.RightRead) || f.handles() != n+1 {
		t.Fatalf("replace: %v rights %#x, handles %d", st, info.Rights, f.handles())
	}
	f.want(object.ErrBadHandle, SysHandleClose, uint64(v))
	f.ok(SysHandleClose, uint64(nh))
}

func TestBerylProcessSetClass(t *testing.T) {
	f := newEnv(t)
	root := object.NewRootResource()
	rh, st := f.p.Install(root, object.DefaultResourceRights)
	if st != object.OK {
		t.Fatal(st)
	}
	child, ph, st := object.ProcessCreate(f.p, f.jobHandle(), "child", 0)
	if st != object.OK {
		t.Fatal(st)
	}
	defer func() { child.Kill(0); child.Release() }()
	ev := f.create1(SysEventCreate, 0)
	var ro object.Handle
	{
		out := f.alloc(4)
		f.ok(SysHandleDuplicate, uint64(ph), uint64(object.RightsBasic|object.RightGetProperty), uint64(out))
		ro = f.h(out)
	}
	cls := f.data([]byte("kv.client-a"))
	n := uint64(len("kv.client-a"))
	set := func(want object.Status, res, proc object.Handle, p UserPtr, n uint64) {
		t.Helper()
		f.want(want, SysBerylProcessSetClass, uint64(res), uint64(proc), uint64(p), n)
	}
	// Errors in order: resource, process handle, class; nothing changes.
	set(object.ErrBadHandle, object.HandleInvalid, ph, cls, n)
	set(object.ErrBadHandle, 0x1234567, ph, cls, n)
	set(object.ErrWrongType, ev, ph, cls, n)
	set(object.ErrBadHandle, rh, object.HandleInvalid, cls, n)
	set(object.ErrWrongType, rh, ev, cls, n)
	set(object.ErrAccessDenied, rh, ro, cls, n)
	set(object.ErrInvalidArgs, rh, ph, cls, 0)
	set(object.ErrInvalidArgs, rh, ph, cls, object.MaxClassLen+1)
	for _, bp := range badPtrs {
		set(object.ErrInvalidArgs, rh, ph, bp, n)
	}
	set(object.ErrInvalidArgs, rh, ph, f.data([]byte("a b")), 3)
	if child.Class() != "" {
		t.Fatalf("class changed by a failed call: %q", child.Class())
	}
	set(object.OK, rh, ph, cls, n)
	set(object.OK, rh, ph, f.data([]byte("kv.server")), 9)
	// Read back through ZX_PROP_PROCESS_CLASS (GET_PROPERTY suffices).
	buf := f.alloc(object.MaxClassLen)
	f.want(object.ErrBufferTooSmall, SysObjectGetProperty, uint64(ro), uint64(object.PropProcessClass), uint64(buf), object.MaxClassLen-1)
	f.want(object.ErrWrongType, SysObjectGetProperty, uint64(f.jobHandle()), uint64(object.PropProcessClass), uint64(buf), object.MaxClassLen)
	f.ok(SysObjectGetProperty, uint64(ro), uint64(object.PropProcessClass), uint64(buf), object.MaxClassLen)
	if got := string(f.bytes(buf, object.MaxClassLen)); got != "kv.server"+string(make([]byte, object.MaxClassLen-9)) {
		t.Fatalf("class property %q", got)
	}
	// The property is read-only.
	f.want(object.ErrAccessDenied, SysObjectSetProperty, uint64(ph), uint64(object.PropProcessClass), uint64(cls), n)
	// Once the process has started its class is fixed.
	child.Start()
	set(object.ErrBadState, rh, ph, cls, n)
	if child.Class() != "kv.server" {
		t.Fatalf("class %q", child.Class())
	}
}

// TestAllocGate: with free memory below half the kernel's reserve, every
// spec call marked alloc fails with NO_MEMORY before its handler runs, and
// calls that free or read memory still work.
func TestAllocGate(t *testing.T) {
	f := newEnv(t)
	ev := f.create1(SysEventCreate, 0)
	out := f.alloc(8)
	// The host's physical allocator manages nothing: 0 free pages, so any
	// reserve shuts the gate.
	kmem.SetReserve(4)
	defer kmem.SetReserve(0)
	n := 0
	for i := range Table {
		e := &Table[i]
		if !e.Alloc {
			continue
		}
		n++
		var a [8]uint64
		a[0], a[1], a[2] = uint64(ev), uint64(out), uint64(out)
		if st := object.Status(testDispatcher.Dispatch(f, e.Num, &a)); st != object.ErrNoMemory {
			t.Errorf("%s with the gate shut: %v, want NO_MEMORY", e.Name, st)
		}
	}
	if n < 20 {
		t.Fatalf("only %d alloc calls in the table", n)
	}
	f.ok(SysObjectSignal, uint64(ev), 0, uint64(object.SignalUser0))
	f.ok(SysHandleClose, uint64(ev))
	kmem.SetReserve(0)
	f.ok(SysHandleClose, uint64(f.create1(SysEventCreate, 0)))
}
