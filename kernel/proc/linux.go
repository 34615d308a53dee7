package proc

import (
	"beryl/kernel/linux"
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"beryl/arch/x86"
	"beryl/kernel/klog"
	"beryl/kernel/object"
	"beryl/kernel/rt"
	"beryl/mm/vm"
)

// ZxBase is the first zx system call number; lower numbers are Linux's.
const ZxBase = 0x1000

// ZxSyscall serves zx system calls (the boot package installs the zx
// dispatcher: this package may not import it). Arguments are RDI, RSI,
// RDX, R10, R8, R9, R12, R13; the result goes to RAX.
var ZxSyscall func(t *Thread, num uint64, args *[8]uint64) int64

// syscall serves one system call of thread t, zx or Linux; it reports
// whether the thread exits.
func (t *Thread) syscall() (exit bool) {
	r := &t.Ctx.Regs
	nr := r.RAX
	if nr >= ZxBase {
		a := [8]uint64{r.RDI, r.RSI, r.RDX, r.R10, r.R8, r.R9, r.R12, r.R13}
		st := int64(int32(object.ErrBadSyscall))
		if ZxSyscall != nil {
			st = ZxSyscall(t, nr, &a)
		}
		r.RAX = uint64(st)
		return t.P.killed.Load()
	}
	a := [6]uint64{r.RDI, r.RSI, r.RDX, r.R10, r.R8, r.R9}
	ret, exit := t.linux(nr, a)
	r.RAX = uint64(ret)
	return exit
}

func (t *Thread) u64(addr uint64) (uint64, bool) {
	var b [8]byte
	if t.P.AS.CopyIn(b[:], addr) != nil {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[:]), true
}

func (t *Thread) put64(addr, v uint64) bool {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	return t.P.AS.CopyOut(addr, b[:]) == nil
}

func (t *Thread) timespec(addr uint64) (time.Duration, bool) {
	var b [16]byte
	if t.P.AS.CopyIn(b[:], addr) != nil {
		return 0, false
	}
	s, ns := int64(binary.LittleEndian.Uint64(b[:])), int64(binary.LittleEndian.Uint64(b[8:]))
	if s < 0 || ns < 0 || ns >= 1e9 {
		return 0, false
	}
	return time.Duration(s)*time.Second + time.Duration(ns), true
}

