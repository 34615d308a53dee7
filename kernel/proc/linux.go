package proc

import (
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

// Linux x86-64 system call numbers served for user programs.
const (
	lnxRead             = 0
	lnxWrite            = 1
	lnxClose            = 3
	lnxMmap             = 9
	lnxMprotect         = 10
	lnxMunmap           = 11
	lnxRtSigaction      = 13
	lnxRtSigprocmask    = 14
	lnxRtSigreturn      = 15
	lnxSchedYield       = 24
	lnxMadvise          = 28
	lnxNanosleep        = 35
	lnxGetpid           = 39
	lnxClone            = 56
	lnxExit             = 60
	lnxFcntl            = 72
	lnxSigaltstack      = 131
	lnxArchPrctl        = 158
	lnxGettid           = 186
	lnxTkill            = 200
	lnxFutex            = 202
	lnxSchedGetaffinity = 204
	lnxClockGettime     = 228
	lnxExitGroup        = 231
	lnxEpollWait        = 232
	lnxEpollCtl         = 233
	lnxTgkill           = 234
	lnxOpenat           = 257
	lnxEpollPwait       = 281
	lnxEventfd2         = 290
	lnxEpollCreate1     = 291
	lnxGetrandom        = 318
)

// errno values.
const (
	eNOENT    = 2
	eSRCH     = 3
	eINTR     = 4
	eBADF     = 9
	eAGAIN    = 11
	eNOMEM    = 12
	eFAULT    = 14
	eINVAL    = 22
	eNOSYS    = 38
	eTIMEDOUT = 110
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
	case lnxWrite:
		if a[2] > 1<<20 {
			a[2] = 1 << 20
		}
		buf := make([]byte, a[2])
		if p.AS.CopyIn(buf, a[1]) != nil {
			return -eFAULT, false
		}
		switch a[0] {
		case 1:
			p.Stdout.Write(buf)
		case 2:
			p.Stderr.Write(buf)
		default:
			o := p.fds.get(int(a[0]))
			if o == nil || o.epoll || len(buf) < 8 {
				return -eBADF, false
			}
			p.fds.eventfdWrite(o, binary.LittleEndian.Uint64(buf))
			return 8, false
		}
		return int64(len(buf)), false
	case lnxRead:
		o := p.fds.get(int(a[0]))
		if o == nil || o.epoll {
			if a[0] == 0 {
				return 0, false
			}
			return -eBADF, false
		}
		v, ok := p.fds.eventfdRead(o)
		if !ok {
			return -eAGAIN, false
		}
		if a[2] < 8 || !t.put64(a[1], v) {
			return -eFAULT, false
		}
		return 8, false
	case lnxClose:
		if a[0] <= 2 || p.fds.close(int(a[0])) {
			return 0, false
		}
		return -eBADF, false
	case lnxMmap:
		const mapFixed, mapAnon = 0x10, 0x20
		if a[3]&mapAnon == 0 {
			return -19, false // ENODEV: no files yet
		}
		va, err := p.AS.Mmap(a[0], a[1], int(a[2]&7), a[3]&(mapFixed|0x100000) != 0)
		if err != nil {
			if err == vm.ErrInvalid {
				return -eINVAL, false
			}
			return -eNOMEM, false
		}
		return int64(va), false
	case lnxMunmap:
		if p.AS.Munmap(a[0], a[1]) != nil {
			return -eINVAL, false
		}
		return 0, false
	case lnxMprotect:
		if p.AS.Mprotect(a[0], a[1], int(a[2]&7)) != nil {
			return -eINVAL, false
		}
		return 0, false
	case lnxMadvise:
		switch a[2] {
		case 4, 8, 9: // DONTNEED, FREE, REMOVE: zero-fill on next touch
			if p.AS.Decommit(a[0], a[1]) != nil {
				return -eINVAL, false
			}
		}
		return 0, false
	case lnxArchPrctl:
		switch a[0] {
		case 0x1002:
			t.Ctx.FSBase = a[1]
			return 0, false
		case 0x1003:
			if !t.put64(a[1], t.Ctx.FSBase) {
				return -eFAULT, false
			}
			return 0, false
		}
		return -eINVAL, false
	case lnxGettid:
		return int64(t.TID), false
	case lnxGetpid:
		return int64(p.PID), false
	case lnxSchedGetaffinity:
		if a[1] < 8 || !t.put64(a[2], 1) {
			return -eINVAL, false
		}
		return 8, false
	case lnxSchedYield:
		runtime.Gosched()
		return 0, false
	case lnxClockGettime:
		now := rt.Nanotime()
		if a[0] == 0 {
			now = time.Now().UnixNano()
		}
		var b [16]byte
		binary.LittleEndian.PutUint64(b[:], uint64(now/1e9))
		binary.LittleEndian.PutUint64(b[8:], uint64(now%1e9))
		if p.AS.CopyOut(a[1], b[:]) != nil {
			return -eFAULT, false
		}
		return 0, false
	case lnxNanosleep:
		d, ok := t.timespec(a[0])
		if !ok {
			return -eINVAL, false
		}
		select {
		case <-time.After(d):
		case <-t.interruptCh():
			return -eINTR, false
		}
		return 0, false
	case lnxFutex:
		return t.futex(a), false
	case lnxClone:
		return t.clone(a), false
	case lnxExit:
		return 0, true
	case lnxExitGroup:
		p.Exit(int(int32(a[0])))
		return 0, true
	case lnxRtSigaction:
		return t.rtSigaction(a[0], a[1], a[2], a[3]), false
	case lnxRtSigprocmask:
		return t.rtSigprocmask(a[0], a[1], a[2], a[3]), false
	case lnxSigaltstack:
		return t.sigaltstack(a[0], a[1]), false
	case lnxRtSigreturn:
		if !t.sigreturn() {
			p.fault(t, "rt_sigreturn with a bad frame")
		}
		return int64(t.Ctx.Regs.RAX), false
	case lnxTgkill:
		if int(a[0]) != p.PID {
			return -eSRCH, false
		}
		return t.tgkill(int(a[1]), a[2]), false
	case lnxTkill:
		return t.tgkill(int(a[0]), a[1]), false
	case lnxFcntl:
		if a[0] > 2 && p.fds.get(int(a[0])) == nil {
			return -eBADF, false
		}
		if a[1] == 3 { // F_GETFL
			return 2, false
		}
		return 0, false
	case lnxOpenat:
		return -eNOENT, false
	case lnxEpollCreate1:
		return int64(p.fds.alloc(&fdObj{epoll: true})), false
	case lnxEventfd2:
		return int64(p.fds.alloc(&fdObj{count: a[0], nonblk: a[1]&0x800 != 0})), false
	case lnxEpollCtl:
		ep, o := p.fds.get(int(a[0])), p.fds.get(int(a[2]))
		if ep == nil || !ep.epoll || o == nil || o.epoll {
			return -eBADF, false
		}
		switch a[1] {
		case 1, 3:
			var b [12]byte
			if p.AS.CopyIn(b[:], a[3]) != nil {
				return -eFAULT, false
			}
			p.fds.mu.Lock()
			o.epfd, o.events, o.data = int(a[0]), binary.LittleEndian.Uint32(b[:]), binary.LittleEndian.Uint64(b[4:])
			p.fds.mu.Unlock()
		case 2:
			p.fds.mu.Lock()
			o.epfd = 0
			p.fds.mu.Unlock()
		default:
			return -eINVAL, false
		}
		return 0, false
	case lnxEpollPwait, lnxEpollWait:
		ep := p.fds.get(int(a[0]))
		if ep == nil || !ep.epoll {
			return -eBADF, false
		}
		if int64(a[2]) <= 0 {
			return -eINVAL, false
		}
		timeout := time.Duration(int32(a[3])) * time.Millisecond
		ev := p.fds.epollWait(int(a[0]), int(a[2]), timeout, t.interruptCh())
		for i, e := range ev {
			var b [12]byte
			binary.LittleEndian.PutUint32(b[:], e.events)
			binary.LittleEndian.PutUint64(b[4:], e.data)
			if p.AS.CopyOut(a[1]+uint64(12*i), b[:]) != nil {
				return -eFAULT, false
			}
		}
		return int64(len(ev)), false
	case lnxGetrandom:
		n := min(a[1], 1<<16)
		b := make([]byte, n)
		fillRandom(b)
		if p.AS.CopyOut(a[0], b) != nil {
			return -eFAULT, false
		}
		return int64(n), false
	}
	switch nr {
	case 157, 302: // prctl(PR_SET_VMA), prlimit64: the Go runtime copes with ENOSYS
		return -eNOSYS, false
	}
	klog.Warnf("linux", "%s[%d]: unimplemented syscall %d", p.Name, p.PID, nr)
	return -eNOSYS, false
}

