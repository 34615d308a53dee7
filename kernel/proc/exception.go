package proc

import (
	"sync/atomic"

	"beryl/arch/x86"
	"beryl/kernel/object"
)

// Zircon exceptions (docs/concepts/kernel/exceptions.md): a thread that
// faults, or raises a synthetic exception, blocks in
// ZX_THREAD_STATE_BLOCKED_EXCEPTION while its exception goes to the
// exception channels in Zircon's order: the process debugger, the
// thread, the process, the process debugger again (second chance), then
// the jobs from the process's own up to the root. A handler resumes the
// thread by setting ZX_EXCEPTION_STATE_HANDLED before it closes the
// exception, or ends it with THREAD_EXIT; TRY_NEXT (the default) passes
// the exception on. When no handler takes it the Linux personality
// delivers its signal if the program installed a handler for it, and
// otherwise the process is killed with ZX_TASK_RETCODE_EXCEPTION_KILL.

// excState is a thread's part of exception handling.
type excState struct {
	// ch is the thread's exception channel.
	ch object.Exceptionate
	// cur is the exception the thread is blocked in, nil outside one.
	cur atomic.Pointer[object.Exception]
	// chanType is the ZX_EXCEPTION_CHANNEL_TYPE_* of the handler that
	// holds cur.
	chanType atomic.Uint32
	// waiting is set while the thread waits for a handler: it reports
	// BLOCKED_EXCEPTION then, suspended or not (a suspension takes
	// effect once the exception is done, as Zircon's).
	waiting atomic.Bool
}

// Exceptionate returns the thread's exception channel.
func (t *Thread) Exceptionate() *object.Exceptionate { return &t.exc.ch }

// CurrentException returns the exception the thread is blocked in (nil
// outside one).
func (t *Thread) CurrentException() *object.Exception { return t.exc.cur.Load() }

// ExceptionChannelType returns the ZX_EXCEPTION_CHANNEL_TYPE_* of the
// handler the thread waits for (NONE outside an exception).
func (t *Thread) ExceptionChannelType() uint32 {
	if t.exc.cur.Load() == nil {
		return object.ExceptionChannelTypeNone
	}
	return t.exc.chanType.Load()
}

// excOutcome is what became of an exception.
type excOutcome int

const (
	excUnhandled  excOutcome = iota // every handler passed (or none was bound)
	excHandled                      // a handler resumed the thread
	excThreadExit                   // a handler ended the thread
	excKilled                       // the thread or its process was killed meanwhile
)

// tryHandler sends e to x (channel type ct) and waits for its handler.
// It reports false, having done nothing, when x has no live channel.
func (t *Thread) tryHandler(e *object.Exception, x *object.Exceptionate, ct uint32) (excOutcome, bool) {
	done, st := x.Send(e, ct)
	if st != object.OK {
		return excUnhandled, false
	}
	t.exc.chanType.Store(ct)
	t.exc.waiting.Store(true)
	killed := false
	select {
	case <-done:
	case <-t.killCh:
		killed = true
	case <-t.P.dying:
		killed = true
	}
	t.exc.waiting.Store(false)
	if killed || t.exitReq.Load() || t.P.killed.Load() {
		return excKilled, true
	}
	switch e.TakeState() {
	case object.ExceptionStateHandled:
		return excHandled, true
	case object.ExceptionStateThreadExit:
		return excThreadExit, true
	}
	return excUnhandled, true
}

// raise delivers an architectural or policy exception of type typ to the
// handlers in Zircon's order and returns what became of it.
func (t *Thread) raise(typ uint32, rep object.ExceptionReport) excOutcome {
	p := t.P
	e := object.NewException(t, p.Obj, typ, rep)
	defer e.Release()
	t.exc.cur.Store(e)
	defer t.exc.cur.Store(nil)
	type handler struct {
		x  *object.Exceptionate
		ct uint32
	}
	dbg := handler{p.Obj.Exceptionate(true), object.ExceptionChannelTypeDebugger}
	for _, h := range []handler{
		dbg,
		{t.Exceptionate(), object.ExceptionChannelTypeThread},
		{p.Obj.Exceptionate(false), object.ExceptionChannelTypeProcess},
	} {
		if out, sent := t.tryHandler(e, h.x, h.ct); sent && out != excUnhandled {
			return out
		}
	}
	if e.SecondChance() {
		if out, sent := t.tryHandler(e, dbg.x, dbg.ct); sent && out != excUnhandled {
			return out
		}
	}
	for j := p.Obj.Job(); j != nil; j = j.Parent() {
		if out, sent := t.tryHandler(e, j.Exceptionate(false), object.ExceptionChannelTypeJob); sent && out != excUnhandled {
			return out
		}
	}
	return excUnhandled
}

// raiseDebugger delivers a synthetic exception (THREAD_STARTING,
// THREAD_EXITING) to the process debugger only; the thread goes on
// whatever the handler decides.
func (t *Thread) raiseDebugger(typ uint32) {
	x := t.P.Obj.Exceptionate(true)
	if !x.Bound() {
		return
	}
	e := object.NewException(t, t.P.Obj, typ, object.ExceptionReport{})
	defer e.Release()
	t.exc.cur.Store(e)
	defer t.exc.cur.Store(nil)
	t.tryHandler(e, x, object.ExceptionChannelTypeDebugger)
}

// raiseProcessStarting delivers ZX_EXCP_PROCESS_STARTING of the process's
// first thread to the first job debugger channel from the process's job
// up; the thread goes on whatever the handler decides.
func (t *Thread) raiseProcessStarting() {
	for j := t.P.Obj.Job(); j != nil; j = j.Parent() {
		x := j.Exceptionate(true)
		if !x.Bound() {
			continue
		}
		e := object.NewException(t, t.P.Obj, object.ExcpProcessStarting, object.ExceptionReport{})
		t.exc.cur.Store(e)
		_, sent := t.tryHandler(e, x, object.ExceptionChannelTypeJobDebugger)
		t.exc.cur.Store(nil)
		e.Release()
		if sent {
			return
		}
	}
}

// archException maps a CPU exception vector to its ZX_EXCP_* type (Zircon's
// arch/x86/faults.cc).
func archException(v uint64) uint32 {
	switch v {
	case x86.VectorPF:
		return object.ExcpFatalPageFault
	case x86.VectorUD:
		return object.ExcpUndefinedInstruction
	case x86.VectorBP:
		return object.ExcpSWBreakpoint
	case x86.VectorDB:
		return object.ExcpHWBreakpoint
	case x86.VectorAC:
		return object.ExcpUnalignedAccess
	}
	return object.ExcpGeneral
}

// userFault handles a CPU exception of the thread in user mode that no
// page resolution served: the Zircon handlers first, then the Linux
// personality's signal; false means nobody took it and the caller kills
// the process.
func (t *Thread) userFault(v, ec, cr2 uint64) bool {
	rep := object.ExceptionReport{Vector: v, ErrCode: ec}
	if v == x86.VectorPF {
		rep.CR2 = cr2
	}
	switch t.raise(archException(v), rep) {
	case excHandled:
		return true
	case excThreadExit:
		t.exitReq.Store(true)
		return true
	case excKilled:
		return true
	}
	return t.syncFault(v, ec, cr2)
}

// OnDestroy unbinds the exception channel of a thread that never ran (a
// thread that ran did so when it exited).
func (t *Thread) OnDestroy() { t.exc.ch.Shutdown() }
