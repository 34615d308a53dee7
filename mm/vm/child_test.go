package vm

import (
	"bytes"
	"encoding/binary"
	"sync"
	"testing"

	"beryl/kernel/object"
	"beryl/mm/pagetable"
)

func child(t *testing.T, v *VMO, opts uint32, off, size uint64) *VMO {
	t.Helper()
	c, st := v.CreateChild(opts, off, size)
	if st != object.OK {
		t.Fatalf("CreateChild(%#x, %#x, %#x) = %v", opts, off, size, st)
	}
	return c
}

func read(t *testing.T, v *VMO, off uint64, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if st := v.Read(off, b); st != object.OK {
		t.Fatalf("read %#x: %v", off, st)
	}
	return b
}

func write(t *testing.T, v *VMO, off uint64, b []byte) {
	t.Helper()
	if st := v.Write(off, b); st != object.OK {
		t.Fatalf("write %#x: %v", off, st)
	}
}

// TestSnapshotIsolation: a SNAPSHOT child sees the parent at creation;
// later writes on either side stay there; pages are shared until written.
func TestSnapshotIsolation(t *testing.T) {
	h := newHostAS(t)
	for _, kind := range []uint32{VMOChildSnapshot, VMOChildSnapshotAtLeastOnWrite} {
		p := h.vmo(t, 4*PageSize, 0)
		a, b := pattern(PageSize, 1), pattern(PageSize, 2)
		write(t, p, 0, a)
		write(t, p, 2*PageSize, b)
		live := h.frames.Live()
		c := child(t, p, kind, 0, 5*PageSize)
		if h.frames.Live() != live || SharedPages(h.frames) != 2 {
			t.Fatalf("clone allocated: live %d -> %d, shared %d", live, h.frames.Live(), SharedPages(h.frames))
		}
		if !bytes.Equal(read(t, c, 0, PageSize), a) || !bytes.Equal(read(t, c, 2*PageSize, PageSize), b) {
			t.Fatal("child does not see the parent's content")
		}
		// Parent writes: a shared page is copied, an uncommitted one is
		// committed; neither shows in the child.
		write(t, p, 10, []byte("parent"))
		write(t, p, PageSize, []byte("new page"))
		if !bytes.Equal(read(t, c, 0, PageSize), a) || !isZero(read(t, c, PageSize, PageSize)) {
			t.Error("parent write visible in the child")
		}
		// Child writes don't show in the parent.
		write(t, c, 2*PageSize, []byte("child"))
		if !bytes.Equal(read(t, p, 2*PageSize, PageSize), b) {
			t.Error("child write visible in the parent")
		}
		if SharedPages(h.frames) != 0 || h.frames.Live() != live+3 {
			t.Errorf("after both sides wrote: shared %d, live %d (want %d)", SharedPages(h.frames), h.frames.Live(), live+3)
		}
		// Beyond the parent's size: zeros, writable.
		if !isZero(read(t, c, 4*PageSize, PageSize)) {
			t.Error("beyond the parent is not zero")
		}
		write(t, c, 4*PageSize, []byte{1})
		c.Release()
		p.Release()
	}
}

// TestSnapshotParentClosed: the parent goes away under a live child,
// which keeps its pages; the last holder frees them.
func TestSnapshotParentClosed(t *testing.T) {
	h := newHostAS(t)
	p := h.vmo(t, 3*PageSize, 0)
	want := pattern(3*PageSize, 9)
	write(t, p, 0, want)
	c := child(t, p, VMOChildSnapshot, PageSize, 2*PageSize)
	g := child(t, c, VMOChildSnapshot, 0, PageSize) // grandchild
	p.Release()
	if h.frames.Live() != 2 {
		t.Errorf("live frames %d after the parent went, want 2", h.frames.Live())
	}
	if !bytes.Equal(read(t, c, 0, 2*PageSize), want[PageSize:]) || !bytes.Equal(read(t, g, 0, PageSize), want[PageSize:2*PageSize]) {
		t.Error("children lost their content")
	}
	if c.Stats().Private != 1 || g.Stats() != (VMOStats{1, 0, PageSize / 2}) {
		t.Errorf("stats c %+v g %+v", c.Stats(), g.Stats())
	}
	c.Release()
	if g.Stats().Private != 1 || !bytes.Equal(read(t, g, 0, PageSize), want[PageSize:2*PageSize]) {
		t.Error("grandchild after the child went")
	}
	g.Release()
}

