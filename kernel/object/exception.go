package object

import "encoding/binary"

// Exception types (zircon/syscalls/exception.h): architectural ones, and
// the synthetic ones (ExcpSynth set).
const (
	ExcpGeneral              uint32 = 0x008
	ExcpFatalPageFault       uint32 = 0x108
	ExcpUndefinedInstruction uint32 = 0x208
	ExcpSWBreakpoint         uint32 = 0x308
	ExcpHWBreakpoint         uint32 = 0x408
	ExcpUnalignedAccess      uint32 = 0x508
	ExcpSynth                uint32 = 0x8000
	ExcpThreadStarting       uint32 = 0x008 | ExcpSynth
	ExcpThreadExiting        uint32 = 0x108 | ExcpSynth
	ExcpPolicyError          uint32 = 0x208 | ExcpSynth
	ExcpProcessStarting      uint32 = 0x308 | ExcpSynth
)

// ExceptionChannelDebugger is task_create_exception_channel's option for
// a process's or job's debugger channel.
const ExceptionChannelDebugger uint32 = 1

// The kinds of exception channel (zx_info_thread_t's
// wait_exception_channel_type).
const (
	ExceptionChannelTypeNone        uint32 = 0
	ExceptionChannelTypeDebugger    uint32 = 1
	ExceptionChannelTypeThread      uint32 = 2
	ExceptionChannelTypeProcess     uint32 = 3
	ExceptionChannelTypeJob         uint32 = 4
	ExceptionChannelTypeJobDebugger uint32 = 5
)

// ZX_PROP_EXCEPTION_STATE and ZX_PROP_EXCEPTION_STRATEGY values.
const (
	ExceptionStateTryNext          uint32 = 0
	ExceptionStateHandled          uint32 = 1
	ExceptionStateThreadExit       uint32 = 2
	ExceptionStrategyFirstChance   uint32 = 0
	ExceptionStrategySecondChance  uint32 = 1
	PropExceptionState             uint32 = 16
	PropExceptionStrategy          uint32 = 18
	ExceptionInfoSize                     = 24 // zx_exception_info_t
	ExceptionReportSize                   = 40 // zx_exception_report_t (x86-64)
	DefaultExceptionRights                = RightTransfer | RightsProperty | RightInspect
	exceptionChannelUserRightsMask        = RightTransfer | RightWait | RightRead
)

// ExceptionReport is the x86-64 zx_exception_report_t's context: the
// vector, error code and CR2 of an architectural exception, the policy
// condition of a policy one.
type ExceptionReport struct {
	Vector, ErrCode, CR2 uint64
	SynthCode, SynthData uint32
}

// Encode appends the zx_exception_report_t of an exception of type typ.
func (r ExceptionReport) Encode(b []byte, typ uint32) []byte {
	b = binary.LittleEndian.AppendUint32(b, ExceptionReportSize)
	b = binary.LittleEndian.AppendUint32(b, typ)
	b = binary.LittleEndian.AppendUint64(b, r.Vector)
	b = binary.LittleEndian.AppendUint64(b, r.ErrCode)
	b = binary.LittleEndian.AppendUint64(b, r.CR2)
	b = binary.LittleEndian.AppendUint32(b, r.SynthCode)
	return binary.LittleEndian.AppendUint32(b, r.SynthData)
}

// Exception is an exception in flight (ZX_OBJ_TYPE_EXCEPTION, Zircon's
// ExceptionDispatcher): the faulting thread waits until the one handle
// to it, sent over an exception channel, is closed, and then resumes
// (ZX_EXCEPTION_STATE_HANDLED), exits (THREAD_EXIT) or lets the next
// handler try (TRY_NEXT, the default). One object travels through all
// the handlers, one at a time; its handle cannot be duplicated.
type Exception struct {
	Base
	thread  Object   // the faulting thread, with a reference
	process *Process // its process, with a reference
	typ     uint32
	report  ExceptionReport

	// Guarded by the object lock.
	threadRights, processRights Rights
	state                       uint32
	secondChance                bool
	chanType                    uint32
	done                        chan struct{}
}

