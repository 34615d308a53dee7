// Package vmochild is the conformance family for vmo_create_child (and
// ZX_INFO_VMO on children), run inside Beryl (go test -exec bin/zxrun):
// every option, copy-on-write isolation both ways (through vmo_read/
// vmo_write and through mappings), slices seeing their parent's writes,
// parents closed under live children, resize rules, ZX_INFO_VMO figures,
// rights, bad options and pointers.
package vmochild

import (
	"bytes"
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

const pg = zx.PageSize

// zeroChildren is ZX_VMO_ZERO_CHILDREN.
const zeroChildren = zx.Signals(1 << 3)

func create(t *testing.T, size uint64, opts uint32) zx.Handle {
	t.Helper()
	var h zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(size, opts, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func child(t *testing.T, h zx.Handle, opts uint32, off, size uint64) zx.Handle {
	t.Helper()
	var c zx.Handle
	must(t, "vmo_create_child", zx.Sys_vmo_create_child(h, opts, off, size, &c))
	t.Cleanup(func() { zx.Sys_handle_close(c) })
	return c
}

func read(t *testing.T, h zx.Handle, off uint64, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	must(t, "vmo_read", zx.Sys_vmo_read(h, unsafe.Pointer(unsafe.SliceData(b)), off, uint(n)))
	return b
}

func write(t *testing.T, h zx.Handle, off uint64, b []byte) {
	t.Helper()
	must(t, "vmo_write", zx.Sys_vmo_write(h, unsafe.Pointer(unsafe.SliceData(b)), off, uint(len(b))))
}

func fill(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*13)
	}
	return b
}

func isZero(b []byte) bool { return bytes.Count(b, []byte{0}) == len(b) }

func info(t *testing.T, h zx.Handle) zx.VmoInfo {
	t.Helper()
	i, err := zx.Vmo{Handle: h}.Info()
	if err != nil {
		t.Fatalf("ZX_INFO_VMO: %v", err)
	}
	return i
}

// mapVmo maps h read-write (plus opts) and returns its bytes; unmapped at
// cleanup.
func mapVmo(t *testing.T, h zx.Handle, size uint64, opts zx.VMFlag) []byte {
	t.Helper()
	root := zx.VmarRootSelf()
	a, err := root.Map(zx.VMPermRead|zx.VMPermWrite|opts, 0, zx.Vmo{Handle: h}, 0, uint(size))
	if err != nil {
		t.Fatalf("vmar_map: %v", err)
	}
	t.Cleanup(func() { root.Unmap(a, uint(size)) })
	return unsafe.Slice((*byte)(ptr(uintptr(a))), size)
}

func TestSnapshot(t *testing.T) {
	for _, kind := range []struct {
		name string
		opt  uint32
	}{{"snapshot", zx.VMOChildSnapshot}, {"at-least-on-write", zx.VMOChildSnapshotAtLeastOnWrite}} {
		t.Run(kind.name, func(t *testing.T) {
			p := create(t, 4*pg, 0)
			orig := fill(2*pg, 1)
			write(t, p, 0, orig)
			c := child(t, p, kind.opt, 0, 6*pg)
			if !bytes.Equal(read(t, c, 0, 2*pg), orig) {
				t.Fatal("child does not see the parent's content")
			}
			write(t, p, 5, []byte("parent"))          // a shared page
			write(t, p, 3*pg, []byte("parent-fresh")) // uncommitted at creation
			if !bytes.Equal(read(t, c, 0, 2*pg), orig) || !isZero(read(t, c, 3*pg, pg)) {
				t.Error("the parent's later writes show in the child")
			}
			write(t, c, pg+7, []byte("child"))
			if !bytes.Equal(read(t, p, pg, pg), orig[pg:]) {
				t.Error("the child's writes show in the parent")
			}
			if !isZero(read(t, c, 4*pg, 2*pg)) {
				t.Error("beyond the parent's size is not zero")
			}
			write(t, c, 5*pg, []byte{1})
			var n uint64
			must(t, "vmo_get_size", zx.Sys_vmo_get_size(c, &n))
			if n != 6*pg {
				t.Errorf("child size %d", n)
			}
		})
	}
	t.Run("offset", func(t *testing.T) {
		p := create(t, 4*pg, 0)
		orig := fill(4*pg, 3)
		write(t, p, 0, orig)
		c := child(t, p, zx.VMOChildSnapshot, 2*pg, 2*pg+1)
		if !bytes.Equal(read(t, c, 0, 2*pg), orig[2*pg:]) {
			t.Error("child at an offset")
		}
		if i := info(t, c); i.ContentSize != 2*pg+1 || i.SizeBytes != 3*pg {
			t.Errorf("content size %d, size %d", i.ContentSize, i.SizeBytes)
		}
	})
	t.Run("decommit-not-supported", func(t *testing.T) {
		c := child(t, create(t, pg, 0), zx.VMOChildSnapshot, 0, pg)
		want(t, "decommit a clone", zx.Sys_vmo_op_range(c, zx.VMOOpDecommit, 0, pg, nil, 0), zx.ErrNotSupported)
		must(t, "commit a clone", zx.Sys_vmo_op_range(c, zx.VMOOpCommit, 0, pg, nil, 0))
	})
}

// TestSnapshotMapped: isolation both ways through mappings (write faults
// on shared pages copy them), and the share figures of ZX_INFO_VMO.
func TestSnapshotMapped(t *testing.T) {
	p := create(t, 2*pg, 0)
	pm := mapVmo(t, p, 2*pg, 0)
	copy(pm, fill(2*pg, 7))
	orig := append([]byte(nil), pm...)
	c := child(t, p, zx.VMOChildSnapshot, 0, 2*pg)
	cm := mapVmo(t, c, 2*pg, 0)
	if !bytes.Equal(cm, orig) {
		t.Fatal("mapped child does not see the parent")
	}
	pi, ci := info(t, p), info(t, c)
	if pi.CommittedBytes != 2*pg || pi.CommittedPrivateBytes != 0 || ci.CommittedBytes != 2*pg || ci.CommittedPrivateBytes != 0 {
		t.Errorf("shared: parent %+v child %+v", pi, ci)
	}
	cm[10] = 0xee // child write fault on a shared page
	pm[pg+10] = 0xdd
	if pm[10] != orig[10] || cm[pg+10] != orig[pg+10] {
		t.Error("a write through one mapping shows in the other")
	}
	if read(t, p, 10, 1)[0] != orig[10] || read(t, c, 10, 1)[0] != 0xee {
		t.Error("vmo_read disagrees with the mappings")
	}
	pi, ci = info(t, p), info(t, c)
	if pi.CommittedPrivateBytes != 2*pg || ci.CommittedPrivateBytes != 2*pg || pi.CommittedScaledBytes != 2*pg {
		t.Errorf("after copies: parent %+v child %+v", pi, ci)
	}
	// Writing after the copy stays private (no further copies).
	pm[11], cm[11] = 1, 2
	if pm[11] != 1 || cm[11] != 2 {
		t.Error("second writes")
	}
}

func TestParentClosed(t *testing.T) {
	var p zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(3*pg, 0, &p))
	orig := fill(3*pg, 9)
	write(t, p, 0, orig)
	c := child(t, p, zx.VMOChildSnapshot, pg, 2*pg)
	s := child(t, p, zx.VMOChildSlice, 0, 2*pg)
	g := child(t, c, zx.VMOChildSnapshot, 0, pg)
	must(t, "close parent", zx.Sys_handle_close(p))
	if !bytes.Equal(read(t, c, 0, 2*pg), orig[pg:]) || !bytes.Equal(read(t, g, 0, pg), orig[pg:2*pg]) {
		t.Error("snapshot children lost their content with the parent")
	}
	if !bytes.Equal(read(t, s, 0, 2*pg), orig[:2*pg]) {
		t.Error("slice lost the parent's content")
	}
	write(t, s, 0, []byte("still"))
	if string(read(t, s, 0, 5)) != "still" {
		t.Error("slice write after the parent closed")
	}
	if i := info(t, c); i.ParentKoid == 0 || i.CommittedBytes != 2*pg {
		t.Errorf("child info after the parent closed: %+v", i)
	}
}

