// Package bti is the conformance family for DMA memory, run inside Beryl
// (Zircon's core-tests bti/): iommu_create (dummy), bti_create, bti_pin
// to PMTs with physical addresses, pmt_unpin, the quarantine of PMTs
// whose handle went without an unpin (also by a killed pinner),
// bti_release_quarantine, and vmo_create_contiguous.
package bti

import (
	"encoding/binary"
	"os"
	"testing"
	"unsafe"

	"beryl/userspace/launch"
	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

const page = zx.PageSize

func root(t *testing.T) zx.Handle {
	t.Helper()
	if relaunch.RootResource == zx.HandleInvalid {
		t.Fatal("no root resource (PA_RESOURCE): init passes it to the conformance families")
	}
	return relaunch.RootResource
}

func iommu(t *testing.T) zx.Handle {
	t.Helper()
	var h zx.Handle
	desc := [1]byte{}
	must(t, "iommu_create(DUMMY)", zx.Sys_iommu_create(root(t), zx.IommuTypeDummy, unsafe.Pointer(&desc[0]), 1, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func newBTI(t *testing.T) zx.Handle {
	t.Helper()
	var h zx.Handle
	must(t, "bti_create", zx.Sys_bti_create(iommu(t), 0, 0, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func newVMO(t *testing.T, size uint64) zx.Handle {
	t.Helper()
	var h zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(size, 0, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func pin(bti zx.Handle, options uint32, vmo zx.Handle, off, size uint64, n int) ([]uint64, zx.Handle, zx.Status) {
	addrs := make([]uint64, n+1)
	var pmt zx.Handle
	st := zx.Sys_bti_pin(bti, options, vmo, off, size, &addrs[0], uint(n), &pmt)
	return addrs[:n], pmt, st
}

func btiInfo(t *testing.T, bti zx.Handle) (pmos, quarantined uint64) {
	t.Helper()
	var b [32]byte
	must(t, "get_info(BTI)", zx.Sys_object_get_info(bti, zx.ObjectInfoBTI, unsafe.Pointer(&b[0]), 32, nil, nil))
	if binary.LittleEndian.Uint64(b[:]) != page {
		t.Errorf("minimum contiguity %d", binary.LittleEndian.Uint64(b[:]))
	}
	return binary.LittleEndian.Uint64(b[16:]), binary.LittleEndian.Uint64(b[24:])
}

// TestIommuCreate: the dummy IOMMU; other types NOT_SUPPORTED; the
// descriptor's size and pointer; the resource.
func TestIommuCreate(t *testing.T) {
	r := root(t)
	var h zx.Handle
	desc := [8]byte{}
	want(t, "intel", zx.Sys_iommu_create(r, zx.IommuTypeIntel, unsafe.Pointer(&desc[0]), 8, &h), zx.ErrNotSupported)
	want(t, "dummy, desc size 2", zx.Sys_iommu_create(r, zx.IommuTypeDummy, unsafe.Pointer(&desc[0]), 2, &h), zx.ErrInvalidArgs)
	want(t, "desc over 4096", zx.Sys_iommu_create(r, zx.IommuTypeDummy, unsafe.Pointer(&desc[0]), 4097, &h), zx.ErrInvalidArgs)
	want(t, "unreadable desc", zx.Sys_iommu_create(r, zx.IommuTypeDummy, ptr(0x1000), 1, &h), zx.ErrInvalidArgs)
	want(t, "invalid resource", zx.Sys_iommu_create(zx.HandleInvalid, zx.IommuTypeDummy, unsafe.Pointer(&desc[0]), 1, &h), zx.ErrBadHandle)
	want(t, "event", zx.Sys_iommu_create(newEvent(t), zx.IommuTypeDummy, unsafe.Pointer(&desc[0]), 1, &h), zx.ErrWrongType)
	var mmio zx.Handle
	must(t, "resource_create", zx.Sys_resource_create(r, zx.ResourceKindMMIO, 0xd000_0000, page, nil, 0, &mmio))
	defer zx.Sys_handle_close(mmio)
	want(t, "MMIO resource", zx.Sys_iommu_create(mmio, zx.IommuTypeDummy, unsafe.Pointer(&desc[0]), 1, &h), zx.ErrAccessDenied)
	var sys zx.Handle
	must(t, "resource_create(IOMMU)", zx.Sys_resource_create(r, zx.ResourceKindSystem, zx.ResourceSystemIommuBase, 1, nil, 0, &sys))
	defer zx.Sys_handle_close(sys)
	must(t, "iommu with the IOMMU resource", zx.Sys_iommu_create(sys, zx.IommuTypeDummy, unsafe.Pointer(&desc[0]), 1, &h))
	zx.Sys_handle_close(h)
}

// TestBtiCreate: options, the IOMMU handle.
func TestBtiCreate(t *testing.T) {
	io := iommu(t)
	var h zx.Handle
	want(t, "options 1", zx.Sys_bti_create(io, 1, 0, &h), zx.ErrInvalidArgs)
	want(t, "invalid iommu", zx.Sys_bti_create(zx.HandleInvalid, 0, 0, &h), zx.ErrBadHandle)
	want(t, "event as iommu", zx.Sys_bti_create(newEvent(t), 0, 0, &h), zx.ErrWrongType)
	must(t, "bti_create", zx.Sys_bti_create(io, 0, 42, &h))
	if b := basic(t, h); b.Type != zx.ObjTypeBTI || b.Rights&zx.RightMap == 0 {
		t.Errorf("type %d rights %#x", b.Type, b.Rights)
	}
	zx.Sys_handle_close(h)
}

// TestPinUnpin: one page-aligned address per page; pinned pages cannot be
// decommitted; unpin twice is BAD_HANDLE; the pages return to the VMO.
func TestPinUnpin(t *testing.T) {
	bti := newBTI(t)
	v := newVMO(t, 4*page)
	addrs, pmt, st := pin(bti, zx.BtiPermRead|zx.BtiPermWrite, v, page, 2*page, 2)
	must(t, "bti_pin", st)
	for _, a := range addrs {
		if a == 0 || a%page != 0 {
			t.Errorf("address %#x", a)
		}
	}
	if b := basic(t, pmt); b.Type != zx.ObjTypePMT || b.Rights != zx.RightInspect {
		t.Errorf("pmt type %d rights %#x", b.Type, b.Rights)
	}
	if n, _ := btiInfo(t, bti); n != 1 {
		t.Errorf("pmo_count %d", n)
	}
	want(t, "decommit pinned", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, 0, 4*page, nil, 0), zx.ErrBadState)
	var child zx.Handle
	want(t, "snapshot of pinned", zx.Sys_vmo_create_child(v, zx.VMOChildSnapshot, 0, page, &child), zx.ErrBadState)
	// Pinning again gives the same pages.
	again, pmt2, st := pin(bti, zx.BtiPermRead, v, page, page, 1)
	must(t, "pin again", st)
	if again[0] != addrs[0] {
		t.Errorf("the pinned page moved: %#x -> %#x", addrs[0], again[0])
	}
	must(t, "unpin", zx.Sys_pmt_unpin(pmt))
	want(t, "unpin twice", zx.Sys_pmt_unpin(pmt), zx.ErrBadHandle)
	want(t, "decommit, still pinned once", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, page, page, nil, 0), zx.ErrBadState)
	must(t, "unpin 2", zx.Sys_pmt_unpin(pmt2))
	must(t, "decommit after unpin", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, 0, 4*page, nil, 0))
	if n, q := btiInfo(t, bti); n != 0 || q != 0 {
		t.Errorf("counts %d %d", n, q)
	}
}

// TestPinErrors: every documented error of bti_pin.
func TestPinErrors(t *testing.T) {
	bti := newBTI(t)
	v := newVMO(t, 2*page)
	var st zx.Status
	_, _, st = pin(zx.HandleInvalid, zx.BtiPermRead, v, 0, page, 1)
	want(t, "invalid bti", st, zx.ErrBadHandle)
	_, _, st = pin(newEvent(t), zx.BtiPermRead, v, 0, page, 1)
	want(t, "event as bti", st, zx.ErrWrongType)
	_, _, st = pin(reduced(t, bti, zx.RightRead|zx.RightWrite), zx.BtiPermRead, v, 0, page, 1)
	want(t, "bti without MAP", st, zx.ErrAccessDenied)
	_, _, st = pin(bti, zx.BtiPermRead, v, 1, page, 1)
	want(t, "unaligned offset", st, zx.ErrInvalidArgs)
	_, _, st = pin(bti, zx.BtiPermRead, v, 0, 100, 1)
	want(t, "unaligned size", st, zx.ErrInvalidArgs)
	_, _, st = pin(bti, zx.BtiPermRead, zx.HandleInvalid, 0, page, 1)
	want(t, "invalid vmo", st, zx.ErrBadHandle)
	_, _, st = pin(bti, zx.BtiPermRead, newEvent(t), 0, page, 1)
	want(t, "event as vmo", st, zx.ErrWrongType)
	_, _, st = pin(bti, zx.BtiPermRead, reduced(t, v, zx.RightRead|zx.RightWrite), 0, page, 1)
	want(t, "vmo without MAP", st, zx.ErrAccessDenied)
	_, _, st = pin(bti, zx.BtiPermWrite, reduced(t, v, zx.RightRead|zx.RightMap), 0, page, 1)
	want(t, "PERM_WRITE without WRITE", st, zx.ErrAccessDenied)
	_, _, st = pin(bti, zx.BtiPermRead, reduced(t, v, zx.RightWrite|zx.RightMap), 0, page, 1)
	want(t, "PERM_READ without READ", st, zx.ErrAccessDenied)
	_, _, st = pin(bti, zx.BtiPermExecute, reduced(t, v, zx.RightWrite|zx.RightMap), 0, page, 1)
	want(t, "PERM_EXECUTE without READ", st, zx.ErrAccessDenied)
	_, _, st = pin(bti, zx.BtiPermRead|zx.BtiCompress|zx.BtiContiguous, v, 0, page, 1)
	want(t, "COMPRESS|CONTIGUOUS", st, zx.ErrInvalidArgs)
	_, _, st = pin(bti, zx.BtiPermRead|zx.BtiContiguous, v, 0, page, 1)
	want(t, "CONTIGUOUS on a paged VMO", st, zx.ErrInvalidArgs)
	_, _, st = pin(bti, zx.BtiPermRead|0x100, v, 0, page, 1)
	want(t, "unknown option", st, zx.ErrInvalidArgs)
	_, _, st = pin(bti, zx.BtiPermRead, v, 0, 0, 0)
	want(t, "size 0", st, zx.ErrInvalidArgs)
	_, _, st = pin(bti, zx.BtiPermRead, v, page, 2*page, 2)
	want(t, "past the end", st, zx.ErrOutOfRange)
	_, _, st = pin(bti, zx.BtiPermRead, v, 0, 2*page, 1)
	want(t, "too few addrs", st, zx.ErrInvalidArgs)
	_, _, st = pin(bti, zx.BtiPermRead, v, 0, page, 2)
	want(t, "too many addrs", st, zx.ErrInvalidArgs)
	var pmt zx.Handle
	want(t, "bad addrs pointer", zx.Sys_bti_pin(bti, zx.BtiPermRead, v, 0, page, (*uint64)(ptr(0x1000)), 1, &pmt), zx.ErrInvalidArgs)
	addrs := make([]uint64, 1)
	want(t, "bad pmt pointer", zx.Sys_bti_pin(bti, zx.BtiPermRead, v, 0, page, &addrs[0], 1, (*zx.Handle)(ptr(0x1000))), zx.ErrInvalidArgs)
	if n, _ := btiInfo(t, bti); n != 0 {
		t.Errorf("failed pins left %d PMTs", n)
	}
	want(t, "unpin(event)", zx.Sys_pmt_unpin(newEvent(t)), zx.ErrWrongType)
	want(t, "release_quarantine(invalid)", zx.Sys_bti_release_quarantine(zx.HandleInvalid), zx.ErrBadHandle)
	want(t, "release_quarantine(no WRITE)", zx.Sys_bti_release_quarantine(reduced(t, bti, zx.RightRead|zx.RightMap)), zx.ErrAccessDenied)
}

// TestQuarantine: a PMT closed without unpin keeps its pages pinned until
// bti_release_quarantine.
func TestQuarantine(t *testing.T) {
	bti := newBTI(t)
	v := newVMO(t, page)
	_, pmt, st := pin(bti, zx.BtiPermRead, v, 0, page, 1)
	must(t, "pin", st)
	must(t, "close pmt", zx.Sys_handle_close(pmt))
	if n, q := btiInfo(t, bti); n != 1 || q != 1 {
		t.Errorf("after close: pmos %d quarantined %d", n, q)
	}
	want(t, "decommit while quarantined", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, 0, page, nil, 0), zx.ErrBadState)
	must(t, "release_quarantine", zx.Sys_bti_release_quarantine(bti))
	if n, q := btiInfo(t, bti); n != 0 || q != 0 {
		t.Errorf("after release: pmos %d quarantined %d", n, q)
	}
	must(t, "decommit after release", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, 0, page, nil, 0))
}

// TestKilledPinnerQuarantines: a process that pins and dies leaves its
// PMT in the quarantine.
func TestKilledPinnerQuarantines(t *testing.T) {
	bti := newBTI(t)
	v := newVMO(t, page)
	var b2, v2 zx.Handle
	must(t, "dup bti", zx.Sys_handle_duplicate(bti, zx.RightSameRights, &b2))
	must(t, "dup vmo", zx.Sys_handle_duplicate(v, zx.RightSameRights, &v2))
	p, err := launch.Start(relaunch.SelfImage(t), launch.Config{Argv: []string{os.Args[0], "pin"}, Env: relaunch.Environ("pin"),
		Handles: []launch.Handle{{Type: zx.PAUser0, Handle: b2}, {Type: zx.PAUser1, Handle: v2}}})
	if err != nil {
		t.Fatal(err)
	}
	code, err := p.Wait()
	p.Close()
	if err != nil || code != 0 {
		t.Fatalf("pinner: %d %v", code, err)
	}
	if n, q := btiInfo(t, bti); n != 1 || q != 1 {
		t.Errorf("after the pinner died: pmos %d quarantined %d", n, q)
	}
	want(t, "decommit", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, 0, page, nil, 0), zx.ErrBadState)
	must(t, "release_quarantine", zx.Sys_bti_release_quarantine(bti))
	must(t, "decommit after release", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, 0, page, nil, 0))
}

func pinWorker() int {
	b, ok1 := zx.TakeStartupHandle(zx.PAUser0)
	v, ok2 := zx.TakeStartupHandle(zx.PAUser1)
	if !ok1 || !ok2 {
		return 3
	}
	if _, _, st := pin(b, zx.BtiPermRead|zx.BtiPermWrite, v, 0, page, 1); st != zx.OK {
		return 4
	}
	return 0 // exit holding the PMT
}

// TestContiguous: vmo_create_contiguous gives consecutive, aligned
// pages; CONTIGUOUS pins return one address; errors.
func TestContiguous(t *testing.T) {
	bti := newBTI(t)
	var v zx.Handle
	must(t, "vmo_create_contiguous", zx.Sys_vmo_create_contiguous(bti, 3*page, 16, &v))
	defer zx.Sys_handle_close(v)
	addrs, pmt, st := pin(bti, zx.BtiPermRead|zx.BtiPermWrite, v, 0, 3*page, 3)
	must(t, "pin", st)
	if addrs[0]%(1<<16) != 0 || addrs[1] != addrs[0]+page || addrs[2] != addrs[0]+2*page {
		t.Errorf("addresses %#x", addrs)
	}
	one, pmt2, st := pin(bti, zx.BtiPermRead|zx.BtiContiguous, v, page, 2*page, 1)
	must(t, "pin CONTIGUOUS", st)
	if one[0] != addrs[1] {
		t.Errorf("contiguous address %#x, want %#x", one[0], addrs[1])
	}
	zx.Sys_pmt_unpin(pmt)
	zx.Sys_pmt_unpin(pmt2)
	want(t, "decommit contiguous", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, 0, page, nil, 0), zx.ErrNotSupported)
	var c zx.Handle
	want(t, "snapshot of contiguous", zx.Sys_vmo_create_child(v, zx.VMOChildSnapshot, 0, page, &c), zx.ErrInvalidArgs)
	want(t, "size 0", zx.Sys_vmo_create_contiguous(bti, 0, 0, &c), zx.ErrInvalidArgs)
	want(t, "alignment 11", zx.Sys_vmo_create_contiguous(bti, page, 11, &c), zx.ErrInvalidArgs)
	want(t, "alignment 64", zx.Sys_vmo_create_contiguous(bti, page, 64, &c), zx.ErrInvalidArgs)
	want(t, "invalid bti", zx.Sys_vmo_create_contiguous(zx.HandleInvalid, page, 0, &c), zx.ErrBadHandle)
	want(t, "event as bti", zx.Sys_vmo_create_contiguous(newEvent(t), page, 0, &c), zx.ErrWrongType)
	want(t, "bti without MAP", zx.Sys_vmo_create_contiguous(reduced(t, bti, zx.RightRead), page, 0, &c), zx.ErrAccessDenied)
	want(t, "bad out", zx.Sys_vmo_create_contiguous(bti, page, 0, (*zx.Handle)(ptr(0x1000))), zx.ErrInvalidArgs)
	want(t, "no such run", zx.Sys_vmo_create_contiguous(bti, 1<<40, 0, &c), zx.ErrNoMemory)
}

// TestMain takes the root resource init passes on, or runs the worker.
func TestMain(m *testing.M) {
	relaunch.Main(m, "BERYL_BTI_WORKER", func(mode string) int {
		if mode == "pin" {
			return pinWorker()
		}
		return 2
	})
}
