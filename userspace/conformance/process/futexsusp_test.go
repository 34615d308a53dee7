package process

import (
	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-test FutexTest.ThreadSuspended (utest/core/futex): a thread
// in futex_wait that is suspended and resumed goes back to waiting and
// is then woken normally. The waiting thread is raw code: futex_wait on
// [RDI] while it holds 1, the status to [RDI+8], exit.
func TestFutexTest_ThreadSuspended(t *testing.T) {
	var a asm
	a = a.mov(rBX, rDI)
	a = a.movImm(rSI, 1).movImm(rDX, 0).movImm(r10, infinite).sys(zx.SysFutexWait)
	a = a.store32(rBX, 8, rAX)
	a = a.sys(zx.SysThreadExit).ud2()
	r := newRawThread(t, a)
	r.setWord(0, 1)
	r.setWord(8, 0xdead)
	r.start(t, uintptr(r.data), 0)
	t.Cleanup(func() { zx.Sys_futex_wake((*int32)(ctest.Ptr(uintptr(r.data))), 1<<31-1) })
	waitState(t, r.thread, zx.ThreadStateBlockedFutex)

	tok := suspend(t, r.thread.Handle)
	waitState(t, r.thread, zx.ThreadStateSuspended)
	ctest.Must(t, "close the token", zx.Sys_handle_close(tok))
	waitState(t, r.thread, zx.ThreadStateBlockedFutex)
	if r.word(8) != 0xdead {
		t.Fatal("futex_wait returned while nobody woke it")
	}
	ctest.Must(t, "futex_wake", zx.Sys_futex_wake((*int32)(ctest.Ptr(uintptr(r.data))), 1))
	waitTerminated(t, r.thread.Handle)
	if st := zx.Status(int32(r.word(8))); st != zx.OK {
		t.Errorf("futex_wait = %v, want ZX_OK", st)
	}
}
