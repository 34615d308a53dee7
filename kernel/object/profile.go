package object

import (
	"encoding/binary"
	"math/bits"
)

// Profiles (ZX_OBJ_TYPE_PROFILE, Zircon's ProfileDispatcher): a set of
// scheduler settings (priority or deadline, CPU affinity) made by
// profile_create and applied to threads by object_set_profile.

// zx_profile_info_t flags (zircon/syscalls/profile.h).
const (
	ProfileInfoFlagPriority uint32 = 1 << 0
	ProfileInfoFlagCPUMask  uint32 = 1 << 1
	ProfileInfoFlagDeadline uint32 = 1 << 2
)

// Thread priorities (zircon/syscalls/profile.h: ZX_PRIORITY_*).
const (
	PriorityLowest  = 0
	PriorityLow     = 8
	PriorityDefault = 16
	PriorityHigh    = 24
	PriorityHighest = 31
)

// ProfileInfoSize is sizeof(zx_profile_info_t): { uint32 flags; uint32
// reserved; union { int32 priority; { zx_duration_t capacity,
// relative_deadline, period } } (24 B); zx_cpu_set_t (8 uint64 words) }.
const ProfileInfoSize = 96

// DefaultProfileRights are a profile's default rights (Zircon's
// ZX_DEFAULT_PROFILE_RIGHTS).
const DefaultProfileRights = RightsBasic | RightApplyProfile

// SchedParams are the scheduler settings a profile carries.
type SchedParams struct {
	Flags    uint32
	Priority int32
	// Capacity, RelativeDeadline and Period are the deadline parameters.
	Capacity, RelativeDeadline, Period Duration
	// CPUMask is the first word of the affinity set (Beryl runs at most
	// 64 CPUs; the other words are ignored, as Zircon ignores bits past
	// its SMP_MAX_CPUS).
	CPUMask uint64
}

// ParseProfileInfo decodes and validates a zx_profile_info_t as Zircon's
// validate_profile: at least one flag, not both PRIORITY and DEADLINE,
// a priority in [LOWEST, HIGHEST], deadline parameters with 0 < capacity
// <= relative deadline <= period, no unknown flag; else INVALID_ARGS.
func ParseProfileInfo(b []byte) (SchedParams, Status) {
	if len(b) < ProfileInfoSize {
		return SchedParams{}, ErrInvalidArgs
	}
	le := binary.LittleEndian
	sp := SchedParams{
		Flags:            le.Uint32(b[0:]),
		Priority:         int32(le.Uint32(b[8:])),
		Capacity:         Duration(le.Uint64(b[8:])),
		RelativeDeadline: Duration(le.Uint64(b[16:])),
		Period:           Duration(le.Uint64(b[24:])),
		CPUMask:          le.Uint64(b[32:]),
	}
	f := sp.Flags
	if f == 0 || bits.OnesCount32(f&(ProfileInfoFlagPriority|ProfileInfoFlagDeadline)) > 1 {
		return SchedParams{}, ErrInvalidArgs
	}
	if f&ProfileInfoFlagPriority != 0 && (sp.Priority < PriorityLowest || sp.Priority > PriorityHighest) {
		return SchedParams{}, ErrInvalidArgs
	}
	if f&ProfileInfoFlagDeadline != 0 && !(sp.Capacity > 0 && sp.Capacity <= sp.RelativeDeadline && sp.RelativeDeadline <= sp.Period) {
		return SchedParams{}, ErrInvalidArgs
	}
	if f&^(ProfileInfoFlagPriority|ProfileInfoFlagDeadline|ProfileInfoFlagCPUMask) != 0 {
		return SchedParams{}, ErrInvalidArgs
	}
	if f&ProfileInfoFlagPriority == 0 {
		sp.Priority = 0
	}
	if f&ProfileInfoFlagDeadline == 0 {
		sp.Capacity, sp.RelativeDeadline, sp.Period = 0, 0, 0
	}
	if f&ProfileInfoFlagCPUMask == 0 {
		sp.CPUMask = 0
	}
	return sp, OK
}

// Profile is a profile object; its settings never change.
type Profile struct {
	Base
	Params SchedParams
}

// NewProfile creates a profile (the caller owns one reference).
func NewProfile(sp SchedParams) *Profile {
	p := &Profile{Params: sp}
	p.Base.Init(p, ObjTypeProfile, nil, false, 0)
	return p
}
