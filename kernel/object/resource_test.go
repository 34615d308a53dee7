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

func TestResourceCreate(t *testing.T) {
	e := newEnv(t)
	root, _ := e.p.Install(NewRootResource(), DefaultResourceRights)
	ReserveResourceRange(ResourceKindMMIO, 0x7000_0000, 0x1000)
	// Shared MMIO resource, then a slice of it.
	h, st := ResourceCreate(e.p, root, ResourceKindMMIO, 0x6000_0000, 0x4000, "dev")
	wantStatus(t, "create mmio", st, OK)
	info, st := ObjectGetInfoResource(e.p, h)
	if st != OK || info.Kind != ResourceKindMMIO || info.Base != 0x6000_0000 || info.Size != 0x4000 || info.Name != "dev" {
		t.Fatalf("info %+v %v", info, st)
	}
	s, st := ResourceCreate(e.p, h, ResourceKindMMIO, 0x6000_1000, 0x1000, "")
	wantStatus(t, "slice", st, OK)
	_, st = ResourceCreate(e.p, h, ResourceKindMMIO, 0x6000_3000, 0x2000, "")
	wantStatus(t, "slice out of parent", st, ErrAccessDenied)
	_, st = ResourceCreate(e.p, h, ResourceKindIRQ, 1, 1, "")
	wantStatus(t, "other kind", st, ErrAccessDenied)
	_, st = ResourceCreate(e.p, h, ResourceKindMMIO|ResourceFlagExclusive, 0x6000_1000, 0x1000, "")
	wantStatus(t, "exclusive from non-root", st, ErrInvalidArgs)
	// Exclusive against the shared ones: NOT_FOUND until they are gone.
	_, st = ResourceCreate(e.p, root, ResourceKindMMIO|ResourceFlagExclusive, 0x6000_2000, 0x1000, "")
	wantStatus(t, "exclusive over shared", st, ErrNotFound)
	HandleClose(e.p, s)
	HandleClose(e.p, h)
	x, st := ResourceCreate(e.p, root, ResourceKindMMIO|ResourceFlagExclusive, 0x6000_2000, 0x1000, "x")
	wantStatus(t, "exclusive", st, OK)
	_, st = ResourceCreate(e.p, root, ResourceKindMMIO, 0x6000_2800, 0x10, "")
	wantStatus(t, "shared over exclusive", st, ErrNotFound)
	HandleClose(e.p, x)
	_, st = ResourceCreate(e.p, root, ResourceKindMMIO, 0x6fff_f000, 0x2000, "")
	wantStatus(t, "over a kernel reservation", st, ErrNotFound)
	_, st = ResourceCreate(e.p, root, ResourceKindIOPort, 0xfff0, 0x20, "")
	wantStatus(t, "outside the space", st, ErrNotFound)
	for _, c := range []struct {
		opt        uint32
		base, size uint64
	}{{ResourceKindCount, 0, 1}, {ResourceKindMMIO | 0x20000, 0, 0x1000}, {ResourceKindRoot, 1, 0}, {ResourceKindMMIO, 0x1000, 0}, {ResourceKindMMIO, ^uint64(0), 2}, {ResourceKindSMC, 0, 0}} {
		_, st = ResourceCreate(e.p, root, c.opt, c.base, c.size, "")
		wantStatus(t, "invalid", st, ErrInvalidArgs)
	}
	// System resources: size 1 each; validation.
	sys, st := ResourceCreate(e.p, root, ResourceKindSystem, ResourceSystemPowerBase, 1, "power")
	wantStatus(t, "system", st, OK)
	r, _ := LookupResource(e.p, sys, RightNone)
	wantStatus(t, "validate power", r.ValidateSystem(ResourceSystemPowerBase), OK)
	wantStatus(t, "validate vmex", r.ValidateSystem(ResourceSystemVmexBase), ErrOutOfRange)
	wantStatus(t, "validate mmio", r.Validate(ResourceKindMMIO, 0, 1), ErrWrongType)
	r.Release()
	ev, _ := EventCreate(e.p, 0)
	_, st = ResourceCreate(e.p, ev, ResourceKindMMIO, 0x6000_0000, 0x1000, "")
	wantStatus(t, "event parent", st, ErrWrongType)
	ro, _ := HandleDuplicate(e.p, root, RightInspect)
	_, st = ResourceCreate(e.p, ro, ResourceKindMMIO, 0x6000_0000, 0x1000, "")
	wantStatus(t, "no WRITE", st, ErrAccessDenied)
	if !ResourceRangeReserved(ResourceKindMMIO, 0x7000_0fff, 1) || ResourceRangeReserved(ResourceKindMMIO, 0x7000_1000, 1) {
		t.Fatal("ResourceRangeReserved")
	}
}