func (t *Thread) futex(a [6]uint64) int64 {
	p := t.P
	addr, op, val := a[0], a[1]&127, uint32(a[2])
	switch op {
	case 0: // FUTEX_WAIT
		if addr&3 != 0 {
			return -eINVAL
		}
		timeout := time.Duration(-1)
		if a[3] != 0 {
			d, ok := t.timespec(a[3])
			if !ok {
				return -eINVAL
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
			return -eFAULT
		case woken:
			return 0
		case t.P.killed.Load():
			return -eINTR
		case interrupted(t.interruptCh()):
			return -eINTR
		case timeout >= 0:
			return -eTIMEDOUT
		}
		return -eAGAIN
	case 1: // FUTEX_WAKE
		return int64(p.futex.wake(addr, int(val)))
	}
	return -eNOSYS
}

func (t *Thread) clone(a [6]uint64) int64 {
	const cloneVM, cloneThread, cloneSettls = 0x100, 0x10000, 0x80000
	if a[0]&(cloneVM|cloneThread) != cloneVM|cloneThread {
		return -eINVAL
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
	if a[0]&cloneSettls != 0 {
		c.FSBase = a[4]
	}
	if t.P.killed.Load() {
		return -eAGAIN
	}
	nt := t.P.newThread(c)
	if !nt.start() {
		nt.Release()
		return -eAGAIN
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
	rngMu sync.Mutex
	rng   *rand.ChaCha8
)

// fillRandom serves getrandom from a ChaCha8 generator seeded at first use
// from the TSC and the monotonic clock. (crypto/rand would pull the FIPS
// DRBG, with 32 MiB of BSS, into the kernel image.) Until a hardware
// entropy source (RDRAND/RDSEED) is wired in, this is not cryptographic.
func fillRandom(b []byte) {
	rngMu.Lock()
	defer rngMu.Unlock()
	if rng == nil {
		var seed [32]byte
		binary.LittleEndian.PutUint64(seed[0:], x86.Rdtsc())
		binary.LittleEndian.PutUint64(seed[8:], uint64(rt.Nanotime()))
		binary.LittleEndian.PutUint64(seed[16:], uint64(time.Now().UnixNano()))
		rng = rand.NewChaCha8(seed)
	}
	rng.Read(b)
}
