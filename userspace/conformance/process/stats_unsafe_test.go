package process

import (
	"fmt"
	"syscall"
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

// TestKernelStatsPrivateVmos: beryl_kernel_stats counts the VMOs behind
// the caller's Linux anonymous mappings: an mmap adds one VMO (to that
// count and to the VMO objects), munmap in its middle keeps one, munmap
// of the rest drops it. The Go runtime may map memory meanwhile, so the
// case retries a few times for a quiet window.
func TestKernelStatsPrivateVmos(t *testing.T) {
	const pg = zx.PageSize
	var last string
	for try := 0; try < 5; try++ {
		before, err := zx.GetKernelStats(zx.HandleInvalid)
		if err != nil {
			t.Fatalf("beryl_kernel_stats: %v", err)
		}
		b, err := syscall.Mmap(-1, 0, 4*pg, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			t.Fatalf("mmap: %v", err)
		}
		mapped, _ := zx.GetKernelStats(zx.HandleInvalid)
		// Unmap page 1: the mapping splits in two over the same VMO.
		if _, _, e := syscall.Syscall(syscall.SYS_MUNMAP, uintptr(unsafe.Pointer(&b[0]))+pg, pg, 0); e != 0 {
			t.Fatalf("munmap of one page: %v", e)
		}
		split, _ := zx.GetKernelStats(zx.HandleInvalid)
		if err := syscall.Munmap(b); err != nil {
			t.Fatalf("munmap: %v", err)
		}
		gone, _ := zx.GetKernelStats(zx.HandleInvalid)
		d := func(s zx.KernelStats) [2]int64 {
			return [2]int64{int64(s.CallerPrivateVmos - before.CallerPrivateVmos), int64(s.Objects[zx.ObjTypeVMO] - before.Objects[zx.ObjTypeVMO])}
		}
		if d(mapped) == [2]int64{1, 1} && d(split) == [2]int64{1, 1} && d(gone) == [2]int64{0, 0} {
			return
		}
		last = fmt.Sprint(d(mapped), d(split), d(gone))
	}
	t.Fatalf("(private VMOs, VMOs) relative to before: %s; want mmap [1 1], split [1 1], unmapped [0 0]", last)
}

// TestStatsCountNonRuntimeVmos: the family's leak checks (stats) take
// only the VMOs behind the live processes' anonymous mappings out of the
// count. A VMO a handle holds, or a vmar_map mapping alone, still
// counts, and so would a leaked one. Retries for a quiet window, as
// another process may create a VMO meanwhile.
func TestStatsCountNonRuntimeVmos(t *testing.T) {
	var last string
	for try := 0; try < 5; try++ {
		before := stats(t)
		v, err := zx.NewVmo(zx.PageSize, 0)
		if err != nil {
			t.Fatalf("vmo_create: %v", err)
		}
		held := stats(t)
		addr, err := zx.VmarRootSelf().Map(zx.VMPermRead, 0, v, 0, zx.PageSize)
		v.Close()
		if err != nil {
			t.Fatalf("vmar_map: %v", err)
		}
		mapped := stats(t)
		if err := zx.VmarRootSelf().Unmap(addr, zx.PageSize); err != nil {
			t.Fatalf("vmar_unmap: %v", err)
		}
		gone := stats(t)
		d := func(s zx.KernelStats) int64 {
			return int64(s.Objects[zx.ObjTypeVMO]) - int64(before.Objects[zx.ObjTypeVMO])
		}
		if d(held) == 1 && d(mapped) == 1 && d(gone) == 0 {
			return
		}
		last = fmt.Sprint(d(held), d(mapped), d(gone))
	}
	t.Fatalf("VMOs relative to before: held, mapped, unmapped %s; want 1 1 0", last)
}
