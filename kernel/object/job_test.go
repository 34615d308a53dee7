package object

import (
	"encoding/binary"
	"testing"
)

// jobHandle gives e.p a handle to its own root job.
func (e *env) jobHandle() Handle {
	e.root.AddRef()
	return must(e.p.installNew(e.root, DefaultJobRights))
}

func TestJobTreeAndKill(t *testing.T) {
	e := newEnv(t)
	root := e.jobHandle()
	_, st := JobCreate(e.p, root, 1)
	wantStatus(t, "options", st, ErrInvalidArgs)
	child := must(JobCreate(e.p, root, 0))
	grand := must(JobCreate(e.p, child, 0))
	proc, ph, st := ProcessCreate(e.p, grand, "worker", 0)
	wantStatus(t, "process create", st, OK)
	proc.Release()
	pev := must(EventCreate(proc, 0))
	_ = pev

	kids := must(ObjectGetInfoJobChildren(e.p, root))
	if len(kids) != 1 || kids[0] != must(ObjectGetInfoHandleBasic(e.p, child)).Koid {
		t.Errorf("children %v", kids)
	}
	procs := must(ObjectGetInfoJobProcesses(e.p, grand))
	if len(procs) != 1 || procs[0] != must(ObjectGetInfoHandleBasic(e.p, ph)).Koid {
		t.Errorf("processes %v", procs)
	}
	if s, _ := ObjectWaitOne(e.p, grand, JobNoProcesses, 0); s&JobNoProcesses != 0 {
		t.Error("NO_PROCESSES while one runs")
	}
	ib := must(ObjectGetInfoHandleBasic(e.p, grand))
	if ib.RelatedKoid != must(ObjectGetInfoHandleBasic(e.p, child)).Koid {
		t.Error("job related koid is not the parent")
	}
	if must(ObjectGetInfoHandleBasic(e.p, ph)).RelatedKoid != ib.Koid {
		t.Error("process related koid is not its job")
	}

	noDestroy := must(HandleDuplicate(e.p, child, RightWait))
	wantStatus(t, "kill no right", TaskKill(e.p, noDestroy), ErrAccessDenied)
	wantStatus(t, "kill wrong type", TaskKill(e.p, e.event()), ErrWrongType)
	wantStatus(t, "kill subtree", TaskKill(e.p, child), OK)
	if !proc.Dead() || proc.table.Len() != 0 {
		t.Error("process survived job kill")
	}
	for _, h := range []Handle{child, grand} {
		if s, _ := ObjectWaitOne(e.p, h, JobTerminated, 0); s&JobTerminated == 0 {
			t.Errorf("job %#x not terminated", h)
		}
	}
	if s, _ := ObjectWaitOne(e.p, ph, ProcessTerminated, 0); s&ProcessTerminated == 0 {
		t.Error("process not terminated")
	}
	pi := must(ObjectGetInfoProcess(e.p, ph))
	if !pi.Exited || pi.ReturnCode != TaskRetcodeSyscallKill {
		t.Errorf("process info %+v", pi)
	}
	ji := must(ObjectGetInfoJob(e.p, grand))
	if !ji.Exited || ji.ReturnCode != TaskRetcodeSyscallKill {
		t.Errorf("job info %+v", ji)
	}
	_, st = JobCreate(e.p, grand, 0)
	wantStatus(t, "create under dead job", st, ErrBadState)
	_, _, st = ProcessCreate(e.p, grand, "x", 0)
	wantStatus(t, "process under dead job", st, ErrBadState)
	if kids := must(ObjectGetInfoJobChildren(e.p, root)); len(kids) != 0 {
		t.Errorf("dead child still listed: %v", kids)
	}
	wantStatus(t, "kill process", TaskKill(e.p, ph), OK)
}

func TestJobHeight(t *testing.T) {
	e := newEnv(t)
	h := e.jobHandle()
	var st Status
	n := 0
	for {
		var c Handle
		c, st = JobCreate(e.p, h, 0)
		if st != OK {
			break
		}
		h = c
		n++
	}
	wantStatus(t, "too deep", st, ErrOutOfRange)
	if n != MaxJobHeight-1 {
		t.Errorf("depth %d", n)
	}
}

