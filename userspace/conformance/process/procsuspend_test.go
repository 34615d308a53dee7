package process

import (
	"fmt"
	"testing"
	"time"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: the ProcessTest cases of task_suspend on a process
// (utest/core/process). The original's TestProcess starts mini-process
// threads that block waiting for a command; these block in an infinite
// nanosleep, raw code mapped into the child process.

// testProcess is the original's TestProcess helper.
type testProcess struct {
	t       *testing.T
	process zx.Process
	vmar    zx.Vmar
	entry   zx.Vaddr
	threads []zx.Thread
}

func newTestProcess(t *testing.T) *testProcess {
	t.Helper()
	proc, vmar, err := zx.NewProcess(zx.JobDefault(), "test_process", 0)
	if err != nil {
		t.Fatal(err)
	}
	tp := &testProcess{t: t, process: proc, vmar: vmar}
	t.Cleanup(func() {
		proc.Kill()
		proc.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second))
		for _, th := range tp.threads {
			th.Close()
		}
		vmar.Close()
		proc.Close()
	})
	// The code: nanosleep(ZX_TIME_INFINITE), forever.
	var a asm
	a = a.movImm(rDI, infinite).sys(zx.SysNanosleep)
	a = append(a, 0xeb, byte(-len(a)-2)) // jmp to the start
	cv, err := zx.NewVmo(zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := cv.Write(a, 0); err != nil {
		t.Fatal(err)
	}
	if cv, err = cv.ReplaceAsExecutable(zx.HandleInvalid); err != nil {
		t.Fatal(err)
	}
	defer cv.Close()
	if tp.entry, err = vmar.Map(zx.VMPermRead|zx.VMPermExecute, 0, cv, 0, zx.PageSize); err != nil {
		t.Fatalf("mapping the child's code: %v", err)
	}
	return tp
}

func (tp *testProcess) createThread() {
	tp.t.Helper()
	th, err := zx.NewThread(tp.process, fmt.Sprintf("test_thread_%d", len(tp.threads)), 0)
	if err != nil {
		tp.t.Fatal(err)
	}
	tp.threads = append(tp.threads, th)
}

func (tp *testProcess) start() {
	tp.t.Helper()
	ev, err := zx.NewEvent(0)
	if err != nil {
		tp.t.Fatal(err)
	}
	ctest.Must(tp.t, "process_start", zx.Sys_process_start(tp.process.Handle, tp.threads[0].Handle, tp.entry, 0, ev.Handle, 0))
	for _, th := range tp.threads[1:] {
		if err := th.Start(tp.entry, 0, 0, 0); err != nil {
			tp.t.Fatalf("thread_start: %v", err)
		}
	}
}

// signal is WaitForThreadSignal: ok reports whether the wait for signal
// on thread i gave want (a short wait when want is ZX_ERR_TIMED_OUT).
func (tp *testProcess) signal(i int, signal zx.Signals, want error) {
	tp.t.Helper()
	d := 10 * time.Second
	if want == zx.ErrTimedOut {
		d = 50 * time.Millisecond
	}
	if _, err := tp.threads[i].WaitOne(signal, zx.Now()+zx.Time(d)); err != want {
		tp.t.Fatalf("thread %d, waiting for %#x: %v, want %v", i, signal, err, want)
	}
}

func (tp *testProcess) suspend(h zx.Handle) zx.Handle { return suspend(tp.t, h) }

func closeTok(t *testing.T, tok zx.Handle) {
	t.Helper()
	ctest.Must(t, "close the suspend token", zx.Sys_handle_close(tok))
}

func TestProcessTest_Suspend(t *testing.T) {
	tp := newTestProcess(t)
	tp.createThread()
	tp.start()
	tok := tp.suspend(tp.process.Handle)
	tp.signal(0, zx.ThreadSuspended, nil)
	closeTok(t, tok)
	tp.signal(0, zx.ThreadRunning, nil)
}

func TestProcessTest_SuspendSelf(t *testing.T) {
	var tok zx.Handle
	ctest.Want(t, "task_suspend(own process)", zx.Sys_task_suspend(zx.ProcessSelf().Handle, &tok), zx.ErrNotSupported)
}

