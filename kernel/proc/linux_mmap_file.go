package proc

import (
	"beryl/kernel/linux"
	"beryl/mm/kmem"
	"beryl/mm/vm"
)

// mapShared is MAP_SHARED; mapTypeMask the mapping-type bits.
const (
	mapShared   = 0x01
	mapTypeMask = 0x0f
)

// mmapFile maps a served file: the mapping is private memory filled with
// the file's bytes from offset (what MAP_PRIVATE promises; pages past the
// end of file read as zeros). A shared writable mapping, whose stores
// would have to reach the server, is refused with ENODEV, as Linux
// refuses files whose file system cannot map them; a shared read-only
// one is served as a private copy (the file's later changes are not
// seen). Descriptors other than served files: ENODEV; a write-only one:
// EACCES.
func mmapFile(t *Thread, a *[6]uint64) (int64, bool) {
	f, n, e := t.nodeArg(a[4], -linux.ENODEV)
	if e != 0 {
		return e, false
	}
	defer f.put()
	if n.isDir() {
		return -linux.ENODEV, false
	}
	length, off := a[1], a[5]
	if length == 0 || off%vm.PageSize != 0 {
		return -linux.EINVAL, false
	}
	if f.flags.Load()&linux.OAccmode == linux.OWronly {
		return -linux.EACCES, false
	}
	if a[3]&mapTypeMask == mapShared && a[2]&linux.ProtWrite != 0 {
		return -linux.ENODEV, false
	}
	if !kmem.GateOK() {
		return -linux.ENOMEM, false
	}
	prot := int(a[2] & protMask)
	va, err := t.P.AS.Mmap(a[0], length, linux.ProtRead|linux.ProtWrite, a[3]&(linux.MapFixed|linux.MapFixedNoReplace) != 0)
	if err != nil {
		if err == vm.ErrInvalid {
			return -linux.EINVAL, false
		}
		return -linux.ENOMEM, false
	}
	buf := make([]byte, min(length, maxIO))
	for done := uint64(0); done < length; {
		c := min(length-done, uint64(len(buf)))
		r := n.pread(buf[:c], int64(off+done), t.interruptCh())
		if r < 0 {
			t.P.AS.Munmap(va, length)
			return r, false
		}
		if r > 0 && t.P.AS.CopyOut(va+done, buf[:r]) != nil {
			t.P.AS.Munmap(va, length)
			return -linux.EFAULT, false
		}
		if uint64(r) < c {
			break // end of file: the rest stays zero
		}
		done += c
	}
	if prot != linux.ProtRead|linux.ProtWrite {
		if t.P.AS.Mprotect(va, length, prot) != nil {
			t.P.AS.Munmap(va, length)
			return -linux.EINVAL, false
		}
	}
	return int64(va), false
}
