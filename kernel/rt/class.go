package rt

import (
	"beryl/arch/x86"
	"beryl/kernel/sched"
	"beryl/mm/kmem"
)

// SetPriority makes the calling kernel thread a fair thread of Zircon
// priority p (sched.Weight; sched.PriorityDefault is every thread's
// until told otherwise). The caller has locked its goroutine to its
// thread (runtime.LockOSThread) for as long as the priority matters.
func SetPriority(p int32) {
	f := kmem.Lock()
	me := x86.ThisCPUID()
	threads[curIdx()].sch.SetFair(sched.Weight(p), vnowOf[me])
	kmem.Unlock(f)
}

// SetDeadline makes the calling kernel thread a deadline thread: in each
// period (ns) it runs for up to capacity before its relative deadline,
// ahead of every fair thread; its first period starts now. The
// parameters are those profile_create validated (0 < capacity <=
// deadline <= period). The caller has locked its goroutine to its thread
// as for SetPriority.
func SetDeadline(capacity, deadline, period int64) {
	f := kmem.Lock()
	threads[curIdx()].sch.SetDeadline(capacity, deadline, period, Nanotime())
	kmem.Unlock(f)
}
