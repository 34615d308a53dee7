package object

// MaxJobHeight bounds the depth of the job tree (Zircon's kMaxJobHeight);
// creating a deeper job fails with ZX_ERR_OUT_OF_RANGE.
const MaxJobHeight = 32

// Job is a node of the job tree: it owns child jobs and processes, carries
// the policy they inherit and can kill its whole subtree.
type Job struct {
	Base
	parent *Job
	height int // MaxJobHeight for the root, decreasing downwards

	// Guarded by jobTreeMu.
	children []*Job
	procs    []*Process
	policy   Policy
	dead     bool
	retcode  int64
	name     string
	// killOnOOM: the job may be killed to free memory
	// (ZX_PROP_JOB_KILL_ON_OOM; oom.go).
	killOnOOM bool
	// exc and debugExc are the job's exception channels (standard and
	// debugger).
	exc, debugExc Exceptionate
	// deadRuntime is the runtime of the processes and child jobs that
	// have left the job (guarded by jobTreeMu).
	deadRuntime TaskRuntime
}

// TaskRuntime is the zx_info_task_runtime_t times (ns) this kernel keeps.
type TaskRuntime struct {
	CPU, Queue int64
}

// Add adds o to r.
func (r *TaskRuntime) Add(o TaskRuntime) { r.CPU += o.CPU; r.Queue += o.Queue }

// ProcessRuntime returns a process's runtime, its threads' (live and
// exited); the package that runs processes (kernel/proc) sets it. It is
// called without jobTreeMu held.
var ProcessRuntime func(*Process) TaskRuntime

// Runtime returns the job's runtime (ZX_INFO_TASK_RUNTIME): that of its
// live processes and child jobs plus the totals of those that died.
func (j *Job) Runtime() TaskRuntime {
	var r TaskRuntime
	var procs []*Process
	var walk func(*Job)
	walk = func(j *Job) {
		r.Add(j.deadRuntime)
		for _, p := range j.procs {
			if p.tryAddRef() {
				procs = append(procs, p)
			}
		}
		for _, c := range j.children {
			walk(c)
		}
	}
	jobTreeMu.Lock()
	walk(j)
	jobTreeMu.Unlock()
	for _, p := range procs {
		if f := ProcessRuntime; f != nil {
			r.Add(f(p))
		}
		p.Release()
	}
	return r
}

// Exceptionate returns the job's standard or debugger exception channel.
func (j *Job) Exceptionate(debug bool) *Exceptionate {
	if debug {
		return &j.debugExc
	}
	return &j.exc
}

// NewRootJob creates a root job (the kernel holds the returned reference).
func NewRootJob() *Job {
	j := &Job{height: MaxJobHeight, name: "root"}
	j.Base.Init(j, ObjTypeJob, nil, true, JobNoJobs|JobNoProcesses|JobNoChildren)
	return j
}

// NewJob creates a child job of parent (the caller owns one reference).
// It fails with ZX_ERR_BAD_STATE if parent is dead and ZX_ERR_OUT_OF_RANGE
// if the tree would be too deep.
func NewJob(parent *Job) (*Job, Status) {
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	if parent.dead {
		return nil, ErrBadState
	}
	if parent.height <= 1 {
		return nil, ErrOutOfRange
	}
	j := &Job{parent: parent, height: parent.height - 1, policy: parent.policy}
	j.Base.Init(j, ObjTypeJob, nil, true, JobNoJobs|JobNoProcesses|JobNoChildren)
	j.related = parent.koid
	parent.AddRef()
	parent.children = append(parent.children, j)
	parent.updateChildSignalsLocked()
	return j, OK
}

// Parent returns the parent job, or nil for a root job.
func (j *Job) Parent() *Job { return j.parent }

// Policy returns a copy of the job's effective policy.
func (j *Job) Policy() Policy {
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	return j.policy
}

// Dead reports whether the job has been killed.
func (j *Job) Dead() bool {
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	return j.dead
}

// updateChildSignalsLocked refreshes ZX_JOB_NO_JOBS, ZX_JOB_NO_PROCESSES
// and JobNoChildren; jobTreeMu must be held.
func (j *Job) updateChildSignalsLocked() {
	var set, clr Signals
	if len(j.children) == 0 {
		set |= JobNoJobs
	} else {
		clr |= JobNoJobs
	}
	if len(j.procs) == 0 {
		set |= JobNoProcesses
	} else {
		clr |= JobNoProcesses
	}
	if len(j.children) == 0 && len(j.procs) == 0 {
		set |= JobNoChildren
	} else {
		clr |= JobNoChildren
	}
	j.mu.Lock()
	j.UpdateStateLocked(clr, set)
	j.mu.Unlock()
}

