package main

import (
	"fmt"

	"beryl/userspace/drivers/hw"
	"beryl/userspace/zx"
)

// zxPlatform reaches hardware through a resource: the root resource or
// MMIO and ioport resources covering what the bus program uses.
type zxPlatform struct {
	res zx.Handle
	// intx hands drivers their legacy line even where MSI-X exists.
	intx bool
}

// MapMMIO maps a physical VMO over [base, base+size) (uncached device
// memory, the policy a physical VMO starts with).
func (z *zxPlatform) MapMMIO(base, size uint64) (hw.MMIO, error) {
	vmo, err := z.physVMO(base, size)
	if err != nil {
		return nil, err
	}
	defer vmo.Close()
	addr, err := zx.VmarRootSelf().Map(zx.VMPermRead|zx.VMPermWrite, 0, zx.Vmo{Handle: vmo}, 0, uint(size))
	if err != nil {
		return nil, fmt.Errorf("vmar_map of %#x+%#x: %w", base, size, err)
	}
	return hw.NewWindow(uintptr(addr), size), nil
}

func (z *zxPlatform) physVMO(base, size uint64) (zx.Handle, error) {
	var vmo zx.Handle
	if st := zx.Sys_vmo_create_physical(z.res, base, uint(size), &vmo); st != zx.OK {
		return zx.HandleInvalid, fmt.Errorf("vmo_create_physical(%#x, %#x): %w", base, size, st.Err())
	}
	return vmo, nil
}
