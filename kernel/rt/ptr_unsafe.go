package rt

import "unsafe"

// ptr turns a kernel address handed over by the Go runtime (its own
// memory, not necessarily Go-heap memory) into a pointer; the indirection
// keeps vet's unsafeptr check quiet about these deliberate conversions.
//
//go:nosplit
func ptr(a uint64) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }
