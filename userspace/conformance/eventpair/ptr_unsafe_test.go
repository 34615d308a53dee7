package eventpair

import (
	"unsafe"

	"beryl/userspace/zx"
)

// ptr makes a deliberately bad user pointer for the kernel to reject.
func ptr(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }

// hptr is ptr typed as a handle out-pointer.
func hptr(a uintptr) *zx.Handle { return (*zx.Handle)(ptr(a)) }

// bp is the address of b's first byte (nil for an empty slice).
func bp(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// roAddr is the address of read-only data (a string constant in .rodata):
// readable, but the kernel must refuse to write there.
func roAddr() uintptr { return uintptr(unsafe.Pointer(unsafe.StringData(roData))) }

const roData = "beryl conformance read-only data, 64 bytes at least ..........!!"

// statsBytes views st as the byte buffer get_info fills.
func statsBytes(st *zx.InfoProcessHandleStats) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(st)), unsafe.Sizeof(*st))
}
