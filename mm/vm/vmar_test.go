package vm

import (
	"testing"

	"beryl/kernel/object"
	"beryl/mm/pagetable"
)

func TestRootVMAR(t *testing.T) {
	h := newHostAS(t)
	r := h.RootVMAR()
	if r.Start() != UserBase || r.Size() != UserLimit-UserBase || r.Type() != object.ObjTypeVMAR {
		t.Errorf("root [%#x +%#x) type %v", r.Start(), r.Size(), r.Type())
	}
	want := object.DefaultVMARRights | object.RightOpChildren | object.RightRead | object.RightWrite | object.RightExecute
	if r.Rights() != want {
		t.Errorf("root rights %#x, want %#x", r.Rights(), want)
	}
	wantStatus(t, "destroy root", r.Destroy(), object.ErrNotSupported)
}

func TestVMARAllocate(t *testing.T) {
	h := newHostAS(t)
	r := h.RootVMAR()
	const can = VMCanMapRead | VMCanMapWrite | VMCanMapSpecific
	a, rights, st := r.Allocate(can, 0, 16*PageSize)
	if st != object.OK {
		t.Fatalf("allocate: %v", st)
	}
	defer a.Release()
	// OP_CHILDREN: a handle from zx_vmar_allocate can zx_vmar_destroy.
	if rights != object.DefaultVMARRights|object.RightOpChildren|object.RightRead|object.RightWrite || a.Flags() != can {
		t.Errorf("child rights %#x flags %#x", rights, a.Flags())
	}
	if a.Start() < UserBase || a.Start()+a.Size() > UserLimit || a.Size() != 16*PageSize {
		t.Errorf("child at [%#x +%#x)", a.Start(), a.Size())
	}
	if AllocateRights(VMCanMapRead|VMCanMapExecute) != object.RightRead|object.RightExecute {
		t.Error("AllocateRights")
	}
	// Specific inside the child.
	b, _, st := a.Allocate(VMSpecific|VMCanMapRead, 4*PageSize, 4*PageSize)
	if st != object.OK || b.Start() != a.Start()+4*PageSize {
		t.Fatalf("specific allocate: %v at %#x", st, b.Start())
	}
	defer b.Release()
	// Aligned non-specific placement.
	c, _, st := r.Allocate(VMCanMapRead|VMAlign1MB, 0, PageSize)
	if st != object.OK || c.Start()%(1<<20) != 0 {
		t.Fatalf("aligned allocate: %v at %#x", st, c.Start())
	}
	defer c.Release()
	for _, tc := range []struct {
		name   string
		parent *VMAR
		opts   uint32
		off    uint64
		size   uint64
		want   object.Status
	}{
		{"overlap", a, VMSpecific, 5 * PageSize, PageSize, object.ErrNoMemory},
		{"offset without SPECIFIC", a, 0, PageSize, PageSize, object.ErrInvalidArgs},
		{"unaligned size", a, 0, 0, 100, object.ErrInvalidArgs},
		{"size 0", a, 0, 0, 0, object.ErrInvalidArgs},
		{"unaligned offset", a, VMSpecific, 100, PageSize, object.ErrInvalidArgs},
		{"misaligned for ALIGN", a, VMSpecific | VMAlign1MB, PageSize, PageSize, object.ErrInvalidArgs},
		{"bad ALIGN value", a, 5 << VMAlignBase, 0, PageSize, object.ErrInvalidArgs},
		{"ALIGN too big", a, 33 << VMAlignBase, 0, PageSize, object.ErrInvalidArgs},
		{"PERM_READ", a, VMPermRead, 0, PageSize, object.ErrInvalidArgs},
		{"SPECIFIC_OVERWRITE", a, VMSpecificOverwrite, 0, PageSize, object.ErrInvalidArgs},
		{"unknown bit", a, 1 << 20, 0, PageSize, object.ErrInvalidArgs},
		{"past the end", a, VMSpecific, 15 * PageSize, 2 * PageSize, object.ErrInvalidArgs},
		{"offset past the end", a, VMSpecific, 16 * PageSize, PageSize, object.ErrInvalidArgs},
		{"bigger than the parent", a, 0, 0, 32 * PageSize, object.ErrInvalidArgs},
		{"no room", a, 0, 0, 13 * PageSize, object.ErrNoMemory},
		{"CAN_MAP_EXECUTE not in parent", a, VMCanMapExecute, 0, PageSize, object.ErrAccessDenied},
		{"SPECIFIC without CAN_MAP_SPECIFIC", b, VMSpecific, 0, PageSize, object.ErrAccessDenied},
		{"CAN_MAP_WRITE not in parent", b, VMCanMapWrite, 0, PageSize, object.ErrAccessDenied},
	} {
		if v, _, st := tc.parent.Allocate(tc.opts, tc.off, tc.size); st != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, st, tc.want)
			if v != nil {
				v.Release()
			}
		}
	}
	// The free gap of a full child is found.
	d, _, st := a.Allocate(0, 0, 4*PageSize)
	if st != object.OK || d.Start() < a.Start() || d.Start()+d.Size() > a.Start()+a.Size() ||
		d.Start() < b.Start()+b.Size() && b.Start() < d.Start()+d.Size() {
		t.Errorf("non-specific allocate in child: %v at %#x", st, d.Start())
	}
	d.Release()
}

