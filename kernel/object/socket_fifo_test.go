package object

import (
	"testing"
	"time"
)

func TestSocketStream(t *testing.T) {
	e := newEnv(t)
	old := SocketBufferSize
	SocketBufferSize = 16
	defer func() { SocketBufferSize = old }()
	a, b := must2(SocketCreate(e.p, SocketStream))
	_, _, st := SocketCreate(e.p, 4)
	wantStatus(t, "create options", st, ErrInvalidArgs)
	n, st := SocketWrite(e.p, a, 0, []byte("0123456789abcdefXYZ"))
	if st != OK || n != 16 {
		t.Fatalf("short write: %d %v", n, st)
	}
	if s, _ := ObjectWaitOne(e.p, a, SocketWritable, 0); s&SocketWritable != 0 {
		t.Error("writable while full")
	}
	_, st = SocketWrite(e.p, a, 0, []byte("x"))
	wantStatus(t, "full", st, ErrShouldWait)
	_, st = SocketWrite(e.p, a, 1, []byte("x"))
	wantStatus(t, "write options", st, ErrInvalidArgs)
	buf := make([]byte, 4)
	n, st = SocketRead(e.p, b, SocketPeek, buf)
	if st != OK || string(buf[:n]) != "0123" {
		t.Errorf("peek %q", buf[:n])
	}
	n, _ = SocketRead(e.p, b, 0, buf)
	if string(buf[:n]) != "0123" {
		t.Errorf("read %q", buf[:n])
	}
	_, st = SocketRead(e.p, b, 1, buf)
	wantStatus(t, "read options", st, ErrInvalidArgs)
	if s, _ := ObjectWaitOne(e.p, a, SocketWritable, 0); s&SocketWritable == 0 {
		t.Error("not writable after read")
	}
	info := must(ObjectGetInfoSocket(e.p, b))
	if info.RxBufSize != 12 || info.RxBufMax != 16 || info.RxBufAvailable != 12 || info.TxBufMax != 16 {
		t.Errorf("info %+v", info)
	}
	big := make([]byte, 32)
	n, _ = SocketRead(e.p, b, 0, big)
	if string(big[:n]) != "456789abcdef" {
		t.Errorf("rest %q", big[:n])
	}
	_, st = SocketRead(e.p, b, 0, big)
	wantStatus(t, "empty", st, ErrShouldWait)
	n, st = SocketWrite(e.p, a, 0, nil)
	if n != 0 || st != OK {
		t.Error("empty write")
	}
	HandleClose(e.p, a)
	_, st = SocketRead(e.p, b, 0, big)
	wantStatus(t, "peer closed read", st, ErrPeerClosed)
	_, st = SocketWrite(e.p, b, 0, big)
	wantStatus(t, "peer closed write", st, ErrPeerClosed)
}

func TestSocketDatagram(t *testing.T) {
	e := newEnv(t)
	old := SocketBufferSize
	SocketBufferSize = 10
	defer func() { SocketBufferSize = old }()
	a, b := must2(SocketCreate(e.p, SocketDatagram))
	_, st := SocketWrite(e.p, a, 0, make([]byte, 11))
	wantStatus(t, "too big", st, ErrOutOfRange)
	must(SocketWrite(e.p, a, 0, []byte("hello")))
	must(SocketWrite(e.p, a, 0, []byte("abc")))
	_, st = SocketWrite(e.p, a, 0, []byte("xyz"))
	wantStatus(t, "no room", st, ErrShouldWait)
	f0, f1 := must2(SocketCreate(e.p, SocketDatagram))
	must(SocketWrite(e.p, f0, 0, make([]byte, 10)))
	_, st = SocketWrite(e.p, f0, 0, make([]byte, 11))
	wantStatus(t, "too big for a full socket", st, ErrShouldWait)
	HandleClose(e.p, f0)
	HandleClose(e.p, f1)
	if info := must(ObjectGetInfoSocket(e.p, b)); info.RxBufAvailable != 5 || info.RxBufSize != 8 {
		t.Errorf("info %+v", info)
	}
	buf := make([]byte, 3)
	n, _ := SocketRead(e.p, b, 0, buf)
	if string(buf[:n]) != "hel" {
		t.Errorf("truncated %q", buf[:n])
	}
	n, _ = SocketRead(e.p, b, SocketPeek, buf)
	n, _ = SocketRead(e.p, b, 0, buf)
	if string(buf[:n]) != "abc" {
		t.Errorf("second %q", buf[:n])
	}
}

