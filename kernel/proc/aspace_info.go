package proc

import (
	"beryl/kernel/object"
	"beryl/mm/vm"
)

// AddressSpaceOf returns the address space of a process kernel/proc
// runs, or nil (ZX_INFO_PROCESS_MAPS and ZX_INFO_PROCESS_VMOS read it).
func AddressSpaceOf(po *object.Process) *vm.AddressSpace {
	if p := processOf(po); p != nil {
		return p.AS
	}
	return nil
}
