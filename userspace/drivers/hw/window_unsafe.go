package hw

import (
	"fmt"
	"sync/atomic"
	"unsafe"
)

// Window is an MMIO register window over mapped memory. Each access is one
// load or store of exactly its width (device registers have side effects
// on read and write), through sync/atomic for 32 bits, which also keeps
// the compiler from merging or dropping it.
type Window struct {
	base unsafe.Pointer
	size uint64
	keep []byte // keeps a Go-allocated backing array alive
}

// NewWindow returns a window over size bytes mapped at base.
func NewWindow(base uintptr, size uint64) *Window {
	// The mapping is not Go memory: reinterpret the address, which vet's
	// uintptr-to-pointer check cannot tell apart from a misuse.
	return &Window{base: *(*unsafe.Pointer)(unsafe.Pointer(&base)), size: size}
}

// WindowOf returns a window over b (host tests, or a mapping already
// held as a slice).
func WindowOf(b []byte) *Window {
	if len(b) == 0 {
		return &Window{}
	}
	return &Window{base: unsafe.Pointer(&b[0]), size: uint64(len(b)), keep: b}
}

// Size is the window's length in bytes.
func (w *Window) Size() uint64 { return w.size }

// Sub returns the window's [off, off+n) part.
func (w *Window) Sub(off, n uint64) *Window {
	if off+n < off || off+n > w.size {
		panic(fmt.Sprintf("hw: sub-window [%#x, +%#x) outside a %#x-byte window", off, n, w.size))
	}
	return &Window{base: unsafe.Add(w.base, off), size: n, keep: w.keep}
}

func (w *Window) check(off, n uint64) {
	if off+n < off || off+n > w.size || off%n != 0 {
		panic(fmt.Sprintf("hw: access of %d bytes at %#x outside a %#x-byte window or misaligned", n, off, w.size))
	}
}

func (w *Window) ptr(off, n uint64) unsafe.Pointer {
	w.check(off, n)
	return unsafe.Add(w.base, off)
}

// Read8 loads the byte at off.
func (w *Window) Read8(off uint64) uint8 { return *(*uint8)(w.ptr(off, 1)) }

// Read16 loads the 16-bit little-endian word at off.
func (w *Window) Read16(off uint64) uint16 { return *(*uint16)(w.ptr(off, 2)) }

// Read32 loads the 32-bit word at off.
func (w *Window) Read32(off uint64) uint32 { return atomic.LoadUint32((*uint32)(w.ptr(off, 4))) }

// Write8 stores v at off.
func (w *Window) Write8(off uint64, v uint8) { *(*uint8)(w.ptr(off, 1)) = v }

// Write16 stores v at off.
func (w *Window) Write16(off uint64, v uint16) { *(*uint16)(w.ptr(off, 2)) = v }

// Write32 stores v at off.
func (w *Window) Write32(off uint64, v uint32) { atomic.StoreUint32((*uint32)(w.ptr(off, 4)), v) }

// Bytes returns the n bytes mapped at addr as a slice (memory a VMO
// mapping holds, outside the Go heap; the caller keeps it mapped while
// the slice is in use).
func Bytes(addr uintptr, n int) []byte {
	return unsafe.Slice((*byte)(*(*unsafe.Pointer)(unsafe.Pointer(&addr))), n)
}
