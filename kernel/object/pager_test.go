package object

import (
	"encoding/binary"
	"testing"
)

type fakePagerClient struct{ closed int }

func (c *fakePagerClient) PagerClosed() { c.closed++ }

func TestPagerCreate(t *testing.T) {
	e := newEnv(t)
	if _, st := PagerCreate(e.p, 1); st != ErrInvalidArgs {
		t.Errorf("PagerCreate(1) = %v", st)
	}
	h := must(PagerCreate(e.p, 0))
	info := must(ObjectGetInfoHandleBasic(e.p, h))
	if info.Type != ObjTypePager || info.Rights != DefaultPagerRights {
		t.Errorf("type %v rights %#x", info.Type, info.Rights)
	}
	if st := HandleClose(e.p, h); st != OK {
		t.Fatal(st)
	}
}

func TestPagerSourcePackets(t *testing.T) {
	newEnv(t)
	pg, pt := NewPager(), NewPort(0)
	defer pg.Release()
	defer pt.Release()
	c := &fakePagerClient{}
	s := pg.Attach(pt, 7, c)
	if !s.Attached() || s.Key() != 7 || s.PagerKoid() != pg.Koid() || pg.Sources() != 1 {
		t.Fatal("attach")
	}
	var a, b PageRequestPacket
	s.SendRead(&a, 0, 4096)
	s.SendRead(&a, 0, 4096) // queued once
	s.SendRead(&b, 8192, 4096)
	if n := pt.QueuedPackets(); n != 2 {
		t.Fatalf("%d packets queued, want 2", n)
	}
	s.Retract(&a)
	s.Retract(&a)
	pk, st := pt.Wait(0)
	le := binary.LittleEndian
	if st != OK || pk.Type != PktTypePageRequest || pk.Key != 7 ||
		le.Uint16(pk.Payload[0:]) != PagerVMORead || le.Uint64(pk.Payload[8:]) != 8192 || le.Uint64(pk.Payload[16:]) != 4096 {
		t.Fatalf("packet %+v %v", pk, st)
	}
	s.Retract(&b) // already read: nothing to take back
	s.SendRead(&b, 0, 4096)
	if pt.QueuedPackets() != 1 {
		t.Fatal("a read packet could not be sent again")
	}
	s.Retract(&b)

	if !s.Detach() || s.Detach() || s.Attached() || pg.Sources() != 0 {
		t.Error("detach")
	}
	s.SendComplete()
	pk, st = pt.Wait(0)
	if st != OK || le.Uint16(pk.Payload[0:]) != PagerVMOComplete {
		t.Errorf("complete packet %+v %v", pk, st)
	}
	s.Release()
	s.Release()

	// Closing the pager closes its attached sources, and later ones
	// start closed.
	s2 := pg.Attach(pt, 8, c)
	pg.OnZeroHandles()
	if c.closed != 1 || s2.Attached() {
		t.Errorf("closed %d attached %v", c.closed, s2.Attached())
	}
	s3 := pg.Attach(pt, 9, c)
	if s3.Attached() || c.closed != 1 {
		t.Error("a source attached to a closed pager")
	}
	s2.Release()
	s3.Release()

	// Packets for a port without handles are dropped.
	pt.OnZeroHandles()
	s4 := NewPager().Attach(pt, 1, c)
	var d PageRequestPacket
	s4.SendRead(&d, 0, 4096)
	if pt.QueuedPackets() != 0 {
		t.Error("packet queued on a port without handles")
	}
	s4.Release()
	s4.pager.Release()
}

func TestValidPagerFailStatus(t *testing.T) {
	for _, c := range []struct {
		data uint64
		ok   bool
	}{
		{uint64(0xffffffffffffffd8), true}, // ZX_ERR_IO as int64
		{u64(ErrIODataIntegrity), true},
		{u64(ErrBadState), true},
		{u64(ErrNoSpace), true},
		{u64(ErrBufferTooSmall), true},
		{u64(ErrInternal), false},
		{0x11ffffffff, false},
		{10, false},
		{0, false},
	} {
		if _, ok := ValidPagerFailStatus(c.data); ok != c.ok {
			t.Errorf("ValidPagerFailStatus(%#x) = %v", c.data, ok)
		}
	}
}

func u64(st Status) uint64 { return uint64(int64(st)) }
