package x86

import "sync/atomic"

// TLB shootdown (SDM Vol. 3A §4.10.5): a CPU that changes or removes a
// translation other CPUs may cache publishes one request (an address
// space, up to maxShootPages addresses or everything) under TrapLock,
// sends VectorShootdown to every other CPU that runs threads, and waits
// until each has flushed and acknowledged. One unmap, protect, decommit
// or teardown is one round, however many pages it covers. A CPU answers
// in its interrupt handler, or while it spins for TrapLock with
// interrupts disabled.

// VectorShootdown is the IPI vector of TLB shootdown requests.
const VectorShootdown = 0xF1

// ShootKernel as the root of a request means kernel-half addresses,
// which every CPU maps.
const ShootKernel = ^uint64(0)

// maxShootPages is the most addresses one request names; a longer
// operation flushes everything.
const maxShootPages = 32

// shootReq is the one pending shootdown request.
type shootReq struct {
	gen    uint64 // request number; a CPU has served it when its ack equals it
	root   uint64 // address space (PML4 physical address), or ShootKernel
	n      int    // addresses in vas; -1: flush everything
	retire bool   // leave root: load the kernel's tables if root is live
	kernel uint64 // the kernel's PML4, for retire
	vas    [maxShootPages]uint64
}

var shoot shootReq

// shootAck is each CPU's last served request.
var shootAck [MaxCPUs]uint64

// shootCPUs is how many CPUs (0..n-1) take part in shootdowns: the CPUs
// that run threads. 1 means none but the caller.
var shootCPUs uint32 = 1

// SetShootdownCPUs sets how many CPUs run threads and so may cache
// translations that shootdowns must reach.
func SetShootdownCPUs(n int) { atomic.StoreUint32(&shootCPUs, uint32(n)) }

// ShootdownCPUs returns how many CPUs take part in shootdowns.
//
//go:nosplit
func ShootdownCPUs() int { return int(atomic.LoadUint32(&shootCPUs)) }

// Shootdown invalidates, on every CPU, the translations of vas under root
// (ShootKernel: the kernel half), or all of root's when vas is nil or
// longer than a request holds; with retire, CPUs whose CR3 holds root
// switch to kernelRoot instead. The caller holds TrapLock with interrupts
// disabled.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func Shootdown(root uint64, vas []uint64, retire bool, kernelRoot uint64) {
	s := &shoot
	s.root, s.retire, s.kernel = root, retire, kernelRoot
	s.n = -1
	if vas != nil && len(vas) <= maxShootPages {
		s.n = copy(s.vas[:], vas)
	}
	serveShootdown(s)
	n := ShootdownCPUs()
	if n <= 1 {
		return
	}
	gen := atomic.AddUint64(&s.gen, 1)
	me := ThisCPUID()
	atomic.StoreUint64(&shootAck[me], gen)
	Local.SendIPIAllButSelf(VectorShootdown)
	for id := 0; id < n; id++ {
		for atomic.LoadUint64(&shootAck[id]) != gen {
			Pause()
		}
	}
}

// ServiceShootdown serves a pending request on the calling CPU, if any.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func ServiceShootdown() {
	me := ThisCPUID()
	gen := atomic.LoadUint64(&shoot.gen)
	if atomic.LoadUint64(&shootAck[me]) == gen {
		return
	}
	serveShootdown(&shoot)
	atomic.StoreUint64(&shootAck[me], gen)
}

//go:nosplit
func serveShootdown(s *shootReq) {
	cr3 := ReadCR3() &^ 0xFFF
	switch {
	case s.root == ShootKernel:
		if s.n < 0 {
			// Kernel mappings may be global: toggling CR4.PGE flushes
			// those too (§4.10.4.1).
			cr4 := ReadCR4()
			WriteCR4(cr4 &^ CR4PGE)
			WriteCR4(cr4)
			return
		}
		for _, va := range s.vas[:s.n] {
			Invlpg(uintptr(va))
		}
	case cr3 != s.root:
		// Not live here: the next CR3 load flushes it.
	case s.retire:
		WriteCR3(s.kernel)
	case s.n < 0:
		WriteCR3(cr3)
	default:
		for _, va := range s.vas[:s.n] {
			Invlpg(uintptr(va))
		}
	}
}
