package pager

import (
	"sync/atomic"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: Pager (pager/pager.cc in utest/core). VMO_VMAR_TEST
// cases come in two: _vmar reads through the mapping (page faults),
// _vmo with vmo_read.

const inf = zx.TimeInfinite

func noMore(t *testing.T, up *userPager, v *pvmo) {
	t.Helper()
	if off, n, ok := up.getPageReadRequest(v, 0); ok {
		t.Errorf("unexpected request (%d, %d)", off, n)
	}
}

func assert(t *testing.T, ok bool, what string) {
	t.Helper()
	if !ok {
		t.Fatal(what)
	}
}

func singlePage(t *testing.T, vmar bool) {
	up := newPager(t)
	v := up.createVmo(1)
	th := newThread(func() bool { return checkBuffer(v, 0, 1, vmar) })
	th.start(t)
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
	assert(t, up.supply(v, 0, 1, 0), "supply")
	assert(t, th.wait(), "thread failed")
}

func TestPager_SinglePageTest_vmar(t *testing.T) { singlePage(t, true) }
func TestPager_SinglePageTest_vmo(t *testing.T)  { singlePage(t, false) }

func uncommittedSinglePage(t *testing.T, vmar bool) {
	up := newPager(t)
	v := up.createVmo(1)
	zero := make([]byte, pg)
	th := newThread(func() bool { return checkBufferData(v, 0, 1, zero, vmar) })
	th.start(t)
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
	var empty zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &empty))
	defer zx.Sys_handle_close(empty)
	assert(t, up.supplyFrom(v, 0, 1, empty, 0), "supply")
	assert(t, th.wait(), "thread failed")
}

func TestPager_UncommittedSinglePageTest_vmar(t *testing.T) { uncommittedSinglePage(t, true) }
func TestPager_UncommittedSinglePageTest_vmo(t *testing.T)  { uncommittedSinglePage(t, false) }

func presupply(t *testing.T, vmar bool) {
	up := newPager(t)
	v := up.createVmo(1)
	assert(t, up.supply(v, 0, 1, 0), "supply")
	th := newThread(func() bool { return checkBuffer(v, 0, 1, vmar) })
	th.start(t)
	assert(t, th.wait(), "thread failed")
	assert(t, !up.waitForPageRead(v, 0, 1, 0), "request for a supplied page")
}

func TestPager_PresupplyTest_vmar(t *testing.T) { presupply(t, true) }
func TestPager_PresupplyTest_vmo(t *testing.T)  { presupply(t, false) }

func earlySupply(t *testing.T, vmar bool) {
	up := newPager(t)
	v := up.createVmo(2)
	t1 := newThread(func() bool { return checkBuffer(v, 0, 1, vmar) })
	t2 := newThread(func() bool { return checkBuffer(v, 1, 1, vmar) })
	t1.start(t)
	assert(t, t1.waitForBlocked(), "t1 not blocked")
	assert(t, up.supply(v, 0, 1, 0), "supply 0")
	assert(t, t1.wait(), "t1 failed")
	t2.start(t)
	assert(t, t2.waitForBlocked(), "t2 not blocked")
	assert(t, up.waitForPageRead(v, 1, 1, inf), "no request for page 1")
	assert(t, up.supply(v, 1, 1, 0), "supply 1")
	assert(t, t2.wait(), "t2 failed")
	assert(t, !up.waitForPageRead(v, 0, 1, 0), "the early-supplied request stayed on the port")
}

func TestPager_EarlySupplyTest_vmar(t *testing.T) { earlySupply(t, true) }
func TestPager_EarlySupplyTest_vmo(t *testing.T)  { earlySupply(t, false) }

func sequentialMultipage(t *testing.T, vmar bool) {
	const n = 32
	up := newPager(t)
	v := up.createVmo(n)
	th := newThread(func() bool { return checkBuffer(v, 0, n, vmar) })
	th.start(t)
	for i := uint64(0); i < n; i++ {
		assert(t, up.waitForPageRead(v, i, 1, inf), "no request")
		assert(t, up.supply(v, i, 1, 0), "supply")
	}
	assert(t, th.wait(), "thread failed")
}

func TestPager_SequentialMultipageTest_vmar(t *testing.T) { sequentialMultipage(t, true) }
func TestPager_SequentialMultipageTest_vmo(t *testing.T)  { sequentialMultipage(t, false) }

func concurrentMultipage(t *testing.T, vmar bool) {
	up := newPager(t)
	v := up.createVmo(2)
	t1 := newThread(func() bool { return checkBuffer(v, 0, 1, vmar) })
	t2 := newThread(func() bool { return checkBuffer(v, 1, 1, vmar) })
	t1.start(t)
	t2.start(t)
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request for 0")
	assert(t, up.waitForPageRead(v, 1, 1, inf), "no request for 1")
	assert(t, up.supply(v, 0, 2, 0), "supply")
	assert(t, t1.wait() && t2.wait(), "thread failed")
}

func TestPager_ConcurrentMultipageAccessTest_vmar(t *testing.T) { concurrentMultipage(t, true) }
func TestPager_ConcurrentMultipageAccessTest_vmo(t *testing.T)  { concurrentMultipage(t, false) }

func concurrentOverlapping(t *testing.T, vmar bool) {
	const n = 32
	up := newPager(t)
	v := up.createVmo(1)
	var ts []*testThread
	for range n {
		th := newThread(func() bool { return checkBuffer(v, 0, 1, vmar) })
		th.start(t)
		assert(t, th.waitForBlocked(), "not blocked")
		ts = append(ts, th)
	}
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
	assert(t, up.supply(v, 0, 1, 0), "supply")
	for _, th := range ts {
		assert(t, th.wait(), "thread failed")
	}
	assert(t, !up.waitForPageRead(v, 0, 1, 0), "a second request")
}

func TestPager_ConcurrentOverlappingAccessTest_vmar(t *testing.T) { concurrentOverlapping(t, true) }
func TestPager_ConcurrentOverlappingAccessTest_vmo(t *testing.T)  { concurrentOverlapping(t, false) }

func bulkSingleSupply(t *testing.T, vmar bool) {
	const n = 8
	up := newPager(t)
	v := up.createVmo(n)
	var ts []*testThread
	for i := uint64(0); i < n; i++ {
		th := newThread(func() bool { return checkBuffer(v, i, 1, vmar) })
		th.start(t)
		assert(t, up.waitForPageRead(v, i, 1, inf), "no request")
		ts = append(ts, th)
	}
	assert(t, up.supply(v, 0, n, 0), "supply")
	for _, th := range ts {
		assert(t, th.wait(), "thread failed")
	}
}

func TestPager_BulkSingleSupplyTest_vmar(t *testing.T) { bulkSingleSupply(t, true) }
func TestPager_BulkSingleSupplyTest_vmo(t *testing.T)  { bulkSingleSupply(t, false) }

func bulkOddSupply(t *testing.T, vmar, srcOffset bool) {
	lens := []uint64{2, 3, 5, 7, 37, 5, 13, 23}
	var sum uint64
	for _, l := range lens {
		sum += l
	}
	up := newPager(t)
	v := up.createVmo(sum)
	idx := uint64(0)
	for _, l := range lens {
		var ts []*testThread
		for j := uint64(0); j < l; j++ {
			off := idx + j
			th := newThread(func() bool { return checkBuffer(v, off, 1, vmar) })
			th.start(t)
			assert(t, up.waitForPageRead(v, off, 1, inf), "no request")
			ts = append(ts, th)
		}
		src := uint64(0)
		if srcOffset {
			src = idx
		}
		assert(t, up.supply(v, idx, l, src), "supply")
		for _, th := range ts {
			assert(t, th.wait(), "thread failed")
		}
		idx += l
	}
}

