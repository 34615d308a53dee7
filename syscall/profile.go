package zxsys

import (
	"beryl/kernel/object"
	"beryl/kernel/proc"
)

// The profile family (Zircon's profile.cc): profile_create and
// object_set_profile.

// sysProfileCreate is zx_profile_create. The privileged handle is the
// root job (MANAGE_PROCESS), as in the Zircon the core-tests were written
// for, or (as later Zircon) the root resource or the system resource of
// ZX_RSRC_SYSTEM_PROFILE_BASE; another job or resource is ACCESS_DENIED.
// Order as Zircon: options, the handle, the info, its validation.
func (d *Dispatcher) sysProfileCreate(c Caller, h object.Handle, options uint32, info, out UserPtr) object.Status {
	if options != 0 {
		return object.ErrInvalidArgs
	}
	p := c.Process()
	bi, st := object.ObjectGetInfoHandleBasic(p, h)
	if st != object.OK {
		return st
	}
	switch bi.Type {
	case object.ObjTypeJob:
		j, _, st := lookupAs[*object.Job](c, h, object.ObjTypeJob, object.RightManageProcess)
		if st != object.OK {
			return st
		}
		root := j.Parent() == nil
		j.Release()
		if !root {
			return object.ErrAccessDenied
		}
	case object.ObjTypeResource:
		if st := requireSystemResource(c, h, object.ResourceSystemProfileBase); st != object.OK {
			return st
		}
	default:
		return object.ErrWrongType
	}
	if info == 0 {
		return object.ErrInvalidArgs
	}
	b, st := copyIn(c, info, object.ProfileInfoSize)
	if st != object.OK {
		return st
	}
	sp, st := object.ParseProfileInfo(b)
	if st != object.OK {
		return st
	}
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	nh, st := p.Install(object.NewProfile(sp), object.DefaultProfileRights)
	return out1(c, nh, st, out)
}

// sysObjectSetProfile is zx_object_set_profile: a thread (MANAGE_THREAD)
// takes the profile's (APPLY_PROFILE) settings. options is not checked
// (Zircon's sys_object_set_profile ignores it).
func (d *Dispatcher) sysObjectSetProfile(c Caller, h, profile object.Handle, options uint32) object.Status {
	t, _, st := lookupAs[*proc.Thread](c, h, object.ObjTypeThread, object.RightManageThread)
	if st != object.OK {
		return st
	}
	defer t.Release()
	pr, _, st := lookupAs[*object.Profile](c, profile, object.ObjTypeProfile, object.RightApplyProfile)
	if st != object.OK {
		return st
	}
	defer pr.Release()
	t.ApplyProfile(pr.Params)
	return object.OK
}
