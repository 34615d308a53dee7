package x86

import "sync/atomic"

// TLB shootdown (SDM Vol. 3A §4.10.5): a CPU that changes or removes a
// translation other CPUs may cache publishes one request (an address
// space, up to maxShootPages addresses or everything) under TrapLock,
// sends VectorShootdown to the CPUs that may cache it, and waits until
// each has flushed and acknowledged. One unmap, protect, decommit or
// teardown is one round, however many pages it covers. A CPU answers in
// its interrupt handler, or while it spins for TrapLock with interrupts
// disabled.
//
// Which CPUs a user address space's request reaches: PCIDs are off
// (CR4.PCIDE clear), so a MOV to CR3 invalidates every non-global TLB
// entry and every paging-structure cache entry of the CPU (SDM Vol. 3A
// §4.10.4.1): a CPU that switched away from an address space holds
// nothing of it any more, and only CPUs whose CR3 holds it now can cache
// its translations. Each CPU records its CR3 in loadedRoot before it loads
// it (EnterUser, LoadRoot; MOV to CR3 is serializing, so the record is
// visible before the first walk of the new tables), and a request reaches
// the CPUs whose record names its root. The set is exact, never cleared
// lazily: the only window where record and CR3 differ is inside EnterUser
// with interrupts off, between the record and the load that flushes.
// The shooter's page-table writes are ordered before its reading of the
// records by a locked instruction (the gen increment), so a CPU it misses
// loads its CR3 after those writes and walks the new tables.
//
// A CPU in its idle context runs kernel code only and reaches user
// memory through the direct map, never through user addresses, so it
// need not flush before it leaves idle: a request that names its pages
// marks it stale instead of interrupting it (lazy TLB, as Linux does for
// lazy CPUs), and LeaveLazyTLB reloads its CR3 before it runs a thread.
// Requests that may follow freed page tables (a whole flush: mm/vm's
// pruning of empty tables uses one; a retire) still interrupt it, so that
// no speculative walk (§4.10.3.1) reads a table that is being reused.
// Lazy marks are read and written under TrapLock only.
//
// Only CPUs whose record names the root are interrupted or marked; when
// that is the caller alone, the request is served locally with no IPI.
// Kernel-half requests (ShootKernel) still reach every CPU that runs
// threads: those mappings (global ones too) are live on all of them.

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

// loadedRoot is, per CPU, the CR3 value it has loaded or is about to load
// (0 until its first user address space: the kernel's tables). Each CPU
// writes its own; shooters read them.
var loadedRoot [MaxCPUs]uint64

// lazyTLB is set while a CPU runs its idle context; staleTLB while a lazy
// CPU skipped a flush of its loaded root. Both under TrapLock.
var lazyTLB, staleTLB [MaxCPUs]bool

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

// Shootdown invalidates, on every CPU that may cache them, the
// translations of vas under root (ShootKernel: the kernel half, on every
// CPU), or all of root's when vas is nil or longer than a request holds;
// with retire, CPUs whose CR3 holds root switch to kernelRoot instead.
// The caller holds TrapLock with interrupts disabled.
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
	// The locked increment orders the caller's page-table writes before
	// the loadedRoot reads below.
	gen := atomic.AddUint64(&s.gen, 1)
	me := ThisCPUID()
	atomic.StoreUint64(&shootAck[me], gen)
	serveShootdown(s)
	n := ShootdownCPUs()
	if n <= 1 {
		return
	}
	var targets uint64
	for id := 0; id < n; id++ {
		if uint32(id) == me {
			continue
		}
		if root != ShootKernel && atomic.LoadUint64(&loadedRoot[id]) != root {
			continue
		}
		if root != ShootKernel && !retire && s.n >= 0 && lazyTLB[id] {
			staleTLB[id] = true
			continue
		}
		c := CPUByID(uint32(id))
		if c == nil {
			continue
		}
		targets |= 1 << uint(id)
		Local.SendIPI(c.APICID, VectorShootdown)
	}
	atomic.AddUint64(&shootRounds, 1)
	if targets == 0 {
		atomic.AddUint64(&shootLocal, 1)
		return
	}
	for id := 0; id < n; id++ {
		if targets&(1<<uint(id)) == 0 {
			continue
		}
		for atomic.LoadUint64(&shootAck[id]) != gen {
			Pause()
		}
	}
}

// shootRounds counts Shootdown calls on a multiprocessor; shootLocal
// those that reached no other CPU.
var shootRounds, shootLocal uint64

// ShootdownStats returns how many shootdown rounds ran with more than
// one CPU taking part, and how many of them interrupted no other CPU.
func ShootdownStats() (rounds, local uint64) {
	return atomic.LoadUint64(&shootRounds), atomic.LoadUint64(&shootLocal)
}

// LoadRoot records root as the calling CPU's loaded root and loads it
// into CR3. Interrupts disabled.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func LoadRoot(root uint64) {
	atomic.StoreUint64(&loadedRoot[ThisCPUID()], root)
	WriteCR3(root)
}

// EnterLazyTLB marks the calling CPU as running its idle context: user
// shootdowns that free no table skip it. TrapLock held.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func EnterLazyTLB() { lazyTLB[ThisCPUID()] = true }

// LeaveLazyTLB ends the calling CPU's idle context: if a shootdown
// skipped it meanwhile, its TLB is flushed (CR3 reloaded) before it runs
// a thread. TrapLock held.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func LeaveLazyTLB() {
	me := ThisCPUID()
	lazyTLB[me] = false
	if staleTLB[me] {
		staleTLB[me] = false
		WriteCR3(ReadCR3())
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
		LoadRoot(s.kernel)
	case s.n < 0:
		WriteCR3(cr3)
	default:
		for _, va := range s.vas[:s.n] {
			Invlpg(uintptr(va))
		}
	}
}
