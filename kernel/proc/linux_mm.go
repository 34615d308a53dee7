package proc

import (
	"beryl/kernel/linux"
	"beryl/mm/kmem"
	"beryl/mm/vm"
)

// The memory calls: anonymous mappings only, each backed by its own VMO
// in the process's root VMAR (vm.AddressSpace.Mmap).

// protMask keeps the PROT_READ|PROT_WRITE|PROT_EXEC bits of a prot word.
const protMask = linux.ProtRead | linux.ProtWrite | linux.ProtExec

func sysMmap(t *Thread, a *[6]uint64) (int64, bool) {
	if a[3]&linux.MapAnonymous == 0 {
		return mmapFile(t, a)
	}
	if !kmem.GateOK() {
		return -linux.ENOMEM, false // a new VMO and mapping: see zx's alloc calls
	}
	va, err := t.P.AS.Mmap(a[0], a[1], int(a[2]&protMask), a[3]&(linux.MapFixed|linux.MapFixedNoReplace) != 0)
	if err != nil {
		if err == vm.ErrInvalid {
			return -linux.EINVAL, false
		}
		return -linux.ENOMEM, false
	}
	return int64(va), false
}

func sysMunmap(t *Thread, a *[6]uint64) (int64, bool) {
	if t.P.AS.Munmap(a[0], a[1]) != nil {
		return -linux.EINVAL, false
	}
	return 0, false
}

func sysMprotect(t *Thread, a *[6]uint64) (int64, bool) {
	if t.P.AS.Mprotect(a[0], a[1], int(a[2]&protMask)) != nil {
		return -linux.EINVAL, false
	}
	return 0, false
}

// sysMadvise: the advice that may discard pages zero-fills them on the
// next touch (the Go runtime relies on MADV_DONTNEED doing so); other
// advice is accepted and ignored.
func sysMadvise(t *Thread, a *[6]uint64) (int64, bool) {
	switch a[2] {
	case linux.MadvDontneed, linux.MadvFree, linux.MadvRemove:
		if t.P.AS.Decommit(a[0], a[1]) != nil {
			return -linux.EINVAL, false
		}
	}
	return 0, false
}
