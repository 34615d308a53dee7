package object

import (
	"strconv"
	"sync"
	"sync/atomic"
)

// Process is the handle-table owner: a minimal stand-in for Zircon's
// process object that grows threads and an address space with user mode.
// It has a koid, a job, a handle table and the policy it inherited.
type Process struct {
	Base
	job    *Job
	table  *HandleTable
	policy Policy // snapshot of the job's policy at creation; immutable

	name    string // guarded by jobTreeMu
	state   procState
	retcode int64

	exceptionHook    atomic.Pointer[func(*Process, uint32)]
	killHook         atomic.Pointer[func(retcode int64)]
	policyExceptions atomic.Int64
	// class is the security class the IPC policy names the process by
	// (KasperskyOS); fixed once the process starts.
	class atomic.Pointer[string]
	// futex holds the process's futex wait queues (zx and Linux futexes
	// alike).
	futex FutexContext
	// critical is the job the process's death kills (job_set_critical),
	// with a reference; criticalNonzero: only a non-zero return code
	// does. Guarded by jobTreeMu.
	critical        *Job
	criticalNonzero bool
	// deadRuntime is the process's runtime when it died, what its job
	// took over; set (with deadRuntimeSet) before ZX_PROCESS_TERMINATED.
	// Guarded by jobTreeMu.
	deadRuntime    TaskRuntime
	deadRuntimeSet bool
	// exc and debugExc are the process's exception channels (standard
	// and debugger).
	exc, debugExc Exceptionate
}

// DeadRuntime returns the runtime a dead process had when it was killed
// (ZX_INFO_TASK_RUNTIME of a dead process stays fixed, however long its
// threads take to stop); ok is false while the process lives.
func (p *Process) DeadRuntime() (r TaskRuntime, ok bool) {
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	return p.deadRuntime, p.deadRuntimeSet
}

// Exceptionate returns the process's standard or debugger exception
// channel.
func (p *Process) Exceptionate(debug bool) *Exceptionate {
	if debug {
		return &p.debugExc
	}
	return &p.exc
}

// ShutdownExceptionates unbinds the process's exception channels for
// good: its last thread is gone.
func (p *Process) ShutdownExceptionates() {
	p.exc.Shutdown()
	p.debugExc.Shutdown()
}

// Futexes returns the process's futex context.
func (p *Process) Futexes() *FutexContext { return &p.futex }

type procState uint8

const (
	procInitial procState = iota
	procRunning
	procDead
)

// ProcessConfig tunes a new process; the zero value gives Zircon defaults.
type ProcessConfig struct {
	// MaxHandles bounds the handle table (0: DefaultMaxHandles).
	MaxHandles int
	// Secret fixes the handle-value secret (0: random). For tests.
	Secret uint32
}

// jobTreeMu guards the job tree: children and process lists, job and
// process states and policies. It is never held while taking a handle
// table lock, and it is taken before any object lock.
var jobTreeMu sync.Mutex

// NewProcess creates a process in job (the kernel-side constructor; the
// caller owns one reference). It fails with ZX_ERR_BAD_STATE if the job is
// dead.
func NewProcess(job *Job, name string, cfg ProcessConfig) (*Process, Status) {
	secret := cfg.Secret
	if secret == 0 {
		secret = randomSecret()
	}
	p := &Process{table: newHandleTable(cfg.MaxHandles, secret), name: truncName(name)}
	p.table.proc = p
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	if job.dead {
		return nil, ErrBadState
	}
	p.Base.Init(p, ObjTypeProcess, nil, true, 0)
	p.job = job
	p.related = job.koid
	job.AddRef()
	p.policy = job.policy
	job.procs = append(job.procs, p)
	job.updateChildSignalsLocked()
	return p, OK
}

func truncName(s string) string {
	if len(s) > MaxNameLen-1 {
		return s[:MaxNameLen-1]
	}
	return s
}

// MaxClassLen is the longest security class name, in bytes.
const MaxClassLen = 64

// CheckClass returns "" if s can be a security class ([A-Za-z0-9_.:/-],
// 1..MaxClassLen bytes: the names a kos policy file can use), or why not.
func CheckClass(s string) string {
	if s == "" {
		return "empty class name"
	}
	if len(s) > MaxClassLen {
		return "class name longer than " + strconv.Itoa(MaxClassLen) + " bytes"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '.' || c == ':' || c == '/' || c == '-') {
			return "bad character " + strconv.QuoteRune(rune(c)) + " in class " + strconv.Quote(s)
		}
	}
	return ""
}

// SetClass sets the security class the IPC policy (kernel/object/kos)
// names the process by. Unlike its name, the process cannot change it: the
// kernel sets it when it spawns a process, a new process inherits its
// creator's, and a holder of the root resource may set it
// (beryl_process_set_class), all before the process starts. Errors:
// INVALID_ARGS (CheckClass fails), BAD_STATE (the process has started).
func (p *Process) SetClass(class string) Status {
	if CheckClass(class) != "" {
		return ErrInvalidArgs
	}
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	if p.state != procInitial {
		return ErrBadState
	}
	p.class.Store(&class)
	return OK
}

// Class returns the process's security class, "" until SetClass.
func (p *Process) Class() string {
	if c := p.class.Load(); c != nil {
		return *c
	}
	return ""
}

