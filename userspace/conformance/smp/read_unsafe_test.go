package smp

import (
	"runtime/debug"
	"unsafe"
)

// read64 reads the word at addr, reporting false if the read faulted
// (a fault is a recoverable panic here).
func read64(addr uintptr) (v uint64, ok bool) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return *(*uint64)(ptr(addr)), true
}

// ptr turns an address of memory the Go heap does not own (a VMO
// mapping) into a pointer.
func ptr(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }
