package linux

// System call numbers of the descriptor and file-system calls
// (arch/x86/entry/syscalls/syscall_64.tbl).
const (
	SysFstat       = 5
	SysLseek       = 8
	SysIoctl       = 16
	SysPread64     = 17
	SysPwrite64    = 18
	SysReadv       = 19
	SysWritev      = 20
	SysPipe        = 22
	SysDup         = 32
	SysDup2        = 33
	SysFsync       = 74
	SysFtruncate   = 77
	SysGetcwd      = 79
	SysChdir       = 80
	SysFchdir      = 81
	SysFchmod      = 91
	SysFchown      = 93
	SysStatfs      = 137
	SysFstatfs     = 138
	SysGetdents64  = 217
	SysFadvise64   = 221
	SysMkdirat     = 258
	SysFchownat    = 260
	SysNewfstatat  = 262
	SysUnlinkat    = 263
	SysRenameat    = 264
	SysLinkat      = 265
	SysSymlinkat   = 266
	SysReadlinkat  = 267
	SysFchmodat    = 268
	SysFaccessat   = 269
	SysUtimensat   = 280
	SysDup3        = 292
	SysPreadv      = 295
	SysPwritev     = 296
	SysRenameat2   = 316
	SysStatx       = 332
	SysCloseRange  = 436
	SysFaccessat2  = 439
	SysLink        = 86
	SysMknod       = 133
	SysMknodat     = 259
	SysSocket      = 41
	SysConnect     = 42
	SysAccept      = 43
	SysBind        = 49
	SysListen      = 50
	SysAccept4     = 288
	SysSendto      = 44
	SysRecvfrom    = 45
	SysSendmsg     = 46
	SysRecvmsg     = 47
	SysShutdown    = 48
	SysGetsockname = 51
	SysGetpeername = 52
	SysSocketpair  = 53
	SysSetsockopt  = 54
	SysGetsockopt  = 55
	SysFchmodat2   = 452
)

// errno values of the descriptor and file-system calls.
const (
	EIO          = 5
	ENXIO        = 6
	E2BIG        = 7
	EACCES       = 13
	EBUSY        = 16
	EEXIST       = 17
	EXDEV        = 18
	ENOTDIR      = 20
	EISDIR       = 21
	ENFILE       = 23
	ENOTTY       = 25
	EFBIG        = 27
	ENOSPC       = 28
	ESPIPE       = 29
	EROFS        = 30
	EPIPE        = 32
	ENAMETOOLONG = 36
	ENOTEMPTY    = 39
	ELOOP        = 40
	EOPNOTSUPP   = 95
)

// open(2) flags, AT_* flags and the fcntl(2) commands.
const (
	OAccmode   = 3
	ORdonly    = 0
	OWronly    = 1
	OCreat     = 0x40
	OExcl      = 0x80
	ONoctty    = 0x100
	OTrunc     = 0x200
	OAppend    = 0x400
	ODirectory = 0x10000
	ONofollow  = 0x20000
	OCloexec   = 0x80000
	OPath      = 0x200000

	AtFdcwd           = -100
	AtSymlinkNofollow = 0x100
	AtRemovedir       = 0x200
	AtEmptyPath       = 0x1000
	AtSymlinkFollow   = 0x400

	FDupfd        = 0
	FDupfdCloexec = 1030
	FdCloexec     = 1

	CloseRangeUnshare = 2
	CloseRangeCloexec = 4

	SeekSet = 0
	SeekCur = 1
	SeekEnd = 2

	EpollOut     = 4
	EpollErr     = 8
	EpollHup     = 0x10
	EpollRdhup   = 0x2000
	EpollEt      = 1 << 31
	EpollOneshot = 1 << 30

	EfdSemaphore = 1

	PipeBuf  = 4096  // writes up to this size are atomic
	PipeSize = 65536 // a pipe's capacity

	// File types (st_mode & S_IFMT).
	SIfmt  = 0o170000
	SIfdir = 0o040000
	SIfreg = 0o100000
	SIflnk = 0o120000
	SIfchr = 0o020000
	SIfifo = 0o010000

	// getdents64 d_type values.
	DtFifo = 1
	DtChr  = 2
	DtDir  = 4
	DtReg  = 8
	DtLnk  = 10

	PathMax = 4096
)
