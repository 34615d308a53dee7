package pager

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

// Dirty tracking of pager-backed VMOs (zx_pager_query_dirty_ranges,
// zx_pager_query_vmo_stats, ZX_PAGER_OP_WRITEBACK_BEGIN/END), with
// Zircon's semantics: a supplied page is Clean until written.

// dirtyRange is zx_vmo_dirty_range_t, in pages.
type dirtyRange struct{ off, n, opts uint64 }

// dirtyRanges queries every dirty range of v's pages [off, off+n) with a
// buffer of 2 entries at a time (the paging loop of the syscall's doc).
func (up *userPager) dirtyRanges(v *pvmo, off, n uint64) []dirtyRange {
	up.t.Helper()
	var out []dirtyRange
	start, end := off*pg, (off+n)*pg
	for start < end {
		var buf [2][3]uint64
		var actual, avail uint
		must(up.t, "pager_query_dirty_ranges", zx.Sys_pager_query_dirty_ranges(up.pager, v.h, start, end-start, unsafe.Pointer(&buf[0]), uint(unsafe.Sizeof(buf)), &actual, &avail))
		if actual > avail || actual > 2 {
			up.t.Fatalf("actual %d, avail %d", actual, avail)
		}
		for _, r := range buf[:actual] {
			out = append(out, dirtyRange{r[0] / pg, r[1] / pg, r[2]})
		}
		if actual == avail {
			break
		}
		start = buf[actual-1][0] + buf[actual-1][1]
	}
	return out
}

func (up *userPager) wantDirty(v *pvmo, what string, want ...dirtyRange) {
	up.t.Helper()
	if got := up.dirtyRanges(v, 0, v.pages); !slices.Equal(got, want) {
		up.t.Fatalf("%s: dirty ranges %v, want %v", what, got, want)
	}
}

// modified queries v's stats, resetting them if reset.
func (up *userPager) modified(v *pvmo, reset bool) bool {
	up.t.Helper()
	var stats uint32 = 0xdeadbeef
	opts := uint32(0)
	if reset {
		opts = zx.PagerResetVMOStats
	}
	must(up.t, "pager_query_vmo_stats", zx.Sys_pager_query_vmo_stats(up.pager, v.h, opts, unsafe.Pointer(&stats), 4))
	switch stats {
	case zx.PagerVMOStatsModified:
		return true
	case 0:
		return false
	}
	up.t.Fatalf("modified = %#x", stats)
	return false
}

func (up *userPager) writeback(v *pvmo, op uint32, off, n uint64) {
	up.t.Helper()
	must(up.t, "pager_op_range(writeback)", zx.Sys_pager_op_range(up.pager, op, v.h, off*pg, n*pg, 0))
}

func vmoWrite(t *testing.T, v *pvmo, off uint64, b byte) {
	t.Helper()
	must(t, "vmo_write", zx.Sys_vmo_write(v.h, unsafe.Pointer(&b), off, 1))
}

func mapped(v *pvmo, off uint64) *byte { return (*byte)(ptr(v.base + uintptr(off))) }

// A page written with vmo_write is dirty, and the VMO modified; supplied
// and read pages are clean.
func TestPagerDirtyVmoWrite(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(6)
	assert(t, up.supply(v, 0, 6, 0), "supply")
	assert(t, checkBuffer(v, 0, 6, false), "read")
	up.wantDirty(v, "supplied")
	assert(t, !up.modified(v, false), "modified after supply")
	vmoWrite(t, v, 1*pg+5, 0xaa)
	vmoWrite(t, v, 2*pg, 0xbb)
	vmoWrite(t, v, 4*pg+pg-1, 0xcc)
	up.wantDirty(v, "written", dirtyRange{1, 2, 0}, dirtyRange{4, 1, 0})
	want := v.contents(0, 6)
	want[1*pg+5], want[2*pg], want[5*pg-1] = 0xaa, 0xbb, 0xcc
	assert(t, checkBufferData(v, 0, 6, want, false), "contents")
	assert(t, up.modified(v, true), "not modified")
	assert(t, !up.modified(v, true), "modified after reset")
	// A write spanning pages dirties each.
	b := make([]byte, 2*pg)
	must(t, "vmo_write", zx.Sys_vmo_write(v.h, unsafe.Pointer(&b[0]), 3*pg, uint(len(b))))
	up.wantDirty(v, "spanning write", dirtyRange{1, 4, 0})
	assert(t, up.modified(v, false), "not modified by the second write")
}