func TestPager_BulkOddLengthSupplyTest_vmar(t *testing.T) { bulkOddSupply(t, true, false) }
func TestPager_BulkOddLengthSupplyTest_vmo(t *testing.T)  { bulkOddSupply(t, false, false) }
func TestPager_BulkOddOffsetSupplyTest_vmar(t *testing.T) { bulkOddSupply(t, true, true) }
func TestPager_BulkOddOffsetSupplyTest_vmo(t *testing.T)  { bulkOddSupply(t, false, true) }

func overlapSupply(t *testing.T, vmar bool) {
	up := newPager(t)
	v := up.createVmo(2)
	alt := v.contents(2, 1) // another page's content
	var aux zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &aux))
	defer zx.Sys_handle_close(aux)
	must(t, "vmo_write", zx.Sys_vmo_write(aux, unsafe.Pointer(&alt[0]), 0, pg))
	assert(t, up.supplyFrom(v, 0, 1, aux, 0), "supply alt")
	assert(t, up.supply(v, 1, 1, 0), "supply")
	th := newThread(func() bool { return checkBufferData(v, 0, 1, alt, vmar) && checkBuffer(v, 1, 1, vmar) })
	th.start(t)
	assert(t, th.wait(), "thread failed")
	assert(t, !up.waitForPageRead(v, 0, 1, 0), "unexpected request")
}

func TestPager_OverlapSupplyTest_vmar(t *testing.T) { overlapSupply(t, true) }
func TestPager_OverlapSupplyTest_vmo(t *testing.T)  { overlapSupply(t, false) }

func manyRequest(t *testing.T, vmar bool) {
	const n = 257
	up := newPager(t)
	v := up.createVmo(n)
	var ts []*testThread
	for i := uint64(0); i < n; i++ {
		th := newThread(func() bool { return checkBuffer(v, i, 1, vmar) })
		th.start(t)
		assert(t, th.waitForBlocked(), "not blocked")
		ts = append(ts, th)
	}
	for i := uint64(0); i < n; i++ {
		assert(t, up.waitForPageRead(v, i, 1, inf), "no request")
		assert(t, up.supply(v, i, 1, 0), "supply")
		assert(t, ts[i].wait(), "thread failed")
	}
}

func TestPager_ManyRequestTest_vmar(t *testing.T) { manyRequest(t, true) }
func TestPager_ManyRequestTest_vmo(t *testing.T)  { manyRequest(t, false) }

func TestPager_SuccessiveVmoTest(t *testing.T) {
	up := newPager(t)
	for range 64 {
		v := up.createVmo(1)
		th := newThread(func() bool { return checkBuffer(v, 0, 1, true) })
		th.start(t)
		assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
		assert(t, up.supply(v, 0, 1, 0), "supply")
		assert(t, th.wait(), "thread failed")
		v.release()
	}
}

func TestPager_MultipleConcurrentVmoTest(t *testing.T) {
	const n = 8
	up := newPager(t)
	var vs []*pvmo
	var ts []*testThread
	for range n {
		v := up.createVmo(1)
		th := newThread(func() bool { return checkBuffer(v, 0, 1, true) })
		th.start(t)
		assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
		vs, ts = append(vs, v), append(ts, th)
	}
	for i := range n {
		assert(t, up.supply(vs[i], 0, 1, 0), "supply")
		assert(t, ts[i].wait(), "thread failed")
	}
}

func TestPager_VmarUnmapTest(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	base := v.base
	th := newThread(func() bool { return checkBuffer(v, 0, 1, true) })
	th.start(t)
	assert(t, th.waitForBlocked(), "not blocked")
	must(t, "vmar_unmap", zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, zx.Vaddr(base), pg))
	v.base = 0
	assert(t, up.supply(v, 0, 1, 0), "supply")
	assert(t, th.waitForCrash(base), "no crash at the unmapped address")
}

func TestPager_VmarRemapTest(t *testing.T) {
	const n = 8
	up := newPager(t)
	v := up.createVmo(n)
	var ts []*testThread
	for i := uint64(0); i < n; i++ {
		th := newThread(func() bool { return checkBuffer(v, i, 1, true) })
		th.start(t)
		ts = append(ts, th)
	}
	for _, th := range ts {
		assert(t, th.waitForBlocked(), "not blocked")
	}
	// ReplaceVmo: a new pager VMO with the same key mapped over the old
	// one's range.
	old := v.h
	must(t, "pager_create_vmo", zx.Sys_pager_create_vmo(up.pager, 0, up.port, v.key, n*pg, &v.h))
	var a zx.Vaddr
	off := uint(v.base) - uint(vmarBase(t))
	must(t, "vmar_map", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead|zx.VMPermWrite|zx.VMSpecificOverwrite, off, v.h, 0, n*pg, &a))
	assert(t, uintptr(a) == v.base, "remapped elsewhere")
	var tmp zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(n*pg, 0, &tmp))
	defer zx.Sys_handle_close(tmp)
	must(t, "commit", zx.Sys_vmo_op_range(tmp, zx.VMOOpCommit, 0, n*pg, nil, 0))
	must(t, "supply old", zx.Sys_pager_supply_pages(up.pager, old, 0, n*pg, tmp, 0))
	zx.Sys_handle_close(old)
	for range n {
		off, l, ok := up.getPageReadRequest(v, inf)
		assert(t, ok && l == 1, "no single-page request")
		assert(t, up.supply(v, off, 1, 0), "supply")
		assert(t, ts[off].wait(), "thread failed")
	}
}

// vmarBase is the root VMAR's base address.
func vmarBase(t *testing.T) uintptr {
	t.Helper()
	var info [16]byte
	var actual, avail uint
	must(t, "ZX_INFO_VMAR", zx.Sys_object_get_info(zx.VmarRootSelf().Handle, zx.ObjectInfoVMAR, unsafe.Pointer(&info[0]), 16, &actual, &avail))
	return uintptr(*(*uint64)(unsafe.Pointer(&info[0])))
}

func TestPager_VmarMapRangeTest(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(2)
	assert(t, up.supply(v, 0, 1, 0), "supply")
	var a zx.Vaddr
	th := newThread(func() bool {
		return zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead|zx.VMMapRange, 0, v.h, 0, 2*pg, &a) == zx.OK
	})
	th.start(t)
	assert(t, th.wait(), "map failed")
	defer zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, a, 2*pg)
	noMore(t, up, v)
	want := v.contents(0, 2)
	t2 := newThread(func() bool {
		got := unsafe.Slice((*byte)(ptr(uintptr(a))), 2*pg)
		return string(got) == string(want)
	})
	t2.start(t)
	assert(t, up.waitForPageRead(v, 1, 1, inf), "no request for page 1")
	assert(t, up.supply(v, 1, 1, 0), "supply")
	assert(t, t2.wait(), "thread failed")
	noMore(t, up, v)
}

