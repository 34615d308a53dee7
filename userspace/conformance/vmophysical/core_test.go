package vmophysical

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

// Zircon core-tests that need device memory or DMA: VmoTestCase,
// VmoClone2TestCase and VmoZeroTestCase cases over contiguous and
// physical VMOs (vmo/vmo.cc, vmo-clone2.cc, vmo-zero.cc).

func newBti(t *testing.T) zx.Handle {
	t.Helper()
	var io, bti zx.Handle
	desc := [1]byte{}
	must(t, "iommu_create(DUMMY)", zx.Sys_iommu_create(root(t), zx.IommuTypeDummy, unsafe.Pointer(&desc[0]), 1, &io))
	t.Cleanup(func() { zx.Sys_handle_close(io) })
	must(t, "bti_create", zx.Sys_bti_create(io, 0, 0xdeadbeef, &bti))
	t.Cleanup(func() { zx.Sys_handle_close(bti) })
	return bti
}

func contiguous(t *testing.T, bti zx.Handle, size uint) zx.Handle {
	t.Helper()
	var v zx.Handle
	must(t, "vmo_create_contiguous", zx.Sys_vmo_create_contiguous(bti, size, 0, &v))
	t.Cleanup(func() { zx.Sys_handle_close(v) })
	return v
}

func vmoInfo(t *testing.T, v zx.Handle) zx.VmoInfo {
	t.Helper()
	i, err := zx.Vmo{Handle: v}.Info()
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// cachePolicy reads zx_info_vmo_t.cache_policy.
func cachePolicy(t *testing.T, v zx.Handle) uint32 {
	t.Helper()
	var b [zx.VmoInfoSize]byte
	must(t, "get_info(VMO)", zx.Sys_object_get_info(v, zx.ObjectInfoVMO, unsafe.Pointer(&b[0]), zx.VmoInfoSize, nil, nil))
	return binary.LittleEndian.Uint32(b[100:])
}

func pinOne(t *testing.T, bti, v zx.Handle, opts uint32, size uint64) (uint64, zx.Handle) {
	t.Helper()
	var pa uint64
	var pmt zx.Handle
	must(t, "bti_pin", zx.Sys_bti_pin(bti, opts, v, 0, size, &pa, 1, &pmt))
	return pa, pmt
}

func TestVmoTestCase_Info(t *testing.T) {
	const pg = zx.PageSize
	var v zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(4*pg, 0, &v))
	i := vmoInfo(t, v)
	cp := cachePolicy(t, v)
	zx.Sys_handle_close(v)
	if i.SizeBytes != 4*pg || i.Flags != zx.InfoVMOTypePaged|zx.InfoVMOViaHandle || cp != zx.CachePolicyCached {
		t.Errorf("plain VMO: size %d flags %#x cache %d", i.SizeBytes, i.Flags, cp)
	}
	must(t, "vmo_create(RESIZABLE)", zx.Sys_vmo_create(8*pg, zx.VMOResizable, &v))
	must(t, "set_cache_policy(UNCACHED)", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyUncached))
	var b [zx.VmoInfoSize]byte
	var actual, avail uint
	must(t, "get_info(VMO)", zx.Sys_object_get_info(v, zx.ObjectInfoVMO, unsafe.Pointer(&b[0]), zx.VmoInfoSize, &actual, &avail))
	zx.Sys_handle_close(v)
	i = zx.ParseVmoInfo(b[:])
	if actual != 1 || avail != 1 || i.SizeBytes != 8*pg || i.Flags != zx.InfoVMOTypePaged|zx.InfoVMOViaHandle|zx.InfoVMOResizable ||
		binary.LittleEndian.Uint32(b[100:]) != zx.CachePolicyUncached {
		t.Errorf("uncached resizable VMO: actual %d avail %d size %d flags %#x cache %d", actual, avail, i.SizeBytes, i.Flags, binary.LittleEndian.Uint32(b[100:]))
	}
	c := contiguous(t, newBti(t), 12*pg)
	i = vmoInfo(t, c)
	if i.SizeBytes != 12*pg || i.Flags != zx.InfoVMOTypePaged|zx.InfoVMOViaHandle|zx.InfoVMOContiguous || cachePolicy(t, c) != zx.CachePolicyCached {
		t.Errorf("contiguous VMO: size %d flags %#x cache %d", i.SizeBytes, i.Flags, cachePolicy(t, c))
	}
}

