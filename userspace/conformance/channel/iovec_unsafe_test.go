package channel

import "unsafe"

// iovec is zx_channel_iovec_t.
type iovec struct {
	buffer   unsafe.Pointer
	capacity uint32
	reserved uint32
}

// iovecs describes parts as an iovec array for ZX_CHANNEL_WRITE_USE_IOVEC.
func iovecs(parts ...[]byte) []iovec {
	v := make([]iovec, len(parts))
	for i, p := range parts {
		v[i] = iovec{buffer: bp(p), capacity: uint32(len(p))}
	}
	return v
}

// iovPtr is the address of v's first element.
func iovPtr(v []iovec) unsafe.Pointer {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Pointer(&v[0])
}
