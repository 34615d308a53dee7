package object

import (
	"encoding/binary"
	"testing"
)

// fakeThread stands in for kernel/proc's thread object.
type fakeThread struct{ Base }

func newFakeThread() *fakeThread {
	t := &fakeThread{}
	t.Base.Init(t, ObjTypeThread, nil, true, 0)
	return t
}

func TestExceptionateBind(t *testing.T) {
	e := newEnv(t)
	var x Exceptionate
	u, r, st := x.Bind(RightInspect, 0)
	wantStatus(t, "Bind", st, OK)
	if r != RightTransfer|RightWait|RightRead {
		t.Errorf("user end rights %v, want TRANSFER|WAIT|READ", r)
	}
	h := must(e.p.Install(u, r))
	_, _, st = x.Bind(RightInspect, 0)
	wantStatus(t, "second Bind", st, ErrAlreadyBound)
	if !x.Bound() {
		t.Error("not bound")
	}
	// Closing the user end frees the slot.
	wantStatus(t, "close", HandleClose(e.p, h), OK)
	if x.Bound() {
		t.Error("bound after its user end closed")
	}
	u, r, st = x.Bind(RightInspect, 0)
	wantStatus(t, "Bind after close", st, OK)
	h = must(e.p.Install(u, r))
	x.Shutdown()
	if u.Signals()&ChannelPeerClosed == 0 {
		t.Error("user end not PEER_CLOSED after Shutdown")
	}
	_, _, st = x.Bind(RightInspect, 0)
	wantStatus(t, "Bind after Shutdown", st, ErrBadState)
	wantStatus(t, "close", HandleClose(e.p, h), OK)
}

func TestExceptionSendAndClose(t *testing.T) {
	e := newEnv(t)
	th := newFakeThread()
	defer th.Release()
	ex := NewException(th, e.p, ExcpFatalPageFault, ExceptionReport{Vector: 14, ErrCode: 6, CR2: 0x1000})
	defer ex.Release()
	var x Exceptionate
	defer x.Shutdown()
	if _, st := x.Send(ex, ExceptionChannelTypeProcess); st != ErrNext {
		t.Fatalf("Send without a channel: %v, want ZX_ERR_NEXT", st)
	}
	u, r, _ := x.Bind(RightInspect|RightDuplicate, RightInspect)
	ch := must(e.p.Install(u, r))
	done, st := x.Send(ex, ExceptionChannelTypeProcess)
	wantStatus(t, "Send", st, OK)
	var b [ExceptionInfoSize]byte
	var hs [1]Handle
	nb, nh, st := ChannelRead(e.p, ch, 0, b[:], hs[:])
	wantStatus(t, "read", st, OK)
	if nb != ExceptionInfoSize || nh != 1 {
		t.Fatalf("read %d bytes %d handles", nb, nh)
	}
	if pid, tid, typ := binary.LittleEndian.Uint64(b[0:]), binary.LittleEndian.Uint64(b[8:]), binary.LittleEndian.Uint32(b[16:]); pid != uint64(e.p.Koid()) || tid != uint64(th.Koid()) || typ != ExcpFatalPageFault {
		t.Errorf("info pid %d tid %d type %#x", pid, tid, typ)
	}
	if got := e.rights(hs[0]); got != DefaultExceptionRights {
		t.Errorf("exception rights %v, want %v", got, DefaultExceptionRights)
	}
	// Not duplicable.
	_, st = HandleDuplicate(e.p, hs[0], RightSameRights)
	wantStatus(t, "duplicate", st, ErrAccessDenied)
	wantStatus(t, "strategy from a process channel", ex.SetStrategy(ExceptionStrategySecondChance), ErrBadState)
	wantStatus(t, "bad state", ex.SetState(3), ErrInvalidArgs)
	wantStatus(t, "HANDLED", ex.SetState(ExceptionStateHandled), OK)
	th2, st := ex.ThreadHandle(e.p)
	wantStatus(t, "ThreadHandle", st, OK)
	if got := e.rights(th2); got != RightInspect|RightDuplicate {
		t.Errorf("thread handle rights %v", got)
	}
	HandleClose(e.p, th2)
	select {
	case <-done:
		t.Fatal("done before the exception closed")
	default:
	}
	wantStatus(t, "close exception", HandleClose(e.p, hs[0]), OK)
	<-done
	if s := ex.TakeState(); s != ExceptionStateHandled {
		t.Errorf("state %d, want HANDLED", s)
	}
	if s := ex.State(); s != ExceptionStateTryNext {
		t.Errorf("state after TakeState %d, want TRY_NEXT", s)
	}
	HandleClose(e.p, ch)
}

func TestExceptionThreadChannelGivesNoProcess(t *testing.T) {
	e := newEnv(t)
	th := newFakeThread()
	defer th.Release()
	ex := NewException(th, e.p, ExcpGeneral, ExceptionReport{})
	defer ex.Release()
	var x Exceptionate
	defer x.Shutdown()
	u, r, _ := x.Bind(RightInspect, 0)
	ch := must(e.p.Install(u, r))
	defer HandleClose(e.p, ch)
	done, _ := x.Send(ex, ExceptionChannelTypeThread)
	_, st := ex.ProcessHandle(e.p)
	wantStatus(t, "ProcessHandle", st, ErrAccessDenied)
	// Closing the channel with the message unread drops the exception's
	// handle: the thread goes on to the next handler.
	HandleClose(e.p, ch)
	<-done
	if s := ex.TakeState(); s != ExceptionStateTryNext {
		t.Errorf("state %d", s)
	}
}

func TestExceptionStrategyDebugger(t *testing.T) {
	e := newEnv(t)
	th := newFakeThread()
	defer th.Release()
	ex := NewException(th, e.p, ExcpSWBreakpoint, ExceptionReport{Vector: 3})
	defer ex.Release()
	var x Exceptionate
	defer x.Shutdown()
	u, r, _ := x.Bind(RightInspect, RightInspect)
	ch := must(e.p.Install(u, r))
	defer HandleClose(e.p, ch)
	x.Send(ex, ExceptionChannelTypeDebugger)
	if ex.Strategy() != ExceptionStrategyFirstChance {
		t.Error("default strategy not FIRST_CHANCE")
	}
	wantStatus(t, "bad strategy", ex.SetStrategy(2), ErrInvalidArgs)
	wantStatus(t, "SECOND_CHANCE", ex.SetStrategy(ExceptionStrategySecondChance), OK)
	if !ex.SecondChance() {
		t.Error("not second chance")
	}
	// The strategy is independent of the state.
	ex.SetState(ExceptionStateHandled)
	ex.TakeState()
	if !ex.SecondChance() {
		t.Error("state reset the strategy")
	}
}

func TestExceptionReportEncode(t *testing.T) {
	b := ExceptionReport{Vector: 14, ErrCode: 4, CR2: 0xdead, SynthCode: 7, SynthData: 9}.Encode(nil, ExcpFatalPageFault)
	if len(b) != ExceptionReportSize {
		t.Fatalf("len %d", len(b))
	}
	le := binary.LittleEndian
	if le.Uint32(b) != ExceptionReportSize || le.Uint32(b[4:]) != ExcpFatalPageFault || le.Uint64(b[8:]) != 14 || le.Uint64(b[16:]) != 4 || le.Uint64(b[24:]) != 0xdead || le.Uint32(b[32:]) != 7 || le.Uint32(b[36:]) != 9 {
		t.Errorf("report % x", b)
	}
}
