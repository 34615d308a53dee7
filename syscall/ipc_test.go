package zxsys

import (
	"testing"

	"beryl/kernel/object"
)

func TestSocket(t *testing.T) {
	f := newEnv(t)
	a, b := f.create2(SysSocketCreate, 0)
	f.want(object.ErrInvalidArgs, SysSocketCreate, 4, uint64(f.alloc(4)), uint64(f.alloc(4)))
	msg, actual := f.data([]byte("stream")), f.alloc(8)
	f.ok(SysSocketWrite, uint64(a), 0, uint64(msg), 6, uint64(actual))
	if f.u64(actual) != 6 {
		t.Fatalf("wrote %d", f.u64(actual))
	}
	for _, bp := range []UserPtr{badPtr, kernelPtr, nonCanonicalPtr} {
		f.want(object.ErrInvalidArgs, SysSocketWrite, uint64(a), 0, uint64(bp), 6, uint64(actual))
		f.want(object.ErrInvalidArgs, SysSocketWrite, uint64(a), 0, uint64(msg), 6, uint64(bp))
		f.want(object.ErrInvalidArgs, SysSocketRead, uint64(b), 0, uint64(bp), 6, uint64(actual))
	}
	f.want(object.ErrInvalidArgs, SysSocketRead, uint64(b), 0, roBase, 6, uint64(actual))
	buf := f.alloc(16)
	f.ok(SysSocketRead, uint64(b), 0, uint64(buf), 16, uint64(actual))
	if f.u64(actual) != 6 || string(f.bytes(buf, 6)) != "stream" {
		t.Fatalf("read %q", f.bytes(buf, int(f.u64(actual))))
	}
	f.want(object.ErrShouldWait, SysSocketRead, uint64(b), 0, uint64(buf), 16, 0)
	f.ok(SysSocketWrite, uint64(a), 0, uint64(msg), 0, 0) // empty write, NULL actual
	f.ok(SysSocketSetDisposition, uint64(a), uint64(object.SocketDispositionWriteDisabled), 0)
	f.want(object.ErrBadState, SysSocketWrite, uint64(a), 0, uint64(msg), 6, 0)
	f.want(object.ErrWrongType, SysSocketSetDisposition, uint64(f.create1(SysEventCreate, 0)), 0, 0)
	// Datagrams larger than the socket: OUT_OF_RANGE.
	d0, _ := f.create2(SysSocketCreate, uint64(object.SocketDatagram))
	big := f.alloc(object.SocketBufferSize / 4) // user memory is smaller than a socket
	_ = big
	f.ok(SysSocketWrite, uint64(d0), 0, uint64(msg), 6, uint64(actual))
}

func TestFIFO(t *testing.T) {
	f := newEnv(t)
	a, b := f.create2(SysFifoCreate, 4, 8, 0)
	f.want(object.ErrOutOfRange, SysFifoCreate, 0, 8, 0, uint64(f.alloc(4)), uint64(f.alloc(4)))
	f.want(object.ErrInvalidArgs, SysFifoCreate, 4, 8, 0, uint64(f.alloc(4)), badPtr)
	elems := f.data([]byte("aaaaaaaabbbbbbbbccccccccddddddddeeeeeeee"))
	actual := f.alloc(8)
	f.ok(SysFifoWrite, uint64(a), 8, uint64(elems), 5, uint64(actual))
	if f.u64(actual) != 4 {
		t.Fatalf("wrote %d elements", f.u64(actual))
	}
	f.want(object.ErrShouldWait, SysFifoWrite, uint64(a), 8, uint64(elems), 1, 0)
	f.want(object.ErrOutOfRange, SysFifoWrite, uint64(a), 4, uint64(elems), 1, 0)
	f.want(object.ErrOutOfRange, SysFifoRead, uint64(b), 8, uint64(elems), 0, 0)
	out := f.alloc(64)
	for _, bp := range badPtrs {
		f.want(object.ErrInvalidArgs, SysFifoRead, uint64(b), 8, uint64(bp), 2, 0)
		f.want(object.ErrInvalidArgs, SysFifoRead, uint64(b), 8, uint64(out), 2, uint64(bp))
	}
	f.ok(SysFifoRead, uint64(b), 8, uint64(out), 3, uint64(actual))
	if f.u64(actual) != 3 || string(f.bytes(out, 24)) != "aaaaaaaabbbbbbbbcccccccc" {
		t.Fatalf("read %d: %q", f.u64(actual), f.bytes(out, 24))
	}
	f.ok(SysFifoRead, uint64(b), 8, uint64(out), 1<<40, 0) // huge count: bounded
	f.want(object.ErrShouldWait, SysFifoRead, uint64(b), 8, uint64(out), 1, 0)
	f.want(object.ErrInvalidArgs, SysFifoWrite, uint64(a), 8, badPtr, 1, 0)
}

