//go:build pcidrv

package main

import (
	"fmt"

	"beryl/userspace/drivers/pci"
	"beryl/userspace/zx"
)

// interrupt sets up d's interrupt and returns its handle: MSI-X vector 0
// when the function has MSI-X (the kernel writes the table entry in the
// BAR that msixVMO maps), else its legacy line on the GSI the firmware
// routed it to, in the kernel's default mode for that GSI (the MADT's
// override for an ISA IRQ, as QEMU's machines route INTx; else level,
// active low).
func (z *zxPlatform) interrupt(bus *pci.Bus, d *pci.Device, msixVMO zx.Handle, ho *pci.Handoff) (zx.Handle, error) {
	if d.MSIX != nil && msixVMO != zx.HandleInvalid {
		var alloc, irq zx.Handle
		if st := zx.Sys_msi_allocate(z.res, 1, &alloc); st != zx.OK {
			return zx.HandleInvalid, fmt.Errorf("msi_allocate: %w", st.Err())
		}
		defer alloc.Close()
		if st := zx.Sys_msi_create(alloc, zx.MSIModeMSIX, 0, msixVMO, uint(d.MSIX.TableOffset), &irq); st != zx.OK {
			return zx.HandleInvalid, fmt.Errorf("msi_create: %w", st.Err())
		}
		bus.EnableMSIX(d, true)
		bus.SetCommand(d, pci.CmdInterruptDisable, 0)
		ho.IRQMode, ho.IRQ = pci.IRQModeMSIX, 0
		return irq, nil
	}
	if d.InterruptPin == 0 || d.InterruptLine == 0xFF {
		return zx.HandleInvalid, fmt.Errorf("no MSI-X and no routed legacy line")
	}
	var irq zx.Handle
	if st := zx.Sys_interrupt_create(z.res, uint32(d.InterruptLine), zx.InterruptModeDefault, &irq); st != zx.OK {
		return zx.HandleInvalid, fmt.Errorf("interrupt_create(GSI %d): %w", d.InterruptLine, st.Err())
	}
	bus.SetCommand(d, 0, pci.CmdInterruptDisable)
	ho.IRQMode, ho.IRQ = pci.IRQModeINTx, uint32(d.InterruptLine)
	return irq, nil
}

// bti returns a bus transaction initiator for d on a dummy IOMMU (bus
// addresses are physical addresses).
func (z *zxPlatform) bti(d *pci.Device) (zx.Handle, error) {
	var iommu, bti zx.Handle
	desc := [1]byte{}
	if st := zx.Sys_iommu_create(z.res, zx.IommuTypeDummy, &desc[0], uint(len(desc)), &iommu); st != zx.OK {
		return zx.HandleInvalid, fmt.Errorf("iommu_create: %w", st.Err())
	}
	defer iommu.Close()
	id := uint64(d.Addr.Bus)<<8 | uint64(d.Addr.Device)<<3 | uint64(d.Addr.Function)
	if st := zx.Sys_bti_create(iommu, 0, id, &bti); st != zx.OK {
		return zx.HandleInvalid, fmt.Errorf("bti_create: %w", st.Err())
	}
	return bti, nil
}
