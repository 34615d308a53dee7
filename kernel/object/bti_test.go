package object

import "testing"

func TestBTIPinQuarantine(t *testing.T) {
	e := newEnv(t)
	_, st := NewIOMMU(IommuTypeIntel, 1)
	wantStatus(t, "intel", st, ErrNotSupported)
	_, st = NewIOMMU(IommuTypeDummy, 2)
	wantStatus(t, "dummy desc size", st, ErrInvalidArgs)
	_, st = NewIOMMU(IommuTypeDummy, IommuMaxDescLen+1)
	wantStatus(t, "desc too long", st, ErrInvalidArgs)
	io, st := NewIOMMU(IommuTypeDummy, IommuDummyDescLen)
	wantStatus(t, "dummy", st, OK)
	ih, _ := e.p.Install(io, DefaultIommuRights)
	_, st = BTICreate(e.p, ih, 1, 0)
	wantStatus(t, "bti options", st, ErrInvalidArgs)
	bh, st := BTICreate(e.p, ih, 0, 7)
	wantStatus(t, "bti", st, OK)
	b, _ := lookupAs[*BTI](e.p, bh, ObjTypeBTI, RightMap)
	defer b.Release()
	unpinned := 0
	pin := func() Handle {
		h, st := e.p.Install(b.NewPMT([]uint64{0x1000}, func() { unpinned++ }), DefaultPMTRights)
		wantStatus(t, "install pmt", st, OK)
		return h
	}
	p1 := pin()
	if n, q := b.Counts(); n != 1 || q != 0 {
		t.Fatalf("counts %d %d", n, q)
	}
	wantStatus(t, "unpin", PMTUnpin(e.p, p1), OK)
	wantStatus(t, "unpin twice", PMTUnpin(e.p, p1), ErrBadHandle)
	if unpinned != 1 {
		t.Fatalf("unpinned %d", unpinned)
	}
	p2 := pin()
	HandleClose(e.p, p2)
	if n, q := b.Counts(); n != 1 || q != 1 || unpinned != 1 {
		t.Fatalf("after close: counts %d %d, unpinned %d", n, q, unpinned)
	}
	info, st := ObjectGetInfoBTI(e.p, bh)
	if st != OK || info[0] != 4096 || info[2] != 1 || info[3] != 1 {
		t.Fatalf("info %v %v", info, st)
	}
	b.ReleaseQuarantine()
	if n, q := b.Counts(); n != 0 || q != 0 || unpinned != 2 {
		t.Fatalf("after release: counts %d %d, unpinned %d", n, q, unpinned)
	}
	t3 := b.NewPMT(nil, func() { unpinned++ })
	t3.Abort()
	t3.Release()
	p4 := pin()
	_ = p4
	HandleClose(e.p, p4)
	HandleClose(e.p, bh) // the BTI's last handle releases its quarantine
	if unpinned != 4 {
		t.Fatalf("unpinned %d", unpinned)
	}
	if len((&PMT{addrs: []uint64{1}}).Addrs()) != 1 {
		t.Fatal("Addrs")
	}
}
