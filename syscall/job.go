package zxsys

import (
	"beryl/kernel/object"
	"beryl/kernel/proc"
)

// C layouts (zircon/syscalls/policy.h).
const (
	sizeofPolicyBasicV1    = 8  // zx_policy_basic_v1_t
	sizeofPolicyBasicV2    = 12 // zx_policy_basic_v2_t
	sizeofPolicyTimerSlack = 16 // zx_policy_timer_slack_t
)

func (d *Dispatcher) sysJobCreate(c Caller, parent object.Handle, options uint32, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h, st := object.JobCreate(c.Process(), parent, options)
	return out1(c, h, st, out)
}

// sysJobSetPolicy follows the order of Zircon's sys_job_set_policy: the
// topic, the options, the policy pointer and count (0 or more than
// ZX_POL_MAX entries: INVALID_ARGS; timer slack: RELATIVE and exactly one
// entry), the copy of the policy array, and only then the handle.
func (d *Dispatcher) sysJobSetPolicy(c Caller, h object.Handle, options, topic uint32, policy UserPtr, count uint32) object.Status {
	p := c.Process()
	switch topic {
	case object.JobPolBasicV1, object.JobPolBasicV2:
		if options != object.JobPolRelative && options != object.JobPolAbsolute {
			return object.ErrInvalidArgs
		}
		if policy == 0 || count == 0 || count > object.PolicyBasicMaxCount {
			return object.ErrInvalidArgs
		}
		size := uint64(sizeofPolicyBasicV2)
		if topic == object.JobPolBasicV1 {
			size = sizeofPolicyBasicV1
		}
		b, st := copyIn(c, policy, uint64(count)*size)
		if st != object.OK {
			return st
		}
		entries := make([]object.PolicyBasic, count)
		for i := range entries {
			r := b[uint64(i)*size:]
			entries[i] = object.PolicyBasic{Condition: le.Uint32(r), Action: le.Uint32(r[4:])}
			if topic == object.JobPolBasicV2 {
				entries[i].Flags = le.Uint32(r[8:])
			}
		}
		return object.JobSetPolicyBasic(p, h, options, topic, entries)
	case object.JobPolTimerSlack:
		if options != object.JobPolRelative {
			return object.ErrInvalidArgs
		}
		if policy == 0 || count != 1 {
			return object.ErrInvalidArgs
		}
		b, st := copyIn(c, policy, sizeofPolicyTimerSlack)
		if st != object.OK {
			return st
		}
		pol := object.PolicyTimerSlack{MinSlack: object.Duration(le.Uint64(b)), DefaultMode: le.Uint32(b[8:])}
		return object.JobSetPolicyTimerSlack(p, h, options, pol)
	}
	return object.ErrInvalidArgs
}

// sysTaskKill follows Zircon's sys_task_kill: the DESTROY right is
// checked before the type (an event is ACCESS_DENIED), then jobs and
// processes are killed; threads too (kernel/proc's), as the Zircon of
// the core-tests did.
func (d *Dispatcher) sysTaskKill(c Caller, h object.Handle) object.Status {
	p := c.Process()
	info, st := gate(p, h, object.ObjTypeNone, object.RightDestroy)
	if st != object.OK {
		return st
	}
	if info.Type != object.ObjTypeThread {
		return object.TaskKill(p, h)
	}
	t, _, st := lookupAs[*proc.Thread](c, h, object.ObjTypeThread, object.RightDestroy)
	if st != object.OK {
		return st
	}
	t.Kill()
	t.Release()
	return object.OK
}

// sysJobSetCritical follows Zircon's sys_job_set_critical: options, the
// job (DESTROY), the process (WAIT), then the ancestry check.
func (d *Dispatcher) sysJobSetCritical(c Caller, job object.Handle, options uint32, process object.Handle) object.Status {
	nonzero := false
	switch options {
	case 0:
	case object.JobCriticalProcessRetcodeNonzero:
		nonzero = true
	default:
		return object.ErrInvalidArgs
	}
	j, _, st := lookupAs[*object.Job](c, job, object.ObjTypeJob, object.RightDestroy)
	if st != object.OK {
		return st
	}
	defer j.Release()
	po, _, st := lookupAs[*object.Process](c, process, object.ObjTypeProcess, object.RightWait)
	if st != object.OK {
		return st
	}
	defer po.Release()
	return po.SetCriticalToJob(j, nonzero)
}
