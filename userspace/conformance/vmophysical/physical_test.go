// Package vmophysical is the conformance family for device memory, run
// inside Beryl: zx_vmo_create_physical (resource checks, the kernel's RAM
// and devices refused, mapping and reading firmware memory, physical VMOs
// over the test RAM of test.ram.reserve) and zx_vmo_set_cache_policy.
package vmophysical

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

func root(t *testing.T) zx.Handle {
	t.Helper()
	if relaunch.RootResource == zx.HandleInvalid {
		t.Fatal("no root resource (PA_RESOURCE): init passes it to the conformance families")
	}
	return relaunch.RootResource
}

const (
	biosBase = 0xe0000 // BIOS ROM: the ACPI RSDP lives in 0xe0000-0xfffff
	biosSize = 0x20000
	freeMMIO = 0xd000_0000 // unused by QEMU's pc and q35 machines
)

func resource(t *testing.T, kind uint32, base, size uint64) zx.Handle {
	t.Helper()
	var h zx.Handle
	must(t, "resource_create", zx.Sys_resource_create(root(t), kind, base, uint(size), nil, 0, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func physical(t *testing.T, r zx.Handle, paddr, size uint64) zx.Handle {
	t.Helper()
	var v zx.Handle
	must(t, "vmo_create_physical", zx.Sys_vmo_create_physical(r, paddr, uint(size), &v))
	t.Cleanup(func() { zx.Sys_handle_close(v) })
	return v
}

func mapVmo(t *testing.T, v zx.Handle, size uint64) uintptr {
	t.Helper()
	var addr zx.Vaddr
	must(t, "vmar_map", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead, 0, v, 0, uint(size), &addr))
	t.Cleanup(func() { zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, addr, uint(size)) })
	return uintptr(addr)
}

// testRAMRange parses BERYL_TEST_RAM=BASE:SIZE, the RAM the kernel set
// aside for physical VMOs (test.ram.reserve, passed on by init).
func testRAMRange() (base, size uint64, ok bool) {
	b, s, ok := strings.Cut(os.Getenv("BERYL_TEST_RAM"), ":")
	if !ok {
		return 0, 0, false
	}
	base, err1 := strconv.ParseUint(b, 0, 64)
	size, err2 := strconv.ParseUint(s, 0, 64)
	return base, size, err1 == nil && err2 == nil && size != 0
}

// testRAM returns the test RAM. As the original's GetTestPhysVmo, having
// the root resource but no such RAM is a test error: every harness boot
// (make conformance, zxrun, the conformance ISO) reserves it.
func testRAM(t *testing.T) (base, size uint64) {
	t.Helper()
	base, size, ok := testRAMRange()
	if !ok {
		t.Fatalf("no test RAM (BERYL_TEST_RAM %q): boot with test.ram.reserve=SIZE", os.Getenv("BERYL_TEST_RAM"))
	}
	return base, size
}

// TestVmoPhysicalMapFirmware maps the BIOS area through an MMIO resource
// covering just it and finds the ACPI RSDP's signature there: the
// mapping reaches the physical pages.
func TestVmoPhysicalMapFirmware(t *testing.T) {
	r := resource(t, zx.ResourceKindMMIO, biosBase, biosSize)
	v := physical(t, r, biosBase, biosSize)
	if b := basic(t, v); b.Type != zx.ObjTypeVMO || b.Rights&zx.RightMap == 0 {
		t.Errorf("type %d rights %#x", b.Type, b.Rights)
	}
	var size uint64
	must(t, "vmo_get_size", zx.Sys_vmo_get_size(v, &size))
	if size != biosSize {
		t.Errorf("size %#x", size)
	}
	addr := mapVmo(t, v, biosSize)
	mem := unsafe.Slice((*byte)(ptr(addr)), biosSize)
	found := false
	for off := 0; off < biosSize; off += 16 {
		if bytes.HasPrefix(mem[off:], []byte("RSD PTR ")) {
			found = true
			break
		}
	}
	if !found {
		t.Error("no RSDP signature in the mapped BIOS area")
	}
}

// TestVmoPhysicalResourceErrors: the resource's gate, kind and range, in
// Zircon's order, and a bad out pointer.
func TestVmoPhysicalResourceErrors(t *testing.T) {
	var v zx.Handle
	want(t, "invalid handle", zx.Sys_vmo_create_physical(zx.HandleInvalid, freeMMIO, 0x1000, &v), zx.ErrBadHandle)
	want(t, "event", zx.Sys_vmo_create_physical(newEvent(t), freeMMIO, 0x1000, &v), zx.ErrWrongType)
	irq := resource(t, zx.ResourceKindIRQ, 9, 1)
	want(t, "IRQ resource", zx.Sys_vmo_create_physical(irq, freeMMIO, 0x1000, &v), zx.ErrWrongType)
	mmio := resource(t, zx.ResourceKindMMIO, freeMMIO, 0x2000)
	want(t, "beyond the resource", zx.Sys_vmo_create_physical(mmio, freeMMIO, 0x3000, &v), zx.ErrOutOfRange)
	want(t, "below the resource", zx.Sys_vmo_create_physical(mmio, freeMMIO-0x1000, 0x1000, &v), zx.ErrOutOfRange)
	// A driver holding one device's range cannot map another's.
	other := resource(t, zx.ResourceKindMMIO, freeMMIO+0x10000, 0x1000)
	want(t, "another device's range", zx.Sys_vmo_create_physical(other, freeMMIO, 0x1000, &v), zx.ErrOutOfRange)
	physical(t, mmio, freeMMIO+0x1000, 0x1000)
	bad := badAddrs(t, 4, true)
	before := handleCount(t)
	for _, b := range bad {
		want(t, "out "+b.Name, zx.Sys_vmo_create_physical(mmio, freeMMIO, 0x1000, (*zx.Handle)(ptr(b.Addr))), zx.ErrInvalidArgs)
	}
	if n := handleCount(t); n != before {
		t.Errorf("handles %d -> %d", before, n)
	}
}

// TestVmoPhysicalInvalidArgs: unaligned paddr, size 0, a wrapping range.
func TestVmoPhysicalInvalidArgs(t *testing.T) {
	r := root(t)
	var v zx.Handle
	want(t, "unaligned paddr", zx.Sys_vmo_create_physical(r, freeMMIO+0x800, 0x1000, &v), zx.ErrInvalidArgs)
	want(t, "size 0", zx.Sys_vmo_create_physical(r, freeMMIO, 0, &v), zx.ErrInvalidArgs)
	want(t, "wrapping", zx.Sys_vmo_create_physical(r, ^uint64(0)&^0xfff, 0x2000, &v), zx.ErrInvalidArgs)
}

// TestVmoPhysicalKernelMemory: RAM the kernel manages and its own
// devices are refused even with the root resource; of RAM, only the
// test RAM (test.ram.reserve) is left to physical VMOs, and not a page
// more.
func TestVmoPhysicalKernelMemory(t *testing.T) {
	r := root(t)
	var v zx.Handle
	type span struct {
		what        string
		paddr, size uint64
	}
	ram := uint64(16 << 20)
	var test []span
	if tb, ts, ok := testRAMRange(); ok {
		if ram >= tb && ram < tb+ts {
			ram = tb + ts
		}
		test = []span{{"the test RAM and the page after it", tb, ts + 0x1000}, {"the page before the test RAM and the test RAM", tb - 0x1000, ts + 0x1000}}
	}
	for _, c := range append([]span{{"RAM at 16 MiB", ram, 0x1000}, {"the kernel image at 2 MiB", 2 << 20, 0x1000}, {"LAPIC", 0xfee0_0000, 0x1000}, {"I/O APIC", 0xfec0_0000, 0x1000}, {"range ending in RAM", 0xff000, 0x2000}}, test...) {
		want(t, c.what, zx.Sys_vmo_create_physical(r, c.paddr, uint(c.size), &v), zx.ErrAccessDenied)
	}
}

// TestVmoPhysicalRestrictions: no vmo_read/vmo_write, no decommit, no
// snapshot, no resize; a syscall cannot take its buffer from device
// memory; slices work.
func TestVmoPhysicalRestrictions(t *testing.T) {
	v := physical(t, root(t), biosBase, biosSize)
	var b [8]byte
	want(t, "vmo_read", zx.Sys_vmo_read(v, unsafe.Pointer(&b[0]), 0, 8), zx.ErrNotSupported)
	want(t, "vmo_write", zx.Sys_vmo_write(v, unsafe.Pointer(&b[0]), 0, 8), zx.ErrNotSupported)
	want(t, "decommit", zx.Sys_vmo_op_range(v, zx.VMOOpDecommit, 0, 0x1000, nil, 0), zx.ErrNotSupported)
	want(t, "commit", zx.Sys_vmo_op_range(v, zx.VMOOpCommit, 0, 0x1000, nil, 0), zx.OK)
	want(t, "set_size", zx.Sys_vmo_set_size(v, 0x1000), zx.ErrUnavailable)
	var c zx.Handle
	want(t, "snapshot", zx.Sys_vmo_create_child(v, zx.VMOChildSnapshot, 0, 0x1000, &c), zx.ErrNotSupported)
	must(t, "slice", zx.Sys_vmo_create_child(v, zx.VMOChildSlice, 0x10000, 0x10000, &c))
	defer zx.Sys_handle_close(c)
	addr := mapVmo(t, v, 0x1000)
	// event_create's out pointer in device memory: INVALID_ARGS.
	var mapped zx.Vaddr
	must(t, "map rw", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead|zx.VMPermWrite, 0, physical(t, root(t), freeMMIO, 0x1000), 0, 0x1000, &mapped))
	defer zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, mapped, 0x1000)
	want(t, "event_create(out in device memory)", zx.Sys_event_create(0, (*zx.Handle)(ptr(uintptr(mapped)))), zx.ErrInvalidArgs)
	_ = addr
}

