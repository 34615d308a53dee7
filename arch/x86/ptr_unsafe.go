package x86

import "unsafe"

// ptr converts the address of device or firmware memory (never Go heap)
// into a pointer; the indirection keeps vet's unsafeptr check quiet about
// these deliberate conversions.
//
//go:nosplit
func ptr(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }

// MMIORead64 reads a 64-bit device register at virtual address va.
//
//go:nosplit
func MMIORead64(va uintptr) uint64 { return *(*uint64)(ptr(va)) }

// MMIOWrite64 writes a 64-bit device register at virtual address va.
//
//go:nosplit
func MMIOWrite64(va uintptr, v uint64) { *(*uint64)(ptr(va)) = v }

// MMIOWrite8 writes an 8-bit device register at virtual address va.
//
//go:nosplit
func MMIOWrite8(va uintptr, v uint8) { *(*uint8)(ptr(va)) = v }
