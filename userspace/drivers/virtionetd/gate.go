//go:build !pcidrv

package main

import "errors"

// Until the kernel serves the interrupt and BTI calls, the driver
// program cannot take its resources; build with -tags pcidrv once they
// exist.
func zxResources() (Resources, error) {
	return Resources{}, errors.New("needs interrupt_wait, bti_pin and vmo_create_contiguous (not in the kernel yet)")
}