func TestSlice(t *testing.T) {
	p := create(t, 4*pg, 0)
	s := child(t, p, zx.VMOChildSlice, pg, 2*pg)
	write(t, p, pg+1, []byte("from parent"))
	if string(read(t, s, 1, 11)) != "from parent" {
		t.Error("slice does not see the parent's write")
	}
	write(t, s, pg, []byte("from slice"))
	if string(read(t, p, 2*pg, 10)) != "from slice" {
		t.Error("parent does not see the slice's write")
	}
	sm := mapVmo(t, s, 2*pg, 0)
	write(t, p, pg+100, []byte{0x42})
	if sm[100] != 0x42 {
		t.Error("mapped slice does not see the parent's write")
	}
	sm[200] = 0x43
	if read(t, p, pg+200, 1)[0] != 0x43 {
		t.Error("parent does not see a write through the mapped slice")
	}
	want(t, "read past the slice", zx.Sys_vmo_read(s, unsafe.Pointer(&sm[0]), 2*pg, 1), zx.ErrOutOfRange)
	ss := child(t, s, zx.VMOChildSlice, pg, pg)
	if string(read(t, ss, 0, 10)) != "from slice" {
		t.Error("slice of a slice")
	}
	if i := info(t, s); i.CommittedBytes != 0 || i.Flags&zx.InfoVMOIsCowClone != 0 || i.NumChildren != 1 {
		t.Errorf("slice info %+v", i)
	}
	// A snapshot of a slice copies only the slice's window.
	c := child(t, s, zx.VMOChildSnapshot, 0, 4*pg)
	if string(read(t, c, pg, 10)) != "from slice" || !isZero(read(t, c, 2*pg, 2*pg)) {
		t.Error("snapshot of a slice")
	}
	var n uint64
	must(t, "vmo_get_size", zx.Sys_vmo_get_size(s, &n))
	if n != 2*pg {
		t.Errorf("slice size %d", n)
	}
}