func TestVMARMapErrors(t *testing.T) {
	h := newHostAS(t)
	r := h.RootVMAR()
	rr := r.Rights()
	v := h.vmo(t, 4*PageSize, 0)
	defer v.Release()
	rs := h.vmo(t, 4*PageSize, VMOResizable)
	defer rs.Release()
	ro, _, st := r.Allocate(VMCanMapRead|VMCanMapSpecific, 0, 64*PageSize)
	if st != object.OK {
		t.Fatal(st)
	}
	defer ro.Release()
	sub, _, _ := r.Allocate(VMCanMapRead|VMCanMapWrite|VMCanMapSpecific, 0, 8*PageSize)
	defer sub.Release()
	subOff := sub.Start() - r.Start()

	for _, c := range []struct {
		name        string
		vmar        *VMAR
		opts        uint32
		off         uint64
		vmo         *VMO
		vmoOff, len uint64
		vmarRights  object.Rights
		vmoRights   object.Rights
		want        object.Status
	}{
		{"no MAP right", r, VMPermRead, 0, v, 0, PageSize, rr, allRights &^ object.RightMap, object.ErrAccessDenied},
		{"write without read", r, VMPermWrite, 0, v, 0, PageSize, rr, allRights, object.ErrInvalidArgs},
		{"exec without read", r, VMPermExecute, 0, v, 0, PageSize, rr, allRights, object.ErrInvalidArgs},
		{"MAP_RANGE with OVERWRITE", r, VMPermRead | VMMapRange | VMSpecificOverwrite, 0, v, 0, PageSize, rr, allRights, object.ErrInvalidArgs},
		{"CAN_MAP_READ", r, VMPermRead | VMCanMapRead, 0, v, 0, PageSize, rr, allRights, object.ErrInvalidArgs},
		{"write, vmo lacks WRITE", r, rw, 0, v, 0, PageSize, rr, allRights &^ object.RightWrite, object.ErrAccessDenied},
		{"exec, vmar lacks EXECUTE", r, VMPermRead | VMPermExecute, 0, v, 0, PageSize, rr &^ object.RightExecute, allRights, object.ErrAccessDenied},
		{"write into read-only VMAR", ro, rw, 0, v, 0, PageSize, rr, allRights, object.ErrAccessDenied},
		{"COMPACT", r, VMPermRead | VMCompact, 0, v, 0, PageSize, rr, allRights, object.ErrInvalidArgs},
		{"bad ALIGN", r, VMPermRead | 3<<VMAlignBase, 0, v, 0, PageSize, rr, allRights, object.ErrInvalidArgs},
		{"REQUIRE_NON_RESIZABLE", r, VMPermRead | VMRequireNonResizable | VMAllowFaults, 0, rs, 0, PageSize, rr, allRights, object.ErrNotSupported},
		{"len 0", r, VMPermRead, 0, v, 0, 0, rr, allRights, object.ErrInvalidArgs},
		{"unaligned vmo_offset", r, VMPermRead, 0, v, 100, PageSize, rr, allRights, object.ErrInvalidArgs},
		{"vmo_offset overflow", r, VMPermRead | VMAllowFaults, 0, v, ^uint64(0) &^ (PageSize - 1), 2 * PageSize, rr, allRights, object.ErrOutOfRange},
		{"len overflow", r, VMPermRead, 0, v, 0, ^uint64(0), rr, allRights, object.ErrOutOfRange},
		{"offset without SPECIFIC", r, VMPermRead, PageSize, v, 0, PageSize, rr, allRights, object.ErrInvalidArgs},
		{"SPECIFIC unaligned", r, VMPermRead | VMSpecific, 100, v, 0, PageSize, rr, allRights, object.ErrInvalidArgs},
		{"SPECIFIC overlapping a VMAR", r, VMPermRead | VMSpecific, subOff, v, 0, PageSize, rr, allRights, object.ErrNoMemory},
		{"OVERWRITE over a VMAR", r, VMPermRead | VMSpecificOverwrite, subOff, v, 0, PageSize, rr, allRights, object.ErrInvalidArgs},
		{"SPECIFIC past the VMAR", sub, VMPermRead | VMSpecific, 8 * PageSize, v, 0, PageSize, rr, allRights, object.ErrInvalidArgs},
		{"too big for the VMAR", sub, VMPermRead | VMAllowFaults, 0, v, 0, 16 * PageSize, rr, allRights, object.ErrInvalidArgs},
	} {
		if _, st := c.vmar.Map(c.opts, c.off, c.vmo, c.vmoOff, c.len, c.vmarRights, c.vmoRights); st != c.want {
			t.Errorf("%s: %v, want %v", c.name, st, c.want)
		}
	}
	// SPECIFIC over a mapping: NO_MEMORY; with OVERWRITE: replaced.
	a, st := sub.Map(rw|VMSpecific, 0, v, 0, 2*PageSize, rr, allRights)
	wantStatus(t, "map", st, object.OK)
	_, st = sub.Map(VMPermRead|VMSpecific, PageSize, v, 0, PageSize, rr, allRights)
	wantStatus(t, "SPECIFIC over a mapping", st, object.ErrNoMemory)
	b, st := sub.Map(VMPermRead|VMSpecificOverwrite, PageSize, v, 2*PageSize, PageSize, rr, allRights)
	wantStatus(t, "OVERWRITE", st, object.OK)
	if b != a+PageSize || len(sub.kids) != 2 {
		t.Errorf("overwrite at %#x, %d children", b, len(sub.kids))
	}
	// Unaligned len rounds up; ALLOW_FAULTS permits mapping past the end.
	c, st := sub.Map(VMPermRead|VMAllowFaults, 0, v, 2*PageSize, 3*PageSize-1, rr, allRights)
	wantStatus(t, "unaligned len with ALLOW_FAULTS", st, object.OK)
	if !h.Fault(c+PageSize, 0) || h.Fault(c+2*PageSize, 0) {
		t.Error("fault inside / past the VMO end")
	}
	// Resizable VMO with ALLOW_FAULTS.
	_, st = sub.Map(VMPermRead|VMAllowFaults, 0, rs, 0, PageSize, rr, allRights)
	wantStatus(t, "resizable with ALLOW_FAULTS", st, object.OK)
	wantStatus(t, "destroy", sub.Destroy(), object.OK)
	_, st = sub.Map(VMPermRead, 0, v, 0, PageSize, rr, allRights)
	wantStatus(t, "map into destroyed VMAR", st, object.ErrBadState)
}