func TestPort(t *testing.T) {
	f := newEnv(t)
	port := f.create1(SysPortCreate, 0)
	f.want(object.ErrInvalidArgs, SysPortCreate, 7, uint64(f.alloc(4)))
	pk := f.alloc(object.PortPacketSize)
	f.put64(pk, 42)
	copy(f.bytes(pk+16, 4), "user")
	f.ok(SysPortQueue, uint64(port), uint64(pk))
	for _, bp := range []UserPtr{badPtr, kernelPtr, nonCanonicalPtr} {
		f.want(object.ErrInvalidArgs, SysPortQueue, uint64(port), uint64(bp))
	}
	// A bad out pointer leaves the packet queued.
	for _, bp := range badPtrs {
		f.want(object.ErrInvalidArgs, SysPortWait, uint64(port), 0, uint64(bp))
	}
	out := f.alloc(object.PortPacketSize)
	f.ok(SysPortWait, uint64(port), 0, uint64(out))
	if f.u64(out) != 42 || string(f.bytes(out+16, 4)) != "user" {
		t.Fatalf("packet % x", f.bytes(out, 48))
	}
	f.want(object.ErrTimedOut, SysPortWait, uint64(port), 0, uint64(out))
	// Async wait → signal packet.
	ev := f.create1(SysEventCreate, 0)
	f.ok(SysObjectWaitAsync, uint64(ev), uint64(port), 7, uint64(object.SignalUser0), 0)
	f.ok(SysObjectSignal, uint64(ev), 0, uint64(object.SignalUser0))
	f.ok(SysPortWait, uint64(port), uint64(object.TimeInfinite), uint64(out))
	if f.u64(out) != 7 || f.u32(out+8) != object.PktTypeSignalOne || object.Signals(f.u32(out+16)) != object.SignalUser0 {
		t.Fatalf("signal packet % x", f.bytes(out, 48))
	}
	f.ok(SysObjectWaitAsync, uint64(ev), uint64(port), 8, uint64(object.SignalUser1), 0)
	f.ok(SysPortCancel, uint64(port), uint64(ev), 8)
	f.ok(SysObjectSignal, uint64(ev), 0, uint64(object.SignalUser1))
	f.want(object.ErrTimedOut, SysPortWait, uint64(port), 0, uint64(out))
	f.want(object.ErrWrongType, SysObjectWaitAsync, uint64(ev), uint64(ev), 1, 1, 0)
}

func TestTimer(t *testing.T) {
	f := newEnv(t)
	tm := f.create1(SysTimerCreate, 0, uint64(object.ClockMonotonic))
	f.want(object.ErrInvalidArgs, SysTimerCreate, 0, 5, uint64(f.alloc(4)))
	f.want(object.ErrInvalidArgs, SysTimerCreate, 0, 0, badPtr)
	now := f.call(SysClockGetMonotonic)
	f.ok(SysTimerSet, uint64(tm), uint64(now+1e6), 0)
	f.ok(SysObjectWaitOne, uint64(tm), uint64(object.TimerSignaled), uint64(object.TimeInfinite), 0)
	f.ok(SysTimerCancel, uint64(tm))
	f.want(object.ErrTimedOut, SysObjectWaitOne, uint64(tm), uint64(object.TimerSignaled), 0, 0)
	f.want(object.ErrOutOfRange, SysTimerSet, uint64(tm), 0, uint64(^uint64(0)))
	f.want(object.ErrWrongType, SysTimerCancel, uint64(f.create1(SysEventCreate, 0)))
}
