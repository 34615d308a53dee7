package zxsys

import (
	"testing"
	"time"

	"beryl/kernel/object"
)

func TestObjectGetInfo(t *testing.T) {
	f := newEnv(t)
	ev := f.create1(SysEventCreate, 0)
	buf, actual, avail := f.alloc(64), f.alloc(8), f.alloc(8)
	f.ok(SysObjectGetInfo, uint64(ev), uint64(object.InfoHandleBasic), uint64(buf), 64, uint64(actual), uint64(avail))
	if f.u64(actual) != 1 || f.u64(avail) != 1 {
		t.Fatalf("actual/avail %d/%d", f.u64(actual), f.u64(avail))
	}
	e := f.p.Table().Get(ev)
	if object.Koid(f.u64(buf)) != e.Object().Koid() || object.Rights(f.u32(buf+8)) != object.DefaultEventRights ||
		object.ObjType(f.u32(buf+12)) != object.ObjTypeEvent || f.u32(buf+24) != object.ObjPropWaitable {
		t.Fatalf("basic % x", f.bytes(buf, 32))
	}
	// NULL actual/avail are fine.
	f.ok(SysObjectGetInfo, uint64(ev), uint64(object.InfoHandleBasic), uint64(buf), 64, 0, 0)
	// Too small: BUFFER_TOO_SMALL with avail = 1.
	f.want(object.ErrBufferTooSmall, SysObjectGetInfo, uint64(ev), uint64(object.InfoHandleBasic), uint64(buf), 8, uint64(actual), uint64(avail))
	if f.u64(actual) != 0 || f.u64(avail) != 1 {
		t.Fatalf("too small: actual/avail %d/%d", f.u64(actual), f.u64(avail))
	}
	for _, bp := range badPtrs {
		f.want(object.ErrInvalidArgs, SysObjectGetInfo, uint64(ev), uint64(object.InfoHandleBasic), uint64(bp), 32, 0, 0)
		f.want(object.ErrInvalidArgs, SysObjectGetInfo, uint64(ev), uint64(object.InfoHandleBasic), uint64(buf), 32, uint64(bp), 0)
		f.want(object.ErrInvalidArgs, SysObjectGetInfo, uint64(ev), uint64(object.InfoHandleBasic), uint64(buf), 32, 0, uint64(bp))
	}
	f.ok(SysObjectGetInfo, uint64(ev), uint64(object.InfoHandleValid), 0, 0, 0, 0)
	f.want(object.ErrBadHandle, SysObjectGetInfo, 0x22222223, uint64(object.InfoHandleValid), 0, 0, 0, 0)
	f.want(object.ErrNotSupported, SysObjectGetInfo, uint64(ev), 9999, uint64(buf), 64, 0, 0)
	// A list topic: the job's children.
	job := f.create1(SysJobCreate, uint64(f.jobHandle()), 0)
	_ = job
	kids := f.alloc(16)
	f.ok(SysObjectGetInfo, uint64(f.jobHandle()), uint64(object.InfoJobChildren), uint64(kids), 16, uint64(actual), uint64(avail))
	if f.u64(actual) != 1 || f.u64(avail) != 1 || f.u64(kids) == 0 {
		t.Fatalf("children: %d/%d %#x", f.u64(actual), f.u64(avail), f.u64(kids))
	}
	f.ok(SysObjectGetInfo, uint64(f.jobHandle()), uint64(object.InfoJobChildren), 0, 0, uint64(actual), uint64(avail))
	if f.u64(actual) != 0 || f.u64(avail) != 1 {
		t.Fatalf("children, no buffer: %d/%d", f.u64(actual), f.u64(avail))
	}
}

// jobHandle returns (creating once) a handle to the process's job.
func (f *fakeCaller) jobHandle() object.Handle {
	if f.job == object.HandleInvalid {
		e := object.NewKernelHandle(f.p.Job(), object.DefaultJobRights)
		h, st := f.p.Table().Add(e)
		if st != object.OK {
			f.t.Fatal(st)
		}
		f.job = h
	}
	return f.job
}

