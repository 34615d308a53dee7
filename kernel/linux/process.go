package linux

// The process calls: spawning (clone without CLONE_THREAD, execve),
// waiting, signals between processes, prctl and resource limits.

// System call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
const (
	SysFork            = 57
	SysVfork           = 58
	SysExecve          = 59
	SysWait4           = 61
	SysKill            = 62
	SysGetrlimit       = 97
	SysGetpgrp         = 111
	SysSetpgid         = 109
	SysGetpgid         = 121
	SysGetsid          = 124
	SysSetsid          = 112
	SysSetrlimit       = 160
	SysSysinfo         = 99
	SysWaitid          = 247
	SysPidfdSendSignal = 424
	SysPidfdOpen       = 434
)

// errno values of the process calls (more in abi_fs.go).
const (
	ENOEXEC = 8
	ECHILD  = 10
)

// Signal numbers beyond the ones signal.go names.
const (
	SIGHUP    = 1
	SIGINT    = 2
	SIGQUIT   = 3
	SIGABRT   = 6
	SIGUSR1   = 10
	SIGUSR2   = 12
	SIGPIPE   = 13
	SIGALRM   = 14
	SIGTERM   = 15
	SIGSTKFLT = 16
	SIGCHLD   = 17
	SIGCONT   = 18
	SIGTSTP   = 20
	SIGTTIN   = 21
	SIGTTOU   = 22
	SIGXCPU   = 24
	SIGXFSZ   = 25
	SIGVTALRM = 26
	SIGPROF   = 27
	SIGWINCH  = 28
	SIGIO     = 29
	SIGPWR    = 30
	SIGSYS    = 31

	// SIUser is si_code of a signal sent by kill.
	SIUser = 0
	// Si_code values of SIGCHLD (and of waitid's siginfo).
	CldExited    = 1
	CldKilled    = 2
	CldDumped    = 3
	CldStopped   = 5
	CldContinued = 6
)

// Clone flags (include/uapi/linux/sched.h). The low byte is the signal
// the parent receives when the child ends.
const (
	CSignal           = 0xff
	CloneFS           = 0x200
	CloneFiles        = 0x400
	CloneSighand      = 0x800
	ClonePidfd        = 0x1000
	ClonePtrace       = 0x2000
	CloneVfork        = 0x4000
	CloneParent       = 0x8000
	CloneNewns        = 0x20000
	CloneSysvsem      = 0x40000
	CloneParentSettid = 0x100000
	CloneChildCleartd = 0x200000
	CloneDetached     = 0x400000
	CloneUntraced     = 0x800000
	CloneChildSettid  = 0x1000000
	// CloneNewMask covers the namespace flags (NEWNS, NEWCGROUP, NEWUTS,
	// NEWIPC, NEWUSER, NEWPID, NEWNET) and CLONE_IO.
	CloneNewMask = 0x20000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x80000000
)

// Wait options (include/uapi/linux/wait.h).
const (
	WNohang    = 0x1
	WUntraced  = 0x2 // WSTOPPED for waitid
	WExited    = 0x4
	WContinued = 0x8
	WNowait    = 0x01000000
	WNothread  = 0x20000000
	WAll       = 0x40000000
	WClone     = 0x80000000

	PAll   = 0
	PPid   = 1
	PPgid  = 2
	PPidfd = 3

	// RusageLen is sizeof(struct rusage) on x86-64.
	RusageLen = 144
	// SiginfoLen is sizeof(siginfo_t).
	SiginfoLen = 128
)

// prctl options served (include/uapi/linux/prctl.h).
const (
	PrSetPdeathsig      = 1
	PrGetPdeathsig      = 2
	PrGetDumpable       = 3
	PrSetDumpable       = 4
	PrGetKeepcaps       = 7
	PrSetKeepcaps       = 8
	PrGetTimerslack     = 30
	PrSetTimerslack     = 29
	PrCapbsetRead       = 23
	PrGetSeccomp        = 21
	PrSetChildSubreaper = 36
	PrGetChildSubreaper = 37
	PrSetNoNewPrivs     = 38
	PrGetNoNewPrivs     = 39
	PrCapAmbient        = 47

	// CapLastCap is the highest capability number (CAP_CHECKPOINT_RESTORE
	// in Linux 6.1).
	CapLastCap = 40
)

// Resource limits (include/uapi/asm-generic/resource.h).
const (
	RlimitCPU     = 0
	RlimitFsize   = 1
	RlimitData    = 2
	RlimitStack   = 3
	RlimitCore    = 4
	RlimitRSS     = 5
	RlimitNproc   = 6
	RlimitAS      = 9
	RlimitMemlock = 8
	RlimNlimits   = 16
	// NrOpen is the ceiling of RLIMIT_NOFILE (fs.nr_open's default).
	NrOpen = 1 << 20
)

// ExitStatus is the wait status of a normal exit with code.
func ExitStatus(code int) uint32 { return uint32(code&0xff) << 8 }

// SignaledStatus is the wait status of a process ended by signal sig.
func SignaledStatus(sig int) uint32 { return uint32(sig & 0x7f) }

// DefaultIgnored reports whether sig's default action is to ignore it
// (or to stop or continue, which this kernel does not do either).
func DefaultIgnored(sig uint64) bool {
	switch sig {
	case SIGCHLD, SIGCONT, SIGURG, SIGWINCH, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU:
		return true
	}
	return false
}
