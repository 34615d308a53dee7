package vmochild

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: VmoClone2TestCase, VmoCloneDisjointClonesTests
// (vmo/vmo-clone2.cc) and VmoZeroTestCase (vmo/vmo-zero.cc).

// vmoHandle is a VMO a case may close early (the original's reset()).
type vmoHandle struct{ h zx.Handle }

func (v *vmoHandle) reset() {
	if v.h != zx.HandleInvalid {
		zx.Sys_handle_close(v.h)
		v.h = zx.HandleInvalid
	}
}

func newVmoH(t *testing.T, size uint64) *vmoHandle {
	t.Helper()
	v := &vmoHandle{}
	must(t, "vmo_create", zx.Sys_vmo_create(size, 0, &v.h))
	t.Cleanup(v.reset)
	return v
}

func (v *vmoHandle) clone(t *testing.T, off, size uint64) *vmoHandle {
	t.Helper()
	c := &vmoHandle{}
	must(t, "vmo_create_child(SNAPSHOT)", zx.Sys_vmo_create_child(v.h, zx.VMOChildSnapshot, off, size, &c.h))
	t.Cleanup(c.reset)
	return c
}

// tagged is the original's InitPageTaggedVmo: page i starts with i+1.
func tagged(t *testing.T, pages uint64) *vmoHandle {
	t.Helper()
	v := newVmoH(t, pages*pg)
	for i := uint64(0); i < pages; i++ {
		vw(t, v, uint32(i+1), i*pg)
	}
	return v
}

// vw and vc are the original's VmoWrite and VmoCheck of a uint32.
func vw(t *testing.T, v *vmoHandle, val uint32, off uint64) {
	t.Helper()
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], val)
	must(t, "vmo_write", zx.Sys_vmo_write(v.h, unsafe.Pointer(&b[0]), off, 4))
}

func vc(t *testing.T, v *vmoHandle, val uint32, off uint64) {
	t.Helper()
	var b [4]byte
	must(t, "vmo_read", zx.Sys_vmo_read(v.h, unsafe.Pointer(&b[0]), off, 4))
	if got := binary.LittleEndian.Uint32(b[:]); got != val {
		t.Fatalf("VMO %#x at %#x reads %d, want %d", v.h, off, got, val)
	}
}

// committedBytes is the original's VmoCommittedBytes.
func committedBytes(t *testing.T, v *vmoHandle) uint64 {
	t.Helper()
	return info(t, v.h).CommittedBytes
}

func wantCommitted(t *testing.T, what string, v *vmoHandle, pages uint64) {
	t.Helper()
	if got := committedBytes(t, v); got != pages*pg {
		t.Fatalf("%s: committed %d bytes, want %d pages", what, got, pages)
	}
}

func zeroOp(t *testing.T, v *vmoHandle, off, n uint64) {
	t.Helper()
	must(t, "vmo_op_range(ZERO)", zx.Sys_vmo_op_range(v.h, zx.VMOOpZero, off, n, nil, 0))
}

func TestVmoClone2TestCase_Info(t *testing.T) {
	v := newVmoH(t, pg)
	orig := info(t, v.h)
	c := v.clone(t, 0, pg)
	now, ci := info(t, v.h), info(t, c.h)
	if orig.Koid != now.Koid || orig.Koid == ci.Koid || ci.ParentKoid != orig.Koid {
		t.Errorf("koids: original %d/%d clone %d parent %d", orig.Koid, now.Koid, ci.Koid, ci.ParentKoid)
	}
	const origFlags = zx.InfoVMOTypePaged | zx.InfoVMOViaHandle
	if orig.Flags != origFlags || now.Flags != origFlags || ci.Flags != origFlags|zx.InfoVMOIsCowClone {
		t.Errorf("flags: original %#x/%#x clone %#x", orig.Flags, now.Flags, ci.Flags)
	}
}

func TestVmoClone2TestCase_Read(t *testing.T) {
	v := newVmoH(t, pg)
	vw(t, v, 0xdeadbeef, 0)
	c := v.clone(t, 0, pg)
	vc(t, v, 0xdeadbeef, 0)
	vc(t, c, 0xdeadbeef, 0)
}

func vmoWriteHelper(t *testing.T, cloneWrite bool) {
	v := newVmoH(t, pg)
	vw(t, v, 0xdeadbeef, 0)
	c := v.clone(t, 0, pg)
	target := v
	if cloneWrite {
		target = c
	}
	vw(t, target, 0xc0ffee, 0)
	if cloneWrite {
		vc(t, v, 0xdeadbeef, 0)
		vc(t, c, 0xc0ffee, 0)
	} else {
		vc(t, v, 0xc0ffee, 0)
		vc(t, c, 0xdeadbeef, 0)
	}
}

func TestVmoClone2TestCase_CloneVmoWrite(t *testing.T)  { vmoWriteHelper(t, true) }
func TestVmoClone2TestCase_ParentVmoWrite(t *testing.T) { vmoWriteHelper(t, false) }

