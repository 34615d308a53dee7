package rt

import "unsafe"

//go:nosplit
func stackTop() uintptr {
	return (uintptr(unsafe.Pointer(&idleStack[0])) + uintptr(len(idleStack))) &^ 15
}

//go:nosplit
func idleTLSBase() uint64 { return uint64(uintptr(unsafe.Pointer(&idleTLS[1]))) }
