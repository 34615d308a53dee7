package socket

import (
	"unsafe"

	"beryl/userspace/zx"
)

// infoBytes views in as the byte buffer get_info fills.
func infoBytes(in *zx.InfoSocket) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(in)), unsafe.Sizeof(*in))
}
