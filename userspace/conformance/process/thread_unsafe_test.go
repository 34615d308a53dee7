package process

import (
	"os"
	"runtime"
	"testing"
	"time"
	"unsafe"

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
	defer th.Handle.Close()
	if _, err := th.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(time.Minute)); err != nil {
		t.Fatalf("ZX_THREAD_TERMINATED after zx_thread_exit: %v", err)
	}
	if info, err := th.Info(); err != nil || info.State != zx.ThreadStateDead {
		t.Errorf("ZX_INFO_THREAD after exit: %+v %v, want state DEAD", info, err)
	}
	if koids, err := p.Process.Threads(); err != nil || contains(koids, koidOf(t, th.Handle)) || len(koids) == 0 {
		t.Errorf("ZX_INFO_PROCESS_THREADS after the exit: %v %v, want the other threads only", koids, err)
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

func koidOf(t *testing.T, h zx.Handle) zx.Koid {
	t.Helper()
	info, err := h.BasicInfo()
	if err != nil {
		t.Fatalf("handle_basic: %v", err)
	}
	return info.Koid
}

func contains(koids []zx.Koid, k zx.Koid) bool {
	for _, x := range koids {
		if x == k {
			return true
		}
	}
	return false
}

// TestThreadInfo: ZX_INFO_THREAD gives NEW for a thread not yet started
// and RUNNING for ours (one blocked in a syscall included), with CPU 0 in
// the affinity mask; ZX_INFO_PROCESS_THREADS lists our running threads
// (our first thread among them) and not an unstarted one; both check
// type and rights, and a short buffer is BUFFER_TOO_SMALL (THREAD) or a
// partial list with avail (PROCESS_THREADS).
func TestThreadInfo(t *testing.T) {
	self, err := zx.ThreadSelf().Info()
	if err != nil || self.State != zx.ThreadStateRunning || self.CPUAffinityMask[0]&1 == 0 {
		t.Errorf("our first thread: %+v %v, want RUNNING on CPU 0", self, err)
	}
	koids, err := zx.ProcessSelf().Threads()
	if err != nil || !contains(koids, koidOf(t, zx.ThreadSelf().Handle)) {
		t.Errorf("our threads %v %v lack our first thread", koids, err)
	}
	proc, vmar, err := zx.NewProcess(zx.JobDefault(), "threadinfo", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Handle.Close()
	defer vmar.Handle.Close()
	th, err := zx.NewThread(proc, "new", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer th.Handle.Close()
	if info, err := th.Info(); err != nil || info.State != zx.ThreadStateNew {
		t.Errorf("unstarted thread: %+v %v, want NEW", info, err)
	}
	if koids, err := proc.Threads(); err != nil || len(koids) != 0 {
		t.Errorf("unstarted process threads %v %v, want none", koids, err)
	}
	var k [1]zx.Koid
	var actual, avail uint
	if st := zx.Sys_object_get_info(zx.ProcessSelf().Handle, zx.ObjectInfoProcessThreads, unsafe.Pointer(&k[0]), 8, &actual, &avail); st != zx.OK || actual != 1 || avail < 2 {
		t.Errorf("PROCESS_THREADS into one slot: %v actual %d avail %d, want OK 1 and >= 2 (the Go runtime runs several threads)", st, actual, avail)
	}
	var small [8]byte
	if st := zx.Sys_object_get_info(th.Handle, zx.ObjectInfoThread, unsafe.Pointer(&small[0]), 8, nil, nil); st != zx.ErrBufferTooSmall {
		t.Errorf("THREAD into 8 bytes: %v, want BUFFER_TOO_SMALL", st)
	}
	noInspect, err := th.Handle.Duplicate(zx.RightDuplicate | zx.RightTransfer)
	if err != nil {
		t.Fatal(err)
	}
	defer noInspect.Close()
	noEnum, err := proc.Handle.Duplicate(zx.RightDuplicate | zx.RightTransfer | zx.RightInspect)
	if err != nil {
		t.Fatal(err)
	}
	defer noEnum.Close()
	for _, c := range []struct {
		name string
		err  error
		want zx.Status
	}{
		{"thread_without_INSPECT", second((zx.Thread{Handle: noInspect}).Info()), zx.ErrAccessDenied},
		{"thread_info_of_a_process", second((zx.Thread{Handle: proc.Handle}).Info()), zx.ErrWrongType},
		{"thread_info_bad_handle", second((zx.Thread{Handle: zx.HandleInvalid}).Info()), zx.ErrBadHandle},
		{"threads_without_ENUMERATE", second((zx.Process{Handle: noEnum}).Threads()), zx.ErrAccessDenied},
		{"threads_of_a_thread", second((zx.Process{Handle: th.Handle}).Threads()), zx.ErrWrongType},
	} {
		if c.err != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }
