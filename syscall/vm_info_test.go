package zxsys

import (
	"testing"

	"beryl/kernel/object"
	"beryl/mm/vm"
)

// TestProcessMapsAndVMOs reads ZX_INFO_PROCESS_MAPS and
// ZX_INFO_PROCESS_VMOS of a created process with a sub-VMAR and two
// mappings of one VMO.
func TestProcessMapsAndVMOs(t *testing.T) {
	f := newEnv(t)
	name := f.data([]byte("p"))
	ph, vh := f.create2(SysProcessCreate, uint64(f.jobHandle()), uint64(name), 1, 0)
	subOut, addr := f.alloc(4), f.alloc(8)
	f.ok(SysVmarAllocate, uint64(vh), uint64(vmCanMapRead|vmCanMapWrite), 0, 0x10000, uint64(subOut), uint64(addr))
	sub, base := f.h(subOut), f.u64(addr)
	v := f.create1(SysVmoCreate, 2*vm.PageSize, 0)
	f.ok(SysVmarMap, uint64(sub), uint64(vmPermRead), 0, uint64(v), 0, vm.PageSize, uint64(addr))
	f.ok(SysVmarMap, uint64(sub), uint64(vmPermRead|vmPermWrite), 0, uint64(v), vm.PageSize, vm.PageSize, uint64(addr))
	f.ok(SysVmoOpRange, uint64(v), uint64(vmOpCommit), vm.PageSize, vm.PageSize, 0, 0)

	const rec = vm.InfoMapsRecordSize
	buf, actual, avail := f.alloc(8*rec), f.alloc(8), f.alloc(8)
	f.ok(SysObjectGetInfo, uint64(ph), uint64(object.InfoProcessMaps), uint64(buf), 8*rec, uint64(actual), uint64(avail))
	if f.u64(actual) != 5 || f.u64(avail) != 5 {
		t.Fatalf("actual %d avail %d, want 5 (aspace, root, sub-VMAR, 2 mappings)", f.u64(actual), f.u64(avail))
	}
	for i, want := range []struct {
		typ   uint32
		depth uint64
	}{{vm.InfoMapsTypeASpace, 0}, {vm.InfoMapsTypeVMAR, 1}, {vm.InfoMapsTypeVMAR, 2}, {vm.InfoMapsTypeMapping, 3}, {vm.InfoMapsTypeMapping, 3}} {
		r := buf + UserPtr(i*rec)
		if f.u32(r+56) != want.typ || f.u64(r+48) != want.depth {
			t.Errorf("record %d: type %d depth %d, want %d %d", i, f.u32(r+56), f.u64(r+48), want.typ, want.depth)
		}
	}
	if r := buf + 2*rec; f.u64(r+32) != base || f.u64(r+40) != 0x10000 {
		t.Errorf("sub-VMAR %#x+%#x, want %#x+0x10000", f.u64(r+32), f.u64(r+40), base)
	}
	m1, m2 := buf+3*rec, buf+4*rec
	if f.u32(m1+64)+f.u32(m2+64) != 1+3 || f.u64(m1+88)+f.u64(m2+88) != 1 || f.u64(m1+80)+f.u64(m2+80) != vm.PageSize {
		t.Errorf("mappings: flags %d/%d committed %d/%d offsets %#x/%#x", f.u32(m1+64), f.u32(m2+64),
			f.u64(m1+88), f.u64(m2+88), f.u64(m1+80), f.u64(m2+80))
	}
	// A short buffer: the first records, avail all.
	f.ok(SysObjectGetInfo, uint64(ph), uint64(object.InfoProcessMaps), uint64(buf), 2*rec+10, uint64(actual), uint64(avail))
	if f.u64(actual) != 2 || f.u64(avail) != 5 {
		t.Errorf("short buffer: actual %d avail %d", f.u64(actual), f.u64(avail))
	}
	f.want(object.ErrWrongType, SysObjectGetInfo, uint64(vh), uint64(object.InfoProcessMaps), uint64(buf), rec, 0, 0)

	// PROCESS_VMOS: the new process holds no handles; one entry per mapping.
	vrec := uint64(vm.InfoVMORecordSize)
	vbuf := f.alloc(4 * int(vrec))
	f.ok(SysObjectGetInfo, uint64(ph), uint64(object.InfoProcessVMOs), uint64(vbuf), 4*vrec, uint64(actual), uint64(avail))
	if f.u64(actual) != 2 || f.u64(avail) != 2 {
		t.Fatalf("VMOS actual %d avail %d, want 2", f.u64(actual), f.u64(avail))
	}
	if fl := f.u32(vbuf + 80); fl&vm.InfoVMOViaMapping == 0 || fl&vm.InfoVMOViaHandle != 0 || f.u64(vbuf+64) != 2 {
		t.Errorf("VMOS flags %#x num_mappings %d", fl, f.u64(vbuf+64))
	}
	for _, h := range []object.Handle{v, sub, vh, ph} {
		f.ok(SysHandleClose, uint64(h))
	}
}

