package rt

// Linux x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
const (
	sysRead            = 0
	sysWrite           = 1
	sysClose           = 3
	sysMmap            = 9
	sysMprotect        = 10
	sysMunmap          = 11
	sysRtSigaction     = 13
	sysRtSigprocmask   = 14
	sysRtSigreturn     = 15
	sysSchedYield      = 24
	sysMincore         = 27
	sysMadvise         = 28
	sysNanosleep       = 35
	sysGetpid          = 39
	sysClone           = 56
	sysExit            = 60
	sysUname           = 63
	sysFcntl           = 72
	sysGetuid          = 102
	sysGetgid          = 104
	sysGeteuid         = 107
	sysGetegid         = 108
	sysGetppid         = 110
	sysSigaltstack     = 131
	sysPrctl           = 157
	sysArchPrctl       = 158
	sysGettid          = 186
	sysTkill           = 200
	sysFutex           = 202
	sysSchedGetaffinity = 204
	sysEpollWait       = 232
	sysEpollCtl        = 233
	sysTgkill          = 234
	sysClockGettime    = 228
	sysClockNanosleep  = 230
	sysExitGroup       = 231
	sysOpenat          = 257
	sysEpollPwait      = 281
	sysEventfd2        = 290
	sysEpollCreate1    = 291
	sysPipe2           = 293
	sysPrlimit64       = 302
	sysGetrandom       = 318
)

// Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h).
const (
	ePERM      = 1
	eNOENT     = 2
	eINTR      = 4
	eBADF      = 9
	eAGAIN     = 11
	eNOMEM     = 12
	eFAULT     = 14
	eINVAL     = 22
	eMFILE     = 24
	eNODEV     = 19
	eNOSYS     = 38
	eTIMEDOUT  = 110
)

// Flag values used by the calls served here.
const (
	protRead  = 1
	protWrite = 2
	protExec  = 4

	mapFixed          = 0x10
	mapAnonymous      = 0x20
	mapFixedNoReplace = 0x100000

	madvDontneed = 4
	madvFree     = 8
	madvRemove   = 9

	cloneVM     = 0x100
	cloneThread = 0x10000
	cloneSettls = 0x80000

	futexWait    = 0
	futexWake    = 1
	futexCmdMask = 127

	archSetFS = 0x1002
	archGetFS = 0x1003

	fGetfd = 1
	fSetfd = 2
	fGetfl = 3
	fSetfl = 4
	oRDWR  = 2

	epollCtlAdd = 1
	epollCtlDel = 2
	epollCtlMod = 3
	epollIn     = 1

	clockRealtime = 0
)

// timespec is struct timespec (16 bytes).
type timespec struct {
	Sec, Nsec int64
}
