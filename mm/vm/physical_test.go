package vm

import (
	"testing"

	"beryl/kernel/object"
	"beryl/mm/pagetable"
)

func TestPhysicalVMO(t *testing.T) {
	h := newHostAS(t)
	if _, st := NewPhysicalVMO(h.frames, 0xd000_0800, 0x1000); st != object.ErrInvalidArgs {
		t.Fatalf("unaligned: %v", st)
	}
	if _, st := NewPhysicalVMO(h.frames, 0xd000_0000, 0); st != object.ErrInvalidArgs {
		t.Fatalf("size 0: %v", st)
	}
	v, st := NewPhysicalVMO(h.frames, 0xd000_0000, 0x1800)
	if st != object.OK || v.Size() != 0x2000 {
		t.Fatalf("%v size %#x", st, v.Size())
	}
	defer v.Release()
	if v.CachePolicy() != CachePolicyUncachedDevice {
		t.Errorf("policy %d", v.CachePolicy())
	}
	if st := v.Read(0, make([]byte, 8)); st != object.ErrNotSupported {
		t.Errorf("read %v", st)
	}
	if st := v.OpRange(VMOOpDecommit, 0, 0x1000); st != object.ErrNotSupported {
		t.Errorf("decommit %v", st)
	}
	if _, st := v.CreateChild(VMOChildSnapshot, 0, 0x1000); st != object.ErrNotSupported {
		t.Errorf("snapshot %v", st)
	}
	wantSt := func(what string, got, want object.Status) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	wantSt("policy 4", v.SetCachePolicy(4), object.ErrInvalidArgs)
	wantSt("policy WC", v.SetCachePolicy(CachePolicyWriteCombining), object.OK)
	all := object.RightMap | object.RightRead | object.RightWrite
	va, st := h.RootVMAR().Map(VMPermRead|VMPermWrite|VMMapRange, 0, v, 0, 0x2000, h.RootVMAR().Rights(), all)
	if st != object.OK {
		t.Fatal(st)
	}
	for i := uint64(0); i < 2; i++ {
		e := h.pte(va + i*PageSize)
		if e&pagetable.AddrMask != 0xd000_0000+i*PageSize || e&cacheBits != cacheFlags(CachePolicyWriteCombining) {
			t.Errorf("pte %d = %#x", i, e)
		}
	}
	if err := h.CopyIn(make([]byte, 8), va); err == nil {
		t.Error("copy from device memory succeeded")
	}
	wantSt("policy while mapped", v.SetCachePolicy(CachePolicyCached), object.ErrBadState)
	h.protectPTEs(va, va+PageSize, VMPermRead)
	if e := h.pte(va); e&cacheBits != cacheFlags(CachePolicyWriteCombining) {
		t.Errorf("protect lost the cache bits: %#x", e)
	}
	wantSt("unmap", h.RootVMAR().Unmap(va, 0x2000), object.OK)
	if h.frames.Live() != 0 {
		t.Errorf("physical VMO allocated %d frames", h.frames.Live())
	}
}

func TestContiguousVMOAndPin(t *testing.T) {
	h := newHostAS(t)
	v, st := NewContiguousVMO(h.frames, 3*PageSize, 14)
	if st != object.OK {
		t.Fatal(st)
	}
	if v.CommittedPages() != 3 || !v.Contiguous() {
		t.Fatalf("committed %d", v.CommittedPages())
	}
	owner, off, addrs, st := v.Pin(0, 3*PageSize)
	if st != object.OK || owner != v || off != 0 || len(addrs) != 3 || addrs[0]%(1<<14) != 0 || addrs[2] != addrs[0]+2*PageSize {
		t.Fatalf("pin %v %#x", st, addrs)
	}
	if base, ok := v.ContiguousBase(); !ok || base != addrs[0] {
		t.Errorf("ContiguousBase %#x %v, want %#x", base, ok, addrs[0])
	}
	paged, _ := NewVMO(h.frames, PageSize, 0)
	if _, ok := paged.ContiguousBase(); ok {
		t.Error("a paged VMO has a contiguous base")
	}
	paged.Release()
	if st := v.OpRange(VMOOpDecommit, 0, PageSize); st != object.ErrNotSupported {
		t.Errorf("decommit contiguous %v", st)
	}
	v.Write(0, []byte{1, 2, 3})
	v.OpRange(VMOOpZero, 0, 3*PageSize)
	if v.CommittedPages() != 3 {
		t.Errorf("zero decommitted pinned pages")
	}
	owner.Unpin(off, 3*PageSize)
	v.Release()
	if h.frames.Live() != 0 {
		t.Errorf("%d frames live", h.frames.Live())
	}
	// A paged VMO: pinned ranges refuse DECOMMIT, shrink and snapshots.
	p, _ := NewVMO(h.frames, 4*PageSize, VMOResizable)
	defer p.Release()
	o, off, addrs, st := p.Pin(PageSize, PageSize)
	if st != object.OK || len(addrs) != 1 {
		t.Fatal(st)
	}
	if st := p.OpRange(VMOOpDecommit, 0, 2*PageSize); st != object.ErrBadState {
		t.Errorf("decommit pinned %v", st)
	}
	if st := p.SetSize(PageSize); st != object.ErrBadState {
		t.Errorf("shrink over pinned %v", st)
	}
	if _, st := p.CreateChild(VMOChildSnapshot, 0, PageSize); st != object.ErrBadState {
		t.Errorf("snapshot of pinned %v", st)
	}
	if _, _, _, st := p.Pin(PageSize, 5*PageSize); st != object.ErrOutOfRange {
		t.Errorf("pin past end %v", st)
	}
	if _, _, _, st := p.Pin(1, PageSize); st != object.ErrInvalidArgs {
		t.Errorf("pin unaligned %v", st)
	}
	o.Unpin(off, PageSize)
	if st := p.OpRange(VMOOpDecommit, 0, 2*PageSize); st != object.OK {
		t.Errorf("decommit after unpin %v", st)
	}
}

// TestNoCloneOfUncached: uncached memory has no copy-on-write clones
// (Zircon), slices it may have.
func TestNoCloneOfUncached(t *testing.T) {
	h := newHostAS(t)
	v := h.vmo(t, PageSize, 0)
	defer v.Release()
	if st := v.SetCachePolicy(CachePolicyUncached); st != object.OK {
		t.Fatal(st)
	}
	if _, st := v.CreateChild(VMOChildSnapshotAtLeastOnWrite, 0, PageSize); st != object.ErrBadState {
		t.Errorf("clone of uncached memory: %v", st)
	}
	s, st := v.CreateChild(VMOChildSlice, 0, PageSize)
	if st != object.OK {
		t.Fatalf("slice of uncached memory: %v", st)
	}
	s.Release()
}
