package proc

import (
	"encoding/binary"
	"slices"
	"sync"
	"time"

	"beryl/kernel/object"
	"beryl/mm/vm"
)

// Caller is the zx system-call layer's view of the calling thread (the
// same interface literal as syscall's Caller, which this package may not
// import: boot → syscall → kernel).
type Caller = interface {
	Process() *object.Process
	CopyIn(dst []byte, uaddr uint64) object.Status
	CopyOut(uaddr uint64, src []byte) object.Status
}

// Thread implements Caller.

// Process returns the calling thread's process object.
func (t *Thread) Process() *object.Process { return t.P.Obj }

// CopyIn copies user memory; any bad address is ZX_ERR_INVALID_ARGS.
func (t *Thread) CopyIn(dst []byte, uaddr uint64) object.Status {
	if t.P.AS.CopyIn(dst, uaddr) != nil {
		return object.ErrInvalidArgs
	}
	return object.OK
}

// CopyOut copies to user memory; any bad address is ZX_ERR_INVALID_ARGS.
func (t *Thread) CopyOut(uaddr uint64, src []byte) object.Status {
	if t.P.AS.CopyOut(uaddr, src) != nil {
		return object.ErrInvalidArgs
	}
	return object.OK
}

// Killed is closed when the thread must stop (process killed).
func (t *Thread) Killed() <-chan struct{} { return t.P.dying }

// ThreadKoid is the calling thread's koid.
func (t *Thread) ThreadKoid() object.Koid { return t.Koid() }

// registry maps process objects to their processes.
var registry sync.Map // *object.Process → *Process

func processOf(o *object.Process) *Process {
	if v, ok := registry.Load(o); ok {
		return v.(*Process)
	}
	return nil
}

func lookupAs[T any](c Caller, h object.Handle, typ object.ObjType, rights object.Rights) (T, object.Rights, object.Status) {
	var zero T
	o, r, st := c.Process().Lookup(h, typ, rights)
	if st != object.OK {
		return zero, 0, st
	}
	v, ok := o.(T)
	if !ok {
		o.(interface{ Release() }).Release()
		return zero, 0, object.ErrWrongType
	}
	return v, r, object.OK
}

// Tasks implements the zx system-call layer's TaskOps: VMOs, VMARs,
// processes and threads.
type Tasks struct{}

// VmoCreate creates a VMO.
func (Tasks) VmoCreate(c Caller, size uint64, options uint32) (object.Handle, object.Status) {
	v, st := vm.NewVMO(vm.KernelFrames(), size, options)
	if st != object.OK {
		return object.HandleInvalid, st
	}
	return c.Process().Install(v, v.Rights())
}

const chunk = 64 << 10

func (Tasks) vmoIO(c Caller, h object.Handle, buffer, offset, size uint64, write bool) object.Status {
	need := object.RightRead
	if write {
		need = object.RightWrite
	}
	v, _, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, need)
	if st != object.OK {
		return st
	}
	defer v.Release()
	if offset+size < offset || offset+size > v.Size() {
		return object.ErrOutOfRange
	}
	buf := make([]byte, min(size, chunk))
	for done := uint64(0); done < size; {
		n := min(size-done, chunk)
		b := buf[:n]
		if write {
			if st := c.CopyIn(b, buffer+done); st != object.OK {
				return st
			}
			if st := v.Write(offset+done, b); st != object.OK {
				return st
			}
		} else {
			if st := v.Read(offset+done, b); st != object.OK {
				return st
			}
			if st := c.CopyOut(buffer+done, b); st != object.OK {
				return st
			}
		}
		done += n
	}
	return object.OK
}

// VmoRead reads from a VMO into user memory.
func (t Tasks) VmoRead(c Caller, h object.Handle, buffer, offset, size uint64) object.Status {
	return t.vmoIO(c, h, buffer, offset, size, false)
}

// VmoWrite writes user memory into a VMO.
func (t Tasks) VmoWrite(c Caller, h object.Handle, buffer, offset, size uint64) object.Status {
	return t.vmoIO(c, h, buffer, offset, size, true)
}

// VmoGetSize returns a VMO's size.
func (Tasks) VmoGetSize(c Caller, h object.Handle) (uint64, object.Status) {
	v, _, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, 0)
	if st != object.OK {
		return 0, st
	}
	defer v.Release()
	return v.Size(), object.OK
}

// VmoSetSize resizes a VMO.
func (Tasks) VmoSetSize(c Caller, h object.Handle, size uint64) object.Status {
	v, rights, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, object.RightWrite)
	if st != object.OK {
		return st
	}
	defer v.Release()
	return v.SetSizeAs(rights, size)
}

