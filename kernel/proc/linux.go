package proc

import (
	"encoding/binary"
	"time"

	"beryl/kernel/klog"
	"beryl/kernel/linux"
	"beryl/kernel/object"
)

// ZxBase is the first zx system call number; lower numbers are Linux's.
const ZxBase = 0x1000

// Syscalls serves the zx system calls of user threads: the zx dispatcher
// (beryl/syscall's *Dispatcher, which this package may not import), built
// by boot/kmain and passed to SetSyscalls before the first user thread
// runs. Arguments are RDI, RSI, RDX, R10, R8, R9, R12, R13; the result
// goes to RAX.
type Syscalls interface {
	Syscall(t *Thread, num uint64, args *[8]uint64) int64
}

// BlockedStates is implemented by a Syscalls value that knows the
// ZX_THREAD_STATE_BLOCKED_* state a thread inside zx call num reports
// (0: RUNNING, the call does not block).
type BlockedStates interface {
	BlockedState(num uint64) uint32
}

// zx is the dispatcher SetSyscalls installed; nil (no zx calls: every zx
// number is ZX_ERR_BAD_SYSCALL) until then. zxBlocked is its
// BlockedStates, if it has them.
var (
	zx        Syscalls
	zxBlocked BlockedStates
)

// SetSyscalls installs the zx dispatcher. boot/kmain calls it once,
// before it starts any user program.
func SetSyscalls(s Syscalls) {
	zx = s
	zxBlocked, _ = s.(BlockedStates)
}

