package vmar

import (
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

// vmarInfo returns ZX_INFO_VMAR: base and length.
func vmarInfo(t *testing.T, h zx.Handle) (base, size uint64) {
	t.Helper()
	var info [2]uint64
	must(t, "get_info(VMAR)", zx.Sys_object_get_info(h, zx.ObjectInfoVMAR, unsafe.Pointer(&info[0]), 16, nil, nil))
	return info[0], info[1]
}

// TestMemoryMappingTest_AddressSpaceLimitsTest (utest/core/memory-mapping:
// AddressSpaceLimitsTest, the one case of that suite that calls the
// kernel rather than libc's mmap): the page just below the lowest
// non-canonical address cannot be mapped (the SYSRET problem: a thread
// there would return to a non-canonical RIP), the page below that can,
// and ZX_VM_SPECIFIC over a mapped page is NO_MEMORY.
//
// Two differences from the original, neither in what is asserted: it
// takes the lowest non-canonical address from CPUID's linear-address
// width, while Beryl runs 4-level paging (no LA57), where it is 2^47
// whatever the CPU could do; and it maps in its own root VMAR, where
// Beryl's placement has put this program's initial stack (the
// launcher's 1 MiB) at the top (Zircon's randomized placement rarely
// does), so the port maps in the root VMAR of a new process, whose
// bounds are this one's.
func TestMemoryMappingTest_AddressSpaceLimitsTest(t *testing.T) {
	const noncanon = uint64(1) << 47
	var v zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &v))
	defer zx.Sys_handle_close(v)
	_, root := childProcess(t)
	base, size := vmarInfo(t, root)
	if b, s := vmarInfo(t, zx.VmarRootSelf().Handle); b != base || s != size {
		t.Fatalf("a new process's root VMAR %#x+%#x, this one's %#x+%#x", base, size, b, s)
	}
	rw := uint32(zx.VMPermRead | zx.VMPermWrite | zx.VMSpecific)
	var addr zx.Vaddr
	want(t, "map the page ending at 2^47", zx.Sys_vmar_map(root, rw, uint(noncanon-pg-base), v, 0, pg, &addr), zx.ErrInvalidArgs)
	off := uint(noncanon - 2*pg - base)
	must(t, "map the page below it", zx.Sys_vmar_map(root, rw, off, v, 0, pg, &addr))
	want(t, "map SPECIFIC over it again", zx.Sys_vmar_map(root, rw, off, v, 0, pg, &addr), zx.ErrNoMemory)
	must(t, "vmar_unmap", zx.Sys_vmar_unmap(root, addr, pg))
}