func TestJobPolicy(t *testing.T) {
	e := newEnv(t)
	root := e.jobHandle()
	j := must(JobCreate(e.p, root, 0))
	deny := []PolicyBasic{{Condition: PolNewEvent, Action: PolActionDeny}}
	wantStatus(t, "options", JobSetPolicyBasic(e.p, j, 5, JobPolBasicV1, deny), ErrInvalidArgs)
	wantStatus(t, "empty", JobSetPolicyBasic(e.p, j, JobPolRelative, JobPolBasicV1, nil), ErrInvalidArgs)
	wantStatus(t, "topic", JobSetPolicyBasic(e.p, j, JobPolRelative, 7, deny), ErrInvalidArgs)
	wantStatus(t, "too many", JobSetPolicyBasic(e.p, j, JobPolRelative, JobPolBasicV1, make([]PolicyBasic, 33)), ErrInvalidArgs)
	wantStatus(t, "condition", JobSetPolicyBasic(e.p, j, JobPolRelative, JobPolBasicV1, []PolicyBasic{{Condition: 99}}), ErrInvalidArgs)
	wantStatus(t, "action", JobSetPolicyBasic(e.p, j, JobPolRelative, JobPolBasicV1, []PolicyBasic{{Condition: 0, Action: 9}}), ErrNotSupported)
	wantStatus(t, "flags", JobSetPolicyBasic(e.p, j, JobPolRelative, JobPolBasicV2, []PolicyBasic{{Condition: 0, Flags: 4}}), ErrInvalidArgs)
	noSet := must(HandleDuplicate(e.p, j, RightWait))
	wantStatus(t, "rights", JobSetPolicyBasic(e.p, noSet, JobPolRelative, JobPolBasicV1, deny), ErrAccessDenied)
	wantStatus(t, "set", JobSetPolicyBasic(e.p, j, JobPolRelative, JobPolBasicV1, deny), OK)

	// V1 entries cannot be overridden: absolute conflicts, relative is
	// ignored.
	sub := must(JobCreate(e.p, j, 0))
	allow := []PolicyBasic{{Condition: PolNewEvent, Action: PolActionAllow}}
	wantStatus(t, "absolute conflict", JobSetPolicyBasic(e.p, sub, JobPolAbsolute, JobPolBasicV1, allow), ErrAlreadyExists)
	wantStatus(t, "relative ignored", JobSetPolicyBasic(e.p, sub, JobPolRelative, JobPolBasicV1, allow), OK)
	wantStatus(t, "job not empty", JobSetPolicyBasic(e.p, j, JobPolRelative, JobPolBasicV1, deny), ErrBadState)

	q, qh, st := ProcessCreate(e.p, sub, "q", 0)
	wantStatus(t, "process", st, OK)
	defer q.Release()
	_ = qh
	_, st = EventCreate(q, 0)
	wantStatus(t, "denied event", st, ErrAccessDenied)
	must(PortCreate(q, 0))

	// NEW_ANY covers every NEW_* condition.
	j2 := must(JobCreate(e.p, root, 0))
	wantStatus(t, "new any", JobSetPolicyBasic(e.p, j2, JobPolRelative, JobPolBasicV2,
		[]PolicyBasic{{Condition: PolNewAny, Action: PolActionDeny}}), OK)
	r, _, _ := ProcessCreate(e.p, j2, "r", 0)
	defer r.Release()
	for name, f := range map[string]func() Status{
		"channel":   func() Status { _, _, st := ChannelCreate(r, 0); return st },
		"eventpair": func() Status { _, _, st := EventPairCreate(r, 0); return st },
		"socket":    func() Status { _, _, st := SocketCreate(r, 0); return st },
		"fifo":      func() Status { _, _, st := FIFOCreate(r, 1, 1, 0); return st },
		"port":      func() Status { _, st := PortCreate(r, 0); return st },
		"timer":     func() Status { _, st := TimerCreate(r, 0, 0); return st },
		"event":     func() Status { _, st := EventCreate(r, 0); return st },
	} {
		wantStatus(t, "new any "+name, f(), ErrAccessDenied)
	}
	// Zircon checks these options after the policy (in the dispatcher's
	// Create); channel, event and eventpair check them before.
	for name, f := range map[string]func() Status{
		"socket options": func() Status { _, _, st := SocketCreate(r, 0x80); return st },
		"fifo sizes":     func() Status { _, _, st := FIFOCreate(r, 0, 0, 0); return st },
		"port options":   func() Status { _, st := PortCreate(r, 0x80); return st },
		"timer options":  func() Status { _, st := TimerCreate(r, 9, 0); return st },
	} {
		wantStatus(t, "new any, bad "+name, f(), ErrAccessDenied)
	}
	for name, f := range map[string]func() Status{
		"channel":     func() Status { _, _, st := ChannelCreate(r, 1); return st },
		"event":       func() Status { _, st := EventCreate(r, 1); return st },
		"timer clock": func() Status { _, st := TimerCreate(r, 0, 9); return st },
	} {
		wantStatus(t, "new any, bad "+name, f(), ErrInvalidArgs)
	}
	_, _, st = EventPairCreate(r, 1)
	wantStatus(t, "new any, bad eventpair options", st, ErrNotSupported)
	j2obj := e.p.table.Get(j2).obj
	j2obj.base().AddRef()
	rj := must(r.installNew(j2obj, DefaultJobRights))
	_, _, st = ProcessCreate(r, rj, "x", 0)
	wantStatus(t, "new process", st, ErrAccessDenied)
}

func TestBadHandlePolicy(t *testing.T) {
	e := newEnv(t)
	root := e.jobHandle()
	mk := func(action uint32) *Process {
		j := must(JobCreate(e.p, root, 0))
		wantStatus(t, "set", JobSetPolicyBasic(e.p, j, JobPolRelative, JobPolBasicV1,
			[]PolicyBasic{{Condition: PolBadHandle, Action: action}}), OK)
		p, _, st := ProcessCreate(e.p, j, "p", 0)
		wantStatus(t, "create", st, OK)
		t.Cleanup(p.Release)
		return p
	}
	deny := mk(PolActionDeny)
	wantStatus(t, "deny", HandleClose(deny, 0x123), ErrBadHandle)
	if deny.Dead() || deny.PolicyExceptions() != 0 {
		t.Error("deny killed or raised")
	}
	exc := mk(PolActionAllowException)
	var raised []uint32
	exc.SetExceptionHook(func(p *Process, c uint32) { raised = append(raised, c) })
	wantStatus(t, "exception", HandleClose(exc, 0x123), ErrBadHandle)
	if len(raised) != 1 || raised[0] != PolBadHandle || exc.PolicyExceptions() != 1 {
		t.Errorf("raised %v", raised)
	}
	dexc := mk(PolActionDenyException)
	_, st := HandleDuplicate(dexc, 0x77, RightSameRights)
	wantStatus(t, "deny exception", st, ErrBadHandle)
	if dexc.PolicyExceptions() != 1 {
		t.Error("deny exception not raised")
	}
	// HANDLE_VALID is exempt from the policy.
	kill := mk(PolActionKill)
	wantStatus(t, "valid exempt", ObjectGetInfoHandleValid(kill, 0x55), ErrBadHandle)
	if kill.Dead() {
		t.Fatal("HANDLE_VALID applied the policy")
	}
	h := must(EventCreate(kill, 0))
	_, st = ObjectWaitOne(kill, 0x55, SignalUser0, 0)
	wantStatus(t, "kill", st, ErrBadHandle)
	if !kill.Dead() || kill.table.Get(h) != nil {
		t.Error("process not killed by policy")
	}
	info := must(ObjectGetInfoProcess(e.p, must(e.p.installNew(kill, DefaultProcessRights))))
	kill.AddRef()
	if info.ReturnCode != TaskRetcodePolicyKill {
		t.Errorf("retcode %d", info.ReturnCode)
	}
	_, st = EventCreate(kill, 0)
	wantStatus(t, "dead process table", st, ErrBadState)
}

