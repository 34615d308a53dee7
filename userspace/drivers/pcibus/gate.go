//go:build !pcidrv

package main

import (
	"errors"

	"beryl/userspace/drivers/hw"
)

// Until the kernel serves ioports_request, the interrupt calls and the
// BTI calls, the bus program enumerates through ECAM only and starts no
// driver; build with -tags pcidrv once they exist.
var errNotYet = errors.New("needs ioports_request (not in the kernel yet)")

// Ports is not available yet.
func (z *zxPlatform) Ports(base, n uint16) (hw.Ports, error) { return nil, errNotYet }

func startDrivers(p *zxPlatform, s *Scan, driverArgs []string) int {
	println("pcibus: drivers need the interrupt and BTI syscalls (not in the kernel yet)")
	return 1
}
