package object

import "encoding/binary"

// Topics for zx_object_get_info (zircon/syscalls/object.h).
const (
	InfoNone                  uint32 = 0
	InfoHandleValid           uint32 = 1
	InfoHandleBasic           uint32 = 2
	InfoProcess               uint32 = 3
	InfoProcessThreads        uint32 = 4
	InfoVMAR                  uint32 = 7
	InfoJobChildren           uint32 = 8
	InfoJobProcesses          uint32 = 9
	InfoThread                uint32 = 10
	InfoTaskStats             uint32 = 12
	InfoProcessMaps           uint32 = 13
	InfoProcessVMOs           uint32 = 14
	InfoThreadExceptionReport uint32 = 11
	InfoThreadStats           uint32 = 15
	InfoHandleCount           uint32 = 19
	InfoProcessHandleStats    uint32 = 21
	InfoSocket                uint32 = 22
	InfoVMO                   uint32 = 23
	InfoJob                   uint32 = 24
	InfoTimer                 uint32 = 25
	InfoHandleTable           uint32 = 27
	InfoTaskRuntime           uint32 = 30
	InfoKmemStats             uint32 = 17
	InfoKmemStatsExtended     uint32 = 31
	InfoResource              uint32 = 18
	// InfoBerylHandleBadges is Beryl's topic for the kos badges of a
	// process's handles: one record { uint32 handle; uint32 reserved;
	// uint64 badge_koid } per handle that carries a badge, with the rights
	// ZX_INFO_HANDLE_TABLE needs.
	InfoBerylHandleBadges uint32 = 0x1001
	// InfoBerylLinuxFds is Beryl's topic for a process's Linux
	// descriptors: one record { int32 fd; uint32 reserved; char
	// target[120] } per open descriptor, target being what readlink of
	// /proc/PID/fd/N gives (NUL-padded, truncated to 119 bytes); INSPECT.
	InfoBerylLinuxFds uint32 = 0x1002
	// InfoMapsSize is sizeof(zx_info_maps_t); InfoLinuxFdSize a record of
	// InfoBerylLinuxFds.
	InfoMapsSize = 96
	// InfoKmemStatsSize and InfoKmemStatsExtendedSize are
	// sizeof(zx_info_kmem_stats_t) and zx_info_kmem_stats_extended_t.
	InfoKmemStatsSize         = 72
	InfoKmemStatsExtendedSize = 112
	InfoLinuxFdSize           = 128
)

// ZX_THREAD_STATE_* values of zx_info_thread_t.state (ZX_INFO_THREAD,
// served by kernel/proc). A thread inside a blocking zx system call
// reports the BLOCKED_* state of that call (kernel/proc; BLOCKED_PAGER
// while it waits for a pager's pages), one in a Linux system call RUNNING.
const (
	ThreadStateNew              uint32 = 0
	ThreadStateRunning          uint32 = 1
	ThreadStateSuspended        uint32 = 2
	ThreadStateBlocked          uint32 = 3
	ThreadStateDying            uint32 = 4
	ThreadStateDead             uint32 = 5
	ThreadStateBlockedException uint32 = 0x103
	ThreadStateBlockedSleeping  uint32 = 0x203
	ThreadStateBlockedFutex     uint32 = 0x303
	ThreadStateBlockedPort      uint32 = 0x403
	ThreadStateBlockedChannel   uint32 = 0x503
	ThreadStateBlockedWaitOne   uint32 = 0x603
	ThreadStateBlockedWaitMany  uint32 = 0x703
	ThreadStateBlockedInterrupt uint32 = 0x803
	ThreadStateBlockedPager     uint32 = 0x903
)

// InfoInvalidCPU is ZX_INFO_INVALID_CPU: the last_scheduled_cpu of a
// thread that has not run (ZX_INFO_THREAD_STATS).
const InfoInvalidCPU uint32 = 0xFFFFFFFF