func vmarWriteHelper(t *testing.T, cloneWrite bool) {
	v := newVmoH(t, pg)
	vm := mapVmo(t, v.h, pg, 0)
	binary.LittleEndian.PutUint32(vm, 0xdeadbeef)
	c := v.clone(t, 0, pg)
	cm := mapVmo(t, c.h, pg, 0)
	if cloneWrite {
		binary.LittleEndian.PutUint32(cm, 0xc0ffee)
	} else {
		binary.LittleEndian.PutUint32(vm, 0xc0ffee)
	}
	wv, wc := uint32(0xc0ffee), uint32(0xdeadbeef)
	if cloneWrite {
		wv, wc = wc, wv
	}
	if got := binary.LittleEndian.Uint32(vm); got != wv {
		t.Errorf("original mapping reads %#x, want %#x", got, wv)
	}
	if got := binary.LittleEndian.Uint32(cm); got != wc {
		t.Errorf("clone mapping reads %#x, want %#x", got, wc)
	}
}

func TestVmoClone2TestCase_CloneVmarWrite(t *testing.T)  { vmarWriteHelper(t, true) }
func TestVmoClone2TestCase_ParentVmarWrite(t *testing.T) { vmarWriteHelper(t, false) }

func closeHelper(t *testing.T, closeOrig bool) {
	v := newVmoH(t, pg)
	vw(t, v, 0xdeadbeef, 0)
	c := v.clone(t, 0, pg)
	if closeOrig {
		v.reset()
		vc(t, c, 0xdeadbeef, 0)
	} else {
		c.reset()
		vc(t, v, 0xdeadbeef, 0)
	}
}

func TestVmoClone2TestCase_CloseOriginal(t *testing.T) { closeHelper(t, true) }
func TestVmoClone2TestCase_CloseClone(t *testing.T)    { closeHelper(t, false) }

func TestVmoClone2TestCase_ObjMemAccounting(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	v := newVmoH(t, 2*pg)
	vw(t, v, 1, 0)
	vw(t, v, 1, pg)
	wantCommitted(t, "written", v, 2)
	c := v.clone(t, 0, 2*pg)
	wantCommitted(t, "original after clone", v, 2)
	wantCommitted(t, "clone", c, 0)
	vw(t, v, 2, 0)
	wantCommitted(t, "original after its write", v, 2)
	wantCommitted(t, "clone after the original's write", c, 1)
	vw(t, c, 2, pg)
	wantCommitted(t, "original after the clone's write", v, 2)
	wantCommitted(t, "clone after its write", c, 2)
	vw(t, v, 2, pg)
	vw(t, c, 2, 0)
	wantCommitted(t, "original at the end", v, 2)
	wantCommitted(t, "clone at the end", c, 2)
}

func TestVmoClone2TestCase_ZeroPageWrite(t *testing.T) {
	var vs [4]*vmoHandle
	vs[0] = newVmoH(t, pg)
	vs[1] = vs[0].clone(t, 0, pg)
	vs[2] = vs[0].clone(t, 0, pg)
	vs[3] = vs[1].clone(t, 0, pg)
	for i := range 4 {
		vw(t, vs[i], uint32(i+1), 0)
		for j := range 4 {
			w, n := uint32(0), uint64(0)
			if j <= i {
				w, n = uint32(j+1), 1
			}
			vc(t, vs[j], w, 0)
			wantCommitted(t, "vmo", vs[j], n)
		}
	}
}

func TestVmoClone2TestCase_SplitPageClosure(t *testing.T) {
	v := tagged(t, 1)
	c1 := v.clone(t, 0, pg)
	c2 := c1.clone(t, 0, pg)
	vw(t, c1, 3, 0)
	vw(t, c2, 4, 0)
	for _, x := range []*vmoHandle{v, c1, c2} {
		wantCommitted(t, "forked", x, 1)
	}
	v.reset()
	vc(t, c1, 3, 0)
	vc(t, c2, 4, 0)
	wantCommitted(t, "clone1", c1, 1)
	wantCommitted(t, "clone2", c2, 1)
	c1.reset()
	vc(t, c2, 4, 0)
	wantCommitted(t, "clone2 alone", c2, 1)
}

func TestVmoClone2TestCase_Offset(t *testing.T) {
	v := tagged(t, 3)
	c := v.clone(t, pg, 3*pg)
	vc(t, c, 2, 0)
	vc(t, c, 3, pg)
	vc(t, c, 0, 2*pg)
	vw(t, c, 4, pg)
	v.reset()
	vc(t, c, 2, 0)
	vc(t, c, 4, pg)
	vc(t, c, 0, 2*pg)
	wantCommitted(t, "clone after the original closed", c, 2)
}

