package bti

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

// The port of Zircon's core-tests bti/bti.cc (TEST(Bti, ...)).

// zeroChildren is ZX_VMO_ZERO_CHILDREN.
const zeroChildren = zx.Signals(1 << 3)

// coreBTI is the original's setup: a dummy IOMMU from the root resource
// and a BTI with id 0xdeadbeef.
func coreBTI(t *testing.T) zx.Handle {
	t.Helper()
	var bti zx.Handle
	must(t, "bti_create(0xdeadbeef)", zx.Sys_bti_create(iommu(t), 0, 0xdeadbeef, &bti))
	t.Cleanup(func() { zx.Sys_handle_close(bti) })
	return bti
}

func TestBti_Create(t *testing.T) {
	coreBTI(t)
}

func pinHelper(t *testing.T, contiguous bool) {
	const pages = 256
	bti := coreBTI(t)
	var vmo zx.Handle
	if contiguous {
		must(t, "vmo_create_contiguous", zx.Sys_vmo_create_contiguous(bti, pages*page, 0, &vmo))
	} else {
		must(t, "vmo_create", zx.Sys_vmo_create(pages*page, 0, &vmo))
	}
	defer zx.Sys_handle_close(vmo)
	addrs, pmt, st := pin(bti, zx.BtiPermRead, vmo, 0, pages*page, pages)
	must(t, "bti_pin", st)
	must(t, "pmt_unpin", zx.Sys_pmt_unpin(pmt))
	if contiguous {
		for i := 1; i < pages; i++ {
			if addrs[i] != addrs[0]+uint64(i)*page {
				t.Fatalf("paddrs[%d] = %#x, want %#x", i, addrs[i], addrs[0]+uint64(i)*page)
			}
		}
	}
}

func TestBti_Pin(t *testing.T) { pinHelper(t, false) }

func TestBti_PinContiguous(t *testing.T) { pinHelper(t, true) }

func TestBti_PinContigFlag(t *testing.T) {
	const pages = 256
	bti := coreBTI(t)
	var vmo zx.Handle
	must(t, "vmo_create_contiguous", zx.Sys_vmo_create_contiguous(bti, pages*page, 0, &vmo))
	defer zx.Sys_handle_close(vmo)
	_, pmt, st := pin(bti, zx.BtiPermRead|zx.BtiContiguous, vmo, 0, pages*page, 1)
	must(t, "bti_pin(CONTIGUOUS)", st)
	must(t, "pmt_unpin", zx.Sys_pmt_unpin(pmt))
}

func TestBti_Resize(t *testing.T) {
	bti := coreBTI(t)
	var vmo zx.Handle
	must(t, "vmo_create(RESIZABLE)", zx.Sys_vmo_create(page, zx.VMOResizable, &vmo))
	defer zx.Sys_handle_close(vmo)
	_, pmt, st := pin(bti, zx.BtiPermRead, vmo, 0, page, 1)
	must(t, "bti_pin", st)
	want(t, "vmo_set_size(0) while pinned", zx.Sys_vmo_set_size(vmo, 0), zx.ErrBadState)
	zx.Sys_pmt_unpin(pmt)
}

func TestBti_Clone(t *testing.T) {
	bti := coreBTI(t)
	var vmo, clone zx.Handle
	must(t, "vmo_create(RESIZABLE)", zx.Sys_vmo_create(page, zx.VMOResizable, &vmo))
	defer zx.Sys_handle_close(vmo)
	must(t, "vmo_create_child(COPY_ON_WRITE)", zx.Sys_vmo_create_child(vmo, zx.VMOChildSnapshotAtLeastOnWrite, 0, page, &clone))
	_, pmt, st := pin(bti, zx.BtiPermRead, clone, 0, page, 1)
	must(t, "bti_pin(clone)", st)
	zx.Sys_handle_close(clone)
	var o zx.Signals
	want(t, "ZERO_CHILDREN while the clone is pinned", zx.Sys_object_wait_one(vmo, zeroChildren, zx.TimeInfinitePast, &o), zx.ErrTimedOut)
	zx.Sys_pmt_unpin(pmt)
	want(t, "ZERO_CHILDREN after the unpin", zx.Sys_object_wait_one(vmo, zeroChildren, zx.TimeInfinitePast, &o), zx.OK)
}