// TestCOWMappings: mappings of shared pages are read-only in the page
// tables; a write fault copies in whichever side faults.
func TestCOWMappings(t *testing.T) {
	h := newHostAS(t)
	h2 := h
	p, _ := NewVMO(h.frames, 2*PageSize, 0)
	r := h.RootVMAR()
	pa, st := r.Map(rw, 0, p, 0, 2*PageSize, allRights, allRights)
	if st != object.OK {
		t.Fatal(st)
	}
	if !h.Fault(pa, pfWrite) || h.pte(pa)&pagetable.Writable == 0 {
		t.Fatal("parent write fault")
	}
	h.Poke(pa, []byte("hello"))
	old := h.pte(pa) & pagetable.AddrMask
	c := child(t, p, VMOChildSnapshot, 0, 2*PageSize)
	if h.pte(pa)&pagetable.Writable != 0 {
		t.Fatal("parent PTE still writable after the clone")
	}
	// The child (mapped in the same and another address space, as the
	// frames are the same) reads the shared frame read-only.
	ca, st := r.Map(rw, 0, c, 0, 2*PageSize, allRights, allRights)
	if st != object.OK {
		t.Fatal(st)
	}
	if !h.Fault(ca, 0) || h.pte(ca)&pagetable.AddrMask != old || h.pte(ca)&pagetable.Writable != 0 {
		t.Fatalf("child read fault: pte %#x", h.pte(ca))
	}
	// Child write fault: copies; the parent keeps the old frame.
	if !h.Fault(ca, pfWrite) {
		t.Fatal("child write fault")
	}
	if e := h.pte(ca); e&pagetable.AddrMask == old || e&pagetable.Writable == 0 {
		t.Fatalf("child pte after write %#x", e)
	}
	if err := h.CopyOut(ca, []byte("child")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 5)
	h.CopyIn(got, pa)
	if string(got) != "hello" {
		t.Errorf("parent reads %q", got)
	}
	// Now the old frame has one holder: the parent's write fault takes
	// it back writable without a copy.
	if !h.Fault(pa, pfWrite) || h.pte(pa)&pagetable.AddrMask != old || h.pte(pa)&pagetable.Writable == 0 {
		t.Errorf("parent pte after the child's copy %#x", h.pte(pa))
	}
	// A read fault on a writable mapping of an uncommitted, unshared
	// page installs it writable.
	if !h.Fault(pa+PageSize, 0) || h.pte(pa+PageSize)&pagetable.Writable == 0 {
		t.Error("unshared read fault not writable")
	}
	// Parent write via CopyOut of a shared page copies too.
	c2 := child(t, p, VMOChildSnapshot, 0, PageSize)
	if err := h.CopyOut(pa, []byte("HELLO")); err != nil {
		t.Fatal(err)
	}
	if string(read(t, c2, 0, 5)) != "hello" {
		t.Error("snapshot sees the parent's later CopyOut")
	}
	// mprotect back to RW does not make a shared page writable.
	c3 := child(t, p, VMOChildSnapshot, 0, PageSize)
	h.Fault(pa, 0)
	if st := r.Protect(VMPermRead, pa, PageSize); st != object.OK {
		t.Fatal(st)
	}
	if st := r.Protect(rw, pa, PageSize); st != object.OK {
		t.Fatal(st)
	}
	if e := h.pte(pa); e&pagetable.Present == 0 || e&pagetable.Writable != 0 {
		t.Errorf("shared page after protect RW: pte %#x", e)
	}
	// MAP_RANGE of a child maps shared pages read-only.
	ma, st := h2.RootVMAR().Map(rw|VMMapRange, 0, c3, 0, PageSize, allRights, allRights)
	if st == object.OK && h2.pte(ma)&pagetable.Writable != 0 {
		t.Error("MAP_RANGE made a shared page writable")
	}
	for _, v := range []*VMO{p, c, c2, c3} {
		v.Release()
	}
}

