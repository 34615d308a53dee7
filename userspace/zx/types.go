// Package zx is the user-side interface to Beryl's zx system calls, for
// ordinary static Go programs (GOOS=linux) running in ring 3.
//
// It has three layers:
//   - the raw layer, generated from syscall/spec.txt (syscalls_gen.go):
//     one Sys_<name> per syscall, parameters in Zircon's C order, following
//     Fuchsia's Go bindings;
//   - types, structs with Zircon's C layouts and constants with Zircon's
//     values (consts_gen.go is generated from kernel/object's constants, so
//     the two cannot drift; user programs link no kernel code);
//   - idiomatic wrappers (Channel, Event, Port, Vmo, ...) whose methods
//     return error values of type Status.
//
// The handles a process receives at start (its process, root VMAR, first
// thread and default job) are recorded by SetStartupHandles and returned by
// ProcessSelf, VmarRootSelf, ThreadSelf and JobDefault.
package zx

import "strconv"

// Handle is zx_handle_t.
type Handle uint32

// Status is zx_status_t; it implements error with Zircon's names.
type Status int32

// Rights is zx_rights_t.
type Rights uint32

// Signals is zx_signals_t.
type Signals uint32

// ObjType is zx_obj_type_t.
type ObjType uint32

// Koid is zx_koid_t.
type Koid uint64

// Time is zx_time_t (nanoseconds on the monotonic clock).
type Time int64

// Duration is zx_duration_t (nanoseconds).
type Duration int64

// Ticks is zx_ticks_t (ticks_get; ticks_per_second of them a second).
type Ticks int64

// Vaddr is zx_vaddr_t.
type Vaddr uintptr

// VMFlag is zx_vm_option_t.
type VMFlag = uint32

// Error returns the Zircon name of s, e.g. "ZX_ERR_BAD_HANDLE".
func (s Status) Error() string { return s.String() }

// String returns the Zircon name of s.
func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return "zx_status_t(" + strconv.Itoa(int(s)) + ")"
}

// Err returns nil for OK and s otherwise.
func (s Status) Err() error {
	if s == OK {
		return nil
	}
	return s
}

// ErrOk is ZX_OK under the name Fuchsia's Go bindings use.
const ErrOk = OK

// WaitItem is zx_wait_item_t.
type WaitItem struct {
	Handle  Handle
	WaitFor Signals
	Pending Signals
}

// PortPacket is zx_port_packet_t: 48 bytes, a 32-byte payload whose
// meaning depends on Type (zx_packet_user_t or zx_packet_signal_t).
type PortPacket struct {
	Key     uint64
	Type    uint32
	Status  Status
	Payload [32]byte
}

// PacketSignal is zx_packet_signal_t, the payload of ZX_PKT_TYPE_SIGNAL_ONE.
type PacketSignal struct {
	Trigger   Signals
	Observed  Signals
	Count     uint64
	Timestamp Time
	Reserved1 uint64
}

// HandleInfo is zx_handle_info_t.
type HandleInfo struct {
	Handle Handle
	Type   ObjType
	Rights Rights
	Unused uint32
}

// HandleDisposition is zx_handle_disposition_t.
type HandleDisposition struct {
	Operation uint32
	Handle    Handle
	Type      ObjType
	Rights    Rights
	Result    Status
}

// ChannelCallArgs is zx_channel_call_args_t.
type ChannelCallArgs struct {
	WriteBytes      *byte
	WriteHandles    *Handle
	ReadBytes       *byte
	ReadHandles     *Handle
	WriteNumBytes   uint32
	WriteNumHandles uint32
	ReadNumBytes    uint32
	ReadNumHandles  uint32
}

// InfoHandleBasic is zx_info_handle_basic_t.
type InfoHandleBasic struct {
	Koid        Koid
	Rights      Rights
	Type        ObjType
	RelatedKoid Koid
	Props       uint32
	_           [4]byte
}

// InfoHandleCount is zx_info_handle_count_t.
type InfoHandleCount struct {
	HandleCount uint32
}

// InfoProcessHandleStats is zx_info_process_handle_stats_t.
type InfoProcessHandleStats struct {
	HandleCount [ObjTypeUpperBound]uint32
}