func (j *Job) removeProcessLocked(p *Process) {
	for i, x := range j.procs {
		if x == p {
			j.procs = append(j.procs[:i], j.procs[i+1:]...)
			j.updateChildSignalsLocked()
			return
		}
	}
}

// removeChildLocked removes c from j's children and folds its runtime
// into j's (c has no process or child left: Kill and OnDestroy come after
// them).
func (j *Job) removeChildLocked(c *Job) {
	for i, x := range j.children {
		if x == c {
			j.children = append(j.children[:i], j.children[i+1:]...)
			j.deadRuntime.Add(c.deadRuntime)
			j.updateChildSignalsLocked()
			return
		}
	}
}

// Kill kills every process and job in j's subtree, then j itself, which
// asserts ZX_JOB_TERMINATED. Killing a dead job does nothing.
func (j *Job) Kill(retcode int64) {
	jobTreeMu.Lock()
	if j.dead {
		jobTreeMu.Unlock()
		return
	}
	j.dead = true
	j.retcode = retcode
	procs := append([]*Process(nil), j.procs...)
	var kids []*Job
	for _, c := range j.children {
		if c.tryAddRef() {
			kids = append(kids, c)
		}
	}
	var live []*Process
	for _, p := range procs {
		if p.tryAddRef() {
			live = append(live, p)
		}
	}
	jobTreeMu.Unlock()

	for _, p := range live {
		p.Kill(retcode)
		p.Release()
	}
	for _, c := range kids {
		c.Kill(retcode)
		c.Release()
	}
	jobTreeMu.Lock()
	if j.parent != nil {
		j.parent.removeChildLocked(j)
	}
	jobTreeMu.Unlock()
	j.exc.Shutdown()
	j.debugExc.Shutdown()
	j.mu.Lock()
	j.UpdateStateLocked(0, JobTerminated)
	j.mu.Unlock()
}

// OnDestroy removes the job from its parent and drops its reference.
func (j *Job) OnDestroy() {
	j.exc.Shutdown()
	j.debugExc.Shutdown()
	if j.parent == nil {
		return
	}
	jobTreeMu.Lock()
	j.parent.removeChildLocked(j)
	jobTreeMu.Unlock()
	j.parent.Release()
}

func (j *Job) allowedUserSignals() Signals { return UserSignalAll }

// JobCreate is zx_job_create: a child job of parent (which needs
// ZX_RIGHT_MANAGE_JOB).
func JobCreate(p *Process, parent Handle, options uint32) (Handle, Status) {
	if options != 0 {
		return HandleInvalid, ErrInvalidArgs
	}
	pj, st := lookupAs[*Job](p, parent, ObjTypeJob, RightManageJob)
	if st != OK {
		return HandleInvalid, st
	}
	defer pj.Release()
	j, st := NewJob(pj)
	if st != OK {
		return HandleInvalid, st
	}
	return p.installNew(j, DefaultJobRights)
}

// ProcessCreate creates a process in job (which needs
// ZX_RIGHT_MANAGE_PROCESS) subject to ZX_POL_NEW_PROCESS. It is the part of
// zx_process_create that exists before user mode: no address space yet.
func ProcessCreate(p *Process, job Handle, name string, options uint32) (*Process, Handle, Status) {
	j, st := lookupAs[*Job](p, job, ObjTypeJob, RightManageProcess)
	if st != OK {
		return nil, HandleInvalid, st
	}
	defer j.Release()
	if options != 0 {
		return nil, HandleInvalid, ErrInvalidArgs
	}
	if st := p.EnforceBasicPolicy(PolNewProcess); st != OK {
		return nil, HandleInvalid, st
	}
	np, st := NewProcess(j, name, ProcessConfig{})
	if st != OK {
		return nil, HandleInvalid, st
	}
	np.AddRef()
	h, st := p.installNew(np, DefaultProcessRights)
	if st != OK {
		np.Release()
		return nil, HandleInvalid, st
	}
	return np, h, OK
}

