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

// PrivateVMOs returns the number of VMOs behind the Linux anonymous
// mappings of every live process (each address space counted once):
// the memory of their Go runtimes. A leak check that compares the
// kernel's VMO count across a test discounts it, since every runtime
// maps and unmaps heap on its own schedule: another process's runtime
// (fsd, init) growing its heap by a mapping or two during the test is
// no leak, yet it moved the count.
func PrivateVMOs() uint64 {
	seen := map[*vm.AddressSpace]bool{}
	var n uint64
	registry.Range(func(_, v any) bool {
		p := v.(*Process)
		p.mu.Lock()
		ases := [2]*vm.AddressSpace{p.AS}
		if p.lx.shared {
			ases[1] = p.lx.ownAS
		}
		p.mu.Unlock()
		for _, as := range ases {
			if as != nil && !seen[as] {
				seen[as] = true
				n += as.PrivateVMOs()
			}
		}
		return true
	})
	return n
}
