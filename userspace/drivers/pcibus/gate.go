//go:build !pcidrv

package main

import (
	"beryl/userspace/drivers/hw"
	"beryl/userspace/drivers/pci"
	"beryl/userspace/zx"
)

// Until the kernel serves ioports_request and the MSI calls, the bus
// program enumerates through ECAM only and hands drivers their legacy
// interrupt; build with -tags pcidrv once they exist.
// Ports is not available yet.
func (z *zxPlatform) Ports(base, n uint16) (hw.Ports, error) { return nil, errNotYet }

// msix is not available yet: the caller falls back to INTx.
func (z *zxPlatform) msix(d *pci.Device, msixVMO zx.Handle) (zx.Handle, error) {
	return zx.HandleInvalid, errNotYet
}