func TestVmoClone2TestCase_OffsetTest2(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	v := tagged(t, 4)
	oc := v.clone(t, pg, 3*pg)
	c1 := oc.clone(t, 0, 2*pg)
	c2 := oc.clone(t, 2*pg, pg)
	vc(t, c1, 2, 0)
	vc(t, c1, 3, pg)
	vc(t, c2, 4, 0)
	vw(t, oc, 4, pg)
	oc.reset()
	vc(t, c1, 2, 0)
	vc(t, c1, 3, pg)
	vc(t, c2, 4, 0)
	wantCommitted(t, "original", v, 4)
	wantCommitted(t, "clone1", c1, 1)
	wantCommitted(t, "clone2", c2, 0)
	c1.reset()
	wantCommitted(t, "original after clone1 closed", v, 4)
	wantCommitted(t, "clone2 after clone1 closed", c2, 0)
}

func TestVmoClone2TestCase_OffsetProgressiveWrite(t *testing.T) {
	v := tagged(t, 2)
	c := v.clone(t, pg, 2*pg)
	vc(t, c, 2, 0)
	vw(t, c, 3, 0)
	vc(t, c, 3, 0)
	vc(t, v, 1, 0)
	vc(t, v, 2, pg)
	c2 := c.clone(t, pg, pg)
	vw(t, c, 4, 0)
	wantCommitted(t, "original", v, 2)
	wantCommitted(t, "clone", c, 1)
	wantCommitted(t, "clone2", c2, 0)
	v.reset()
	vc(t, c, 4, 0)
	c2.reset()
	vc(t, c, 4, 0)
	wantCommitted(t, "clone alone", c, 1)
}

func TestVmoClone2TestCase_Overflow(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	v := tagged(t, 1)
	c := v.clone(t, 0, 2*pg)
	vc(t, c, 1, 0)
	vc(t, c, 0, pg)
	vw(t, c, 2, pg)
	c2 := c.clone(t, 0, 3*pg)
	vc(t, c2, 1, 0)
	vc(t, c2, 2, pg)
	vc(t, c2, 0, 2*pg)
	vw(t, c2, 3, 2*pg)
	vc(t, c2, 3, 2*pg)
	wantCommitted(t, "original", v, 1)
	wantCommitted(t, "clone", c, 1)
	wantCommitted(t, "clone2", c2, 1)
}

func TestVmoClone2TestCase_OutOfBounds(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	v := tagged(t, 1)
	c := v.clone(t, 2*pg, 2*pg)
	vc(t, c, 0, 0)
	vc(t, c, 0, pg)
	vw(t, c, 2, pg)
	c2 := c.clone(t, 0, 3*pg)
	vc(t, c2, 0, 0)
	vc(t, c2, 2, pg)
	vc(t, c2, 0, 2*pg)
	vw(t, c2, 3, 2*pg)
	vc(t, c2, 3, 2*pg)
	wantCommitted(t, "original", v, 1)
	wantCommitted(t, "clone", c, 1)
	wantCommitted(t, "clone2", c2, 1)
}

func TestVmoClone2TestCase_SmallClone(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	v := tagged(t, 3)
	c := v.clone(t, pg, pg)
	vc(t, c, 2, 0)
	vw(t, v, 4, 0)
	vw(t, v, 5, 2*pg)
	wantCommitted(t, "original", v, 3)
	wantCommitted(t, "clone", c, 0)
	v.reset()
	vc(t, c, 2, 0)
	wantCommitted(t, "clone alone", c, 1)
}

func TestVmoClone2TestCase_SmallCloneChild(t *testing.T) {
	v := tagged(t, 3)
	c := v.clone(t, pg, pg)
	vc(t, c, 2, 0)
	c2 := c.clone(t, 0, 2*pg)
	vc(t, c2, 2, 0)
	vc(t, c2, 0, pg)
}

func TestVmoClone2TestCase_SmallClones(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	v := tagged(t, 3)
	c := v.clone(t, 0, 2*pg)
	vw(t, c, 4, pg)
	c2 := v.clone(t, 0, pg)
	wantCommitted(t, "original", v, 3)
	wantCommitted(t, "clone", c, 1)
	wantCommitted(t, "clone2", c2, 0)
	v.reset()
	wantCommitted(t, "clone after the original closed", c, 2)
	wantCommitted(t, "clone2 after the original closed", c2, 0)
}

// disjointClones builds the original's four disjoint leaf clones of a
// four-page tagged VMO: two direct, two through an intermediate clone.
func disjointClones(t *testing.T) (v, mid *vmoHandle, leaves [4]*vmoHandle) {
	v = tagged(t, 4)
	mid = v.clone(t, pg, 2*pg)
	leaves[0] = v.clone(t, 0, pg)
	leaves[1] = mid.clone(t, 0, pg)
	leaves[2] = mid.clone(t, pg, pg)
	leaves[3] = v.clone(t, 3*pg, pg)
	return
}

func disjointClonesTest(t *testing.T, early bool) {
	v, mid, leaves := disjointClones(t)
	if early {
		v.reset()
		mid.reset()
	}
	for i, l := range leaves {
		vc(t, l, uint32(i+1), 0)
		vw(t, l, uint32(i+5), 0)
	}
	if !early {
		v.reset()
		mid.reset()
	}
	for i, l := range leaves {
		vc(t, l, uint32(i+5), 0)
		wantCommitted(t, "leaf", l, 1)
	}
}

