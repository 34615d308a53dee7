package futex

import "unsafe"

// uintptrOf returns the address of p (for deliberately misaligned
// pointers).
func uintptrOf(p *int64) uintptr { return uintptr(unsafe.Pointer(p)) }