// TestVmoSetCachePolicy: every policy on an unmapped physical VMO; the
// rights gate; unknown policies; BAD_STATE while mapped, and on a paged
// VMO with committed pages.
func TestVmoSetCachePolicy(t *testing.T) {
	v := physical(t, root(t), freeMMIO, 0x1000)
	for _, p := range []uint32{zx.CachePolicyCached, zx.CachePolicyUncached, zx.CachePolicyWriteCombining, zx.CachePolicyUncachedDevice} {
		want(t, "set_cache_policy", zx.Sys_vmo_set_cache_policy(v, p), zx.OK)
	}
	want(t, "policy 4", zx.Sys_vmo_set_cache_policy(v, 4), zx.ErrInvalidArgs)
	want(t, "policy 0xffffffff", zx.Sys_vmo_set_cache_policy(v, 0xffffffff), zx.ErrInvalidArgs)
	want(t, "invalid handle", zx.Sys_vmo_set_cache_policy(zx.HandleInvalid, 0), zx.ErrBadHandle)
	want(t, "event", zx.Sys_vmo_set_cache_policy(newEvent(t), 0), zx.ErrWrongType)
	// sys_vmo_set_cache_policy checks the policy before the handle.
	want(t, "invalid handle, policy 4", zx.Sys_vmo_set_cache_policy(zx.HandleInvalid, 4), zx.ErrInvalidArgs)
	want(t, "no MAP right", zx.Sys_vmo_set_cache_policy(reduced(t, v, zx.RightRead|zx.RightWrite), 0), zx.ErrAccessDenied)
	addr := mapVmo(t, v, 0x1000)
	want(t, "while mapped", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyCached), zx.ErrBadState)
	zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, zx.Vaddr(addr), 0x1000)
	want(t, "after unmap", zx.Sys_vmo_set_cache_policy(v, zx.CachePolicyCached), zx.OK)
	var p zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(0x2000, 0, &p))
	defer zx.Sys_handle_close(p)
	want(t, "paged, empty", zx.Sys_vmo_set_cache_policy(p, zx.CachePolicyUncached), zx.OK)
	must(t, "commit", zx.Sys_vmo_op_range(p, zx.VMOOpCommit, 0, 0x1000, nil, 0))
	want(t, "paged, committed", zx.Sys_vmo_set_cache_policy(p, zx.CachePolicyCached), zx.ErrBadState)
}

// TestMain takes the root resource init passes on.
func TestMain(m *testing.M) {
	relaunch.Main(m, "BERYL_VMOPHYSICAL_WORKER", func(string) int { return 2 })
}
