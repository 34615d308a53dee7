package process

import (
	"encoding/binary"
	"runtime"
	"syscall"
	"testing"
	"time"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: the Threads cases of task_suspend and suspend tokens
// (utest/core/threads). The originals' thread functions are raw machine
// code here (newRawThread, asm_test.go).

const infinite = uint64(1<<63 - 1) // ZX_TIME_INFINITE

// waitCode is threads_test_wait_fn: wait for ZX_USER_SIGNAL_0 on the
// event in RDI, assert ZX_USER_SIGNAL_1 on it, exit.
func waitCode() []byte {
	var a asm
	a = a.mov(rBX, rDI)
	a = a.movImm(rSI, uint64(zx.SignalUser0)).movImm(rDX, infinite).movImm(r10, 0).sys(zx.SysObjectWaitOne)
	a = a.mov(rDI, rBX).movImm(rSI, 0).movImm(rDX, uint64(zx.SignalUser1)).sys(zx.SysObjectSignal)
	return a.sys(zx.SysThreadExit).ud2()
}

// sleepCode is threads_test_sleep_fn: nanosleep until the deadline in
// RDI, exit.
func sleepCode() []byte {
	var a asm
	return a.sys(zx.SysNanosleep).sys(zx.SysThreadExit).ud2()
}

// storeCode is threads_test_atomic_store: store 1 at [RDI] forever.
func storeCode() []byte {
	// mov dword [rdi], 1; jmp back
	return []byte{0xc7, 0x07, 0x01, 0x00, 0x00, 0x00, 0xeb, 0xf8}
}

// portCode is threads_test_port_fn: wait for a packet on the port in RDI,
// add 5 to its key and queue it on the port in RSI, exit. The packet
// lives below the stack pointer.
func portCode() []byte {
	var a asm
	a = a.mov(rBX, rDI).mov(r12, rSI)
	a = a.movImm(rSI, infinite).lea(rDX, rSP, -128).sys(zx.SysPortWait)
	a = a.addMem8(rSP, -128, 5)
	a = a.mov(rDI, r12).lea(rSI, rSP, -128).sys(zx.SysPortQueue)
	return a.sys(zx.SysThreadExit).ud2()
}

// callCode is threads_test_channel_call_fn: channel_call on the channel
// in RDI with the zx_channel_call_args_t at RSI; the actual sizes go to
// RSI+0x100 and +0x108, the status to RSI+0x110.
func callCode() []byte {
	var a asm
	a = a.mov(r15, rSI)
	a = a.movImm(rSI, 0).movImm(rDX, infinite).mov(r10, r15).lea(r8, r15, 0x100).lea(r9, r15, 0x108).sys(zx.SysChannelCall)
	a = a.store32(r15, 0x110, rAX)
	return a.sys(zx.SysThreadExit).ud2()
}

func threadState(t *testing.T, th zx.Thread) uint32 {
	t.Helper()
	info, err := th.Info()
	if err != nil {
		t.Fatalf("get_info(THREAD): %v", err)
	}
	return info.State
}

// waitState polls until the thread reports state (wait_thread_blocked).
func waitState(t *testing.T, th zx.Thread, state uint32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := threadState(t, th)
		if s == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("thread state %#x, want %#x", s, state)
		}
		time.Sleep(time.Millisecond)
	}
}

func suspend(t *testing.T, h zx.Handle) zx.Handle {
	t.Helper()
	var tok zx.Handle
	ctest.Must(t, "task_suspend", zx.Sys_task_suspend_token(h, &tok))
	return tok
}

// suspendSync is suspend_thread_synchronous.
func suspendSync(t *testing.T, th zx.Thread) zx.Handle {
	t.Helper()
	tok := suspend(t, th.Handle)
	if _, err := th.WaitOne(zx.ThreadSuspended, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for ZX_THREAD_SUSPENDED: %v", err)
	}
	return tok
}

// resumeSync is resume_thread_synchronous.
func resumeSync(t *testing.T, th zx.Thread, tok zx.Handle) {
	t.Helper()
	ctest.Must(t, "close the suspend token", zx.Sys_handle_close(tok))
	if _, err := th.WaitOne(zx.ThreadRunning, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for ZX_THREAD_RUNNING: %v", err)
	}
}

func waitTerminated(t *testing.T, h zx.Handle) {
	t.Helper()
	if _, err := h.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for ZX_TASK_TERMINATED: %v", err)
	}
}

