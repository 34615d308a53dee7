package resource

import (
	"math"
	"sync"
	"testing"

	"beryl/arch/x86/uio"
	"beryl/userspace/zx"
)

// The port of Zircon's core-tests resource/resource.cc (TEST(Resource, ...)).

const mmioTestSize = 4 * page

const page = zx.PageSize

var (
	mmioOnce sync.Once
	mmioBase uint64
	mmioErr  zx.Status
)

// mmioTestBase is the original's ProbeAddressSpace result: the first
// 4 GiB-aligned base where the root resource grants an MMIO range (the
// original keeps it in a global set by its first case).
func mmioTestBase(t *testing.T) uint64 {
	t.Helper()
	r := root(t)
	mmioOnce.Do(func() {
		const step = 0x1_0000_0000
		mmioErr = zx.ErrNotFound
		for base := uint64(0); base < math.MaxUint64-step; base += step {
			h, st := create(r, zx.ResourceKindMMIO, base, mmioTestSize, "")
			if st == zx.OK {
				zx.Sys_handle_close(h)
				mmioBase, mmioErr = base, zx.OK
				return
			}
			if st != zx.ErrNotFound {
				mmioBase, mmioErr = base, st
				return
			}
		}
	})
	if mmioErr != zx.OK {
		t.Fatalf("probing MMIO at %#x: %v, want ZX_ERR_NOT_FOUND or ZX_OK", mmioBase, mmioErr)
	}
	return mmioBase
}

func TestResource_ProbeAddressSpace(t *testing.T) {
	mmioTestBase(t)
}

func TestResource_BasicActions(t *testing.T) {
	base := mmioTestBase(t)
	newRoot := mustCreate(t, root(t), zx.ResourceKindRoot, 0, 0, "root\x00")
	in := getInfo(t, newRoot)
	if in.kind != zx.ResourceKindRoot || in.base != 0 || in.size != 0 || in.flags != 0 || in.name != "root" {
		t.Errorf("new root: %+v", in)
	}
	mmio := mustCreate(t, newRoot, zx.ResourceKindMMIO|zx.ResourceFlagExclusive, base, mmioTestSize, "test_resource_name\x00")
	in = getInfo(t, mmio)
	if in.kind != zx.ResourceKindMMIO || in.flags != zx.ResourceFlagExclusive || in.base != base || in.size != mmioTestSize || in.name != "test_resource_name" {
		t.Errorf("mmio: %+v", in)
	}
}

func TestResource_InvalidArgs(t *testing.T) {
	base := mmioTestBase(t)
	r := root(t)
	temp := mustCreate(t, r, zx.ResourceKindMMIO, base, mmioTestSize, "")
	_, st := create(temp, zx.ResourceKindRoot, 0, 0, "")
	want(t, "ROOT from MMIO", st, zx.ErrAccessDenied)
	_, st = create(temp, zx.ResourceKindIRQ, 0, 0, "")
	want(t, "IRQ from MMIO", st, zx.ErrAccessDenied)
	_, st = create(r, zx.ResourceKindCount, base, mmioTestSize, "")
	want(t, "kind COUNT", st, zx.ErrInvalidArgs)
	_, st = create(r, zx.ResourceKindCount+1, base, mmioTestSize, "")
	want(t, "kind COUNT+1", st, zx.ErrInvalidArgs)
	_, st = create(r, zx.ResourceKindMMIO, math.MaxUint64, 1024, "")
	want(t, "base UINT64_MAX", st, zx.ErrInvalidArgs)
	_, st = create(r, zx.ResourceKindMMIO, 1024, math.MaxUint64, "")
	want(t, "size UINT64_MAX", st, zx.ErrInvalidArgs)
	_, st = create(r, zx.ResourceKindMMIO|0xff0000, base, mmioTestSize, "")
	want(t, "options 0xff0000", st, zx.ErrInvalidArgs)
}