func (t *Thread) linux(nr uint64, a [6]uint64) (int64, bool) {
	p := t.P
	switch nr {
	case linux.SysWrite:
		if a[2] > 1<<20 {
			a[2] = 1 << 20
		}
		buf := make([]byte, a[2])
		if p.AS.CopyIn(buf, a[1]) != nil {
			return -linux.EFAULT, false
		}
		switch a[0] {
		case 1:
			p.Stdout.Write(buf)
		case 2:
			p.Stderr.Write(buf)
		default:
			o := p.fds.get(int(a[0]))
			if o == nil || o.epoll || len(buf) < 8 {
				return -linux.EBADF, false
			}
			p.fds.eventfdWrite(o, binary.LittleEndian.Uint64(buf))
			return 8, false
		}
		return int64(len(buf)), false
	case linux.SysRead:
		o := p.fds.get(int(a[0]))
		if o == nil || o.epoll {
			if a[0] == 0 {
				return 0, false
			}
			return -linux.EBADF, false
		}
		v, ok := p.fds.eventfdRead(o)
		if !ok {
			return -linux.EAGAIN, false
		}
		if a[2] < 8 || !t.put64(a[1], v) {
			return -linux.EFAULT, false
		}
		return 8, false
	case linux.SysClose:
		if a[0] <= 2 || p.fds.close(int(a[0])) {
			return 0, false
		}
		return -linux.EBADF, false
	case linux.SysMmap:
		if a[3]&linux.MapAnonymous == 0 {
			return -linux.ENODEV, false // no files yet
		}
		va, err := p.AS.Mmap(a[0], a[1], int(a[2]&7), a[3]&(linux.MapFixed|linux.MapFixedNoReplace) != 0)
		if err != nil {
			if err == vm.ErrInvalid {
				return -linux.EINVAL, false
			}
			return -linux.ENOMEM, false
		}
		return int64(va), false
	case linux.SysMunmap:
		if p.AS.Munmap(a[0], a[1]) != nil {
			return -linux.EINVAL, false
		}
		return 0, false
	case linux.SysMprotect:
		if p.AS.Mprotect(a[0], a[1], int(a[2]&7)) != nil {
			return -linux.EINVAL, false
		}
		return 0, false
	case linux.SysMadvise:
		switch a[2] {
		case linux.MadvDontneed, linux.MadvFree, linux.MadvRemove: // zero-fill on next touch
			if p.AS.Decommit(a[0], a[1]) != nil {
				return -linux.EINVAL, false
			}
		}
		return 0, false
	case linux.SysArchPrctl:
		switch a[0] {
		case linux.ArchSetFS:
			t.Ctx.FSBase = a[1]
			return 0, false
		case linux.ArchGetFS:
			if !t.put64(a[1], t.Ctx.FSBase) {
				return -linux.EFAULT, false
			}
			return 0, false
		}
		return -linux.EINVAL, false
	case linux.SysGettid:
		return int64(t.TID), false
	case linux.SysGetpid:
		return int64(p.PID), false
	case linux.SysSchedGetaffinity:
		if a[1] < 8 || !t.put64(a[2], 1) {
			return -linux.EINVAL, false
		}
		return 8, false
	case linux.SysSchedYield:
		runtime.Gosched()
		return 0, false
	case linux.SysClockGettime:
		now := rt.Nanotime()
		if a[0] == 0 {
			now = time.Now().UnixNano()
		}
		var b [16]byte
		binary.LittleEndian.PutUint64(b[:], uint64(now/1e9))
		binary.LittleEndian.PutUint64(b[8:], uint64(now%1e9))
		if p.AS.CopyOut(a[1], b[:]) != nil {
			return -linux.EFAULT, false
		}
		return 0, false
	case linux.SysNanosleep:
		d, ok := t.timespec(a[0])
		if !ok {
			return -linux.EINVAL, false
		}
		select {
		case <-time.After(d):
		case <-t.interruptCh():
			return -linux.EINTR, false
		}
		return 0, false
	case linux.SysFutex:
		return t.futex(a), false
	case linux.SysClone:
		return t.clone(a), false
	case linux.SysExit:
		return 0, true
	case linux.SysExitGroup:
		p.Exit(int(int32(a[0])))
		return 0, true
	case linux.SysRtSigaction:
		return t.rtSigaction(a[0], a[1], a[2], a[3]), false
	case linux.SysRtSigprocmask:
		return t.rtSigprocmask(a[0], a[1], a[2], a[3]), false
	case linux.SysSigaltstack:
		return t.sigaltstack(a[0], a[1]), false
	case linux.SysRtSigreturn:
		if !t.sigreturn() {
			p.fault(t, "rt_sigreturn with a bad frame")
		}
		return int64(t.Ctx.Regs.RAX), false
	case linux.SysTgkill:
		if int(a[0]) != p.PID {
			return -linux.ESRCH, false
		}
		return t.tgkill(int(a[1]), a[2]), false
	case linux.SysTkill:
		return t.tgkill(int(a[0]), a[1]), false
	case linux.SysFcntl:
		if a[0] > 2 && p.fds.get(int(a[0])) == nil {
			return -linux.EBADF, false
		}
		if a[1] == linux.FGetfl {
			return 2, false
		}
		return 0, false
	case linux.SysOpenat:
		return -linux.ENOENT, false
	case linux.SysEpollCreate1:
		return int64(p.fds.alloc(&fdObj{epoll: true})), false
	case linux.SysEventfd2:
		return int64(p.fds.alloc(&fdObj{count: a[0], nonblk: a[1]&linux.ONonblock != 0})), false
	case linux.SysEpollCtl:
		ep, o := p.fds.get(int(a[0])), p.fds.get(int(a[2]))
		if ep == nil || !ep.epoll || o == nil || o.epoll {
			return -linux.EBADF, false
		}
		switch a[1] {
		case 1, 3:
			var b [12]byte
			if p.AS.CopyIn(b[:], a[3]) != nil {
				return -linux.EFAULT, false
			}
			p.fds.mu.Lock()
			o.epfd, o.events, o.data = int(a[0]), binary.LittleEndian.Uint32(b[:]), binary.LittleEndian.Uint64(b[4:])
			p.fds.mu.Unlock()
		case 2:
			p.fds.mu.Lock()
			o.epfd = 0
			p.fds.mu.Unlock()
		default:
			return -linux.EINVAL, false
		}
		return 0, false
	case linux.SysEpollPwait, linux.SysEpollWait:
		ep := p.fds.get(int(a[0]))
		if ep == nil || !ep.epoll {
			return -linux.EBADF, false
		}
		if int64(a[2]) <= 0 {
			return -linux.EINVAL, false
		}
		timeout := time.Duration(int32(a[3])) * time.Millisecond
		ev := p.fds.epollWait(int(a[0]), int(a[2]), timeout, t.interruptCh())
		for i, e := range ev {
			var b [12]byte
			binary.LittleEndian.PutUint32(b[:], e.events)
			binary.LittleEndian.PutUint64(b[4:], e.data)
			if p.AS.CopyOut(a[1]+uint64(12*i), b[:]) != nil {
				return -linux.EFAULT, false
			}
		}
		return int64(len(ev)), false
	case linux.SysGetrandom:
		n := min(a[1], 1<<16)
		b := make([]byte, n)
		fillRandom(b)
		if p.AS.CopyOut(a[0], b) != nil {
			return -linux.EFAULT, false
		}
		return int64(n), false
	}
	switch nr {
	case 157, 302: // prctl(PR_SET_VMA), prlimit64: the Go runtime copes with ENOSYS
		return -linux.ENOSYS, false
	}
	klog.Warnf("linux", "%s[%d]: unimplemented syscall %d", klog.Escape(p.Name), p.PID, nr)
	return -linux.ENOSYS, false
}

