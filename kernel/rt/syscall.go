package rt

import (
	"beryl/arch/x86"
	"beryl/kernel/linux"
	"beryl/mm/kmem"
)

// handled is returned by a handler that already arranged the result (it
// blocked, switched threads or restored a signal frame).
const handled = int64(-1 << 62)

// doSyscall serves one Linux system call of the kernel's Go runtime.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func doSyscall(f *x86.Frame, fx *x86.FXArea) {
	nr := f.RAX
	a0, a1, a2, a3, a4, a5 := f.RDI, f.RSI, f.RDX, f.R10, f.R8, f.R9
	var r int64
	switch nr {
	case linux.SysWrite:
		r = sysWriteFd(a0, a1, a2)
	case linux.SysRead:
		r = sysReadFd(a0, a1, a2)
	case linux.SysClose:
		r = closeFd(a0)
	case linux.SysMmap:
		r = mmap(a0, a1, a2, a3, a4, a5)
	case linux.SysMunmap:
		r = munmap(a0, a1)
	case linux.SysMadvise:
		r = madvise(a0, a1, a2)
	case linux.SysMprotect:
		r = mprotect(a0, a1, a2)
	case linux.SysFutex:
		r = futex(f, fx, a0, a1, a2, a3)
	case linux.SysNanosleep:
		r = nanosleep(f, fx, a0)
	case linux.SysClockNanosleep:
		r = nanosleep(f, fx, a2)
	case linux.SysClockGettime:
		r = clockGettime(a0, a1)
	case linux.SysSchedYield:
		f.RAX = 0
		yieldOf[x86.ThisCPUID()] = true
		reschedule(f, fx)
		r = handled
	case linux.SysClone:
		r = clone(f, fx, a0, a1, a4)
	case linux.SysExit:
		r = exitThread(f, fx)
	case linux.SysExitGroup:
		exitGroup(int32(a0))
	case linux.SysArchPrctl:
		r = archPrctl(a0, a1)
	case linux.SysGettid:
		r = int64(threads[curIdx()].tid)
	case linux.SysGetpid:
		r = 1
	case linux.SysGetppid:
		r = 0
	case linux.SysGetuid, linux.SysGeteuid, linux.SysGetgid, linux.SysGetegid:
		r = 0
	case linux.SysSchedGetaffinity:
		r = schedGetaffinity(a1, a2)
	case linux.SysRtSigaction:
		r = rtSigaction(a0, a1, a2, a3)
	case linux.SysRtSigprocmask:
		r = rtSigprocmask(a0, a1, a2, a3)
	case linux.SysSigaltstack:
		r = sigaltstack(f, a0, a1)
	case linux.SysRtSigreturn:
		r = rtSigreturn(f, fx)
	case linux.SysTgkill:
		r = kill(f, fx, int32(a1), a2)
	case linux.SysTkill:
		r = kill(f, fx, int32(a0), a1)
	case linux.SysFcntl:
		r = fcntl(a0, a1, a2)
	case linux.SysOpenat:
		r = -linux.ENOENT
	case linux.SysEpollCreate1:
		r = allocFd(fdEpoll)
	case linux.SysEventfd2:
		r = eventfd(a0, a1)
	case linux.SysEpollCtl:
		r = epollCtl(a0, a1, a2, a3)
	case linux.SysEpollPwait, linux.SysEpollWait:
		r = epollWait(f, fx, a0, a1, a2, a3)
	case linux.SysGetrandom:
		r = getrandom(a0, a1)
	case linux.SysPrctl, linux.SysPrlimit64, linux.SysMincore, linux.SysUname, linux.SysPipe2:
		r = -linux.ENOSYS
	default:
		x86.SerialPuts("beryl: rt: unimplemented syscall ")
		x86.SerialPutDec(nr)
		x86.SerialPuts("\n")
		r = -linux.ENOSYS
	}
	if r != handled {
		f.RAX = uint64(r)
	}
	if TraceSyscalls {
		x86.SerialPuts("[sys ")
		x86.SerialPutDec(nr)
		x86.SerialPuts(" tid ")
		x86.SerialPutDec(uint64(threads[curIdx()].tid))
		x86.SerialPuts(" = ")
		x86.SerialPutHex(uint64(r))
		x86.SerialPuts("]\n")
	}
}

// TraceSyscalls logs every runtime system call to the serial console.
var TraceSyscalls bool