func TestVmoCloneDisjointClonesTests_DisjointCloneEarlyClose(t *testing.T) {
	disjointClonesTest(t, true)
}

func TestVmoCloneDisjointClonesTests_DisjointCloneLateClose(t *testing.T) {
	disjointClonesTest(t, false)
}

// permutations calls fn with every ordering of 0..n-1.
func permutations(n int, fn func([]int)) {
	var rec func(p []int, used []bool)
	rec = func(p []int, used []bool) {
		if len(p) == n {
			fn(p)
			return
		}
		for i := range n {
			if !used[i] {
				used[i] = true
				rec(append(p, i), used)
				used[i] = false
			}
		}
	}
	rec(nil, make([]bool, n))
}

func TestVmoClone2TestCase_DisjointCloneTest2(t *testing.T) {
	permutations(4, func(perm []int) {
		v, mid, leaves := disjointClones(t)
		v.reset()
		mid.reset()
		for i, l := range leaves {
			vc(t, l, uint32(i+1), 0)
		}
		var closed [4]bool
		for _, p := range perm {
			leaves[p].reset()
			closed[p] = true
			for j, l := range leaves {
				if !closed[j] {
					vc(t, l, uint32(j+1), 0)
					wantCommitted(t, "leaf", l, 1)
				}
			}
		}
	})
}

func (v *vmoHandle) cloneOpts(t *testing.T, opts uint32, off, size uint64) *vmoHandle {
	t.Helper()
	c := &vmoHandle{}
	must(t, "vmo_create_child", zx.Sys_vmo_create_child(v.h, opts, off, size, &c.h))
	t.Cleanup(c.reset)
	return c
}

func (v *vmoHandle) setSize(t *testing.T, n uint64) {
	t.Helper()
	must(t, "vmo_set_size", zx.Sys_vmo_set_size(v.h, n))
}

func TestVmoClone2TestCase_DisjointCloneProgressive(t *testing.T) {
	v := tagged(t, 6)
	main := v.clone(t, pg, 5*pg)
	vw(t, main, 7, 3*pg)
	c1 := main.clone(t, pg, 4*pg)
	c2 := main.clone(t, 4*pg, pg)
	c3 := main.clone(t, 2*pg, pg)
	c4 := main.clone(t, 10*pg, pg)
	main.reset()
	c1.reset()
	c3.reset()
	c4.reset()
	c2.reset()
	last := v.clone(t, 0, 6*pg)
	for i := uint64(0); i < 6; i++ {
		vc(t, v, uint32(i+1), i*pg)
		vc(t, last, uint32(i+1), i*pg)
	}
	vw(t, v, 8, 4*pg)
	for i := uint64(0); i < 6; i++ {
		w := uint32(i + 1)
		if i == 4 {
			w = 8
		}
		vc(t, v, w, i*pg)
		vc(t, last, uint32(i+1), i*pg)
	}
}

func resizeTest(t *testing.T, resizeChild bool) {
	v := &vmoHandle{}
	must(t, "vmo_create(RESIZABLE)", zx.Sys_vmo_create(4*pg, zx.VMOResizable, &v.h))
	t.Cleanup(v.reset)
	for i := uint64(0); i < 4; i++ {
		vw(t, v, uint32(i+1), i*pg)
	}
	c := v.cloneOpts(t, zx.VMOChildSnapshot|zx.VMOChildResizable, 0, 4*pg)
	vw(t, v, 5, pg)
	vw(t, c, 5, 2*pg)
	wantCommitted(t, "original", v, 4)
	wantCommitted(t, "clone", c, 2)
	target, other := v, c
	written := uint64(2)
	if resizeChild {
		target, other, written = c, v, 1
	}
	target.setSize(t, pg)
	for i := uint64(0); i < 4; i++ {
		w := uint32(i + 1)
		if i == written {
			w = 5
		}
		vc(t, other, w, i*pg)
	}
	vc(t, target, 1, 0)
	vp, cp := uint64(1), uint64(3)
	if resizeChild {
		vp, cp = 4, 0
	}
	wantCommitted(t, "original after the resize", v, vp)
	wantCommitted(t, "clone after the resize", c, cp)
	target.setSize(t, 2*pg)
	vc(t, target, 0, pg)
	vw(t, other, 6, 3*pg)
	wantCommitted(t, "original after a write", v, vp)
	wantCommitted(t, "clone after a write", c, cp)
	other.reset()
	vc(t, target, 1, 0)
	wantCommitted(t, "the resized VMO alone", target, 1)
}

func TestVmoCloneResizeTests_ResizeChild(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	resizeTest(t, true)
}

func TestVmoCloneResizeTests_ResizeOriginal(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	resizeTest(t, false)
}

func TestVmoClone2TestCase_ResizeGrow(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	v := tagged(t, 2)
	c := v.cloneOpts(t, zx.VMOChildSnapshot|zx.VMOChildResizable, 0, pg)
	vc(t, c, 1, 0)
	c.setSize(t, 2*pg)
	vc(t, c, 0, pg)
	vw(t, v, 3, pg)
	vc(t, c, 0, pg)
	wantCommitted(t, "original", v, 2)
	wantCommitted(t, "clone", c, 0)
}