// A write through a mapping faults on the clean page (mapped read-only by
// the read before it) and dirties it.
func TestPagerDirtyMappingWrite(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(4)
	assert(t, up.supply(v, 0, 4, 0), "supply")
	assert(t, checkBuffer(v, 0, 4, true), "read through the mapping")
	up.wantDirty(v, "read")
	assert(t, !up.modified(v, false), "modified by a read")
	*mapped(v, 0) = 0x11
	*mapped(v, 2*pg+7) = 0x22
	up.wantDirty(v, "written", dirtyRange{0, 1, 0}, dirtyRange{2, 1, 0})
	assert(t, up.modified(v, true), "not modified")
	*mapped(v, 1) = 0x33 // the page is writable now: no fault, nothing new
	up.wantDirty(v, "written again", dirtyRange{0, 1, 0}, dirtyRange{2, 1, 0})
	want := v.contents(0, 4)
	want[0], want[1], want[2*pg+7] = 0x11, 0x33, 0x22
	assert(t, checkBufferData(v, 0, 4, want, false), "contents")
}

// A write fault on a page not yet supplied brings it and dirties it.
func TestPagerDirtyWriteFaultOnMissingPage(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(2)
	th := newThread(func() bool { *mapped(v, pg) = 0x44; return true })
	th.start(t)
	assert(t, up.waitForPageRead(v, 1, 1, inf), "no request")
	assert(t, up.supply(v, 1, 1, 0), "supply")
	assert(t, th.wait(), "thread failed")
	up.wantDirty(v, "written", dirtyRange{1, 1, 0})
}

// ZX_VMO_OP_ZERO writes: the pages it zeroes are dirty.
func TestPagerDirtyOpZero(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(3)
	assert(t, up.supply(v, 0, 3, 0), "supply")
	must(t, "vmo_op_range(ZERO)", zx.Sys_vmo_op_range(v.h, zx.VMOOpZero, pg, pg, nil, 0))
	up.wantDirty(v, "zeroed", dirtyRange{1, 1, 0})
	assert(t, up.modified(v, false), "not modified")
}

// The queried range is rounded out to pages and clips the runs.
func TestPagerDirtyQueryRange(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(5)
	assert(t, up.supply(v, 0, 5, 0), "supply")
	b := make([]byte, 4*pg)
	must(t, "vmo_write", zx.Sys_vmo_write(v.h, unsafe.Pointer(&b[0]), pg, uint(len(b))))
	var buf [3][3]uint64
	var actual, avail uint
	must(t, "query", zx.Sys_pager_query_dirty_ranges(up.pager, v.h, 2*pg+1, pg, unsafe.Pointer(&buf[0]), uint(unsafe.Sizeof(buf)), &actual, &avail))
	if actual != 1 || avail != 1 || buf[0] != [3]uint64{2 * pg, 2 * pg, 0} {
		t.Fatalf("unaligned query: %d/%d %v", actual, avail, buf[0])
	}
	must(t, "query", zx.Sys_pager_query_dirty_ranges(up.pager, v.h, 0, pg, unsafe.Pointer(&buf[0]), uint(unsafe.Sizeof(buf)), &actual, &avail))
	assert(t, actual == 0 && avail == 0, "a clean page reported")
	must(t, "query", zx.Sys_pager_query_dirty_ranges(up.pager, v.h, 0, 0, nil, 0, &actual, &avail))
	assert(t, avail == 0, "an empty range reported")
	// No room: actual 0, avail counts them.
	vmoWrite(t, v, 0, 1) // pages 0..5 are now one run
	must(t, "query", zx.Sys_pager_query_dirty_ranges(up.pager, v.h, 0, 5*pg, nil, 0, &actual, &avail))
	if actual != 0 || avail != 1 {
		t.Fatalf("no buffer: %d/%d", actual, avail)
	}
	must(t, "query", zx.Sys_pager_query_dirty_ranges(up.pager, v.h, 0, 5*pg, nil, 0, nil, nil))
}