func TestSlice(t *testing.T) {
	h := newHostAS(t)
	p := h.vmo(t, 4*PageSize, 0)
	s := child(t, p, VMOChildSlice, PageSize, 2*PageSize)
	write(t, p, PageSize+3, []byte("parent"))
	if string(read(t, s, 3, 6)) != "parent" {
		t.Error("slice does not see the parent's write")
	}
	write(t, s, PageSize, []byte("slice"))
	if string(read(t, p, 2*PageSize, 5)) != "slice" {
		t.Error("parent does not see the slice's write")
	}
	wantStatus(t, "read past the slice", s.Read(2*PageSize, make([]byte, 1)), object.ErrOutOfRange)
	wantStatus(t, "write past the slice", s.Write(2*PageSize-1, make([]byte, 2)), object.ErrOutOfRange)
	wantStatus(t, "op past the slice", s.OpRange(VMOOpCommit, 0, 3*PageSize), object.ErrOutOfRange)
	// Slice of a slice, mapped: faults reach the parent's pages.
	ss := child(t, s, VMOChildSlice, PageSize, PageSize)
	a, st := h.RootVMAR().Map(rw, 0, ss, 0, PageSize, allRights, allRights)
	if st != object.OK {
		t.Fatal(st)
	}
	got := make([]byte, 5)
	if err := h.CopyIn(got, a); err != nil || string(got) != "slice" {
		t.Errorf("mapped slice of slice reads %q, %v", got, err)
	}
	h.Fault(a, pfWrite)
	h.CopyOut(a, []byte("SLICE"))
	if string(read(t, p, 2*PageSize, 5)) != "SLICE" {
		t.Error("parent does not see a write through the mapped slice")
	}
	_, st = h.RootVMAR().Map(rw|VMAllowFaults, 0, ss, 0, 2*PageSize, allRights, allRights)
	wantStatus(t, "map past a slice", st, object.ErrBufferTooSmall)
	// Decommit through the slice decommits the parent's pages.
	wantStatus(t, "slice decommit", s.OpRange(VMOOpDecommit, PageSize, PageSize), object.OK)
	if !isZero(read(t, p, 2*PageSize, 5)) || h.pte(a)&pagetable.Present != 0 {
		t.Error("decommit through the slice")
	}
	if s.CommittedPages() != 0 || s.Stats().Committed != 0 {
		t.Error("a slice reports pages")
	}
	// ZERO_CHILDREN: p has s; s has ss (mapped: the mapping keeps it).
	if p.Signals()&VMOZeroChildren != 0 || s.Signals()&VMOZeroChildren != 0 {
		t.Error("ZERO_CHILDREN asserted with children")
	}
	ss.Release()
	if s.Signals()&VMOZeroChildren != 0 {
		t.Error("ZERO_CHILDREN asserted while the child is mapped")
	}
	h.RootVMAR().Unmap(a, PageSize)
	if s.Signals()&VMOZeroChildren == 0 {
		t.Error("ZERO_CHILDREN not asserted after the last child went")
	}
	// The parent closed under a slice: the slice keeps it.
	p.Release()
	write(t, s, 0, []byte("alive"))
	if string(read(t, s, 0, 5)) != "alive" {
		t.Error("slice after its parent's handle went")
	}
	s.Release()
}

