// Package kosdevice is the conformance family for KasperskyOS-style
// handles to system resources, run inside Beryl: an interrupt, a device
// memory region (physical VMO), a DMA buffer (contiguous VMO) and an I/O
// port resource given out as kos descendants (kos_handle_copy) work like
// the original, and revoking them (kos_handle_revoke) cuts the access
// they gave: the handle fails with ZX_ERR_HANDLE_REVOKED, the mappings
// made through it go, and the ports it opened fault.
package kosdevice

import (
	"os"
	"testing"
	"time"
	"unsafe"

	"beryl/arch/x86/uio"
	"beryl/userspace/launch"
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

func kosCopy(t *testing.T, h zx.Handle) zx.Handle {
	t.Helper()
	var d zx.Handle
	must(t, "kos_handle_copy", zx.Sys_kos_handle_copy(h, zx.RightSameRights, zx.HandleInvalid, &d))
	t.Cleanup(func() { zx.Sys_handle_close(d) })
	return d
}

// TestInterruptDescendant: a descendant of an interrupt triggers and
// waits; once revoked every use is HANDLE_REVOKED and the original goes on.
func TestInterruptDescendant(t *testing.T) {
	var h zx.Handle
	must(t, "interrupt_create", zx.Sys_interrupt_create(zx.HandleInvalid, 0, zx.InterruptVirtual, &h))
	defer zx.Sys_handle_close(h)
	d := kosCopy(t, h)
	must(t, "trigger(descendant)", zx.Sys_interrupt_trigger(d, 0, 5))
	var ts zx.Time
	must(t, "wait(descendant)", zx.Sys_interrupt_wait(d, &ts))
	if ts != 5 {
		t.Errorf("timestamp %d", ts)
	}
	must(t, "kos_handle_revoke", zx.Sys_kos_handle_revoke(h, 0))
	want(t, "wait(revoked)", zx.Sys_interrupt_wait(d, nil), zx.ErrHandleRevoked)
	want(t, "trigger(revoked)", zx.Sys_interrupt_trigger(d, 0, 1), zx.ErrHandleRevoked)
	want(t, "destroy(revoked)", zx.Sys_interrupt_destroy(d), zx.ErrHandleRevoked)
	must(t, "trigger(original)", zx.Sys_interrupt_trigger(h, 0, 7))
	must(t, "wait(original)", zx.Sys_interrupt_wait(h, &ts))
}

// TestDMABufferRevoked: a DMA buffer mapped through a descendant is
// unmapped when the descendant is revoked.
func TestDMABufferRevoked(t *testing.T) {
	var io, bti, v zx.Handle
	desc := [1]byte{}
	must(t, "iommu_create", zx.Sys_iommu_create(root(t), zx.IommuTypeDummy, unsafe.Pointer(&desc[0]), 1, &io))
	defer zx.Sys_handle_close(io)
	must(t, "bti_create", zx.Sys_bti_create(io, 0, 0, &bti))
	defer zx.Sys_handle_close(bti)
	must(t, "vmo_create_contiguous", zx.Sys_vmo_create_contiguous(bti, zx.PageSize, 0, &v))
	defer zx.Sys_handle_close(v)
	d := kosCopy(t, v)
	var addr zx.Vaddr
	must(t, "vmar_map(descendant)", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead|zx.VMPermWrite, 0, d, 0, zx.PageSize, &addr))
	if !probe(uintptr(addr), true) {
		t.Fatal("the DMA buffer is not mapped")
	}
	must(t, "kos_handle_revoke", zx.Sys_kos_handle_revoke(v, 0))
	if probe(uintptr(addr), false) {
		t.Error("the DMA buffer is still mapped after the revocation")
	}
	want(t, "vmar_map(revoked)", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead, 0, d, 0, zx.PageSize, &addr), zx.ErrHandleRevoked)
	// The original still maps it.
	must(t, "vmar_map(original)", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead, 0, v, 0, zx.PageSize, &addr))
	if !probe(uintptr(addr), false) {
		t.Error("the original's mapping is not readable")
	}
	zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, addr, zx.PageSize)
}