// TestVmarOpRangeSyscall checks zx_vmar_op_range's argument order.
func TestVmarOpRangeSyscall(t *testing.T) {
	f := newEnv(t)
	root := f.rootVMAR()
	v := f.create1(SysVmoCreate, 2*vm.PageSize, 0)
	addr := f.alloc(8)
	f.ok(SysVmarMap, uint64(root), uint64(vmPermRead|vmPermWrite), 0, uint64(v), 0, 2*vm.PageSize, uint64(addr))
	a := f.u64(addr)
	f.want(object.ErrInvalidArgs, SysVmarOpRange, uint64(root), 99, a, vm.PageSize, 0, 0)
	f.want(object.ErrInvalidArgs, SysVmarOpRange, uint64(root), uint64(vm.VMAROpCommit), a, vm.PageSize, uint64(addr), 8)
	f.want(object.ErrInvalidArgs, SysVmarOpRange, uint64(root), uint64(vm.VMAROpCommit), a, 0, 0, 0)
	f.ok(SysVmarOpRange, uint64(root), uint64(vm.VMAROpCommit), a, 2*vm.PageSize, 0, 0)
	f.ok(SysVmarOpRange, uint64(root), uint64(vm.VMAROpDecommit), a, vm.PageSize, 0, 0)
	ro := f.create1(SysHandleDuplicate, uint64(root), uint64(object.RightRead))
	f.want(object.ErrAccessDenied, SysVmarOpRange, uint64(ro), uint64(vm.VMAROpCommit), a, vm.PageSize, 0, 0)
	f.ok(SysVmarOpRange, uint64(ro), uint64(vm.VMAROpMapRange), a, vm.PageSize, 0, 0)
	f.want(object.ErrWrongType, SysVmarOpRange, uint64(v), uint64(vm.VMAROpCommit), a, vm.PageSize, 0, 0)
	f.ok(SysVmarUnmap, uint64(root), a, 2*vm.PageSize)
	for _, h := range []object.Handle{v, ro} {
		f.ok(SysHandleClose, uint64(h))
	}
}

// TestVmoContentSizeProperty checks ZX_PROP_VMO_CONTENT_SIZE through
// object_get/set_property.
func TestVmoContentSizeProperty(t *testing.T) {
	f := newEnv(t)
	v := f.create1(SysVmoCreate, 2*vm.PageSize+5, 0)
	val := f.alloc(8)
	f.ok(SysObjectGetProperty, uint64(v), uint64(object.PropVMOContentSize), uint64(val), 8)
	if f.u64(val) != 2*vm.PageSize+5 {
		t.Fatalf("content size %d", f.u64(val))
	}
	f.want(object.ErrBufferTooSmall, SysObjectGetProperty, uint64(v), uint64(object.PropVMOContentSize), uint64(val), 4)
	f.put64(val, 10*vm.PageSize)
	f.ok(SysObjectSetProperty, uint64(v), uint64(object.PropVMOContentSize), uint64(val), 8)
	f.put64(val, 0)
	f.ok(SysObjectGetProperty, uint64(v), uint64(object.PropVMOContentSize), uint64(val), 8)
	if f.u64(val) != 10*vm.PageSize {
		t.Fatalf("content size %d after set", f.u64(val))
	}
	f.want(object.ErrWrongType, SysObjectGetProperty, uint64(f.jobHandle()), uint64(object.PropVMOContentSize), uint64(val), 8)
	f.ok(SysHandleClose, uint64(v))
}

// TestCacheFlush checks zx_cache_flush's options and range checks.
func TestCacheFlush(t *testing.T) {
	f := newEnv(t)
	buf := f.alloc(64)
	for _, o := range []uint32{object.CacheFlushInsn, object.CacheFlushData, object.CacheFlushData | object.CacheFlushInvalidate,
		object.CacheFlushData | object.CacheFlushInvalidate | object.CacheFlushInsn} {
		f.ok(SysCacheFlush, uint64(buf), 64, uint64(o))
	}
	for _, o := range []uint32{0, object.CacheFlushInvalidate, object.CacheFlushInsn | object.CacheFlushInvalidate, 1 << 3, ^uint32(0)} {
		f.want(object.ErrInvalidArgs, SysCacheFlush, uint64(buf), 64, uint64(o))
	}
	f.want(object.ErrInvalidArgs, SysCacheFlush, badPtr, 64, uint64(object.CacheFlushData))
	f.ok(SysCacheFlush, badPtr, 0, uint64(object.CacheFlushData))
}