// ZX_THREAD_STATE_* topics of thread_read_state / thread_write_state
// (zircon/syscalls/debug.h; served by kernel/proc).
const (
	ThreadStateGeneralRegs uint32 = 0
	ThreadStateFPRegs      uint32 = 1
	ThreadStateVectorRegs  uint32 = 2
	ThreadStateDebugRegs   uint32 = 4
	ThreadStateSingleStep  uint32 = 5
	ThreadStateX86FS       uint32 = 6
	ThreadStateX86GS       uint32 = 7
)

// Object properties flags for InfoHandleBasic.Props.
const (
	ObjPropNone     uint32 = 0
	ObjPropWaitable uint32 = 1
)

// HandleBasicInfo is zx_info_handle_basic_t.
type HandleBasicInfo struct {
	Koid        Koid
	Rights      Rights
	Type        ObjType
	RelatedKoid Koid
	Props       uint32
}

// HandleExtendedInfo is zx_info_handle_extended_t.
type HandleExtendedInfo struct {
	Type          ObjType
	HandleValue   Handle
	Rights        Rights
	Props         uint32
	Koid          Koid
	RelatedKoid   Koid
	PeerOwnerKoid Koid
}

// ProcessHandleStats is zx_info_process_handle_stats_t.
type ProcessHandleStats struct {
	HandleCount [ObjTypeUpperBound]uint32
}

// ProcessInfo is zx_info_process_t.
type ProcessInfo struct {
	ReturnCode       int64
	Started          bool
	Exited           bool
	DebuggerAttached bool
}

// JobInfo is zx_info_job_t.
type JobInfo struct {
	ReturnCode       int64
	Exited           bool
	KillOnOOM        bool
	DebuggerAttached bool
}

// SocketInfo is zx_info_socket_t.
type SocketInfo struct {
	Options        uint32
	RxBufMax       uint64
	RxBufSize      uint64
	RxBufAvailable uint64
	TxBufMax       uint64
	TxBufSize      uint64
}

// TimerInfo is zx_info_timer_t.
type TimerInfo struct {
	Options  uint32
	Deadline Time
	Slack    Duration
}

// Record sizes of the C structures, for ObjectGetInfo.
const (
	sizeofInfoHandleBasic        = 32
	sizeofInfoHandleExtended     = 40
	sizeofInfoHandleCount        = 4
	sizeofInfoProcessHandleStats = 4 * int(ObjTypeUpperBound)
	sizeofInfoProcess            = 16
	sizeofInfoJob                = 16
	sizeofInfoSocket             = 48
	sizeofInfoTimer              = 24
	sizeofKoid                   = 8
)

// ObjectGetInfoHandleValid is ZX_INFO_HANDLE_VALID: ZX_OK if h is valid,
// ZX_ERR_BAD_HANDLE otherwise. ZX_POL_BAD_HANDLE does not apply to it.
func ObjectGetInfoHandleValid(p *Process, h Handle) Status {
	t := p.table
	t.mu.RLock()
	defer t.mu.RUnlock()
	e := t.getLocked(h)
	if e == nil {
		return ErrBadHandle
	}
	if e.isRevoked() {
		return ErrHandleRevoked
	}
	return OK
}

func basicOf(e *HandleEntry) HandleBasicInfo {
	b := e.obj.base()
	info := HandleBasicInfo{Koid: b.koid, Rights: e.rights, Type: b.typ, RelatedKoid: b.related}
	if b.waitable {
		info.Props = ObjPropWaitable
	}
	return info
}

// ObjectGetInfoHandleBasic is ZX_INFO_HANDLE_BASIC (no rights needed).
func ObjectGetInfoHandleBasic(p *Process, h Handle) (HandleBasicInfo, Status) {
	t := p.table
	t.mu.RLock()
	e := t.getLocked(h)
	if e == nil || e.isRevoked() {
		t.mu.RUnlock()
		return HandleBasicInfo{}, p.missingOrRevoked(e)
	}
	info := basicOf(e)
	t.mu.RUnlock()
	return info, OK
}

