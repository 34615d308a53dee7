// Package pager is the conformance family of the pager (pager_create,
// pager_create_vmo, pager_detach_vmo, pager_supply_pages,
// pager_op_range, page requests on a port), run inside Beryl: the port
// of Zircon's Pager core-tests (core_test.go, with the original's
// UserPager and TestThread in helpers_test.go) and the documented
// errors the core-tests leave out (this file).
package pager

import (
	"os"
	"testing"
	"unsafe"

	"beryl/userspace/launch"
	"beryl/userspace/launch/relaunch"

	"beryl/userspace/zx"
)

func rootResource(t *testing.T) zx.Handle {
	t.Helper()
	if relaunch.RootResource == zx.HandleInvalid {
		t.Fatal("no root resource (PA_RESOURCE): init passes it to the conformance families")
	}
	return relaunch.RootResource
}

// TestPagerSupplyDeviceMemory: a physical or contiguous aux VMO cannot
// give its pages (ZX_ERR_NOT_SUPPORTED), nor pinned pages
// (ZX_ERR_BAD_STATE).
func TestPagerSupplyDeviceMemory(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	var r, phys zx.Handle
	must(t, "resource_create", zx.Sys_resource_create(rootResource(t), zx.ResourceKindMMIO, 0xe0000, pg, nil, 0, &r))
	defer zx.Sys_handle_close(r)
	must(t, "vmo_create_physical", zx.Sys_vmo_create_physical(r, 0xe0000, pg, &phys))
	defer zx.Sys_handle_close(phys)
	want(t, "physical aux", zx.Sys_pager_supply_pages(up.pager, v.h, 0, pg, phys, 0), zx.ErrNotSupported)

	var iommu, bti, aux, pmt zx.Handle
	desc := make([]byte, 8)
	must(t, "iommu_create", zx.Sys_iommu_create(rootResource(t), zx.IommuTypeDummy, unsafe.Pointer(&desc[0]), 1, &iommu))
	defer zx.Sys_handle_close(iommu)
	must(t, "bti_create", zx.Sys_bti_create(iommu, 0, 0xdeadbeef, &bti))
	defer zx.Sys_handle_close(bti)
	var contig zx.Handle
	must(t, "vmo_create_contiguous", zx.Sys_vmo_create_contiguous(bti, pg, 0, &contig))
	defer zx.Sys_handle_close(contig)
	want(t, "contiguous aux", zx.Sys_pager_supply_pages(up.pager, v.h, 0, pg, contig, 0), zx.ErrNotSupported)
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &aux))
	defer zx.Sys_handle_close(aux)
	var paddr uint64
	must(t, "bti_pin", zx.Sys_bti_pin(bti, zx.BtiPermRead, aux, 0, pg, &paddr, 1, &pmt))
	want(t, "pinned aux", zx.Sys_pager_supply_pages(up.pager, v.h, 0, pg, aux, 0), zx.ErrBadState)
	must(t, "pmt_unpin", zx.Sys_pmt_unpin(pmt))
	must(t, "supply once unpinned", zx.Sys_pager_supply_pages(up.pager, v.h, 0, pg, aux, 0))
}

// TestPagerDetachedVmo: a detached VMO takes no pages (ZX_ERR_BAD_STATE),
// its reads fail the same way, and detaching again is ZX_OK.
func TestPagerDetachedVmo(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(2)
	assert(t, up.supply(v, 0, 1, 0), "supply")
	assert(t, up.detach(v), "detach")
	assert(t, up.waitForPageComplete(v.key, inf), "no COMPLETE")
	var aux zx.Handle
	must(t, "vmo_create", zx.Sys_vmo_create(pg, 0, &aux))
	defer zx.Sys_handle_close(aux)
	want(t, "supply after detach", zx.Sys_pager_supply_pages(up.pager, v.h, pg, pg, aux, 0), zx.ErrBadState)
	var b [8]byte
	want(t, "read of a decommitted page", zx.Sys_vmo_read(v.h, unsafe.Pointer(&b[0]), 0, 8), zx.ErrBadState)
	want(t, "write", zx.Sys_vmo_write(v.h, unsafe.Pointer(&b[0]), pg, 8), zx.ErrBadState)
	want(t, "commit", zx.Sys_vmo_op_range(v.h, zx.VMOOpCommit, 0, pg, nil, 0), zx.ErrBadState)
	must(t, "detach again", zx.Sys_pager_detach_vmo(up.pager, v.h))
	if up.waitForPageComplete(v.key, 0) {
		t.Error("a second COMPLETE")
	}
	if info := vmoInfo(t, v.h); info.CommittedBytes != 0 {
		t.Errorf("committed %d bytes after detach", info.CommittedBytes)
	}
}

// TestPagerBlockedState: a thread waiting in vmo_read for a page reports
// ZX_THREAD_STATE_BLOCKED_PAGER; a vmo_write waits and then writes into
// the supplied page.
func TestPagerBlockedState(t *testing.T) {
	up := newPager(t)
	v := up.createVmo(1)
	th := newThread(func() bool {
		x := uint64(0x1234)
		return zx.Sys_vmo_write(v.h, unsafe.Pointer(&x), 8, 8) == zx.OK
	})
	th.start(t)
	assert(t, th.waitForBlocked(), "not BLOCKED_PAGER")
	assert(t, up.waitForPageRead(v, 0, 1, inf), "no request")
	assert(t, up.supply(v, 0, 1, 0), "supply")
	assert(t, th.wait(), "write failed")
	var x [2]uint64
	must(t, "vmo_read", zx.Sys_vmo_read(v.h, unsafe.Pointer(&x[0]), 0, 16))
	if c := v.contents(0, 1); x[1] != 0x1234 || x[0] != *(*uint64)(unsafe.Pointer(&c[0])) {
		t.Errorf("read %#x", x)
	}
}