func readResize(t *testing.T, vmar bool) {
	up := newPager(t)
	v := up.createVmoOpts(1, zx.VMOResizable)
	th := newThread(func() bool { return checkBuffer(v, 0, 1, vmar) })
	th.start(t)
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
	assert(t, v.resize(0), "resize")
	if vmar {
		assert(t, th.waitForCrash(v.base), "no crash")
	} else {
		assert(t, th.waitForFailure(), "read did not fail")
	}
}

func TestPager_ReadResizeTest_vmar(t *testing.T) { readResize(t, true) }
func TestPager_ReadResizeTest_vmo(t *testing.T)  { readResize(t, false) }

func TestPager_VmoInfoPagerTest(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	if f := vmoInfo(t, v.h).Flags; f&infoVMOPagerBacked == 0 {
		t.Errorf("flags %#x without ZX_INFO_VMO_PAGER_BACKED", f)
	}
	var plain zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &plain))
	defer zx.Sys_handle_close(plain)
	if f := vmoInfo(t, plain).Flags; f&infoVMOPagerBacked != 0 {
		t.Errorf("plain VMO flags %#x", f)
	}
}

func TestPager_DetachPageCompleteTest(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	assert(t, up.detach(v), "detach")
	assert(t, up.waitForPageComplete(v.key, inf), "no COMPLETE")
}

func TestPager_ClosePageCompleteTest(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	key := v.key
	v.release()
	assert(t, up.waitForPageComplete(key, inf), "no COMPLETE")
}

func readInterrupt(t *testing.T, vmar, detach, late bool) {
	up := newPager(t)
	v := up.createVmo(1)
	th := newThread(func() bool { return checkBuffer(v, 0, 1, vmar) })
	th.start(t)
	if late {
		assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
	} else {
		assert(t, th.waitForBlocked(), "not blocked")
	}
	if detach {
		assert(t, up.detach(v), "detach")
	} else {
		up.closePager()
	}
	if vmar {
		assert(t, th.waitForCrash(v.base), "no crash")
	} else {
		assert(t, th.waitForFailure(), "read did not fail")
	}
	if detach {
		assert(t, up.waitForPageComplete(v.key, inf), "no COMPLETE")
	}
}

func TestPager_ReadCloseInterruptLateTest_vmar(t *testing.T)   { readInterrupt(t, true, false, true) }
func TestPager_ReadCloseInterruptLateTest_vmo(t *testing.T)    { readInterrupt(t, false, false, true) }
func TestPager_ReadDetachInterruptLateTest_vmar(t *testing.T)  { readInterrupt(t, true, true, true) }
func TestPager_ReadDetachInterruptLateTest_vmo(t *testing.T)   { readInterrupt(t, false, true, true) }
func TestPager_ReadCloseInterruptEarlyTest_vmar(t *testing.T)  { readInterrupt(t, true, false, false) }
func TestPager_ReadCloseInterruptEarlyTest_vmo(t *testing.T)   { readInterrupt(t, false, false, false) }
func TestPager_ReadDetachInterruptEarlyTest_vmar(t *testing.T) { readInterrupt(t, true, true, false) }
func TestPager_ReadDetachInterruptEarlyTest_vmo(t *testing.T)  { readInterrupt(t, false, true, false) }

func TestPager_ClosePagerTest(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(2)
	th := newThread(func() bool { return checkBuffer(v, 0, 1, true) })
	assert(t, up.supply(v, 1, 1, 0), "supply")
	th.start(t)
	assert(t, th.waitForBlocked(), "not blocked")
	up.closePager()
	assert(t, th.waitForCrash(v.base), "no crash")
	assert(t, checkBuffer(v, 1, 1, true), "a supplied page went with the pager")
}

func TestPager_DetachClosePagerTest(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	assert(t, up.detach(v), "detach")
	up.closePager()
}

func TestPager_ClosePortTest(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(2)
	th := newThread(func() bool { return checkBuffer(v, 0, 1, true) })
	th.start(t)
	assert(t, th.waitForBlocked(), "not blocked")
	zx.Sys_handle_close(up.port)
	up.port = 0
	assert(t, up.supply(v, 1, 1, 0), "supply")
	assert(t, checkBuffer(v, 1, 1, true), "supplied page")
	assert(t, up.detach(v), "detach")
	assert(t, th.waitForCrash(v.base), "no crash")
}

// clone is the original's Vmo::Clone: a SNAPSHOT_AT_LEAST_ON_WRITE child
// of the whole VMO, mapped; its content is its parent's (same key).
func (v *pvmo) clone(t *testing.T) *pvmo {
	t.Helper()
	c := &pvmo{up: v.up, key: v.key, pages: v.pages}
	must(t, "vmo_create_child", zx.Sys_vmo_create_child(v.h, zx.VMOChildSnapshotAtLeastOnWrite, 0, v.pages*pg, &c.h))
	var a zx.Vaddr
	must(t, "vmar_map", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead|zx.VMPermWrite, 0, c.h, 0, uint(v.pages*pg), &a))
	c.base = uintptr(a)
	t.Cleanup(c.release)
	return c
}

func cloneReadFromClone(t *testing.T, vmar bool) {
	up := newPager(t)
	v := up.createVmo(1)
	c := v.clone(t)
	th := newThread(func() bool { return checkBuffer(c, 0, 1, vmar) })
	th.start(t)
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
	assert(t, up.supply(v, 0, 1, 0), "supply")
	assert(t, th.wait(), "thread failed")
}

func TestPager_CloneReadFromCloneTest_vmar(t *testing.T) { cloneReadFromClone(t, true) }
func TestPager_CloneReadFromCloneTest_vmo(t *testing.T)  { cloneReadFromClone(t, false) }

func cloneReadFromParent(t *testing.T, vmar bool) {
	up := newPager(t)
	v := up.createVmo(1)
	c := v.clone(t)
	th := newThread(func() bool { return checkBuffer(v, 0, 1, vmar) })
	th.start(t)
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
	assert(t, up.supply(v, 0, 1, 0), "supply")
	assert(t, th.wait(), "thread failed")
	t2 := newThread(func() bool { return checkBuffer(c, 0, 1, vmar) })
	t2.start(t)
	assert(t, t2.wait(), "clone thread failed")
	assert(t, !up.waitForPageRead(v, 0, 1, 0), "a second request")
}

func TestPager_CloneReadFromParentTest_vmar(t *testing.T) { cloneReadFromParent(t, true) }
func TestPager_CloneReadFromParentTest_vmo(t *testing.T)  { cloneReadFromParent(t, false) }