func TestSignalAndWait(t *testing.T) {
	f := newEnv(t)
	ev := f.create1(SysEventCreate, 0)
	obs := f.alloc(4)
	f.want(object.ErrTimedOut, SysObjectWaitOne, uint64(ev), uint64(object.SignalUser1), 0, uint64(obs))
	f.ok(SysObjectSignal, uint64(ev), 0, uint64(object.SignalUser1))
	f.ok(SysObjectWaitOne, uint64(ev), uint64(object.SignalUser1), uint64(object.TimeInfinite), uint64(obs))
	if object.Signals(f.u32(obs)) != object.SignalUser1 {
		t.Fatalf("observed %#x", f.u32(obs))
	}
	f.ok(SysObjectWaitOne, uint64(ev), uint64(object.SignalUser1), 0, 0) // NULL observed
	for _, bp := range badPtrs {
		f.want(object.ErrInvalidArgs, SysObjectWaitOne, uint64(ev), uint64(object.SignalUser1), 0, uint64(bp))
	}
	f.want(object.ErrInvalidArgs, SysObjectSignal, uint64(ev), 0, uint64(object.SignalPeerClosed))
	f.want(object.ErrBadHandle, SysObjectSignal, 0x33333333, 0, 0)
	// Peers.
	a, b := f.create2(SysEventpairCreate, 0)
	f.ok(SysObjectSignalPeer, uint64(a), 0, uint64(object.SignalUser2))
	f.ok(SysObjectWaitOne, uint64(b), uint64(object.SignalUser2), 0, uint64(obs))
	f.want(object.ErrAccessDenied, SysObjectSignalPeer, uint64(ev), 0, uint64(object.SignalUser2)) // events have no SIGNAL_PEER
	weak := f.create1(SysHandleDuplicate, uint64(a), uint64(object.RightTransfer))
	f.want(object.ErrAccessDenied, SysObjectSignalPeer, uint64(weak), 0, uint64(object.SignalUser2))
	f.want(object.ErrAccessDenied, SysObjectWaitOne, uint64(weak), 1, 0, 0)

	// wait_many: items written back; the wait blocks until a signal.
	items := f.alloc(2 * sizeofWaitItem)
	f.put32(items, uint32(ev))
	f.put32(items+4, uint32(object.SignalUser3))
	f.put32(items+12, uint32(b))
	f.put32(items+16, uint32(object.SignalUser4))
	go func() {
		time.Sleep(5 * time.Millisecond)
		object.ObjectSignal(f.p, ev, 0, object.SignalUser3)
	}()
	f.ok(SysObjectWaitMany, uint64(items), 2, uint64(object.TimeInfinite))
	if object.Signals(f.u32(items+8))&object.SignalUser3 == 0 || object.Signals(f.u32(items+20))&object.SignalUser2 == 0 {
		t.Fatalf("pending % x", f.bytes(items, 24))
	}
	f.want(object.ErrOutOfRange, SysObjectWaitMany, uint64(items), 65, 0)
	f.want(object.ErrTimedOut, SysObjectWaitMany, 0, 0, 0)
	copy(f.ro, f.bytes(items, 24))
	for _, bp := range append(badPtrs, roBase) {
		f.want(object.ErrInvalidArgs, SysObjectWaitMany, uint64(bp), 2, 0)
	}
	f.put32(items+12, 0x44444447)
	f.want(object.ErrBadHandle, SysObjectWaitMany, uint64(items), 2, 0)
}

func TestProperties(t *testing.T) {
	f := newEnv(t)
	job := f.jobHandle()
	name := f.data([]byte("a-very-long-job-name-longer-than-31-bytes\x00"))
	f.ok(SysObjectSetProperty, uint64(job), uint64(object.PropName), uint64(name), 40)
	out := f.alloc(32)
	f.ok(SysObjectGetProperty, uint64(job), uint64(object.PropName), uint64(out), 32)
	if got := cString(f.bytes(out, 32)); got != "a-very-long-job-name-longer-tha" {
		t.Fatalf("name %q", got)
	}
	f.want(object.ErrBufferTooSmall, SysObjectGetProperty, uint64(job), uint64(object.PropName), uint64(out), 31)
	f.want(object.ErrInvalidArgs, SysObjectGetProperty, uint64(job), uint64(object.PropName), 0, 32)
	f.want(object.ErrInvalidArgs, SysObjectSetProperty, uint64(job), uint64(object.PropName), 0, 3)
	for _, bp := range badPtrs {
		f.want(object.ErrInvalidArgs, SysObjectGetProperty, uint64(job), uint64(object.PropName), uint64(bp), 32)
		if bp != roBase {
			f.want(object.ErrInvalidArgs, SysObjectSetProperty, uint64(job), uint64(object.PropName), uint64(bp), 8)
		}
	}
	ev := f.create1(SysEventCreate, 0)
	f.want(object.ErrAccessDenied, SysObjectGetProperty, uint64(ev), uint64(object.PropName), uint64(out), 32)
	f.want(object.ErrBadHandle, SysObjectGetProperty, 0x5, uint64(object.PropName), uint64(out), 32)
	// Socket thresholds (size_t).
	s, _ := f.create2(SysSocketCreate, 0)
	v := f.alloc(8)
	f.put64(v, 100)
	f.ok(SysObjectSetProperty, uint64(s), uint64(object.PropSocketRxThreshold), uint64(v), 8)
	f.put64(v, 0)
	f.ok(SysObjectGetProperty, uint64(s), uint64(object.PropSocketRxThreshold), uint64(v), 8)
	if f.u64(v) != 100 {
		t.Fatalf("threshold %d", f.u64(v))
	}
	f.want(object.ErrBufferTooSmall, SysObjectGetProperty, uint64(s), uint64(object.PropSocketRxThreshold), uint64(v), 4)
	f.want(object.ErrBufferTooSmall, SysObjectSetProperty, uint64(s), uint64(object.PropSocketRxThreshold), uint64(v), 4)
	// Zircon: an unknown property is INVALID_ARGS; one of its own that
	// Beryl lacks (ZX_PROP_PROCESS_DEBUG_ADDR) NOT_SUPPORTED.
	f.want(object.ErrInvalidArgs, SysObjectGetProperty, uint64(s), 999, uint64(v), 8)
	f.want(object.ErrInvalidArgs, SysObjectSetProperty, uint64(s), 999, uint64(v), 8)
	f.want(object.ErrNotSupported, SysObjectGetProperty, uint64(s), 5, uint64(v), 8)
	f.want(object.ErrNotSupported, SysObjectSetProperty, uint64(s), 5, uint64(v), 8)
	// A socket has no name: it reads as "" (Dispatcher::get_name) and
	// cannot be set.
	f.put64(out, ^uint64(0))
	f.ok(SysObjectGetProperty, uint64(s), uint64(object.PropName), uint64(out), 32)
	if f.u64(out) != 0 {
		t.Errorf("socket name %#x", f.u64(out))
	}
	f.want(object.ErrNotSupported, SysObjectSetProperty, uint64(s), uint64(object.PropName), uint64(v), 8)
}
