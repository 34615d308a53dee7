package proc

import (
	"bytes"
	"encoding/binary"
	"strings"

	"beryl/kernel/linux"
	"beryl/mm/vm"
)

// prctl and the resource limits. Limits are kept per process, inherited
// by clone children and kept across execve, and reported as set; none is
// enforced yet. Every process runs as root, so raising a hard limit is
// allowed (up to fs.nr_open for RLIMIT_NOFILE).

// nofileLimit is RLIMIT_NOFILE of a new process (soft = hard, so the
// Go runtime's start-up has nothing to raise) and the size of the
// descriptor table.
const nofileLimit = 1024

// rlimit is struct rlimit64.
type rlimit struct{ cur, max uint64 }

// defaultRlimits are a new process's limits: Linux's defaults for
// init's children, except RLIMIT_NOFILE (nofileLimit).
var defaultRlimits = func() (l [linux.RlimNlimits]rlimit) {
	for i := range l {
		l[i] = rlimit{linux.RlimInfinity, linux.RlimInfinity}
	}
	l[linux.RlimitStack].cur = 8 << 20
	l[linux.RlimitCore].cur = 0
	l[linux.RlimitNofile] = rlimit{nofileLimit, nofileLimit}
	l[linux.RlimitMemlock] = rlimit{8 << 20, 8 << 20}
	l[rlimitMsgqueue] = rlimit{819200, 819200}
	l[rlimitNice] = rlimit{0, 0}
	l[rlimitRtprio] = rlimit{0, 0}
	return l
}()

const (
	rlimitMsgqueue = 12
	rlimitNice     = 13
	rlimitRtprio   = 14
)

// Rlimit returns the calling process's soft limit of resource r (e.g.
// linux.RlimitNofile for the descriptor table).
func (p *Process) Rlimit(r int) uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lx.rlim[r].cur
}

// prlimit reads (old != 0) and then sets (nw != 0) limit res of target.
func (t *Thread) prlimit(target *Process, res, nw, old uint64) int64 {
	if res >= linux.RlimNlimits {
		return -linux.EINVAL
	}
	var n rlimit
	if nw != 0 {
		var b [16]byte
		if t.P.AS.CopyIn(b[:], nw) != nil {
			return -linux.EFAULT
		}
		n = rlimit{binary.LittleEndian.Uint64(b[:]), binary.LittleEndian.Uint64(b[8:])}
		if n.cur > n.max {
			return -linux.EINVAL
		}
		if res == linux.RlimitNofile && n.max > linux.NrOpen {
			return -linux.EPERM
		}
	}
	target.mu.Lock()
	o := target.lx.rlim[res]
	if nw != 0 {
		target.lx.rlim[res] = n
	}
	target.mu.Unlock()
	if old != 0 && (!t.put64(old, o.cur) || !t.put64(old+8, o.max)) {
		return -linux.EFAULT
	}
	return 0
}

// sysPrlimit64 serves prlimit64(pid, resource, new, old) on the caller
// (pid 0 or its own) or a process it may signal.
func sysPrlimit64(t *Thread, a *[6]uint64) (int64, bool) {
	target := t.P
	if pid := int(int32(a[0])); pid != 0 && pid != t.P.PID {
		if target = lookupPID(pid); target == nil {
			return -linux.ESRCH, false
		}
		if !t.P.mayKill(target) {
			return -linux.EPERM, false
		}
	}
	return t.prlimit(target, a[1], a[2], a[3]), false
}

func sysGetrlimit(t *Thread, a *[6]uint64) (int64, bool) {
	return t.prlimit(t.P, a[0], 0, a[1]), false
}

func sysSetrlimit(t *Thread, a *[6]uint64) (int64, bool) {
	if a[1] == 0 {
		return -linux.EFAULT, false
	}
	return t.prlimit(t.P, a[0], a[1], 0), false
}