func TestVMARUnmap(t *testing.T) {
	h := newHostAS(t)
	r := h.RootVMAR()
	v := h.vmo(t, 8*PageSize, 0)
	a, st := r.Map(rw, 0, v, 0, 8*PageSize, r.Rights(), allRights)
	if st != object.OK {
		t.Fatal(st)
	}
	v.Release() // the mapping keeps it
	for i := uint64(0); i < 8; i++ {
		if !h.Fault(a+i*PageSize, pfWrite) {
			t.Fatalf("fault page %d", i)
		}
	}
	if h.frames.Live() != 8 || h.Pages() != 8 {
		t.Fatalf("frames %d pages %d", h.frames.Live(), h.Pages())
	}
	wantStatus(t, "unmap middle", r.Unmap(a+2*PageSize, 3*PageSize), object.OK)
	if len(r.kids) != 2 || h.Pages() != 5 {
		t.Errorf("after split: %d children, %d pages mapped", len(r.kids), h.Pages())
	}
	if h.pte(a+3*PageSize)&pagetable.Present != 0 || h.Fault(a+3*PageSize, 0) {
		t.Error("hole still mapped")
	}
	if !h.Fault(a+6*PageSize, 0) || h.pte(a+PageSize)&pagetable.Present == 0 {
		t.Error("pieces lost their pages")
	}
	// Both pieces keep the VMO (a shared VMO keeps its pages).
	if h.frames.Live() != 8 {
		t.Errorf("frames %d, want 8", h.frames.Live())
	}
	for _, c := range []struct {
		name      string
		addr, len uint64
		want      object.Status
	}{
		{"unaligned addr", a + 1, PageSize, object.ErrInvalidArgs},
		{"len 0", a, 0, object.ErrInvalidArgs},
		{"below the VMAR", 0, PageSize, object.ErrInvalidArgs},
		{"past the VMAR", UserLimit - PageSize, 2 * PageSize, object.ErrInvalidArgs},
		{"len overflow", a, ^uint64(0), object.ErrInvalidArgs},
		{"nothing there", a + 3*PageSize, PageSize, object.OK},
	} {
		wantStatus(t, c.name, r.Unmap(c.addr, c.len), c.want)
	}
	// Sub-VMARs: partial overlap is an error, full overlap destroys.
	s, _, _ := r.Allocate(VMCanMapRead|VMCanMapSpecific, 0, 4*PageSize)
	defer s.Release()
	wantStatus(t, "partial sub-VMAR", r.Unmap(s.Start(), PageSize), object.ErrInvalidArgs)
	wantStatus(t, "unmap whole sub-VMAR", r.Unmap(s.Start(), 4*PageSize), object.OK)
	wantStatus(t, "unmap in destroyed", s.Unmap(s.Start(), PageSize), object.ErrBadState)
	// Unmapping the rest frees the VMO.
	wantStatus(t, "unmap all", r.Unmap(a, 8*PageSize), object.OK)
	if h.frames.Live() != 0 || h.Pages() != 0 {
		t.Errorf("frames %d pages %d after the last mapping went", h.frames.Live(), h.Pages())
	}
}

