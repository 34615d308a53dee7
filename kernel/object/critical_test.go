package object

import "testing"

// TestCriticalProcess: job_set_critical's object part. A process critical
// to an ancestor job kills that job (and its tree) when it dies, with
// ZX_TASK_RETCODE_CRITICAL_PROCESS_KILL; with the nonzero option only
// for a non-zero return code; a job outside the ancestry is INVALID_ARGS,
// a second call ALREADY_BOUND.
func TestCriticalProcess(t *testing.T) {
	root := NewRootJob()
	defer root.Release()
	outer := must(NewJob(root))
	defer outer.Release()
	inner := must(NewJob(outer))
	defer inner.Release()
	p1 := must(NewProcess(outer, "p1", ProcessConfig{}))
	defer p1.Release()
	p2 := must(NewProcess(inner, "p2", ProcessConfig{}))
	defer p2.Release()

	wantStatus(t, "not an ancestor", p1.SetCriticalToJob(inner, false), ErrInvalidArgs)
	wantStatus(t, "grandparent", p2.SetCriticalToJob(outer, false), OK)
	wantStatus(t, "again", p2.SetCriticalToJob(inner, false), ErrAlreadyBound)

	p2.Kill(TaskRetcodeSyscallKill)
	if !outer.Dead() || !inner.Dead() || !p1.Dead() {
		t.Fatalf("after the critical process died: outer dead %v, inner %v, p1 %v", outer.Dead(), inner.Dead(), p1.Dead())
	}
	if rc := p1.Retcode(); rc != TaskRetcodeCriticalProcessKill {
		t.Errorf("sibling's return code %d, want %d", rc, TaskRetcodeCriticalProcessKill)
	}
	if s := outer.Signals(); s&JobTerminated == 0 {
		t.Error("the job is not TERMINATED")
	}

	// RETCODE_NONZERO: exit 0 leaves the job alive, a non-zero one not.
	j := must(NewJob(root))
	defer j.Release()
	for _, c := range []struct {
		code int64
		dies bool
	}{{0, false}, {3, true}} {
		p := must(NewProcess(j, "p", ProcessConfig{}))
		wantStatus(t, "nonzero", p.SetCriticalToJob(j, true), OK)
		p.Kill(c.code)
		if j.Dead() != c.dies {
			t.Errorf("exit %d: job dead %v, want %v", c.code, j.Dead(), c.dies)
		}
		p.Release()
	}
}

// TestKillJobOnOOM: the deepest live job with the kill-on-OOM bit dies
// with ZX_TASK_RETCODE_OOM_KILL; none set, nothing dies.
func TestKillJobOnOOM(t *testing.T) {
	root := NewRootJob()
	defer root.Release()
	a := must(NewJob(root))
	defer a.Release()
	b := must(NewJob(a))
	defer b.Release()
	p := must(NewProcess(b, "p", ProcessConfig{}))
	defer p.Release()
	if KillJobOnOOM(root) {
		t.Fatal("a job died with no kill-on-OOM bit set")
	}
	a.SetKillOnOOM(true)
	b.SetKillOnOOM(true)
	if !a.KillOnOOM() {
		t.Error("bit not set")
	}
	if !KillJobOnOOM(root) || !b.Dead() || a.Dead() {
		t.Fatalf("first OOM kill: a dead %v, b dead %v", a.Dead(), b.Dead())
	}
	if p.Retcode() != TaskRetcodeOOMKill {
		t.Errorf("process return code %d", p.Retcode())
	}
	if !KillJobOnOOM(root) || !a.Dead() {
		t.Fatal("second OOM kill")
	}
	if KillJobOnOOM(root) {
		t.Error("a third job died")
	}
	b.SetKillOnOOM(false)
}
