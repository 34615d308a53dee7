//go:build !pcidrv

package main

import (
	"beryl/userspace/drivers/pci"
	"beryl/userspace/zx"
)

// Until the kernel serves the MSI calls, the bus program hands drivers
// their legacy interrupt; build with -tags pcidrv once they exist.
// msix is not available yet: the caller falls back to INTx.
func (z *zxPlatform) msix(d *pci.Device, msixVMO zx.Handle) (zx.Handle, error) {
	return zx.HandleInvalid, errNotYet
}