func TestVmoClone2TestCase_ResizeOffsetChild(t *testing.T) {
	v := &vmoHandle{}
	must(t, "vmo_create(RESIZABLE)", zx.Sys_vmo_create(3*pg, zx.VMOResizable, &v.h))
	t.Cleanup(v.reset)
	for i := uint64(0); i < 3; i++ {
		vw(t, v, uint32(i+1), i*pg)
	}
	c := v.clone(t, pg, pg)
	v.setSize(t, 0)
	vc(t, c, 2, 0)
	wantCommitted(t, "original", v, 0)
	wantCommitted(t, "clone", c, 1)
}

func TestVmoClone2TestCase_ResizeDisjointChild(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	permutations(3, func(perm []int) {
		v := &vmoHandle{}
		must(t, "vmo_create(RESIZABLE)", zx.Sys_vmo_create(3*pg, zx.VMOResizable, &v.h))
		t.Cleanup(v.reset)
		for i := uint64(0); i < 3; i++ {
			vw(t, v, uint32(i+1), i*pg)
		}
		var cs [3]*vmoHandle
		for i := range cs {
			cs[i] = v.cloneOpts(t, zx.VMOChildSnapshot|zx.VMOChildResizable, uint64(i)*pg, pg)
			vc(t, cs[i], uint32(i+1), 0)
			wantCommitted(t, "clone", cs[i], 0)
		}
		wantCommitted(t, "original", v, 3)
		cs[perm[0]].setSize(t, 0)
		cs[perm[1]].setSize(t, 0)
		v.setSize(t, 0)
		vc(t, cs[perm[2]], uint32(perm[2]+1), 0)
		wantCommitted(t, "original shrunk", v, 0)
		wantCommitted(t, "first shrunk clone", cs[perm[0]], 0)
		wantCommitted(t, "second shrunk clone", cs[perm[1]], 0)
		wantCommitted(t, "remaining clone", cs[perm[2]], 1)
		cs[perm[2]].setSize(t, 0)
		wantCommitted(t, "last clone shrunk", cs[perm[2]], 0)
		for _, c := range cs {
			c.reset()
		}
		v.reset()
	})
}

func TestVmoClone2TestCase_ResizeMultipleProgressive(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	v := tagged(t, 3)
	c := v.cloneOpts(t, zx.VMOChildSnapshot|zx.VMOChildResizable, 0, 2*pg)
	vw(t, v, 4, 0)
	vw(t, c, 5, pg)
	c2 := v.clone(t, 0, pg)
	c.setSize(t, 0)
	vc(t, v, 4, 0)
	vc(t, v, 2, pg)
	vc(t, v, 3, 2*pg)
	vc(t, c2, 4, 0)
	wantCommitted(t, "original", v, 3)
	wantCommitted(t, "clone", c, 0)
	wantCommitted(t, "clone2", c2, 0)
}

func TestVmoClone2TestCase_ResizeOverSiblingRange(t *testing.T) {
	v := &vmoHandle{}
	must(t, "vmo_create(RESIZABLE)", zx.Sys_vmo_create(4*pg, zx.VMOResizable, &v.h))
	t.Cleanup(v.reset)
	for i := uint64(0); i < 4; i++ {
		vw(t, v, uint32(i+1), i*pg)
	}
	v.clone(t, 0, 4*pg)
	v.cloneOpts(t, zx.VMOChildSnapshot|zx.VMOChildResizable, 2*pg, pg)
	v.setSize(t, pg)
	v.setSize(t, 4*pg)
	vc(t, v, 1, 0)
	for i := uint64(1); i < 4; i++ {
		vc(t, v, 0, i*pg)
	}
	for i := uint64(1); i < 4; i++ {
		vw(t, v, uint32(i+1), i*pg)
	}
}

func TestVmoClone2TestCase_Children(t *testing.T) {
	v := newVmoH(t, pg)
	var o zx.Signals
	must(t, "ZERO_CHILDREN at first", zx.Sys_object_wait_one(v.h, zeroChildren, zx.TimeInfinitePast, &o))
	c := v.clone(t, 0, pg)
	want(t, "ZERO_CHILDREN with a child", zx.Sys_object_wait_one(v.h, zeroChildren, zx.TimeInfinitePast, &o), zx.ErrTimedOut)
	must(t, "the clone's ZERO_CHILDREN", zx.Sys_object_wait_one(c.h, zeroChildren, zx.TimeInfinitePast, &o))
	c.reset()
	must(t, "ZERO_CHILDREN after the close", zx.Sys_object_wait_one(v.h, zeroChildren, zx.TimeInfinitePast, &o))
}