// TestDeviceMemoryRevoked: a device-memory mapping made through a
// descendant disappears with the revocation (vmar_protect finds nothing
// there any more).
func TestDeviceMemoryRevoked(t *testing.T) {
	var v zx.Handle
	must(t, "vmo_create_physical", zx.Sys_vmo_create_physical(root(t), 0xe0000, 0x1000, &v))
	defer zx.Sys_handle_close(v)
	d := kosCopy(t, v)
	var addr zx.Vaddr
	must(t, "vmar_map(descendant)", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead, 0, d, 0, 0x1000, &addr))
	must(t, "vmar_protect(mapped)", zx.Sys_vmar_protect(zx.VmarRootSelf().Handle, zx.VMPermRead, addr, 0x1000))
	must(t, "kos_handle_revoke", zx.Sys_kos_handle_revoke(v, 0))
	want(t, "vmar_protect(after revoke)", zx.Sys_vmar_protect(zx.VmarRootSelf().Handle, zx.VMPermRead, addr, 0x1000), zx.ErrNotFound)
}

// TestIOPortsRevoked: a driver process opens the RTC's ports with a
// descendant of an I/O port resource; after the revocation its next IN
// faults.
func TestIOPortsRevoked(t *testing.T) {
	var r zx.Handle
	must(t, "resource_create(IOPORT)", zx.Sys_resource_create(root(t), zx.ResourceKindIOPort, 0x70, 2, nil, 0, &r))
	defer zx.Sys_handle_close(r)
	var d, mine, theirs zx.Handle
	must(t, "kos_handle_copy", zx.Sys_kos_handle_copy(r, zx.RightSameRights, zx.HandleInvalid, &d))
	must(t, "eventpair_create", zx.Sys_eventpair_create(0, &mine, &theirs))
	defer zx.Sys_handle_close(mine)
	p, err := launch.Start(relaunch.SelfImage(t), launch.Config{Argv: []string{os.Args[0], "ports"}, Env: relaunch.Environ("ports"),
		Handles: []launch.Handle{{Type: zx.PAUser0, Handle: d}, {Type: zx.PAUser1, Handle: theirs}}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var obs zx.Signals
	must(t, "wait for the driver's first IN", zx.Sys_object_wait_one(mine, zx.SignalUser0, zx.Time(zx.Sys_clock_get_monotonic())+zx.Time(10*time.Second), &obs))
	must(t, "kos_handle_revoke", zx.Sys_kos_handle_revoke(r, 0))
	must(t, "signal the driver", zx.Sys_object_signal_peer(mine, 0, uint32(zx.SignalUser1)))
	code, err := p.Wait()
	if err != nil || code == 0 || code == 6 {
		t.Errorf("driver exited with %d (%v): its IN after the revocation did not fault", code, err)
	}
}

func portsWorker() int {
	r, ok1 := zx.TakeStartupHandle(zx.PAUser0)
	ev, ok2 := zx.TakeStartupHandle(zx.PAUser1)
	if !ok1 || !ok2 {
		return 3
	}
	if zx.Sys_ioports_request(r, 0x70, 2) != zx.OK {
		return 4
	}
	uio.Outb(0x70, 0x0a)
	uio.Inb(0x71)
	zx.Sys_object_signal_peer(ev, 0, uint32(zx.SignalUser0))
	var obs zx.Signals
	if zx.Sys_object_wait_one(ev, zx.SignalUser1, zx.Time(zx.Sys_clock_get_monotonic())+zx.Time(10*time.Second), &obs) != zx.OK {
		return 5
	}
	uio.Outb(0x70, 0x0a) // faults: the ports went with the revoked resource
	return 6
}

// TestMain takes the root resource init passes on, or runs the worker.
func TestMain(m *testing.M) {
	relaunch.Main(m, "BERYL_KOSDEVICE_WORKER", func(mode string) int {
		if mode == "ports" {
			return portsWorker()
		}
		return 2
	})
}