// syscall serves one system call of thread t, zx or Linux; it reports
// whether the thread exits.
func (t *Thread) syscall() (exit bool) {
	r := &t.Ctx.Regs
	nr := r.RAX
	if nr >= ZxBase {
		a := [8]uint64{r.RDI, r.RSI, r.RDX, r.R10, r.R8, r.R9, r.R12, r.R13}
		st := int64(int32(object.ErrBadSyscall))
		if zx != nil {
			state := object.ThreadStateRunning
			if zxBlocked != nil {
				if s := zxBlocked.BlockedState(nr); s != 0 {
					state = s
				}
			}
			t.enterCall(state)
			st = zx.Syscall(t, nr, &a)
			t.leaveCall()
		}
		r.RAX = uint64(st)
		return t.P.killed.Load()
	}
	a := [6]uint64{r.RDI, r.RSI, r.RDX, r.R10, r.R8, r.R9}
	t.enterCall(object.ThreadStateRunning)
	ret, exit := t.linux(nr, &a)
	t.leaveCall()
	if ret == errRestartSys {
		ret = t.restartSyscall(nr)
	}
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

// linuxCall serves one Linux system call of thread t with the argument
// registers RDI, RSI, RDX, R10, R8 and R9; it returns RAX (a result or
// -errno) and whether the thread exits.
type linuxCall func(t *Thread, a *[6]uint64) (ret int64, exit bool)

// linuxTable is the Linux personality: one function per system call, in
// a file per family (linux_fs.go, linux_mm.go, linux_task.go,
// linux_time.go, linux_signal.go, futex.go, random.go). A number without
// an entry fails with ENOSYS and is logged once per process. It is filled
// by init: clone starts threads, whose loop dispatches through the table,
// which a package-level initializer may not refer back to.
var linuxTable [linuxTableLen]linuxCall

// linuxTableLen bounds the Linux system call numbers served.
const linuxTableLen = max(linux.SysFchmodat2, linux.SysPidfdOpen) + 1

func init() {
	linuxTable = [linuxTableLen]linuxCall{
		linux.SysRead:             sysRead,
		linux.SysWrite:            sysWrite,
		linux.SysClose:            sysClose,
		linux.SysMmap:             sysMmap,
		linux.SysMprotect:         sysMprotect,
		linux.SysMunmap:           sysMunmap,
		linux.SysRtSigaction:      sysRtSigaction,
		linux.SysRtSigprocmask:    sysRtSigprocmask,
		linux.SysRtSigreturn:      sysRtSigreturn,
		linux.SysSchedYield:       sysSchedYield,
		linux.SysMadvise:          sysMadvise,
		linux.SysNanosleep:        sysNanosleep,
		linux.SysGetpid:           sysGetpid,
		linux.SysClone:            sysClone,
		linux.SysExit:             sysExit,
		linux.SysUname:            sysUname,
		linux.SysFcntl:            sysFcntl,
		linux.SysGetuid:           sysGetid,
		linux.SysGetgid:           sysGetid,
		linux.SysGeteuid:          sysGetid,
		linux.SysGetegid:          sysGetid,
		linux.SysGetppid:          sysGetppid,
		linux.SysGetgroups:        sysGetgroups,
		linux.SysSigaltstack:      sysSigaltstack,
		linux.SysPrctl:            sysPrctl,
		linux.SysArchPrctl:        sysArchPrctl,
		linux.SysGettid:           sysGettid,
		linux.SysTkill:            sysTkill,
		linux.SysFutex:            sysFutex,
		linux.SysSchedGetaffinity: sysSchedGetaffinity,
		linux.SysClockGettime:     sysClockGettime,
		linux.SysExitGroup:        sysExitGroup,
		linux.SysEpollWait:        sysEpollWait,
		linux.SysEpollCtl:         sysEpollCtl,
		linux.SysTgkill:           sysTgkill,
		linux.SysOpenat:           sysOpenat,
		linux.SysEpollPwait:       sysEpollWait,
		linux.SysEventfd2:         sysEventfd2,
		linux.SysEpollCreate1:     sysEpollCreate1,
		linux.SysPrlimit64:        sysPrlimit64,
		linux.SysReadv:            sysReadv,
		linux.SysWritev:           sysWritev,
		linux.SysIoctl:            sysIoctl,
		linux.SysPipe:             sysPipe,
		linux.SysPipe2:            sysPipe2,
		linux.SysDup:              sysDup,
		linux.SysDup2:             sysDup2,
		linux.SysDup3:             sysDup3,
		linux.SysGetrandom:        sysGetrandom,
		linux.SysCloseRange:       sysCloseRange,
		linux.SysFstat:            sysFstat,
		linux.SysLseek:            sysLseek,
		linux.SysPread64:          sysPread64,
		linux.SysPwrite64:         sysPwrite64,
		linux.SysFsync:            sysFsync,
		linux.SysFtruncate:        sysFtruncate,
		linux.SysGetcwd:           sysGetcwd,
		linux.SysChdir:            sysChdir,
		linux.SysFchdir:           sysFchdir,
		linux.SysFchmod:           sysFchmod,
		linux.SysFchown:           sysFchown,
		linux.SysGetdents64:       sysGetdents64,
		linux.SysMkdirat:          sysMkdirat,
		linux.SysFchownat:         sysFchownat,
		linux.SysNewfstatat:       sysNewfstatat,
		linux.SysUnlinkat:         sysUnlinkat,
		linux.SysRenameat:         sysRenameat,
		linux.SysSymlinkat:        sysSymlinkat,
		linux.SysReadlinkat:       sysReadlinkat,
		linux.SysFchmodat:         sysFchmodat,
		linux.SysFaccessat:        sysFaccessat,
		linux.SysUtimensat:        sysUtimensat,
		linux.SysRenameat2:        sysRenameat2,
		linux.SysFaccessat2:       sysFaccessat,
		linux.SysLink:             sysLink,
		linux.SysMknod:            sysMknod,
		linux.SysMknodat:          sysMknodat,
		linux.SysSocket:           sysSocket,
		linux.SysSocketpair:       sysSocketpair,
		linux.SysSendto:           sysSendto,
		linux.SysRecvfrom:         sysRecvfrom,
		linux.SysSendmsg:          sysSendmsg,
		linux.SysRecvmsg:          sysRecvmsg,
		linux.SysShutdown:         sysShutdown,
		linux.SysGetsockname:      sysGetsockname,
		linux.SysGetpeername:      sysGetpeername,
		linux.SysBind:             sysBind,
		linux.SysListen:           sysListen,
		linux.SysConnect:          sysConnect,
		linux.SysAccept:           sysAccept,
		linux.SysAccept4:          sysAccept4,
		linux.SysGetsockopt:       sysGetsockopt,
		linux.SysSetsockopt:       sysSetsockopt,
		linux.SysLinkat:           sysLinkat,
		linux.SysFchmodat2:        sysFchmodat2,
		// The process calls (linux_process.go, linux_wait.go,
		// linux_exec.go, linux_limits.go).
		linux.SysVfork:     sysVfork,
		linux.SysExecve:    sysExecve,
		linux.SysWait4:     sysWait4,
		linux.SysKill:      sysKill,
		linux.SysGetrlimit: sysGetrlimit,
		linux.SysSetrlimit: sysSetrlimit,
		linux.SysSetpgid:   sysSetpgid,
		linux.SysGetpgrp:   sysGetpgrp,
		linux.SysSetsid:    sysSetsid,
		linux.SysGetpgid:   sysGetpgid,
		linux.SysGetsid:    sysGetsid,
		linux.SysWaitid:    sysWaitid,
		// linux_info.go
		linux.SysMincore: sysMincore,
		linux.SysSysinfo: sysSysinfo,
		// linux_pidfd.go
		linux.SysPidfdOpen:       sysPidfdOpen,
		linux.SysPidfdSendSignal: sysPidfdSendSignal,
	}
}

// linux serves Linux system call nr.
func (t *Thread) linux(nr uint64, a *[6]uint64) (int64, bool) {
	if nr < uint64(len(linuxTable)) {
		if f := linuxTable[nr]; f != nil {
			return f(t, a)
		}
	}
	t.P.unimplemented(nr)
	return -linux.ENOSYS, false
}

// unimplemented logs, once per number per process, a Linux system call
// the personality does not serve (a program that retries one in a loop
// must not flood the console).
func (p *Process) unimplemented(nr uint64) {
	slot := min(nr, uint64(len(p.unserved))*64-1) // numbers past the bitmap share its last bit
	if p.unserved[slot/64].Or(1<<(slot%64))&(1<<(slot%64)) != 0 {
		return
	}
	klog.Warnf("linux", "%s[%d]: unimplemented syscall %d (ENOSYS; logged once)", klog.Escape(p.Name), p.PID, nr)
}