func TestResize(t *testing.T) {
	p := create(t, 2*pg, zx.VMOResizable)
	write(t, p, 0, fill(2*pg, 1))
	c := child(t, p, zx.VMOChildSnapshot|zx.VMOChildResizable, 0, pg)
	if basic(t, c).Rights&zx.RightResize == 0 || info(t, c).Flags&zx.InfoVMOResizable == 0 {
		t.Error("resizable child lacks RESIZE / the flag")
	}
	must(t, "grow child", zx.Sys_vmo_set_size(c, 3*pg))
	if !isZero(read(t, c, pg, 2*pg)) {
		t.Error("grown child shows the parent beyond its range")
	}
	must(t, "shrink parent", zx.Sys_vmo_set_size(p, 0))
	if !bytes.Equal(read(t, c, 0, pg), fill(2*pg, 1)[:pg]) {
		t.Error("snapshot changed when the parent shrank")
	}
	n := child(t, p, zx.VMOChildSnapshot, 0, pg)
	if basic(t, n).Rights&zx.RightResize != 0 {
		t.Error("non-resizable child has RESIZE")
	}
	want(t, "resize a non-resizable child", zx.Sys_vmo_set_size(n, 2*pg), zx.ErrUnavailable)
	var h zx.Handle
	want(t, "slice of a resizable VMO", zx.Sys_vmo_create_child(p, zx.VMOChildSlice, 0, 0, &h), zx.ErrNotSupported)
	// A resizable child of a non-resizable parent.
	q := create(t, pg, 0)
	r := child(t, q, zx.VMOChildSnapshotAtLeastOnWrite|zx.VMOChildResizable, 0, pg)
	must(t, "resize", zx.Sys_vmo_set_size(r, 4*pg))
}

