package proc

import (
	"beryl/kernel/linux"
	"beryl/kernel/object"
	"beryl/mm/kmem"
	"beryl/mm/vm"
	"beryl/proto/fsproto"
)

// mapShared is MAP_SHARED; mapTypeMask the mapping-type bits.
const (
	mapShared   = 0x01
	mapTypeMask = 0x0f
)

// mmapFile maps a served file. The server is asked for the file's VMO
// (fsproto.OpGetVMO): MAP_SHARED maps that VMO itself, so stores reach
// the file and read() sees them (writable only if the descriptor was
// opened O_RDWR: else EACCES); MAP_PRIVATE maps a copy-on-write snapshot
// of it. A server without VMOs (ENODEV: the read-only trees, /dev) gets
// the old treatment: a private mapping is filled with the file's bytes
// (pages past the end of file read as zeros), a shared writable one is
// refused with ENODEV, a shared read-only one is such a copy too (the
// read-only trees never change). Descriptors other than served files:
// ENODEV; a write-only one: EACCES.
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
	acc := f.flags.Load() & linux.OAccmode
	if acc == linux.OWronly {
		return -linux.EACCES, false
	}
	shared := a[3]&mapTypeMask == mapShared
	if shared && a[2]&linux.ProtWrite != 0 && acc != linux.ORDWR {
		return -linux.EACCES, false
	}
	if r, ok := mmapVMO(t, n, a, shared, acc == linux.ORDWR); ok {
		return r, false
	}
	if shared && a[2]&linux.ProtWrite != 0 {
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
		r := n.pread(buf[:c], int64(off+done), t.abortCh())
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

// mmapVMO maps the VMO the server gives for n (see mmapFile); ok is false
// when the server has none (ENODEV, ENOSYS), and the caller copies.
// writable asks for a writable VMO (the descriptor is O_RDWR), needed by
// a shared mapping that is or may become writable.
func mmapVMO(t *Thread, n *nodeFile, a *[6]uint64, shared, writable bool) (int64, bool) {
	var flags uint32
	if shared && writable {
		flags = fsproto.GetVMOWrite
	}
	errno, d, hs := n.m.callHandles(fsproto.NewRequest(fsproto.OpGetVMO).U64(n.node).U32(flags), t.abortCh())
	defer func() {
		for _, h := range hs {
			object.ReleaseHandle(h)
		}
	}()
	if errno == linux.ENODEV || errno == fsproto.ENOSYS {
		return 0, false
	}
	if errno != 0 {
		return -int64(errno), true
	}
	d.U64() // the file's size
	if d.Err != nil || len(hs) != 1 {
		return -linux.EIO, true
	}
	v, isVMO := hs[0].Object().(*vm.VMO)
	need := object.RightRead | object.RightMap
	if flags&fsproto.GetVMOWrite != 0 {
		need |= object.RightWrite
	}
	if !isVMO || hs[0].Rights()&need != need {
		return -linux.EIO, true
	}
	if !kmem.GateOK() {
		return -linux.ENOMEM, true
	}
	length, off := a[1], a[5]
	prot := int(a[2] & protMask)
	fixed := a[3]&(linux.MapFixed|linux.MapFixedNoReplace) != 0
	if !shared {
		// MAP_PRIVATE: a snapshot of the window, the mapping's alone.
		size := min(length, max(v.Size(), off)-off)
		if size == 0 {
			size = vm.PageSize
		}
		c, st := v.CreateChild(vm.VMOChildSnapshotAtLeastOnWrite, off, size)
		if st != object.OK {
			return -linux.ENOMEM, true
		}
		defer c.Release()
		va, err := t.P.AS.MmapVMO(a[0], length, prot, fixed, c, 0, true, false)
		return mmapResult(va, err), true
	}
	va, err := t.P.AS.MmapVMO(a[0], length, prot, fixed, v, off, false, !writable)
	return mmapResult(va, err), true
}

func mmapResult(va uint64, err error) int64 {
	switch err {
	case nil:
		return int64(va)
	case vm.ErrInvalid:
		return -linux.EINVAL
	}
	return -linux.ENOMEM
}
