package zxsys

import (
	"beryl/kernel/object"
	"beryl/kernel/proc"
	"beryl/mm/vm"
)

// Process and thread syscalls: names, handles and out-parameters here,
// the processes and threads themselves in kernel/proc.

// copyName copies in a task name: at most ZX_MAX_NAME_LEN-1 bytes are
// read, up to the first NUL (Zircon truncates the same way). A NULL name
// is INVALID_ARGS even when its size is 0, as Zircon's copy_user_string.
func copyName(c Caller, name UserPtr, size uint64) (string, object.Status) {
	if name == 0 {
		return "", object.ErrInvalidArgs
	}
	b, st := copyIn(c, name, min(size, object.MaxNameLen-1))
	if st != object.OK {
		return "", st
	}
	return cString(b), object.OK
}

// sysProcessCreate, in the order of Zircon's sys_process_create:
// INVALID_ARGS (options), the caller's ZX_POL_NEW_PROCESS, the name, the
// job handle, then the process itself.
func (d *Dispatcher) sysProcessCreate(c Caller, job object.Handle, name UserPtr, nameSize uint64, options uint32, procHandle, vmarHandle UserPtr) object.Status {
	if options != 0 {
		return object.ErrInvalidArgs
	}
	caller := c.Process()
	// Zircon checks the caller's own policy before the job handle.
	if st := caller.EnforceBasicPolicy(object.PolNewProcess); st != object.OK {
		return st
	}
	n, st := copyName(c, name, nameSize)
	if st != object.OK {
		return st
	}
	if st := probeAll(c, 4, procHandle, vmarHandle); st != object.OK {
		return st
	}
	j, _, st := lookupAs[*object.Job](c, job, object.ObjTypeJob, object.RightManageProcess)
	if st != object.OK {
		return st
	}
	po, root, st := proc.CreateProcess(caller, j, n, c.AddressSpace().Env())
	j.Release()
	if st != object.OK {
		return st
	}
	// Install takes over CreateProcess's references.
	ph, st := caller.Install(po, object.DefaultProcessRights)
	if st != object.OK {
		root.Release()
		po.Kill(object.TaskRetcodeSyscallKill)
		return st
	}
	vh, st := caller.Install(root, root.Rights())
	if st != object.OK {
		// Closing the only handle of the unstarted process destroys it.
		object.HandleClose(caller, ph)
		return st
	}
	return out2(c, ph, vh, object.OK, procHandle, vmarHandle)
}

// sysProcessStart: arg1 is consumed (moved to the new process on success,
// closed on failure), in the order of Zircon's sys_process_start: the
// process and thread handles first, then arg1 is taken out of the table;
// a value that is no handle starts the process with ZX_HANDLE_INVALID,
// as there.
func (d *Dispatcher) sysProcessStart(c Caller, h, thread object.Handle, entry, stack uint64, arg1 object.Handle, arg2 uint64) object.Status {
	var moved object.HandleOwner
	take := func() {
		if arg1 != object.HandleInvalid {
			moved = c.Process().Table().Remove(arg1)
		}
	}
	defer func() { moved.Release() }() // consumed whatever happens
	po, _, st := lookupAs[*object.Process](c, h, object.ObjTypeProcess, object.RightWrite)
	if st != object.OK {
		take()
		return st
	}
	defer po.Release()
	t, _, st := lookupAs[*proc.Thread](c, thread, object.ObjTypeThread, object.RightWrite)
	if st != object.OK {
		take()
		return st
	}
	defer t.Release()
	take()
	if moved.Valid() && !moved.Rights().Has(object.RightTransfer) {
		return object.ErrAccessDenied
	}
	return proc.StartProcess(po, t, entry, stack, &moved, arg2)
}

// sysProcessExit ends the calling process: its kill ends its threads,
// and the thread loop does not resume the caller.
func (d *Dispatcher) sysProcessExit(c Caller, retcode int64) {
	c.Process().Exit(retcode)
}