// TaskKill is zx_task_kill for jobs and processes (needs ZX_RIGHT_DESTROY).
func TaskKill(p *Process, h Handle) Status {
	obj, _, st := p.lookupMask(h, 1<<ObjTypeJob|1<<ObjTypeProcess, RightDestroy)
	if st != OK {
		return st
	}
	defer obj.base().Release()
	switch t := obj.(type) {
	case *Job:
		t.Kill(TaskRetcodeSyscallKill)
	case *Process:
		t.Kill(TaskRetcodeSyscallKill)
	}
	return OK
}

// PolicyBasicMaxCount is the most entries one zx_job_set_policy call takes
// (Zircon's job_set_policy_basic: more is INVALID_ARGS).
const PolicyBasicMaxCount = 32

// JobSetPolicyBasic is zx_job_set_policy for ZX_JOB_POL_BASIC_V1/V2 (needs
// ZX_RIGHT_SET_POLICY). For V1 every entry's Flags is taken as
// ZX_POL_OVERRIDE_DENY, as Zircon converts them. The job must be empty.
func JobSetPolicyBasic(p *Process, h Handle, options, topic uint32, entries []PolicyBasic) Status {
	if options != JobPolRelative && options != JobPolAbsolute {
		return ErrInvalidArgs
	}
	if len(entries) == 0 {
		return ErrInvalidArgs
	}
	j, st := lookupAs[*Job](p, h, ObjTypeJob, RightSetPolicy)
	if st != OK {
		return st
	}
	defer j.Release()
	if topic != JobPolBasicV1 && topic != JobPolBasicV2 {
		return ErrInvalidArgs
	}
	if len(entries) > PolicyBasicMaxCount {
		return ErrInvalidArgs
	}
	in := entries
	if topic == JobPolBasicV1 {
		in = make([]PolicyBasic, len(entries))
		for i, e := range entries {
			in[i] = PolicyBasic{Condition: e.Condition, Action: e.Action, Flags: PolOverrideDeny}
		}
	}
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	if len(j.children) != 0 || len(j.procs) != 0 {
		return ErrBadState
	}
	np := j.policy
	if st := np.addBasic(options, in); st != OK {
		return st
	}
	j.policy = np
	return OK
}

// JobSetPolicyTimerSlack is zx_job_set_policy for ZX_JOB_POL_TIMER_SLACK.
// The job's minimum slack is never below its parent's.
func JobSetPolicyTimerSlack(p *Process, h Handle, options uint32, pol PolicyTimerSlack) Status {
	if options != JobPolRelative {
		return ErrInvalidArgs
	}
	j, st := lookupAs[*Job](p, h, ObjTypeJob, RightSetPolicy)
	if st != OK {
		return st
	}
	defer j.Release()
	if pol.MinSlack < 0 || pol.DefaultMode > TimerSlackLate {
		return ErrInvalidArgs
	}
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	if len(j.children) != 0 || len(j.procs) != 0 {
		return ErrBadState
	}
	min := pol.MinSlack
	if j.parent != nil && j.parent.policy.slackMin > min {
		min = j.parent.policy.slackMin
	}
	j.policy.slackMin = min
	j.policy.slackMode = pol.DefaultMode
	return OK
}

// ObjectGetChild is zx_object_get_child on a job (needs
// ZX_RIGHT_ENUMERATE): a new handle to the child job or process with koid
// koid, with the job handle's rights (ZX_RIGHT_SAME_RIGHTS) or a subset of
// them (more is ZX_ERR_ACCESS_DENIED, as in Zircon); ZX_ERR_NOT_FOUND when
// no live child has that koid. A process's threads live outside the
// object core: for a process handle this returns ZX_ERR_WRONG_TYPE and
// the syscall layer asks kernel/proc.
func ObjectGetChild(p *Process, h Handle, koid Koid, rights Rights) (Handle, Status) {
	j, have, st := p.lookup(h, ObjTypeJob, RightEnumerate)
	if st != OK {
		return HandleInvalid, st
	}
	defer j.base().Release()
	job := j.(*Job)
	if rights == RightSameRights {
		rights = have
	} else if have&rights != rights {
		return HandleInvalid, ErrAccessDenied
	}
	var child Object
	jobTreeMu.Lock()
	for _, c := range job.children {
		if c.koid == koid && !c.dead {
			child = c
		}
	}
	for _, c := range job.procs {
		if c.koid == koid && c.state != procDead {
			child = c
		}
	}
	if child != nil {
		child.base().AddRef()
	}
	jobTreeMu.Unlock()
	if child == nil {
		return HandleInvalid, ErrNotFound
	}
	return p.installNew(child, rights)
}
