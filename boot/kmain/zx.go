package kmain

import (
	"beryl/kernel/object"
	"beryl/kernel/proc"
	zxsys "beryl/syscall"
)

// The zx system calls of user programs go to the zx dispatcher, with the
// user-mode implementation of VMOs, VMARs, processes and threads (wired
// here: kernel packages may not import the syscall layer).
func init() {
	zxsys.SetTaskOps(proc.Tasks{})
	proc.ZxSyscall = func(t *proc.Thread, num uint64, args *[8]uint64) int64 {
		return zxsys.Dispatch(t, num, args)
	}
	// Privileged calls (debuglog_create, ...) accept the root resource.
	check := func(c zxsys.Caller, h object.Handle) object.Status {
		o, _, st := c.Process().Lookup(h, object.ObjTypeResource, object.RightNone)
		if st != object.OK {
			return st
		}
		defer o.(*object.Resource).Release()
		if o != object.Object(RootResource) {
			return object.ErrAccessDenied
		}
		return object.OK
	}
	zxsys.RootResourceCheck.Store(&check)
}