func TestBti_GetInfoTest(t *testing.T) {
	bti := coreBTI(t)
	check := func(what string, pmos, quarantined uint64) {
		t.Helper()
		p, q := btiInfo(t, bti)
		if p != pmos || q != quarantined {
			t.Errorf("%s: pmo_count %d quarantine_count %d, want %d %d", what, p, q, pmos, quarantined)
		}
	}
	check("new", 0, 0)
	var vmo zx.Handle
	must(t, "vmo_create(RESIZABLE)", zx.Sys_vmo_create(page, zx.VMOResizable, &vmo))
	defer zx.Sys_handle_close(vmo)
	_, pmt, st := pin(bti, zx.BtiPermRead, vmo, 0, page, 1)
	must(t, "bti_pin", st)
	check("pinned", 1, 0)
	zx.Sys_handle_close(pmt)
	check("PMT closed while pinned", 1, 1)
	must(t, "bti_release_quarantine", zx.Sys_bti_release_quarantine(bti))
	check("released", 0, 0)
}

// TestBti_NoDelayedUnpin: a pin, unpin and clone loop while another
// thread reads the process's handle information and a third writes a
// VMO chain. The original's reader asks for ZX_INFO_PROCESS_VMOS (not in
// Beryl); this one walks the handle table through
// ZX_INFO_PROCESS_HANDLE_STATS, the same kind of walk. 50 rounds instead
// of 20000: the suite runs under TCG.
func TestBti_NoDelayedUnpin(t *testing.T) {
	const pages = 4
	bti := coreBTI(t)
	vmo := newVMO(t, pages*page)
	var running atomic.Bool
	running.Store(true)
	var wg sync.WaitGroup
	wg.Add(2)
	big := newVMO(t, 16*page)
	clones := make([]zx.Handle, 16)
	must(t, "vmo_create_child", zx.Sys_vmo_create_child(big, zx.VMOChildSnapshotAtLeastOnWrite, 0, 16*page, &clones[0]))
	for i := 1; i < len(clones); i++ {
		must(t, "vmo_create_child", zx.Sys_vmo_create_child(clones[(i*5+3)%i], zx.VMOChildSnapshotAtLeastOnWrite, 0, 16*page, &clones[i]))
	}
	defer func() {
		for _, c := range clones {
			zx.Sys_handle_close(c)
		}
	}()
	go func() {
		defer wg.Done()
		buf := make([]byte, 16*page)
		for running.Load() {
			zx.Sys_vmo_write(big, unsafe.Pointer(&buf[0]), 0, uint(len(buf)))
		}
	}()
	go func() {
		defer wg.Done()
		var stats [64 * 4]byte
		self := zx.ProcessSelf().Handle
		for running.Load() {
			zx.Sys_object_get_info(self, zx.ObjectInfoProcessHandleStats, unsafe.Pointer(&stats[0]), uint(len(stats)), nil, nil)
		}
	}()
	defer func() { running.Store(false); wg.Wait() }()
	for i := 0; i < 50; i++ {
		_, pmt, st := pin(bti, zx.BtiPermRead, vmo, 0, pages*page, pages)
		must(t, "bti_pin", st)
		must(t, "pmt_unpin", zx.Sys_pmt_unpin(pmt))
		var clone zx.Handle
		must(t, "vmo_create_child after the unpin", zx.Sys_vmo_create_child(vmo, zx.VMOChildSnapshotAtLeastOnWrite, 0, pages*page, &clone))
		zx.Sys_handle_close(clone)
	}
}

// TestBti_DecommitRace: pins and unpins while another thread decommits
// the VMO; every pin succeeds (the pin commits what it pins). 300 rounds
// instead of 20000 (TCG).
func TestBti_DecommitRace(t *testing.T) {
	const pages = 64
	bti := coreBTI(t)
	vmo := newVMO(t, pages*page)
	var running, once atomic.Bool
	running.Store(true)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for running.Load() {
			zx.Sys_vmo_op_range(vmo, zx.VMOOpDecommit, 0, pages*page, nil, 0)
			once.Store(true)
		}
	}()
	defer func() { running.Store(false); <-done }()
	for !once.Load() {
		zx.Sys_nanosleep(0)
	}
	for i := 0; i < 300; i++ {
		_, pmt, st := pin(bti, zx.BtiPermRead, vmo, 0, pages*page, pages)
		must(t, "bti_pin", st)
		must(t, "pmt_unpin", zx.Sys_pmt_unpin(pmt))
	}
}

// The VMO core-tests that pin pages or use device VMOs (vmo/vmo-clone2.cc).