func TestVMARProtect(t *testing.T) {
	h := newHostAS(t)
	h.tlb.SetLive(h.Root())
	r := h.RootVMAR()
	rr := r.Rights()
	v := h.vmo(t, 4*PageSize, 0)
	defer v.Release()
	a, _ := r.Map(rw|VMSpecific, 0x100000-UserBase, v, 0, 4*PageSize, rr, allRights)
	for i := uint64(0); i < 4; i++ {
		h.Fault(a+i*PageSize, pfWrite)
	}
	if ProtectRights(VMPermRead|VMPermWrite) != object.RightRead|object.RightWrite {
		t.Error("ProtectRights")
	}
	flushes, _ := h.tlb.Snapshot()
	wantStatus(t, "protect RO", r.Protect(VMPermRead, a+PageSize, 2*PageSize), object.OK)
	if len(r.kids) != 3 {
		t.Errorf("%d children after protecting the middle", len(r.kids))
	}
	if f := h.pte(a + PageSize); f&pagetable.Writable != 0 || f&flagsMask != pagetable.Present|pagetable.User|pagetable.NoExecute {
		t.Errorf("protected PTE %#x", f)
	}
	if h.pte(a)&pagetable.Writable == 0 || h.pte(a+3*PageSize)&pagetable.Writable == 0 {
		t.Error("neighbours lost write")
	}
	if f, _ := h.tlb.Snapshot(); len(f) != len(flushes)+2 {
		t.Errorf("%d TLB flushes for 2 pages", len(f)-len(flushes))
	}
	if h.Fault(a+PageSize, pfWrite|1) || !h.Fault(a+PageSize, 1) {
		t.Error("write fault on read-only page resolved, or read refused")
	}
	// PERM none drops the PTEs but keeps the pages.
	wantStatus(t, "protect none", r.Protect(0, a, 4*PageSize), object.OK)
	if h.Pages() != 0 || h.frames.Live() != 4 || h.Fault(a, 0) {
		t.Errorf("protect 0: %d pages mapped, %d frames", h.Pages(), h.frames.Live())
	}
	wantStatus(t, "protect RWX", r.Protect(rw|VMPermExecute, a, 4*PageSize), object.OK)
	if !h.Fault(a, pfFetch) || h.pte(a)&pagetable.NoExecute != 0 || h.pte(a)&pagetable.Writable == 0 {
		t.Errorf("RWX PTE %#x", h.pte(a))
	}

	// A mapping made through a VMO handle without WRITE cannot become
	// writable.
	b, _ := r.Map(VMPermRead, 0, v, 0, PageSize, rr, allRights&^object.RightWrite)
	s, _, _ := r.Allocate(VMCanMapRead, 0, PageSize)
	defer s.Release()
	for _, c := range []struct {
		name      string
		opts      uint32
		addr, len uint64
		want      object.Status
	}{
		{"write to RO-handle mapping", rw, b, PageSize, object.ErrAccessDenied},
		{"write without read", VMPermWrite, a, PageSize, object.ErrInvalidArgs},
		{"unaligned", VMPermRead, a + 1, PageSize, object.ErrInvalidArgs},
		{"len 0", VMPermRead, a, 0, object.ErrInvalidArgs},
		{"non-PERM option", VMPermRead | VMSpecific, a, PageSize, object.ErrInvalidArgs},
		{"gap", VMPermRead, a, 5 * PageSize, object.ErrNotFound},
		{"unmapped", VMPermRead, a - 16*PageSize, PageSize, object.ErrNotFound},
		{"sub-VMAR", VMPermRead, s.Start(), PageSize, object.ErrInvalidArgs},
		{"outside", VMPermRead, 0, PageSize, object.ErrInvalidArgs},
	} {
		wantStatus(t, c.name, r.Protect(c.opts, c.addr, c.len), c.want)
	}
	wantStatus(t, "protect RO-handle mapping read-only", r.Protect(VMPermRead, b, PageSize), object.OK)
	s.Destroy()
	wantStatus(t, "protect in destroyed", s.Protect(VMPermRead, s.Start(), PageSize), object.ErrBadState)
}

