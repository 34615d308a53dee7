package linux

import (
	"runtime"
	"syscall"
	"testing"
	"unsafe"
)

// arch_prctl's codes (asm/prctl.h).
const (
	archSetGS = 0x1001
	archSetFS = 0x1002
	archGetFS = 0x1003
	archGetGS = 0x1004
)

// TestArchPrctl: ARCH_SET_GS / ARCH_GET_GS keep a GS base per thread
// beside the FS base; a base at or above the user address space's end
// is EPERM and changes nothing, a bad output pointer EFAULT, an unknown
// code EINVAL, as Linux answers.
func TestArchPrctl(t *testing.T) {
	runtime.LockOSThread() // the bases belong to this thread
	defer runtime.UnlockOSThread()
	var v uint64
	call := func(code, arg uintptr) syscall.Errno {
		_, _, e := syscall.RawSyscall(syscall.SYS_ARCH_PRCTL, code, arg, 0)
		return e
	}
	get := func(code uintptr) uint64 {
		t.Helper()
		v = ^uint64(0)
		if e := call(code, uintptr(unsafe.Pointer(&v))); e != 0 {
			t.Fatalf("arch_prctl(%#x): %v", code, e)
		}
		return v
	}
	if gs := get(archGetGS); gs != 0 {
		t.Errorf("initial GS base %#x, want 0", gs)
	}
	fs := get(archGetFS)
	if fs == 0 {
		t.Error("FS base 0: the runtime's TLS is not there")
	}
	const base = 0x1234_5000
	if e := call(archSetGS, base); e != 0 {
		t.Fatalf("ARCH_SET_GS: %v", e)
	}
	defer call(archSetGS, 0)
	if gs := get(archGetGS); gs != base {
		t.Errorf("GS base %#x, want %#x", gs, uint64(base))
	}
	for _, c := range []uintptr{archSetGS, archSetFS} {
		if e := call(c, 1<<47); e != syscall.EPERM {
			t.Errorf("arch_prctl(%#x, 1<<47) = %v, want EPERM", c, e)
		}
	}
	if gs, f := get(archGetGS), get(archGetFS); gs != base || f != fs {
		t.Errorf("refused writes changed the bases: GS %#x, FS %#x", gs, f)
	}
	if e := call(archGetGS, 8); e != syscall.EFAULT {
		t.Errorf("ARCH_GET_GS to a bad pointer = %v, want EFAULT", e)
	}
	if e := call(0x1005, 0); e != syscall.EINVAL {
		t.Errorf("unknown code = %v, want EINVAL", e)
	}
}