func cloneSimultaneous(t *testing.T, vmar, twoClones bool) {
	up := newPager(t)
	v := up.createVmo(1)
	a, b := v.clone(t), v
	if twoClones {
		b = v.clone(t)
	}
	t1 := newThread(func() bool { return checkBuffer(b, 0, 1, vmar) })
	t2 := newThread(func() bool { return checkBuffer(a, 0, 1, vmar) })
	t1.start(t)
	t2.start(t)
	assert(t, t1.waitForBlocked() && t2.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
	assert(t, up.supply(v, 0, 1, 0), "supply")
	assert(t, t1.wait() && t2.wait(), "thread failed")
	assert(t, !up.waitForPageRead(v, 0, 1, 0), "a second request")
}

func TestPager_CloneSimultaneousReadTest_vmar(t *testing.T)      { cloneSimultaneous(t, true, false) }
func TestPager_CloneSimultaneousReadTest_vmo(t *testing.T)       { cloneSimultaneous(t, false, false) }
func TestPager_CloneSimultaneousChildReadTest_vmar(t *testing.T) { cloneSimultaneous(t, true, true) }
func TestPager_CloneSimultaneousChildReadTest_vmo(t *testing.T)  { cloneSimultaneous(t, false, true) }

// firstWord is the first 8 bytes of page 0's generated content.
func firstWord(v *pvmo) uint64 { return *(*uint64)(unsafe.Pointer(&v.contents(0, 1)[0])) }

func cloneWriteToClone(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	c := v.clone(t)
	th := newThread(func() bool {
		*(*uint64)(ptr(c.base)) = 0xdeadbeef
		return true
	})
	th.start(t)
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
	assert(t, up.supply(v, 0, 1, 0), "supply")
	assert(t, th.wait(), "thread failed")
	assert(t, checkBuffer(v, 0, 1, true), "the clone's write reached the parent")
	assert(t, *(*uint64)(ptr(c.base)) == 0xdeadbeef, "the clone lost its write")
	*(*uint64)(ptr(c.base)) = firstWord(c)
	assert(t, checkBuffer(c, 0, 1, true), "clone content")
}

// The original is one VMO_VMAR_TEST whose body only writes through the
// mapping: both variants run it.
func TestPager_CloneWriteToCloneTest_vmar(t *testing.T) { cloneWriteToClone(t) }
func TestPager_CloneWriteToCloneTest_vmo(t *testing.T)  { cloneWriteToClone(t) }

// Detaching the parent makes the clone fault on the pages it only read
// (they were the parent's) and on pages never read, not on pages it
// wrote (forked).
func TestPager_CloneDetachTest(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(3)
	c := v.clone(t)
	t1 := newThread(func() bool { return checkBuffer(c, 1, 1, true) })
	t1.start(t)
	assert(t, up.waitForPageRead(v, 1, 1, inf), "no request for page 1")
	t2 := newThread(func() bool {
		*(*uint64)(ptr(c.base)) = 0xdeadbeef // forks page 0 into the clone
		return true
	})
	t2.start(t)
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request for page 0")
	assert(t, up.supply(v, 0, 2, 0), "supply")
	assert(t, t1.wait(), "reading page 1 failed")
	assert(t, t2.wait(), "writing page 0 failed")

	assert(t, up.detach(v), "detach")
	assert(t, up.waitForPageComplete(v.key, inf), "no COMPLETE")
	zero := make([]byte, pg)
	t3 := newThread(func() bool { return checkBufferData(c, 2, 1, zero, true) })
	t3.start(t)
	assert(t, t3.waitForCrash(c.base+2*pg), "page 2 (never read) did not fault")
	t4 := newThread(func() bool { return checkBufferData(c, 1, 1, zero, true) })
	t4.start(t)
	assert(t, t4.waitForCrash(c.base+pg), "page 1 (read, not forked) did not fault")
	t5 := newThread(func() bool { return *(*uint64)(ptr(c.base)) == 0xdeadbeef })
	t5.start(t)
	assert(t, t5.wait(), "the forked page 0 lost its write")
}

func TestPager_CloneCommitTest(t *testing.T) {
	const n = 32
	up := newPager(t)
	v := up.createVmo(n)
	c := v.clone(t)
	th := newThread(func() bool { return c.commit(0, n) })
	th.start(t)
	assert(t, up.waitForPageRead(v, 0, n, inf), "no request")
	assert(t, up.supply(v, 0, n, 0), "supply")
	assert(t, th.wait(), "commit failed")
	if got := vmoInfo(t, c.h).CommittedBytes; got != n*pg {
		t.Errorf("clone committed %d bytes, want %d", got, n*pg)
	}
}

func TestPager_CloneSplitCommitTest(t *testing.T) {
	const n = 4
	up := newPager(t)
	v := up.createVmo(n)
	c := v.clone(t)
	th := newThread(func() bool { return c.commit(0, n) })
	assert(t, up.supply(v, 1, 2, 0), "supply")
	assert(t, checkBuffer(c, 1, 1, true), "clone page 1")
	th.start(t)
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request for page 0")
	assert(t, up.supply(v, 0, 1, 0), "supply")
	assert(t, up.waitForPageRead(v, n-1, 1, inf), "no request for the last page")
	assert(t, up.supply(v, n-1, 1, 0), "supply")
	assert(t, th.wait(), "commit failed")
	if got := vmoInfo(t, c.h).CommittedBytes; got != n*pg {
		t.Errorf("clone committed %d bytes, want %d", got, n*pg)
	}
}

func TestPager_CloneResizeCloneHazard(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(2)
	assert(t, up.supply(v, 0, 2, 0), "supply")
	var c zx.Handle
	must(t, "vmo_create_child", zx.Sys_vmo_create_child(v.h, zx.VMOChildSnapshotAtLeastOnWrite|zx.VMOChildResizable, 0, 2*pg, &c))
	defer zx.Sys_handle_close(c)
	var a zx.Vaddr
	must(t, "vmar_map", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead|zx.VMPermWrite|zx.VMAllowFaults, 0, c, 0, 2*pg, &a))
	defer zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, a, 2*pg)
	p := uintptr(a) + 4
	if *(*int32)(ptr(p)) != int32(uint32(firstWord(v)>>32)) {
		t.Error("clone does not show the parent's content")
	}
	must(t, "vmo_set_size", zx.Sys_vmo_set_size(c, 0))
	assert(t, !ctest.Probe(p, false), "read probe succeeded past the clone's end")
	assert(t, !ctest.Probe(p, true), "write probe succeeded past the clone's end")
}

func TestPager_CloneResizeParentOK(t *testing.T) {
	up := newPager(t)
	v := up.createVmoOpts(2, zx.VMOResizable)
	assert(t, up.supply(v, 0, 2, 0), "supply")
	var c zx.Handle
	must(t, "vmo_create_child", zx.Sys_vmo_create_child(v.h, zx.VMOChildSnapshotAtLeastOnWrite, 0, 2*pg, &c))
	defer zx.Sys_handle_close(c)
	var a zx.Vaddr
	must(t, "vmar_map", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead|zx.VMPermWrite, 0, c, 0, 2*pg, &a))
	defer zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, a, 2*pg)
	p := uintptr(a) + 4
	_ = *(*int32)(ptr(p))
	assert(t, v.resize(0), "resize parent")
	assert(t, ctest.Probe(p, false), "read probe failed")
	assert(t, ctest.Probe(p, true), "write probe failed")
}