func (r *rawThread) start(t *testing.T, arg1, arg2 uintptr) {
	t.Helper()
	if err := r.thread.Start(r.code, r.data+4*zx.PageSize, arg1, arg2); err != nil {
		t.Fatalf("thread_start: %v", err)
	}
}

// word reads the 32-bit value at offset off of the thread's data pages.
func (r *rawThread) word(off uint64) uint32 {
	var b [4]byte
	r.dataVmo.Read(b[:], off)
	return binary.LittleEndian.Uint32(b[:])
}

func (r *rawThread) setWord(off uint64, v uint32) {
	r.dataVmo.Write(binary.LittleEndian.AppendUint32(nil, v), off)
}

func TestThreads_ResumeSuspended(t *testing.T) {
	ev, err := zx.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	r := newRawThread(t, waitCode())
	r.start(t, uintptr(ev.Handle), 0)
	waitState(t, r.thread, zx.ThreadStateBlockedWaitOne)

	tok := suspend(t, r.thread.Handle)
	ctest.Must(t, "close the token", zx.Sys_handle_close(tok))
	waitState(t, r.thread, zx.ThreadStateBlockedWaitOne)

	tok = suspendSync(t, r.thread)
	if s := threadState(t, r.thread); s != zx.ThreadStateSuspended {
		t.Fatalf("state %#x, want SUSPENDED", s)
	}
	info, _ := r.thread.Info()
	if info.WaitExceptionChannelType != 0 {
		t.Errorf("wait_exception_channel_type %d, want NONE", info.WaitExceptionChannelType)
	}
	resumeSync(t, r.thread, tok)
	waitState(t, r.thread, zx.ThreadStateBlockedWaitOne)

	// Signaled while suspended: the thread does not go on until resumed.
	tok = suspendSync(t, r.thread)
	ctest.Must(t, "signal", zx.Sys_object_signal(ev.Handle, 0, uint32(zx.SignalUser0)))
	if _, err := ev.WaitOne(zx.SignalUser1, zx.Now()+zx.Time(100*time.Millisecond)); err != zx.ErrTimedOut {
		t.Fatalf("a suspended thread went on: %v", err)
	}
	ctest.Must(t, "close the token", zx.Sys_handle_close(tok))
	if _, err := ev.WaitOne(zx.SignalUser1, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("the resumed thread: %v", err)
	}
	waitTerminated(t, r.thread.Handle)
}

func TestThreads_SuspendSleeping(t *testing.T) {
	deadline := zx.Now() + zx.Time(100*time.Millisecond)
	r := newRawThread(t, sleepCode())
	r.start(t, uintptr(deadline), 0)
	waitState(t, r.thread, zx.ThreadStateBlockedSleeping)
	var tok zx.Handle
	if st := zx.Sys_task_suspend_token(r.thread.Handle, &tok); st != zx.OK {
		// The thread may have finished its sleep already (a loaded host).
		ctest.Want(t, "task_suspend", st, zx.ErrBadState)
		if s := threadState(t, r.thread); s != zx.ThreadStateDead {
			t.Fatalf("state %#x, want DEAD", s)
		}
		return
	}
	if _, err := r.thread.WaitOne(zx.ThreadSuspended, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for SUSPENDED: %v", err)
	}
	ctest.Must(t, "close the token", zx.Sys_handle_close(tok))
	waitTerminated(t, r.thread.Handle)
	if now := zx.Now(); now < deadline {
		t.Errorf("the thread did not sleep long enough (%v before the deadline)", time.Duration(deadline-now))
	}
}