func TestTimerSlackPolicy(t *testing.T) {
	e := newEnv(t)
	root := e.jobHandle()
	j := must(JobCreate(e.p, root, 0))
	wantStatus(t, "options", JobSetPolicyTimerSlack(e.p, j, JobPolAbsolute, PolicyTimerSlack{}), ErrInvalidArgs)
	wantStatus(t, "mode", JobSetPolicyTimerSlack(e.p, j, 0, PolicyTimerSlack{DefaultMode: 3}), ErrInvalidArgs)
	wantStatus(t, "negative", JobSetPolicyTimerSlack(e.p, j, 0, PolicyTimerSlack{MinSlack: -1}), ErrInvalidArgs)
	wantStatus(t, "set", JobSetPolicyTimerSlack(e.p, j, 0, PolicyTimerSlack{MinSlack: 500, DefaultMode: TimerSlackEarly}), OK)
	sub := must(JobCreate(e.p, j, 0))
	wantStatus(t, "child lower", JobSetPolicyTimerSlack(e.p, sub, 0, PolicyTimerSlack{MinSlack: 100}), OK)
	q, _, _ := ProcessCreate(e.p, sub, "q", 0)
	defer q.Release()
	if min, mode := q.Policy().TimerSlack(); min != 500 || mode != TimerSlackCenter {
		t.Errorf("slack %d mode %d", min, mode)
	}
	tm := must(TimerCreate(q, 0, 0))
	TimerSet(q, tm, Now()+1e12, 10)
	if info := must(ObjectGetInfoTimer(q, tm)); info.Slack != 500 {
		t.Errorf("slack not raised: %d", info.Slack)
	}
	wantStatus(t, "not empty", JobSetPolicyTimerSlack(e.p, sub, 0, PolicyTimerSlack{}), ErrBadState)
}

func TestGetInfo(t *testing.T) {
	e := newEnv(t)
	ev := e.event()
	dup := must(HandleDuplicate(e.p, ev, RightWait|RightInspect))
	if n := must(ObjectGetInfoHandleCount(e.p, ev)); n != 2 {
		t.Errorf("handle count %d", n)
	}
	self := must(e.p.installNew(e.p, DefaultProcessRights))
	e.p.AddRef()
	stats := must(ObjectGetInfoProcessHandleStats(e.p, self))
	if stats.HandleCount[ObjTypeEvent] != 2 || stats.HandleCount[ObjTypeProcess] != 1 {
		t.Errorf("stats %v", stats.HandleCount[:8])
	}
	_, st := ObjectGetInfoProcessHandleStats(e.p, ev)
	wantStatus(t, "stats wrong type", st, ErrWrongType)
	noInspect := must(HandleDuplicate(e.p, ev, RightWait))
	_, st = ObjectGetInfoHandleCount(e.p, noInspect)
	wantStatus(t, "count rights", st, ErrAccessDenied)
	// HANDLE_BASIC needs no rights.
	if ib := must(ObjectGetInfoHandleBasic(e.p, noInspect)); ib.Type != ObjTypeEvent || ib.Props != ObjPropWaitable || ib.Rights != RightWait {
		t.Errorf("basic %+v", ib)
	}
	port := must(PortCreate(e.p, 0))
	if ib := must(ObjectGetInfoHandleBasic(e.p, port)); ib.Props != ObjPropNone {
		t.Error("port waitable")
	}

	// Byte encoding.
	buf := make([]byte, 512)
	act, av, st := ObjectGetInfo(e.p, dup, InfoHandleBasic, buf)
	if st != OK || act != 1 || av != 1 {
		t.Fatalf("basic: %d %d %v", act, av, st)
	}
	if k := Koid(binary.LittleEndian.Uint64(buf)); k != must(ObjectGetInfoHandleBasic(e.p, ev)).Koid ||
		Rights(binary.LittleEndian.Uint32(buf[8:])) != RightWait|RightInspect ||
		ObjType(binary.LittleEndian.Uint32(buf[12:])) != ObjTypeEvent || buf[24] != 1 {
		t.Errorf("encoded % x", buf[:32])
	}
	_, av, st = ObjectGetInfo(e.p, dup, InfoHandleBasic, buf[:31])
	wantStatus(t, "small", st, ErrBufferTooSmall)
	if av != 1 {
		t.Error("avail")
	}
	_, _, st = ObjectGetInfo(e.p, dup, 1234, buf)
	wantStatus(t, "topic", st, ErrNotSupported)
	wantStatus(t, "valid", func() Status { _, _, st := ObjectGetInfo(e.p, dup, InfoHandleValid, nil); return st }(), OK)
	if _, _, st := ObjectGetInfo(e.p, ev, InfoHandleCount, buf); st != OK || binary.LittleEndian.Uint32(buf) != 3 {
		t.Error("count encoding")
	}
	if _, _, st := ObjectGetInfo(e.p, self, InfoProcessHandleStats, buf); st != OK || binary.LittleEndian.Uint32(buf[4*ObjTypeEvent:]) != 3 {
		t.Error("stats encoding")
	}
	act, av, st = ObjectGetInfo(e.p, self, InfoHandleTable, buf[:80])
	if st != OK || act != 2 || av != e.p.table.Len() {
		t.Errorf("handle table %d %d %v", act, av, st)
	}
	if _, _, st := ObjectGetInfo(e.p, self, InfoProcess, buf); st != OK || buf[8] != 0 {
		t.Error("process encoding")
	}
	root := e.jobHandle()
	must(JobCreate(e.p, root, 0))
	if act, av, st := ObjectGetInfo(e.p, root, InfoJobChildren, buf[:4]); st != OK || act != 0 || av != 1 {
		t.Errorf("children small %d %d %v", act, av, st)
	}
	if act, _, st := ObjectGetInfo(e.p, root, InfoJobProcesses, buf); st != OK || act != 1 ||
		Koid(binary.LittleEndian.Uint64(buf)) != e.p.Koid() {
		t.Error("processes encoding")
	}
	if _, _, st := ObjectGetInfo(e.p, root, InfoJob, buf); st != OK || buf[8] != 0 {
		t.Error("job encoding")
	}
	s0, _ := must2(SocketCreate(e.p, 0))
	if _, _, st := ObjectGetInfo(e.p, s0, InfoSocket, buf); st != OK || binary.LittleEndian.Uint64(buf[8:]) != uint64(SocketBufferSize) {
		t.Error("socket encoding")
	}
	tm := must(TimerCreate(e.p, TimerSlackEarly, 0))
	if _, _, st := ObjectGetInfo(e.p, tm, InfoTimer, buf); st != OK || binary.LittleEndian.Uint32(buf) != TimerSlackEarly {
		t.Error("timer encoding")
	}
	_, _, st = ObjectGetInfo(e.p, 0x33, InfoHandleBasic, buf)
	wantStatus(t, "bad", st, ErrBadHandle)

	// Names.
	wantStatus(t, "set name", ObjectSetName(e.p, self, "a-very-long-process-name-beyond-32-bytes"), OK)
	if n := must(ObjectGetName(e.p, self)); len(n) != MaxNameLen-1 || e.p.Name() != n {
		t.Errorf("name %q", n)
	}
	wantStatus(t, "set job name", ObjectSetName(e.p, root, "r"), OK)
	if n := must(ObjectGetName(e.p, root)); n != "r" {
		t.Errorf("job name %q", n)
	}
	_, st = ObjectGetName(e.p, ev)
	wantStatus(t, "name wrong type", st, ErrWrongType)
}

