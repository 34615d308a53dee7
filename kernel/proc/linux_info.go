package proc

import (
	"encoding/binary"

	"beryl/kernel/linux"
	"beryl/kernel/rt"
	"beryl/mm/kmem"
	"beryl/mm/vm"
)

// The cheap information calls: mincore and sysinfo.

// maxMincore bounds the pages one mincore call reports (4 GiB).
const maxMincore = 1 << 20

// sysMincore serves mincore(addr, length, vec): every page of a mapping
// reads as resident (pages are committed on first touch and a mapped
// VMO's pages stay); EINVAL for an unaligned addr, ENOMEM when the range
// holds unmapped pages, EFAULT for a bad vec.
func sysMincore(t *Thread, a *[6]uint64) (int64, bool) {
	addr, length, vec := a[0], a[1], a[2]
	if addr%vm.PageSize != 0 {
		return -linux.EINVAL, false
	}
	n := (length + vm.PageSize - 1) / vm.PageSize
	if length > ^uint64(0)-vm.PageSize || addr+n*vm.PageSize < addr {
		return -linux.ENOMEM, false
	}
	if n > maxMincore {
		return -linux.EINVAL, false
	}
	out := make([]byte, n)
	for i := range out {
		if !t.P.AS.Mapped(addr + uint64(i)*vm.PageSize) {
			return -linux.ENOMEM, false
		}
		out[i] = 1
	}
	if n > 0 && t.P.AS.CopyOut(vec, out) != nil {
		return -linux.EFAULT, false
	}
	return 0, false
}

// sysinfoLen is sizeof(struct sysinfo) on x86-64.
const sysinfoLen = 112

// sysSysinfo serves sysinfo(info): uptime, RAM in bytes (mem_unit 1),
// the number of processes, no swap and no load figures.
func sysSysinfo(t *Thread, a *[6]uint64) (int64, bool) {
	total, free, _ := kmem.Stats()
	var b [sysinfoLen]byte
	binary.LittleEndian.PutUint64(b[0:], uint64(rt.Nanotime()/1e9))
	binary.LittleEndian.PutUint64(b[32:], total*vm.PageSize)
	binary.LittleEndian.PutUint64(b[40:], free*vm.PageSize)
	binary.LittleEndian.PutUint16(b[80:], uint16(min(Live(), 0xffff)))
	binary.LittleEndian.PutUint32(b[104:], 1)
	if t.P.AS.CopyOut(a[0], b[:]) != nil {
		return -linux.EFAULT, false
	}
	return 0, false
}
