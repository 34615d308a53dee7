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
