package object

import "testing"

func TestRootResource(t *testing.T) {
	e := newEnv(t)
	r := NewRootResource()
	if r.Kind() != ResourceKindRoot || r.Type() != ObjTypeResource {
		t.Fatalf("kind %d type %d", r.Kind(), r.Type())
	}
	h, st := e.p.Install(r, DefaultResourceRights)
	if st != OK {
		t.Fatal(st)
	}
	o, rights, st := e.p.Lookup(h, ObjTypeResource, RightInspect)
	if st != OK || rights != DefaultResourceRights || o.(*Resource) != r {
		t.Fatalf("lookup: %v %#x", st, rights)
	}
	o.(*Resource).Release()
	wantStatus(t, "close", HandleClose(e.p, h), OK)
}
