package zxsys

import (
	"beryl/kernel/object"
	"beryl/kernel/proc"
)

// Suspension and debugger access: task_suspend, thread_read_state,
// thread_write_state, process_read_memory, process_write_memory. The
// threads and address spaces are kernel/proc's and mm/vm's.

// sysTaskSuspend follows Zircon's sys_task_suspend: the handle needs
// WRITE (checked before its type, as GetDispatcherWithRights), then a
// thread or a process (WRONG_TYPE otherwise).
func (d *Dispatcher) sysTaskSuspend(c Caller, h object.Handle, token UserPtr) object.Status {
	if st := probeOut(c, token, 4); st != object.OK {
		return st
	}
	o, _, st := c.Process().Lookup(h, object.ObjTypeNone, object.RightWrite)
	if st != object.OK {
		return st
	}
	defer o.(interface{ Release() }).Release()
	var tok *proc.SuspendToken
	switch t := o.(type) {
	case *proc.Thread:
		tok, st = proc.SuspendThread(c.ThreadKoid(), t)
	case *object.Process:
		tok, st = proc.SuspendProcess(c.Process(), t)
	default:
		return object.ErrWrongType
	}
	if st != object.OK {
		return st
	}
	th, st := c.Process().Install(tok, proc.DefaultSuspendTokenRights) // takes over tok's reference
	return out1(c, th, st, token)
}

func (d *Dispatcher) sysTaskSuspendToken(c Caller, h object.Handle, token UserPtr) object.Status {
	return d.sysTaskSuspend(c, h, token)
}

// maxThreadState bounds the buffer thread_read_state and
// thread_write_state copy (the largest record, the vector registers).
const maxThreadState = proc.VectorRegsSize

func (d *Dispatcher) sysThreadReadState(c Caller, h object.Handle, kind uint32, buffer UserPtr, size uint64) object.Status {
	t, _, st := lookupAs[*proc.Thread](c, h, object.ObjTypeThread, object.RightRead)
	if st != object.OK {
		return st
	}
	defer t.Release()
	buf := make([]byte, min(size, maxThreadState))
	n, st := t.ReadState(kind, buf)
	if st != object.OK {
		return st
	}
	return copyOut(c, buffer, buf[:n])
}

func (d *Dispatcher) sysThreadWriteState(c Caller, h object.Handle, kind uint32, buffer UserPtr, size uint64) object.Status {
	t, _, st := lookupAs[*proc.Thread](c, h, object.ObjTypeThread, object.RightWrite)
	if st != object.OK {
		return st
	}
	defer t.Release()
	buf, st := copyIn(c, buffer, min(size, maxThreadState))
	if st != object.OK {
		return st
	}
	return t.WriteState(kind, buf)
}

// maxDebugBlock is Zircon's kMaxDebugReadBlock / kMaxDebugWriteBlock.
const maxDebugBlock = 64 << 20

// debugBlock is the part of a process_read/write_memory buffer one step
// moves: the kernel copies through a bounded buffer, not 64 MiB at once.
const debugBlock = 1 << 20

func (d *Dispatcher) sysProcessReadMemory(c Caller, h object.Handle, vaddr uint64, buffer UserPtr, size uint64, actual UserPtr) object.Status {
	if buffer == 0 || size == 0 || size > maxDebugBlock {
		return object.ErrInvalidArgs
	}
	if st := probeOut(c, actual, 8); st != object.OK {
		return st
	}
	po, _, st := lookupAs[*object.Process](c, h, object.ObjTypeProcess, object.RightRead|object.RightWrite)
	if st != object.OK {
		return st
	}
	defer po.Release()
	var done uint64
	for done < size {
		buf := make([]byte, min(size-done, debugBlock))
		n, st := proc.ProcessMemory(po, vaddr+done, buf, false)
		if st != object.OK {
			if done == 0 {
				return st
			}
			break
		}
		if st := copyOut(c, buffer+UserPtr(done), buf[:n]); st != object.OK {
			return st
		}
		done += uint64(n)
		if n < len(buf) {
			break
		}
	}
	return copyOut(c, actual, le.AppendUint64(nil, done))
}

func (d *Dispatcher) sysProcessWriteMemory(c Caller, h object.Handle, vaddr uint64, buffer UserPtr, size uint64, actual UserPtr) object.Status {
	if buffer == 0 || size == 0 || size > maxDebugBlock {
		return object.ErrInvalidArgs
	}
	if st := probeOut(c, actual, 8); st != object.OK {
		return st
	}
	po, _, st := lookupAs[*object.Process](c, h, object.ObjTypeProcess, object.RightWrite)
	if st != object.OK {
		return st
	}
	defer po.Release()
	var done uint64
	for done < size {
		buf, st := copyIn(c, buffer+UserPtr(done), min(size-done, debugBlock))
		if st != object.OK {
			return st
		}
		n, st := proc.ProcessMemory(po, vaddr+done, buf, true)
		if st != object.OK {
			if done == 0 {
				return st
			}
			break
		}
		done += uint64(n)
		if n < len(buf) {
			break
		}
	}
	return copyOut(c, actual, le.AppendUint64(nil, done))
}

// BlockedState is the ZX_THREAD_STATE_BLOCKED_* a thread inside zx call
// num reports (0: the call does not block), as Zircon's wait queues name
// them (kernel/proc calls it for ZX_INFO_THREAD).
func (d *Dispatcher) BlockedState(num uint64) uint32 {
	switch num {
	case SysNanosleep:
		return object.ThreadStateBlockedSleeping
	case SysFutexWait:
		return object.ThreadStateBlockedFutex
	case SysPortWait:
		return object.ThreadStateBlockedPort
	case SysChannelCall:
		return object.ThreadStateBlockedChannel
	case SysObjectWaitOne:
		return object.ThreadStateBlockedWaitOne
	case SysObjectWaitMany:
		return object.ThreadStateBlockedWaitMany
	case SysInterruptWait:
		return object.ThreadStateBlockedInterrupt
	}
	return 0
}
