package vm

import (
	"bytes"
	"testing"

	"beryl/kernel/object"
)

func TestVMOCreate(t *testing.T) {
	h := newHostAS(t)
	v := h.vmo(t, 1, 0)
	defer v.Release()
	if v.Size() != PageSize || v.ContentSize() != 1 {
		t.Errorf("size %d content %d, want %d and 1", v.Size(), v.ContentSize(), PageSize)
	}
	if v.Type() != object.ObjTypeVMO || v.Rights() != object.DefaultVMORights || v.Resizable() {
		t.Errorf("type %v rights %#x resizable %v", v.Type(), v.Rights(), v.Resizable())
	}
	if v.Signals()&VMOZeroChildren == 0 {
		t.Error("ZX_VMO_ZERO_CHILDREN not asserted")
	}
	r := h.vmo(t, 0, VMOResizable)
	defer r.Release()
	if r.Size() != 0 || r.Rights() != object.DefaultVMORights|object.RightResize {
		t.Errorf("resizable: size %d rights %#x", r.Size(), r.Rights())
	}
	for _, c := range []struct {
		size uint64
		opts uint32
		want object.Status
	}{
		{PageSize, 1, object.ErrInvalidArgs},
		{PageSize, 1 << 5, object.ErrInvalidArgs},
		{^uint64(0), 0, object.ErrOutOfRange},
		{MaxVMOSize + 1, 0, object.ErrOutOfRange},
	} {
		if _, st := NewVMO(h.frames, c.size, c.opts); st != c.want {
			t.Errorf("NewVMO(%#x, %#x) = %v, want %v", c.size, c.opts, st, c.want)
		}
	}
	if h.frames.Live() != 0 {
		t.Errorf("creation committed %d pages", h.frames.Live())
	}
}

func TestVMOReadWrite(t *testing.T) {
	h := newHostAS(t)
	v := h.vmo(t, 3*PageSize, 0)
	defer v.Release()
	data := pattern(PageSize+40, 3)
	wantStatus(t, "write", v.Write(PageSize-50, data), object.OK)
	if v.CommittedPages() != 2 {
		t.Errorf("committed %d pages, want 2", v.CommittedPages())
	}
	got := make([]byte, len(data))
	wantStatus(t, "read", v.Read(PageSize-50, got), object.OK)
	if !bytes.Equal(got, data) {
		t.Error("read back differs")
	}
	// Untouched bytes of a committed page and uncommitted pages are zero;
	// reading does not commit.
	head := make([]byte, PageSize-50)
	wantStatus(t, "read head", v.Read(0, head), object.OK)
	if !isZero(head) {
		t.Error("unwritten bytes not zero")
	}
	tail := make([]byte, 10)
	wantStatus(t, "read last page", v.Read(3*PageSize-10, tail), object.OK)
	if !isZero(tail) || v.CommittedPages() != 2 {
		t.Errorf("uncommitted read: zero %v, committed %d", isZero(tail), v.CommittedPages())
	}
	for _, c := range []struct {
		off uint64
		n   int
	}{{3*PageSize - 1, 2}, {3 * PageSize, 1}, {^uint64(0) - 1, 4}, {1 << 62, 0}} {
		wantStatus(t, "read past end", v.Read(c.off, make([]byte, c.n)), object.ErrOutOfRange)
		wantStatus(t, "write past end", v.Write(c.off, make([]byte, c.n)), object.ErrOutOfRange)
	}
	wantStatus(t, "empty read at end", v.Read(3*PageSize, nil), object.OK)

	h.frames.Limit = h.frames.Live()
	wantStatus(t, "write without memory", v.Write(2*PageSize, []byte{1}), object.ErrNoMemory)
	h.frames.Limit = 0
}