// ObjectGetInfoHandleCount is ZX_INFO_HANDLE_COUNT (needs ZX_RIGHT_INSPECT).
func ObjectGetInfoHandleCount(p *Process, h Handle) (uint32, Status) {
	obj, _, st := p.lookup(h, ObjTypeNone, RightInspect)
	if st != OK {
		return 0, st
	}
	defer obj.base().Release()
	return uint32(obj.base().HandleCount()), OK
}

// ObjectGetInfoProcessHandleStats is ZX_INFO_PROCESS_HANDLE_STATS: the
// number of handles per object type in the process h refers to.
func ObjectGetInfoProcessHandleStats(p *Process, h Handle) (ProcessHandleStats, Status) {
	var stats ProcessHandleStats
	target, st := lookupAs[*Process](p, h, ObjTypeProcess, RightInspect)
	if st != OK {
		return stats, st
	}
	defer target.Release()
	t := target.table
	t.mu.RLock()
	t.forEachLocked(func(e *HandleEntry) { stats.HandleCount[e.obj.Type()%ObjTypeUpperBound]++ })
	t.mu.RUnlock()
	return stats, OK
}

// ObjectGetInfoHandleTable is ZX_INFO_HANDLE_TABLE: one record per handle
// of the process h refers to, newest first as in Zircon. Listing another
// process's handles needs more than INSPECT: Zircon asks for INSPECT,
// MANAGE_PROCESS and MANAGE_THREAD, the rights of a debugger of that
// process.
func ObjectGetInfoHandleTable(p *Process, h Handle) ([]HandleExtendedInfo, Status) {
	target, st := lookupAs[*Process](p, h, ObjTypeProcess, RightInspect|RightManageProcess|RightManageThread)
	if st != OK {
		return nil, st
	}
	defer target.Release()
	var out []HandleExtendedInfo
	t := target.table
	t.mu.RLock()
	t.forEachNewestFirstLocked(func(e *HandleEntry) {
		b := basicOf(e)
		out = append(out, HandleExtendedInfo{Type: b.Type, HandleValue: e.value, Rights: b.Rights,
			Props: b.Props, Koid: b.Koid, RelatedKoid: b.RelatedKoid})
	})
	t.mu.RUnlock()
	return out, OK
}

// HandleBadge is one record of InfoBerylHandleBadges.
type HandleBadge struct {
	HandleValue Handle
	BadgeKoid   Koid
}

// ObjectGetInfoHandleBadges is InfoBerylHandleBadges: the badge koid of
// every handle of the process h refers to that carries a kos badge (rights
// as ObjectGetInfoHandleTable).
func ObjectGetInfoHandleBadges(p *Process, h Handle) ([]HandleBadge, Status) {
	target, st := lookupAs[*Process](p, h, ObjTypeProcess, RightInspect|RightManageProcess|RightManageThread)
	if st != OK {
		return nil, st
	}
	defer target.Release()
	var out []HandleBadge
	t := target.table
	t.mu.RLock()
	t.forEachLocked(func(e *HandleEntry) {
		if e.badge != nil {
			out = append(out, HandleBadge{HandleValue: e.value, BadgeKoid: e.badge.base().koid})
		}
	})
	t.mu.RUnlock()
	return out, OK
}

// ObjectGetInfoProcess is ZX_INFO_PROCESS (needs ZX_RIGHT_INSPECT).
func ObjectGetInfoProcess(p *Process, h Handle) (ProcessInfo, Status) {
	target, st := lookupAs[*Process](p, h, ObjTypeProcess, RightInspect)
	if st != OK {
		return ProcessInfo{}, st
	}
	defer target.Release()
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	info := ProcessInfo{Started: target.state != procInitial, Exited: target.state == procDead, DebuggerAttached: target.debugExc.Bound()}
	if info.Exited {
		info.ReturnCode = target.retcode
	}
	return info, OK
}