//go:nosplit
func archPrctl(code, addr uint64) int64 {
	switch code {
	case linux.ArchSetFS:
		threads[curIdx()].fsBase = addr
		x86.SetKernelFSBase(addr)
		loadedFSOf[x86.ThisCPUID()] = addr
		return 0
	case linux.ArchGetFS:
		*(*uint64)(ptr(addr)) = threads[curIdx()].fsBase
		return 0
	}
	return -linux.EINVAL
}

//go:nosplit
func schedGetaffinity(size, mask uint64) int64 {
	if size < 8 {
		return -linux.EINVAL
	}
	*(*uint64)(ptr(mask)) = cpuMask(SchedCPUs())
	return 8
}

// cpuMask returns a mask with the low n bits set (at most 64).
//
//go:nosplit
func cpuMask(n int) uint64 {
	if n >= 64 {
		return ^uint64(0)
	}
	return 1<<uint(n) - 1
}

//go:nosplit
func clone(f *x86.Frame, fx *x86.FXArea, flags, stack, tls uint64) int64 {
	if flags&(linux.CloneVM|linux.CloneThread) != linux.CloneVM|linux.CloneThread {
		return -linux.EINVAL
	}
	var i int32
	for i = firstThread; i < int32(len(threads)); i++ {
		if threads[i].state == tsFree {
			break
		}
	}
	if i == int32(len(threads)) {
		return -linux.EAGAIN
	}
	parent := &threads[curIdx()]
	t := &threads[i]
	t.frame = *f
	t.frame.RAX = 0
	if stack != 0 {
		t.frame.RSP = stack
	}
	t.fx = *fx
	t.fsBase = parent.fsBase
	if flags&linux.CloneSettls != 0 {
		t.fsBase = tls
	}
	t.sigMask = parent.sigMask
	t.sigPending = 0
	t.altSP, t.altSize, t.altFlags = 0, 0, 0
	t.wait = waitNone
	t.deadline = 0
	t.allowed = 0 // not inherited: the runtime starts Ms from any M
	t.sch.Reset(vnowOf[x86.ThisCPUID()])
	t.tid = nextTid
	nextTid++
	t.state = tsRunnable
	if i > hiThread {
		hiThread = i
	}
	return int64(t.tid)
}

//go:nosplit
func exitThread(f *x86.Frame, fx *x86.FXArea) int64 {
	threads[curIdx()].state = tsFree
	reschedule(f, fx)
	return handled
}

// ExitHook, if set, runs before the machine stops in exit_group (for
// example to flush test results). Trap path: must be nosplit.
var exitHook func(code int32)

//go:nosplit
func exitGroup(code int32) {
	if exitHook != nil {
		exitHook(code)
	}
	x86.SerialPuts("beryl: exit_group(")
	x86.SerialPutDec(uint64(code))
	x86.SerialPuts(")\n")
	if code == 0 {
		x86.Stop(x86.ExitPass)
	}
	x86.Stop(x86.ExitFail)
}

//go:nosplit
func mmap(addr, length, prot, flags, fd, off uint64) int64 {
	if flags&linux.MapAnonymous == 0 {
		return -linux.ENODEV
	}
	length = (length + kmem.PageSize - 1) &^ (kmem.PageSize - 1)
	if length == 0 {
		return -linux.EINVAL
	}
	var va uint64
	if flags&(linux.MapFixed|linux.MapFixedNoReplace) != 0 {
		if !kmem.InHeap(addr, length) {
			return -linux.EINVAL
		}
		va = addr
	} else {
		var ok bool
		if va, ok = kmem.ReserveHeap(length); !ok {
			return -linux.ENOMEM
		}
	}
	if prot&(linux.ProtRead|linux.ProtWrite|linux.ProtExec) == 0 {
		if flags&linux.MapFixed != 0 {
			kmem.Release(va, length)
		}
		return int64(va)
	}
	if !kmem.Commit(va, length, prot&linux.ProtWrite != 0, prot&linux.ProtExec != 0) {
		return -linux.ENOMEM
	}
	return int64(va)
}

//go:nosplit
func munmap(addr, length uint64) int64 {
	length = (length + kmem.PageSize - 1) &^ (kmem.PageSize - 1)
	if !kmem.Release(addr, length) {
		return -linux.EINVAL
	}
	return 0
}

