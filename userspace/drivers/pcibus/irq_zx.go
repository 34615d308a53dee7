package main

import (
	"fmt"
	"os"

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
	if d.MSIX != nil && msixVMO != zx.HandleInvalid && !z.intx {
		irq, err := z.msix(d, msixVMO)
		if err == nil {
			bus.EnableMSIX(d, true)
			bus.SetCommand(d, pci.CmdInterruptDisable, 0)
			ho.IRQMode, ho.IRQ = pci.IRQModeMSIX, 0
			return irq, nil
		}
		fmt.Fprintf(os.Stderr, "pcibus: %s: MSI-X: %v; falling back to INTx\n", d.Addr, err)
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