// worker is a worker process's body: it waits for a page of the pager
// VMO it was given (PA_USER0), by vmo_read ("read") or a fault through a
// mapping ("fault"), until it is killed.
func worker(mode string) int {
	v, ok := zx.TakeStartupHandle(zx.PAUser0)
	if !ok {
		return 3
	}
	switch mode {
	case "read":
		var b [8]byte
		zx.Sys_vmo_read(v, unsafe.Pointer(&b[0]), 0, 8)
	case "fault":
		var a zx.Vaddr
		if zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead, 0, v, 0, pg, &a) != zx.OK {
			return 4
		}
		_ = *(*byte)(ptr(uintptr(a)))
	}
	return 5 // the page came: the test never supplies it
}

// TestPagerKillBlockedProcess: a process whose thread waits for a pager
// (in vmo_read, or in a page fault) ends when it is killed, leaves
// nothing waiting, and the VMO works on.
func TestPagerKillBlockedProcess(t *testing.T) {
	for _, mode := range []string{"read", "fault"} {
		up := newPager(t)
		v := up.createVmo(1)
		var dup zx.Handle
		must(t, "handle_duplicate", zx.Sys_handle_duplicate(v.h, zx.RightSameRights, &dup))
		p, err := launch.Start(relaunch.SelfImage(t), launch.Config{Argv: []string{os.Args[0], mode}, Env: relaunch.Environ(mode),
			Handles: []launch.Handle{{Type: zx.PAUser0, Handle: dup}}})
		if err != nil {
			t.Fatal(err)
		}
		assert(t, up.waitForPageRead(v, 0, 1, inf), mode+": no request")
		must(t, "task_kill", zx.Sys_task_kill(p.Process.Handle))
		code, err := p.Wait()
		p.Close()
		if err != nil || code != zx.TaskRetcodeSyscallKill {
			t.Fatalf("%s: worker ended with %d %v, want ZX_TASK_RETCODE_SYSCALL_KILL", mode, code, err)
		}
		assert(t, up.supply(v, 0, 1, 0), "supply after the kill")
		assert(t, checkBuffer(v, 0, 1, false), "content")
		noMore(t, up, v)
	}
}

// TestPagerSuspendBlockedProcess: suspending a process whose thread waits
// for a pager (in vmo_read, or in a page fault) interrupts the wait: the
// thread reports ZX_THREAD_SUSPENDED, and after the resume it asks for the
// page again and goes on once it is supplied.
func TestPagerSuspendBlockedProcess(t *testing.T) {
	for _, mode := range []string{"read", "fault"} {
		up := newPager(t)
		v := up.createVmo(1)
		var dup zx.Handle
		must(t, "handle_duplicate", zx.Sys_handle_duplicate(v.h, zx.RightSameRights, &dup))
		p, err := launch.Start(relaunch.SelfImage(t), launch.Config{Argv: []string{os.Args[0], mode}, Env: relaunch.Environ(mode),
			Handles: []launch.Handle{{Type: zx.PAUser0, Handle: dup}}})
		if err != nil {
			t.Fatal(err)
		}
		assert(t, up.waitForPageRead(v, 0, 1, inf), mode+": no request")
		var tok zx.Handle
		must(t, "task_suspend", zx.Sys_task_suspend_token(p.Process.Handle, &tok))
		// Every thread of the worker parks, the one in the pager wait too.
		var koids [64]zx.Koid
		var n, avail uint
		must(t, "ZX_INFO_PROCESS_THREADS", zx.Sys_object_get_info(p.Process.Handle, zx.ObjectInfoProcessThreads, unsafe.Pointer(&koids[0]), uint(unsafe.Sizeof(koids)), &n, &avail))
		for _, k := range koids[:n] {
			var th zx.Handle
			if zx.Sys_object_get_child(p.Process.Handle, k, zx.RightSameRights, &th) != zx.OK {
				continue // exited meanwhile
			}
			var got zx.Signals
			st := zx.Sys_object_wait_one(th, zx.ThreadSuspended|zx.TaskTerminated, zx.Now()+zx.Time(20e9), &got)
			zx.Sys_handle_close(th)
			if st != zx.OK {
				t.Fatalf("%s: thread %d not suspended: %v", mode, k, st)
			}
		}
		zx.Sys_handle_close(tok)
		assert(t, up.waitForPageRead(v, 0, 1, zx.Now()+zx.Time(20e9)), mode+": no request after the resume")
		assert(t, up.supply(v, 0, 1, 0), "supply")
		code, err := p.Wait()
		p.Close()
		if err != nil || code != 5 {
			t.Fatalf("%s: worker ended with %d %v, want 5 (the page came)", mode, code, err)
		}
		noMore(t, up, v)
	}
}