// Pages exposed by growing the parent after shrinking it are not visible
// to the clone; before the shrink, the clone sees the parent's writes.
func TestPager_CloneShrinkGrowParent(t *testing.T) {
	for _, cfg := range []struct{ vmoPages, cloneOff, clonePages, testOff uint64 }{
		{1, 0, 1, 0}, // aligned, truncate to the parent offset
		{2, 1, 1, 0}, // offset, truncate to before the parent offset
		{3, 1, 2, 1}, // offset, truncate to partway through the clone
	} {
		up := newPager(t)
		v := up.createVmoOpts(cfg.vmoPages, zx.VMOResizable)
		supplyCommitted := func() {
			var aux zx.Handle
			must(t, "vmo_create", zx.Sys_vmo_create(cfg.vmoPages*pg, 0, &aux))
			defer zx.Sys_handle_close(aux)
			must(t, "commit aux", zx.Sys_vmo_op_range(aux, zx.VMOOpCommit, 0, cfg.vmoPages*pg, nil, 0))
			assert(t, up.supplyFrom(v, 0, cfg.vmoPages, aux, 0), "supply")
		}
		supplyCommitted()
		var c zx.Handle
		must(t, "vmo_create_child", zx.Sys_vmo_create_child(v.h, zx.VMOChildSnapshotAtLeastOnWrite, cfg.cloneOff*pg, cfg.vmoPages*pg, &c))
		var a zx.Vaddr
		must(t, "vmar_map", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead, 0, c, 0, uint(cfg.clonePages*pg), &a))
		p := (*int32)(ptr(uintptr(a) + uintptr(cfg.testOff*pg)))
		at := (cfg.cloneOff + cfg.testOff) * pg
		write := func(val uint32) {
			must(t, "vmo_write", zx.Sys_vmo_write(v.h, unsafe.Pointer(&val), at, 4))
		}
		if got := atomic.LoadInt32(p); got != 0 {
			t.Errorf("%+v: clone reads %d, want 0", cfg, got)
		}
		write(1)
		if got := atomic.LoadInt32(p); got != 1 {
			t.Errorf("%+v: clone reads %d after the parent's write, want 1", cfg, got)
		}
		assert(t, v.resize(0), "shrink the parent")
		if got := atomic.LoadInt32(p); got != 0 {
			t.Errorf("%+v: clone reads %d after the parent's shrink, want 0", cfg, got)
		}
		assert(t, v.resize(cfg.vmoPages), "grow the parent")
		supplyCommitted()
		write(2)
		if got := atomic.LoadInt32(p); got != 0 {
			t.Errorf("%+v: clone reads %d after the parent grew, want 0", cfg, got)
		}
		must(t, "vmar_unmap", zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, a, uint(cfg.clonePages*pg)))
		zx.Sys_handle_close(c)
	}
}

func TestPager_DecommitTest(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	want(t, "decommit", zx.Sys_vmo_op_range(v.h, zx.VMOOpDecommit, 0, pg, nil, 0), zx.ErrNotSupported)
	var c zx.Handle
	must(t, "vmo_create_child", zx.Sys_vmo_create_child(v.h, zx.VMOChildSnapshotAtLeastOnWrite, 0, pg, &c))
	defer zx.Sys_handle_close(c)
	want(t, "decommit of the clone", zx.Sys_vmo_op_range(c, zx.VMOOpDecommit, 0, pg, nil, 0), zx.ErrNotSupported)
}

func TestPager_SimpleCommitTest(t *testing.T) {
	const n = 555
	up := newPager(t)
	v := up.createVmo(n)
	th := newThread(func() bool { return v.commit(0, n) })
	th.start(t)
	assert(t, up.waitForPageRead(v, 0, n, inf), "no request")
	assert(t, up.supply(v, 0, n, 0), "supply")
	assert(t, th.wait(), "commit failed")
}

func TestPager_SplitCommitTest(t *testing.T) {
	const n = 33
	up := newPager(t)
	v := up.createVmo(n)
	assert(t, up.supply(v, n/2, 1, 0), "supply middle")
	th := newThread(func() bool { return v.commit(0, n) })
	th.start(t)
	assert(t, up.waitForPageRead(v, 0, n/2, inf), "no first request")
	assert(t, up.supply(v, 0, n/2, 0), "supply")
	assert(t, up.waitForPageRead(v, n/2+1, n/2, inf), "no second request")
	assert(t, up.supply(v, n/2+1, n/2, 0), "supply")
	assert(t, th.wait(), "commit failed")
}

func TestPager_OverlapCommitTest(t *testing.T) {
	const n = 32
	up := newPager(t)
	v := up.createVmo(n)
	t1 := newThread(func() bool { return v.commit(n/4, n/2) })
	t2 := newThread(func() bool { return v.commit(0, n) })
	t1.start(t)
	assert(t, up.waitForPageRead(v, n/4, n/2, inf), "no t1 request")
	t2.start(t)
	assert(t, up.waitForPageRead(v, 0, n/4, inf), "no t2 request")
	assert(t, up.supply(v, 0, 3*n/4, 0), "supply")
	assert(t, up.waitForPageRead(v, 3*n/4, n/4, inf), "no last request")
	assert(t, up.supply(v, 3*n/4, n/4, 0), "supply")
	assert(t, t1.wait() && t2.wait(), "commit failed")
}

func TestPager_OverlapCommitSupplyTest(t *testing.T) {
	const supplyLen, lenA, lenB = 3, 7, 5
	const n = lenA * lenB * supplyLen
	up := newPager(t)
	v := up.createVmo(n)
	var ts []*testThread
	for i := uint64(0); i < n/lenA; i++ {
		th := newThread(func() bool { return v.commit(i*lenA, lenA) })
		th.start(t)
		assert(t, up.waitForPageRead(v, i*lenA, lenA, inf), "no request")
		ts = append(ts, th)
	}
	for i := uint64(0); i < n/lenB; i++ {
		th := newThread(func() bool { return v.commit(i*lenB, lenB) })
		th.start(t)
		assert(t, th.waitForBlocked(), "not blocked")
		ts = append(ts, th)
	}
	for i := uint64(0); i < n/supplyLen; i++ {
		assert(t, up.supply(v, i*supplyLen, supplyLen, 0), "supply")
	}
	for _, th := range ts {
		assert(t, th.wait(), "commit failed")
	}
}

func TestPager_MultisupplyCommitTest(t *testing.T) {
	const n = 32
	up := newPager(t)
	v := up.createVmo(n)
	th := newThread(func() bool { return v.commit(0, n) })
	th.start(t)
	assert(t, up.waitForPageRead(v, 0, n, inf), "no request")
	for i := uint64(0); i < n; i++ {
		assert(t, up.supply(v, i, 1, 0), "supply")
	}
	assert(t, th.wait(), "commit failed")
}

func TestPager_MulticommitSupplyTest(t *testing.T) {
	const commits, supplies = 5, 7
	up := newPager(t)
	v := up.createVmo(commits * supplies)
	var ts []*testThread
	for i := uint64(0); i < commits; i++ {
		th := newThread(func() bool { return v.commit(i*supplies, supplies) })
		th.start(t)
		assert(t, up.waitForPageRead(v, i*supplies, supplies, inf), "no request")
		ts = append(ts, th)
	}
	for i := uint64(0); i < supplies; i++ {
		assert(t, up.supply(v, commits*i, commits, 0), "supply")
	}
	for _, th := range ts {
		assert(t, th.wait(), "commit failed")
	}
}

func TestPager_CommitRedundantSupplyTest(t *testing.T) {
	const n = 8
	up := newPager(t)
	v := up.createVmo(n)
	th := newThread(func() bool { return v.commit(0, n) })
	th.start(t)
	assert(t, up.waitForPageRead(v, 0, n, inf), "no request")
	for i := uint64(1); i <= n; i++ {
		assert(t, up.supply(v, 0, i, 0), "supply")
	}
	assert(t, th.wait(), "commit failed")
}

func TestPager_ResizeCommitTest(t *testing.T) {
	up := newPager(t)
	v := up.createVmoOpts(3, zx.VMOResizable)
	th := newThread(func() bool { return v.commit(0, 3) })
	th.start(t)
	assert(t, up.waitForPageRead(v, 0, 3, inf), "no request")
	assert(t, up.supply(v, 2, 1, 0), "supply 2")
	assert(t, v.resize(1), "resize")
	assert(t, th.waitForBlocked(), "commit no longer blocked")
	assert(t, up.supply(v, 0, 1, 0), "supply 0")
	assert(t, th.wait(), "commit failed")
	noMore(t, up, v)
}

