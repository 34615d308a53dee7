package x86

import (
	"testing"
	"unsafe"
)

// TestIOBitmapLayout checks the offsets trap_amd64.s uses and the TSS's
// bitmap placement.
func TestIOBitmapLayout(t *testing.T) {
	var c CPU
	var u UserContext
	if unsafe.Offsetof(c.iopbGen) != 0x40 || unsafe.Offsetof(c.iopbAddr) != 0x48 {
		t.Errorf("CPU.iopbGen at %#x, iopbAddr at %#x", unsafe.Offsetof(c.iopbGen), unsafe.Offsetof(c.iopbAddr))
	}
	if unsafe.Offsetof(u.IOPB) != 200 || unsafe.Offsetof(u.IOPBGen) != 208 || unsafe.Offsetof(u.FX) != 256 {
		t.Errorf("UserContext.IOPB at %d, IOPBGen at %d, FX at %d", unsafe.Offsetof(u.IOPB), unsafe.Offsetof(u.IOPBGen), unsafe.Offsetof(u.FX))
	}
	if unsafe.Offsetof(c.iopb) != unsafe.Offsetof(c.tss)+104 {
		t.Errorf("the bitmap does not follow the TSS")
	}
	initIOBitmap(&c)
	if c.tss[25]>>16 != 104 || c.iopb[IOBitmapSize] != 0xFF {
		t.Errorf("I/O map base %d", c.tss[25]>>16)
	}
}

func TestIOBitmapSet(t *testing.T) {
	var b IOBitmap
	if p, g := b.Load(); p != 0 || g != 0 {
		t.Fatal("fresh bitmap loaded")
	}
	b.Set(0xcf8, 8, true)
	p1, g1 := b.Load()
	if p1 == 0 || g1 == 0 || !b.Allowed(0xcf8) || !b.Allowed(0xcff) || b.Allowed(0xcf7) || b.Allowed(0xd00) {
		t.Fatal("Set allow")
	}
	b.Set(0xcfc, 4, false)
	if _, g2 := b.Load(); g2 == g1 || b.Allowed(0xcfc) || !b.Allowed(0xcf8) {
		t.Fatal("Set deny")
	}
	var nilb *IOBitmap
	if p, g := nilb.Load(); p != 0 || g != 0 {
		t.Fatal("nil bitmap")
	}
}
