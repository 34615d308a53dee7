package system

import (
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// kmemStats mirrors zx_info_kmem_stats_t.
type kmemStats struct {
	Total, Free, Wired, TotalHeap, FreeHeap, VMO, MMUOverhead, IPC, Other uint64
}

// kmemStatsExtended mirrors zx_info_kmem_stats_extended_t.
type kmemStatsExtended struct {
	Total, Free, Wired, TotalHeap, FreeHeap, VMO                       uint64
	PagerTotal, PagerNewest, PagerOldest, DiscardLocked, DiscardUnlock uint64
	MMUOverhead, IPC, Other                                            uint64
}

func readKmem(t *testing.T, h zx.Handle) kmemStats {
	t.Helper()
	var s kmemStats
	var actual, avail uint
	ctest.Must(t, "get_info(KMEM_STATS)", zx.Sys_object_get_info(h, zx.ObjectInfoKmemStats, unsafe.Pointer(&s), uint(unsafe.Sizeof(s)), &actual, &avail))
	if actual != 1 || avail != 1 {
		t.Errorf("actual %d avail %d", actual, avail)
	}
	return s
}

func TestInfoKmemStats(t *testing.T) {
	if unsafe.Sizeof(kmemStats{}) != zx.ObjectInfoKmemStatsSize || unsafe.Sizeof(kmemStatsExtended{}) != zx.ObjectInfoKmemStatsExtendedSize {
		t.Fatal("record sizes")
	}
	s := readKmem(t, root(t))
	if s.Total != zx.Sys_system_get_physmem() {
		t.Errorf("total %d, system_get_physmem %d", s.Total, zx.Sys_system_get_physmem())
	}
	if s.Free == 0 || s.TotalHeap == 0 || s.VMO == 0 || s.FreeHeap > s.TotalHeap ||
		s.Free+s.Wired+s.TotalHeap+s.VMO+s.MMUOverhead+s.IPC+s.Other != s.Total {
		t.Errorf("stats do not add up: %+v", s)
	}
	// Committing a 4 MiB VMO moves 4 MiB from free to vmo (give or take
	// what the rest of the system does meanwhile).
	const size = 4 << 20
	var vmo zx.Handle
	ctest.Must(t, "vmo_create", zx.Sys_vmo_create(size, 0, &vmo))
	defer zx.Sys_handle_close(vmo)
	ctest.Must(t, "vmo_op_range(COMMIT)", zx.Sys_vmo_op_range(vmo, zx.VMOOpCommit, 0, size, nil, 0))
	after := readKmem(t, root(t))
	if after.VMO < s.VMO+size-(1<<20) || after.Free > s.Free-size+(1<<20) {
		t.Errorf("after committing 4 MiB: vmo %d -> %d, free %d -> %d", s.VMO, after.VMO, s.Free, after.Free)
	}

	var e kmemStatsExtended
	var actual, avail uint
	ctest.Must(t, "get_info(KMEM_STATS_EXTENDED)", zx.Sys_object_get_info(root(t), zx.ObjectInfoKmemStatsExtended, unsafe.Pointer(&e), uint(unsafe.Sizeof(e)), &actual, &avail))
	if actual != 1 || e.Total != s.Total || e.Free == 0 || e.PagerTotal != 0 {
		t.Errorf("extended %+v", e)
	}
}

func TestInfoKmemStatsErrors(t *testing.T) {
	var s kmemStats
	buf, size := unsafe.Pointer(&s), uint(unsafe.Sizeof(s))
	var actual, avail uint
	for _, topic := range []uint32{zx.ObjectInfoKmemStats, zx.ObjectInfoKmemStatsExtended} {
		ctest.Want(t, "invalid handle", zx.Sys_object_get_info(zx.HandleInvalid, topic, buf, size, nil, nil), zx.ErrBadHandle)
		ctest.Want(t, "an event", zx.Sys_object_get_info(ctest.NewEvent(t), topic, buf, size, nil, nil), zx.ErrWrongType)
		var power zx.Handle
		name := []byte("power")
		ctest.Must(t, "resource_create(SYSTEM, POWER)", zx.Sys_resource_create(root(t), zx.ResourceKindSystem, zx.ResourceSystemPowerBase, 1, &name[0], uint(len(name)), &power))
		ctest.Want(t, "the power resource", zx.Sys_object_get_info(power, topic, buf, size, nil, nil), zx.ErrAccessDenied)
		zx.Sys_handle_close(power)
		var info zx.Handle
		name = []byte("info")
		ctest.Must(t, "resource_create(SYSTEM, INFO)", zx.Sys_resource_create(root(t), zx.ResourceKindSystem, zx.ResourceSystemInfoBase, 1, &name[0], uint(len(name)), &info))
		var big [zx.ObjectInfoKmemStatsExtendedSize]byte
		ctest.Want(t, "the info resource", zx.Sys_object_get_info(info, topic, unsafe.Pointer(&big[0]), uint(len(big)), nil, nil), zx.OK)
		zx.Sys_handle_close(info)
		actual, avail = 9, 9
		ctest.Want(t, "small buffer", zx.Sys_object_get_info(root(t), topic, buf, 8, &actual, &avail), zx.ErrBufferTooSmall)
		if actual != 0 || avail != 1 {
			t.Errorf("small buffer: actual %d avail %d", actual, avail)
		}
	}
}
