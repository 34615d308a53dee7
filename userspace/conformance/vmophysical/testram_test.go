package vmophysical

import (
	"math"
	"testing"

	"beryl/userspace/zx"
)

// testPhysVmo is GetTestPhysVmo: a physical VMO over the first size
// bytes of the test RAM (all of it for size 0), made with the root
// resource.
func testPhysVmo(t *testing.T, size uint64) (zx.Handle, uint64) {
	t.Helper()
	base, avail := testRAM(t)
	if size == 0 {
		size = avail
	} else if size > avail {
		t.Fatalf("test RAM has %#x bytes, %#x wanted", avail, size)
	}
	return physical(t, root(t), base, size), size
}

// TestVmoTestCase_PhysicalSlice (utest/core/vmo: PhysicalSlice): a slice
// of a physical VMO over RAM records its parent and, mapped, reaches the
// same RAM as the parent's second page.
func TestVmoTestCase_PhysicalSlice(t *testing.T) {
	const size = 2 * zx.PageSize
	v, avail := testPhysVmo(t, 0)
	if avail < size {
		t.Fatalf("test RAM %#x bytes, below %#x", avail, size)
	}
	// Cached: this is RAM, not a device.
	must(t, "set_cache_policy(CACHED)", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyCached))
	pi := vmoInfo(t, v)
	if pi.Koid == 0 || pi.ParentKoid != 0 {
		t.Fatalf("physical VMO: koid %d parent_koid %d", pi.Koid, pi.ParentKoid)
	}
	var s zx.Handle
	must(t, "create_child(SLICE, second page)", zx.Sys_vmo_create_child(v, zx.VMOChildSlice, size/2, size/2, &s))
	defer zx.Sys_handle_close(s)
	if si := vmoInfo(t, s); si.ParentKoid != pi.Koid {
		t.Fatalf("slice parent_koid %d, want %d", si.ParentKoid, pi.Koid)
	}
	rw := uint32(zx.VMPermRead | zx.VMPermWrite)
	var pa, sa zx.Vaddr
	must(t, "map parent", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, rw, 0, v, 0, size, &pa))
	defer zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, pa, size)
	must(t, "map slice", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, rw, 0, s, 0, size/2, &sa))
	defer zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, sa, size/2)

	private := (*byte)(ptr(uintptr(pa)))
	shared := (*byte)(ptr(uintptr(pa) + size/2))
	slice := (*byte)(ptr(uintptr(sa)))
	// The same RAM through two different mappings.
	if shared == slice {
		t.Fatalf("parent's second page and the slice mapped at one address %#x", sa)
	}
	*private = 0
	*shared = 1
	if *slice != 1 {
		t.Errorf("slice reads %d after the parent wrote 1", *slice)
	}
	*slice = 42
	if *shared != 42 {
		t.Errorf("parent reads %d after the slice wrote 42", *shared)
	}
	if *private != 0 {
		t.Errorf("parent's first page reads %d, want 0", *private)
	}
}

// TestVmoTestCase_CacheOp (utest/core/vmo: CacheOp): every cache op over
// ranges in and out of a paged VMO and, as the original does when it
// has the root resource, of a cached physical VMO over the test RAM.
func TestVmoTestCase_CacheOp(t *testing.T) {
	const size = 0x8000
	var normal zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(size, 0, &normal))
	defer zx.Sys_handle_close(normal)
	phys, psize := testPhysVmo(t, 0)
	if psize < size {
		t.Fatalf("test RAM %#x bytes, below %#x", psize, size)
	}
	must(t, "set_cache_policy(CACHED)", zx.Sys_vmo_set_cache_policy(phys, zx.CachePolicyCached))
	for _, c := range []struct {
		what string
		v    zx.Handle
		size uint64
	}{{"paged", normal, size}, {"physical", phys, psize}} {
		for _, op := range []uint32{zx.VMOOpCacheSync, zx.VMOOpCacheClean, zx.VMOOpCacheCleanInvalid, zx.VMOOpCacheInvalidate} {
			for _, r := range [][2]uint64{{0, 1}, {1, 1}, {0, c.size}, {1, c.size - 1}, {0x5200, 1}, {0x5200, 0x800}, {0x5200, 0x1000}, {0x5200, 0x1200}} {
				want(t, c.what+": cache op", zx.Sys_vmo_op_range(c.v, op, r[0], r[1], nil, 0), zx.OK)
			}
			want(t, c.what+": cache op(0, 0)", zx.Sys_vmo_op_range(c.v, op, 0, 0, nil, 0), zx.ErrInvalidArgs)
			for _, r := range [][2]uint64{{1, c.size}, {c.size, 1}, {c.size + 1, 1}, {math.MaxUint64 - 1, 1}, {math.MaxUint64, 1}, {math.MaxUint64, math.MaxUint64}} {
				want(t, c.what+": cache op out of range", zx.Sys_vmo_op_range(c.v, op, r[0], r[1], nil, 0), zx.ErrOutOfRange)
			}
		}
	}
}