func TestPager_SuspendReadTest_vmar(t *testing.T) { suspendRead(t, true) }
func TestPager_SuspendReadTest_vmo(t *testing.T)  { suspendRead(t, false) }

func suspendRead(t *testing.T, vmar bool) {
	up := newPager(t)
	v := up.createVmo(1)
	th := newThread(func() bool { return checkBuffer(v, 0, 1, vmar) })
	th.start(t)
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
	th.suspendSync(t)
	th.resume()
	assert(t, th.waitForBlocked(), "not blocked after the resume")
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request after the resume")
	assert(t, up.supply(v, 0, 1, 0), "supply")
	assert(t, th.wait(), "read failed")
}

func TestPager_SuspendCommitTest(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	th := newThread(func() bool { return v.commit(0, 1) })
	th.start(t)
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
	th.suspendSync(t)
	th.resume()
	assert(t, th.waitForBlocked(), "not blocked after the resume")
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request after the resume")
	assert(t, up.supply(v, 0, 1, 0), "supply")
	assert(t, th.wait(), "commit failed")
}

func TestPager_InvalidPagerCreate(t *testing.T) {
	var h zx.Handle
	want(t, "pager_create(1)", zx.Sys_pager_create(1, &h), zx.ErrInvalidArgs)
}

func TestPager_InvalidPagerCreateVmo(t *testing.T) {
	up := newPager(t)
	var h zx.Handle
	want(t, "bad options", zx.Sys_pager_create_vmo(up.pager, ^uint32(0), up.port, 0, pg, &h), zx.ErrInvalidArgs)
	want(t, "invalid pager", zx.Sys_pager_create_vmo(0, 0, up.port, 0, pg, &h), zx.ErrBadHandle)
	want(t, "invalid port", zx.Sys_pager_create_vmo(up.pager, 0, 0, 0, pg, &h), zx.ErrBadHandle)
	ro := ctest.Reduced(t, up.port, zx.DefaultPortRights&^zx.RightWrite)
	want(t, "port without WRITE", zx.Sys_pager_create_vmo(up.pager, 0, ro, 0, pg, &h), zx.ErrAccessDenied)
	want(t, "port as pager", zx.Sys_pager_create_vmo(up.port, 0, up.port, 0, pg, &h), zx.ErrWrongType)
	var tmp zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &tmp))
	defer zx.Sys_handle_close(tmp)
	want(t, "vmo as port", zx.Sys_pager_create_vmo(up.pager, 0, tmp, 0, pg, &h), zx.ErrWrongType)
	bad := (^uint64(0))&^(pg-1) + 1
	want(t, "size", zx.Sys_pager_create_vmo(up.pager, 0, up.port, 0, bad, &h), zx.ErrOutOfRange)
}

func TestPager_InvalidPagerDetachVmo(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	want(t, "invalid pager", zx.Sys_pager_detach_vmo(0, v.h), zx.ErrBadHandle)
	want(t, "invalid vmo", zx.Sys_pager_detach_vmo(up.pager, 0), zx.ErrBadHandle)
	want(t, "vmo as pager", zx.Sys_pager_detach_vmo(v.h, v.h), zx.ErrWrongType)
	want(t, "pager as vmo", zx.Sys_pager_detach_vmo(up.pager, up.pager), zx.ErrWrongType)
	var tmp zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &tmp))
	defer zx.Sys_handle_close(tmp)
	want(t, "plain vmo", zx.Sys_pager_detach_vmo(up.pager, tmp), zx.ErrInvalidArgs)
	up2 := newPager(t)
	want(t, "another pager", zx.Sys_pager_detach_vmo(up2.pager, v.h), zx.ErrInvalidArgs)
}

func TestPager_InvalidPagerSupplyPages(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	var aux zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &aux))
	defer func() { zx.Sys_handle_close(aux) }()
	want(t, "invalid pager", zx.Sys_pager_supply_pages(0, v.h, 0, 0, aux, 0), zx.ErrBadHandle)
	want(t, "invalid vmo", zx.Sys_pager_supply_pages(up.pager, 0, 0, 0, aux, 0), zx.ErrBadHandle)
	want(t, "invalid aux", zx.Sys_pager_supply_pages(up.pager, v.h, 0, 0, 0, 0), zx.ErrBadHandle)
	want(t, "vmo as pager", zx.Sys_pager_supply_pages(v.h, v.h, 0, 0, aux, 0), zx.ErrWrongType)
	want(t, "pager as vmo", zx.Sys_pager_supply_pages(up.pager, up.pager, 0, 0, aux, 0), zx.ErrWrongType)
	want(t, "port as aux", zx.Sys_pager_supply_pages(up.pager, v.h, 0, 0, up.port, 0), zx.ErrWrongType)
	want(t, "plain vmo", zx.Sys_pager_supply_pages(up.pager, aux, 0, 0, aux, 0), zx.ErrInvalidArgs)
	up2 := newPager(t)
	want(t, "another pager", zx.Sys_pager_supply_pages(up2.pager, v.h, 0, 0, 0, 0), zx.ErrInvalidArgs)
	ro := ctest.Reduced(t, v.h, zx.DefaultVMORights&^zx.RightWrite)
	want(t, "aux without WRITE", zx.Sys_pager_supply_pages(up.pager, v.h, 0, 0, ro, 0), zx.ErrAccessDenied)
	wo := ctest.Reduced(t, v.h, zx.DefaultVMORights&^zx.RightRead)
	want(t, "aux without READ", zx.Sys_pager_supply_pages(up.pager, v.h, 0, 0, wo, 0), zx.ErrAccessDenied)
	want(t, "offset", zx.Sys_pager_supply_pages(up.pager, v.h, 1, 0, aux, 0), zx.ErrInvalidArgs)
	want(t, "length", zx.Sys_pager_supply_pages(up.pager, v.h, 0, 1, aux, 0), zx.ErrInvalidArgs)
	want(t, "aux offset", zx.Sys_pager_supply_pages(up.pager, v.h, 0, 0, aux, 1), zx.ErrInvalidArgs)

	// Pages that cannot be taken: a clone, a pager's VMO, a VMO with a
	// child. (Pinned pages: the driver family's bti_pin, below.)
	for i := range 3 {
		var src, alt zx.Handle
		switch i {
		case 0:
			must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &alt))
			must(t, "create_child", zx.Sys_vmo_create_child(alt, zx.VMOChildSnapshot, 0, pg, &src))
		case 1:
			must(t, "pager_create_vmo", zx.Sys_pager_create_vmo(up.pager, 0, up.port, 0, pg, &src))
			must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &alt))
			must(t, "commit", zx.Sys_vmo_op_range(alt, zx.VMOOpCommit, 0, pg, nil, 0))
			must(t, "supply", zx.Sys_pager_supply_pages(up.pager, src, 0, pg, alt, 0))
		case 2:
			must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &src))
			must(t, "create_child", zx.Sys_vmo_create_child(src, zx.VMOChildSnapshot, 0, pg, &alt))
		}
		if i != 1 {
			must(t, "commit", zx.Sys_vmo_op_range(src, zx.VMOOpCommit, 0, pg, nil, 0))
		}
		want(t, "aux that cannot give its pages", zx.Sys_pager_supply_pages(up.pager, v.h, 0, pg, src, 0), zx.ErrBadState)
		zx.Sys_handle_close(src)
		zx.Sys_handle_close(alt)
	}

	must(t, "commit", zx.Sys_vmo_op_range(aux, zx.VMOOpCommit, 0, pg, nil, 0))
	want(t, "vmo range", zx.Sys_pager_supply_pages(up.pager, v.h, pg, pg, aux, 0), zx.ErrOutOfRange)
	zx.Sys_handle_close(aux)
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &aux))
	must(t, "commit", zx.Sys_vmo_op_range(aux, zx.VMOOpCommit, 0, pg, nil, 0))
	want(t, "aux range", zx.Sys_pager_supply_pages(up.pager, v.h, 0, pg, aux, pg), zx.ErrOutOfRange)
}