// InfoProcess is zx_info_process_t.
type InfoProcess struct {
	ReturnCode       int64
	Started          bool
	Exited           bool
	DebuggerAttached bool
	_                [5]byte
}

// KernelStats is the record of beryl_kernel_stats (syscall.KernelStats):
// physical pages, processors, user processes, the caller's resident
// pages, live handles and live kernel objects, in total and per
// ZX_OBJ_TYPE_* (index 0 unused), and the VMOs behind the caller's Linux
// anonymous mappings (counted in Objects; its Go runtime's heap and
// stacks), the pages held for user memory and the kernel's reserve.
type KernelStats struct {
	Size        uint64 // bytes in the kernel's record
	PagesTotal  uint64
	PagesFree   uint64
	PagesHeap   uint64 // committed to the kernel's Go heap
	CPUs        uint64
	Processes   uint64
	CallerPages uint64 // pages of the calling process: its own resident pages (not shared, not slices) and page tables
	LiveHandles uint64
	LiveObjects uint64
	Objects     [ObjTypeUpperBound]uint64
	// CallerPrivateVmos is the number of VMOs behind the calling
	// process's anonymous mappings.
	CallerPrivateVmos uint64
	// PagesUser is the pages held for user memory (committed VMO pages
	// and user page tables).
	PagesUser uint64
	// PagesReserve is the kernel's reserve: user memory never takes the
	// last PagesReserve free pages; calls that create kernel objects fail
	// with ZX_ERR_NO_MEMORY below half of it.
	PagesReserve uint64
	// CallerThreads is the number of threads of the calling process
	// that have not exited (counted in Objects).
	CallerThreads uint64
	// CPUBusyNs and CPUIdleNs are, per CPU (index = CPU number), the
	// time it has spent running threads and idle since it came up; 0
	// past the CPUs online.
	CPUBusyNs [StatsCPUs]uint64
	CPUIdleNs [StatsCPUs]uint64
	// KernelGCs is the number of garbage collections the kernel's Go
	// runtime has completed.
	KernelGCs uint64
	// PrivateVmos is the number of VMOs behind the anonymous mappings
	// of every live process (the caller's CallerPrivateVmos among
	// them): their Go runtimes' heaps (counted in Objects).
	PrivateVmos uint64
	// ClonedThreads is the number of threads Linux clone calls made (Go
	// runtimes' threads) that have not exited, in every live process but
	// the caller (counted in Objects).
	ClonedThreads uint64
}

// StatsCPUs is the number of per-CPU entries in KernelStats.
const StatsCPUs = 64

// InfoThread is zx_info_thread_t: State is a ThreadState* value.
type InfoThread struct {
	State                    uint32
	WaitExceptionChannelType uint32
	CPUAffinityMask          [8]uint64 // zx_cpu_set_t
}

// InfoJob is zx_info_job_t.
type InfoJob struct {
	ReturnCode       int64
	Exited           bool
	KillOnOOM        bool
	DebuggerAttached bool
	_                [5]byte
}

// InfoSocket is zx_info_socket_t.
type InfoSocket struct {
	Options        uint32
	_              [4]byte
	RXBufMax       uint
	RXBufSize      uint
	RXBufAvailable uint
	TXBufMax       uint
	TXBufSize      uint
}

// InfoTimer is zx_info_timer_t.
type InfoTimer struct {
	Options  uint32
	_        [4]byte
	Deadline Time
	Slack    Duration
}

// PolicyBasic is zx_policy_basic_v2_t.
type PolicyBasic struct {
	Condition uint32
	Action    uint32
	Flags     uint32
}

// PolicyTimerSlack is zx_policy_timer_slack_t.
type PolicyTimerSlack struct {
	MinSlack    Duration
	DefaultMode uint32
	_           [4]byte
}

// LogRecord is the fixed part of zx_log_record_t (data follows it).
type LogRecord struct {
	Sequence  uint32
	DataLen   uint16
	Severity  uint8
	Flags     uint8
	Timestamp Time
	Pid       uint64
	Tid       uint64
}