// sysThreadCreate, in the order of Zircon's sys_thread_create: options,
// the name, then the process handle.
func (d *Dispatcher) sysThreadCreate(c Caller, process object.Handle, name UserPtr, nameSize uint64, options uint32, out UserPtr) object.Status {
	if options != 0 {
		return object.ErrInvalidArgs
	}
	n, st := copyName(c, name, nameSize)
	if st != object.OK {
		return st
	}
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	po, _, st := lookupAs[*object.Process](c, process, object.ObjTypeProcess, object.RightManageThread)
	if st != object.OK {
		return st
	}
	t, st := proc.CreateThread(po, n)
	po.Release()
	if st != object.OK {
		return st
	}
	h, st := c.Process().Install(t, object.DefaultThreadRights) // takes over t's reference
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysThreadStart(c Caller, h object.Handle, entry, stack, arg1, arg2 uint64) object.Status {
	t, _, st := lookupAs[*proc.Thread](c, h, object.ObjTypeThread, object.RightManageThread)
	if st != object.OK {
		return st
	}
	defer t.Release()
	return t.Start(entry, stack, arg1, arg2)
}

// sysThreadExit ends the calling thread when the call returns.
func (d *Dispatcher) sysThreadExit(c Caller) {
	c.ExitThread()
}

// threadInfo serves ZX_INFO_THREAD (zx_info_thread_t; INSPECT): the
// state is kernel/proc's Thread.State (SUSPENDED, and the BLOCKED_* state
// of the blocking zx call a thread is in; Linux calls report RUNNING);
// cpus is the number of CPUs that run threads.
func threadInfo(c Caller, h object.Handle, buf []byte, cpus int) (rec, actual, avail int, st object.Status) {
	t, _, st := lookupAs[*proc.Thread](c, h, object.ObjTypeThread, object.RightInspect)
	if st != object.OK {
		return 0, 0, 0, st
	}
	defer t.Release()
	rec = 72 // zx_info_thread_t
	if len(buf) < rec {
		return rec, 0, 1, object.ErrBufferTooSmall
	}
	clear(buf[:rec])
	le.PutUint32(buf[0:], t.State())
	le.PutUint32(buf[4:], t.ExceptionChannelType())
	// cpu_affinity_mask: the
	// last profile's, else the CPUs threads run on (zx_cpu_set_t: bit i
	// of word i/64 is CPU i; Beryl keeps the first word).
	le.PutUint64(buf[8:], t.AffinityMask(cpus))
	return rec, 1, 1, object.OK
}

// threadStatsInfo serves ZX_INFO_THREAD_STATS (zx_info_thread_stats_t;
// INSPECT): total_runtime is the thread's time in ring 3;
// last_scheduled_cpu the CPU it last ran user code on (ZX_INFO_INVALID_CPU
// before it first did).
func threadStatsInfo(c Caller, h object.Handle, buf []byte) (rec, actual, avail int, st object.Status) {
	t, _, st := lookupAs[*proc.Thread](c, h, object.ObjTypeThread, object.RightInspect)
	if st != object.OK {
		return 0, 0, 0, st
	}
	defer t.Release()
	rec = 16
	if len(buf) < rec {
		return rec, 0, 1, object.ErrBufferTooSmall
	}
	clear(buf[:rec])
	le.PutUint64(buf[0:], uint64(t.UserTime()))
	le.PutUint32(buf[8:], t.LastCPU()) // last_scheduled_cpu
	return rec, 1, 1, object.OK
}

// taskRuntimeInfo serves ZX_INFO_TASK_RUNTIME (zx_info_task_runtime_t:
// cpu_time, queue_time, page_fault_time, lock_contention_time; INSPECT)
// for a thread, a process (its threads, exited ones included) or a job
// (its processes and child jobs, dead ones included): cpu_time is the
// time in ring 3, queue_time the time a started thread was runnable but
// not running (kernel/proc, kernel/rt); the other fields are not measured
// (0).
func taskRuntimeInfo(c Caller, h object.Handle, buf []byte) (rec, actual, avail int, st object.Status) {
	o, _, st := c.Process().Lookup(h, object.ObjTypeNone, object.RightInspect)
	if st != object.OK {
		return 0, 0, 0, st
	}
	var r object.TaskRuntime
	switch v := o.(type) {
	case *proc.Thread:
		r = v.Runtime()
	case *object.Process:
		r = proc.ProcessRuntime(v)
	case *object.Job:
		r = v.Runtime()
	default:
		o.(interface{ Release() }).Release()
		return 0, 0, 0, object.ErrWrongType
	}
	o.(interface{ Release() }).Release()
	rec = 32
	if len(buf) < rec {
		return rec, 0, 1, object.ErrBufferTooSmall
	}
	clear(buf[:rec])
	le.PutUint64(buf[0:], uint64(r.CPU))
	le.PutUint64(buf[8:], uint64(r.Queue))
	return rec, 1, 1, object.OK
}

// taskStatsInfo serves ZX_INFO_TASK_STATS for a process
// (zx_info_task_stats_t; INSPECT): its resident pages, all counted as
// mapped and private.
func taskStatsInfo(c Caller, h object.Handle, buf []byte) (rec, actual, avail int, st object.Status) {
	po, _, st := lookupAs[*object.Process](c, h, object.ObjTypeProcess, object.RightInspect)
	if st != object.OK {
		return 0, 0, 0, st
	}
	b := proc.ResidentPages(po) * vm.PageSize
	po.Release()
	rec = 32
	if len(buf) < rec {
		return rec, 0, 1, object.ErrBufferTooSmall
	}
	clear(buf[:rec])
	le.PutUint64(buf[0:], b)
	le.PutUint64(buf[8:], b)
	return rec, 1, 1, object.OK
}

// processThreadsInfo serves ZX_INFO_PROCESS_THREADS (the running threads'
// koids; ENUMERATE): a short buffer gets the first ones, avail tells how
// many there are.
func processThreadsInfo(c Caller, h object.Handle, buf []byte) (rec, actual, avail int, st object.Status) {
	po, _, st := lookupAs[*object.Process](c, h, object.ObjTypeProcess, object.RightEnumerate)
	if st != object.OK {
		return 0, 0, 0, st
	}
	koids := proc.ThreadKoids(po)
	po.Release()
	rec = 8
	n := min(len(koids), len(buf)/rec)
	for i := 0; i < n; i++ {
		le.PutUint64(buf[rec*i:], uint64(koids[i]))
	}
	return rec, n, len(koids), object.OK
}

// setStdio serves Beryl's stdout/stderr socket properties: value holds a
// socket handle (uint32) of the caller's, which keeps its handle.
func setStdio(c Caller, h object.Handle, prop uint32, value []byte) object.Status {
	if len(value) < 4 {
		return object.ErrBufferTooSmall
	}
	po, _, st := lookupAs[*object.Process](c, h, object.ObjTypeProcess, object.RightSetProperty)
	if st != object.OK {
		return st
	}
	defer po.Release()
	sock, rights, st := lookupAs[*object.Socket](c, object.Handle(le.Uint32(value)), object.ObjTypeSocket, object.RightWrite)
	if st != object.OK {
		return st
	}
	defer sock.Release()
	return proc.SetStdio(po, prop, sock, rights)
}