func TestResource_ExclusiveShared(t *testing.T) {
	base := mmioTestBase(t)
	mustCreate(t, root(t), zx.ResourceKindMMIO|zx.ResourceFlagExclusive, base, mmioTestSize, "")
	_, st := create(root(t), zx.ResourceKindMMIO, base, mmioTestSize, "")
	want(t, "shared over exclusive", st, zx.ErrNotFound)
}

func TestResource_SharedExclusive(t *testing.T) {
	base := mmioTestBase(t)
	mustCreate(t, root(t), zx.ResourceKindMMIO, base, mmioTestSize, "")
	_, st := create(root(t), zx.ResourceKindMMIO|zx.ResourceFlagExclusive, base, mmioTestSize, "")
	want(t, "exclusive over shared", st, zx.ErrNotFound)
}

func physVMO(t *testing.T, rsrc zx.Handle, paddr, size uint64) zx.Status {
	var vmo zx.Handle
	st := zx.Sys_vmo_create_physical(rsrc, paddr, uint(size), &vmo)
	if st == zx.OK {
		zx.Sys_handle_close(vmo)
	}
	return st
}

func TestResource_VmoCreation(t *testing.T) {
	base := mmioTestBase(t)
	mmio := mustCreate(t, root(t), zx.ResourceKindMMIO, base, mmioTestSize, "")
	want(t, "vmo_create_physical", physVMO(t, mmio, base, page), zx.OK)
}

func TestResource_VmoCreationSmaller(t *testing.T) {
	base := mmioTestBase(t)
	mmio := mustCreate(t, root(t), zx.ResourceKindMMIO, base, page/2, "")
	want(t, "vmo_create_physical(a page over half a page)", physVMO(t, mmio, base, page), zx.OK)
}

func TestResource_VmoCreationUnaligned(t *testing.T) {
	base := mmioTestBase(t)
	mmio := mustCreate(t, root(t), zx.ResourceKindMMIO, base+0x7800, 0x2000, "")
	want(t, "vmo_create_physical(rounded)", physVMO(t, mmio, base+0x7000, 0x2000), zx.OK)
}

// TestResource_VmoReplaceAsExecutable: the original makes a resource of
// the old ZX_RSRC_KIND_VMEX; later Zircon (and Beryl) name it as the
// system resource at ZX_RSRC_SYSTEM_VMEX_BASE.
func TestResource_VmoReplaceAsExecutable(t *testing.T) {
	var vmo, vmo2, vmo3 zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(page, 0, &vmo))
	defer zx.Sys_handle_close(vmo)
	vmex := mustCreate(t, root(t), zx.ResourceKindSystem, zx.ResourceSystemVmexBase, 1, "")
	rights := func(h zx.Handle) zx.Rights {
		defer zx.Sys_handle_close(h)
		return basic(t, h).Rights
	}
	must(t, "duplicate(READ)", zx.Sys_handle_duplicate(vmo, zx.RightRead, &vmo2))
	must(t, "replace_as_executable(VMEX)", zx.Sys_vmo_replace_as_executable(vmo2, vmex, &vmo3))
	if r := rights(vmo3); r != zx.RightRead|zx.RightExecute {
		t.Errorf("rights %#x, want READ|EXECUTE", r)
	}
	must(t, "duplicate(READ)", zx.Sys_handle_duplicate(vmo, zx.RightRead, &vmo2))
	must(t, "replace_as_executable(INVALID)", zx.Sys_vmo_replace_as_executable(vmo2, zx.HandleInvalid, &vmo3))
	if r := rights(vmo3); r != zx.RightRead|zx.RightExecute {
		t.Errorf("rights %#x, want READ|EXECUTE", r)
	}
	must(t, "duplicate(READ)", zx.Sys_handle_duplicate(vmo, zx.RightRead, &vmo2))
	want(t, "replace_as_executable(a VMO as vmex)", zx.Sys_vmo_replace_as_executable(vmo2, vmo, &vmo3), zx.ErrWrongType)
}