// VmoOpRange runs a range operation on a VMO.
func (Tasks) VmoOpRange(c Caller, h object.Handle, op uint32, offset, size, buffer, bufferSize uint64) object.Status {
	v, _, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, vm.OpRangeRights(op))
	if st != object.OK {
		return st
	}
	defer v.Release()
	return v.OpRange(op, offset, size)
}

// VmarAllocate creates a sub-VMAR.
func (Tasks) VmarAllocate(c Caller, parent object.Handle, options uint32, offset, size uint64) (object.Handle, uint64, object.Status) {
	v, _, st := lookupAs[*vm.VMAR](c, parent, object.ObjTypeVMAR, vm.AllocateRights(options))
	if st != object.OK {
		return object.HandleInvalid, 0, st
	}
	defer v.Release()
	child, rights, st := v.Allocate(options, offset, size)
	if st != object.OK {
		return object.HandleInvalid, 0, st
	}
	addr := child.Start()
	h, st := c.Process().Install(child, rights)
	return h, addr, st
}

// VmarMap maps a VMO.
func (Tasks) VmarMap(c Caller, h object.Handle, options uint32, vmarOffset uint64, vmoH object.Handle, vmoOffset, length uint64) (uint64, object.Status) {
	v, vr, st := lookupAs[*vm.VMAR](c, h, object.ObjTypeVMAR, 0)
	if st != object.OK {
		return 0, st
	}
	defer v.Release()
	vmo, or, st := lookupAs[*vm.VMO](c, vmoH, object.ObjTypeVMO, 0)
	if st != object.OK {
		return 0, st
	}
	defer vmo.Release()
	return v.Map(options, vmarOffset, vmo, vmoOffset, length, vr, or)
}

// VmarUnmap unmaps a range.
func (Tasks) VmarUnmap(c Caller, h object.Handle, addr, length uint64) object.Status {
	v, _, st := lookupAs[*vm.VMAR](c, h, object.ObjTypeVMAR, 0)
	if st != object.OK {
		return st
	}
	defer v.Release()
	return v.Unmap(addr, length)
}

// VmarProtect changes protections.
func (Tasks) VmarProtect(c Caller, h object.Handle, options uint32, addr, length uint64) object.Status {
	v, _, st := lookupAs[*vm.VMAR](c, h, object.ObjTypeVMAR, vm.ProtectRights(options))
	if st != object.OK {
		return st
	}
	defer v.Release()
	return v.Protect(options, addr, length)
}

// VmarDestroy destroys a VMAR.
func (Tasks) VmarDestroy(c Caller, h object.Handle) object.Status {
	v, _, st := lookupAs[*vm.VMAR](c, h, object.ObjTypeVMAR, object.RightOpChildren)
	if st != object.OK {
		return st
	}
	defer v.Release()
	return v.Destroy()
}

// ProcessCreate creates a process (with its address space and root VMAR)
// in a job; it inherits the caller's stdout, stderr and security class.
func (Tasks) ProcessCreate(c Caller, jobH object.Handle, name string, options uint32) (object.Handle, object.Handle, object.Status) {
	if options != 0 {
		return object.HandleInvalid, object.HandleInvalid, object.ErrInvalidArgs
	}
	// Zircon checks the caller's own policy before the job handle.
	if st := c.Process().EnforceBasicPolicy(object.PolNewProcess); st != object.OK {
		return object.HandleInvalid, object.HandleInvalid, st
	}
	job, _, st := lookupAs[*object.Job](c, jobH, object.ObjTypeJob, object.RightManageProcess)
	if st != object.OK {
		return object.HandleInvalid, object.HandleInvalid, st
	}
	defer job.Release()
	p, st := newProcess(name, job)
	if st != object.OK {
		return object.HandleInvalid, object.HandleInvalid, st
	}
	if parent := processOf(c.Process()); parent != nil {
		p.Stdout, p.Stderr = parent.Stdout, parent.Stderr
		p.PPID = parent.PID
	}
	// The new process is of its creator's security class until a holder
	// of the root resource sets another (beryl_process_set_class).
	if class := c.Process().Class(); class != "" {
		p.Obj.SetClass(class)
	}
	// Install takes over newProcess's references for the caller.
	root := p.AS.RootVMAR()
	ph, st := c.Process().Install(p.Obj, object.DefaultProcessRights)
	if st != object.OK {
		root.Release()
		p.Obj.Kill(object.TaskRetcodeSyscallKill)
		return object.HandleInvalid, object.HandleInvalid, st
	}
	vh, st := c.Process().Install(root, root.Rights())
	if st != object.OK {
		// Closing the only handle of the unstarted process destroys it.
		if e := c.Process().Table().Remove(ph); e != nil {
			object.ReleaseHandle(e)
		}
		return object.HandleInvalid, object.HandleInvalid, st
	}
	return ph, vh, object.OK
}

