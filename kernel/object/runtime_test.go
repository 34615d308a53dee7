package object

import "testing"

// TestDeadProcessRuntime: a killed process keeps the runtime it had when
// it died, the same its job took over, however the live figure (its
// threads still stopping, then its runner's state gone) moves after.
func TestDeadProcessRuntime(t *testing.T) {
	live := TaskRuntime{CPU: 2000, Queue: 700}
	saved := ProcessRuntime
	ProcessRuntime = func(*Process) TaskRuntime { return live }
	defer func() { ProcessRuntime = saved }()
	root := NewRootJob()
	defer root.Release()
	job := must(NewJob(root))
	defer job.Release()
	p := must(NewProcess(job, "p", ProcessConfig{}))
	defer p.Release()

	if _, ok := p.DeadRuntime(); ok {
		t.Fatal("a live process has a dead runtime")
	}
	p.Kill(TaskRetcodeSyscallKill)
	want := live
	live = TaskRuntime{} // the runner forgot the process
	if r, ok := p.DeadRuntime(); !ok || r != want {
		t.Errorf("dead runtime %+v, %v; want %+v", r, ok, want)
	}
	if r := job.Runtime(); r != want {
		t.Errorf("job runtime %+v, want %+v", r, want)
	}
	p.Kill(0) // a second kill changes nothing
	if r, _ := p.DeadRuntime(); r != want {
		t.Errorf("after a second kill: %+v, want %+v", r, want)
	}
}