// ObjectGetInfoJob is ZX_INFO_JOB (needs ZX_RIGHT_INSPECT).
func ObjectGetInfoJob(p *Process, h Handle) (JobInfo, Status) {
	j, st := lookupAs[*Job](p, h, ObjTypeJob, RightInspect)
	if st != OK {
		return JobInfo{}, st
	}
	defer j.Release()
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	info := JobInfo{Exited: j.dead, KillOnOOM: j.killOnOOM}
	if j.dead {
		info.ReturnCode = j.retcode
	}
	return info, OK
}

// ObjectGetInfoJobChildren is ZX_INFO_JOB_CHILDREN (needs
// ZX_RIGHT_ENUMERATE): the koids of the job's child jobs.
func ObjectGetInfoJobChildren(p *Process, h Handle) ([]Koid, Status) {
	j, st := lookupAs[*Job](p, h, ObjTypeJob, RightEnumerate)
	if st != OK {
		return nil, st
	}
	defer j.Release()
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	out := make([]Koid, 0, len(j.children))
	for _, c := range j.children {
		out = append(out, c.koid)
	}
	return out, OK
}

// ObjectGetInfoJobProcesses is ZX_INFO_JOB_PROCESSES (needs
// ZX_RIGHT_ENUMERATE): the koids of the job's processes.
func ObjectGetInfoJobProcesses(p *Process, h Handle) ([]Koid, Status) {
	j, st := lookupAs[*Job](p, h, ObjTypeJob, RightEnumerate)
	if st != OK {
		return nil, st
	}
	defer j.Release()
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	out := make([]Koid, 0, len(j.procs))
	for _, c := range j.procs {
		out = append(out, c.koid)
	}
	return out, OK
}

