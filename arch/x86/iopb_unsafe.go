package x86

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// I/O permission bitmaps (SDM Vol. 1 §19.5.2, Vol. 3A §8.7): a user
// process may use IN/OUT on a port only if its bit in the TSS's bitmap
// is 0; any other port raises #GP in that process alone. Each process
// that requested ports has an IOBitmap; enterUser copies it into the
// CPU's TSS when the thread it enters belongs to another bitmap
// generation than the one loaded (every change makes a new generation,
// so a changed or different bitmap is always reloaded).

// IOBitmapSize is the size of a full bitmap: one bit per port.
const IOBitmapSize = 65536 / 8

// iopbGens numbers bitmap versions; 0 is "no bitmap".
var iopbGens atomic.Uint64

// IOBitmap is a process's I/O permission bitmap (bit set: port denied).
type IOBitmap struct {
	mu   sync.Mutex
	bits *[IOBitmapSize]byte // replaced, never changed in place, once published
	old  *[IOBitmapSize]byte // the previous bits, kept alive for a CPU still copying them
	gen  atomic.Uint64
	ptr  atomic.Uintptr
}

// Set allows (allow) or denies ports [base, base+n); n must keep within
// 65536 (the caller checks).
func (b *IOBitmap) Set(base, n uint32, allow bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	nb := new([IOBitmapSize]byte)
	if b.bits != nil {
		*nb = *b.bits
	} else {
		for i := range nb {
			nb[i] = 0xFF
		}
	}
	for p := base; p < base+n; p++ {
		if allow {
			nb[p/8] &^= 1 << (p % 8)
		} else {
			nb[p/8] |= 1 << (p % 8)
		}
	}
	// A thread about to enter user mode reads ptr, then gen: publish the
	// new bits before the new generation. The old array stays alive
	// while b.old holds it, so a CPU copying it never reads freed memory.
	b.old = b.bits
	b.bits = nb
	b.ptr.Store(uintptr(unsafe.Pointer(nb)))
	b.gen.Store(iopbGens.Add(1))
}

// Allowed reports whether port p is allowed.
func (b *IOBitmap) Allowed(p uint16) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bits != nil && b.bits[p/8]&(1<<(p%8)) == 0
}

// Load returns the bitmap's address and generation for a UserContext
// (0, 0 for a nil bitmap or one never set).
func (b *IOBitmap) Load() (uintptr, uint64) {
	if b == nil {
		return 0, 0
	}
	return b.ptr.Load(), b.gen.Load()
}

// initIOBitmap points the TSS at its bitmap, every port denied.
//
//go:nosplit
func initIOBitmap(c *CPU) {
	for i := range c.iopb {
		c.iopb[i] = 0xFF
	}
	c.iopbAddr = uintptr(unsafe.Pointer(&c.iopb[0]))
	c.iopbGen = 0
	c.tss[25] = uint32(len(c.tss)*4) << 16 // I/O map base address (bytes from the TSS)
}