// Constants that are not (yet) in kernel/object, with Zircon's values.
const (
	// zx_vm_option_t (zircon/types.h).
	VMPermRead                 VMFlag = 1 << 0
	VMPermWrite                VMFlag = 1 << 1
	VMPermExecute              VMFlag = 1 << 2
	VMCompact                  VMFlag = 1 << 3
	VMSpecific                 VMFlag = 1 << 4
	VMSpecificOverwrite        VMFlag = 1 << 5
	VMCanMapSpecific           VMFlag = 1 << 6
	VMCanMapRead               VMFlag = 1 << 7
	VMCanMapWrite              VMFlag = 1 << 8
	VMCanMapExecute            VMFlag = 1 << 9
	VMMapRange                 VMFlag = 1 << 10
	VMRequireNonResizable      VMFlag = 1 << 11
	VMAllowFaults              VMFlag = 1 << 12
	VMOffsetIsUpperLimit       VMFlag = 1 << 13
	VMPermReadIfXOMUnsupported VMFlag = 1 << 14

	// zx_vmo_create options and zx_vmo_op_range ops.
	VMOResizable           uint32 = 1 << 1
	VMOOpCommit            uint32 = 1
	VMOOpDecommit          uint32 = 2
	VMOOpLock              uint32 = 3
	VMOOpUnlock            uint32 = 4
	VMOOpCacheSync         uint32 = 6
	VMOOpCacheInvalidate   uint32 = 7
	VMOOpCacheClean        uint32 = 8
	VMOOpCacheCleanInvalid uint32 = 9
	VMOOpZero              uint32 = 10

	// zx_vmar_op_range ops (the values of the VMO ops they match).
	VMAROpCommit     uint32 = 1
	VMAROpDecommit   uint32 = 2
	VMAROpMapRange   uint32 = 3
	VMAROpZero       uint32 = 10
	VMAROpDontNeed   uint32 = 12
	VMAROpAlwaysNeed uint32 = 13
	VMAROpPrefetch   uint32 = 14

	// ZX_INFO_PROCESS_MAPS record types (zx_info_maps_t.type).
	InfoMapsTypeASpace  uint32 = 1
	InfoMapsTypeVMAR    uint32 = 2
	InfoMapsTypeMapping uint32 = 3

	// zx_vmo_create_child options.
	VMOChildSnapshot               uint32 = 1 << 0
	VMOChildResizable              uint32 = 1 << 2
	VMOChildSlice                  uint32 = 1 << 3
	VMOChildSnapshotAtLeastOnWrite uint32 = 1 << 4
	VMOChildNoWrite                uint32 = 1 << 5

	// ZX_CACHE_POLICY_* (zx_vmo_set_cache_policy).
	CachePolicyCached         uint32 = 0
	CachePolicyUncached       uint32 = 1
	CachePolicyUncachedDevice uint32 = 2
	CachePolicyWriteCombining uint32 = 3

	// zx_info_vmo_t.flags (ZX_INFO_VMO).
	InfoVMOTypePaged  uint32 = 1 << 0
	InfoVMOResizable  uint32 = 1 << 1
	InfoVMOIsCowClone uint32 = 1 << 2
	InfoVMOViaHandle  uint32 = 1 << 3
	InfoVMOViaMapping uint32 = 1 << 4
	InfoVMOContiguous uint32 = 1 << 6

	// Other properties (zircon/syscalls/object.h).
	PropProcessDebugAddr       uint32 = 5
	PropProcessVDSOBaseAddress uint32 = 6
	PropRegisterFS             uint32 = 4
	PropRegisterGS             uint32 = 2

	// Futex wake-all count.
	FutexWakeAll uint32 = 0xFFFFFFFF

	// Page size of x86-64.
	PageSize = 4096
)

// SystemPowerctlArg is zx_system_powerctl_arg_t: for
// SystemPowerctlACPITransitionSState the first three bytes are
// target_s_state, sleep_type_a and sleep_type_b; the rest is the x86
// power-limit variant of the union, unused by Beryl.
type SystemPowerctlArg struct {
	TargetSState uint8
	SleepTypeA   uint8
	SleepTypeB   uint8
	_            [9]byte
}
