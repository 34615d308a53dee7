package process

import (
	"os"
	"runtime"
	"testing"
	"time"

	"beryl/userspace/launch"
	"beryl/userspace/zx"
)

// The threadexit worker's main goroutine must run on the process's first
// thread (the one ZX_HANDLE thread self names): LockOSThread in an init
// function keeps it there.
func init() {
	if os.Getenv(workerEnv) == "threadexit" {
		runtime.LockOSThread()
	}
}

// threadExit sends a duplicate of its startup thread handle on the
// control channel and calls zx_thread_exit on that thread.
func threadExit() int {
	h, ok := zx.TakeStartupHandle(paUser0)
	if !ok {
		return 4
	}
	self, err := zx.ThreadSelf().Handle.Duplicate(zx.RightSameRights)
	if err != nil {
		return 5
	}
	if err := (zx.Channel{Handle: h}).Write([]byte("exiting"), []zx.Handle{self}, 0); err != nil {
		return 6
	}
	zx.Sys_thread_exit()
	return 7 // not reached
}

// TestThreadExit: zx_thread_exit ends only the calling thread — its
// handle gets ZX_THREAD_TERMINATED — and the process, whose other threads
// (the Go runtime's) live on, is not terminated until it is killed.
func TestThreadExit(t *testing.T) {
	mine, theirs, err := zx.NewChannel(0)
	if err != nil {
		t.Fatal(err)
	}
	defer mine.Close()
	p := start(t, "threadexit", launch.Handle{Type: paUser0, Handle: theirs.Handle})
	defer p.Close()
	defer p.Kill()
	if _, err := mine.WaitOne(zx.ChannelReadable|zx.ChannelPeerClosed, zx.Now()+zx.Time(time.Minute)); err != nil {
		t.Fatalf("waiting for the worker's thread handle: %v", err)
	}
	var b [16]byte
	var hs [1]zx.Handle
	n, nh, err := mine.Read(b[:], hs[:], 0)
	if err != nil || string(b[:n]) != "exiting" || nh != 1 {
		t.Fatalf("worker message %q, %d handles, %v", b[:n], nh, err)
	}
	th := zx.Thread{Handle: hs[0]}
	defer th.Close()
	if _, err := th.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(time.Minute)); err != nil {
		t.Fatalf("ZX_THREAD_TERMINATED after zx_thread_exit: %v", err)
	}
	// Give the process time to end if a thread exit wrongly ended it.
	if obs, err := p.WaitOne(zx.ProcessTerminated, zx.Now()+zx.Time(200*time.Millisecond)); err != zx.ErrTimedOut {
		t.Fatalf("process signals %#x %v after one thread exited, want ZX_ERR_TIMED_OUT (still running)", obs, err)
	}
	if err := p.Kill(); err != nil {
		t.Fatalf("task_kill: %v", err)
	}
	if code := wait(t, p); code != zx.TaskRetcodeSyscallKill {
		t.Errorf("return code %d after task_kill, want ZX_TASK_RETCODE_SYSCALL_KILL", code)
	}
}
