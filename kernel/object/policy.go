package object

// Job policy values (zircon/syscalls/policy.h).
const (
	JobPolRelative   uint32 = 0
	JobPolAbsolute   uint32 = 1
	JobPolBasicV1    uint32 = 0
	JobPolBasicV2    uint32 = 0x01000000
	JobPolBasic             = JobPolBasicV1
	JobPolTimerSlack uint32 = 1

	PolBadHandle            uint32 = 0
	PolWrongObject          uint32 = 1
	PolVMARWX               uint32 = 2
	PolNewAny               uint32 = 3
	PolNewVMO               uint32 = 4
	PolNewChannel           uint32 = 5
	PolNewEvent             uint32 = 6
	PolNewEventPair         uint32 = 7
	PolNewPort              uint32 = 8
	PolNewSocket            uint32 = 9
	PolNewFIFO              uint32 = 10
	PolNewTimer             uint32 = 11
	PolNewProcess           uint32 = 12
	PolNewProfile           uint32 = 13
	PolAmbientMarkVMOExec   uint32 = 14
	PolMax                  uint32 = 15
	PolActionAllow          uint32 = 0
	PolActionDeny           uint32 = 1
	PolActionAllowException uint32 = 2
	PolActionDenyException  uint32 = 3
	PolActionKill           uint32 = 4
	PolActionMax            uint32 = 5
	PolOverrideAllow        uint32 = 0
	PolOverrideDeny         uint32 = 1
)

// PolicyBasic is zx_policy_basic_v2_t (a v1 entry has Flags set to
// PolOverrideDeny by JobSetPolicyBasic).
type PolicyBasic struct {
	Condition uint32
	Action    uint32
	Flags     uint32
}

// PolicyTimerSlack is zx_policy_timer_slack_t.
type PolicyTimerSlack struct {
	MinSlack    Duration
	DefaultMode uint32
}

type policyEntry struct {
	action   uint8
	override uint8
}

// Policy is a job's effective policy; processes take a snapshot of their
// job's policy when they are created. The zero value allows everything.
type Policy struct {
	basic     [PolMax]policyEntry
	slackMin  Duration
	slackMode uint32
}

// Action returns the action for condition (PolActionAllow if unknown).
func (pol *Policy) Action(condition uint32) uint32 {
	if condition >= PolMax {
		return PolActionAllow
	}
	return uint32(pol.basic[condition].action)
}

// TimerSlack returns the minimum slack and default slack mode.
func (pol *Policy) TimerSlack() (Duration, uint32) { return pol.slackMin, pol.slackMode }

// addBasic merges entries into pol following Zircon's rules: a condition
// whose override is DENY keeps its action; asking to change it fails with
// ZX_ERR_ALREADY_EXISTS in absolute mode and is ignored in relative mode.
func (pol *Policy) addBasic(mode uint32, entries []PolicyBasic) Status {
	for _, in := range entries {
		if in.Condition >= PolMax {
			return ErrInvalidArgs
		}
		if in.Action >= PolActionMax {
			return ErrNotSupported
		}
		if in.Flags&^PolOverrideDeny != 0 {
			return ErrInvalidArgs
		}
		lo, hi := in.Condition, in.Condition
		if in.Condition == PolNewAny {
			lo, hi = PolNewVMO, PolNewProfile
			// NEW_ANY itself records the action so it can be queried.
			if st := pol.addPartial(mode, PolNewAny, in); st != OK {
				return st
			}
		}
		for c := lo; c <= hi; c++ {
			if st := pol.addPartial(mode, c, in); st != OK {
				return st
			}
		}
	}
	return OK
}

func (pol *Policy) addPartial(mode, cond uint32, in PolicyBasic) Status {
	cur := &pol.basic[cond]
	if uint32(cur.override) == PolOverrideDeny {
		if uint32(cur.action) == in.Action {
			return OK
		}
		if mode == JobPolAbsolute {
			return ErrAlreadyExists
		}
		return OK
	}
	cur.action = uint8(in.Action)
	cur.override = uint8(in.Flags)
	return OK
}

// EnforceBasicPolicy applies p's policy for condition and returns ZX_OK if
// the operation may go on, ZX_ERR_ACCESS_DENIED otherwise. Exception
// actions call the process's exception hook; KILL kills the process.
func (p *Process) EnforceBasicPolicy(condition uint32) Status {
	switch p.policy.Action(condition) {
	case PolActionAllow:
		return OK
	case PolActionDeny:
		return ErrAccessDenied
	case PolActionAllowException:
		p.raisePolicyException(condition)
		return OK
	case PolActionDenyException:
		p.raisePolicyException(condition)
		return ErrAccessDenied
	default: // PolActionKill
		p.Kill(TaskRetcodePolicyKill)
		return ErrAccessDenied
	}
}

func (p *Process) raisePolicyException(condition uint32) {
	p.policyExceptions.Add(1)
	if f := p.exceptionHook.Load(); f != nil {
		(*f)(p, condition)
	}
}

// badHandle enforces ZX_POL_BAD_HANDLE and returns ZX_ERR_BAD_HANDLE, which
// is the result whatever the action (ALLOW and DENY are equivalent).
func (p *Process) badHandle() Status {
	p.EnforceBasicPolicy(PolBadHandle)
	return ErrBadHandle
}
