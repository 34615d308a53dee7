package kmain

import (
	"fmt"

	"beryl/kernel/klog"
	"beryl/kernel/options"
	"beryl/mm/kmem"
)

// TestRAM is the RAM test.ram.reserve set aside: [Base, Base+Size), both
// page-aligned; Size 0 without the option.
var TestRAM struct{ Base, Size uint64 }

// setupTestRAM takes test.ram.reserve bytes of contiguous pages from the
// allocator for good, as Zircon's kernel.test.ram.reserve does: the
// pages belong to no VMO and the kernel never uses or frees them, so
// setupResources leaves them out of its reservations and a holder of a
// fitting MMIO resource may cover them with vmo_create_physical (the
// core-tests' GetTestPhysVmo). Without the option nothing changes: RAM
// stays out of every resource.
func setupTestRAM(opts options.Options) {
	if opts.TestRAM <= 0 {
		return
	}
	n := (uint64(opts.TestRAM) + kmem.PageSize - 1) / kmem.PageSize
	f := kmem.Lock()
	pa, err := kmem.Phys.AllocContig(n, 1)
	kmem.Unlock(f)
	if err != nil {
		klog.Warnf("mem", "test.ram.reserve: no %d contiguous pages: %v", n, err)
		return
	}
	TestRAM.Base, TestRAM.Size = pa, n*kmem.PageSize
	klog.Infof("mem", "test.ram.reserve: %#x-%#x left to physical VMOs", pa, pa+n*kmem.PageSize)
}

// testRAMEnv is init's BERYL_TEST_RAM variable, BASE:SIZE in hex, or ""
// without test RAM.
func testRAMEnv() string {
	if TestRAM.Size == 0 {
		return ""
	}
	return fmt.Sprintf("BERYL_TEST_RAM=%#x:%#x", TestRAM.Base, TestRAM.Size)
}

// reserveRAM reserves [base, base+size) of MMIO space for the kernel
// through mmio, leaving TestRAM out.
func reserveRAM(mmio func(base, size uint64), base, size uint64) {
	end := base + size
	tb, te := TestRAM.Base, TestRAM.Base+TestRAM.Size
	if TestRAM.Size == 0 || te <= base || tb >= end {
		mmio(base, size)
		return
	}
	if tb > base {
		mmio(base, tb-base)
	}
	if te < end {
		mmio(te, end-te)
	}
}