func TestCreateChildErrors(t *testing.T) {
	h := newHostAS(t)
	p := h.vmo(t, 4*PageSize, 0)
	rz := h.vmo(t, 4*PageSize, VMOResizable)
	defer p.Release()
	defer rz.Release()
	for _, tc := range []struct {
		name      string
		v         *VMO
		opts      uint32
		off, size uint64
		want      object.Status
	}{
		{"no type", p, 0, 0, PageSize, object.ErrInvalidArgs},
		{"resizable only", p, VMOChildResizable, 0, PageSize, object.ErrInvalidArgs},
		{"both snapshots", p, VMOChildSnapshot | VMOChildSnapshotAtLeastOnWrite, 0, PageSize, object.ErrInvalidArgs},
		{"unknown", p, VMOChildSnapshot | 1<<9, 0, PageSize, object.ErrInvalidArgs},
		{"no_write+resizable", p, VMOChildSnapshot | VMOChildNoWrite | VMOChildResizable, 0, PageSize, object.ErrInvalidArgs},
		{"slice+snapshot", p, VMOChildSlice | VMOChildSnapshot, 0, PageSize, object.ErrInvalidArgs},
		{"slice+resizable", p, VMOChildSlice | VMOChildResizable, 0, PageSize, object.ErrInvalidArgs},
		{"unaligned", p, VMOChildSnapshot, 1, PageSize, object.ErrInvalidArgs},
		{"slice unaligned", p, VMOChildSlice, 100, PageSize, object.ErrInvalidArgs},
		{"too big", p, VMOChildSnapshot, 0, MaxVMOSize + 1, object.ErrOutOfRange},
		{"rounding overflow", p, VMOChildSnapshot, 0, ^uint64(0), object.ErrOutOfRange},
		{"offset+size overflow", p, VMOChildSnapshot, ^uint64(0) &^ (PageSize - 1), 2 * PageSize, object.ErrOutOfRange},
		{"slice outside", p, VMOChildSlice, 3 * PageSize, 2 * PageSize, object.ErrInvalidArgs},
		{"slice size overflow", p, VMOChildSlice, 0, ^uint64(0), object.ErrOutOfRange},
		{"slice of resizable", rz, VMOChildSlice, 0, PageSize, object.ErrNotSupported},
	} {
		if c, st := tc.v.CreateChild(tc.opts, tc.off, tc.size); st != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, st, tc.want)
			if c != nil {
				c.Release()
			}
		}
	}
	if p.Signals()&VMOZeroChildren == 0 {
		t.Error("failed creations cleared ZERO_CHILDREN")
	}
	// Beyond the parent: allowed, zero.
	c := child(t, p, VMOChildSnapshotAtLeastOnWrite|VMOChildNoWrite, 8*PageSize, PageSize)
	if !isZero(read(t, c, 0, PageSize)) || c.Resizable() {
		t.Error("child beyond the parent")
	}
	wantStatus(t, "decommit on a clone", c.OpRange(VMOOpDecommit, 0, PageSize), object.ErrNotSupported)
	c.Release()
}

func TestChildRights(t *testing.T) {
	in := object.DefaultVMORights | object.RightExecute | object.RightResize
	in &^= object.RightWrite | object.RightGetProperty | object.RightSetProperty
	for _, tc := range []struct {
		opts uint32
		want object.Rights
	}{
		{VMOChildSnapshot, in&^object.RightExecute&^object.RightResize | object.RightWrite | object.RightGetProperty | object.RightSetProperty},
		{VMOChildSnapshot | VMOChildResizable, in&^object.RightExecute | object.RightWrite | object.RightGetProperty | object.RightSetProperty},
		{VMOChildSnapshot | VMOChildNoWrite, in&^object.RightResize | object.RightGetProperty | object.RightSetProperty},
		{VMOChildSlice, in&^object.RightResize | object.RightGetProperty | object.RightSetProperty},
	} {
		if got := ChildRights(in, tc.opts); got != tc.want {
			t.Errorf("ChildRights(%#x) = %#x, want %#x", tc.opts, got, tc.want)
		}
	}
}

