package zxsys

import (
	"testing"

	"beryl/kernel/object"
)

func TestDebuglog(t *testing.T) {
	f := newEnv(t)
	r := f.create1(SysDebuglogCreate, 0, uint64(object.LogFlagReadable))
	w := f.create1(SysDebuglogCreate, 0, 0)
	f.want(object.ErrInvalidArgs, SysDebuglogCreate, 0, 1, uint64(f.alloc(4)))
	f.want(object.ErrInvalidArgs, SysDebuglogCreate, 0, 0, badPtr)
	ev := f.create1(SysEventCreate, 0)
	f.want(object.ErrWrongType, SysDebuglogCreate, uint64(ev), 0, uint64(f.alloc(4)))
	f.want(object.ErrBadHandle, SysDebuglogCreate, 0x21, 0, uint64(f.alloc(4)))
	buf := f.alloc(object.LogRecordMax)
	// Drain what other tests left.
	for f.st(SysDebuglogRead, uint64(r), 0, uint64(buf), object.LogRecordMax) >= 0 {
	}
	f.want(object.ErrShouldWait, SysDebuglogRead, uint64(r), 0, uint64(buf), object.LogRecordMax)
	f.want(object.ErrTimedOut, SysObjectWaitOne, uint64(r), uint64(object.LogReadable), 0, 0)
	msg := f.data([]byte("hello log"))
	f.ok(SysDebuglogWrite, uint64(w), 0, uint64(msg), 9)
	f.ok(SysObjectWaitOne, uint64(r), uint64(object.LogReadable), 0, 0)
	n := f.st(SysDebuglogRead, uint64(r), 0, uint64(buf), object.LogRecordMax)
	if n != object.LogRecordHeader+9 || string(f.bytes(buf+32, 9)) != "hello log" || le.Uint16(f.bytes(buf+4, 2)) != 9 ||
		f.bytes(buf, 8)[6] != object.LogInfo || object.Koid(f.u64(buf+16)) != f.p.Koid() {
		t.Fatalf("record %d: % x", n, f.bytes(buf, 48))
	}
	f.want(object.ErrTimedOut, SysObjectWaitOne, uint64(r), uint64(object.LogReadable), 0, 0)
	// Truncation: a short buffer gets the first bytes; the record is gone.
	f.ok(SysDebuglogWrite, uint64(w), uint64(object.LogLocal), uint64(msg), 9)
	if n := f.st(SysDebuglogRead, uint64(r), 0, uint64(buf), 10); n != 10 {
		t.Fatalf("truncated read = %d", n)
	}
	f.want(object.ErrShouldWait, SysDebuglogRead, uint64(r), 0, uint64(buf), object.LogRecordMax)
	// Data beyond ZX_LOG_RECORD_DATA_MAX is dropped.
	big := f.alloc(1000)
	f.ok(SysDebuglogWrite, uint64(w), 0, uint64(big), 1000)
	if n := f.st(SysDebuglogRead, uint64(r), 0, uint64(buf), object.LogRecordMax); n != object.LogRecordMax {
		t.Fatalf("big record = %d", n)
	}
	// Errors.
	f.want(object.ErrAccessDenied, SysDebuglogRead, uint64(w), 0, uint64(buf), object.LogRecordMax)
	f.want(object.ErrInvalidArgs, SysDebuglogRead, uint64(r), 1, uint64(buf), object.LogRecordMax)
	f.want(object.ErrInvalidArgs, SysDebuglogWrite, uint64(w), 1, uint64(msg), 9)
	f.want(object.ErrWrongType, SysDebuglogWrite, uint64(ev), 0, uint64(msg), 9)
	f.ok(SysDebuglogWrite, uint64(w), 0, uint64(msg), 9)
	for _, bp := range badPtrs {
		f.want(object.ErrInvalidArgs, SysDebuglogRead, uint64(r), 0, uint64(bp), object.LogRecordMax)
	}
	f.want(object.ErrInvalidArgs, SysDebuglogWrite, uint64(w), 0, badPtr, 9)
	// The failed reads kept the record.
	if n := f.st(SysDebuglogRead, uint64(r), 0, uint64(buf), object.LogRecordMax); n != object.LogRecordHeader+9 {
		t.Fatalf("record after bad reads = %d", n)
	}
	// Overrun: a reader that falls behind skips to the oldest record.
	for i := 0; i < 1024+5; i++ { // past the ring's capacity
		object.DebuglogWrite(0, 0, object.LogInfo, 0, []byte("k"))
	}
	first := f.st(SysDebuglogRead, uint64(r), 0, uint64(buf), object.LogRecordMax)
	if first != object.LogRecordHeader+1 || f.u64(buf+16) != 0 {
		t.Fatalf("kernel record %d", first)
	}
}