//go:nosplit
func madvise(addr, length, advice uint64) int64 {
	length = (length + kmem.PageSize - 1) &^ (kmem.PageSize - 1)
	if !kmem.InHeap(addr, length) {
		return -linux.EINVAL
	}
	switch advice {
	case linux.MadvDontneed, linux.MadvFree, linux.MadvRemove:
		// MADV_DONTNEED must zero-fill: Go 1.26 does not re-zero
		// scavenged spans on Linux.
		kmem.Decommit(addr, length)
	}
	return 0
}

//go:nosplit
func mprotect(addr, length, prot uint64) int64 {
	length = (length + kmem.PageSize - 1) &^ (kmem.PageSize - 1)
	if !kmem.InHeap(addr, length) {
		return -linux.EINVAL
	}
	kmem.Protect(addr, length, prot&(linux.ProtRead|linux.ProtWrite|linux.ProtExec) != 0, prot&linux.ProtWrite != 0, prot&linux.ProtExec != 0)
	return 0
}

//go:nosplit
func futex(f *x86.Frame, fx *x86.FXArea, addr, op, val, timeout uint64) int64 {
	switch op & linux.FutexCmdMask {
	case linux.FutexWait:
		if addr&3 != 0 || addr == 0 {
			return -linux.EINVAL
		}
		if *(*uint32)(ptr(addr)) != uint32(val) {
			return -linux.EAGAIN
		}
		var deadline int64
		if timeout != 0 {
			ts := (*linux.Timespec)(ptr(timeout))
			deadline = Nanotime() + ts.Sec*1e9 + ts.Nsec
			if deadline <= Nanotime() {
				return -linux.ETIMEDOUT
			}
		}
		block(f, fx, waitFutex, addr, deadline, 0)
		return handled
	case linux.FutexWake:
		return int64(futexWakeAddr(addr, uint32(val)))
	}
	return -linux.ENOSYS
}

// futexWakeAddr wakes up to n threads waiting on addr.
//
//go:nosplit
func futexWakeAddr(addr uint64, n uint32) uint32 {
	var woken uint32
	for i := int32(firstThread); i <= hiThread && woken < n; i++ {
		t := &threads[i]
		if t.state == tsBlocked && t.wait == waitFutex && t.waitAddr == addr {
			wake(t, 0)
			woken++
		}
	}
	return woken
}

//go:nosplit
func nanosleep(f *x86.Frame, fx *x86.FXArea, req uint64) int64 {
	ts := (*linux.Timespec)(ptr(req))
	if ts.Nsec < 0 || ts.Nsec >= 1e9 || ts.Sec < 0 {
		return -linux.EINVAL
	}
	d := ts.Sec*1e9 + ts.Nsec
	if d == 0 {
		return 0
	}
	block(f, fx, waitSleep, 0, Nanotime()+d, 0)
	return handled
}

//go:nosplit
func clockGettime(clock, tsp uint64) int64 {
	now := Nanotime()
	if clock == linux.ClockRealtime {
		now += x86.RealtimeOffset()
	}
	ts := (*linux.Timespec)(ptr(tsp))
	ts.Sec = now / 1e9
	ts.Nsec = now % 1e9
	return 0
}

var (
	randState uint64
	// randHW: 0 not probed yet, 1 RDRAND, 2 none. Probed on first use:
	// the runtime asks for random bytes before any package init runs.
	randHW uint8
)

// getrandom fills buf from RDRAND when the CPU has it, else from a
// xorshift64* stream seeded by the TSC (not cryptographic: the kernel has
// no other entropy source). Nosplit and allocation-free: the runtime calls
// it while it bootstraps.
//
//go:nosplit
func getrandom(buf, n uint64) int64 {
	probeRandom()
	b := (*[1 << 30]byte)(ptr(buf))
	for i := uint64(0); i < n; i += 8 {
		var v uint64
		ok := false
		if randHW == 1 {
			v, ok = x86.Rdrand64()
		}
		if !ok {
			randState ^= randState >> 12
			randState ^= randState << 25
			randState ^= randState >> 27
			v = randState * 2685821657736338717
		}
		for j := uint64(0); j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return int64(n)
}

//go:nosplit
func probeRandom() {
	if randHW == 0 {
		randHW = 2
		if x86.HasRDRAND() {
			randHW = 1
		}
		randState = x86.Rdtsc() | 1
	}
}

// RandomSource names the source getrandom uses ("RDRAND" or "xorshift"),
// for the boot log and tests.
func RandomSource() string {
	probeRandom()
	if randHW == 1 {
		return "RDRAND"
	}
	return "xorshift"
}
