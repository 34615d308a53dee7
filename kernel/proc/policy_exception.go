package proc

import (
	"beryl/kernel/linux"
	"beryl/kernel/object"
)

// Policy exceptions: a job policy action ALLOW_EXCEPTION or
// DENY_EXCEPTION makes the object core call the process's exception
// hook inside the system call; the condition waits here, and the thread
// raises ZX_EXCP_POLICY_ERROR (synth_code = the ZX_POL_* condition) when
// the call returns, before it runs user code again, as Zircon's pending
// policy exception. The hook does not name the thread: in a process
// whose threads violate policy at the same time, each raises one of the
// pending exceptions, not necessarily its own.

// queuePolicyException is the process object's exception hook.
func (p *Process) queuePolicyException(_ *object.Process, condition uint32) {
	p.polMu.Lock()
	p.polPending = append(p.polPending, condition)
	p.polCount.Add(1)
	p.polMu.Unlock()
}

// takePolicyException returns a pending policy condition, if any.
func (p *Process) takePolicyException() (uint32, bool) {
	if p.polCount.Load() == 0 {
		return 0, false
	}
	p.polMu.Lock()
	defer p.polMu.Unlock()
	if len(p.polPending) == 0 {
		return 0, false
	}
	c := p.polPending[0]
	p.polPending = p.polPending[1:]
	p.polCount.Add(-1)
	return c, true
}

// policyExceptions raises the pending policy exceptions after a system
// call of t; an unhandled one kills the process with
// ZX_TASK_RETCODE_EXCEPTION_KILL.
func (t *Thread) policyExceptions() {
	for !t.P.killed.Load() && !t.exitReq.Load() {
		c, ok := t.P.takePolicyException()
		if !ok {
			return
		}
		switch t.raise(object.ExcpPolicyError, object.ExceptionReport{SynthCode: c}) {
		case excThreadExit:
			t.exitReq.Store(true)
		case excUnhandled:
			t.P.exceptionKill(t, "policy exception", linux.SIGKILL)
		}
	}
}