func TestResource_CreateResourceSlice(t *testing.T) {
	base := mmioTestBase(t)
	r := root(t)
	// Each block of the original closes its resources at its end.
	scoped := func(f func()) { f() }
	scoped(func() {
		mmio, st := create(r, zx.ResourceKindMMIO, base, page, "")
		must(t, "mmio", st)
		defer zx.Sys_handle_close(mmio)
		_, st = create(mmio, zx.ResourceKindRoot, base, page, "")
		want(t, "ROOT from MMIO", st, zx.ErrAccessDenied)
		_, st = create(mmio, zx.ResourceKindIRQ, base, page, "")
		want(t, "IRQ from MMIO", st, zx.ErrAccessDenied)
		_, st = create(mmio, zx.ResourceKindIRQ, base+page, page, "")
		want(t, "IRQ from MMIO, other base", st, zx.ErrAccessDenied)
		_, st = create(mmio, zx.ResourceKindIRQ, base, page+34, "")
		want(t, "IRQ from MMIO, other size", st, zx.ErrAccessDenied)
	})
	for _, c := range []struct {
		what          string
		parent, child uint32
	}{
		{"exclusive -> shared", zx.ResourceFlagExclusive, 0},
		{"shared -> exclusive", 0, zx.ResourceFlagExclusive},
		{"exclusive -> exclusive", zx.ResourceFlagExclusive, zx.ResourceFlagExclusive},
	} {
		mmio, st := create(r, zx.ResourceKindMMIO|c.parent, base, page, "")
		must(t, c.what+": parent", st)
		_, st = create(mmio, zx.ResourceKindMMIO|c.child, base, page, "")
		want(t, c.what, st, zx.ErrInvalidArgs)
		zx.Sys_handle_close(mmio)
	}
	scoped(func() {
		mmio, st := create(r, zx.ResourceKindMMIO, base, page, "")
		must(t, "mmio", st)
		defer zx.Sys_handle_close(mmio)
		same, st := create(mmio, zx.ResourceKindMMIO, base, page, "")
		must(t, "identical slice", st)
		zx.Sys_handle_close(same)
	})
	{
		mmio := mustCreate(t, r, zx.ResourceKindMMIO, base, 2*page, "")
		smaller := mustCreate(t, mmio, zx.ResourceKindMMIO, base, page, "")
		want(t, "vmo_create_physical(two pages of a one-page slice)", physVMO(t, smaller, base, 2*page), zx.ErrOutOfRange)
		want(t, "vmo_create_physical(the slice)", physVMO(t, smaller, base, page), zx.OK)
	}
}

func TestResource_Ioports(t *testing.T) {
	const ioBase, ioSize = 0xcf8, 8
	io := mustCreate(t, root(t), zx.ResourceKindIOPort, ioBase, ioSize, "ports!\x00")
	want(t, "ioports_request", zx.Sys_ioports_request(io, ioBase, ioSize), zx.OK)
	want(t, "ioports_release", zx.Sys_ioports_release(io, ioBase, ioSize), zx.OK)
	one := mustCreate(t, root(t), zx.ResourceKindIOPort, 0x80, 1, "one")
	want(t, "ioports_request(wrong ports)", zx.Sys_ioports_request(one, ioBase, ioSize), zx.ErrOutOfRange)
	want(t, "ioports_request(0x80)", zx.Sys_ioports_request(one, 0x80, 1), zx.OK)
	uio.Outb(0x80, 1) // faults (the process dies) unless the port was granted
	want(t, "ioports_release(wrong ports)", zx.Sys_ioports_release(one, ioBase, ioSize), zx.ErrOutOfRange)
	want(t, "ioports_release(0x80)", zx.Sys_ioports_release(one, 0x80, 1), zx.OK)
}