func TestRights(t *testing.T) {
	p := create(t, pg, 0)
	in := basic(t, p).Rights
	c := child(t, p, zx.VMOChildSnapshot, 0, pg)
	if got, w := basic(t, c).Rights, in|zx.RightGetProperty|zx.RightSetProperty|zx.RightWrite; got != w {
		t.Errorf("snapshot rights %#x, want %#x", got, w)
	}
	// From a read-only, executable handle: a snapshot gets WRITE and
	// loses EXECUTE; NO_WRITE keeps it read-only; a slice keeps EXECUTE.
	ro := reduced(t, p, zx.RightDuplicate|zx.RightRead|zx.RightMap|zx.RightTransfer)
	var x zx.Handle
	must(t, "replace_as_executable", zx.Sys_vmo_replace_as_executable(ro, zx.HandleInvalid, &x))
	t.Cleanup(func() { zx.Sys_handle_close(x) })
	base := zx.RightDuplicate | zx.RightRead | zx.RightMap | zx.RightTransfer | zx.RightGetProperty | zx.RightSetProperty
	for _, tc := range []struct {
		name string
		opts uint32
		want zx.Rights
	}{
		{"snapshot", zx.VMOChildSnapshot, base | zx.RightWrite},
		{"at-least-on-write", zx.VMOChildSnapshotAtLeastOnWrite, base | zx.RightWrite},
		{"no-write", zx.VMOChildSnapshot | zx.VMOChildNoWrite, base | zx.RightExecute},
		{"slice", zx.VMOChildSlice, base | zx.RightExecute},
		{"slice-no-write", zx.VMOChildSlice | zx.VMOChildNoWrite, base | zx.RightExecute},
		{"resizable", zx.VMOChildSnapshot | zx.VMOChildResizable, base | zx.RightWrite | zx.RightResize},
	} {
		if got := basic(t, child(t, x, tc.opts, 0, pg)).Rights; got != tc.want {
			t.Errorf("%s: rights %#x, want %#x", tc.name, got, tc.want)
		}
	}
	// NO_WRITE really cannot write.
	nw := child(t, p, zx.VMOChildSnapshot|zx.VMOChildNoWrite, 0, pg)
	want(t, "write NO_WRITE child", zx.Sys_vmo_write(nw, unsafe.Pointer(&base), 0, 1), zx.ErrAccessDenied)
	// The gate: BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED (DUPLICATE and READ).
	var h zx.Handle = 0xdead
	want(t, "bad handle", zx.Sys_vmo_create_child(zx.Handle(0x7fff_fff0), zx.VMOChildSnapshot, 0, pg, &h), zx.ErrBadHandle)
	want(t, "event", zx.Sys_vmo_create_child(newEvent(t), zx.VMOChildSnapshot, 0, pg, &h), zx.ErrWrongType)
	want(t, "no DUPLICATE", zx.Sys_vmo_create_child(reduced(t, p, zx.RightRead|zx.RightWrite), zx.VMOChildSnapshot, 0, pg, &h), zx.ErrAccessDenied)
	want(t, "no READ", zx.Sys_vmo_create_child(reduced(t, p, zx.RightDuplicate|zx.RightWrite), zx.VMOChildSlice, 0, pg, &h), zx.ErrAccessDenied)
	if h != 0xdead {
		t.Errorf("failed calls wrote %#x", h)
	}
}

func TestZeroChildren(t *testing.T) {
	p := create(t, pg, 0)
	var obs zx.Signals
	var c zx.Handle
	must(t, "vmo_create_child", zx.Sys_vmo_create_child(p, zx.VMOChildSlice, 0, pg, &c))
	want(t, "wait with a child", zx.Sys_object_wait_one(p, zeroChildren, 0, &obs), zx.ErrTimedOut)
	// A mapping of the child keeps it a child.
	root := zx.VmarRootSelf()
	a, err := root.Map(zx.VMPermRead, 0, zx.Vmo{Handle: c}, 0, pg)
	if err != nil {
		t.Fatal(err)
	}
	must(t, "close child", zx.Sys_handle_close(c))
	want(t, "wait with a mapped child", zx.Sys_object_wait_one(p, zeroChildren, 0, &obs), zx.ErrTimedOut)
	root.Unmap(a, pg)
	must(t, "wait after the last child", zx.Sys_object_wait_one(p, zeroChildren, 0, &obs))
	if i := info(t, p); i.NumChildren != 0 {
		t.Errorf("num_children %d", i.NumChildren)
	}
}

func TestInfo(t *testing.T) {
	p := create(t, 3*pg, 0)
	write(t, p, 0, fill(2*pg, 4))
	c := child(t, p, zx.VMOChildSnapshot, 0, 3*pg)
	write(t, c, 0, []byte{1})
	pi, ci := info(t, p), info(t, c)
	if pi.Koid != uint64(basic(t, p).Koid) || pi.ParentKoid != 0 || pi.NumChildren != 1 || pi.SizeBytes != 3*pg ||
		pi.Flags != zx.InfoVMOTypePaged|zx.InfoVMOViaHandle || pi.CommittedBytes != 2*pg || pi.PopulatedBytes != 2*pg ||
		pi.CommittedPrivateBytes != pg || pi.CommittedScaledBytes != pg+pg/2 || pi.HandleRights != basic(t, p).Rights {
		t.Errorf("parent %+v", pi)
	}
	if ci.ParentKoid != pi.Koid || ci.Flags != zx.InfoVMOTypePaged|zx.InfoVMOViaHandle|zx.InfoVMOIsCowClone ||
		ci.CommittedBytes != 2*pg || ci.CommittedPrivateBytes != pg || ci.ContentSize != 3*pg {
		t.Errorf("child %+v", ci)
	}
	var small [100]byte
	var actual, avail uint
	want(t, "small buffer", zx.Sys_object_get_info(p, zx.ObjectInfoVMO, unsafe.Pointer(&small[0]), 100, &actual, &avail), zx.ErrBufferTooSmall)
	noInspect := reduced(t, p, zx.RightRead)
	var big [zx.VmoInfoSize]byte
	// ZX_INFO_VMO needs no right (Zircon's sys_object_get_info, docs).
	want(t, "no INSPECT", zx.Sys_object_get_info(noInspect, zx.ObjectInfoVMO, unsafe.Pointer(&big[0]), zx.VmoInfoSize, nil, nil), zx.OK)
	if ni := info(t, noInspect); ni.Koid != pi.Koid || ni.HandleRights != zx.RightRead {
		t.Errorf("without INSPECT: koid %d rights %#x", ni.Koid, ni.HandleRights)
	}
	want(t, "not a VMO", zx.Sys_object_get_info(newEvent(t), zx.ObjectInfoVMO, unsafe.Pointer(&big[0]), zx.VmoInfoSize, nil, nil), zx.ErrWrongType)
}

