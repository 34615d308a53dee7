package zxsys

import (
	"testing"

	"beryl/kernel/object"
	"beryl/kernel/proc"
)

func TestSystemGetEvent(t *testing.T) {
	kinds := []uint32{object.SystemEventOutOfMemory, object.SystemEventMemoryPressureCritical,
		object.SystemEventMemoryPressureWarning, object.SystemEventMemoryPressureNormal}
	// The root job and the events live for the kernel's lifetime: make
	// them before newEnv counts objects.
	root := proc.RootJob()
	for _, k := range kinds {
		object.SystemEvent(k).Release()
	}
	f := newEnv(t)

	// A job without a parent that is not the root job is still denied.
	ev := f.create1(SysEventCreate, 0)
	for _, k := range kinds {
		f.want(object.ErrBadHandle, SysSystemGetEvent, 0x9, uint64(k), uint64(f.alloc(4)))
		f.want(object.ErrWrongType, SysSystemGetEvent, uint64(ev), uint64(k), uint64(f.alloc(4)))
		f.want(object.ErrAccessDenied, SysSystemGetEvent, uint64(f.jobHandle()), uint64(k), uint64(f.alloc(4)))
	}

	p, st := object.NewProcess(root, "sysevent", object.ProcessConfig{})
	if st != object.OK {
		t.Fatal(st)
	}
	t.Cleanup(func() { p.Kill(0); p.Release() })
	g := newFakeCaller(t, p)
	rj := g.jobHandle()
	for _, k := range []uint32{0, 5, ^uint32(0)} {
		g.want(object.ErrInvalidArgs, SysSystemGetEvent, uint64(rj), uint64(k), uint64(g.alloc(4)))
	}
	n := g.handles()
	for _, bp := range []UserPtr{0, badPtr, kernelPtr, nonCanonicalPtr} {
		g.want(object.ErrInvalidArgs, SysSystemGetEvent, uint64(rj), uint64(object.SystemEventMemoryPressureNormal), uint64(bp))
	}
	if g.handles() != n {
		t.Errorf("handles %d after failed calls, was %d", g.handles(), n)
	}
	none := g.create1(SysHandleDuplicate, uint64(rj), 0)
	g.want(object.ErrAccessDenied, SysSystemGetEvent, uint64(none), uint64(object.SystemEventOutOfMemory), uint64(g.alloc(4)))
	for _, k := range kinds {
		h := g.create1(SysSystemGetEvent, uint64(rj), uint64(k))
		e := p.Table().Get(h)
		if e == nil || e.Rights() != object.DefaultSystemEventLowMemoryRights || e.Object().Type() != object.ObjTypeEvent {
			t.Fatalf("kind %d: entry %v", k, e)
		}
		g.want(object.ErrAccessDenied, SysObjectSignal, uint64(h), 0, uint64(object.EventSignaled))
		if k != object.SystemEventOutOfMemory {
			g.create1(SysSystemGetEvent, uint64(none), uint64(k))
		}
	}
}