func (t *Thread) futex(a [6]uint64) int64 {
	p := t.P
	addr, op, val := a[0], a[1]&linux.FutexCmdMask, uint32(a[2])
	switch op {
	case linux.FutexWait:
		if addr&3 != 0 {
			return -linux.EINVAL
		}
		timeout := time.Duration(-1)
		if a[3] != 0 {
			d, ok := t.timespec(a[3])
			if !ok {
				return -linux.EINVAL
			}
			timeout = d
		}
		woken, err := p.futex.wait(addr, func() (bool, error) {
			var b [4]byte
			if err := p.AS.CopyIn(b[:], addr); err != nil {
				return false, err
			}
			return binary.LittleEndian.Uint32(b[:]) == val, nil
		}, timeout, t.interruptCh())
		switch {
		case err != nil:
			return -linux.EFAULT
		case woken:
			return 0
		case t.P.killed.Load():
			return -linux.EINTR
		case interrupted(t.interruptCh()):
			return -linux.EINTR
		case timeout >= 0:
			return -linux.ETIMEDOUT
		}
		return -linux.EAGAIN
	case linux.FutexWake:
		return int64(p.futex.wake(addr, int(val)))
	}
	return -linux.ENOSYS
}

func (t *Thread) clone(a [6]uint64) int64 {
	if a[0]&(linux.CloneVM|linux.CloneThread) != linux.CloneVM|linux.CloneThread {
		return -linux.EINVAL
	}
	ctx := *t.Ctx
	c := newCtx()
	c.Regs = ctx.Regs
	c.FX = ctx.FX
	c.FSBase, c.CR3 = ctx.FSBase, ctx.CR3
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
	if !nt.start() {
		nt.Release()
		return -linux.EAGAIN
	}
	return int64(nt.TID)
}

// interrupted reports whether ch is closed (a signal or kill arrived).
func interrupted(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

var (
	rngMu  sync.Mutex
	rng    *rand.ChaCha8
	rngOut int // bytes since the last seeding
)

// rngReseed is how many bytes the generator gives before it is seeded
// afresh from the hardware.
const rngReseed = 1 << 20

// fillRandom serves getrandom from a ChaCha8 generator (a CSPRNG with fast
// key erasure; crypto/rand would pull the FIPS DRBG, with 32 MiB of BSS,
// into the kernel image). Its 256-bit seed comes from RDSEED, else RDRAND,
// mixed with the TSC and the clocks, and is renewed every rngReseed bytes.
// Without RDSEED and RDRAND only the TSC and clocks seed it: then it is
// not cryptographic (RandomSource says which).
func fillRandom(b []byte) {
	rngMu.Lock()
	defer rngMu.Unlock()
	if rng == nil || rngOut >= rngReseed {
		rng, rngOut = rand.NewChaCha8(hardwareSeed()), 0
	}
	rng.Read(b)
	rngOut += len(b)
}

// hardwareSeed returns 32 bytes from the best source there is.
func hardwareSeed() [32]byte {
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[0:], x86.Rdtsc())
	binary.LittleEndian.PutUint64(seed[8:], uint64(rt.Nanotime()))
	binary.LittleEndian.PutUint64(seed[16:], uint64(time.Now().UnixNano()))
	_, src := hwRandom()
	for i := 0; i < 4 && src != nil; i++ {
		v, ok := src()
		if !ok {
			break
		}
		binary.LittleEndian.PutUint64(seed[8*i:], binary.LittleEndian.Uint64(seed[8*i:])^v)
	}
	return seed
}

// hwRandom returns the best hardware source and its name: RDSEED (the
// entropy source RDRAND's generator is seeded from), else RDRAND, else
// "TSC" and nil.
func hwRandom() (string, func() (uint64, bool)) {
	switch {
	case x86.HasRDSEED():
		return "RDSEED", x86.Rdseed64
	case x86.HasRDRAND():
		return "RDRAND", x86.Rdrand64
	}
	return "TSC", nil
}

// RandomSource names what seeds user processes' getrandom: "RDSEED",
// "RDRAND" or "TSC" (then it is not cryptographic).
func RandomSource() string {
	name, _ := hwRandom()
	return name
}
