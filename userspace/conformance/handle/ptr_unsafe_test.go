package handle

import "unsafe"

// ptr makes a deliberately bad user pointer for the kernel to reject.
func ptr(a uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&a)) }
