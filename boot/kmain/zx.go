package kmain

import (
	"beryl/kernel/proc"
	"beryl/mm/kmem"
	zxsys "beryl/syscall"
)

// setupSyscalls builds the zx dispatcher and hands it to kernel/proc,
// whose thread loop calls it for every zx number (kernel packages may not
// import the syscall layer). It runs before any user program starts.
func setupSyscalls() {
	proc.SetSyscalls(&zxsys.Dispatcher{Stats: kernelStats, Power: zxsys.PowerOps{Reboot: Reboot, PowerOff: PowerOff},
		IRQ: zxsys.IRQOps{GSILine: newGSILine, AllocMSI: allocMSI, MSILine: msiLineFor}})
}

// kernelStats fills what only the kernel's main package knows for
// beryl_kernel_stats: pages, CPUs, processes.
func kernelStats(s *zxsys.KernelStats) {
	f := kmem.Lock()
	s.PagesTotal, s.PagesFree, s.PagesHeap = kmem.Stats()
	s.PagesUser, s.PagesReserve = kmem.UserPages(), kmem.Reserve()
	kmem.Unlock(f)
	if Boot.MADT != nil {
		s.CPUs = uint64(len(Boot.MADT.LAPICIDs))
	}
	s.Processes = uint64(proc.Live())
}
