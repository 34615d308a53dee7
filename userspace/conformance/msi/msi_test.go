// Package msi is the conformance family for message-signalled
// interrupts, run inside Beryl: msi_allocate (counts, resources, vector
// exhaustion and return) and msi_create (ids, the register VMO, MSI-X
// table entries, exclusive ids, release with the interrupt). Delivery
// from a real device is exercised by the PCI drivers' boot tests.
package msi

import (
	"testing"

	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

// freeMMIO is physical address space QEMU leaves unused: a stand-in MSI-X
// table (writes there are dropped).
const freeMMIO = 0xd000_0000

func root(t *testing.T) zx.Handle {
	t.Helper()
	if relaunch.RootResource == zx.HandleInvalid {
		t.Fatal("no root resource (PA_RESOURCE): init passes it to the conformance families")
	}
	return relaunch.RootResource
}

func allocate(t *testing.T, count uint32) zx.Handle {
	t.Helper()
	var h zx.Handle
	must(t, "msi_allocate", zx.Sys_msi_allocate(root(t), count, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func table(t *testing.T) zx.Handle {
	t.Helper()
	var v zx.Handle
	must(t, "vmo_create_physical", zx.Sys_vmo_create_physical(root(t), freeMMIO, 0x1000, &v))
	t.Cleanup(func() { zx.Sys_handle_close(v) })
	return v
}

// TestAllocate: counts are powers of two up to 32; the resource is
// checked first; vectors run out and come back when closed.
func TestAllocate(t *testing.T) {
	r := root(t)
	var h zx.Handle
	for _, n := range []uint32{0, 3, 6, 64, 33} {
		want(t, "count", zx.Sys_msi_allocate(r, n, &h), zx.ErrInvalidArgs)
	}
	want(t, "invalid resource", zx.Sys_msi_allocate(zx.HandleInvalid, 1, &h), zx.ErrBadHandle)
	want(t, "event", zx.Sys_msi_allocate(newEvent(t), 1, &h), zx.ErrWrongType)
	var power zx.Handle
	must(t, "resource_create(POWER)", zx.Sys_resource_create(r, zx.ResourceKindSystem, zx.ResourceSystemPowerBase, 1, nil, 0, &power))
	defer zx.Sys_handle_close(power)
	want(t, "power resource", zx.Sys_msi_allocate(power, 1, &h), zx.ErrAccessDenied)
	var msiRes zx.Handle
	must(t, "resource_create(MSI)", zx.Sys_resource_create(r, zx.ResourceKindSystem, zx.ResourceSystemMsiBase, 1, nil, 0, &msiRes))
	defer zx.Sys_handle_close(msiRes)
	must(t, "msi_allocate(MSI resource)", zx.Sys_msi_allocate(msiRes, 4, &h))
	if b := basic(t, h); b.Type != zx.ObjTypeMSI {
		t.Errorf("type %d", b.Type)
	}
	zx.Sys_handle_close(h)
	a, b := allocate(t, 32), allocate(t, 32)
	want(t, "exhausted", zx.Sys_msi_allocate(r, 1, &h), zx.ErrNoResources)
	zx.Sys_handle_close(a)
	must(t, "after a close", zx.Sys_msi_allocate(r, 32, &h))
	zx.Sys_handle_close(h)
	_ = b
	want(t, "bad out", zx.Sys_msi_allocate(r, 1, (*zx.Handle)(ptr(0x1000))), zx.ErrInvalidArgs)
}

// TestCreateMSIX: one interrupt per id, written into a stand-in MSI-X
// table; an id is exclusive until its interrupt is destroyed; the
// allocation's vectors stay taken while an interrupt lives.
func TestCreateMSIX(t *testing.T) {
	m := allocate(t, 2)
	v := table(t)
	var i0, i1, x zx.Handle
	must(t, "msi_create(0)", zx.Sys_msi_create(m, zx.MsiModeMSIX, 0, v, 0, &i0))
	if b := basic(t, i0); b.Type != zx.ObjTypeInterrupt {
		t.Errorf("type %d", b.Type)
	}
	must(t, "msi_create(1)", zx.Sys_msi_create(m, zx.MsiModeMSIX, 1, v, 0, &i1))
	want(t, "id 0 again", zx.Sys_msi_create(m, zx.MsiModeMSIX, 0, v, 0, &x), zx.ErrAlreadyBound)
	want(t, "trigger an MSI", zx.Sys_interrupt_trigger(i0, 0, 1), zx.ErrBadState)
	must(t, "destroy 0", zx.Sys_interrupt_destroy(i0))
	zx.Sys_handle_close(i0)
	must(t, "id 0 after destroy", zx.Sys_msi_create(m, zx.MsiModeMSIX, 0, v, 0, &x))
	zx.Sys_handle_close(x)
	zx.Sys_handle_close(i1)
}

// TestCreateErrors: handles, ids, options and the register VMO.
func TestCreateErrors(t *testing.T) {
	m := allocate(t, 1)
	v := table(t)
	var h zx.Handle
	want(t, "invalid msi", zx.Sys_msi_create(zx.HandleInvalid, zx.MsiModeMSIX, 0, v, 0, &h), zx.ErrBadHandle)
	want(t, "event as msi", zx.Sys_msi_create(newEvent(t), zx.MsiModeMSIX, 0, v, 0, &h), zx.ErrWrongType)
	want(t, "invalid vmo", zx.Sys_msi_create(m, zx.MsiModeMSIX, 0, zx.HandleInvalid, 0, &h), zx.ErrBadHandle)
	want(t, "vmo without MAP", zx.Sys_msi_create(m, zx.MsiModeMSIX, 0, reduced(t, v, zx.RightRead|zx.RightWrite), 0, &h), zx.ErrAccessDenied)
	want(t, "id past count", zx.Sys_msi_create(m, zx.MsiModeMSIX, 1, v, 0, &h), zx.ErrInvalidArgs)
	want(t, "options 2", zx.Sys_msi_create(m, 2, 0, v, 0, &h), zx.ErrInvalidArgs)
	want(t, "table past the VMO", zx.Sys_msi_create(m, zx.MsiModeMSIX, 0, v, 0x1000-8, &h), zx.ErrInvalidArgs)
	var paged zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(0x1000, 0, &paged))
	defer zx.Sys_handle_close(paged)
	want(t, "paged VMO", zx.Sys_msi_create(m, zx.MsiModeMSIX, 0, paged, 0, &h), zx.ErrInvalidArgs)
	var cached zx.Handle
	must(t, "vmo_create_physical", zx.Sys_vmo_create_physical(root(t), freeMMIO+0x1000, 0x1000, &cached))
	defer zx.Sys_handle_close(cached)
	must(t, "set_cache_policy", zx.Sys_vmo_set_cache_policy(cached, zx.CachePolicyCached))
	want(t, "cached VMO", zx.Sys_msi_create(m, zx.MsiModeMSIX, 0, cached, 0, &h), zx.ErrInvalidArgs)
	// Plain MSI: the capability must be one (ID 05h); unused address
	// space reads back no such capability.
	want(t, "MSI without a capability", zx.Sys_msi_create(m, 0, 0, v, 0x40, &h), zx.ErrInvalidArgs)
	want(t, "bad out", zx.Sys_msi_create(m, zx.MsiModeMSIX, 0, v, 0, (*zx.Handle)(ptr(0x1000))), zx.ErrInvalidArgs)
	must(t, "the id is still free", zx.Sys_msi_create(m, zx.MsiModeMSIX, 0, v, 0, &h))
	zx.Sys_handle_close(h)
}

// TestMain takes the root resource init passes on.
func TestMain(m *testing.M) {
	relaunch.Main(m, "BERYL_MSI_WORKER", func(string) int { return 2 })
}
