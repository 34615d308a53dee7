package futex

import (
	"syscall"
	"unsafe"
)

// uintptrOf returns the address of p (for deliberately misaligned
// pointers).
func uintptrOf(p *int64) uintptr { return uintptr(unsafe.Pointer(p)) }

// linuxFutex makes a Linux futex(2) call (FUTEX_*_PRIVATE) on addr.
func linuxFutex(addr *int32, op, val uintptr, timeout *syscall.Timespec) syscall.Errno {
	_, _, e := syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), op|futexPrivate, val, uintptr(unsafe.Pointer(timeout)), 0, 0)
	return e
}