func TestSocketDisposition(t *testing.T) {
	e := newEnv(t)
	a, b := must2(SocketCreate(e.p, 0))
	must(SocketWrite(e.p, a, 0, []byte("data")))
	wantStatus(t, "bad flags", SocketSetDisposition(e.p, a, 3, 0), ErrInvalidArgs)
	wantStatus(t, "bad flags peer", SocketSetDisposition(e.p, a, 0, 4), ErrInvalidArgs)
	noManage := must(HandleDuplicate(e.p, a, DefaultSocketRights&^RightManageSocket))
	wantStatus(t, "rights", SocketSetDisposition(e.p, noManage, SocketDispositionWriteDisabled, 0), ErrAccessDenied)
	wantStatus(t, "disable", SocketSetDisposition(e.p, a, SocketDispositionWriteDisabled, 0), OK)
	_, st := SocketWrite(e.p, a, 0, []byte("x"))
	wantStatus(t, "write disabled", st, ErrBadState)
	if s, _ := ObjectWaitOne(e.p, a, SocketWriteDisabled, 0); s&SocketWriteDisabled == 0 || s&SocketWritable != 0 {
		t.Errorf("a signals %#x", s)
	}
	if s, _ := ObjectWaitOne(e.p, b, SocketPeerWriteDisabled, 0); s&SocketPeerWriteDisabled == 0 {
		t.Errorf("b signals %#x", s)
	}
	wantStatus(t, "enable with data buffered", SocketSetDisposition(e.p, a, SocketDispositionWriteEnabled, 0), ErrBadState)
	buf := make([]byte, 8)
	n, st := SocketRead(e.p, b, 0, buf)
	if st != OK || n != 4 {
		t.Fatal("buffered data lost")
	}
	_, st = SocketRead(e.p, b, 0, buf)
	wantStatus(t, "drained", st, ErrBadState)
	wantStatus(t, "enable", SocketSetDisposition(e.p, a, SocketDispositionWriteEnabled, 0), OK)
	must(SocketWrite(e.p, a, 0, []byte("x")))
	wantStatus(t, "peer disable", SocketSetDisposition(e.p, a, 0, SocketDispositionWriteDisabled), OK)
	_, st = SocketWrite(e.p, b, 0, []byte("x"))
	wantStatus(t, "peer write disabled", st, ErrBadState)
	HandleClose(e.p, b)
	wantStatus(t, "peer closed", SocketSetDisposition(e.p, a, SocketDispositionWriteDisabled, 0), ErrPeerClosed)
}

func TestSocketThresholds(t *testing.T) {
	e := newEnv(t)
	old := SocketBufferSize
	SocketBufferSize = 100
	defer func() { SocketBufferSize = old }()
	a, b := must2(SocketCreate(e.p, 0))
	wantStatus(t, "rx too big", ObjectSetProperty(e.p, b, PropSocketRxThreshold, 101), ErrInvalidArgs)
	wantStatus(t, "rx", ObjectSetProperty(e.p, b, PropSocketRxThreshold, 10), OK)
	wantStatus(t, "tx", ObjectSetProperty(e.p, a, PropSocketTxThreshold, 95), OK)
	wantStatus(t, "tx too big", ObjectSetProperty(e.p, a, PropSocketTxThreshold, 101), ErrInvalidArgs)
	if v := must(ObjectGetProperty(e.p, b, PropSocketRxThreshold)); v != 10 {
		t.Errorf("rx threshold %d", v)
	}
	if v := must(ObjectGetProperty(e.p, a, PropSocketTxThreshold)); v != 95 {
		t.Errorf("tx threshold %d", v)
	}
	if s, _ := ObjectWaitOne(e.p, a, SocketWriteThreshold, 0); s&SocketWriteThreshold == 0 {
		t.Error("write threshold not asserted")
	}
	must(SocketWrite(e.p, a, 0, make([]byte, 9)))
	if s, _ := ObjectWaitOne(e.p, b, SocketReadThreshold, 0); s&SocketReadThreshold != 0 {
		t.Error("read threshold early")
	}
	if s, _ := ObjectWaitOne(e.p, a, SocketWriteThreshold, 0); s&SocketWriteThreshold != 0 {
		t.Error("write threshold still asserted")
	}
	must(SocketWrite(e.p, a, 0, make([]byte, 1)))
	if s, _ := ObjectWaitOne(e.p, b, SocketReadThreshold, 0); s&SocketReadThreshold == 0 {
		t.Error("read threshold not asserted")
	}
	ev := e.event()
	wantStatus(t, "wrong object", ObjectSetProperty(e.p, ev, PropSocketRxThreshold, 1), ErrAccessDenied)
	evp := must(e.p.installNew(NewEvent(), RightsProperty))
	wantStatus(t, "wrong type", ObjectSetProperty(e.p, evp, PropSocketRxThreshold, 1), ErrWrongType)
	_, st := ObjectGetProperty(e.p, evp, PropSocketRxThreshold)
	wantStatus(t, "get wrong type", st, ErrWrongType)
	wantStatus(t, "unknown", ObjectSetProperty(e.p, a, 999, 1), ErrInvalidArgs)
	_, st = ObjectGetProperty(e.p, a, 999)
	wantStatus(t, "get unknown", st, ErrInvalidArgs)
	HandleClose(e.p, b)
	wantStatus(t, "tx peer closed", ObjectSetProperty(e.p, a, PropSocketTxThreshold, 1), ErrPeerClosed)
}