func manyChildren(t *testing.T, reverse bool) {
	v := newVmoH(t, pg)
	const n = 5
	var cs [n]*vmoHandle
	for i := range cs {
		cs[i] = v.clone(t, 0, pg)
		if got := info(t, v.h).NumChildren; got != uint64(i+1) {
			t.Fatalf("num_children %d, want %d", got, i+1)
		}
	}
	for k := range n {
		i := k
		if reverse {
			i = n - 1 - k
		}
		cs[i].reset()
		if got := info(t, v.h).NumChildren; got != uint64(n-k-1) {
			t.Fatalf("num_children %d after %d closes, want %d", got, k+1, n-k-1)
		}
	}
	var o zx.Signals
	must(t, "ZERO_CHILDREN", zx.Sys_object_wait_one(v.h, zeroChildren, zx.TimeInfinitePast, &o))
}

func TestVmoClone2TestCase_ManyChildren(t *testing.T)         { manyChildren(t, false) }
func TestVmoClone2TestCase_ManyChildrenRevClose(t *testing.T) { manyChildren(t, true) }

func TestVmoClone2TestCase_ManyCloneMapping(t *testing.T) {
	const orig, neu = 0xdeadbeef, 0xc0ffee
	permutations(4, func(perm []int) {
		var vs [4]*vmoHandle
		vs[0] = newVmoH(t, pg)
		vw(t, vs[0], orig, 0)
		vs[1] = vs[0].clone(t, 0, pg)
		vs[2] = vs[0].clone(t, 0, pg)
		vs[3] = vs[1].clone(t, 0, pg)
		var ms [4][]byte
		for i := range vs {
			ms[i] = mapVmo(t, vs[i].h, pg, 0)
			if got := binary.LittleEndian.Uint32(ms[i]); got != orig {
				t.Fatalf("mapping %d reads %#x", i, got)
			}
		}
		var written [4]bool
		for _, p := range perm {
			binary.LittleEndian.PutUint32(ms[p], neu)
			written[p] = true
			for j := range ms {
				w := uint32(orig)
				if written[j] {
					w = neu
				}
				if got := binary.LittleEndian.Uint32(ms[j]); got != w {
					t.Fatalf("order %v: mapping %d reads %#x, want %#x", perm, j, got, w)
				}
			}
		}
		for _, v := range vs {
			v.reset()
		}
	})
}

func TestVmoClone2TestCase_ManyCloneOffset(t *testing.T) {
	v := newVmoH(t, pg)
	vw(t, v, 1, 0)
	c1 := v.clone(t, 0, pg)
	c1.clone(t, pg, pg)
	vw(t, c1, 1, 0)
	c1.reset()
	vc(t, v, 1, 0)
}

func TestVmoClone2TestCase_ManyCloneMappingOffset(t *testing.T) {
	var vs [4]*vmoHandle
	vs[0] = newVmoH(t, 2*pg)
	vw(t, vs[0], 1, 0)
	vs[1] = vs[0].clone(t, 0, 2*pg)
	vs[2] = vs[0].clone(t, pg, pg)
	vs[3] = vs[0].clone(t, 0, 2*pg)
	var ms [4][]byte
	for i := range vs {
		ms[i] = mapVmo(t, vs[i].h, pg, 0)
		if got := binary.LittleEndian.Uint32(ms[i]); i != 2 && got != 1 {
			t.Fatalf("mapping %d reads %d", i, got)
		}
	}
	vw(t, vs[3], 2, 0)
	vw(t, vs[1], 3, 0)
	for i, w := range map[int]uint32{1: 3, 3: 2, 0: 1} {
		if got := binary.LittleEndian.Uint32(ms[i]); got != w {
			t.Errorf("mapping %d reads %d, want %d", i, got, w)
		}
	}
	for i, v := range vs {
		n := uint64(1)
		if i == 2 {
			n = 0
		}
		wantCommitted(t, "vmo", v, n)
	}
}

func TestVmoClone2TestCase_ParentStartLimitRegression(t *testing.T) {
	r := newVmoH(t, 0x3000)
	m := r.clone(t, 0x1000, 0x2000)
	c := m.clone(t, 0, 0x1000)
	r.clone(t, 0x2000, 0x1000)
	r.reset()
	h := m.clone(t, 0x1000, 0x1000)
	m.reset()
	h.clone(t, 0, 0x1000)
	c.reset()
}

// Zircon core-tests: VmoZeroTestCase (vmo/vmo-zero.cc).

func allSame(b []byte, v byte) bool {
	for _, x := range b {
		if x != v {
			return false
		}
	}
	return true
}

func fillMapped(t *testing.T, v *vmoHandle, n uint64) []byte {
	t.Helper()
	m := mapVmo(t, v.h, n, 0)
	for i := range m {
		m[i] = 0xff
	}
	return m
}

func TestVmoZeroTestCase_UnalignedSubPage(t *testing.T) {
	v := newVmoH(t, pg)
	m := fillMapped(t, v, pg)
	zeroOp(t, v, 42, 91)
	if !allSame(m[:42], 0xff) || !allSame(m[42:42+91], 0) || !allSame(m[42+91:], 0xff) {
		t.Error("ZERO of bytes 42..133 wrong")
	}
}