// ProcessStart starts a process's first thread with arg1 (a handle moved
// into the new process) in RDI and arg2 in RSI. The new process can also
// take arg1's value once with beryl_startup_handle (Thread.
// TakeStartupHandle): a Go program's entry code overwrites RDI.
func (Tasks) ProcessStart(c Caller, procH, thrH object.Handle, entry, stack uint64, arg1 object.Handle, arg2 uint64) object.Status {
	caller := c.Process()
	var moved *object.HandleEntry
	if arg1 != object.HandleInvalid {
		moved = caller.Table().Remove(arg1) // consumed whatever happens
		if moved == nil {
			return object.ErrBadHandle
		}
	}
	fail := func(st object.Status) object.Status {
		if moved != nil {
			object.ReleaseHandle(moved)
		}
		return st
	}
	po, _, st := lookupAs[*object.Process](c, procH, object.ObjTypeProcess, object.RightWrite)
	if st != object.OK {
		return fail(st)
	}
	defer po.Release()
	t, _, st := lookupAs[*Thread](c, thrH, object.ObjTypeThread, object.RightWrite)
	if st != object.OK {
		return fail(st)
	}
	defer t.Release()
	if moved != nil && !moved.Rights().Has(object.RightTransfer) {
		return fail(object.ErrAccessDenied)
	}
	p := processOf(po)
	if p == nil || t.P != p {
		return fail(object.ErrAccessDenied)
	}
	if p.started.Load() || t.started {
		return fail(object.ErrBadState)
	}
	if !validUserPC(entry) {
		return fail(object.ErrInvalidArgs)
	}
	var v object.Handle
	if moved != nil {
		if v, st = po.Table().Add(moved); st != object.OK {
			return fail(st)
		}
	}
	p.started.Store(true)
	p.bootstrap.Store(uint32(v))
	po.Start()
	t.Ctx.Regs.RIP, t.Ctx.Regs.RSP = entry, stack
	t.Ctx.Regs.RDI, t.Ctx.Regs.RSI = uint64(v), arg2
	t.AddRef()
	if !t.start() {
		t.Release() // killed meanwhile; the moved handle went with it
		return object.ErrBadState
	}
	return object.OK
}

// validUserPC reports whether a thread may start at pc: inside the user
// address space, or 0 (a thread that faults at once, as Zircon allows for
// tests). Anything else would fault in the kernel's IRETQ (a non-canonical
// RIP raises #GP in ring 0) or jump at kernel addresses, so process_start
// and thread_start refuse it with ZX_ERR_INVALID_ARGS, as Zircon's
// arch_is_valid_user_pc. The stack pointer is not checked: a bad one
// faults in user mode.
func validUserPC(pc uint64) bool {
	return pc == 0 || pc >= vm.UserBase && pc < vm.UserLimit
}

// ProcessExit ends the calling process.
func (Tasks) ProcessExit(c Caller, retcode int64) {
	if p := processOf(c.Process()); p != nil {
		p.Obj.Kill(retcode)
	}
}

// ThreadCreate creates a (not yet started) thread in a process.
func (Tasks) ThreadCreate(c Caller, procH object.Handle, name string, options uint32) (object.Handle, object.Status) {
	if options != 0 {
		return object.HandleInvalid, object.ErrInvalidArgs
	}
	po, _, st := lookupAs[*object.Process](c, procH, object.ObjTypeProcess, object.RightManageThread)
	if st != object.OK {
		return object.HandleInvalid, st
	}
	defer po.Release()
	p := processOf(po)
	if p == nil || p.killed.Load() {
		return object.HandleInvalid, object.ErrBadState
	}
	ctx := newCtx()
	ctx.CR3 = p.AS.Root()
	t := p.newThread(ctx)
	t.Name = name
	return c.Process().Install(t, object.DefaultThreadRights)
}

