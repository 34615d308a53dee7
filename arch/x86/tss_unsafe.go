package x86

import "unsafe"

// tssHeader is the size of the 64-bit TSS proper (SDM Vol. 3A §8.7,
// Figure 8-11); the I/O permission bitmap follows it.
const tssHeader = 104

// TSS is one CPU's 64-bit task-state segment followed by room for an I/O
// permission bitmap and the all-ones byte the CPU reads past its end
// (SDM Vol. 1 §19.5.2). The descriptor limit covers both; the bitmap
// starts all ones (no port allowed from ring 3) until EnterUser copies a
// process's bitmap in (iopb_unsafe.go).
type TSS struct {
	hdr [tssHeader / 4]uint32
	// IOPB is the I/O permission bitmap (a set bit denies the port).
	IOPB [IOBitmapSize + 1]byte
}

// initTSS fills c's TSS with its IST stack tops and points GDT slots 6-7
// at it.
//
//go:nosplit
func initTSS(c *CPU, ist *[5]uintptr) {
	t := &c.TSS
	for i := range t.hdr {
		t.hdr[i] = 0
	}
	for n := 1; n <= len(ist); n++ {
		// IST n lives at byte offset 36 + 8*(n-1): words 9+2(n-1), unaligned.
		w := 9 + 2*(n-1)
		t.hdr[w] = uint32(ist[n-1])
		t.hdr[w+1] = uint32(uint64(ist[n-1]) >> 32)
	}
	t.hdr[25] = tssHeader << 16 // I/O permission bitmap offset
	for i := range t.IOPB {
		t.IOPB[i] = 0xFF
	}
	base := uint64(uintptr(unsafe.Pointer(t)))
	limit := uint64(tssHeader + IOBitmapSize) // the bitmap and its closing 0xFF byte
	// 64-bit TSS descriptor (SDM Vol. 3A §8.2.3, Figure 8-4): type 9.
	c.gdt[6] = limit&0xFFFF | (base&0xFFFFFF)<<16 | 0x89<<40 | (limit>>16&0xF)<<48 | (base>>24&0xFF)<<56
	c.gdt[7] = base >> 32
	initIOBitmap(c)
}
