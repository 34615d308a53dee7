// Package linux holds the Linux x86-64 ABI the kernel serves: system call
// numbers, errno values, flag bits and the signal frame layout. Both
// personalities use it: kernel/rt for the kernel's own Go runtime (ring 0,
// trap path) and kernel/proc for user programs (ring 3). Everything here is
// allocation-free and nosplit, so the trap path may call it.
package linux

// System call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
const (
	SysRead             = 0
	SysWrite            = 1
	SysClose            = 3
	SysMmap             = 9
	SysMprotect         = 10
	SysMunmap           = 11
	SysRtSigaction      = 13
	SysRtSigprocmask    = 14
	SysRtSigreturn      = 15
	SysSchedYield       = 24
	SysMincore          = 27
	SysMadvise          = 28
	SysNanosleep        = 35
	SysGetpid           = 39
	SysClone            = 56
	SysExit             = 60
	SysUname            = 63
	SysFcntl            = 72
	SysGetuid           = 102
	SysGetgid           = 104
	SysGeteuid          = 107
	SysGetegid          = 108
	SysGetppid          = 110
	SysGetgroups        = 115
	SysSigaltstack      = 131
	SysPrctl            = 157
	SysArchPrctl        = 158
	SysGettid           = 186
	SysTkill            = 200
	SysFutex            = 202
	SysSchedGetaffinity = 204
	SysClockGettime     = 228
	SysClockNanosleep   = 230
	SysExitGroup        = 231
	SysEpollWait        = 232
	SysEpollCtl         = 233
	SysTgkill           = 234
	SysOpenat           = 257
	SysEpollPwait       = 281
	SysEventfd2         = 290
	SysEpollCreate1     = 291
	SysPipe2            = 293
	SysPrlimit64        = 302
	SysGetrandom        = 318
)

// errno values (include/uapi/asm-generic/errno-base.h, errno.h).
const (
	EPERM     = 1
	ENOENT    = 2
	ESRCH     = 3
	EINTR     = 4
	EBADF     = 9
	EAGAIN    = 11
	ENOMEM    = 12
	EFAULT    = 14
	ENODEV    = 19
	EINVAL    = 22
	EMFILE    = 24
	ERANGE    = 34
	ENOSYS    = 38
	ETIMEDOUT = 110
)

// Flag values used by the calls served.
const (
	ProtRead  = 1
	ProtWrite = 2
	ProtExec  = 4

	MapFixed          = 0x10
	MapAnonymous      = 0x20
	MapFixedNoReplace = 0x100000

	MadvDontneed = 4
	MadvFree     = 8
	MadvRemove   = 9

	CloneVM     = 0x100
	CloneThread = 0x10000
	CloneSettls = 0x80000

	FutexWait    = 0
	FutexWake    = 1
	FutexCmdMask = 127

	ArchSetGS = 0x1001
	ArchSetFS = 0x1002
	ArchGetFS = 0x1003
	ArchGetGS = 0x1004

	FGetfd    = 1
	FSetfd    = 2
	FGetfl    = 3
	FSetfl    = 4
	ORDWR     = 2
	ONonblock = 0x800

	EpollCtlAdd = 1
	EpollCtlDel = 2
	EpollCtlMod = 3
	EpollIn     = 1

	ClockRealtime = 0

	PrSetName = 15         // prctl: name the calling thread
	PrGetName = 16         // prctl: read the calling thread's name
	PrSetVMA  = 0x53564d41 // prctl: name an anonymous mapping

	RlimitNofile = 7          // prlimit64 resource: open descriptors
	RlimInfinity = ^uint64(0) // no limit

	TaskCommLen = 16 // thread name bytes with the NUL (prctl PR_SET_NAME)
	UtsLen      = 65 // bytes of each struct utsname field
)

// Standard descriptors.
const (
	Stdin  = 0
	Stdout = 1
	Stderr = 2
)

// Timespec is struct timespec (16 bytes).
type Timespec struct {
	Sec, Nsec int64
}
