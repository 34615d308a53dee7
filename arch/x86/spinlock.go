package x86

import "sync/atomic"

// SpinLock is a CPU-recursive spin lock for state the trap path shares
// between CPUs: the CPU that holds it may take it again (a page fault
// taken while it is held, for example). Callers disable interrupts first
// and keep them disabled while they hold it. While it spins, a CPU
// answers TLB shootdown requests, so that a holder waiting for every CPU
// to flush cannot deadlock with a CPU waiting for the lock.
type SpinLock struct {
	owner uint32 // holder's CPU number + 1; 0 when free
	depth uint32 // nesting depth of the holder
}

// TrapLock is the kernel's trap lock: the runtime layer's scheduler
// state (kernel/rt) and the kernel's memory (mm/kmem) are reached only
// with it held. It is the one lock of the trap path; nothing is taken
// after it.
var TrapLock SpinLock

// Lock takes l, spinning (interrupts must be disabled).
// Trap path: nosplit, no allocation.
//
//go:nosplit
func (l *SpinLock) Lock() {
	me := ThisCPUID() + 1
	if atomic.LoadUint32(&l.owner) == me {
		l.depth++
		return
	}
	for !atomic.CompareAndSwapUint32(&l.owner, 0, me) {
		ServiceShootdown()
		Pause()
	}
	l.depth = 1
}

// Unlock releases one level of l.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func (l *SpinLock) Unlock() {
	l.depth--
	if l.depth == 0 {
		atomic.StoreUint32(&l.owner, 0)
	}
}

// Held reports whether the calling CPU holds l.
//
//go:nosplit
func (l *SpinLock) Held() bool { return atomic.LoadUint32(&l.owner) == ThisCPUID()+1 }