// WRITEBACK_BEGIN keeps pages reported until WRITEBACK_END cleans them; a
// write in between makes them dirty again.
func TestPagerDirtyWriteback(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(3)
	assert(t, up.supply(v, 0, 3, 0), "supply")
	vmoWrite(t, v, 0, 1)
	*mapped(v, pg) = 2
	up.wantDirty(v, "written", dirtyRange{0, 2, 0})
	up.writeback(v, zx.PagerOpWritebackBegin, 0, 3)
	up.wantDirty(v, "awaiting clean", dirtyRange{0, 2, 0})
	up.writeback(v, zx.PagerOpWritebackEnd, 0, 3)
	up.wantDirty(v, "clean")
	assert(t, up.modified(v, true), "not modified")

	// Written during the writeback (through the mapping, which
	// WRITEBACK_BEGIN made read-only again): dirty after the end.
	*mapped(v, pg) = 3
	vmoWrite(t, v, 2*pg, 4)
	up.writeback(v, zx.PagerOpWritebackBegin, 0, 3)
	*mapped(v, pg+1) = 5
	up.writeback(v, zx.PagerOpWritebackEnd, 0, 3)
	up.wantDirty(v, "written in the writeback", dirtyRange{1, 1, 0})
	assert(t, up.modified(v, true), "not modified")

	// An end without a begin cleans nothing; a begin over part of a run.
	up.writeback(v, zx.PagerOpWritebackEnd, 0, 3)
	up.wantDirty(v, "end alone", dirtyRange{1, 1, 0})
	vmoWrite(t, v, 0, 6)
	up.writeback(v, zx.PagerOpWritebackBegin, 0, 1)
	up.writeback(v, zx.PagerOpWritebackEnd, 0, 3)
	up.wantDirty(v, "part written back", dirtyRange{1, 1, 0})
	// A zero-range writeback (ZX_VMO_DIRTY_RANGE_IS_ZERO) cleans too.
	must(t, "writeback begin zero", zx.Sys_pager_op_range(up.pager, zx.PagerOpWritebackBegin, v.h, pg, pg, zx.VMODirtyRangeIsZero))
	up.writeback(v, zx.PagerOpWritebackEnd, 1, 1)
	up.wantDirty(v, "zero range written back")
	want := v.contents(0, 3)
	want[0], want[pg], want[pg+1], want[2*pg] = 6, 3, 5, 4
	assert(t, checkBufferData(v, 0, 3, want, true), "contents")
}

// A resize modifies the VMO; pages cut off leave no dirty state.
func TestPagerDirtyResize(t *testing.T) {
	up := newPager(t)
	v := up.createVmoOpts(3, zx.VMOResizable)
	assert(t, up.supply(v, 0, 3, 0), "supply")
	vmoWrite(t, v, 2*pg, 1)
	assert(t, up.modified(v, true), "not modified")
	assert(t, v.resize(2), "shrink")
	assert(t, up.modified(v, true), "not modified by the shrink")
	var actual, avail uint
	must(t, "query", zx.Sys_pager_query_dirty_ranges(up.pager, v.h, 0, 2*pg, nil, 0, &actual, &avail))
	assert(t, avail == 0, "dirty after the shrink")
	want(t, "query past the new end", zx.Sys_pager_query_dirty_ranges(up.pager, v.h, 0, 3*pg, nil, 0, nil, nil), zx.ErrOutOfRange)
}

func TestPagerInvalidQueryDirtyRanges(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(2)
	var r [3]uint64
	var actual, avail uint
	q := func(pager, vmo zx.Handle, off, n uint64) zx.Status {
		return zx.Sys_pager_query_dirty_ranges(pager, vmo, off, n, unsafe.Pointer(&r), 24, &actual, &avail)
	}
	want(t, "invalid pager", q(0, v.h, 0, pg), zx.ErrBadHandle)
	want(t, "invalid vmo", q(up.pager, 0, 0, pg), zx.ErrBadHandle)
	want(t, "vmo as pager", q(v.h, v.h, 0, pg), zx.ErrWrongType)
	want(t, "pager as vmo", q(up.pager, up.pager, 0, pg), zx.ErrWrongType)
	var plain zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &plain))
	defer zx.Sys_handle_close(plain)
	want(t, "plain vmo", q(up.pager, plain, 0, pg), zx.ErrInvalidArgs)
	up2 := newPager(t)
	want(t, "another pager", q(up2.pager, v.h, 0, pg), zx.ErrInvalidArgs)
	var clone zx.Handle
	must(t, "clone", zx.Sys_vmo_create_child(v.h, zx.VMOChildSnapshotAtLeastOnWrite, 0, pg, &clone))
	defer zx.Sys_handle_close(clone)
	want(t, "clone", q(up.pager, clone, 0, pg), zx.ErrInvalidArgs)
	want(t, "past the end", q(up.pager, v.h, pg, 2*pg), zx.ErrOutOfRange)
	want(t, "unaligned past the end", q(up.pager, v.h, 0, 2*pg+1), zx.ErrOutOfRange)
	want(t, "offset past the end", q(up.pager, v.h, 3*pg, 0), zx.ErrOutOfRange)
	want(t, "overflow", q(up.pager, v.h, pg, ^uint64(0)), zx.ErrOutOfRange)
	// The outputs are written only with a dirty range to report.
	assert(t, up.supply(v, 0, 1, 0), "supply")
	vmoWrite(t, v, 0, 1)
	want(t, "unwritable buffer", zx.Sys_pager_query_dirty_ranges(up.pager, v.h, 0, pg, ptr(8), 24, nil, nil), zx.ErrInvalidArgs)
	want(t, "unwritable actual", zx.Sys_pager_query_dirty_ranges(up.pager, v.h, 0, pg, unsafe.Pointer(&r), 24, (*uint)(ptr(8)), nil), zx.ErrInvalidArgs)
	want(t, "unwritable avail", zx.Sys_pager_query_dirty_ranges(up.pager, v.h, 0, pg, unsafe.Pointer(&r), 24, nil, (*uint)(ptr(8))), zx.ErrInvalidArgs)
	must(t, "query", q(up.pager, v.h, 0, 2*pg))
	if actual != 1 || avail != 1 || r != [3]uint64{0, pg, 0} {
		t.Fatalf("range %d/%d %v", actual, avail, r)
	}
}

