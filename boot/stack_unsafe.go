package boot

import (
	"unsafe"

	"beryl/arch/x86"
)

// ELF auxiliary vector types (include/uapi/linux/auxvec.h).
const (
	atNull   = 0
	atPagesz = 6
	atRandom = 25
)

var argv0 = [8]byte{'b', 'e', 'r', 'y', 'l', 0}

// initialStack lays out, at the top of the boot stack, what Linux gives a
// new process: argc, argv, NULL, envp (empty), NULL, auxv (AT_PAGESZ, which
// the runtime requires, AT_RANDOM, and AT_SYSINFO_EHDR: the kernel vDSO,
// through which the runtime reads its clocks), AT_NULL.
//
//go:nosplit
func initialStack() uintptr {
	_, hi := bootStackBounds()
	sp := hi - 64
	rnd := sp // 16 random bytes
	t := x86.Rdtsc()
	*(*uint64)(unsafe.Pointer(rnd)) = t * 0x9E3779B97F4A7C15
	*(*uint64)(unsafe.Pointer(rnd + 8)) = (t >> 7) * 0xC2B2AE3D27D4EB4F
	words := [...]uint64{
		1, uint64(uintptr(unsafe.Pointer(&argv0[0]))), 0, // argc, argv
		0, // envp
		atPagesz, 4096,
		atRandom, uint64(rnd),
		atSysinfoEhdr, uint64(buildVDSO()),
		atNull, 0,
	}
	sp -= uintptr(len(words)) * 8
	sp &^= 15
	for i, w := range words {
		*(*uint64)(unsafe.Pointer(sp + uintptr(i)*8)) = w
	}
	return sp
}