// sysPrctl serves the basic options: thread names, the parent-death
// signal, the dumpable, keep-capabilities, child-subreaper and
// no-new-privileges flags, the timer slack, and the capability queries
// of a root process with every capability, and PR_SET_VMA_ANON_NAME
// (naming anonymous memory, which the Go runtime does for its heap
// structures: /proc/self/maps shows "[anon:NAME]"). Any other option
// fails with EINVAL.
func sysPrctl(t *Thread, a *[6]uint64) (int64, bool) {
	p := t.P
	flag := func(v *bool) int64 {
		if a[1] > 1 {
			return -linux.EINVAL
		}
		p.mu.Lock()
		*v = a[1] == 1
		p.mu.Unlock()
		return 0
	}
	get := func(v *bool) int64 {
		p.mu.Lock()
		defer p.mu.Unlock()
		if *v {
			return 1
		}
		return 0
	}
	switch a[0] {
	case linux.PrSetVMA:
		return setVMAName(t, a), false
	case linux.PrSetName:
		var b [linux.TaskCommLen]byte
		if p.AS.CopyIn(b[:linux.TaskCommLen-1], a[1]) != nil {
			return -linux.EFAULT, false
		}
		if i := bytes.IndexByte(b[:], 0); i >= 0 {
			t.Name = string(b[:i])
		}
		return 0, false
	case linux.PrGetName:
		var b [linux.TaskCommLen]byte
		copy(b[:linux.TaskCommLen-1], t.Name)
		if p.AS.CopyOut(a[1], b[:]) != nil {
			return -linux.EFAULT, false
		}
		return 0, false
	case linux.PrSetPdeathsig:
		if a[1] > linux.NSIG {
			return -linux.EINVAL, false
		}
		p.mu.Lock()
		p.lx.pdeathsig = a[1]
		p.mu.Unlock()
		return 0, false
	case linux.PrGetPdeathsig:
		p.mu.Lock()
		sig := p.lx.pdeathsig
		p.mu.Unlock()
		if !t.put32(a[1], uint32(sig)) {
			return -linux.EFAULT, false
		}
		return 0, false
	case linux.PrSetDumpable:
		return flag(&p.lx.dumpable), false
	case linux.PrGetDumpable:
		return get(&p.lx.dumpable), false
	case linux.PrSetKeepcaps:
		return flag(&p.lx.keepcaps), false
	case linux.PrGetKeepcaps:
		return get(&p.lx.keepcaps), false
	case linux.PrSetChildSubreaper:
		p.mu.Lock()
		p.lx.subreaper = a[1] != 0
		p.mu.Unlock()
		return 0, false
	case linux.PrGetChildSubreaper:
		if !t.put32(a[1], uint32(get(&p.lx.subreaper))) {
			return -linux.EFAULT, false
		}
		return 0, false
	case linux.PrSetNoNewPrivs:
		if a[1] != 1 || a[2]|a[3]|a[4] != 0 {
			return -linux.EINVAL, false
		}
		return flag(&p.lx.noNewPrivs), false
	case linux.PrGetNoNewPrivs:
		if a[1]|a[2]|a[3]|a[4] != 0 {
			return -linux.EINVAL, false
		}
		return get(&p.lx.noNewPrivs), false
	case linux.PrSetTimerslack:
		p.mu.Lock()
		p.lx.timerslack = a[1]
		if a[1] == 0 {
			p.lx.timerslack = 50000
		}
		p.mu.Unlock()
		return 0, false
	case linux.PrGetTimerslack:
		p.mu.Lock()
		defer p.mu.Unlock()
		return int64(p.lx.timerslack), false
	case linux.PrCapbsetRead:
		if a[1] > linux.CapLastCap {
			return -linux.EINVAL, false
		}
		return 1, false
	case linux.PrGetSeccomp:
		return 0, false // SECCOMP_MODE_DISABLED
	}
	return -linux.EINVAL, false
}

// anonNameMax is ANON_VMA_NAME_MAX_LEN: a name's bytes and its NUL.
const anonNameMax = 80

// setVMAName serves prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, start, len,
// name): name (NULL clears) must be printable ASCII without a
// backslash, backquote, dollar or square bracket, and shorter than 80
// bytes (EINVAL); start must be page-aligned (EINVAL); the range must
// be mapped (ENOMEM) with anonymous memory (EBADF).
func setVMAName(t *Thread, a *[6]uint64) int64 {
	if a[1] != 0 { // PR_SET_VMA_ANON_NAME
		return -linux.EINVAL
	}
	var name string
	if a[4] != 0 {
		var b [anonNameMax]byte
		n := 0
		for ; n < anonNameMax; n++ {
			if t.P.AS.CopyIn(b[n:n+1], a[4]+uint64(n)) != nil {
				return -linux.EFAULT
			}
			if b[n] == 0 {
				break
			}
			if c := b[n]; c < 0x20 || c > 0x7e || strings.IndexByte("\\`$[]", c) >= 0 {
				return -linux.EINVAL
			}
		}
		if n == anonNameMax {
			return -linux.EINVAL
		}
		name = string(b[:n])
	}
	switch t.P.AS.SetName(a[2], a[3], name) {
	case nil:
		return 0
	case vm.ErrInvalid:
		return -linux.EINVAL
	case vm.ErrNotAnon:
		return -linux.EBADF
	}
	return -linux.ENOMEM
}
