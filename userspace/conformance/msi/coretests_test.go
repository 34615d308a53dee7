package msi

import (
	"encoding/binary"
	"math"
	"sync/atomic"
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

// The port of Zircon's core-tests interrupt/msi-test.cc
// (TEST_F(MsiTest, ...)): the register VMO is a contiguous VMO with
// ZX_CACHE_POLICY_UNCACHED_DEVICE, mapped so the test can play the
// device's MSI capability.

// msiInfo is zx_info_msi_t.
type msiInfo struct {
	targetAddr                             uint64
	targetData, baseIRQ, numIRQ, intrCount uint32
}

func getMsiInfo(t *testing.T, m zx.Handle) msiInfo {
	t.Helper()
	var b [zx.ObjectInfoMSISize]byte
	must(t, "get_info(MSI)", zx.Sys_object_get_info(m, zx.ObjectInfoMSI, unsafe.Pointer(&b[0]), uint(len(b)), nil, nil))
	le := binary.LittleEndian
	return msiInfo{le.Uint64(b[0:]), le.Uint32(b[8:]), le.Uint32(b[12:]), le.Uint32(b[16:]), le.Uint32(b[20:])}
}

// msiTestVMO is the original's GetMsiTestVmo: a page of contiguous,
// uncached device memory, mapped read-write.
func msiTestVMO(t *testing.T) (zx.Handle, uintptr) {
	t.Helper()
	var iommu, bti, vmo zx.Handle
	desc := [1]byte{}
	must(t, "iommu_create", zx.Sys_iommu_create(root(t), zx.IommuTypeDummy, unsafe.Pointer(&desc[0]), 1, &iommu))
	defer zx.Sys_handle_close(iommu)
	must(t, "bti_create", zx.Sys_bti_create(iommu, 0, 0, &bti))
	defer zx.Sys_handle_close(bti)
	must(t, "vmo_create_contiguous", zx.Sys_vmo_create_contiguous(bti, 4096, 0, &vmo))
	t.Cleanup(func() { zx.Sys_handle_close(vmo) })
	must(t, "vmo_set_cache_policy(UNCACHED_DEVICE)", zx.Sys_vmo_set_cache_policy(vmo, zx.CachePolicyUncachedDevice))
	var addr zx.Vaddr
	must(t, "vmar_map", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead|zx.VMPermWrite, 0, vmo, 0, 4096, &addr))
	t.Cleanup(func() { zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, addr, 4096) })
	return vmo, uintptr(addr)
}

func TestMsiTest_AllocateSyscall(t *testing.T) {
	for _, c := range []struct {
		want  zx.Status
		count uint32
	}{
		{zx.ErrInvalidArgs, 0}, {zx.OK, 1}, {zx.OK, 2}, {zx.OK, 4}, {zx.ErrInvalidArgs, 5},
		{zx.OK, 8}, {zx.OK, 16}, {zx.OK, 32}, {zx.ErrInvalidArgs, 64}, {zx.ErrInvalidArgs, math.MaxUint32},
	} {
		var h zx.Handle
		st := zx.Sys_msi_allocate(root(t), c.count, &h)
		if st != c.want {
			t.Errorf("msi_allocate(%d) = %v, want %v", c.count, st, c.want)
		}
		if st == zx.OK {
			zx.Sys_handle_close(h)
		}
	}
}

func TestMsiTest_CreateSyscallArgs(t *testing.T) {
	const count = 8
	vmo, _ := msiTestVMO(t)
	m := allocate(t, count)
	getMsiInfo(t, m)
	const vmoSize = 4096
	const capSize = 24 // the MSI capability the original mocks
	for i, c := range []struct {
		msi     zx.Handle
		opt, id uint32
		vmo     zx.Handle
		off     uint
		want    zx.Status
		what    string
	}{
		{123456, 0, 0, vmo, 0, zx.ErrBadHandle, "bad handle"},
		{vmo, 0, 0, vmo, 0, zx.ErrWrongType, "a VMO as the MSI"},
		{m, 0, 0, 123456, 0, zx.ErrBadHandle, "bad VMO handle"},
		{m, 0, count, vmo, 0, zx.ErrInvalidArgs, "id past the count"},
		{m, ^zx.MsiModeMSIX, 0, vmo, 0, zx.ErrInvalidArgs, "options"},
		{m, 0, 0, vmo, vmoSize, zx.ErrInvalidArgs, "offset past the end"},
		{m, 0, 0, vmo, vmoSize - capSize + 1, zx.ErrInvalidArgs, "no room for the capability"},
		{m, 0, 0, vmo, math.MaxUint32, zx.ErrInvalidArgs, "offset UINT32_MAX"},
	} {
		var h zx.Handle
		if st := zx.Sys_msi_create(c.msi, c.opt, c.id, c.vmo, c.off, &h); st != c.want {
			t.Errorf("kTests[%d] (%s) = %v, want %v", i, c.what, st, c.want)
		}
	}
}

func TestMsiTest_Msi(t *testing.T) {
	const count = 8
	m := allocate(t, count)
	vmo, p := msiTestVMO(t)
	// The capability: id, next, control (16 bits), then 32-bit masks at
	// 0x0c (32-bit address form) and 0x10.
	id := (*uint8)(ptr(p))
	control := (*uint16)(ptr(p + 2))
	mask32 := (*uint32)(ptr(p + 0x0c))
	var intr, dup zx.Handle
	want(t, "msi_create without an MSI capability", zx.Sys_msi_create(m, 0, 0, vmo, 0, &intr), zx.ErrInvalidArgs)
	*id = 0x05
	*control = 1 << 8 // per-vector masking
	atomic.StoreUint32(mask32, math.MaxUint32)
	must(t, "msi_create(0)", zx.Sys_msi_create(m, 0, 0, vmo, 0, &intr))
	if in := getMsiInfo(t, m); in.intrCount != 1 {
		t.Errorf("interrupt_count %d, want 1", in.intrCount)
	}
	if atomic.LoadUint32(mask32)&1 != 0 {
		t.Errorf("vector 0 still masked: mask bits %#x", atomic.LoadUint32(mask32))
	}
	want(t, "msi_create(0) again", zx.Sys_msi_create(m, 0, 0, vmo, 0, &dup), zx.ErrAlreadyBound)
	must(t, "msi_create(1)", zx.Sys_msi_create(m, 0, 1, vmo, 0, &dup))
	if in := getMsiInfo(t, m); in.intrCount != 2 {
		t.Errorf("interrupt_count %d, want 2", in.intrCount)
	}
	zx.Sys_handle_close(intr)
	zx.Sys_handle_close(dup)
	if in := getMsiInfo(t, m); in.intrCount != 0 {
		t.Errorf("interrupt_count %d after the interrupts closed, want 0", in.intrCount)
	}
}
