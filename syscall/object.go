package zxsys

import (
	"beryl/kernel/object"
	"beryl/kernel/proc"
	"beryl/mm/vm"
)

// infoRecordSize is the C record size of each topic kernel/object serves.
var infoRecordSize = map[uint32]int{
	object.InfoHandleValid:        0,
	object.InfoHandleBasic:        32,
	object.InfoHandleCount:        4,
	object.InfoProcessHandleStats: 4 * int(object.ObjTypeUpperBound),
	object.InfoHandleTable:        40,
	object.InfoBerylHandleBadges:  16,
	object.InfoProcess:            16,
	object.InfoJob:                16,
	object.InfoJobChildren:        8,
	object.InfoJobProcesses:       8,
	object.InfoSocket:             48,
	object.InfoTimer:              24,
	object.InfoResource:           object.InfoResourceSize,
	object.InfoBTI:                object.InfoBTISize,
	object.InfoMSI:                object.InfoMSISize,
}

func (d *Dispatcher) sysObjectGetInfo(c Caller, h object.Handle, topic uint32, buffer UserPtr, size uint64, actual, avail UserPtr) object.Status {
	if st := probeOpt(c, actual, 8); st != object.OK {
		return st
	}
	if st := probeOpt(c, avail, 8); st != object.OK {
		return st
	}
	if st := probe(c, buffer, min(size, maxBounce), true); st != object.OK {
		return st
	}
	p := c.Process()
	buf := make([]byte, min(size, maxBounce))
	na, nv, st := object.ObjectGetInfo(p, h, topic, buf)
	rec, known := infoRecordSize[topic]
	if st == object.ErrNotSupported && !known {
		// Topics of objects outside the object core: mm/vm, kernel/proc.
		switch topic {
		case object.InfoVMO:
			rec, na, nv, st = vmoInfo(c, h, buf)
		case object.InfoVMAR:
			rec, na, nv, st = vmarInfo(c, h, buf)
		case object.InfoProcessThreads:
			rec, na, nv, st = processThreadsInfo(c, h, buf)
		case object.InfoThread:
			rec, na, nv, st = threadInfo(c, h, buf, d.schedCPUs())
		case object.InfoTaskStats:
			rec, na, nv, st = taskStatsInfo(c, h, buf)
		case object.InfoThreadExceptionReport:
			rec, na, nv, st = exceptionReportInfo(c, h, buf)
		case object.InfoThreadStats:
			rec, na, nv, st = threadStatsInfo(c, h, buf)
		case object.InfoTaskRuntime:
			rec, na, nv, st = taskRuntimeInfo(c, h, buf)
		case object.InfoProcessMaps:
			rec, na, nv, st = processMapsInfo(c, h, buf)
		case object.InfoProcessVMOs:
			rec, na, nv, st = processVMOsInfo(c, h, buf)
		case object.InfoBerylLinuxFds:
			rec, na, nv, st = linuxFdsInfo(c, h, buf)
		case object.InfoStream:
			rec, na, nv, st = streamInfo(c, h, buf)
		case object.InfoKmemStats, object.InfoKmemStatsExtended:
			rec, na, nv, st = d.kmemStatsInfo(c, h, buf, topic == object.InfoKmemStatsExtended)
		}
	}
	if st != object.OK && st != object.ErrBufferTooSmall {
		return st
	}
	if st == object.OK {
		if copyOut(c, buffer, buf[:na*rec]) != object.OK {
			return object.ErrInvalidArgs
		}
	}
	if writeOptU64(c, actual, uint64(na)) != object.OK || writeOptU64(c, avail, uint64(nv)) != object.OK {
		return object.ErrInvalidArgs
	}
	return st
}

func (d *Dispatcher) sysObjectSignal(c Caller, h object.Handle, clearMask, setMask uint32) object.Status {
	return object.ObjectSignal(c.Process(), h, object.Signals(clearMask), object.Signals(setMask))
}

func (d *Dispatcher) sysObjectSignalPeer(c Caller, h object.Handle, clearMask, setMask uint32) object.Status {
	return object.ObjectSignalPeer(c.Process(), h, object.Signals(clearMask), object.Signals(setMask))
}

// Property value sizes (zircon/syscalls/object.h).
const sizeofSizeT = 8

