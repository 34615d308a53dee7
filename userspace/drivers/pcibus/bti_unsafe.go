package main

import (
	"fmt"
	"unsafe"

	"beryl/userspace/drivers/pci"
	"beryl/userspace/zx"
)

// bti returns a bus transaction initiator for d on a dummy IOMMU (bus
// addresses are physical addresses).
func (z *zxPlatform) bti(d *pci.Device) (zx.Handle, error) {
	var iommu, bti zx.Handle
	desc := [1]byte{}
	if st := zx.Sys_iommu_create(z.res, zx.IommuTypeDummy, unsafe.Pointer(&desc[0]), uint(len(desc)), &iommu); st != zx.OK {
		return zx.HandleInvalid, fmt.Errorf("iommu_create: %w", st.Err())
	}
	defer iommu.Close()
	id := uint64(d.Addr.Bus)<<8 | uint64(d.Addr.Device)<<3 | uint64(d.Addr.Function)
	if st := zx.Sys_bti_create(iommu, 0, id, &bti); st != zx.OK {
		return zx.HandleInvalid, fmt.Errorf("bti_create: %w", st.Err())
	}
	return bti, nil
}
