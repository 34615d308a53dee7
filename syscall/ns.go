package zxsys

import (
	"beryl/kernel/object"
	"beryl/kernel/proc"
)

// nsCwd is BERYL_NS_CWD: beryl_ns_bind also sets the working directory.
const nsCwd = 1

// maxNsPath bounds a bound path (Linux's PATH_MAX).
const maxNsPath = 4096

// sysBerylNsBind binds a path prefix of a process's Linux namespace to a
// directory server's channel (kernel/proc/ns.go). Errors in order: the
// process handle (BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED), the channel
// handle when valid (same order), INVALID_ARGS (options, length, pointer,
// relative path, no channel without BERYL_NS_CWD), BAD_STATE (started).
func (d *Dispatcher) sysBerylNsBind(c Caller, process object.Handle, options uint32, path UserPtr, pathLen uint64, dir object.Handle) object.Status {
	o, _, st := c.Process().Lookup(process, object.ObjTypeProcess, object.RightManageProcess)
	if st != object.OK {
		return st
	}
	po := o.(*object.Process)
	defer po.Release()
	var ch *object.Channel
	if dir != object.HandleInvalid || options&nsCwd == 0 {
		co, _, st := c.Process().Lookup(dir, object.ObjTypeChannel, object.RightRead|object.RightWrite)
		if st != object.OK {
			return st
		}
		ch = co.(*object.Channel)
		defer ch.Release()
	}
	if options&^nsCwd != 0 || pathLen == 0 || pathLen > maxNsPath {
		return object.ErrInvalidArgs
	}
	b, st := copyIn(c, path, pathLen)
	if st != object.OK {
		return st
	}
	return proc.NsBind(po, string(b), ch, options&nsCwd != 0)
}
