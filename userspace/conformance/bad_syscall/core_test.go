package bad_syscall

import (
	"math"
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: BadAccessTest (bad-syscall tests in utest/core) and
// FPUTest (fpu tests).

const (
	unmappedAddr    = 4096
	kernelSpaceBase = 0xffff_ff80_0000_0000 // Zircon's KERNEL_ASPACE_BASE on x86
)

func baPair(t *testing.T) (zx.Handle, zx.Handle) {
	t.Helper()
	var a, b zx.Handle
	ctest.Must(t, "channel_create", zx.Sys_channel_create(0, &a, &b))
	t.Cleanup(func() { zx.Sys_handle_close(a); zx.Sys_handle_close(b) })
	return a, b
}

func TestBadAccessTest_InvalidMappedAddressFails(t *testing.T) {
	a, _ := baPair(t)
	if st := zx.Sys_channel_write(a, 0, ctest.Ptr(unmappedAddr), 1, nil, 0); st == zx.OK {
		t.Errorf("write from an unmapped address = ZX_OK")
	}
}

func TestBadAccessTest_KernelMappedAddressChannelWriteFails(t *testing.T) {
	a, _ := baPair(t)
	if st := zx.Sys_channel_write(a, 0, ctest.Ptr(kernelSpaceBase-1), 5, nil, 0); st == zx.OK {
		t.Errorf("read crossing into kernel space = ZX_OK")
	}
	if st := zx.Sys_channel_write(a, 0, ctest.Ptr(kernelSpaceBase), 1, nil, 0); st == zx.OK {
		t.Errorf("read from kernel space = ZX_OK")
	}
}

func TestBadAccessTest_NormalMappedAddressChannelWriteSucceeds(t *testing.T) {
	a, _ := baPair(t)
	v := uintptr(unmappedAddr)
	ctest.Must(t, "write from a mapped address", zx.Sys_channel_write(a, 0, unsafe.Pointer(&v), 8, nil, 0))
}

func TestBadAccessTest_SyscallNumTest(t *testing.T) {
	ctest.KnownFailure(t, "Zircon kills a process whose syscall does not come from its vDSO (the original's bad_syscall stub); Beryl has no vDSO, and an unknown number returns ZX_ERR_BAD_SYSCALL (TestUnknownNumbers checks it)")
}

func TestBadAccessTest_ChannelReadHandle(t *testing.T) {
	a, b := baPair(t)
	var p zx.Handle
	ctest.Must(t, "duplicate", zx.Sys_handle_duplicate(zx.ProcessSelf().Handle, zx.RightSameRights, &p))
	ctest.Must(t, "write", zx.Sys_channel_write(a, 0, nil, 0, &p, 1))
	var nb, nh uint32
	ctest.Want(t, "read(handles unmapped)", zx.Sys_channel_read(b, 0, nil, (*zx.Handle)(ctest.Ptr(unmappedAddr)), 0, 1, &nb, &nh), zx.ErrInvalidArgs)
}

// TestFPUTest_LongComputeLoop runs floating-point loops on several threads
// at once: each must get its own exact result, so FPU state survives
// every switch between them.
func TestFPUTest_LongComputeLoop(t *testing.T) {
	const threads, iters = 4, 200000
	compute := func(seed float64) float64 {
		x := seed
		for i := 0; i < iters; i++ {
			x = math.Sqrt(x*x+1.5) * 0.999
		}
		return x
	}
	want := make([]float64, threads)
	for i := range want {
		want[i] = compute(float64(i + 1))
	}
	got := make([]float64, threads)
	// One OS thread (and P) each: the kernel, not the Go scheduler,
	// switches between them.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads + 1))
	var wg sync.WaitGroup
	for i := range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			got[i] = compute(float64(i + 1))
		}()
	}
	wg.Wait()
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("thread %d: %v, want %v", i, got[i], want[i])
		}
	}
}
