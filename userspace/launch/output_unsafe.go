package launch

import (
	"unsafe"

	"beryl/userspace/zx"
)

// setOutput points one of proc's output streams (prop) at sock.
func setOutput(proc zx.Process, prop uint32, sock zx.Socket) error {
	v := uint32(sock.Handle)
	return zx.Sys_object_set_property(proc.Handle, prop, unsafe.Pointer(&v), 4).Err()
}
