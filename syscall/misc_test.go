package zxsys

import (
	"testing"

	"beryl/kernel/object"
)

func TestSystemGetVersionString(t *testing.T) {
	f := newEnv(t)
	buf, actual := f.alloc(256), f.alloc(8)
	f.ok(SysSystemGetVersionString, uint64(buf), 256, uint64(actual))
	if n := f.u64(actual); n != uint64(len(Version)) || string(f.bytes(buf, int(n))) != Version {
		t.Errorf("version %q (%d), want %q", f.bytes(buf, int(n)), n, Version)
	}
	f.ok(SysSystemGetVersionString, uint64(f.alloc(2)), 2, 0)
	for _, bp := range []UserPtr{badPtr, kernelPtr, nonCanonicalPtr} {
		f.want(object.ErrInvalidArgs, SysSystemGetVersionString, uint64(bp), 8, uint64(actual))
		f.want(object.ErrInvalidArgs, SysSystemGetVersionString, uint64(buf), 8, uint64(bp))
	}
	if got := f.call(SysSystemGetDcacheLineSize); got != 64 {
		t.Errorf("dcache line size %d", got)
	}
}

func TestDebugWriteRead(t *testing.T) {
	f := newEnv(t)
	f.ok(SysDebugWrite, uint64(f.data([]byte("hello\n"))), 6)
	f.ok(SysDebugWrite, uint64(f.alloc(4096)), 4096) // cut to 256
	f.want(object.ErrInvalidArgs, SysDebugWrite, uint64(badPtr), 8)
	f.want(object.ErrNotSupported, SysDebugRead, 0, uint64(f.alloc(8)), 8, uint64(f.alloc(8)))
}

func TestThreadExitCombinations(t *testing.T) {
	f := newEnv(t)
	v := f.alloc(4)
	ev := f.create1(SysEventCreate, 0)
	f.call(SysFutexWakeHandleCloseThreadExit, uint64(v), 1, 0x42, uint64(ev))
	if f.u32(v) != 0x42 || f.exited != 1 || f.p.Table().Get(ev) != nil {
		t.Errorf("value %#x, exits %d, handle open %v", f.u32(v), f.exited, f.p.Table().Get(ev) != nil)
	}
	f.want(object.ErrBadHandle, SysVmarUnmapHandleCloseThreadExit, 0x9, 0x10000, 4096, 0)
	if f.exited != 1 {
		t.Error("a failed unmap exited the thread")
	}
}
