package zxsys

import (
	"beryl/kernel/object"
	"beryl/kernel/proc"
)

// Beryl-specific syscalls: beryl_startup_handle (the process-args
// bootstrap for Go programs) and beryl_kernel_stats (leak checks, init's
// report).

func (d *Dispatcher) sysBerylStartupHandle(c Caller, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h := c.TakeStartupHandle()
	if h == object.HandleInvalid {
		return object.ErrBadState
	}
	return out1(c, h, object.OK, out)
}

// KernelStats is the record beryl_kernel_stats writes: little-endian
// uint64 fields in this order (userspace/zx.KernelStats mirrors it).
type KernelStats struct {
	Size       uint64 // bytes in the full record (KernelStatsSize)
	PagesTotal uint64 // physical pages the allocator manages
	PagesFree  uint64 // of which free
	PagesHeap  uint64 // of which committed to the kernel's Go heap
	CPUs       uint64 // processors online
	Processes  uint64 // user processes whose teardown has not finished
	// CallerPages is the number of pages the calling process's memory
	// holds: the pages present in its page tables that are its own (not
	// shared copy-on-write with another VMO, not mapped from a slice of
	// another VMO such as the bootfs) and its user page tables, so that a
	// process watching the global counts can discount its own heap, and
	// its own faults and mappings do not move them.
	CallerPages uint64
	LiveHandles uint64 // handle entries in tables or in transit
	LiveObjects uint64 // kernel objects not yet destroyed, all types
	// Objects counts live objects per ZX_OBJ_TYPE_* (index = type; 0 is
	// unused).
	Objects [object.ObjTypeUpperBound]uint64
	// CallerPrivateVmos is the number of VMOs behind the calling
	// process's Linux anonymous mappings (one per mmap, counted in
	// Objects), so that a process watching the counts can discount what
	// its own runtime maps.
	CallerPrivateVmos uint64
	// PagesUser is the pages held for user memory: committed VMO pages
	// and user page tables (of PagesTotal - PagesFree).
	PagesUser uint64
	// PagesReserve is the kernel's reserve: user memory never takes the
	// last PagesReserve free pages, and the alloc syscalls fail with
	// ZX_ERR_NO_MEMORY below half of it.
	PagesReserve uint64
	// CallerThreads is the number of threads of the calling process
	// that have not exited (counted in Objects), so that a process
	// watching the counts can discount the threads its own runtime
	// starts.
	CallerThreads uint64
	// CPUBusyNs and CPUIdleNs are, per CPU (index = CPU number), the
	// time it has spent running threads and in its idle context since
	// it came up; 0 for CPUs that are not online.
	CPUBusyNs [StatsCPUs]uint64
	CPUIdleNs [StatsCPUs]uint64
	// KernelGCs is the number of garbage collections the kernel's Go
	// runtime has completed.
	KernelGCs uint64
	// PrivateVmos is the number of VMOs behind the Linux anonymous
	// mappings of every live process (CallerPrivateVmos is the caller's
	// part): their Go runtimes' heaps, which each runtime grows and
	// shrinks on its own schedule, so that a leak check can discount
	// other processes' runtimes too (counted in Objects).
	PrivateVmos uint64
	// ClonedThreads is the number of threads that Linux clone calls made
	// (CLONE_THREAD: a Go runtime's threads) and that have not exited, in
	// every live process but the caller (CallerThreads covers the
	// caller's), so that a leak check can discount the threads other
	// processes' runtimes start (counted in Objects).
	ClonedThreads uint64
}

// StatsCPUs is the number of per-CPU entries in KernelStats (the most
// CPUs the kernel starts).
const StatsCPUs = 64

// KernelStatsSize is the size of the KernelStats record in bytes.
const KernelStatsSize = 8 * (16 + uint64(object.ObjTypeUpperBound) + 2*StatsCPUs)

// checkRootResource accepts ZX_HANDLE_INVALID or the root resource; any
// other resource is ACCESS_DENIED after the gate's BAD_HANDLE /
// WRONG_TYPE.
func checkRootResource(c Caller, resource object.Handle) object.Status {
	if resource == object.HandleInvalid {
		return object.OK
	}
	return requireRootResource(c, resource)
}