func TestProcessTest_SuspendMultipleThreads(t *testing.T) {
	tp := newTestProcess(t)
	tp.createThread()
	tp.createThread()
	tp.createThread()
	tp.start()
	tok := tp.suspend(tp.process.Handle)
	for i := range 3 {
		tp.signal(i, zx.ThreadSuspended, nil)
	}
	closeTok(t, tok)
	for i := range 3 {
		tp.signal(i, zx.ThreadRunning, nil)
	}
}

func TestProcessTest_SuspendBeforeCreatingThreads(t *testing.T) {
	tp := newTestProcess(t)
	tok := tp.suspend(tp.process.Handle)
	tp.createThread()
	tp.start()
	tp.signal(0, zx.ThreadSuspended, nil)
	closeTok(t, tok)
	tp.signal(0, zx.ThreadRunning, nil)
}

func TestProcessTest_SuspendBeforeStartingThreads(t *testing.T) {
	tp := newTestProcess(t)
	tp.createThread()
	tok := tp.suspend(tp.process.Handle)
	tp.start()
	tp.signal(0, zx.ThreadSuspended, nil)
	closeTok(t, tok)
	tp.signal(0, zx.ThreadRunning, nil)
}

func TestProcessTest_SuspendProcessThenThread(t *testing.T) {
	tp := newTestProcess(t)
	tp.createThread()
	tp.start()
	ptok := tp.suspend(tp.process.Handle)
	tp.signal(0, zx.ThreadSuspended, nil)
	ttok := tp.suspend(tp.threads[0].Handle)
	closeTok(t, ptok)
	tp.signal(0, zx.ThreadRunning, zx.ErrTimedOut)
	closeTok(t, ttok)
	tp.signal(0, zx.ThreadRunning, nil)
}

func TestProcessTest_SuspendThreadThenProcess(t *testing.T) {
	tp := newTestProcess(t)
	tp.createThread()
	tp.start()
	ttok := tp.suspend(tp.threads[0].Handle)
	tp.signal(0, zx.ThreadSuspended, nil)
	ptok := tp.suspend(tp.process.Handle)
	closeTok(t, ptok)
	tp.signal(0, zx.ThreadRunning, zx.ErrTimedOut)
	closeTok(t, ttok)
	tp.signal(0, zx.ThreadRunning, nil)
}

func TestProcessTest_SuspendThreadAndProcessBeforeStartingProcess(t *testing.T) {
	tp := newTestProcess(t)
	ptok := tp.suspend(tp.process.Handle)
	tp.createThread()
	ttok := tp.suspend(tp.threads[0].Handle)
	tp.start()
	tp.signal(0, zx.ThreadSuspended, nil)
	closeTok(t, ptok)
	tp.signal(0, zx.ThreadRunning, zx.ErrTimedOut)
	closeTok(t, ttok)
	tp.signal(0, zx.ThreadRunning, nil)
}

func TestProcessTest_SuspendTwice(t *testing.T) {
	tp := newTestProcess(t)
	tp.createThread()
	tp.start()
	t0 := tp.suspend(tp.process.Handle)
	t1 := tp.suspend(tp.process.Handle)
	tp.signal(0, zx.ThreadSuspended, nil)
	closeTok(t, t0)
	tp.signal(0, zx.ThreadRunning, zx.ErrTimedOut)
	closeTok(t, t1)
	tp.signal(0, zx.ThreadRunning, nil)
}

func TestProcessTest_SuspendTwiceBeforeCreatingThreads(t *testing.T) {
	tp := newTestProcess(t)
	t0 := tp.suspend(tp.process.Handle)
	t1 := tp.suspend(tp.process.Handle)
	tp.createThread()
	tp.start()
	tp.signal(0, zx.ThreadSuspended, nil)
	closeTok(t, t0)
	tp.signal(0, zx.ThreadRunning, zx.ErrTimedOut)
	closeTok(t, t1)
	tp.signal(0, zx.ThreadRunning, nil)
}

func TestProcessTest_SuspendWithDyingThread(t *testing.T) {
	tp := newTestProcess(t)
	tp.createThread()
	tp.createThread()
	tp.createThread()
	tp.start()
	ctest.Must(t, "task_kill(thread 1)", zx.Sys_task_kill(tp.threads[1].Handle))
	tok := tp.suspend(tp.process.Handle)
	tp.signal(0, zx.ThreadSuspended, nil)
	tp.signal(2, zx.ThreadSuspended, nil)
	closeTok(t, tok)
	tp.signal(0, zx.ThreadRunning, nil)
	tp.signal(2, zx.ThreadRunning, nil)
}