func TestBadOptions(t *testing.T) {
	p := create(t, 4*pg, 0)
	for _, tc := range []struct {
		name      string
		opts      uint32
		off, size uint64
		want      zx.Status
	}{
		{"no-type", 0, 0, pg, zx.ErrInvalidArgs},
		{"resizable-only", zx.VMOChildResizable, 0, pg, zx.ErrInvalidArgs},
		{"no-write-only", zx.VMOChildNoWrite, 0, pg, zx.ErrInvalidArgs},
		{"both-snapshots", zx.VMOChildSnapshot | zx.VMOChildSnapshotAtLeastOnWrite, 0, pg, zx.ErrInvalidArgs},
		{"unknown-bit", zx.VMOChildSnapshot | 1<<1, 0, pg, zx.ErrInvalidArgs},
		{"high-bit", zx.VMOChildSnapshot | 1<<31, 0, pg, zx.ErrInvalidArgs},
		{"no-write-resizable", zx.VMOChildSnapshot | zx.VMOChildNoWrite | zx.VMOChildResizable, 0, pg, zx.ErrInvalidArgs},
		{"slice-snapshot", zx.VMOChildSlice | zx.VMOChildSnapshot, 0, pg, zx.ErrInvalidArgs},
		{"slice-resizable", zx.VMOChildSlice | zx.VMOChildResizable, 0, pg, zx.ErrInvalidArgs},
		{"unaligned-offset", zx.VMOChildSnapshot, 10, pg, zx.ErrInvalidArgs},
		{"slice-unaligned-offset", zx.VMOChildSlice, 10, pg, zx.ErrInvalidArgs},
		{"slice-outside", zx.VMOChildSlice, 2 * pg, 3 * pg, zx.ErrInvalidArgs},
		{"slice-offset-outside", zx.VMOChildSlice, 8 * pg, pg, zx.ErrInvalidArgs},
		{"size-max", zx.VMOChildSnapshot, 0, ^uint64(0), zx.ErrOutOfRange},
		{"size-2^63", zx.VMOChildSnapshot, 0, 1 << 63, zx.ErrOutOfRange},
		{"offset-plus-size-overflows", zx.VMOChildSnapshot, ^uint64(0) &^ (pg - 1), 2 * pg, zx.ErrOutOfRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h zx.Handle = 0xdead
			before := handleCount(t)
			want(t, "vmo_create_child", zx.Sys_vmo_create_child(p, tc.opts, tc.off, tc.size, &h), tc.want)
			if h != 0xdead || handleCount(t) != before {
				t.Errorf("failed call wrote %#x / leaked a handle", h)
			}
		})
	}
	// Allowed: size 0, offset beyond the parent.
	if i := info(t, child(t, p, zx.VMOChildSnapshot, 0, 0)); i.SizeBytes != 0 {
		t.Errorf("size-0 child %+v", i)
	}
	if c := child(t, p, zx.VMOChildSnapshot, 16*pg, pg); !isZero(read(t, c, 0, pg)) {
		t.Error("child beyond the parent")
	}
	must(t, "wait ZERO_CHILDREN", zx.Sys_object_wait_one(create(t, pg, 0), zeroChildren, 0, nil))
}

func TestBadOutPointer(t *testing.T) {
	p := create(t, pg, 0)
	bad := badAddrs(t, 4, true)
	before := handleCount(t)
	for _, b := range bad {
		want(t, "vmo_create_child(out="+b.Name+")", zx.Sys_vmo_create_child(p, zx.VMOChildSnapshot, 0, pg, (*zx.Handle)(ptr(b.Addr))), zx.ErrInvalidArgs)
	}
	if n := handleCount(t); n != before {
		t.Errorf("handles %d → %d", before, n)
	}
	if i := info(t, p); i.NumChildren != 0 {
		t.Errorf("a failed call left %d children", i.NumChildren)
	}
	_ = valid
}