func TestVMARDestroy(t *testing.T) {
	h := newHostAS(t)
	r := h.RootVMAR()
	outer, _, _ := r.Allocate(VMCanMapRead|VMCanMapWrite|VMCanMapSpecific, 0, 64*PageSize)
	inner, _, _ := outer.Allocate(VMCanMapRead|VMCanMapWrite, 0, 16*PageSize)
	v := h.vmo(t, 4*PageSize, 0)
	va, st := inner.Map(rw, 0, v, 0, 4*PageSize, inner.Rights(), allRights)
	if st != object.OK {
		t.Fatal(st)
	}
	v.Release()
	if !h.Fault(va, pfWrite) || h.frames.Live() != 1 {
		t.Fatal("fault in nested VMAR")
	}
	wantStatus(t, "destroy", outer.Destroy(), object.OK)
	if !outer.Destroyed() || !inner.Destroyed() || h.frames.Live() != 0 || h.Pages() != 0 || h.Fault(va, 0) {
		t.Errorf("after destroy: outer %v inner %v frames %d pages %d", outer.Destroyed(), inner.Destroyed(),
			h.frames.Live(), h.Pages())
	}
	wantStatus(t, "destroy again", outer.Destroy(), object.ErrBadState)
	_, _, st = inner.Allocate(0, 0, PageSize)
	wantStatus(t, "allocate in destroyed", st, object.ErrBadState)
	wantStatus(t, "op_range in destroyed", inner.OpRange(VMAROpDecommit, inner.Start(), PageSize), object.ErrBadState)
	// The address range is free again.
	again, _, st := r.Allocate(VMSpecific, outer.Start()-r.Start(), 64*PageSize)
	wantStatus(t, "reuse range", st, object.OK)
	again.Release()
	outer.Release()
	inner.Release()
}