func TestVMOSetSize(t *testing.T) {
	h := newHostAS(t)
	fixed := h.vmo(t, PageSize, 0)
	defer fixed.Release()
	wantStatus(t, "set_size non-resizable", fixed.SetSize(2*PageSize), object.ErrUnavailable)

	v := h.vmo(t, 4*PageSize, VMOResizable)
	defer v.Release()
	wantStatus(t, "write", v.Write(0, pattern(4*PageSize, 1)), object.OK)
	wantStatus(t, "shrink", v.SetSize(PageSize+10), object.OK)
	if v.Size() != 2*PageSize || v.ContentSize() != PageSize+10 {
		t.Errorf("size %d content %d", v.Size(), v.ContentSize())
	}
	if v.CommittedPages() != 2 || h.frames.Live() != 2 {
		t.Errorf("after shrink: committed %d, frames %d, want 2", v.CommittedPages(), h.frames.Live())
	}
	b := make([]byte, PageSize)
	wantStatus(t, "read tail page", v.Read(PageSize, b), object.OK)
	if !bytes.Equal(b[:10], pattern(4*PageSize, 1)[PageSize:PageSize+10]) || !isZero(b[10:]) {
		t.Error("bytes past the new size not zeroed, or bytes before it lost")
	}
	wantStatus(t, "read past new end", v.Read(2*PageSize, b[:1]), object.ErrOutOfRange)
	wantStatus(t, "grow", v.SetSize(8*PageSize), object.OK)
	wantStatus(t, "read grown", v.Read(7*PageSize, b), object.OK)
	if !isZero(b) {
		t.Error("grown range not zero")
	}
	wantStatus(t, "too large", v.SetSize(^uint64(0)), object.ErrOutOfRange)
	wantStatus(t, "content size > size", v.SetContentSize(9*PageSize), object.OK)
	v.Write(PageSize, []byte{7})
	wantStatus(t, "content size", v.SetContentSize(5), object.OK)
	if v.ContentSize() != 5 || v.Size() != 8*PageSize {
		t.Errorf("content %d size %d", v.ContentSize(), v.Size())
	}
	if v.Read(PageSize, b[:1]); b[0] != 7 {
		t.Error("bytes past the content size changed")
	}
	wantStatus(t, "shrink to 0", v.SetSize(0), object.OK)
	if h.frames.Live() != 0 {
		t.Errorf("%d frames after shrinking to 0", h.frames.Live())
	}
}

// TestVMOSetSizeAs checks zx_vmo_set_size's rights order (Zircon's
// VmoTestCase.NoResize): a non-resizable VMO is UNAVAILABLE whatever the
// handle's rights, a resizable one needs ZX_RIGHT_RESIZE.
func TestVMOSetSizeAs(t *testing.T) {
	h := newHostAS(t)
	fixed := h.vmo(t, PageSize, 0)
	defer fixed.Release()
	wantStatus(t, "non-resizable, default rights", fixed.SetSizeAs(fixed.Rights(), 2*PageSize), object.ErrUnavailable)
	wantStatus(t, "non-resizable, with RESIZE", fixed.SetSizeAs(fixed.Rights()|object.RightResize, 2*PageSize), object.ErrUnavailable)
	v := h.vmo(t, PageSize, VMOResizable)
	defer v.Release()
	wantStatus(t, "resizable without RESIZE", v.SetSizeAs(object.RightWrite, 2*PageSize), object.ErrAccessDenied)
	if v.Size() != PageSize {
		t.Errorf("size %d after a denied resize", v.Size())
	}
	wantStatus(t, "resizable with RESIZE", v.SetSizeAs(v.Rights(), 2*PageSize), object.OK)
	wantStatus(t, "too large", v.SetSizeAs(v.Rights(), ^uint64(0)), object.ErrOutOfRange)
	if v.Size() != 2*PageSize {
		t.Errorf("size %d, want %d", v.Size(), 2*PageSize)
	}
}

