// Package resource is the conformance family for zx_resource_create and
// ZX_INFO_RESOURCE, run inside Beryl (Zircon's core-tests resource/):
// kinds, ranges against the parent, exclusive reservations, the ranges
// the kernel keeps (RAM, LAPIC, I/O APIC, console UART), rights, and
// the narrow system resources the privileged calls accept.
package resource

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
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

// A physical window QEMU leaves unused on both pc and q35 (above 3 GiB,
// below the PCI hole's devices and the LAPIC/IOAPIC pages at 0xfec00000).
const (
	freeMMIO = 0xd000_0000
	lapic    = 0xfee0_0000
	ioapic   = 0xfec0_0000
	com1     = 0x3f8
)

func create(parent zx.Handle, options uint32, base, size uint64, name string) (zx.Handle, zx.Status) {
	var h zx.Handle
	var p *uint8
	if len(name) > 0 {
		p = unsafe.StringData(name)
	}
	st := zx.Sys_resource_create(parent, options, base, uint(size), p, uint(len(name)), &h)
	return h, st
}

func mustCreate(t *testing.T, parent zx.Handle, options uint32, base, size uint64, name string) zx.Handle {
	t.Helper()
	h, st := create(parent, options, base, size, name)
	must(t, "resource_create", st)
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

type info struct {
	kind, flags uint32
	base, size  uint64
	name        string
}

func getInfo(t *testing.T, h zx.Handle) info {
	t.Helper()
	b := make([]byte, zx.ObjectInfoResourceSize)
	var actual, avail uint
	must(t, "get_info(RESOURCE)", zx.Sys_object_get_info(h, zx.ObjectInfoResource, unsafe.Pointer(&b[0]), uint(len(b)), &actual, &avail))
	if actual != 1 || avail != 1 {
		t.Errorf("actual %d avail %d", actual, avail)
	}
	n := 24
	for n < len(b) && b[n] != 0 {
		n++
	}
	return info{binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint64(b[8:]), binary.LittleEndian.Uint64(b[16:]), string(b[24:n])}
}

// TestResourceCreateKinds: each ranged kind from the root resource, read
// back with ZX_INFO_RESOURCE, with Zircon's default rights; names are
// truncated to 31 bytes.
func TestResourceCreateKinds(t *testing.T) {
	r := root(t)
	if in := getInfo(t, r); in.kind != zx.ResourceKindRoot {
		t.Errorf("root kind %d", in.kind)
	}
	for _, c := range []struct {
		kind       uint32
		base, size uint64
	}{{zx.ResourceKindMMIO, freeMMIO, 0x2000}, {zx.ResourceKindIOPort, 0x2000, 0x10}, {zx.ResourceKindIRQ, 10, 1}, {zx.ResourceKindSystem, zx.ResourceSystemPowerBase, 1}} {
		h := mustCreate(t, r, c.kind, c.base, c.size, "a-resource-with-a-very-long-name-indeed")
		in := getInfo(t, h)
		if in.kind != c.kind || in.flags != 0 || in.base != c.base || in.size != c.size || in.name != "a-resource-with-a-very-long-nam" {
			t.Errorf("kind %d: info %+v", c.kind, in)
		}
		if b := basic(t, h); b.Type != zx.ObjTypeResource || b.Rights != zx.RightTransfer|zx.RightDuplicate|zx.RightWrite|zx.RightInspect {
			t.Errorf("kind %d: type %d rights %#x", c.kind, b.Type, b.Rights)
		}
	}
	h := mustCreate(t, r, zx.ResourceKindRoot, 0, 0, "")
	if in := getInfo(t, h); in.kind != zx.ResourceKindRoot {
		t.Errorf("second root: %+v", in)
	}
}

// TestResourceCreateHandleErrors: the parent's gate in Zircon's order
// (BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED without WRITE).
func TestResourceCreateHandleErrors(t *testing.T) {
	_, st := create(zx.HandleInvalid, zx.ResourceKindMMIO, freeMMIO, 0x1000, "")
	want(t, "create(invalid)", st, zx.ErrBadHandle)
	_, st = create(zx.Handle(0x7ffffff3), zx.ResourceKindMMIO, freeMMIO, 0x1000, "")
	want(t, "create(unknown)", st, zx.ErrBadHandle)
	ev := newEvent(t)
	_, st = create(ev, zx.ResourceKindMMIO, freeMMIO, 0x1000, "")
	want(t, "create(event)", st, zx.ErrWrongType)
	ro := reduced(t, root(t), zx.RightInspect|zx.RightDuplicate)
	_, st = create(ro, zx.ResourceKindMMIO, freeMMIO, 0x1000, "")
	want(t, "create(root without WRITE)", st, zx.ErrAccessDenied)
}

// TestResourceCreateInvalidArgs: bad kind or flags, ROOT with a range, an
// empty or wrapping range, an unreadable name, an unwritable out.
func TestResourceCreateInvalidArgs(t *testing.T) {
	r := root(t)
	for _, c := range []struct {
		what       string
		options    uint32
		base, size uint64
	}{
		{"kind COUNT", zx.ResourceKindCount, 0, 1},
		{"kind 0xffff", 0xffff, 0, 1},
		{"unknown flag", zx.ResourceKindMMIO | 0x20000, freeMMIO, 0x1000},
		{"root with base", zx.ResourceKindRoot, 1, 0},
		{"root with size", zx.ResourceKindRoot, 0, 1},
		{"empty mmio", zx.ResourceKindMMIO, freeMMIO, 0},
		{"wrapping", zx.ResourceKindMMIO, ^uint64(0) - 0xfff, 0x2000},
		{"smc on x86", zx.ResourceKindSMC, 0, 0},
	} {
		_, st := create(r, c.options, c.base, c.size, "")
		want(t, "create("+c.what+")", st, zx.ErrInvalidArgs)
	}
	for _, b := range badAddrs(t, 4, false) {
		var h zx.Handle
		want(t, "create(name "+b.Name+")", zx.Sys_resource_create(r, zx.ResourceKindIOPort, 0x2000, 8, (*uint8)(ptr(b.Addr)), 4, &h), zx.ErrInvalidArgs)
	}
	bad := badAddrs(t, 4, true)
	before := handleCount(t)
	for _, b := range bad {
		want(t, "create(out "+b.Name+")", zx.Sys_resource_create(r, zx.ResourceKindIOPort, 0x2000, 8, nil, 0, (*zx.Handle)(ptr(b.Addr))), zx.ErrInvalidArgs)
	}
	if n := handleCount(t); n != before {
		t.Errorf("handles %d -> %d after bad out pointers", before, n)
	}
}

// TestResourceSlices: a non-root parent grants sub-ranges of its own kind
// only (else ACCESS_DENIED; MMIO ranges count in whole pages), and no
// exclusive slices (INVALID_ARGS).
func TestResourceSlices(t *testing.T) {
	r := root(t)
	p := mustCreate(t, r, zx.ResourceKindMMIO, freeMMIO+0x800, 0x1000, "parent")
	s := mustCreate(t, p, zx.ResourceKindMMIO, freeMMIO, 0x2000, "page-rounded")
	mustCreate(t, s, zx.ResourceKindMMIO, freeMMIO+0x1000, 0x10, "slice of slice")
	_, st := create(p, zx.ResourceKindMMIO, freeMMIO, 0x3000, "")
	want(t, "slice beyond the parent", st, zx.ErrAccessDenied)
	_, st = create(p, zx.ResourceKindMMIO, freeMMIO-0x1000, 0x1000, "")
	want(t, "slice below the parent", st, zx.ErrAccessDenied)
	_, st = create(p, zx.ResourceKindIOPort, 0x2000, 1, "")
	want(t, "other kind", st, zx.ErrAccessDenied)
	_, st = create(p, zx.ResourceKindRoot, 0, 0, "")
	want(t, "root from mmio", st, zx.ErrAccessDenied)
	_, st = create(p, zx.ResourceKindMMIO|zx.ResourceFlagExclusive, freeMMIO, 0x1000, "")
	want(t, "exclusive slice", st, zx.ErrInvalidArgs)
	sys := mustCreate(t, r, zx.ResourceKindSystem, zx.ResourceSystemInfoBase, 1, "info")
	_, st = create(sys, zx.ResourceKindSystem, zx.ResourceSystemPowerBase, 1, "")
	want(t, "other system base", st, zx.ErrAccessDenied)
}

// TestResourceExclusive: an exclusive range excludes every other resource
// of its kind over it, and is free again once closed (NOT_FOUND while
// it lives); an exclusive one cannot overlap a shared one either.
func TestResourceExclusive(t *testing.T) {
	r := root(t)
	x, st := create(r, zx.ResourceKindIOPort|zx.ResourceFlagExclusive, 0x2100, 0x10, "x")
	must(t, "exclusive", st)
	if in := getInfo(t, x); in.flags != zx.ResourceFlagExclusive {
		t.Errorf("flags %#x", in.flags)
	}
	_, st = create(r, zx.ResourceKindIOPort, 0x2108, 1, "")
	want(t, "shared inside exclusive", st, zx.ErrNotFound)
	_, st = create(r, zx.ResourceKindIOPort|zx.ResourceFlagExclusive, 0x20f8, 0x10, "")
	want(t, "exclusive overlapping exclusive", st, zx.ErrNotFound)
	zx.Sys_handle_close(x)
	y := mustCreate(t, r, zx.ResourceKindIOPort|zx.ResourceFlagExclusive, 0x2100, 0x10, "again")
	_ = y
	shared := mustCreate(t, r, zx.ResourceKindIRQ, 12, 1, "")
	_ = shared
	_, st = create(r, zx.ResourceKindIRQ|zx.ResourceFlagExclusive, 12, 1, "")
	want(t, "exclusive over shared", st, zx.ErrNotFound)
}

// TestResourceKernelRanges: RAM the kernel manages, the LAPIC, the I/O
// APIC, COM1 and the ranges outside a kind's space are never granted
// (NOT_FOUND), not even shared from the root resource.
func TestResourceKernelRanges(t *testing.T) {
	r := root(t)
	for _, c := range []struct {
		what       string
		kind       uint32
		base, size uint64
	}{
		{"RAM at 16 MiB", zx.ResourceKindMMIO, 16 << 20, 0x1000},
		{"range into RAM", zx.ResourceKindMMIO, 0x1f0000, 0x20000},
		{"LAPIC", zx.ResourceKindMMIO, lapic, 0x1000},
		{"I/O APIC", zx.ResourceKindMMIO, ioapic, 0x10},
		{"COM1", zx.ResourceKindIOPort, com1, 8},
		{"COM1 line status", zx.ResourceKindIOPort, com1 + 5, 1},
		{"i8042", zx.ResourceKindIOPort, 0x60, 1},
		{"PIC", zx.ResourceKindIOPort, 0x20, 2},
		{"port 0x10000", zx.ResourceKindIOPort, 0xfff8, 0x10},
		{"MMIO beyond the physical address width", zx.ResourceKindMMIO, 1 << 60, 0x1000},
		{"GSI 4096", zx.ResourceKindIRQ, 4096, 1},
		{"system base 0x200", zx.ResourceKindSystem, 0x200, 1},
	} {
		_, st := create(r, c.kind, c.base, c.size, "")
		want(t, "create("+c.what+")", st, zx.ErrNotFound)
	}
}

// TestNarrowSystemResources: system_powerctl, beryl_kernel_stats and
// beryl_process_set_class take the root resource or their own system
// resource; another resource is ACCESS_DENIED.
func TestNarrowSystemResources(t *testing.T) {
	r := root(t)
	power := mustCreate(t, r, zx.ResourceKindSystem, zx.ResourceSystemPowerBase, 1, "power")
	info := mustCreate(t, r, zx.ResourceKindSystem, zx.ResourceSystemInfoBase, 1, "info")
	mmio := mustCreate(t, r, zx.ResourceKindMMIO, freeMMIO, 0x1000, "")
	want(t, "powerctl(power, bad cmd)", zx.Sys_system_powerctl(power, 1000, nil), zx.ErrInvalidArgs)
	want(t, "powerctl(info)", zx.Sys_system_powerctl(info, 1000, nil), zx.ErrAccessDenied)
	want(t, "powerctl(mmio)", zx.Sys_system_powerctl(mmio, 1000, nil), zx.ErrAccessDenied)
	buf := make([]byte, 16)
	want(t, "kernel_stats(info)", zx.Sys_beryl_kernel_stats(info, unsafe.Pointer(&buf[0]), uint(len(buf))), zx.OK)
	want(t, "kernel_stats(power)", zx.Sys_beryl_kernel_stats(power, unsafe.Pointer(&buf[0]), uint(len(buf))), zx.ErrAccessDenied)
	class := "x"
	want(t, "set_class(power)", zx.Sys_beryl_process_set_class(power, zx.ProcessSelf().Handle, unsafe.StringData(class), 1), zx.ErrAccessDenied)
	cls := mustCreate(t, r, zx.ResourceKindSystem, zx.BerylSystemClassBase, 1, "class")
	// The class resource passes; the started process is then BAD_STATE.
	want(t, "set_class(class resource, self)", zx.Sys_beryl_process_set_class(cls, zx.ProcessSelf().Handle, unsafe.StringData(class), 1), zx.ErrBadState)
}

// TestInfoResourceErrors: ZX_INFO_RESOURCE on another type is
// WRONG_TYPE, without INSPECT ACCESS_DENIED, into a short buffer
// BUFFER_TOO_SMALL.
func TestInfoResourceErrors(t *testing.T) {
	r := root(t)
	b := make([]byte, zx.ObjectInfoResourceSize)
	ev := newEvent(t)
	want(t, "info(event)", zx.Sys_object_get_info(ev, zx.ObjectInfoResource, unsafe.Pointer(&b[0]), uint(len(b)), nil, nil), zx.ErrWrongType)
	h := mustCreate(t, r, zx.ResourceKindIOPort, 0x2200, 4, "")
	noInspect := reduced(t, h, zx.RightTransfer)
	want(t, "info(no INSPECT)", zx.Sys_object_get_info(noInspect, zx.ObjectInfoResource, unsafe.Pointer(&b[0]), uint(len(b)), nil, nil), zx.ErrAccessDenied)
	want(t, "info(short)", zx.Sys_object_get_info(h, zx.ObjectInfoResource, unsafe.Pointer(&b[0]), 8, nil, nil), zx.ErrBufferTooSmall)
}

// TestMain takes the root resource init passes on.
func TestMain(m *testing.M) {
	relaunch.Main(m, "BERYL_RESOURCE_WORKER", func(string) int { return 2 })
}

var _ = ctest.Ptr
