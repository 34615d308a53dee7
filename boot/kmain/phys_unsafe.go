package kmain

import (
	"errors"
	"unsafe"

	"beryl/mm/kmem"
)

// physMem reads physical memory: through the direct map where it covers
// the range, else through cached mappings in the MMIO window (firmware
// tables often sit in reserved regions the direct map leaves out).
type physMem struct{}

// PhysMem is the kernel's physical-memory reader.
var PhysMem physMem

var windows = map[uint64]uintptr{} // page → virtual address

// ReadPhys copies len(p) bytes from physical address addr.
func (physMem) ReadPhys(addr uint64, p []byte) error {
	for len(p) > 0 {
		page := addr &^ (kmem.PageSize - 1)
		n := min(uint64(len(p)), page+kmem.PageSize-addr)
		va, err := pageVA(page)
		if err != nil {
			return err
		}
		copy(p[:n], unsafe.Slice((*byte)(kmem.Ptr(va+uintptr(addr-page))), n))
		p = p[n:]
		addr += n
	}
	return nil
}

func pageVA(page uint64) (uintptr, error) {
	if _, _, _, err := kmem.Kernel.Lookup(kmem.DirectMapBase + page); err == nil {
		return kmem.PhysToVirt(page), nil
	}
	if va, ok := windows[page]; ok {
		return va, nil
	}
	f := kmem.Lock()
	va, ok := kmem.MapMMIO(page, kmem.PageSize, true)
	kmem.Unlock(f)
	if !ok {
		return 0, errors.New("kmain: cannot map physical page")
	}
	windows[page] = va
	return va, nil
}