func TestVmoTestCase_UncachedContiguous(t *testing.T) {
	bti := newBti(t)
	v := contiguous(t, bti, 4*zx.PageSize)
	must(t, "set_cache_policy(UNCACHED)", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyUncached))
	data := uint64(42)
	want(t, "vmo_write of an uncached VMO", zx.Sys_vmo_write(v, unsafe.Pointer(&data), 0, 8), zx.ErrBadState)
	_, pmt := pinOne(t, bti, v, zx.BtiCompress|zx.BtiPermRead, zx.PageSize)
	want(t, "set_cache_policy while pinned", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyCached), zx.ErrBadState)
	must(t, "pmt_unpin", zx.Sys_pmt_unpin(pmt))
	want(t, "uncached to cached with committed pages", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyCached), zx.ErrBadState)
}

func TestVmoClone2TestCase_Uncached(t *testing.T) {
	var v zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(zx.PageSize, 0, &v))
	t.Cleanup(func() { zx.Sys_handle_close(v) })
	must(t, "set_cache_policy(UNCACHED)", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyUncached))
	var a zx.Vaddr
	must(t, "vmar_map", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead|zx.VMPermWrite, 0, v, 0, zx.PageSize, &a))
	t.Cleanup(func() { zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, a, zx.PageSize) })
	p := (*uint32)(ptr(uintptr(a)))
	*p = 0xdeadbeef
	var c zx.Handle
	want(t, "snapshot of an uncached VMO", zx.Sys_vmo_create_child(v, zx.VMOChildSnapshot, 0, zx.PageSize, &c), zx.ErrBadState)
	if *p != 0xdeadbeef {
		t.Errorf("mapping reads %#x", *p)
	}
}

func TestVmoClone2TestCase_NoPhysical(t *testing.T) {
	v := physical(t, root(t), freeMMIO, zx.PageSize)
	var c zx.Handle
	want(t, "snapshot of a physical VMO", zx.Sys_vmo_create_child(v, zx.VMOChildSnapshot, 0, zx.PageSize, &c), zx.ErrNotSupported)
}

func TestVmoClone2TestCase_ForbidContiguousVmo(t *testing.T) {
	bti := newBti(t)
	v := contiguous(t, bti, zx.PageSize)
	var c zx.Handle
	want(t, "snapshot of a contiguous VMO", zx.Sys_vmo_create_child(v, zx.VMOChildSnapshot, 0, zx.PageSize, &c), zx.ErrInvalidArgs)
	_, pmt := pinOne(t, bti, v, zx.BtiPermRead, zx.PageSize)
	zx.Sys_pmt_unpin(pmt)
}

func TestVmoZeroTestCase_Contiguous(t *testing.T) {
	const pg = zx.PageSize
	bti := newBti(t)
	v := contiguous(t, bti, 2*pg)
	if c := vmoInfo(t, v).CommittedBytes; c != 2*pg {
		t.Fatalf("committed %d", c)
	}
	pa, pmt := pinOne(t, bti, v, zx.BtiPermWrite|zx.BtiContiguous, 2*pg)
	zx.Sys_pmt_unpin(pmt)
	var a zx.Vaddr
	must(t, "vmar_map", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead|zx.VMPermWrite, 0, v, 0, 2*pg, &a))
	t.Cleanup(func() { zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, a, 2*pg) })
	m := unsafe.Slice((*byte)(ptr(uintptr(a))), 2*pg)
	for i := range m {
		m[i] = 0xff
	}
	must(t, "vmo_op_range(ZERO)", zx.Sys_vmo_op_range(v, zx.VMOOpZero, 0, pg, nil, 0))
	if c := vmoInfo(t, v).CommittedBytes; c != 2*pg {
		t.Errorf("committed %d after ZERO", c)
	}
	for i, b := range m {
		if w := byte(0xff * (i / pg)); b != w {
			t.Fatalf("byte %d is %#x, want %#x", i, b, w)
		}
	}
	pa2, pmt := pinOne(t, bti, v, zx.BtiPermWrite|zx.BtiContiguous, 2*pg)
	zx.Sys_pmt_unpin(pmt)
	if pa2 != pa {
		t.Errorf("physical address %#x, then %#x", pa, pa2)
	}
}

func TestVmoSliceTestCase_ChildSliceOfContiguousParentIsContiguous(t *testing.T) {
	v := contiguous(t, newBti(t), zx.PageSize)
	var c zx.Handle
	must(t, "vmo_create_child(SLICE)", zx.Sys_vmo_create_child(v, zx.VMOChildSlice, 0, zx.PageSize, &c))
	defer zx.Sys_handle_close(c)
	if f := vmoInfo(t, c).Flags; f&zx.InfoVMOContiguous == 0 {
		t.Errorf("slice of a contiguous VMO: flags %#x", f)
	}
}

func TestVmoSliceTestCase_RoundUpSizePhysical(t *testing.T) {
	v := contiguous(t, newBti(t), zx.PageSize)
	var c zx.Handle
	must(t, "vmo_create_child(SLICE, 42 bytes)", zx.Sys_vmo_create_child(v, zx.VMOChildSlice, 0, 42, &c))
	zx.Sys_handle_close(c)
}

