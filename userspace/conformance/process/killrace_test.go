package process

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"beryl/userspace/zx"
)

// killRace is the worker that, n times, creates processes in a fresh job
// on one thread while another thread kills that job. Every
// process_create either succeeds or fails with ZX_ERR_BAD_STATE (the job
// is dying); nothing may be left behind, which the parent measures.
func killRace(n int) int {
	runtime.GOMAXPROCS(2)
	for i := 0; i < n; i++ {
		job, err := zx.NewJob(zx.JobDefault(), 0)
		if err != nil {
			return 50
		}
		res := make(chan int, 1)
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for {
				p, v, err := zx.NewProcess(job, "racer", 0)
				if err == zx.ErrBadState {
					res <- 0
					return
				}
				if err != nil {
					fmt.Fprintf(os.Stderr, "killrace: process_create: %v\n", err)
					res <- 51
					return
				}
				p.Close()
				v.Close()
			}
		}()
		// Vary the moment of the kill so that it falls into different
		// points of process creation.
		for d := time.Now().Add(time.Duration(i%7) * 150 * time.Microsecond); time.Now().Before(d); {
		}
		if err := job.Kill(); err != nil {
			return 52
		}
		if code := <-res; code != 0 {
			return code
		}
		job.Close()
	}
	return 0
}

// TestKillJobWhileCreating: killing a job while another thread creates
// processes in it neither leaks processes, jobs, VMARs or handles nor
// breaks reference counts (a kill that landed between the process
// joining its job and its teardown hook being installed used to mark it
// dead without tearing it down).
func TestKillJobWhileCreating(t *testing.T) {
	run := func(n int) {
		p := start(t, fmt.Sprintf("killrace:%d", n))
		for {
			if _, err := p.WaitOne(zx.ProcessTerminated, 0); err != zx.ErrTimedOut {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if code := wait(t, p); code != 0 {
			t.Fatalf("worker exited %d", code)
		}
		p.Close()
	}
	run(1)
	before := quiesce(t)
	run(200)
	expectBaseline(t, before)
}