func (d *Dispatcher) sysBerylKernelStats(c Caller, resource object.Handle, buffer UserPtr, size uint64) object.Status {
	if st := checkSystemResource(c, resource, object.ResourceSystemInfoBase); st != object.OK {
		return st
	}
	n := min(size, KernelStatsSize)
	if st := probeOut(c, buffer, n); st != object.OK {
		return st
	}
	s := KernelStats{Size: KernelStatsSize}
	if d.Stats != nil {
		d.Stats(&s)
	}
	as := c.AddressSpace()
	s.CallerPages, s.CallerPrivateVmos = as.PrivatePages()+as.TablePages(), as.PrivateVMOs()
	for t := 1; t < len(s.Objects); t++ { // LiveObjects(0) is the total
		s.Objects[t] = uint64(object.LiveObjects(object.ObjType(t)))
		s.LiveObjects += s.Objects[t]
	}
	s.CallerThreads = uint64(len(proc.ThreadKoids(c.Process())))
	s.PrivateVmos = proc.PrivateVMOs()
	s.ClonedThreads = proc.ClonedThreads(c.Process())
	s.Size = KernelStatsSize
	s.LiveHandles = uint64(object.LiveHandles())
	b := make([]byte, KernelStatsSize)
	words := append([]uint64{s.Size, s.PagesTotal, s.PagesFree, s.PagesHeap, s.CPUs, s.Processes, s.CallerPages, s.LiveHandles, s.LiveObjects}, s.Objects[:]...)
	words = append(words, s.CallerPrivateVmos, s.PagesUser, s.PagesReserve, s.CallerThreads)
	words = append(append(words, s.CPUBusyNs[:]...), s.CPUIdleNs[:]...)
	words = append(words, s.KernelGCs, s.PrivateVmos, s.ClonedThreads)
	for i, v := range words {
		le.PutUint64(b[8*i:], v)
	}
	return copyOut(c, buffer, b[:n])
}

// checkSystemResource accepts ZX_HANDLE_INVALID, the root resource or
// the system resource of base.
func checkSystemResource(c Caller, resource object.Handle, base uint64) object.Status {
	if resource == object.HandleInvalid {
		return object.OK
	}
	return requireSystemResource(c, resource, base)
}

// requireRootResource checks that h is the root resource (the one
// resource of kind ZX_RSRC_KIND_ROOT, which boot/kmain gives init):
// BAD_HANDLE, WRONG_TYPE, then ACCESS_DENIED for any other resource, as
// Zircon's validate_resource. Unlike checkRootResource it does not accept
// ZX_HANDLE_INVALID.
func requireRootResource(c Caller, h object.Handle) object.Status {
	o, _, st := c.Process().Lookup(h, object.ObjTypeResource, object.RightNone)
	if st != object.OK {
		return st
	}
	defer o.(*object.Resource).Release()
	if o.(*object.Resource).Kind() != object.ResourceKindRoot {
		return object.ErrAccessDenied
	}
	return object.OK
}

// sysBerylProcessSetClass sets a process's kos security class: the
// launcher that holds the root resource or the system resource of
// BerylSystemClassBase (init, and the launchers it trusts) names the
// classes the policy speaks of, as KasperskyOS's Einit does. Errors in order: the
// resource (BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED), the process handle
// (same order), INVALID_ARGS (length 0 or > 64, bad pointer, bad
// character), BAD_STATE (the process has started).
func (d *Dispatcher) sysBerylProcessSetClass(c Caller, resource, process object.Handle, class UserPtr, classLen uint64) object.Status {
	if st := requireSystemResource(c, resource, object.BerylSystemClassBase); st != object.OK {
		return st
	}
	o, _, st := c.Process().Lookup(process, object.ObjTypeProcess, object.RightManageProcess)
	if st != object.OK {
		return st
	}
	proc := o.(*object.Process)
	defer proc.Release()
	if classLen == 0 || classLen > object.MaxClassLen {
		return object.ErrInvalidArgs
	}
	b, st := copyIn(c, class, classLen)
	if st != object.OK {
		return st
	}
	return proc.SetClass(string(b))
}