// ObjectGetInfo is zx_object_get_info with the records encoded in the
// x86-64 C layout into buf (which the syscall layer copies to user memory).
// It returns the records written and available. A topic with one fixed
// record fails with ZX_ERR_BUFFER_TOO_SMALL (actual 0, avail 1) if buf is
// too small; list topics return as many records as fit. Unknown topics
// fail with ZX_ERR_NOT_SUPPORTED.
func ObjectGetInfo(p *Process, h Handle, topic uint32, buf []byte) (actual, avail int, st Status) {
	le := binary.LittleEndian
	single := func(size int, st Status, enc func(b []byte)) (int, int, Status) {
		if st != OK {
			return 0, 0, st
		}
		if len(buf) < size {
			return 0, 1, ErrBufferTooSmall
		}
		clear(buf[:size])
		enc(buf)
		return 1, 1, OK
	}
	list := func(size, n int, st Status, enc func(i int, b []byte)) (int, int, Status) {
		if st != OK {
			return 0, 0, st
		}
		k := min(n, len(buf)/size)
		for i := 0; i < k; i++ {
			clear(buf[i*size : (i+1)*size])
			enc(i, buf[i*size:])
		}
		return k, n, OK
	}
	switch topic {
	case InfoHandleValid:
		return 0, 0, ObjectGetInfoHandleValid(p, h)
	case InfoHandleBasic:
		info, st := ObjectGetInfoHandleBasic(p, h)
		return single(sizeofInfoHandleBasic, st, func(b []byte) {
			le.PutUint64(b[0:], uint64(info.Koid))
			le.PutUint32(b[8:], uint32(info.Rights))
			le.PutUint32(b[12:], uint32(info.Type))
			le.PutUint64(b[16:], uint64(info.RelatedKoid))
			le.PutUint32(b[24:], info.Props)
		})
	case InfoHandleCount:
		n, st := ObjectGetInfoHandleCount(p, h)
		return single(sizeofInfoHandleCount, st, func(b []byte) { le.PutUint32(b, n) })
	case InfoProcessHandleStats:
		stats, st := ObjectGetInfoProcessHandleStats(p, h)
		return single(sizeofInfoProcessHandleStats, st, func(b []byte) {
			for i, c := range stats.HandleCount {
				le.PutUint32(b[4*i:], c)
			}
		})
	case InfoHandleTable:
		recs, st := ObjectGetInfoHandleTable(p, h)
		return list(sizeofInfoHandleExtended, len(recs), st, func(i int, b []byte) {
			r := recs[i]
			le.PutUint32(b[0:], uint32(r.Type))
			le.PutUint32(b[4:], uint32(r.HandleValue))
			le.PutUint32(b[8:], uint32(r.Rights))
			le.PutUint32(b[12:], r.Props)
			le.PutUint64(b[16:], uint64(r.Koid))
			le.PutUint64(b[24:], uint64(r.RelatedKoid))
			le.PutUint64(b[32:], uint64(r.PeerOwnerKoid))
		})
	case InfoBerylHandleBadges:
		recs, st := ObjectGetInfoHandleBadges(p, h)
		return list(16, len(recs), st, func(i int, b []byte) {
			le.PutUint32(b[0:], uint32(recs[i].HandleValue))
			le.PutUint64(b[8:], uint64(recs[i].BadgeKoid))
		})
	case InfoProcess:
		info, st := ObjectGetInfoProcess(p, h)
		return single(sizeofInfoProcess, st, func(b []byte) {
			le.PutUint64(b[0:], uint64(info.ReturnCode))
			b[8], b[9], b[10] = boolByte(info.Started), boolByte(info.Exited), boolByte(info.DebuggerAttached)
		})
	case InfoJob:
		info, st := ObjectGetInfoJob(p, h)
		return single(sizeofInfoJob, st, func(b []byte) {
			le.PutUint64(b[0:], uint64(info.ReturnCode))
			b[8], b[9], b[10] = boolByte(info.Exited), boolByte(info.KillOnOOM), boolByte(info.DebuggerAttached)
		})
	case InfoJobChildren, InfoJobProcesses:
		get := ObjectGetInfoJobChildren
		if topic == InfoJobProcesses {
			get = ObjectGetInfoJobProcesses
		}
		koids, st := get(p, h)
		return list(sizeofKoid, len(koids), st, func(i int, b []byte) { le.PutUint64(b, uint64(koids[i])) })
	case InfoSocket:
		info, st := ObjectGetInfoSocket(p, h)
		return single(sizeofInfoSocket, st, func(b []byte) {
			le.PutUint32(b[0:], info.Options)
			le.PutUint64(b[8:], info.RxBufMax)
			le.PutUint64(b[16:], info.RxBufSize)
			le.PutUint64(b[24:], info.RxBufAvailable)
			le.PutUint64(b[32:], info.TxBufMax)
			le.PutUint64(b[40:], info.TxBufSize)
		})
	case InfoBTI:
		v, st := ObjectGetInfoBTI(p, h)
		return single(InfoBTISize, st, func(b []byte) {
			for i, x := range v {
				le.PutUint64(b[8*i:], x)
			}
		})
	case InfoMSI:
		v, st := ObjectGetInfoMSI(p, h)
		return single(InfoMSISize, st, func(b []byte) { copy(b, v[:]) })
	case InfoResource:
		info, st := ObjectGetInfoResource(p, h)
		return single(InfoResourceSize, st, info.encode)
	case InfoTimer:
		info, st := ObjectGetInfoTimer(p, h)
		return single(sizeofInfoTimer, st, func(b []byte) {
			le.PutUint32(b[0:], info.Options)
			le.PutUint64(b[8:], uint64(info.Deadline))
			le.PutUint64(b[16:], uint64(info.Slack))
		})
	}
	return 0, 0, ErrNotSupported
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
