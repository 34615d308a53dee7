package memory

import (
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// heldStats is where commitAndRelease reads the kernel's counts: memory
// this process touched before it ran out.
var heldStats zx.KernelStats

// commitAndRelease commits [0, size) of v, which must fail with
// NO_MEMORY, reads the kernel's counts while the memory is held, and
// decommits the first release bytes. It makes raw calls only, so it needs
// no page it does not have. It returns the counts and ZX_OK, or the first
// unexpected status.
func commitAndRelease(v zx.Vmo, size, release uint64) (zx.KernelStats, zx.Status) {
	if st := zx.Sys_vmo_op_range(v.Handle, zx.VMOOpCommit, 0, size, nil, 0); st != zx.ErrNoMemory {
		return heldStats, st
	}
	st := zx.Sys_beryl_kernel_stats(zx.HandleInvalid, unsafe.Pointer(&heldStats), uint(unsafe.Sizeof(heldStats)))
	if rst := zx.Sys_vmo_op_range(v.Handle, zx.VMOOpDecommit, 0, release, nil, 0); st == zx.OK {
		st = rst
	}
	return heldStats, st
}

// touchAll maps a VMO as large as RAM and writes every page: no call can
// report the fault that finds no page, so the kernel ends this process.
func touchAll() int {
	s := kernelStats()
	size := s.PagesTotal * zx.PageSize
	v, err := zx.NewVmo(size, 0)
	if err != nil {
		return 2
	}
	addr, err := zx.VmarRootSelf().Map(zx.VMPermRead|zx.VMPermWrite, 0, v, 0, uint(size))
	if err != nil {
		return 3
	}
	mem := unsafe.Slice((*byte)(ctest.Ptr(uintptr(addr))), size)
	for off := uint64(0); off < size; off += zx.PageSize {
		mem[off] = 1
	}
	return 4 // survived writing more pages than RAM has
}