// NewException creates the exception of thread (a thread object of
// process) of type typ; the caller owns one reference.
func NewException(thread Object, process *Process, typ uint32, report ExceptionReport) *Exception {
	e := &Exception{thread: thread, process: process, typ: typ, report: report}
	e.Base.Init(e, ObjTypeException, nil, false, 0)
	thread.base().AddRef()
	process.AddRef()
	return e
}

// ExceptionType returns the ZX_EXCP_* type.
func (e *Exception) ExceptionType() uint32 { return e.typ }

// Report returns the exception's report context.
func (e *Exception) Report() ExceptionReport { return e.report }

// Thread returns the faulting thread.
func (e *Exception) Thread() Object { return e.thread }

// arm prepares e for a new handler of channel type ct that may get
// threadRights and processRights handles from it, and returns the
// channel closed when the handle sent to it goes.
func (e *Exception) arm(ct uint32, threadRights, processRights Rights) chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.threadRights, e.processRights, e.chanType = threadRights, processRights, ct
	e.done = make(chan struct{})
	return e.done
}

// OnZeroHandles wakes the waiting thread: its handler is done.
func (e *Exception) OnZeroHandles() []*HandleEntry {
	e.mu.Lock()
	if e.done != nil {
		close(e.done)
		e.done = nil
	}
	e.mu.Unlock()
	return nil
}

// OnDestroy drops the references to the thread and process.
func (e *Exception) OnDestroy() {
	e.thread.base().Release()
	e.process.Release()
}

// TakeState returns the state the last handler left and resets it to
// TRY_NEXT for the next one (Zircon resets it after every handler).
func (e *Exception) TakeState() uint32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.state
	e.state = ExceptionStateTryNext
	return s
}

// State returns ZX_PROP_EXCEPTION_STATE.
func (e *Exception) State() uint32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state
}

// SetState sets ZX_PROP_EXCEPTION_STATE: INVALID_ARGS for an unknown
// value.
func (e *Exception) SetState(v uint32) Status {
	if v > ExceptionStateThreadExit {
		return ErrInvalidArgs
	}
	e.mu.Lock()
	e.state = v
	e.mu.Unlock()
	return OK
}

// Strategy returns ZX_PROP_EXCEPTION_STRATEGY.
func (e *Exception) Strategy() uint32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.secondChance {
		return ExceptionStrategySecondChance
	}
	return ExceptionStrategyFirstChance
}

// SecondChance reports whether the process debugger gets the exception
// again after the process channel.
func (e *Exception) SecondChance() bool { return e.Strategy() == ExceptionStrategySecondChance }

// HeldByDebugger reports whether a process debugger channel's handler
// holds the exception.
func (e *Exception) HeldByDebugger() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.chanType == ExceptionChannelTypeDebugger
}

// SetStrategy sets ZX_PROP_EXCEPTION_STRATEGY: BAD_STATE unless a
// process debugger channel holds the exception, INVALID_ARGS for an
// unknown value.
func (e *Exception) SetStrategy(v uint32) Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.chanType != ExceptionChannelTypeDebugger {
		return ErrBadState
	}
	switch v {
	case ExceptionStrategyFirstChance:
		e.secondChance = false
	case ExceptionStrategySecondChance:
		e.secondChance = true
	default:
		return ErrInvalidArgs
	}
	return OK
}

// ThreadHandle installs in p a handle to the faulting thread with the
// rights of the task handle its channel was made from (exception_get_thread):
// ACCESS_DENIED if that channel gives none.
func (e *Exception) ThreadHandle(p *Process) (Handle, Status) {
	e.mu.Lock()
	r := e.threadRights
	e.mu.Unlock()
	if r == 0 {
		return HandleInvalid, ErrAccessDenied
	}
	e.thread.base().AddRef()
	return p.Install(e.thread, r)
}

// ProcessHandle installs in p a handle to the faulting thread's process
// (exception_get_process): ACCESS_DENIED for a thread channel's
// exception.
func (e *Exception) ProcessHandle(p *Process) (Handle, Status) {
	e.mu.Lock()
	r := e.processRights
	e.mu.Unlock()
	if r == 0 {
		return HandleInvalid, ErrAccessDenied
	}
	e.process.AddRef()
	return p.Install(e.process, r)
}