func TestVMOOpRange(t *testing.T) {
	h := newHostAS(t)
	v := h.vmo(t, 8*PageSize, 0)
	defer v.Release()
	wantStatus(t, "commit", v.OpRange(VMOOpCommit, PageSize+1, PageSize), object.OK)
	if v.CommittedPages() != 2 {
		t.Errorf("commit of 2 touched pages committed %d", v.CommittedPages())
	}
	wantStatus(t, "commit all", v.OpRange(VMOOpCommit, 0, 8*PageSize), object.OK)
	if h.frames.Live() != 8 {
		t.Errorf("frames %d, want 8", h.frames.Live())
	}
	wantStatus(t, "write", v.Write(2*PageSize, []byte{7, 7, 7}), object.OK)
	wantStatus(t, "decommit", v.OpRange(VMOOpDecommit, 2*PageSize, 2*PageSize), object.OK)
	if v.CommittedPages() != 6 || h.frames.Live() != 6 {
		t.Errorf("after decommit: committed %d frames %d", v.CommittedPages(), h.frames.Live())
	}
	b := make([]byte, 3)
	v.Read(2*PageSize, b)
	if !isZero(b) {
		t.Error("decommitted page not zero")
	}
	// ZERO: partial pages cleared in place, whole pages decommitted.
	v.Write(0, pattern(PageSize, 9))
	wantStatus(t, "zero", v.OpRange(VMOOpZero, 100, 2*PageSize), object.OK)
	page0 := make([]byte, PageSize)
	v.Read(0, page0)
	if !bytes.Equal(page0[:100], pattern(PageSize, 9)[:100]) || !isZero(page0[100:]) {
		t.Error("ZERO did not zero exactly the range")
	}
	if v.CommittedPages() != 5 {
		t.Errorf("ZERO left %d pages committed, want 5 (page 1 decommitted)", v.CommittedPages())
	}
	for _, c := range []struct {
		op        uint32
		off, size uint64
		want      object.Status
	}{
		{VMOOpCommit, 8 * PageSize, 1, object.ErrOutOfRange},
		{VMOOpCommit, ^uint64(0), 2, object.ErrOutOfRange},
		{VMOOpDecommit, 0, 9 * PageSize, object.ErrOutOfRange},
		{VMOOpDecommit, 1, PageSize, object.ErrInvalidArgs},
		{VMOOpDecommit, 0, 10, object.ErrInvalidArgs},
		{VMOOpLock, 0, PageSize, object.ErrNotSupported},
		{VMOOpUnlock, 0, PageSize, object.ErrNotSupported},
		{VMOOpTryLock, 0, PageSize, object.ErrNotSupported},
		{VMOOpDontNeed, 0, 8 * PageSize, object.OK},
		{VMOOpAlwaysNeed, 0, PageSize, object.OK},
		{VMOOpDontNeed, 0, 9 * PageSize, object.ErrOutOfRange},
		{VMOOpAlwaysNeed, ^uint64(0), 2, object.ErrOutOfRange},
		{VMOOpCacheSync, 0, 0, object.ErrInvalidArgs},
		{VMOOpCacheClean, 0, 9 * PageSize, object.ErrOutOfRange},
		{VMOOpCacheCleanInvalidate, 0, PageSize, object.OK},
		{5, 0, PageSize, object.ErrInvalidArgs},
		{99, 0, PageSize, object.ErrInvalidArgs},
		{VMOOpCommit, 0, 0, object.OK},
	} {
		wantStatus(t, "op_range", v.OpRange(c.op, c.off, c.size), c.want)
	}
	if OpRangeRights(VMOOpCommit) != object.RightWrite || OpRangeRights(VMOOpCacheSync) != object.RightRead ||
		OpRangeRights(99) != 0 || OpRangeRights(VMOOpLock) != 0 ||
		OpRangeAnyRight(VMOOpTryLock) != object.RightRead|object.RightWrite || OpRangeAnyRight(VMOOpCommit) != 0 {
		t.Error("OpRangeRights")
	}
	h.frames.Limit = h.frames.Live()
	wantStatus(t, "commit without memory", v.OpRange(VMOOpCommit, 0, 8*PageSize), object.ErrNoMemory)
	h.frames.Limit = 0
}

func TestVMODestroyFreesPages(t *testing.T) {
	h := newHostAS(t)
	v := h.vmo(t, 16*PageSize, 0)
	v.OpRange(VMOOpCommit, 0, 16*PageSize)
	if h.frames.Live() != 16 {
		t.Fatalf("frames %d", h.frames.Live())
	}
	v.Release()
	if h.frames.Live() != 0 || !v.Destroyed() {
		t.Errorf("frames %d after the last reference, destroyed %v", h.frames.Live(), v.Destroyed())
	}
	wantStatus(t, "op on destroyed", v.OpRange(VMOOpCommit, 0, PageSize), object.ErrBadState)
}
