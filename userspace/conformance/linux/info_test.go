package linux

import (
	"syscall"
	"testing"
	"unsafe"
)

// The cheap information calls: mincore and sysinfo.

func TestMincore(t *testing.T) {
	mem, err := syscall.Mmap(-1, 0, 3*4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(mem)
	base := uintptr(unsafe.Pointer(&mem[0]))
	mincore := func(addr, length, vec uintptr) syscall.Errno {
		_, _, e := syscall.RawSyscall(syscall.SYS_MINCORE, addr, length, vec)
		return e
	}
	vp := func(v []byte) uintptr { return uintptr(unsafe.Pointer(&v[0])) }
	vec := make([]byte, 3)
	if e := mincore(base, 3*4096-100, vp(vec)); e != 0 || vec[0] != 1 || vec[1] != 1 || vec[2] != 1 {
		t.Errorf("mincore(mapping): %v %v, want 3 resident pages", e, vec)
	}
	if e := mincore(base+1, 4096, vp(vec)); e != syscall.EINVAL {
		t.Errorf("mincore(unaligned): %v, want EINVAL", e)
	}
	if e := mincore(base, 4096, 8); e != syscall.EFAULT {
		t.Errorf("mincore(bad vec): %v, want EFAULT", e)
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_MUNMAP, base+2*4096, 4096, 0); e != 0 {
		t.Fatalf("munmap: %v", e)
	}
	if e := mincore(base, 3*4096, vp(vec)); e != syscall.ENOMEM {
		t.Errorf("mincore(partly unmapped): %v, want ENOMEM", e)
	}
}

func TestSysinfo(t *testing.T) {
	var si syscall.Sysinfo_t
	if err := syscall.Sysinfo(&si); err != nil {
		t.Fatal(err)
	}
	if si.Totalram == 0 || si.Freeram > si.Totalram || si.Procs == 0 || si.Unit != 1 || si.Uptime < 0 {
		t.Errorf("sysinfo %+v: want RAM in bytes, free <= total, processes > 0", si)
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_SYSINFO, 8, 0, 0); e != syscall.EFAULT {
		t.Errorf("sysinfo(bad pointer): %v, want EFAULT", e)
	}
}