func TestVmoSliceTestCase_Pin(t *testing.T) {
	var v, s zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(zx.PageSize, 0, &v))
	defer zx.Sys_handle_close(v)
	must(t, "vmo_create_child(SLICE)", zx.Sys_vmo_create_child(v, zx.VMOChildSlice, 0, zx.PageSize, &s))
	defer zx.Sys_handle_close(s)
	_, pmt := pinOne(t, newBti(t), s, zx.BtiPermRead, zx.PageSize)
	want(t, "decommit of the parent's pinned page", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, 0, zx.PageSize, nil, 0), zx.ErrBadState)
	must(t, "pmt_unpin", zx.Sys_pmt_unpin(pmt))
}

func TestVmoClone2TestCase_PinBeforeCreateFailure(t *testing.T) {
	bti := newBti(t)
	var v, c zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(zx.PageSize, 0, &v))
	defer zx.Sys_handle_close(v)
	_, pmt := pinOne(t, bti, v, zx.BtiPermRead, zx.PageSize)
	want(t, "snapshot of pinned pages", zx.Sys_vmo_create_child(v, zx.VMOChildSnapshot, 0, zx.PageSize, &c), zx.ErrBadState)
	must(t, "pmt_unpin", zx.Sys_pmt_unpin(pmt))
	must(t, "snapshot after unpin", zx.Sys_vmo_create_child(v, zx.VMOChildSnapshot, 0, zx.PageSize, &c))
	zx.Sys_handle_close(c)
}

func TestVmoClone2TestCase_PinClonePages(t *testing.T) {
	const n = 4
	const pattern = 0x73570f00
	bti := newBti(t)
	var v, c zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(n*zx.PageSize, 0, &v))
	defer zx.Sys_handle_close(v)
	rw := func(h zx.Handle, i uint64, val *uint32, write bool) {
		t.Helper()
		if write {
			must(t, "vmo_write", zx.Sys_vmo_write(h, unsafe.Pointer(val), i*zx.PageSize, 4))
		} else {
			must(t, "vmo_read", zx.Sys_vmo_read(h, unsafe.Pointer(val), i*zx.PageSize, 4))
		}
	}
	for i := uint64(0); i < n; i++ {
		x := uint32(pattern + i)
		rw(v, i, &x, true)
	}
	must(t, "vmo_create_child(SNAPSHOT)", zx.Sys_vmo_create_child(v, zx.VMOChildSnapshot, 0, n*zx.PageSize, &c))
	defer zx.Sys_handle_close(c)
	var pp, cp [n]uint64
	var ppmt, cpmt zx.Handle
	must(t, "bti_pin(parent)", zx.Sys_bti_pin(bti, zx.BtiPermRead, v, 0, n*zx.PageSize, &pp[0], n, &ppmt))
	defer zx.Sys_pmt_unpin(ppmt)
	must(t, "bti_pin(clone)", zx.Sys_bti_pin(bti, zx.BtiPermRead, c, 0, n*zx.PageSize, &cp[0], n, &cpmt))
	defer zx.Sys_pmt_unpin(cpmt)
	for _, a := range pp {
		for _, b := range cp {
			if a == b {
				t.Errorf("parent and clone share physical page %#x after pinning", a)
			}
		}
	}
	for i := uint64(0); i < n; i++ {
		var x, y uint32
		rw(v, i, &x, false)
		rw(c, i, &y, false)
		if x != uint32(pattern+i) || y != uint32(pattern+i) {
			t.Errorf("page %d: parent %#x clone %#x, want %#x", i, x, y, pattern+i)
		}
	}
}

func TestVmoTestCase_CompressedContiguous(t *testing.T) {
	bti := newBti(t)
	var info [4]uint64 // zx_info_bti_t: minimum_contiguity first
	must(t, "get_info(BTI)", zx.Sys_object_get_info(bti, zx.ObjectInfoBTI, unsafe.Pointer(&info[0]), 32, nil, nil))
	minContig := info[0]
	const maxAddrs = 2
	size := min(128<<20, minContig*maxAddrs)
	v := contiguous(t, bti, uint(size))
	var paddrs [maxAddrs]uint64
	n := (size + minContig - 1) / minContig
	var pmt zx.Handle
	must(t, "bti_pin(COMPRESS)", zx.Sys_bti_pin(bti, zx.BtiCompress|zx.BtiPermRead, v, 0, size, &paddrs[0], uint(n), &pmt))
	zx.Sys_pmt_unpin(pmt)
	if n > 1 {
		want(t, "bti_pin(COMPRESS) with too few addresses", zx.Sys_bti_pin(bti, zx.BtiCompress|zx.BtiPermRead, v, 0, size, &paddrs[0], 1, &pmt), zx.ErrInvalidArgs)
	}
}