// ThreadStart starts a thread of a started process.
func (Tasks) ThreadStart(c Caller, thrH object.Handle, entry, stack, arg1, arg2 uint64) object.Status {
	t, _, st := lookupAs[*Thread](c, thrH, object.ObjTypeThread, object.RightManageThread)
	if st != object.OK {
		return st
	}
	defer t.Release()
	if !t.P.started.Load() || t.P.killed.Load() {
		return object.ErrBadState
	}
	if !validUserPC(entry) {
		return object.ErrInvalidArgs
	}
	t.startMu.Lock()
	started := t.started
	t.startMu.Unlock()
	if started {
		return object.ErrBadState
	}
	t.Ctx.Regs.RIP, t.Ctx.Regs.RSP, t.Ctx.Regs.RDI, t.Ctx.Regs.RSI = entry, stack, arg1, arg2
	t.AddRef()
	if !t.start() {
		t.Release()
		return object.ErrBadState
	}
	return object.OK
}

// ThreadExit ends the calling thread.
func (Tasks) ThreadExit(c Caller) {
	if t, ok := c.(*Thread); ok {
		t.exitReq.Store(true)
	}
}

// ThreadKill kills a thread.
func (Tasks) ThreadKill(c Caller, thrH object.Handle) object.Status {
	t, _, st := lookupAs[*Thread](c, thrH, object.ObjTypeThread, object.RightDestroy)
	if st != object.OK {
		return st
	}
	defer t.Release()
	t.exitReq.Store(true)
	t.startMu.Lock()
	if !t.started {
		// Never started: it cannot be started any more, and is dead.
		t.started = true
		t.setSignals(0, object.TaskTerminated)
	}
	t.startMu.Unlock()
	t.interrupt()
	return object.OK
}

// ObjectGetInfo serves ZX_INFO_VMAR (zx_info_vmar_t: base, len; needs
// ZX_RIGHT_INSPECT), which a loader needs to place ZX_VM_SPECIFIC
// mappings in a child's root VMAR; ZX_INFO_PROCESS_THREADS (the running
// threads' koids; needs ZX_RIGHT_ENUMERATE; a short buffer gets the first
// ones, with avail telling how many there are); and ZX_INFO_THREAD
// (zx_info_thread_t; needs ZX_RIGHT_INSPECT).
func (Tasks) ObjectGetInfo(c Caller, h object.Handle, topic uint32, buf []byte) (int, int, int, object.Status) {
	switch topic {
	case object.InfoVMO:
		v, rights, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, object.RightInspect)
		if st != object.OK {
			return 0, 0, 0, st
		}
		defer v.Release()
		if len(buf) < vm.InfoVMORecordSize {
			return vm.InfoVMORecordSize, 0, 1, object.ErrBufferTooSmall
		}
		v.InfoVMO(rights, buf)
		return vm.InfoVMORecordSize, 1, 1, object.OK
	case object.InfoVMAR:
		v, _, st := lookupAs[*vm.VMAR](c, h, object.ObjTypeVMAR, object.RightInspect)
		if st != object.OK {
			return 0, 0, 0, st
		}
		defer v.Release()
		const rec = 16
		if len(buf) < rec {
			return rec, 0, 1, object.ErrBufferTooSmall
		}
		binary.LittleEndian.PutUint64(buf[0:], v.Start())
		binary.LittleEndian.PutUint64(buf[8:], v.Size())
		return rec, 1, 1, object.OK
	case object.InfoProcessThreads:
		po, _, st := lookupAs[*object.Process](c, h, object.ObjTypeProcess, object.RightEnumerate)
		if st != object.OK {
			return 0, 0, 0, st
		}
		defer po.Release()
		var koids []object.Koid
		if p := processOf(po); p != nil {
			koids = p.threadKoids()
		}
		const rec = 8
		n := min(len(koids), len(buf)/rec)
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint64(buf[rec*i:], uint64(koids[i]))
		}
		return rec, n, len(koids), object.OK
	case object.InfoThread:
		t, _, st := lookupAs[*Thread](c, h, object.ObjTypeThread, object.RightInspect)
		if st != object.OK {
			return 0, 0, 0, st
		}
		defer t.Release()
		const rec = 72 // zx_info_thread_t
		if len(buf) < rec {
			return rec, 0, 1, object.ErrBufferTooSmall
		}
		clear(buf[:rec])
		binary.LittleEndian.PutUint32(buf[0:], t.state())
		// wait_exception_channel_type 0 (none); cpu_affinity_mask: CPU 0,
		// the only one threads run on.
		buf[8] = 1
		return rec, 1, 1, object.OK
	}
	return 0, 0, 0, object.ErrNotSupported
}

// state is the thread's ZX_THREAD_STATE_*: NEW until started, DEAD once
// terminated, DYING while an exit or its process's kill is pending.
func (t *Thread) state() uint32 {
	if t.Signals()&object.TaskTerminated != 0 {
		return object.ThreadStateDead
	}
	t.startMu.Lock()
	started := t.started
	t.startMu.Unlock()
	switch {
	case !started:
		return object.ThreadStateNew
	case t.exitReq.Load() || t.P.killed.Load():
		return object.ThreadStateDying
	}
	return object.ThreadStateRunning
}

