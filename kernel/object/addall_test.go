package object

import "testing"

// TestHandleTableAddAll: AddAll installs all of its handles or none, and a
// failure leaves the table and the caller's entries untouched.
func TestHandleTableAddAll(t *testing.T) {
	e := newEnvCfg(t, ProcessConfig{MaxHandles: 4})
	ev := e.event()
	tbl := e.p.Table()
	obj, _, _ := e.p.lookup(ev, ObjTypeEvent, RightNone)
	defer obj.base().Release()
	three := []*HandleEntry{NewKernelHandle(obj, RightWait), NewKernelHandle(obj, RightWait), NewKernelHandle(obj, RightWait)}
	vs := make([]Handle, 3)
	wantStatus(t, "empty", tbl.AddAll(nil, nil), OK)
	// One handle in a table of four: three more fit, four do not.
	extra := NewKernelHandle(obj, RightWait)
	wantStatus(t, "no room", tbl.AddAll(append(three, extra), make([]Handle, 4)), ErrNoResources)
	if tbl.Len() != 1 {
		t.Fatalf("failed AddAll left %d handles, want 1", tbl.Len())
	}
	for i, x := range append(three, extra) {
		if x.owner.Load() != nil {
			t.Errorf("entry %d not in transit after a failed AddAll", i)
		}
	}
	ReleaseHandle(extra)
	wantStatus(t, "fits", tbl.AddAll(three, vs), OK)
	if tbl.Len() != 4 {
		t.Fatalf("AddAll: %d handles, want 4", tbl.Len())
	}
	for i, v := range vs {
		if tbl.Get(v) != three[i] || three[i].Value() != v {
			t.Errorf("value %d (%#x) does not name its entry", i, v)
		}
	}
	// A dead process's table refuses handles with BAD_STATE but an empty
	// set still succeeds.
	e.p.Kill(0)
	last := NewKernelHandle(obj, RightWait)
	wantStatus(t, "closed", tbl.AddAll([]*HandleEntry{last}, vs), ErrBadState)
	wantStatus(t, "closed, empty", tbl.AddAll(nil, nil), OK)
	ReleaseHandle(last)
}

// TestHandleTableTakeBack: TakeBack removes exactly the entries AddAll
// installed that are still there, never a handle that replaced one.
func TestHandleTableTakeBack(t *testing.T) {
	e := newEnv(t)
	ev := e.event()
	tbl := e.p.Table()
	obj, _, _ := e.p.lookup(ev, ObjTypeEvent, RightNone)
	defer obj.base().Release()
	two := []*HandleEntry{NewKernelHandle(obj, RightWait), NewKernelHandle(obj, RightWait)}
	vs := make([]Handle, 2)
	wantStatus(t, "add", tbl.AddAll(two, vs), OK)
	// The process closes the second one meanwhile.
	wantStatus(t, "close", HandleClose(e.p, vs[1]), OK)
	back := tbl.TakeBack(two, vs)
	if back[0] != two[0] || back[1] != nil {
		t.Fatalf("TakeBack = %v, want [first, nil]", back)
	}
	if tbl.Len() != 1 || tbl.Get(vs[0]) != nil {
		t.Fatalf("after TakeBack: %d handles, first still there: %v", tbl.Len(), tbl.Get(vs[0]) != nil)
	}
	ReleaseHandle(back[0])
}