func TestStatusNames(t *testing.T) {
	if ErrBadHandle.String() != "ZX_ERR_BAD_HANDLE" || OK.String() != "ZX_OK" || Status(-999).String() != "zx_status_t(-999)" {
		t.Error("status names")
	}
}

// TestKillHookAfterKill: a kill that lands before the kill hook is
// installed leaves the hook out and SetKillHook says so, so that whoever
// built the process tears it down; installed in time, the kill runs it.
func TestKillHookAfterKill(t *testing.T) {
	e := newEnv(t)
	j, st := NewJob(e.root)
	wantStatus(t, "job", st, OK)
	defer j.Release()
	early, st := NewProcess(j, "early", ProcessConfig{})
	wantStatus(t, "process", st, OK)
	ran := 0
	if !early.SetKillHook(func(int64) { ran++ }) {
		t.Fatal("SetKillHook on a live process reported it dead")
	}
	late, st := NewProcess(j, "late", ProcessConfig{})
	wantStatus(t, "process", st, OK)
	j.Kill(TaskRetcodeSyscallKill)
	if ran != 1 {
		t.Errorf("the installed hook ran %d times, want 1", ran)
	}
	if late.SetKillHook(func(int64) { t.Error("hook installed on a dead process ran") }) {
		t.Error("SetKillHook on a killed process reported success")
	}
	late.Kill(0)
	early.Release()
	late.Release()
	_, st = NewProcess(j, "dead", ProcessConfig{})
	wantStatus(t, "process in a killed job", st, ErrBadState)
}