func TestVMAROpRange(t *testing.T) {
	h := newHostAS(t)
	r := h.RootVMAR()
	v := h.vmo(t, 4*PageSize, 0)
	defer v.Release()
	a, _ := r.Map(rw|VMSpecific, 0x200000, v, 0, 4*PageSize, r.Rights(), allRights)
	v.Write(0, pattern(4*PageSize, 1))
	h.Fault(a, 0)
	wantStatus(t, "decommit", r.OpRange(VMAROpDecommit, a, 2*PageSize), object.OK)
	if v.CommittedPages() != 2 || h.pte(a) != 0 {
		t.Errorf("committed %d, PTE %#x", v.CommittedPages(), h.pte(a))
	}
	b := make([]byte, 8)
	if h.CopyIn(b, a+PageSize) != nil || !isZero(b) {
		t.Error("decommitted range not zero")
	}
	ro, _ := r.Map(VMPermRead, 0, v, 0, PageSize, r.Rights(), allRights&^object.RightWrite)
	for _, c := range []struct {
		name      string
		op        uint32
		addr, len uint64
		want      object.Status
	}{
		{"gap", VMAROpDecommit, a, 5 * PageSize, object.ErrBadState},
		{"not writable", VMAROpDecommit, ro, PageSize, object.ErrAccessDenied},
		{"outside", VMAROpDecommit, 0, PageSize, object.ErrOutOfRange},
		{"unaligned", VMAROpDecommit, a + 1, PageSize, object.ErrInvalidArgs},
		{"unknown op", 99, a, PageSize, object.ErrInvalidArgs},
		{"len 0", VMAROpCommit, a, 0, object.ErrInvalidArgs},
	} {
		wantStatus(t, c.name, r.OpRange(c.op, c.addr, c.len), c.want)
	}
	wantStatus(t, "commit without WRITE", r.OpRangeAs(VMAROpCommit, a, PageSize, object.RightRead), object.ErrAccessDenied)
	wantStatus(t, "map_range without READ", r.OpRangeAs(VMAROpMapRange, a, PageSize, object.RightWrite), object.ErrAccessDenied)
	wantStatus(t, "dont_need without rights", r.OpRangeAs(VMAROpDontNeed, a, PageSize, 0), object.OK)
}

func TestVMAROpRangeCommitMapRange(t *testing.T) {
	h := newHostAS(t)
	r := h.RootVMAR()
	v := h.vmo(t, 4*PageSize, 0)
	defer v.Release()
	a, _ := r.Map(rw, 0, v, 0, 4*PageSize, r.Rights(), allRights)
	wantStatus(t, "commit", r.OpRange(VMAROpCommit, a, 2*PageSize), object.OK)
	if v.CommittedPages() != 2 || h.Pages() != 2 || h.pte(a+PageSize) == 0 {
		t.Errorf("after COMMIT: committed %d, mapped %d", v.CommittedPages(), h.Pages())
	}
	v.Write(3*PageSize, []byte{1})
	wantStatus(t, "map_range", r.OpRange(VMAROpMapRange, a, 4*PageSize), object.OK)
	if v.CommittedPages() != 3 || h.Pages() != 3 || h.pte(a+2*PageSize) != 0 {
		t.Errorf("after MAP_RANGE: committed %d, mapped %d", v.CommittedPages(), h.Pages())
	}
	wantStatus(t, "zero", r.OpRange(VMAROpZero, a, 4*PageSize), object.OK)
	if v.CommittedPages() != 0 {
		t.Errorf("after ZERO: committed %d", v.CommittedPages())
	}
	// A mapping in a sub-VMAR: MAP_RANGE passes through it, COMMIT does not.
	sub, _, st := r.Allocate(VMCanMapRead|VMCanMapWrite, 0, 4*PageSize)
	wantStatus(t, "allocate", st, object.OK)
	defer sub.Release()
	sa, st := sub.Map(rw, 0, v, 0, 4*PageSize, sub.Rights(), allRights)
	wantStatus(t, "map in sub-VMAR", st, object.OK)
	wantStatus(t, "commit through parent", r.OpRange(VMAROpCommit, sa, PageSize), object.ErrInvalidArgs)
	wantStatus(t, "map_range through parent", r.OpRange(VMAROpMapRange, sa, PageSize), object.OK)
	wantStatus(t, "map_range without OP_CHILDREN", r.OpRangeAs(VMAROpMapRange, sa, PageSize, object.RightRead), object.ErrInvalidArgs)
	wantStatus(t, "commit in the sub-VMAR", sub.OpRange(VMAROpCommit, sa, PageSize), object.OK)
	wantStatus(t, "always_need", sub.OpRange(VMAROpAlwaysNeed, sa, 4*PageSize), object.OK)
	wantStatus(t, "prefetch", sub.OpRange(VMAROpPrefetch, sa, 4*PageSize), object.OK)
}

