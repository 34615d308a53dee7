package proc

import (
	"beryl/kernel/rt"
	"runtime"

	"beryl/kernel/linux"
	"beryl/mm/kmem"
)

// The task calls: threads, identities, limits and the machine's name.

// Identities: every process runs as root, in one thread group per
// process; processes the kernel starts have parent 0, as Linux's init.
const rootID = 0

// Uname fields (struct utsname): the personality is Linux's ABI of 6.1,
// the kernel and node are Beryl.
var unameFields = [...]string{"Linux", "beryl", "6.1.0-beryl", "Beryl", "x86_64", "(none)"}

func sysExit(t *Thread, a *[6]uint64) (int64, bool) { return 0, true }

func sysExitGroup(t *Thread, a *[6]uint64) (int64, bool) {
	t.P.exitGroup(int(int32(a[0])))
	return 0, true
}

func sysGettid(t *Thread, a *[6]uint64) (int64, bool)  { return int64(t.TID), false }
func sysGetpid(t *Thread, a *[6]uint64) (int64, bool)  { return int64(t.P.PID), false }
func sysGetppid(t *Thread, a *[6]uint64) (int64, bool) { return int64(t.P.PPID), false }

// sysGetid serves getuid, geteuid, getgid and getegid.
func sysGetid(t *Thread, a *[6]uint64) (int64, bool) { return rootID, false }

// sysGetgroups: no supplementary groups.
func sysGetgroups(t *Thread, a *[6]uint64) (int64, bool) {
	if int32(a[0]) < 0 {
		return -linux.EINVAL, false
	}
	return 0, false
}

func sysSchedYield(t *Thread, a *[6]uint64) (int64, bool) {
	runtime.Gosched()
	return 0, false
}

// sysSchedGetaffinity reports the CPUs threads run on (rt.SchedCPUs: a
// user program's Go runtime sizes GOMAXPROCS by it); the mask is one
// byte-order-neutral word, so the size returned is 8.
func sysSchedGetaffinity(t *Thread, a *[6]uint64) (int64, bool) {
	n := rt.SchedCPUs()
	mask := ^uint64(0)
	if n < 64 {
		mask = 1<<uint(n) - 1
	}
	if a[1] < 8 || !t.put64(a[2], mask) {
		return -linux.EINVAL, false
	}
	return 8, false
}

func sysUname(t *Thread, a *[6]uint64) (int64, bool) {
	var b [len(unameFields) * linux.UtsLen]byte
	for i, f := range unameFields {
		copy(b[i*linux.UtsLen:(i+1)*linux.UtsLen-1], f)
	}
	if t.P.AS.CopyOut(a[0], b[:]) != nil {
		return -linux.EFAULT, false
	}
	return 0, false
}

// sysArchPrctl sets and gets the thread's FS and GS bases. As Linux, a
// base at or above the user address space's end is EPERM: EnterUser
// loads it with WRMSR, which faults on a non-canonical address.
func sysArchPrctl(t *Thread, a *[6]uint64) (int64, bool) {
	var base *uint64
	switch a[0] {
	case linux.ArchSetFS, linux.ArchGetFS:
		base = &t.Ctx.FSBase
	case linux.ArchSetGS, linux.ArchGetGS:
		base = &t.Ctx.GSBase
	default:
		return -linux.EINVAL, false
	}
	switch a[0] {
	case linux.ArchSetFS, linux.ArchSetGS:
		if !canonical(a[1]) {
			return -linux.EPERM, false
		}
		*base = a[1]
	default:
		if !t.put64(a[1], *base) {
			return -linux.EFAULT, false
		}
	}
	return 0, false
}

// sysClone creates a thread (CLONE_VM|CLONE_THREAD, as the Go runtime
// asks) or, without CLONE_THREAD, a process (spawnClone, vfork-style).
func sysClone(t *Thread, a *[6]uint64) (int64, bool) {
	if !kmem.GateOK() {
		return -linux.EAGAIN, false // Linux's answer when it cannot make a task
	}
	return t.clone(a), false
}

func (t *Thread) clone(a *[6]uint64) int64 {
	if a[0]&linux.CloneThread == 0 {
		return t.spawnClone(a)
	}
	if a[0]&linux.CloneVM == 0 {
		return -linux.EINVAL
	}
	if a[0]&linux.CloneSettls != 0 && !canonical(a[4]) {
		return -linux.EPERM // as arch_prctl(ARCH_SET_FS)
	}
	t.Ctx.SyncFPU()
	ctx := *t.Ctx
	c := newCtx()
	c.Regs = ctx.Regs
	c.FX = ctx.FX
	c.FSBase, c.GSBase, c.CR3 = ctx.FSBase, ctx.GSBase, ctx.CR3
	c.Regs.RAX = 0
	if a[1] != 0 {
		c.Regs.RSP = a[1]
	}
	if a[0]&linux.CloneSettls != 0 {
		c.FSBase = a[4]
	}
	if t.P.killed.Load() {
		return -linux.EAGAIN
	}
	nt := t.P.newThread(c)
	nt.cloned = true
	if !nt.start() {
		nt.Release()
		return -linux.EAGAIN
	}
	return int64(nt.TID)
}