// Table returns the process's handle table.
func (p *Process) Table() *HandleTable { return p.table }

// Job returns the process's job.
func (p *Process) Job() *Job { return p.job }

// Policy returns the process's policy.
func (p *Process) Policy() *Policy { return &p.policy }

// Name returns the process name.
func (p *Process) Name() string {
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	return p.name
}

// SetName sets the process name (truncated as ZX_PROP_NAME is): the
// kernel renames a process that execs a new program.
func (p *Process) SetName(name string) {
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	p.name = truncName(name)
}

// SetExceptionHook sets the function called when a policy action raises an
// exception (ALLOW_EXCEPTION, DENY_EXCEPTION). It runs on the calling
// goroutine with no lock held.
func (p *Process) SetExceptionHook(f func(p *Process, condition uint32)) {
	p.exceptionHook.Store(&f)
}

// SetKillHook installs the function that stops the process's threads when
// it is killed (task_kill, process_exit, job kill). It runs once, on the
// killing goroutine, with no lock held, before the handles are closed.
//
// It reports false, installing nothing, if the process is already dead: a
// kill (of its job, say) got in after NewProcess and found no hook to run,
// so the caller must tear down what it built around the process itself.
// The check and the store are one step under jobTreeMu, under which Kill
// marks the process dead before it loads the hook, so exactly one of the
// two runs the teardown.
func (p *Process) SetKillHook(f func(retcode int64)) bool {
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	if p.state == procDead {
		return false
	}
	p.killHook.Store(&f)
	return true
}

// Retcode returns the return code of a dead process (0 before).
func (p *Process) Retcode() int64 {
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	return p.retcode
}

// PolicyExceptions returns the number of policy exceptions raised.
func (p *Process) PolicyExceptions() int64 { return p.policyExceptions.Load() }

// Start marks the process as started (it has left its initial state).
func (p *Process) Start() {
	jobTreeMu.Lock()
	if p.state == procInitial {
		p.state = procRunning
	}
	jobTreeMu.Unlock()
}

// Dead reports whether the process has terminated.
func (p *Process) Dead() bool {
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	return p.state == procDead
}

// Exit terminates the process with retcode.
func (p *Process) Exit(retcode int64) { p.Kill(retcode) }

// Kill terminates the process: its handles are closed, it leaves its job
// and asserts ZX_PROCESS_TERMINATED. Killing a dead process does nothing.
func (p *Process) Kill(retcode int64) {
	jobTreeMu.Lock()
	if p.state == procDead {
		jobTreeMu.Unlock()
		return
	}
	p.state = procDead
	p.retcode = retcode
	p.job.removeProcessLocked(p)
	critical := p.critical
	if critical != nil && p.criticalNonzero && retcode == 0 {
		critical = nil
	}
	jobTreeMu.Unlock()

	// Fold the process's runtime into its job's (Zircon's
	// JobDispatcher::RemoveChildProcess) and keep it as the dead
	// process's: ring-3 time its threads take before they stop counts
	// for the threads only.
	if f := ProcessRuntime; f != nil {
		r := f(p)
		jobTreeMu.Lock()
		p.job.deadRuntime.Add(r)
		p.deadRuntime, p.deadRuntimeSet = r, true
		jobTreeMu.Unlock()
	}
	if h := p.killHook.Load(); h != nil {
		(*h)(retcode)
	}
	p.table.closeAll()
	p.mu.Lock()
	p.UpdateStateLocked(0, ProcessTerminated)
	p.mu.Unlock()
	if critical != nil {
		// A critical process takes its job down with it (Zircon's
		// JobDispatcher::CriticalProcessKill).
		critical.Kill(TaskRetcodeCriticalProcessKill)
	}
}

// SetCriticalToJob makes job, the process's job or one of its ancestors,
// die with the process (job_set_critical); with nonzero only when the
// process's return code is not 0. ZX_ERR_ALREADY_BOUND if the process
// is already critical to a job, ZX_ERR_INVALID_ARGS if job is not an
// ancestor.
func (p *Process) SetCriticalToJob(job *Job, nonzero bool) Status {
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	if p.critical != nil {
		return ErrAlreadyBound
	}
	for j := p.job; j != nil; j = j.parent {
		if j == job {
			job.AddRef()
			p.critical, p.criticalNonzero = job, nonzero
			return OK
		}
	}
	return ErrInvalidArgs
}

// OnZeroHandles kills a process that was never started, as Zircon does.
func (p *Process) OnZeroHandles() []*HandleEntry {
	jobTreeMu.Lock()
	initial := p.state == procInitial
	jobTreeMu.Unlock()
	if initial {
		p.Kill(TaskRetcodeSyscallKill)
	}
	return nil
}

// OnDestroy drops the process's reference to its job (and to the job it
// is critical to).
func (p *Process) OnDestroy() {
	p.Kill(TaskRetcodeSyscallKill)
	p.ShutdownExceptionates()
	jobTreeMu.Lock()
	critical := p.critical
	p.critical = nil
	jobTreeMu.Unlock()
	if critical != nil {
		critical.Release()
	}
	p.job.Release()
}

func (p *Process) allowedUserSignals() Signals { return UserSignalAll }