func TestPager_ResizeNonresizableVmo(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	want(t, "vmo_set_size", zx.Sys_vmo_set_size(v.h, 2*pg), zx.ErrUnavailable)
}

func TestPager_UncommittedSupply(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	var empty zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &empty))
	defer zx.Sys_handle_close(empty)
	must(t, "supply", zx.Sys_pager_supply_pages(up.pager, v.h, 0, pg, empty, 0))
	val := uint32(42)
	must(t, "vmo_read", zx.Sys_vmo_read(v.h, unsafe.Pointer(&val), 0, 4))
	if val != 0 {
		t.Errorf("read %d, want 0", val)
	}
}

func TestPager_InvalidPagerOpRange(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	op := zx.PagerOpFail
	want(t, "invalid pager", zx.Sys_pager_op_range(0, op, v.h, 0, 0, 0), zx.ErrBadHandle)
	want(t, "invalid vmo", zx.Sys_pager_op_range(up.pager, op, 0, 0, 0, 0), zx.ErrBadHandle)
	want(t, "vmo as pager", zx.Sys_pager_op_range(v.h, op, v.h, 0, 0, 0), zx.ErrWrongType)
	want(t, "pager as vmo", zx.Sys_pager_op_range(up.pager, op, up.pager, 0, 0, 0), zx.ErrWrongType)
	var plain zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &plain))
	defer zx.Sys_handle_close(plain)
	want(t, "plain vmo", zx.Sys_pager_op_range(up.pager, op, plain, 0, 0, 0), zx.ErrInvalidArgs)
	up2 := newPager(t)
	want(t, "another pager", zx.Sys_pager_op_range(up2.pager, op, v.h, 0, 0, 0), zx.ErrInvalidArgs)
	want(t, "offset", zx.Sys_pager_op_range(up.pager, op, v.h, 1, 0, 0), zx.ErrInvalidArgs)
	want(t, "length", zx.Sys_pager_op_range(up.pager, op, v.h, 0, 1, 0), zx.ErrInvalidArgs)
	want(t, "range", zx.Sys_pager_op_range(up.pager, op, v.h, pg, pg, errData(zx.ErrBadState)), zx.ErrOutOfRange)
	want(t, "error 0x11ffffffff", zx.Sys_pager_op_range(up.pager, op, v.h, 0, 0, 0x11ffffffff), zx.ErrInvalidArgs)
	want(t, "ZX_ERR_INTERNAL", zx.Sys_pager_op_range(up.pager, op, v.h, 0, 0, errData(zx.ErrInternal)), zx.ErrInvalidArgs)
	want(t, "error 10", zx.Sys_pager_op_range(up.pager, op, v.h, 0, 0, 10), zx.ErrInvalidArgs)
	want(t, "op 0", zx.Sys_pager_op_range(up.pager, 0, v.h, 0, 0, 0), zx.ErrNotSupported)
}

func failSinglePage(t *testing.T, vmar bool) {
	up := newPager(t)
	v := up.createVmo(1)
	th := newThread(func() bool { return checkBuffer(v, 0, 1, vmar) })
	th.start(t)
	assert(t, th.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
	assert(t, up.fail(v, 0, 1, zx.ErrIO), "fail")
	if vmar {
		assert(t, th.waitForCrash(v.base), "no crash")
	} else {
		assert(t, th.waitForFailure(), "read did not fail")
	}
	noMore(t, up, v)
}

func TestPager_FailSinglePage_vmar(t *testing.T) { failSinglePage(t, true) }
func TestPager_FailSinglePage_vmo(t *testing.T)  { failSinglePage(t, false) }

func TestPager_FailExactRange(t *testing.T) {
	const n = 11
	up := newPager(t)
	v := up.createVmo(n)
	th := newThread(func() bool { return v.commit(0, n) })
	th.start(t)
	assert(t, th.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageRead(v, 0, n, inf), "no request")
	assert(t, up.fail(v, 0, n, zx.ErrIO), "fail")
	assert(t, th.waitForFailure(), "commit did not fail")
	noMore(t, up, v)
}

func TestPager_FailMultipleCommits(t *testing.T) {
	const n = 11
	up := newPager(t)
	v := up.createVmo(n)
	var ts []*testThread
	for i := uint64(0); i < n; i++ {
		th := newThread(func() bool { return v.commit(i, 1) })
		th.start(t)
		ts = append(ts, th)
	}
	for i := uint64(0); i < n; i++ {
		assert(t, ts[i].waitForBlocked(), "not blocked")
		assert(t, up.waitForPageRead(v, i, 1, inf), "no request")
	}
	assert(t, up.fail(v, 0, n, zx.ErrIO), "fail")
	for _, th := range ts {
		assert(t, th.waitForFailure(), "commit did not fail")
	}
	noMore(t, up, v)
	ts = nil
	for range n {
		th := newThread(func() bool { return v.commit(0, n) })
		th.start(t)
		ts = append(ts, th)
	}
	for _, th := range ts {
		assert(t, th.waitForBlocked(), "not blocked")
	}
	assert(t, up.waitForPageRead(v, 0, n, inf), "no request")
	noMore(t, up, v)
	assert(t, up.fail(v, 0, n, zx.ErrIO), "fail")
	noMore(t, up, v)
	for _, th := range ts {
		assert(t, th.waitForFailure(), "commit did not fail")
	}
	noMore(t, up, v)
}

func TestPager_FailMultipleVmos(t *testing.T) {
	up := newPager(t)
	v1 := up.createVmo(1)
	t1 := newThread(func() bool { return v1.commit(0, 1) })
	v2 := up.createVmo(1)
	t2 := newThread(func() bool { return v2.commit(0, 1) })
	t1.start(t)
	assert(t, t1.waitForBlocked(), "t1 not blocked")
	assert(t, up.waitForPageRead(v1, 0, 1, inf), "no request for vmo1")
	noMore(t, up, v2)
	t2.start(t)
	assert(t, t2.waitForBlocked(), "t2 not blocked")
	assert(t, up.waitForPageRead(v2, 0, 1, inf), "no request for vmo2")
	assert(t, up.fail(v1, 0, 1, zx.ErrIO), "fail vmo1")
	assert(t, t1.waitForFailure(), "t1 did not fail")
	noMore(t, up, v1)
	assert(t, up.fail(v2, 0, 1, zx.ErrIO), "fail vmo2")
	assert(t, t2.waitForFailure(), "t2 did not fail")
	noMore(t, up, v1)
	noMore(t, up, v2)
}

func TestPager_FailOverlappingRange(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(11)
	t1 := newThread(func() bool { return v.commit(0, 2) })
	t2 := newThread(func() bool { return v.commit(9, 2) })
	t3 := newThread(func() bool { return v.commit(5, 2) })
	t1.start(t)
	assert(t, t1.waitForBlocked(), "t1 not blocked")
	assert(t, up.waitForPageRead(v, 0, 2, inf), "no t1 request")
	t2.start(t)
	assert(t, t2.waitForBlocked(), "t2 not blocked")
	assert(t, up.waitForPageRead(v, 9, 2, inf), "no t2 request")
	t3.start(t)
	assert(t, t3.waitForBlocked(), "t3 not blocked")
	assert(t, up.waitForPageRead(v, 5, 2, inf), "no t3 request")
	assert(t, up.fail(v, 1, 9, zx.ErrIO), "fail")
	assert(t, t1.waitForFailure() && t2.waitForFailure() && t3.waitForFailure(), "a commit did not fail")
	noMore(t, up, v)
}

func TestPager_FailRedundant(t *testing.T) {
	const n = 11
	up := newPager(t)
	v := up.createVmo(n)
	th := newThread(func() bool { return v.commit(0, n) })
	th.start(t)
	assert(t, th.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageRead(v, 0, n, inf), "no request")
	for i := uint64(0); i < n; i++ {
		assert(t, up.fail(v, i, 1, zx.ErrIO), "fail")
	}
	assert(t, th.waitForFailure(), "commit did not fail")
	noMore(t, up, v)
}

func TestPager_FailAfterDetach(t *testing.T) {
	const n = 11
	up := newPager(t)
	v := up.createVmo(n)
	th := newThread(func() bool { return v.commit(0, n) })
	th.start(t)
	assert(t, th.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageRead(v, 0, n, inf), "no request")
	assert(t, up.detach(v), "detach")
	assert(t, th.waitForFailure(), "commit did not fail")
	noMore(t, up, v)
	assert(t, up.fail(v, 0, n, zx.ErrIO), "fail after detach")
	noMore(t, up, v)
}

func TestPager_SupplyAfterFail(t *testing.T) {
	const n = 11
	up := newPager(t)
	v := up.createVmo(n)
	t1 := newThread(func() bool { return v.commit(0, n) })
	t1.start(t)
	assert(t, t1.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageRead(v, 0, n, inf), "no request")
	assert(t, up.fail(v, 0, n, zx.ErrIO), "fail")
	assert(t, t1.waitForFailure(), "commit did not fail")
	noMore(t, up, v)
	t2 := newThread(func() bool { return v.commit(0, n) })
	t2.start(t)
	assert(t, t2.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageRead(v, 0, n, inf), "no second request")
	assert(t, up.supply(v, 0, n, 0), "supply")
	assert(t, t2.wait(), "commit failed")
	noMore(t, up, v)
}

func TestPager_FailErrorCode(t *testing.T) {
	const n = 11
	for _, code := range []zx.Status{zx.ErrIO, zx.ErrIODataIntegrity, zx.ErrBadState, zx.ErrNoSpace, zx.ErrBufferTooSmall} {
		up := newPager(t)
		v := up.createVmo(n)
		var stCommit, stRead zx.Status
		tc := newThread(func() bool {
			stCommit = zx.Sys_vmo_op_range(v.h, zx.VMOOpCommit, 0, n*pg, nil, 0)
			return stCommit == zx.OK
		})
		tr := newThread(func() bool {
			buf := make([]byte, n*pg)
			stRead = zx.Sys_vmo_read(v.h, unsafe.Pointer(&buf[0]), 0, n*pg)
			return stRead == zx.OK
		})
		tc.start(t)
		assert(t, tc.waitForBlocked(), "commit not blocked")
		tr.start(t)
		assert(t, tr.waitForBlocked(), "read not blocked")
		assert(t, up.waitForPageRead(v, 0, n, inf), "no request")
		assert(t, up.fail(v, 0, n, code), "fail")
		assert(t, tc.waitForFailure(), "commit did not fail")
		want(t, "commit status", stCommit, code)
		assert(t, tr.waitForFailure(), "read did not fail")
		want(t, "read status", stRead, code)
		noMore(t, up, v)
	}
}

func TestPager_WritingZeroFork(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	var empty zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &empty))
	defer zx.Sys_handle_close(empty)
	must(t, "supply", zx.Sys_pager_supply_pages(up.pager, v.h, 0, pg, empty, 0))
	data := uint64(42)
	must(t, "vmo_write", zx.Sys_vmo_write(v.h, unsafe.Pointer(&data), 0, 8))
	zx.Sys_nanosleep(zx.Sys_deadline_after(10_000_000))
	must(t, "vmo_write", zx.Sys_vmo_write(v.h, unsafe.Pointer(&data), 0, 8))
}

// CleanThreadKill: a thread blocked on a page request is killed with
// task_kill and ends cleanly. The thread is a raw one (a Go test cannot
// lose one of its runtime's threads): it starts at the pager VMO's first
// page, mapped executable, so its first instruction fetch waits for the
// pager.
func TestPager_CleanThreadKill(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	var dup, exe zx.Handle
	must(t, "handle_duplicate", zx.Sys_handle_duplicate(v.h, zx.RightSameRights, &dup))
	must(t, "vmo_replace_as_executable", zx.Sys_vmo_replace_as_executable(dup, 0, &exe))
	defer zx.Sys_handle_close(exe)
	var code zx.Vaddr
	must(t, "vmar_map", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead|zx.VMPermExecute, 0, exe, 0, pg, &code))
	defer zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, code, pg)
	var th zx.Handle
	name := []byte("pager-kill")
	must(t, "thread_create", zx.Sys_thread_create(zx.ProcessSelf().Handle, &name[0], uint(len(name)), 0, &th))
	defer zx.Sys_handle_close(th)
	must(t, "thread_start", zx.Sys_thread_start(th, code, 0, 0, 0))
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
	tt := &testThread{handle: th, done: make(chan struct{})}
	assert(t, tt.waitForBlocked(), "not blocked")
	must(t, "task_kill", zx.Sys_task_kill(th))
	var obs zx.Signals
	must(t, "wait for the thread's end", zx.Sys_object_wait_one(th, zx.TaskTerminated, zx.Sys_deadline_after(10_000_000_000), &obs))
	// The request is still the pager's to answer; nothing is left waiting.
	assert(t, up.supply(v, 0, 1, 0), "supply")
	assert(t, checkBuffer(v, 0, 1, false), "content")
	noMore(t, up, v)
}

func TestVmoClone2TestCase_NoSnapshotPager(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	var c, cc zx.Handle
	want(t, "SNAPSHOT of a pager VMO", zx.Sys_vmo_create_child(v.h, zx.VMOChildSnapshot, 0, pg, &c), zx.ErrNotSupported)
	must(t, "SNAPSHOT_AT_LEAST_ON_WRITE", zx.Sys_vmo_create_child(v.h, zx.VMOChildSnapshotAtLeastOnWrite, 0, pg, &c))
	defer zx.Sys_handle_close(c)
	want(t, "SNAPSHOT of its clone", zx.Sys_vmo_create_child(c, zx.VMOChildSnapshot, 0, pg, &cc), zx.ErrNotSupported)
}
