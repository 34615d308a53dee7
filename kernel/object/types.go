package object

import "math"

// Handle is zx_handle_t: a 32-bit value meaningful only in its table.
type Handle uint32

// Handle value constants (zircon/types.h).
const (
	HandleInvalid       Handle = 0
	HandleFixedBitsMask Handle = 0x3
)

// Koid is zx_koid_t: a kernel object id, unique and never reused.
type Koid uint64

// Koid constants (zircon/types.h).
const (
	KoidInvalid Koid = 0
	KoidKernel  Koid = 1
	KoidFirst   Koid = 1024
)

// ObjType is zx_obj_type_t.
type ObjType uint32

// Object types (zircon/types.h).
const (
	ObjTypeNone         ObjType = 0
	ObjTypeProcess      ObjType = 1
	ObjTypeThread       ObjType = 2
	ObjTypeVMO          ObjType = 3
	ObjTypeChannel      ObjType = 4
	ObjTypeEvent        ObjType = 5
	ObjTypePort         ObjType = 6
	ObjTypeInterrupt    ObjType = 9
	ObjTypePCIDevice    ObjType = 11
	ObjTypeDebugLog     ObjType = 12
	ObjTypeSocket       ObjType = 14
	ObjTypeResource     ObjType = 15
	ObjTypeEventPair    ObjType = 16
	ObjTypeJob          ObjType = 17
	ObjTypeVMAR         ObjType = 18
	ObjTypeFIFO         ObjType = 19
	ObjTypeGuest        ObjType = 20
	ObjTypeVCPU         ObjType = 21
	ObjTypeTimer        ObjType = 22
	ObjTypeIOMMU        ObjType = 23
	ObjTypeBTI          ObjType = 24
	ObjTypeProfile      ObjType = 25
	ObjTypePMT          ObjType = 26
	ObjTypeSuspendToken ObjType = 27
	ObjTypePager        ObjType = 28
	ObjTypeException    ObjType = 29
	ObjTypeClock        ObjType = 30
	ObjTypeStream       ObjType = 31
	ObjTypeMSI          ObjType = 32
	ObjTypeUpperBound   ObjType = 64
)

// Time is zx_time_t: nanoseconds on the monotonic clock.
type Time int64

// Duration is zx_duration_t: a signed interval in nanoseconds.
type Duration int64

// Time limits (zircon/time.h).
const (
	TimeInfinite     Time = math.MaxInt64
	TimeInfinitePast Time = math.MinInt64
)

// ClockMonotonic is ZX_CLOCK_MONOTONIC.
const ClockMonotonic uint32 = 0

// Handle operations for zx_handle_disposition_t (ZX_HANDLE_OP_*).
const (
	HandleOpMove      uint32 = 0
	HandleOpDuplicate uint32 = 1
)

// HandleInfo is zx_handle_info_t, filled by ChannelReadEtc.
type HandleInfo struct {
	Handle Handle
	Type   ObjType
	Rights Rights
	Unused uint32
}

// HandleDisposition is zx_handle_disposition_t, used by ChannelWriteEtc.
// Result is written back for every entry.
type HandleDisposition struct {
	Operation uint32
	Handle    Handle
	Type      ObjType
	Rights    Rights
	Result    Status
}

// WaitItem is zx_wait_item_t, used by ObjectWaitMany.
type WaitItem struct {
	Handle  Handle
	WaitFor Signals
	Pending Signals
}

// Limits (zircon/types.h).
const (
	WaitManyMaxItems               = 64
	ChannelMaxMsgBytes             = 65536
	ChannelMaxMsgHandles           = 64
	FIFOMaxSizeBytes               = 4096
	MaxNameLen                     = 32
	ChannelReadMayDiscard          = uint32(1)
	ChannelWriteUseIovec           = uint32(2)
	SocketStream                   = uint32(0)
	SocketDatagram                 = uint32(1)
	SocketCreateMask               = SocketDatagram
	SocketPeek                     = uint32(1 << 3)
	SocketDispositionWriteDisabled = uint32(1 << 0)
	SocketDispositionWriteEnabled  = uint32(1 << 1)
	TimerSlackCenter               = uint32(0)
	TimerSlackEarly                = uint32(1)
	TimerSlackLate                 = uint32(2)
)

// zx_cache_flush options (zircon/types.h).
const (
	CacheFlushInsn       uint32 = 1 << 0
	CacheFlushData       uint32 = 1 << 1
	CacheFlushInvalidate uint32 = 1 << 2
)

// Object properties (zircon/syscalls/object.h).
const (
	PropName              uint32 = 3
	PropSocketRxThreshold uint32 = 12
	PropSocketTxThreshold uint32 = 13
	PropJobKillOnOOM      uint32 = 15
	PropVMOContentSize    uint32 = 17
	// PropProcessClass (Beryl; read-only) is a process's security class
	// for the kos IPC policy: MaxClassLen bytes, NUL-padded.
	PropProcessClass uint32 = 0x1002
)

// JobCriticalProcessRetcodeNonzero is ZX_JOB_CRITICAL_PROCESS_RETCODE_NONZERO
// (job_set_critical's option).
const JobCriticalProcessRetcodeNonzero uint32 = 1

// Task return codes (zircon/syscalls/object.h).
const (
	TaskRetcodeSyscallKill         int64 = -1024
	TaskRetcodeOOMKill             int64 = -1025
	TaskRetcodePolicyKill          int64 = -1026
	TaskRetcodeVDSOKill            int64 = -1027
	TaskRetcodeExceptionKill       int64 = -1028
	TaskRetcodeCriticalProcessKill int64 = -1029
)

// Kinds of zx_system_get_features (zircon/features.h) and the length
// limits of the cprng calls (zircon/syscalls.h).
const (
	FeatureKindCPU               uint32 = 0
	FeatureKindHWBreakpointCount uint32 = 1
	FeatureKindHWWatchpointCount uint32 = 2
	FeatureKindAddressTagging    uint32 = 3
	FeatureKindVM                uint32 = 4
	CprngDrawMaxLen                     = 256
	CprngAddEntropyMaxLen               = 256
)