// TestChildResize: a resizable child grows with zeros (not the parent's
// content beyond its original range) and shrinking drops its shares.
func TestChildResize(t *testing.T) {
	h := newHostAS(t)
	p := h.vmo(t, 4*PageSize, VMOResizable)
	write(t, p, 0, pattern(4*PageSize, 5))
	c := child(t, p, VMOChildSnapshot|VMOChildResizable, 0, 2*PageSize)
	if c.Rights()&object.RightResize == 0 || !c.Resizable() {
		t.Error("resizable child")
	}
	wantStatus(t, "grow", c.SetSize(4*PageSize), object.OK)
	if !isZero(read(t, c, 2*PageSize, 2*PageSize)) {
		t.Error("grown child shows the parent beyond its range")
	}
	wantStatus(t, "shrink to a partial page", c.SetSize(PageSize/2), object.OK)
	// The tail clearing copied the last shared page.
	if SharedPages(h.frames) != 0 || !isZero(read(t, c, PageSize/2, PageSize/2)) {
		t.Errorf("shrunk child: shared %d", SharedPages(h.frames))
	}
	if !bytes.Equal(read(t, p, 0, PageSize), pattern(4*PageSize, 5)[:PageSize]) {
		t.Error("child's tail clearing reached the parent")
	}
	// Parent shrinks: the child keeps its snapshot.
	d := child(t, p, VMOChildSnapshot, 0, 4*PageSize)
	wantStatus(t, "parent shrink", p.SetSize(0), object.OK)
	if !bytes.Equal(read(t, d, 0, 4*PageSize), pattern(4*PageSize, 5)) {
		t.Error("snapshot changed when the parent shrank")
	}
	wantStatus(t, "non-resizable child", d.SetSize(PageSize), object.ErrUnavailable)
	// ZERO on a shared page, partial: copies, parent intact.
	e := child(t, d, VMOChildSnapshot, 0, PageSize)
	wantStatus(t, "zero", e.OpRange(VMOOpZero, 10, 20), object.OK)
	if !isZero(read(t, e, 10, 20)) || isZero(read(t, d, 10, 20)) {
		t.Error("partial zero of a shared page")
	}
	wantStatus(t, "zero whole", e.OpRange(VMOOpZero, 0, PageSize), object.OK)
	if !isZero(read(t, e, 0, PageSize)) || e.CommittedPages() != 0 {
		t.Error("whole-page zero of a child")
	}
	for _, v := range []*VMO{p, c, d, e} {
		v.Release()
	}
}

func TestInfoVMO(t *testing.T) {
	h := newHostAS(t)
	p := h.vmo(t, 3*PageSize, 0)
	write(t, p, 0, pattern(2*PageSize, 1))
	c := child(t, p, VMOChildSnapshot|VMOChildResizable, 0, 3*PageSize)
	write(t, c, 0, []byte{1}) // one page private to each, one shared
	if _, st := h.RootVMAR().Map(VMPermRead|VMAllowFaults, 0, c, 0, PageSize, allRights, allRights); st != object.OK {
		t.Fatal(st)
	}
	buf := make([]byte, InfoVMORecordSize)
	le := binary.LittleEndian
	p.InfoVMO(object.DefaultVMORights, buf)
	if le.Uint64(buf[0:]) != uint64(p.Koid()) || le.Uint64(buf[40:]) != 3*PageSize || le.Uint64(buf[48:]) != 0 ||
		le.Uint64(buf[56:]) != 1 || le.Uint32(buf[80:]) != InfoVMOTypePaged|InfoVMOViaHandle ||
		le.Uint64(buf[88:]) != 2*PageSize || le.Uint64(buf[136:]) != PageSize || le.Uint64(buf[152:]) != PageSize+PageSize/2 {
		t.Errorf("parent info % x", buf)
	}
	c.InfoVMO(object.RightRead, buf)
	if le.Uint64(buf[48:]) != uint64(p.Koid()) || le.Uint64(buf[56:]) != 0 || le.Uint64(buf[64:]) != 1 || le.Uint64(buf[72:]) != 1 ||
		le.Uint32(buf[80:]) != InfoVMOTypePaged|InfoVMOViaHandle|InfoVMOResizable|InfoVMOIsCowClone ||
		le.Uint64(buf[88:]) != 2*PageSize || le.Uint64(buf[128:]) != 2*PageSize || le.Uint64(buf[136:]) != PageSize ||
		le.Uint32(buf[96:]) != uint32(object.RightRead) || le.Uint64(buf[120:]) != 3*PageSize {
		t.Errorf("child info % x", buf)
	}
	s := child(t, p, VMOChildSlice, 0, PageSize)
	s.InfoVMO(0, buf)
	if le.Uint64(buf[88:]) != 0 || le.Uint64(buf[48:]) != uint64(p.Koid()) || le.Uint32(buf[80:])&InfoVMOIsCowClone != 0 {
		t.Errorf("slice info % x", buf)
	}
	s.Release()
	c.Release()
	p.Release()
}

