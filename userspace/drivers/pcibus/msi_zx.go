package main

import (
	"fmt"

	"beryl/userspace/drivers/pci"
	"beryl/userspace/zx"
)

// msix allocates one MSI and programs it into entry 0 of d's MSI-X table
// (in the BAR msixVMO maps).
func (z *zxPlatform) msix(d *pci.Device, msixVMO zx.Handle) (zx.Handle, error) {
	var alloc, irq zx.Handle
	if st := zx.Sys_msi_allocate(z.res, 1, &alloc); st != zx.OK {
		return zx.HandleInvalid, fmt.Errorf("msi_allocate: %w", st.Err())
	}
	defer alloc.Close()
	if st := zx.Sys_msi_create(alloc, zx.MsiModeMSIX, 0, msixVMO, uint(d.MSIX.TableOffset), &irq); st != zx.OK {
		return zx.HandleInvalid, fmt.Errorf("msi_create: %w", st.Err())
	}
	return irq, nil
}