func TestFIFO(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		count, size uint64
		opts        uint32
		want        Status
	}{{0, 4, 0, ErrOutOfRange}, {4, 0, 0, ErrOutOfRange}, {4097, 1, 0, ErrOutOfRange},
		{1, 4097, 0, ErrOutOfRange}, {64, 65, 0, ErrOutOfRange}, {64, 64, 0, OK}} {
		_, _, st := FIFOCreate(e.p, c.count, c.size, c.opts)
		wantStatus(t, "create", st, c.want)
	}
	// options is ignored, as FifoDispatcher::Create does.
	oa, ob := must2(FIFOCreate(e.p, 4, 4, 1))
	HandleClose(e.p, oa)
	HandleClose(e.p, ob)
	a, b := must2(FIFOCreate(e.p, 3, 2, 0))
	data := []byte{1, 1, 2, 2, 3, 3, 4, 4}
	_, st := FIFOWrite(e.p, a, 3, data, 1)
	wantStatus(t, "elem size", st, ErrOutOfRange)
	_, st = FIFOWrite(e.p, a, 2, data, 0)
	wantStatus(t, "count 0", st, ErrOutOfRange)
	_, st = FIFOWrite(e.p, a, 2, data[:3], 2)
	wantStatus(t, "short data", st, ErrInvalidArgs)
	n, st := FIFOWrite(e.p, a, 2, data, 4)
	if st != OK || n != 3 {
		t.Fatalf("partial write %d %v", n, st)
	}
	if s, _ := ObjectWaitOne(e.p, a, FIFOWritable, 0); s&FIFOWritable != 0 {
		t.Error("writable while full")
	}
	_, st = FIFOWrite(e.p, a, 2, data, 1)
	wantStatus(t, "full", st, ErrShouldWait)
	out := make([]byte, 8)
	n, st = FIFORead(e.p, b, 2, out, 2)
	if st != OK || n != 2 || out[0] != 1 || out[2] != 2 {
		t.Fatalf("read %d %v % x", n, st, out)
	}
	if s, _ := ObjectWaitOne(e.p, a, FIFOWritable, 0); s&FIFOWritable == 0 {
		t.Error("not writable after read")
	}
	FIFOWrite(e.p, a, 2, data[6:], 1)
	n, _ = FIFORead(e.p, b, 2, out, 4)
	if n != 2 || out[0] != 3 || out[2] != 4 {
		t.Fatalf("wraparound % x", out)
	}
	_, st = FIFORead(e.p, b, 2, out, 1)
	wantStatus(t, "empty", st, ErrShouldWait)
	_, st = FIFORead(e.p, b, 1, out, 1)
	wantStatus(t, "read elem size", st, ErrOutOfRange)
	_, st = FIFORead(e.p, b, 2, out[:1], 1)
	wantStatus(t, "read short buffer", st, ErrInvalidArgs)
	HandleClose(e.p, a)
	_, st = FIFORead(e.p, b, 2, out, 1)
	wantStatus(t, "peer closed read", st, ErrPeerClosed)
	_, st = FIFOWrite(e.p, b, 2, out, 1)
	wantStatus(t, "peer closed write", st, ErrPeerClosed)
	if s, _ := ObjectWaitOne(e.p, b, FIFOPeerClosed, 0); s&FIFOPeerClosed == 0 {
		t.Error("peer closed not asserted")
	}
}

