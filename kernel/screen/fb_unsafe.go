package screen

import "unsafe"

// ptr converts a device-memory address (never Go heap) to a pointer.
//
//go:nosplit
func ptr(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }

// writePixel stores colour c at pixel x of the row starting at row.
//
//go:nosplit
func writePixel(row uintptr, x, c uint32) {
	switch bpp {
	case 32:
		*(*uint32)(ptr(row + uintptr(x)*4)) = c
	case 24:
		p := row + uintptr(x)*3
		*(*uint8)(ptr(p)) = uint8(c)
		*(*uint8)(ptr(p + 1)) = uint8(c >> 8)
		*(*uint8)(ptr(p + 2)) = uint8(c >> 16)
	case 16:
		*(*uint16)(ptr(row + uintptr(x)*2)) = uint16(c)
	}
}

// writeText stores a character/attribute word in VGA text memory.
//
//go:nosplit
func writeText(i uint32, v uint16) {
	*(*uint16)(ptr(base + uintptr(i)*2)) = v
}
