package zxsys

import (
	"testing"

	"beryl/kernel/object"
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
	// A caller that cannot tell: NOT_SUPPORTED.
	f.want(object.ErrNotSupported, SysBerylStartupHandle, uint64(out))
	ev := f.create1(SysEventCreate, 0)
	c := &takerCaller{fakeCaller: f, h: ev}
	st := func(p UserPtr) object.Status {
		var a [8]uint64
		a[0] = uint64(p)
		return object.Status(Dispatch(c, SysBerylStartupHandle, &a))
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
	hook := func(s *KernelStats) { s.PagesTotal, s.PagesFree, s.PagesHeap, s.CPUs, s.Processes = 100, 40, 10, 2, 3 }
	KernelStatsHook.Store(&hook)
	defer KernelStatsHook.Store(nil)
	buf := f.alloc(int(KernelStatsSize) + 8)
	f.put64(buf+UserPtr(KernelStatsSize), 0x5a5a)
	f.ok(SysBerylKernelStats, 0, uint64(buf), KernelStatsSize+8)
	w := func(i int) uint64 { return f.u64(buf + UserPtr(8*i)) }
	if w(0) != KernelStatsSize || w(1) != 100 || w(2) != 40 || w(3) != 10 || w(4) != 2 || w(5) != 3 {
		t.Fatalf("header % d", []uint64{w(0), w(1), w(2), w(3), w(4), w(5)})
	}
	if f.u64(buf+UserPtr(KernelStatsSize)) != 0x5a5a {
		t.Fatal("wrote past the record")
	}
	if got := w(6); got != uint64(object.LiveHandles()) {
		t.Errorf("handles %d, want %d", got, object.LiveHandles())
	}
	var sum uint64
	for ty := 0; ty < int(object.ObjTypeUpperBound); ty++ {
		sum += w(8 + ty)
	}
	if sum != w(7) || w(8+int(object.ObjTypeProcess)) < 1 || w(8+int(object.ObjTypeEvent)) != uint64(object.LiveObjects(object.ObjTypeEvent)) {
		t.Errorf("objects: total %d, sum %d, processes %d", w(7), sum, w(8+int(object.ObjTypeProcess)))
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
	ev := f.create1(SysEventCreate, 0)
	f.want(object.ErrWrongType, SysBerylKernelStats, uint64(ev), uint64(buf), KernelStatsSize)
	f.want(object.ErrBadHandle, SysBerylKernelStats, 0x21, uint64(buf), KernelStatsSize)
}