func TestPagerInvalidQueryVmoStats(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	var s uint32
	q := func(pager, vmo zx.Handle, opts uint32, size uint) zx.Status {
		return zx.Sys_pager_query_vmo_stats(pager, vmo, opts, unsafe.Pointer(&s), size)
	}
	want(t, "invalid pager", q(0, v.h, 0, 4), zx.ErrBadHandle)
	want(t, "invalid vmo", q(up.pager, 0, 0, 4), zx.ErrBadHandle)
	want(t, "vmo as pager", q(v.h, v.h, 0, 4), zx.ErrWrongType)
	want(t, "pager as vmo", q(up.pager, up.pager, 0, 4), zx.ErrWrongType)
	var plain zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &plain))
	defer zx.Sys_handle_close(plain)
	want(t, "plain vmo", q(up.pager, plain, 0, 4), zx.ErrInvalidArgs)
	up2 := newPager(t)
	want(t, "another pager", q(up2.pager, v.h, 0, 4), zx.ErrInvalidArgs)
	want(t, "options", q(up.pager, v.h, 2, 4), zx.ErrInvalidArgs)
	want(t, "options and reset", q(up.pager, v.h, zx.PagerResetVMOStats|2, 4), zx.ErrInvalidArgs)
	want(t, "size 0", q(up.pager, v.h, 0, 0), zx.ErrBufferTooSmall)
	want(t, "size 3", q(up.pager, v.h, 0, 3), zx.ErrBufferTooSmall)
	want(t, "too small before options", q(up.pager, v.h, 2, 3), zx.ErrBufferTooSmall)
	want(t, "unwritable buffer", zx.Sys_pager_query_vmo_stats(up.pager, v.h, 0, ptr(8), 4), zx.ErrInvalidArgs)
	s = 0xdeadbeef
	must(t, "query", q(up.pager, v.h, zx.PagerResetVMOStats, 8))
	assert(t, s == 0, "a fresh VMO modified")
}

func TestPagerInvalidWritebackOps(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	begin, end := zx.PagerOpWritebackBegin, zx.PagerOpWritebackEnd
	want(t, "begin: data 2", zx.Sys_pager_op_range(up.pager, begin, v.h, 0, pg, 2), zx.ErrInvalidArgs)
	want(t, "end: data 1", zx.Sys_pager_op_range(up.pager, end, v.h, 0, pg, 1), zx.ErrInvalidArgs)
	want(t, "begin: unaligned", zx.Sys_pager_op_range(up.pager, begin, v.h, 1, pg, 0), zx.ErrInvalidArgs)
	want(t, "end: unaligned", zx.Sys_pager_op_range(up.pager, end, v.h, 0, 1, 0), zx.ErrInvalidArgs)
	want(t, "begin: range", zx.Sys_pager_op_range(up.pager, begin, v.h, pg, pg, 0), zx.ErrOutOfRange)
	want(t, "end: range", zx.Sys_pager_op_range(up.pager, end, v.h, 0, 2*pg, 0), zx.ErrOutOfRange)
	var plain zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &plain))
	defer zx.Sys_handle_close(plain)
	want(t, "begin: plain vmo", zx.Sys_pager_op_range(up.pager, begin, plain, 0, pg, 0), zx.ErrInvalidArgs)
	must(t, "begin: empty", zx.Sys_pager_op_range(up.pager, begin, v.h, 0, 0, 0))
	must(t, "end: empty", zx.Sys_pager_op_range(up.pager, end, v.h, 0, 0, 0))
	assert(t, up.detach(v), "detach")
	must(t, "begin: detached", zx.Sys_pager_op_range(up.pager, begin, v.h, 0, pg, 0))
	must(t, "end: detached", zx.Sys_pager_op_range(up.pager, end, v.h, 0, pg, 0))
}