func TestTimer(t *testing.T) {
	e := newEnv(t)
	fc := NewFakeClock(1000)
	SetClock(fc)
	defer SetClock(MonotonicClock())
	_, st := TimerCreate(e.p, 3, ClockMonotonic)
	wantStatus(t, "options", st, ErrInvalidArgs)
	_, st = TimerCreate(e.p, 0, 1)
	wantStatus(t, "clock", st, ErrInvalidArgs)
	tm := must(TimerCreate(e.p, TimerSlackLate, ClockMonotonic))
	wantStatus(t, "negative slack", TimerSet(e.p, tm, 2000, -1), ErrOutOfRange)
	wantStatus(t, "set", TimerSet(e.p, tm, 2000, 10), OK)
	info := must(ObjectGetInfoTimer(e.p, tm))
	if info.Options != TimerSlackLate || info.Deadline != 2000 || info.Slack != 10 {
		t.Errorf("info %+v", info)
	}
	fc.Set(1999)
	if s, _ := ObjectWaitOne(e.p, tm, TimerSignaled, 0); s&TimerSignaled != 0 {
		t.Error("fired early")
	}
	// Re-arm replaces the deadline.
	TimerSet(e.p, tm, 3000, 0)
	fc.Set(2500)
	if s, _ := ObjectWaitOne(e.p, tm, TimerSignaled, 0); s&TimerSignaled != 0 {
		t.Error("old deadline fired")
	}
	fc.Set(3000)
	if s, _ := ObjectWaitOne(e.p, tm, TimerSignaled, 0); s&TimerSignaled == 0 {
		t.Error("did not fire")
	}
	if info := must(ObjectGetInfoTimer(e.p, tm)); info.Deadline != 0 {
		t.Errorf("deadline after firing %d", info.Deadline)
	}
	// Re-arming deasserts; cancel deasserts and disarms.
	TimerSet(e.p, tm, 4000, 0)
	if s, _ := ObjectWaitOne(e.p, tm, TimerSignaled, 0); s&TimerSignaled != 0 {
		t.Error("signal kept after re-arm")
	}
	wantStatus(t, "cancel", TimerCancel(e.p, tm), OK)
	fc.Set(5000)
	if s, _ := ObjectWaitOne(e.p, tm, TimerSignaled, 0); s&TimerSignaled != 0 {
		t.Error("canceled timer fired")
	}
	// A past deadline fires at once.
	TimerSet(e.p, tm, 0, 0)
	if s, _ := ObjectWaitOne(e.p, tm, TimerSignaled, 0); s&TimerSignaled == 0 {
		t.Error("past deadline did not fire")
	}
	// Waiting on a timer with the fake clock.
	TimerSet(e.p, tm, 6000, 0)
	done := make(chan struct{})
	go func() {
		_, st := ObjectWaitOne(e.p, tm, TimerSignaled, TimeInfinite)
		wantStatus(t, "wait timer", st, OK)
		close(done)
	}()
	time.Sleep(time.Millisecond)
	fc.Set(6000)
	<-done
	ro := must(HandleDuplicate(e.p, tm, RightWait))
	wantStatus(t, "set no write", TimerSet(e.p, ro, 0, 0), ErrAccessDenied)
	wantStatus(t, "cancel no write", TimerCancel(e.p, ro), ErrAccessDenied)
	// Closing an armed timer drops its pending callback.
	TimerSet(e.p, tm, 9000, 0)
	HandleClose(e.p, ro)
	HandleClose(e.p, tm)
	if fc.Pending() != 0 {
		t.Error("pending callback after close")
	}
}

func TestTimerRealClock(t *testing.T) {
	e := newEnv(t)
	tm := must(TimerCreate(e.p, 0, ClockMonotonic))
	TimerSet(e.p, tm, Now()+Time(2*time.Millisecond), 0)
	if _, st := ObjectWaitOne(e.p, tm, TimerSignaled, Now()+Time(5*time.Second)); st != OK {
		t.Fatalf("real timer: %v", st)
	}
	SleepUntil(Now() + Time(time.Millisecond))
	SleepUntil(0)
}