func TestVmoZeroTestCase_UnalignedCommitted(t *testing.T) {
	v := newVmoH(t, 2*pg)
	m := fillMapped(t, v, 2*pg)
	zeroOp(t, v, pg/2, pg)
	if !allSame(m[:pg/2], 0xff) || !allSame(m[pg/2:pg/2+pg], 0) || !allSame(m[pg/2+pg:], 0xff) {
		t.Error("ZERO across a page boundary wrong")
	}
}

func TestVmoZeroTestCase_UnalignedUnCommitted(t *testing.T) {
	v := newVmoH(t, 2*pg)
	wantCommitted(t, "fresh", v, 0)
	zeroOp(t, v, pg/2, pg)
	wantCommitted(t, "after ZERO of uncommitted pages", v, 0)
}

func TestVmoZeroTestCase_DecommitMiddle(t *testing.T) {
	v := newVmoH(t, 3*pg)
	fillMapped(t, v, 3*pg)
	wantCommitted(t, "filled", v, 3)
	zeroOp(t, v, pg/2, 2*pg)
	wantCommitted(t, "after ZERO over the middle page", v, 2)
}

func TestVmoZeroTestCase_ContentInParentAndChild(t *testing.T) {
	p := newVmoH(t, 2*pg)
	vw(t, p, 1, 0)
	c := p.clone(t, 0, 2*pg)
	vw(t, c, 2, 0)
	zeroOp(t, c, 0, pg)
	vc(t, c, 0, 0)
}

func TestVmoZeroTestCase_EmptyCowChildren(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	p := newVmoH(t, 2*pg)
	vw(t, p, 1, 0)
	c := p.clone(t, 0, 2*pg)
	wantCommitted(t, "parent", p, 1)
	wantCommitted(t, "child", c, 0)
	vc(t, c, 1, 0)
	zeroOp(t, c, 0, pg)
	vc(t, c, 0, 0)
	wantCommitted(t, "parent after the child's ZERO", p, 1)
	wantCommitted(t, "child after its ZERO", c, 0)
	zeroOp(t, p, 0, pg)
	vc(t, p, 0, 0)
	wantCommitted(t, "parent after its ZERO", p, 0)
	wantCommitted(t, "child at the end", c, 0)
}

func TestVmoZeroTestCase_MergeZeroChildren(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	p := newVmoH(t, 2*pg)
	vw(t, p, 1, 0)
	c := p.clone(t, 0, pg)
	wantCommitted(t, "parent", p, 1)
	wantCommitted(t, "child", c, 0)
	zeroOp(t, p, 0, pg)
	wantCommitted(t, "parent after its ZERO", p, 0)
	wantCommitted(t, "child after the parent's ZERO", c, 1)
	c.reset()
	wantCommitted(t, "parent after the child closed", p, 0)
}

func TestVmoZeroTestCase_AllocateAfterMerge(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	p := tagged(t, 2)
	c := p.clone(t, 0, 2*pg)
	vc(t, c, 1, 0)
	vc(t, c, 2, pg)
	sum := func() uint64 { return committedBytes(t, p) + committedBytes(t, c) }
	if sum() != 2*pg {
		t.Fatalf("parent+child %d bytes, want 2 pages", sum())
	}
	zeroOp(t, c, 0, pg)
	if sum() != 2*pg {
		t.Fatalf("parent+child after ZERO %d bytes, want 2 pages", sum())
	}
	p.reset()
	wantCommitted(t, "child after the parent closed", c, 1)
	vc(t, c, 0, 0)
	vc(t, c, 2, pg)
}

func TestVmoZeroTestCase_AllocateAfterMergeHiddenChild(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	p := tagged(t, 3)
	c1 := p.clone(t, 0, 3*pg)
	sum := func(vs ...*vmoHandle) uint64 {
		var n uint64
		for _, v := range vs {
			n += committedBytes(t, v)
		}
		return n / pg
	}
	if n := sum(p, c1); n != 3 {
		t.Fatalf("parent+child1 %d pages, want 3", n)
	}
	zeroOp(t, p, 0, pg)
	if n := sum(p, c1); n != 3 {
		t.Fatalf("after the parent's ZERO %d pages, want 3", n)
	}
	c2 := p.clone(t, 0, 3*pg)
	zeroOp(t, c1, pg, pg)
	if n := sum(p, c1, c2); n != 3 {
		t.Fatalf("after child1's ZERO %d pages, want 3", n)
	}
	vc(t, c2, 0, 0)
	vc(t, c2, 2, pg)
	vc(t, c2, 3, 2*pg)
	vc(t, c1, 1, 0)
	vc(t, c1, 0, pg)
	vc(t, c1, 3, 2*pg)
	c1.reset()
	vc(t, p, 0, 0)
	vc(t, p, 2, pg)
	vc(t, p, 3, 2*pg)
	vc(t, c2, 0, 0)
	vc(t, c2, 2, pg)
	vc(t, c2, 3, 2*pg)
	if n := sum(p, c2); n != 2 {
		t.Fatalf("after child1 closed %d pages, want 2", n)
	}
	vw(t, p, 1, 64)
	vc(t, p, 0, 0)
	if n := sum(p, c2); n != 3 {
		t.Fatalf("after the parent's write %d pages, want 3", n)
	}
	vw(t, c2, 5, pg+64)
	vc(t, c2, 2, pg)
	vc(t, p, 0, pg+64)
	vc(t, p, 2, pg)
	if n := sum(p, c2); n != 4 {
		t.Fatalf("after child2's write %d pages, want 4", n)
	}
}