func TestThreads_SuspendChannelCall(t *testing.T) {
	a, b, err := zx.NewChannel(0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	r := newRawThread(t, callCode())
	const args, wr, rd = 0x200, 0x400, 0x440
	base := uintptr(r.data)
	r.dataVmo.Write([]byte("abcdefghi"), wr)
	var ca [48]byte
	binary.LittleEndian.PutUint64(ca[0:], uint64(base+wr))
	binary.LittleEndian.PutUint64(ca[16:], uint64(base+rd))
	binary.LittleEndian.PutUint32(ca[32:], 9) // wr_num_bytes
	binary.LittleEndian.PutUint32(ca[40:], 9) // rd_num_bytes
	r.dataVmo.Write(ca[:], args)
	r.setWord(args+0x110, 0xdead)
	r.start(t, uintptr(a.Handle), base+args)

	if _, err := b.WaitOne(zx.ChannelReadable, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for the call: %v", err)
	}
	tok := suspendSync(t, r.thread)
	buf := make([]byte, 9)
	n, _, err := b.Read(buf, nil, 0)
	if err != nil || n != 9 || string(buf[4:]) != "efghi" {
		t.Fatalf("read %q (%d, %v)", buf, n, err)
	}
	buf[8] = 'j'
	if err := b.Write(buf, nil, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := a.WaitOne(zx.ChannelReadable, 0); err != zx.ErrTimedOut {
		t.Errorf("the caller's end became readable: %v", err)
	}
	if _, _, err := a.Read(buf, nil, 0); err != zx.ErrShouldWait {
		t.Errorf("reading the reply meant for the suspended caller: %v, want ZX_ERR_SHOULD_WAIT", err)
	}
	ctest.Must(t, "close the token", zx.Sys_handle_close(tok))
	waitTerminated(t, r.thread.Handle)
	if st := zx.Status(int32(r.word(args + 0x110))); st != zx.OK {
		t.Errorf("channel_call = %v, want ZX_OK", st)
	}
	got := make([]byte, 9)
	if r.dataVmo.Read(got, rd); string(got[4:]) != "efghj" {
		t.Errorf("reply %q", got)
	}
}

func TestThreads_SuspendPortCall(t *testing.T) {
	p0, err := zx.NewPort(0)
	if err != nil {
		t.Fatal(err)
	}
	defer p0.Close()
	p1, err := zx.NewPort(0)
	if err != nil {
		t.Fatal(err)
	}
	defer p1.Close()
	r := newRawThread(t, portCode())
	r.start(t, uintptr(p0.Handle), uintptr(p1.Handle))
	waitState(t, r.thread, zx.ThreadStateBlockedPort)
	tok := suspend(t, r.thread.Handle)
	ctest.Must(t, "port_queue", zx.Sys_port_queue(p0.Handle, &zx.PortPacket{Key: 100, Type: zx.PktTypeUser}))
	ctest.Must(t, "port_queue", zx.Sys_port_queue(p0.Handle, &zx.PortPacket{Key: 300, Type: zx.PktTypeUser}))
	if _, err := p1.Wait(zx.Now() + zx.Time(100*time.Millisecond)); err != zx.ErrTimedOut {
		t.Fatalf("a suspended thread queued a packet: %v", err)
	}
	ctest.Must(t, "close the token", zx.Sys_handle_close(tok))
	pk, err := p1.Wait(zx.Now() + zx.Time(10*time.Second))
	if err != nil || pk.Key != 105 {
		t.Fatalf("packet from the thread: key %d, %v; want 105", pk.Key, err)
	}
	pk, err = p0.Wait(zx.Now() + zx.Time(10*time.Second))
	if err != nil || pk.Key != 300 {
		t.Fatalf("second packet: key %d, %v; want 300", pk.Key, err)
	}
	waitTerminated(t, r.thread.Handle)
}

func TestThreads_SuspendStopsThread(t *testing.T) {
	r := newRawThread(t, storeCode())
	r.start(t, uintptr(r.data), 0)
	for r.word(0) != 1 {
		time.Sleep(time.Millisecond)
	}
	tok := suspend(t, r.thread.Handle)
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.setWord(0, 2)
		time.Sleep(50 * time.Millisecond)
		if r.word(0) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the suspended thread still runs")
		}
	}
	ctest.Must(t, "close the token", zx.Sys_handle_close(tok))
	for r.word(0) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the resumed thread does not run")
		}
		time.Sleep(time.Millisecond)
	}
	ctest.Must(t, "task_kill", zx.Sys_task_kill(r.thread.Handle))
	waitTerminated(t, r.thread.Handle)
}

func TestThreads_SuspendSelf(t *testing.T) {
	ctest.Want(t, "task_suspend(self)", suspendSelf(t, zx.Sys_task_suspend), zx.ErrNotSupported)
}

func TestThread_SuspendAfterDeath(t *testing.T) {
	r := newRawThread(t, sleepCode())
	r.start(t, uintptr(infinite), 0)
	ctest.Must(t, "task_kill", zx.Sys_task_kill(r.thread.Handle))
	var tok zx.Handle
	ctest.Want(t, "task_suspend(killed thread)", zx.Sys_task_suspend(r.thread.Handle, &tok), zx.ErrBadState)
	if tok != zx.HandleInvalid {
		t.Errorf("token %#x, want ZX_HANDLE_INVALID", tok)
	}
	waitTerminated(t, r.thread.Handle)
}

