package object

import "testing"

// TestSystemEvents: one object per kind, created once, exactly one
// signaled (NORMAL at first), and SetMemoryPressureLevel moves the signal.
func TestSystemEvents(t *testing.T) {
	if SystemEvent(0) != nil || SystemEvent(5) != nil {
		t.Fatal("SystemEvent of a bad kind is not nil")
	}
	signaled := func() []uint32 {
		var ks []uint32
		for k := SystemEventOutOfMemory; k <= SystemEventMemoryPressureNormal; k++ {
			e := SystemEvent(k)
			if e.Signals()&EventSignaled != 0 {
				ks = append(ks, k)
			}
			e.Release()
		}
		return ks
	}
	a, b := SystemEvent(SystemEventMemoryPressureWarning), SystemEvent(SystemEventMemoryPressureWarning)
	if a != b || a.Type() != ObjTypeEvent {
		t.Errorf("two calls gave %p and %p (type %v), want one event", a, b, a.Type())
	}
	a.Release()
	b.Release()
	if ks := signaled(); len(ks) != 1 || ks[0] != SystemEventMemoryPressureNormal {
		t.Fatalf("signaled %v, want [NORMAL]", ks)
	}
	defer SetMemoryPressureLevel(SystemEventMemoryPressureNormal)
	for _, k := range []uint32{SystemEventMemoryPressureCritical, SystemEventOutOfMemory, SystemEventMemoryPressureWarning, 9} {
		SetMemoryPressureLevel(k)
		want := k
		if k == 9 { // ignored
			want = SystemEventMemoryPressureWarning
		}
		if ks := signaled(); len(ks) != 1 || ks[0] != want {
			t.Errorf("after level %d: signaled %v, want [%d]", k, ks, want)
		}
	}
}