// TestCOWConcurrent: parent and children written, faulted, cloned and
// closed concurrently (for -race), then everything is freed.
func TestCOWConcurrent(t *testing.T) {
	h := newHostAS(t)
	p := h.vmo(t, 16*PageSize, 0)
	write(t, p, 0, pattern(16*PageSize, 3))
	base, st := h.RootVMAR().Map(rw, 0, p, 0, 16*PageSize, allRights, allRights)
	if st != object.OK {
		t.Fatal(st)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				c, st := p.CreateChild(VMOChildSnapshot, 0, 16*PageSize)
				if st != object.OK {
					t.Error(st)
					return
				}
				c.Write(uint64(i%16)*PageSize, []byte{byte(g)})
				h.Fault(base+uint64((i+g)%16)*PageSize, pfWrite)
				h.CopyOut(base+uint64(i%16)*PageSize+8, []byte{byte(i)})
				c.Release()
			}
		}(g)
	}
	wg.Wait()
	p.Release()
	if SharedPages(h.frames) != 0 {
		t.Errorf("%d pages still shared", SharedPages(h.frames))
	}
}

func TestPrivatePages(t *testing.T) {
	h := newHostAS(t)
	p := h.vmo(t, 4*PageSize, 0)
	write(t, p, 0, pattern(4*PageSize, 1))
	s := child(t, p, VMOChildSlice, 0, PageSize)
	c := child(t, p, VMOChildSnapshot, 0, 2*PageSize)
	r := h.RootVMAR()
	sa, _ := r.Map(VMPermRead, 0, s, 0, PageSize, allRights, allRights)
	ca, _ := r.Map(rw, 0, c, 0, 2*PageSize, allRights, allRights)
	pa, _ := r.Map(rw, 0, p, 2*PageSize, 2*PageSize, allRights, allRights)
	for _, va := range []uint64{sa, ca, ca + PageSize, pa, pa + PageSize} {
		h.Fault(va, 0)
	}
	// p's four pages are shared with c (two) or private (two, mapped or
	// not); c's two are shared; the slice's are p's.
	if h.Pages() != 5 || h.PrivatePages() != 2 {
		t.Errorf("present %d, private %d; want 5, 2", h.Pages(), h.PrivatePages())
	}
	h.Fault(ca, pfWrite) // copy: c's page 0 and p's page 0 are private now
	if h.PrivatePages() != 4 {
		t.Errorf("private %d after a copy, want 4", h.PrivatePages())
	}
	write(t, p, 3*PageSize, []byte{1}) // committed already: no change
	if h.PrivatePages() != 4 {
		t.Errorf("private %d, want 4", h.PrivatePages())
	}
	for _, v := range []*VMO{p, s, c} {
		v.Release()
	}
}

func TestTablePages(t *testing.T) {
	h := newHostAS(t)
	if n := h.TablePages(); n != 1 {
		t.Errorf("empty address space: %d tables", n)
	}
	v := h.vmo(t, PageSize, 0)
	a, _ := h.RootVMAR().Map(rw, 0, v, 0, PageSize, allRights, allRights)
	v.Release()
	h.Fault(a, 0)
	if n := h.TablePages(); n != 4 || int(n) != h.tables.Live() {
		t.Errorf("one page mapped: %d tables (%d live)", n, h.tables.Live())
	}
}

// TestCommitChild: ZX_VMO_OP_COMMIT on a child makes its pages its own
// copies, with the parent's content.
func TestCommitChild(t *testing.T) {
	h := newHostAS(t)
	p := h.vmo(t, 2*PageSize, 0)
	write(t, p, 0, pattern(2*PageSize, 4))
	c := child(t, p, VMOChildSnapshot, 0, 3*PageSize)
	live := h.frames.Live()
	wantStatus(t, "commit", c.OpRange(VMOOpCommit, 0, 3*PageSize), object.OK)
	if h.frames.Live() != live+3 || SharedPages(h.frames) != 0 || c.Stats().Private != 3 {
		t.Errorf("after commit: live %d (was %d), shared %d, %+v", h.frames.Live(), live, SharedPages(h.frames), c.Stats())
	}
	if !bytes.Equal(read(t, c, 0, 2*PageSize), pattern(2*PageSize, 4)) || !isZero(read(t, c, 2*PageSize, PageSize)) {
		t.Error("committed child content")
	}
	c.Release()
	p.Release()
}