// threadKoids returns the koids of the process's running (started, not
// exited) threads in creation order: ZX_INFO_PROCESS_THREADS.
func (p *Process) threadKoids() []object.Koid {
	p.mu.Lock()
	defer p.mu.Unlock()
	tids := make([]int, 0, len(p.threads))
	for tid := range p.threads {
		tids = append(tids, tid)
	}
	slices.Sort(tids)
	koids := make([]object.Koid, len(tids))
	for i, tid := range tids {
		koids[i] = p.threads[tid].Koid()
	}
	return koids
}

// ObjectGetProperty serves no extra properties yet.
func (Tasks) ObjectGetProperty(c Caller, h object.Handle, prop uint32, value []byte) (int, object.Status) {
	return 0, object.ErrNotSupported
}

// ObjectSetProperty serves no extra properties yet.
func (Tasks) ObjectSetProperty(c Caller, h object.Handle, prop uint32, value []byte) object.Status {
	switch prop {
	case PropStdoutSocket, PropStderrSocket:
		return setStdio(c, h, prop, value)
	}
	return object.ErrNotSupported
}

// Beryl process properties (outside Zircon's ZX_PROP_* range): a launcher
// sets a process's stdout or stderr to a socket before starting it; the
// process's write(1) and write(2) then go into the socket (the launcher
// reads the other end). The value is the socket's handle value (uint32) in
// the caller's table; the caller keeps its handle.
const (
	PropStdoutSocket = 0x1000
	PropStderrSocket = 0x1001
)

func setStdio(c Caller, h object.Handle, prop uint32, value []byte) object.Status {
	if len(value) < 4 {
		return object.ErrBufferTooSmall
	}
	po, _, st := lookupAs[*object.Process](c, h, object.ObjTypeProcess, object.RightSetProperty)
	if st != object.OK {
		return st
	}
	defer po.Release()
	p := processOf(po)
	if p == nil {
		return object.ErrBadState
	}
	sh := object.Handle(binary.LittleEndian.Uint32(value))
	sock, rights, st := lookupAs[*object.Socket](c, sh, object.ObjTypeSocket, object.RightWrite)
	if st != object.OK {
		return st
	}
	// The process holds a handle of its own (not just a reference): the
	// reader sees PEER_CLOSED when the process is gone, not when the
	// launcher closes its copy.
	e := object.NewKernelHandle(sock, rights)
	sock.Release()
	p.mu.Lock()
	defer p.mu.Unlock()
	// A killed process (exiting, set by stop under p.mu) is torn down or
	// about to be: releaseStdio may already have run and would never see
	// a handle added now.
	if p.started.Load() || p.exiting {
		object.ReleaseHandle(e)
		return object.ErrBadState
	}
	w := &socketWriter{e: e, s: sock}
	if prop == PropStdoutSocket {
		p.Stdout = w
	} else {
		p.Stderr = w
	}
	p.stdio = append(p.stdio, e)
	return object.OK
}

// socketWriter forwards a process's output into a socket, waiting while
// the socket is full; output to a socket whose reader is gone is dropped.
type socketWriter struct {
	e *object.HandleEntry
	s *object.Socket
}

func (w *socketWriter) Write(b []byte) (int, error) {
	for n := 0; n < len(b); {
		k, st := w.s.Write(b[n:])
		switch st {
		case object.OK:
			n += k
		case object.ErrShouldWait:
			time.Sleep(time.Millisecond)
		default:
			return len(b), nil
		}
	}
	return len(b), nil
}

// VmoReplaceAsExecutable replaces a VMO handle by one with the same
// rights plus ZX_RIGHT_EXECUTE (vmo_replace_as_executable; the syscall
// layer checked the vmex resource). The handle is consumed.
func (Tasks) VmoReplaceAsExecutable(c Caller, h object.Handle) (object.Handle, object.Status) {
	p := c.Process()
	v, rights, st := lookupAs[*vm.VMO](c, h, object.ObjTypeVMO, 0)
	if st != object.OK {
		object.HandleClose(p, h)
		return object.HandleInvalid, st
	}
	e := p.Table().Remove(h)
	if e == nil { // closed concurrently
		v.Release()
		return object.HandleInvalid, object.ErrBadHandle
	}
	object.ReleaseHandle(e)
	return p.Install(v, rights|object.RightExecute) // takes over v's reference
}