func TestVmoClone2TestCase_PinBeforeCreateFailure(t *testing.T) {
	bti := coreBTI(t)
	vmo := newVMO(t, page)
	_, pmt, st := pin(bti, zx.BtiPermRead, vmo, 0, page, 1)
	must(t, "bti_pin", st)
	var clone zx.Handle
	want(t, "clone while pinned", zx.Sys_vmo_create_child(vmo, zx.VMOChildSnapshotAtLeastOnWrite, 0, page, &clone), zx.ErrBadState)
	must(t, "pmt_unpin", zx.Sys_pmt_unpin(pmt))
	must(t, "clone after the unpin", zx.Sys_vmo_create_child(vmo, zx.VMOChildSnapshotAtLeastOnWrite, 0, page, &clone))
	zx.Sys_handle_close(clone)
}

func vmoWord(t *testing.T, v zx.Handle, off uint64) uint32 {
	t.Helper()
	var b [4]byte
	must(t, "vmo_read", zx.Sys_vmo_read(v, unsafe.Pointer(&b[0]), off, 4))
	return binary.LittleEndian.Uint32(b[:])
}

// TestVmoClone2TestCase_PinClonePages: pinning a parent and its
// copy-on-write clone gives each pages of its own, with the data kept.
func TestVmoClone2TestCase_PinClonePages(t *testing.T) {
	const pages = 4
	const pattern = 0x73570f00
	bti := coreBTI(t)
	vmo := newVMO(t, pages*page)
	for i := uint64(0); i < pages; i++ {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], uint32(pattern+i))
		must(t, "vmo_write", zx.Sys_vmo_write(vmo, unsafe.Pointer(&b[0]), i*page, 4))
	}
	var clone zx.Handle
	must(t, "vmo_create_child", zx.Sys_vmo_create_child(vmo, zx.VMOChildSnapshotAtLeastOnWrite, 0, pages*page, &clone))
	defer zx.Sys_handle_close(clone)
	pa, ppmt, st := pin(bti, zx.BtiPermRead, vmo, 0, pages*page, pages)
	must(t, "pin the parent", st)
	defer zx.Sys_pmt_unpin(ppmt)
	ca, cpmt, st := pin(bti, zx.BtiPermRead, clone, 0, pages*page, pages)
	must(t, "pin the clone", st)
	defer zx.Sys_pmt_unpin(cpmt)
	for _, p := range pa {
		for _, c := range ca {
			if p == c {
				t.Errorf("parent and clone share the pinned page %#x", p)
			}
		}
	}
	for i := uint64(0); i < pages; i++ {
		if w := vmoWord(t, vmo, i*page); w != uint32(pattern+i) {
			t.Errorf("parent page %d: %#x", i, w)
		}
		if w := vmoWord(t, clone, i*page); w != uint32(pattern+i) {
			t.Errorf("clone page %d: %#x", i, w)
		}
	}
}

// TestVmoClone2TestCase_NoPhysical: no copy-on-write clone of a
// physical VMO (the original's test VMO: a page the root resource
// grants; here unused physical address space QEMU leaves free).
func TestVmoClone2TestCase_NoPhysical(t *testing.T) {
	var phys, clone zx.Handle
	must(t, "vmo_create_physical", zx.Sys_vmo_create_physical(root(t), 0xd000_0000, page, &phys))
	defer zx.Sys_handle_close(phys)
	want(t, "clone of a physical VMO", zx.Sys_vmo_create_child(phys, zx.VMOChildSnapshotAtLeastOnWrite, 0, page, &clone), zx.ErrNotSupported)
}

// TestVmoClone2TestCase_Uncached: no copy-on-write clone of uncached
// memory, and the data stays.
func TestVmoClone2TestCase_Uncached(t *testing.T) {
	vmo := newVMO(t, page)
	must(t, "set_cache_policy(UNCACHED)", zx.Sys_vmo_set_cache_policy(vmo, zx.CachePolicyUncached))
	var addr zx.Vaddr
	root := zx.VmarRootSelf().Handle
	must(t, "vmar_map", zx.Sys_vmar_map(root, zx.VMPermRead|zx.VMPermWrite, 0, vmo, 0, page, &addr))
	defer zx.Sys_vmar_unmap(root, addr, page)
	p := (*uint32)(ptr(uintptr(addr)))
	*p = 0xdeadbeef
	var clone zx.Handle
	want(t, "clone of uncached memory", zx.Sys_vmo_create_child(vmo, zx.VMOChildSnapshotAtLeastOnWrite, 0, page, &clone), zx.ErrBadState)
	if *p != 0xdeadbeef {
		t.Errorf("data %#x", *p)
	}
}
