package rt

import (
	"unsafe"

	"beryl/mm/kmem"
)

// ptr turns a kernel address handed over by the Go runtime (its own
// memory, not necessarily Go-heap memory) into a pointer.
//
//go:nosplit
func ptr(a uint64) unsafe.Pointer { return kmem.Ptr(uintptr(a)) }