// ZX_VMO_TRAP_DIRTY: writes to pages not Dirty ask the pager first
// (pager-writeback.cc in utest/core/pager; TEST(Pager, ...) there at first,
// TEST(PagerWriteback, ...) later, a suite the core-tests list lacks).

// waitForPageDirty waits for a DIRTY request of exactly [off, off+n) of v.
func (up *userPager) waitForPageDirty(v *pvmo, off, n uint64, deadline zx.Time) bool {
	_, ok := up.next(deadline, func(pk *zx.PortPacket) bool {
		cmd, o, l := request(pk)
		return pk.Key == v.key && pk.Type == zx.PktTypePageRequest && cmd == zx.PagerVMODirty && o == off && l == n
	})
	return ok
}

// getPageDirtyRequest returns the next DIRTY request of v.
func (up *userPager) getPageDirtyRequest(v *pvmo, deadline zx.Time) (off, n uint64, ok bool) {
	pk, ok := up.next(deadline, func(pk *zx.PortPacket) bool {
		cmd, _, _ := request(pk)
		return pk.Key == v.key && pk.Type == zx.PktTypePageRequest && cmd == zx.PagerVMODirty
	})
	if !ok {
		return 0, 0, false
	}
	_, off, n = request(&pk)
	return off, n, true
}

func (up *userPager) dirtyPages(v *pvmo, off, n uint64) bool {
	if st := zx.Sys_pager_op_range(up.pager, zx.PagerOpDirty, v.h, off*pg, n*pg, 0); st != zx.OK {
		up.t.Errorf("pager_op_range(DIRTY, %d, %d) = %v", off, n, st)
		return false
	}
	return true
}

func noMoreRequests(t *testing.T, up *userPager, v *pvmo) {
	t.Helper()
	if off, n, ok := up.getPageDirtyRequest(v, 0); ok {
		t.Errorf("unexpected dirty request (%d, %d)", off, n)
	}
	noMore(t, up, v)
}

func vmoWriteBytes(v *pvmo, off uint64, b []byte) bool {
	return zx.Sys_vmo_write(v.h, unsafe.Pointer(&b[0]), off, uint(len(b))) == zx.OK
}