func (d *Dispatcher) sysObjectGetProperty(c Caller, h object.Handle, prop uint32, value UserPtr, size uint64) object.Status {
	if value == 0 {
		return object.ErrInvalidArgs
	}
	p := c.Process()
	// Handle errors come first; then sizes, then the pointer.
	if _, st := gate(p, h, object.ObjTypeNone, object.RightGetProperty); st != object.OK {
		return st
	}
	switch prop {
	case object.PropName:
		if size < object.MaxNameLen {
			return object.ErrBufferTooSmall
		}
		if st := probeOut(c, value, object.MaxNameLen); st != object.OK {
			return st
		}
		name, st := object.ObjectGetName(p, h)
		if st == object.ErrWrongType {
			name, st = vmoName(c, h, object.RightGetProperty)
		}
		if st == object.ErrWrongType {
			name, st = threadName(c, h)
		}
		if st == object.ErrWrongType {
			// An object without a name reads as "", as Zircon's
			// Dispatcher::get_name.
			name, st = "", object.OK
		}
		if st != object.OK {
			return st
		}
		var b [object.MaxNameLen]byte
		copy(b[:object.MaxNameLen-1], name)
		return copyOut(c, value, b[:])
	case object.PropProcessClass:
		o, _, st := p.Lookup(h, object.ObjTypeProcess, object.RightGetProperty)
		if st != object.OK {
			return st
		}
		class := o.(*object.Process).Class()
		o.(*object.Process).Release()
		if size < object.MaxClassLen {
			return object.ErrBufferTooSmall
		}
		var b [object.MaxClassLen]byte
		copy(b[:], class)
		return copyOut(c, value, b[:])
	case object.PropVMOContentSize:
		v, _, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, object.RightGetProperty)
		if st != object.OK {
			return st
		}
		n := v.ContentSize()
		v.Release()
		if size < 8 {
			return object.ErrBufferTooSmall
		}
		return writeU64(c, value, n)
	case object.PropSocketRxThreshold, object.PropSocketTxThreshold:
		if size < sizeofSizeT {
			return object.ErrBufferTooSmall
		}
		if st := probeOut(c, value, sizeofSizeT); st != object.OK {
			return st
		}
		v, st := object.ObjectGetProperty(p, h, prop)
		if st != object.OK {
			return st
		}
		return writeU64(c, value, v)
	case object.PropExceptionState, object.PropExceptionStrategy:
		if size < 4 {
			return object.ErrBufferTooSmall
		}
		e, _, st := lookupAs[*object.Exception](c, h, object.ObjTypeException, object.RightGetProperty)
		if st != object.OK {
			return st
		}
		v := e.State()
		if prop == object.PropExceptionStrategy {
			v = e.Strategy()
		}
		e.Release()
		return copyOut(c, value, le.AppendUint32(nil, v))
	case object.PropJobKillOnOOM:
		j, _, st := lookupAs[*object.Job](c, h, object.ObjTypeJob, object.RightGetProperty)
		if st != object.OK {
			return st
		}
		on := j.KillOnOOM()
		j.Release()
		if size < sizeofSizeT {
			return object.ErrBufferTooSmall
		}
		var v uint64
		if on {
			v = 1
		}
		return writeU64(c, value, v)
	}
	// No other property is readable.
	if st := probeOut(c, value, min(size, 4096)); st != object.OK {
		return st
	}
	return unknownProperty(prop)
}

// unknownProperty is the status of a property Beryl does not serve:
// INVALID_ARGS for a number Zircon does not know either (its
// sys_object_get/set_property default), NOT_SUPPORTED for one of
// Zircon's that Beryl lacks (register and debug-address properties,
// exception state and strategy, stream append mode).
func unknownProperty(prop uint32) object.Status {
	switch prop {
	case 2, 4, 5, 6, 7, 8, 16, 18, 19:
		return object.ErrNotSupported
	}
	return object.ErrInvalidArgs
}