func TestThreads_StartSuspendedThread(t *testing.T) {
	r := newRawThread(t, storeCode())
	tok := suspend(t, r.thread.Handle)
	r.start(t, uintptr(r.data), 0)
	if _, err := r.thread.WaitOne(zx.ThreadSuspended, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for SUSPENDED: %v", err)
	}
	time.Sleep(20 * time.Millisecond)
	if r.word(0) != 0 {
		t.Fatal("a thread started suspended ran")
	}
	ctest.Must(t, "close the token", zx.Sys_handle_close(tok))
	if _, err := r.thread.WaitOne(zx.ThreadRunning, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for RUNNING: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.word(0) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the resumed thread does not run")
		}
		time.Sleep(time.Millisecond)
	}
	ctest.Must(t, "task_kill", zx.Sys_task_kill(r.thread.Handle))
	waitTerminated(t, r.thread.Handle)
}

func TestThreads_StartSuspendedAndResumedThread(t *testing.T) {
	r := newRawThread(t, storeCode())
	tok := suspend(t, r.thread.Handle)
	ctest.Must(t, "close the token", zx.Sys_handle_close(tok))
	r.start(t, uintptr(r.data), 0)
	if _, err := r.thread.WaitOne(zx.ThreadRunning, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for RUNNING: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.word(0) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the thread does not run")
		}
		time.Sleep(time.Millisecond)
	}
	ctest.Must(t, "task_kill", zx.Sys_task_kill(r.thread.Handle))
	waitTerminated(t, r.thread.Handle)
}

// portSignal is port_wait_for_signal: a one-shot async wait on the
// thread, then the packet.
func portSignal(t *testing.T, port zx.Port, th zx.Thread, deadline zx.Time, mask zx.Signals) zx.Signals {
	t.Helper()
	if err := port.WaitAsync(th.Handle, 0, mask, zx.WaitAsyncOnce); err != nil {
		t.Fatalf("wait_async: %v", err)
	}
	pk, err := port.Wait(deadline)
	if err != nil || pk.Type != zx.PktTypeSignalOne {
		t.Fatalf("port_wait: type %d, %v", pk.Type, err)
	}
	return zx.Signals(binary.LittleEndian.Uint32(pk.Payload[4:]))
}