func simpleTrapDirty(t *testing.T, vmar bool) {
	up := newPager(t)
	v := up.createVmoOpts(1, zx.VMOTrapDirty)
	t1 := newThread(func() bool { return checkBuffer(v, 0, 1, vmar) })
	t1.start(t)
	assert(t, t1.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no read request")
	assert(t, up.supply(v, 0, 1, 0), "supply")
	assert(t, t1.wait(), "read failed")

	t2 := newThread(func() bool { return vmoWriteBytes(v, 0, []byte{0x77}) })
	t2.start(t)
	assert(t, t2.waitForBlocked(), "write not blocked")
	assert(t, up.waitForPageDirty(v, 0, 1, inf), "no dirty request")
	assert(t, up.dirtyPages(v, 0, 1), "dirty")
	assert(t, t2.wait(), "write failed")

	// Writes to a VMO made without TRAP_DIRTY go through without blocking.
	nt := up.createVmo(1)
	assert(t, up.supply(nt, 0, 1, 0), "supply")
	assert(t, vmoWriteBytes(nt, 0, []byte{0xcc}), "write without TRAP_DIRTY")

	// A VMO that is not pager-backed cannot have TRAP_DIRTY.
	var h zx.Handle
	want(t, "vmo_create(TRAP_DIRTY)", zx.Sys_vmo_create(pg, zx.VMOTrapDirty, &h), zx.ErrInvalidArgs)
}

func TestPagerWriteback_SimpleTrapDirty_vmar(t *testing.T) { simpleTrapDirty(t, true) }
func TestPagerWriteback_SimpleTrapDirty_vmo(t *testing.T)  { simpleTrapDirty(t, false) }

func TestPagerWriteback_DirtyRequestsOnVmoWrite(t *testing.T) {
	const n = 20
	up := newPager(t)
	v := up.createVmoOpts(n, zx.VMOTrapDirty)
	assert(t, up.supply(v, 0, n, 0), "supply")
	th := newThread(func() bool {
		data := make([]byte, 8)
		for i := uint64(0); i < n/2; i += 2 { // pages 0, 2, 4, 6, 8
			if !vmoWriteBytes(v, i*pg, data) {
				return false
			}
		}
		if !vmoWriteBytes(v, 3*pg, data) { // [0] [2,3,4] [6] [8]
			return false
		}
		return vmoWriteBytes(v, 11*pg, make([]byte, 5*pg)) // [11, 16)
	})
	th.start(t)
	for i := uint64(0); i < n/2; i += 2 {
		assert(t, th.waitForBlocked(), "not blocked")
		assert(t, up.waitForPageDirty(v, i, 1, inf), "no dirty request")
		assert(t, up.dirtyPages(v, i, 1), "dirty")
	}
	assert(t, th.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageDirty(v, 3, 1, inf), "no dirty request for 3")
	assert(t, up.dirtyPages(v, 3, 1), "dirty")
	assert(t, th.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageDirty(v, 11, 5, inf), "no dirty request for [11, 16)")
	assert(t, up.dirtyPages(v, 11, 5), "dirty")
	assert(t, th.wait(), "thread failed")
	noMoreRequests(t, up, v)
}

func TestPagerWriteback_DirtyRequestsViaMapping(t *testing.T) {
	const n = 20
	up := newPager(t)
	v := up.createVmoOpts(n, zx.VMOTrapDirty)
	assert(t, up.supply(v, 0, n, 0), "supply")
	th := newThread(func() bool {
		for i := uint64(0); i < n/2; i += 2 {
			*mapped(v, i*pg) = 0xcc
		}
		*mapped(v, 3*pg) = 0xcc
		for i := uint64(11); i < 16; i++ {
			*mapped(v, i*pg) = 0xcc
		}
		return true
	})
	th.start(t)
	for i := uint64(0); i < n/2; i += 2 {
		assert(t, th.waitForBlocked(), "not blocked")
		assert(t, up.waitForPageDirty(v, i, 1, inf), "no dirty request")
		assert(t, up.dirtyPages(v, i, 1), "dirty")
	}
	assert(t, th.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageDirty(v, 3, 1, inf), "no dirty request for 3")
	assert(t, up.dirtyPages(v, 3, 1), "dirty")
	assert(t, th.waitForBlocked(), "not blocked")
	// Page by page through the mapping: the first request is for page
	// 11 alone; dirty the whole run.
	assert(t, up.waitForPageDirty(v, 11, 1, inf), "no dirty request for 11")
	assert(t, up.dirtyPages(v, 11, 5), "dirty")
	assert(t, th.wait(), "thread failed")
	noMoreRequests(t, up, v)
}

func TestPagerWriteback_NoDirtyRequestsForClones(t *testing.T) {
	const n = 3
	up := newPager(t)
	v := up.createVmoOpts(n, zx.VMOTrapDirty)
	var clone zx.Handle
	must(t, "clone", zx.Sys_vmo_create_child(v.h, zx.VMOChildSnapshotAtLeastOnWrite, 0, n*pg, &clone))
	defer zx.Sys_handle_close(clone)
	t1 := newThread(func() bool {
		b := make([]byte, n*pg)
		return zx.Sys_vmo_write(clone, unsafe.Pointer(&b[0]), 0, uint(len(b))) == zx.OK
	})
	t1.start(t)
	assert(t, t1.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no read request")
	assert(t, up.supply(v, 0, n, 0), "supply")
	if off, l, ok := up.getPageDirtyRequest(v, 0); ok {
		t.Fatalf("dirty request (%d, %d) for a clone's write", off, l)
	}
	assert(t, t1.wait(), "clone write failed")

	t2 := newThread(func() bool { return vmoWriteBytes(v, 0, make([]byte, n*pg)) })
	t2.start(t)
	assert(t, t2.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageDirty(v, 0, n, inf), "no dirty request")
	assert(t, up.dirtyPages(v, 0, n), "dirty")
	assert(t, t2.wait(), "write failed")
	noMoreRequests(t, up, v)
}

func TestPagerWriteback_DirtyRequestsOverlap(t *testing.T) {
	const n = 20
	up := newPager(t)
	v := up.createVmoOpts(n, zx.VMOTrapDirty)
	assert(t, up.supply(v, 0, n, 0), "supply")
	write := func(off, pages uint64, b byte) *testThread {
		return newThread(func() bool {
			data := make([]byte, pages*pg)
			for i := range data {
				data[i] = b
			}
			return vmoWriteBytes(v, off*pg, data)
		})
	}
	t1 := write(4, 5, 0xaa) // [4, 9)
	t1.start(t)
	assert(t, t1.waitForBlocked(), "t1 not blocked")
	t2 := write(2, 7, 0xbb) // [2, 9)
	t2.start(t)
	assert(t, t2.waitForBlocked(), "t2 not blocked")
	assert(t, up.waitForPageDirty(v, 4, 5, inf), "no request [4, 9)")
	assert(t, up.waitForPageDirty(v, 2, 2, inf), "no request [2, 4)")
	assert(t, up.dirtyPages(v, 4, 5), "dirty [4, 9)")
	assert(t, t1.wait(), "t1 failed")
	assert(t, up.dirtyPages(v, 2, 2), "dirty [2, 4)")
	assert(t, t2.wait(), "t2 failed")

	t3 := write(11, 5, 0xcc) // [11, 16)
	t3.start(t)
	assert(t, t3.waitForBlocked(), "t3 not blocked")
	t4 := write(15, 4, 0xdd) // [15, 19)
	t4.start(t)
	assert(t, t4.waitForBlocked(), "t4 not blocked")
	assert(t, up.waitForPageDirty(v, 11, 5, inf), "no request [11, 16)")
	if off, l, ok := up.getPageDirtyRequest(v, 0); ok {
		t.Fatalf("unexpected dirty request (%d, %d)", off, l)
	}
	assert(t, up.dirtyPages(v, 11, 5), "dirty [11, 16)")
	assert(t, t3.wait(), "t3 failed")
	assert(t, t4.waitForBlocked(), "t4 not blocked again")
	assert(t, up.waitForPageDirty(v, 16, 3, inf), "no request [16, 19)")
	assert(t, up.dirtyPages(v, 16, 3), "dirty [16, 19)")
	assert(t, t4.wait(), "t4 failed")
	noMoreRequests(t, up, v)
}

func TestPagerWriteback_FailDirtyRequests(t *testing.T) {
	up := newPager(t)
	v := up.createVmoOpts(2, zx.VMOTrapDirty)
	assert(t, up.supply(v, 0, 2, 0), "supply")
	t1 := newThread(func() bool { *mapped(v, 0) = 0xcc; return true })
	t1.start(t)
	assert(t, t1.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageDirty(v, 0, 1, inf), "no dirty request")
	assert(t, up.fail(v, 0, 1, zx.ErrIO), "fail")
	assert(t, t1.waitForCrash(v.base), "no crash")

	t2 := newThread(func() bool { return vmoWriteBytes(v, pg, []byte{0xdd}) })
	t2.start(t)
	assert(t, t2.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageDirty(v, 1, 1, inf), "no dirty request")
	assert(t, up.fail(v, 1, 1, zx.ErrIO), "fail")
	assert(t, t2.waitForFailure(), "write did not fail")
}

// A write over pages in random states (missing, Clean, Dirty) asks for
// each missing page with a READ request, then for each run of Clean pages
// with one DIRTY request, in order. 20 pages as the case's first version
// (TEST(Pager, ...); 10 in TEST(PagerWriteback, ...)): the write spans
// more than one of vmo_write's 64 KiB chunks, and a run of Clean pages
// across the chunk boundary is still one request.
func TestPagerWriteback_DirtyRequestsRandomOffsets(t *testing.T) {
	up := newPager(t)
	const numPages = 20
	v := up.createVmoOpts(numPages, zx.VMOTrapDirty)
	var state [numPages]int // 0: missing, 1: clean, 2: dirty
	for i := range uint64(numPages) {
		state[i] = rand.IntN(3)
		if state[i] == 0 {
			continue
		}
		assert(t, up.supply(v, i, 1, i), "supply")
		if state[i] == 2 {
			assert(t, up.dirtyPages(v, i, 1), "dirty")
		}
	}
	th := newThread(func() bool { return vmoWriteBytes(v, 0, make([]byte, numPages*pg)) })
	th.start(t)

	cleanStart, cleanLen := uint64(0), uint64(0)
	resolve := func() {
		t.Helper()
		if cleanLen == 0 {
			return
		}
		assert(t, th.waitForBlocked(), "not blocked")
		assert(t, up.waitForPageDirty(v, cleanStart, cleanLen, inf), "no dirty request")
		assert(t, up.dirtyPages(v, cleanStart, cleanLen), "dirty")
	}
	for i := uint64(0); i < numPages; i++ {
		switch state[i] {
		case 0:
			resolve()
			assert(t, th.waitForBlocked(), "not blocked")
			assert(t, up.waitForPageRead(v, i, 1, inf), "no read request")
			assert(t, up.supply(v, i, 1, i), "supply")
			// The page is Clean now: look at it again, it may start a run.
			state[i] = 1
			cleanStart, cleanLen = i, 0
			i--
		case 1:
			cleanLen++
		case 2:
			resolve()
			cleanStart, cleanLen = i+1, 0
		}
	}
	resolve()
	assert(t, th.wait(), "write failed")
	noMoreRequests(t, up, v)
}

// A DIRTY request covers the run of Clean pages up to the end of the
// write, past vmo_write's 64 KiB chunks (the kernel copies the caller's
// buffer in pieces): 20 Clean pages, one request.
func TestPagerTrapDirtyLongWrite(t *testing.T) {
	const n = 20
	up := newPager(t)
	v := up.createVmoOpts(n, zx.VMOTrapDirty)
	assert(t, up.supply(v, 0, n, 0), "supply")
	b := make([]byte, n*pg)
	for i := range b {
		b[i] = byte(i / pg)
	}
	th := newThread(func() bool { return vmoWriteBytes(v, 0, b) })
	th.start(t)
	assert(t, th.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageDirty(v, 0, n, inf), "no dirty request for [0, 20)")
	assert(t, up.dirtyPages(v, 0, n), "dirty")
	assert(t, th.wait(), "write failed")
	up.wantDirty(v, "written", dirtyRange{0, n, 0})
	assert(t, checkBufferData(v, 0, n, b, false), "contents")
	noMoreRequests(t, up, v)
}

// Writeback of a TRAP_DIRTY VMO: a written-back page asks again.
func TestPagerTrapDirtyWriteback(t *testing.T) {
	up := newPager(t)
	v := up.createVmoOpts(1, zx.VMOTrapDirty)
	assert(t, up.supply(v, 0, 1, 0), "supply")
	assert(t, up.dirtyPages(v, 0, 1), "dirty")
	up.wantDirty(v, "dirtied", dirtyRange{0, 1, 0})
	assert(t, !up.modified(v, false), "OP_DIRTY modified the VMO")
	assert(t, vmoWriteBytes(v, 0, []byte{1}), "write to a dirty page")
	up.writeback(v, zx.PagerOpWritebackBegin, 0, 1)
	up.wantDirty(v, "awaiting clean", dirtyRange{0, 1, 0})
	up.writeback(v, zx.PagerOpWritebackEnd, 0, 1)
	up.wantDirty(v, "clean")
	th := newThread(func() bool { return vmoWriteBytes(v, 0, []byte{2}) })
	th.start(t)
	assert(t, th.waitForBlocked(), "not blocked")
	assert(t, up.waitForPageDirty(v, 0, 1, inf), "no dirty request")
	assert(t, up.dirtyPages(v, 0, 1), "dirty")
	assert(t, th.wait(), "write failed")
	up.wantDirty(v, "written again", dirtyRange{0, 1, 0})
}

func TestPagerInvalidOpDirty(t *testing.T) {
	up := newPager(t)
	v := up.createVmoOpts(2, zx.VMOTrapDirty)
	op := zx.PagerOpDirty
	want(t, "data 1", zx.Sys_pager_op_range(up.pager, op, v.h, 0, 0, 1), zx.ErrInvalidArgs)
	want(t, "unaligned", zx.Sys_pager_op_range(up.pager, op, v.h, 1, 0, 0), zx.ErrInvalidArgs)
	want(t, "range", zx.Sys_pager_op_range(up.pager, op, v.h, pg, 2*pg, 0), zx.ErrOutOfRange)
	want(t, "not supplied", zx.Sys_pager_op_range(up.pager, op, v.h, 0, pg, 0), zx.ErrNotFound)
	assert(t, up.supply(v, 0, 1, 0), "supply")
	want(t, "partly supplied", zx.Sys_pager_op_range(up.pager, op, v.h, 0, 2*pg, 0), zx.ErrNotFound)
	up.wantDirty(v, "after NOT_FOUND")
	must(t, "supplied", zx.Sys_pager_op_range(up.pager, op, v.h, 0, pg, 0))
	must(t, "empty", zx.Sys_pager_op_range(up.pager, op, v.h, 0, 0, 0))
	var h zx.Handle
	want(t, "pager_create_vmo(bad option)", zx.Sys_pager_create_vmo(up.pager, 1<<6, up.port, 0, pg, &h), zx.ErrInvalidArgs)
	assert(t, up.detach(v), "detach")
	want(t, "detached", zx.Sys_pager_op_range(up.pager, op, v.h, 0, 0, 0), zx.ErrBadState)
}