func (d *Dispatcher) sysObjectSetProperty(c Caller, h object.Handle, prop uint32, value UserPtr, size uint64) object.Status {
	if value == 0 {
		return object.ErrInvalidArgs
	}
	p := c.Process()
	if _, st := gate(p, h, object.ObjTypeNone, object.RightSetProperty); st != object.OK {
		return st
	}
	switch prop {
	case object.PropName:
		n := min(size, object.MaxNameLen-1)
		b, st := copyIn(c, value, n)
		if st != object.OK {
			return st
		}
		st = object.ObjectSetName(p, h, cString(b))
		if st == object.ErrWrongType {
			st = setVMOName(c, h, cString(b))
		}
		if st == object.ErrWrongType {
			return object.ErrNotSupported
		}
		return st
	case object.PropProcessClass:
		// Read-only: only beryl_process_set_class (root resource) sets it.
		return object.ErrAccessDenied
	case object.PropVMOContentSize:
		v, _, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, object.RightSetProperty)
		if st != object.OK {
			return st
		}
		defer v.Release()
		if size < 8 {
			return object.ErrBufferTooSmall
		}
		b, st := copyIn(c, value, 8)
		if st != object.OK {
			return st
		}
		return v.SetContentSize(le.Uint64(b))
	case object.PropSocketRxThreshold, object.PropSocketTxThreshold:
		if size < sizeofSizeT {
			return object.ErrBufferTooSmall
		}
		b, st := copyIn(c, value, sizeofSizeT)
		if st != object.OK {
			return st
		}
		return object.ObjectSetProperty(p, h, prop, le.Uint64(b))
	case object.PropExceptionState, object.PropExceptionStrategy:
		// Zircon's order: the size, the type, (for the strategy: a
		// debugger holds it), the copy, the value.
		if size < 4 {
			return object.ErrBufferTooSmall
		}
		e, _, st := lookupAs[*object.Exception](c, h, object.ObjTypeException, object.RightSetProperty)
		if st != object.OK {
			return st
		}
		defer e.Release()
		if prop == object.PropExceptionStrategy && !e.HeldByDebugger() {
			return object.ErrBadState
		}
		b, st := copyIn(c, value, 4)
		if st != object.OK {
			return st
		}
		if prop == object.PropExceptionStrategy {
			return e.SetStrategy(le.Uint32(b))
		}
		return e.SetState(le.Uint32(b))
	case object.PropJobKillOnOOM:
		// Zircon's order: the type, the size, the copy, the value (0 or 1).
		j, _, st := lookupAs[*object.Job](c, h, object.ObjTypeJob, object.RightSetProperty)
		if st != object.OK {
			return st
		}
		defer j.Release()
		if size < sizeofSizeT {
			return object.ErrBufferTooSmall
		}
		b, st := copyIn(c, value, sizeofSizeT)
		if st != object.OK {
			return st
		}
		switch le.Uint64(b) {
		case 0:
			j.SetKillOnOOM(false)
		case 1:
			j.SetKillOnOOM(true)
		default:
			return object.ErrInvalidArgs
		}
		return object.OK
	}
	b, st := copyIn(c, value, min(size, 4096))
	if st != object.OK {
		return st
	}
	switch prop {
	case proc.PropStdoutSocket, proc.PropStderrSocket:
		return setStdio(c, h, prop, b)
	}
	return unknownProperty(prop)
}

// cString returns b up to its first NUL.
func cString(b []byte) string {
	for i, x := range b {
		if x == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func (d *Dispatcher) sysObjectGetChild(c Caller, h object.Handle, koid object.Koid, rights object.Rights, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	// Zircon's sys_object_get_child checks ENUMERATE and the requested
	// rights before the type: an event is ACCESS_DENIED, not WRONG_TYPE.
	info, st := gate(c.Process(), h, object.ObjTypeNone, object.RightEnumerate)
	if st != object.OK {
		return st
	}
	if rights != object.RightSameRights && info.Rights&rights != rights {
		return object.ErrAccessDenied
	}
	nh, st := object.ObjectGetChild(c.Process(), h, koid, rights)
	if st == object.ErrWrongType {
		// A process's threads live in kernel/proc.
		nh, st = processGetThread(c, h, koid, rights)
	}
	return out1(c, nh, st, out)
}

// processGetThread is zx_object_get_child on a process (needs
// ZX_RIGHT_ENUMERATE): a new handle to its live thread koid, with the
// process handle's rights or a subset (more: ZX_ERR_ACCESS_DENIED);
// ZX_ERR_NOT_FOUND when it has no such thread.
func processGetThread(c Caller, h object.Handle, koid object.Koid, rights object.Rights) (object.Handle, object.Status) {
	po, have, st := lookupAs[*object.Process](c, h, object.ObjTypeProcess, object.RightEnumerate)
	if st != object.OK {
		return object.HandleInvalid, st
	}
	defer po.Release()
	if rights == object.RightSameRights {
		rights = have
	} else if have&rights != rights {
		return object.HandleInvalid, object.ErrAccessDenied
	}
	t := proc.ThreadByKoid(po, koid)
	if t == nil {
		return object.HandleInvalid, object.ErrNotFound
	}
	return c.Process().Install(t, rights) // takes over t's reference
}

// vmoName is ZX_PROP_NAME of a VMO (mm/vm keeps it).
func vmoName(c Caller, h object.Handle, rights object.Rights) (string, object.Status) {
	v, _, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, rights)
	if st != object.OK {
		return "", st
	}
	defer v.Release()
	return v.Name(), object.OK
}

// setVMOName sets ZX_PROP_NAME of a VMO (needs SET_PROPERTY).
func setVMOName(c Caller, h object.Handle, name string) object.Status {
	v, _, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, object.RightSetProperty)
	if st != object.OK {
		return st
	}
	defer v.Release()
	v.SetName(name)
	return object.OK
}

// threadName is ZX_PROP_NAME of a thread (kernel/proc sets it at
// thread_create; it is not settable).
func threadName(c Caller, h object.Handle) (string, object.Status) {
	t, _, st := lookupAs[*proc.Thread](c, h, object.ObjTypeThread, object.RightGetProperty)
	if st != object.OK {
		return "", st
	}
	defer t.Release()
	return t.Name, object.OK
}