func TestVmoZeroTestCase_WriteCowParent(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	p := newVmoH(t, 2*pg)
	vw(t, p, 1, 0)
	c := p.clone(t, 0, 2*pg)
	wantCommitted(t, "parent", p, 1)
	wantCommitted(t, "child", c, 0)
	vc(t, p, 1, 0)
	vw(t, p, 2, 0)
	wantCommitted(t, "parent after its write", p, 1)
	wantCommitted(t, "child after the parent's write", c, 1)
	vc(t, c, 1, 0)
	zeroOp(t, c, 0, pg)
	vc(t, c, 0, 0)
	vc(t, p, 2, 0)
	wantCommitted(t, "parent after the child's ZERO", p, 1)
	wantCommitted(t, "child after its ZERO", c, 0)
	p.reset()
	vc(t, c, 0, 0)
	wantCommitted(t, "child alone", c, 0)
}

func TestVmoZeroTestCase_ChildZeroThenWrite(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	p := newVmoH(t, 2*pg)
	vw(t, p, 1, 0)
	c := p.clone(t, 0, 2*pg)
	wantCommitted(t, "parent", p, 1)
	wantCommitted(t, "child", c, 0)
	zeroOp(t, c, 0, pg)
	wantCommitted(t, "parent after the child's ZERO", p, 1)
	wantCommitted(t, "child after its ZERO", c, 0)
	vw(t, c, 1, 0)
	wantCommitted(t, "parent after the child's write", p, 1)
	wantCommitted(t, "child after its write", c, 1)
	p.reset()
	wantCommitted(t, "child alone", c, 1)
}

func TestVmoZeroTestCase_Nested(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	p := newVmoH(t, 2*pg)
	vw(t, p, 1, 0)
	c1 := p.clone(t, 0, pg)
	c2 := p.clone(t, 0, pg)
	wantCommitted(t, "parent", p, 1)
	wantCommitted(t, "child1", c1, 0)
	wantCommitted(t, "child2", c2, 0)
	zeroOp(t, p, 0, pg)
	wantCommitted(t, "parent after its ZERO", p, 0)
	wantCommitted(t, "child1 after the parent's ZERO", c1, 1)
	wantCommitted(t, "child2 after the parent's ZERO", c2, 1)
}

func TestVmoZeroTestCase_ZeroLengths(t *testing.T) {
	v := newVmoH(t, pg)
	for _, off := range []uint64{0, 10, pg} {
		zeroOp(t, v, off, 0)
	}
}

func progressiveCloneDiscard(t *testing.T, closeThem bool) {
	const n = 6
	var vs [n]*vmoHandle
	vs[0] = tagged(t, n)
	wantCommitted(t, "original", vs[0], n)
	for i := 1; i < n; i++ {
		vs[i] = vs[0].cloneOpts(t, zx.VMOChildSnapshot|zx.VMOChildResizable, 0, n*pg)
		vw(t, vs[i], n+2, uint64(i)*pg)
	}
	for i := range n {
		wantCommitted(t, "progressive clone", vs[i], uint64(n-i))
	}
	for i := range n {
		for j := range n {
			w := uint32(j + 1)
			if i != 0 && j == i {
				w = n + 2
			}
			vc(t, vs[i], w, uint64(j)*pg)
		}
	}
	discard := func(v *vmoHandle) {
		if closeThem {
			v.reset()
		} else {
			v.setSize(t, 0)
		}
	}
	discard(vs[0])
	check := func(from int) {
		for i := from; i < n; i++ {
			for j := range n {
				w := uint32(j + 1)
				if j == i {
					w = n + 2
				}
				vc(t, vs[i], w, uint64(j)*pg)
			}
		}
	}
	check(1)
	var observed uint64
	for i := 1; i < n; i++ {
		observed += committedBytes(t, vs[i])
	}
	if want := uint64(n*(n+1)/2-1) * pg; observed != want {
		t.Fatalf("clones hold %d bytes, want %d", observed, want)
	}
	for i := 1; i < n-2; i++ {
		discard(vs[i])
	}
	check(n - 2)
}

func TestProgressiveCloneDiscardTests_ProgressiveCloneClose(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	progressiveCloneDiscard(t, true)
}

func TestProgressiveCloneDiscardTests_ProgressiveCloneTruncate(t *testing.T) {
	ctest.KnownFailure(t, "expects one-owner attribution of shared copy-on-write pages in committed_bytes (a page shared by clones counts for one of them); Beryl reports every page a VMO can reach, shared ones included (committed_private_bytes and the scaled bytes tell them apart)")
	progressiveCloneDiscard(t, false)
}
