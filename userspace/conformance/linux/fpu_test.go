package linux

import (
	"runtime"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"beryl/arch/x86/fpcheck"
)

// sleep2ms is nanosleep's argument (a global: it must not move); longer
// than the sleeps the kernel serves by yielding, so that the thread
// blocks on a timer.
var sleep2ms = syscall.Timespec{Nsec: 2_000_000}

// TestFPUState: the x87 and SSE state of user threads (register stack,
// control word, XMM0-15, MXCSR, non-default rounding in both) survives
// system calls, timer interrupts taken in ring 3, and switches between
// threads that each hold different state, whatever the kernel's
// switching mode.
func TestFPUState(t *testing.T) {
	// A P for each thread, so that the kernel, not the Go scheduler,
	// interleaves them (Loop runs in assembly: no preemption point).
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, c := range []struct {
		name    string
		n, spin int
		nr, arg uintptr
	}{
		{"getppid", 2000, 0, syscall.SYS_GETPPID, 0},
		{"sched_yield", 300, 1000, syscall.SYS_SCHED_YIELD, 0},
		// Every thread asleep: the kernel's runtime threads park and
		// wake, and a thread resumes on another of them.
		{"nanosleep", 50, 1000, syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&sleep2ms))},
		{"interrupts", 10, 500000, syscall.SYS_GETPPID, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			const threads = 3
			var wg sync.WaitGroup
			res := make([]int, threads)
			for i := range threads {
				wg.Add(1)
				go func() {
					defer wg.Done()
					runtime.LockOSThread() // one user thread each
					defer runtime.UnlockOSThread()
					res[i] = fpcheck.Loop(uint64(i+1)*0x1234567, c.n, c.spin, c.nr, c.arg)
				}()
			}
			wg.Wait()
			for i, r := range res {
				if r != -1 {
					t.Errorf("thread %d: x87/SSE state changed across call %d of %d", i, r, c.n)
				}
			}
		})
	}
}