func TestMapRange(t *testing.T) {
	h := newHostAS(t)
	r := h.RootVMAR()
	v := h.vmo(t, 3*PageSize, 0)
	defer v.Release()
	a, st := r.Map(VMPermRead|VMPermExecute|VMMapRange, 0, v, 0, 3*PageSize, r.Rights(), allRights)
	wantStatus(t, "map range", st, object.OK)
	if h.Pages() != 3 || v.CommittedPages() != 3 {
		t.Errorf("MAP_RANGE mapped %d pages, committed %d", h.Pages(), v.CommittedPages())
	}
	if f := h.pte(a + 2*PageSize); f&flagsMask != pagetable.Present|pagetable.User {
		t.Errorf("RX PTE flags %#x", f&flagsMask)
	}
	h.frames.Limit = h.frames.Live()
	w := h.vmo(t, PageSize, 0)
	defer w.Release()
	_, st = r.Map(VMPermRead|VMMapRange, 0, w, 0, PageSize, r.Rights(), allRights)
	wantStatus(t, "map range without memory", st, object.ErrNoMemory)
	if len(r.kids) != 1 {
		t.Errorf("failed MAP_RANGE left a mapping (%d children)", len(r.kids))
	}
	h.frames.Limit = 0
}

// TestTLBFlushBatching: a few pages get INVLPGs, many a CR3 reload, and
// nothing is flushed for an address space that is not live.
func TestTLBFlushBatching(t *testing.T) {
	h := newHostAS(t)
	a, _ := h.Mmap(0, 64*PageSize, ProtRead|ProtWrite, false)
	for i := uint64(0); i < 64; i++ {
		h.Fault(a+i*PageSize, pfWrite)
	}
	h.Munmap(a, 2*PageSize)
	if f, full := h.tlb.Snapshot(); len(f) != 0 || full != 0 {
		t.Errorf("flushes for a non-live address space: %d + %d full", len(f), full)
	}
	h.tlb.SetLive(h.Root())
	h.Munmap(a+2*PageSize, 2*PageSize)
	if f, _ := h.tlb.Snapshot(); len(f) != 2 || f[0] != a+2*PageSize {
		t.Errorf("INVLPGs %#x", f)
	}
	h.Munmap(a+4*PageSize, 60*PageSize)
	if _, full := h.tlb.Snapshot(); full == 0 {
		t.Error("no full flush for 60 pages")
	}
	if h.Pages() != 0 {
		t.Errorf("%d pages still mapped", h.Pages())
	}
}

func TestOffsetIsUpperLimit(t *testing.T) {
	h := newHostAS(t)
	r := h.RootVMAR()
	region, _, st := r.Allocate(VMCanMapRead|VMCanMapWrite|VMCanMapSpecific, 0, 16*PageSize)
	wantStatus(t, "allocate", st, object.OK)
	defer region.Release()
	v := h.vmo(t, 16*PageSize, 0)
	defer v.Release()
	const up = rw | VMOffsetIsUpperLimit
	for _, c := range []struct {
		name      string
		opts      uint32
		off, size uint64
	}{
		{"limit past the end", up, 17 * PageSize, PageSize},
		{"size over the limit", up, PageSize, 2 * PageSize},
		{"with SPECIFIC", up | VMSpecific, 8 * PageSize, PageSize},
	} {
		_, st := region.Map(c.opts, c.off, v, 0, c.size, region.Rights(), allRights)
		wantStatus(t, c.name, st, object.ErrInvalidArgs)
	}
	for i := 0; i < 8; i++ {
		a, st := region.Map(up, 8*PageSize, v, 0, PageSize, region.Rights(), allRights)
		wantStatus(t, "map under the limit", st, object.OK)
		if a < region.Start() || a+PageSize > region.Start()+8*PageSize {
			t.Fatalf("mapping at %#x beyond the limit", a)
		}
	}
	_, st = region.Map(up, 8*PageSize, v, 0, PageSize, region.Rights(), allRights)
	wantStatus(t, "below the limit full", st, object.ErrNoMemory)
	c, _, st := region.Allocate(VMCanMapRead|VMOffsetIsUpperLimit, 16*PageSize, 8*PageSize)
	wantStatus(t, "allocate under the limit", st, object.OK)
	c.Release()
}