func suspendWaitAsync(t *testing.T) {
	ev, err := zx.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	r := newRawThread(t, waitCode())
	r.start(t, uintptr(ev.Handle), 0)
	port, err := zx.NewPort(0)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	const mask = zx.ThreadRunning | zx.ThreadSuspended
	if o := portSignal(t, port, r.thread, 0, mask); o&mask != zx.ThreadRunning {
		t.Fatalf("observed %#x, want RUNNING alone", o&mask)
	}
	if err := port.WaitAsync(r.thread.Handle, 0, zx.ThreadSuspended, zx.WaitAsyncOnce); err != nil {
		t.Fatal(err)
	}
	if _, err := port.Wait(0); err != zx.ErrTimedOut {
		t.Fatalf("port_wait: %v, want ZX_ERR_TIMED_OUT", err)
	}
	ctest.Must(t, "port_cancel", zx.Sys_port_cancel(port.Handle, r.thread.Handle, 0))

	tok := suspendSync(t, r.thread)
	if s := threadState(t, r.thread); s != zx.ThreadStateSuspended {
		t.Fatalf("state %#x, want SUSPENDED", s)
	}
	resumeSync(t, r.thread, tok)
	if s := threadState(t, r.thread); s != zx.ThreadStateRunning && s != zx.ThreadStateBlockedWaitOne {
		t.Fatalf("state %#x, want RUNNING or BLOCKED_WAIT_ONE", s)
	}
	if o := portSignal(t, port, r.thread, 0, mask); o&mask != zx.ThreadRunning {
		t.Fatalf("observed %#x, want RUNNING alone", o&mask)
	}
	waitState(t, r.thread, zx.ThreadStateBlockedWaitOne)

	tok = suspend(t, r.thread.Handle)
	if o := portSignal(t, port, r.thread, zx.Now()+zx.Time(100*time.Millisecond), zx.ThreadSuspended); o&mask != zx.ThreadSuspended {
		t.Fatalf("observed %#x, want SUSPENDED alone", o&mask)
	}
	if s := threadState(t, r.thread); s != zx.ThreadStateSuspended {
		t.Fatalf("state %#x, want SUSPENDED", s)
	}
	ctest.Must(t, "close the token", zx.Sys_handle_close(tok))
	if o := portSignal(t, port, r.thread, zx.Now()+zx.Time(100*time.Millisecond), zx.ThreadRunning); o&mask != zx.ThreadRunning {
		t.Fatalf("observed %#x, want RUNNING alone", o&mask)
	}
	waitState(t, r.thread, zx.ThreadStateBlockedWaitOne)
	ctest.Must(t, "signal", zx.Sys_object_signal(ev.Handle, 0, uint32(zx.SignalUser0)))
	if _, err := ev.WaitOne(zx.SignalUser1, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	waitTerminated(t, r.thread.Handle)
}

func TestThreads_SuspendSingleWaitAsyncSignalDelivery(t *testing.T)    { suspendWaitAsync(t) }
func TestThreads_SuspendRepeatingWaitAsyncSignalDelivery(t *testing.T) { suspendWaitAsync(t) }

// currentThread returns a handle to the OS thread the caller runs on
// (the caller holds runtime.LockOSThread): zx.ThreadSelf is the initial
// thread's, and a test goroutine may run on another. Beryl's TIDs are
// thread koids, except the initial thread's, which is the PID.
func currentThread(t *testing.T) zx.Handle {
	t.Helper()
	if syscall.Gettid() == syscall.Getpid() {
		return zx.ThreadSelf().Handle
	}
	var h zx.Handle
	ctest.Must(t, "object_get_child(own thread)", zx.Sys_object_get_child(zx.ProcessSelf().Handle, zx.Koid(syscall.Gettid()), zx.RightSameRights, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

// suspendSelf calls fn on the caller's own thread handle; a token it
// wrongly returns is closed at once, so the thread is not left suspended.
func suspendSelf(t *testing.T, fn func(zx.Handle, *zx.Handle) zx.Status) zx.Status {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var tok zx.Handle
	st := fn(currentThread(t), &tok)
	if st == zx.OK {
		zx.Sys_handle_close(tok)
	}
	return st
}

// TestThreadKillEndsBlockedCall: task_kill of a thread (not its process)
// blocked in a call that waits without a deadline ends the wait and the
// thread (Zircon: the wait returns ZX_ERR_INTERNAL_INTR_KILLED and the
// thread exits on its way out). The kill comes once the thread reports
// the blocked state, so the race of TestThread_SuspendAfterDeath (kill
// before or after the thread starts sleeping) is decided: after.
func TestThreadKillEndsBlockedCall(t *testing.T) {
	for _, c := range []struct {
		name  string
		code  func() []byte
		arg   func(t *testing.T, r *rawThread) uintptr
		state uint32
	}{
		{"nanosleep", sleepCode, func(*testing.T, *rawThread) uintptr { return uintptr(infinite) }, zx.ThreadStateBlockedSleeping},
		{"futex_wait", func() []byte {
			var a asm
			a = a.movImm(rSI, 0).movImm(rDX, 0).movImm(r10, infinite).sys(zx.SysFutexWait)
			return a.sys(zx.SysThreadExit).ud2()
		}, func(_ *testing.T, r *rawThread) uintptr { return uintptr(r.data) }, zx.ThreadStateBlockedFutex},
		{"object_wait_one", waitCode, func(t *testing.T, _ *rawThread) uintptr {
			ev, err := zx.NewEvent(0)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ev.Handle.Close() })
			return uintptr(ev.Handle)
		}, zx.ThreadStateBlockedWaitOne},
		{"object_wait_many", func() []byte {
			var a asm
			a = a.movImm(rDI, 0).movImm(rSI, 0).movImm(rDX, infinite).sys(zx.SysObjectWaitMany)
			return a.sys(zx.SysThreadExit).ud2()
		}, func(*testing.T, *rawThread) uintptr { return 0 }, zx.ThreadStateBlockedWaitMany},
		{"port_wait", portCode, func(t *testing.T, _ *rawThread) uintptr {
			var p zx.Handle
			ctest.Must(t, "port_create", zx.Sys_port_create(0, &p))
			t.Cleanup(func() { zx.Sys_handle_close(p) })
			return uintptr(p)
		}, zx.ThreadStateBlockedPort},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRawThread(t, c.code())
			r.start(t, c.arg(t, r), 0)
			waitState(t, r.thread, c.state)
			ctest.Must(t, "task_kill(thread)", zx.Sys_task_kill(r.thread.Handle))
			waitTerminated(t, r.thread.Handle)
		})
	}
}
