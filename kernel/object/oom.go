package object

// Jobs killed on out-of-memory (ZX_PROP_JOB_KILL_ON_OOM): when a page
// cannot be found for a user fault, the kernel first kills a job that
// asked for it, as Zircon's OOM handling does (JobDispatcher::
// KillJobWithKillOnOOM), and ends only the faulting process if there is
// none.

// SetKillOnOOM sets or clears the job's kill-on-OOM bit.
func (j *Job) SetKillOnOOM(on bool) {
	jobTreeMu.Lock()
	j.killOnOOM = on
	jobTreeMu.Unlock()
}

// KillOnOOM reports the job's kill-on-OOM bit.
func (j *Job) KillOnOOM() bool {
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	return j.killOnOOM
}

// KillJobOnOOM kills one live job of root's tree whose kill-on-OOM bit is
// set, the deepest first (its processes are the most specific), with
// ZX_TASK_RETCODE_OOM_KILL; it reports whether it found one.
func KillJobOnOOM(root *Job) bool {
	jobTreeMu.Lock()
	victim := oomVictimLocked(root)
	if victim != nil && !victim.tryAddRef() {
		victim = nil
	}
	jobTreeMu.Unlock()
	if victim == nil {
		return false
	}
	victim.Kill(TaskRetcodeOOMKill)
	victim.Release()
	return true
}

// oomVictimLocked is the deepest live job under j (j included) with the
// bit set, or nil. jobTreeMu held.
func oomVictimLocked(j *Job) *Job {
	if j.dead {
		return nil
	}
	for _, c := range j.children {
		if v := oomVictimLocked(c); v != nil {
			return v
		}
	}
	if j.killOnOOM {
		return j
	}
	return nil
}
