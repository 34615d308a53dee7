// Package memory is the conformance family for memory exhaustion, run
// inside Beryl (go test -exec bin/zxrun): a relaunched worker process
// takes all the memory it can — committed VMO pages, touched mappings,
// messages queued in the kernel — and the kernel must answer with
// ZX_ERR_NO_MEMORY (or, for a page fault no call can report, end only the
// faulting process), keep serving, and get every page back when the
// worker is gone. Exit statuses of the workers name the check that
// failed.
package memory

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"beryl/userspace/fuzz/kstats"
	"beryl/userspace/launch"
	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

// workerEnv names the worker mode of a relaunched test binary.
const workerEnv = "BERYL_MEMORY_WORKER"

// oomKilled is the return code of a process the kernel ended because a
// page fault found no memory (128 + SIGKILL, as Linux's OOM killer).
const oomKilled = 137

// TestMain runs the worker a relaunched binary names, else the tests.
func TestMain(m *testing.M) { relaunch.Main(m, workerEnv, worker) }

func worker(mode string) int {
	// One P: the workers take the machine to the edge of its memory,
	// where the kernel refuses new threads (clone) and pages; with more
	// CPUs the runtime would start threads (and fault in their signal
	// stacks) there on its own and die of it, which is not what is
	// tested.
	runtime.GOMAXPROCS(1)
	switch mode {
	case "commit":
		return commitAll()
	case "touch":
		return touchAll()
	case "messages":
		return queueAll()
	case "signal":
		return signalAtFloor(false)
	case "faultsignal":
		return signalAtFloor(true)
	case "exit":
		return 0
	}
	return 100
}

// kernelStats reads beryl_kernel_stats (panics on failure: workers use it too).
func kernelStats() zx.KernelStats {
	s, err := zx.GetKernelStats(zx.HandleInvalid)
	if err != nil {
		panic(err)
	}
	return s
}

// stillServing checks that the kernel answers calls that need no new
// memory, and returns 0 if it does.
func stillServing() int {
	if zx.Now() <= 0 {
		return 50
	}
	self := zx.ProcessSelf().Handle
	if _, err := self.BasicInfo(); err != nil {
		return 51
	}
	return 0
}

// commitAll commits a VMO as large as RAM: the commit stops at the
// kernel's reserve with NO_MEMORY. Between that and giving back a little
// (as a program that met NO_MEMORY would, so that its own Go runtime has
// pages to run on) it makes only raw calls into memory it already has: a
// fault that finds no page would stall it. Then it checks that the kernel
// still creates objects and queues messages.
func commitAll() int {
	before := kernelStats()
	size := before.PagesTotal * zx.PageSize
	msg := make([]byte, 1024)
	v, err := zx.NewVmo(size, 0)
	if err != nil {
		return 2
	}
	held, st := commitAndRelease(v, size, 512*zx.PageSize)
	switch {
	case st != zx.OK:
		return 3 // the commit did not fail with NO_MEMORY or the rest failed
	case held.PagesReserve == 0 || held.PagesFree+held.PagesFree/8 < held.PagesReserve:
		return 5 // user memory went past the reserve
	case held.PagesUser < before.PagesUser+(before.PagesFree-held.PagesReserve)/2:
		return 6 // most of the free memory should have been committed
	}
	if err := v.OpRange(zx.VMOOpCommit, 0, zx.PageSize*64); err != nil {
		return 7 // committed pages stay committed
	}
	ev, err := zx.NewEvent(0)
	if err != nil {
		return 8
	}
	ev.Close()
	a, b, err := zx.NewChannel(0)
	if err != nil {
		return 9
	}
	if a.Write(msg, nil, 0) != nil {
		return 10
	}
	if n, _, err := b.Read(msg, nil, 0); err != nil || n != 1024 {
		return 11
	}
	a.Close()
	b.Close()
	return stillServing()
}

// queueAll writes 64 KiB channel messages nobody reads until the kernel
// refuses with NO_MEMORY (its Go heap would otherwise eat the machine);
// with the gate shut, new objects fail too, calls that free memory work.
func queueAll() int {
	s := kernelStats()
	a, b, err := zx.NewChannel(0)
	if err != nil {
		return 2
	}
	msg := make([]byte, zx.ChannelMaxMsgBytes)
	limit := s.PagesTotal*zx.PageSize/uint64(len(msg)) + 64
	n := uint64(0)
	for ; n < limit; n++ {
		err = a.Write(msg, nil, 0)
		if err != nil {
			break
		}
	}
	if err != zx.ErrNoMemory {
		return 3
	}
	if n < (s.PagesFree-s.PagesReserve)*zx.PageSize/uint64(len(msg))/2 {
		return 4 // refused long before the reserve
	}
	if _, err := zx.NewEvent(0); err != zx.ErrNoMemory {
		return 5
	}
	if st := stillServing(); st != 0 {
		return st
	}
	if b.Close() != nil || a.Close() != nil {
		return 6
	}
	return 0
}

func run(t *testing.T, mode string) int64 {
	t.Helper()
	p, err := launch.Start(relaunch.SelfImage(t), launch.Config{
		Argv: []string{"memory.test", "worker", mode},
		Env:  relaunch.Environ(mode),
	})
	if err != nil {
		t.Fatalf("launch %s: %v", mode, err)
	}
	defer p.Close()
	code, err := p.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// baseline returns the kernel's counts after one worker has come and
// gone, so that what a first launch leaves in this process (its bootfs
// mapping) is in the baseline.
func baseline(t *testing.T) zx.KernelStats {
	t.Helper()
	procs := kernelStats().Processes
	if got := run(t, "exit"); got != 0 {
		t.Fatalf("worker exit: %d", got)
	}
	for range 100 {
		if s := kernelStats(); s.Processes == procs {
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the exit worker's teardown did not finish")
	return zx.KernelStats{}
}

// recovered waits until user pages and the pages neither free nor in the
// kernel's Go heap are back near the baseline, free pages are back within
// 16 MiB of it (the kernel's heap has given back what the worker made it
// hold), and objects other than threads are back to it exactly.
func recovered(t *testing.T, base zx.KernelStats) {
	t.Helper()
	const slack = 512 // pages: this process's and the kernel's heaps move
	// The kernel's heap may keep a little of what it grew by, never what
	// the worker made it hold: the next family needs that memory.
	const heapSlack = 4096
	// Every live process's runtime (ours, fsd's, init's) maps VMOs as it
	// likes, and ours starts threads: both are taken out of the object
	// counts (threads altogether: the process family checks their
	// lifetimes; this one, memory). VMOs no live process maps still
	// count, so one the worker leaked shows.
	objects := func(s zx.KernelStats) uint64 {
		return s.LiveObjects - kstats.RuntimeVmos(s) - s.Objects[zx.ObjTypeThread]
	}
	baseObjects := objects(base)
	var s zx.KernelStats
	for range 100 {
		s = kernelStats()
		if s.PagesUser <= base.PagesUser+slack && s.PagesFree+s.PagesHeap+slack >= base.PagesFree+base.PagesHeap && s.PagesFree+heapSlack >= base.PagesFree &&
			objects(s) == baseObjects && s.Processes == base.Processes {
			t.Logf("back to baseline: free %d→%d, kernel heap %d→%d pages", base.PagesFree, s.PagesFree, base.PagesHeap, s.PagesHeap)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	var types []string
	for ty := range s.Objects {
		if s.Objects[ty] != base.Objects[ty] {
			types = append(types, fmt.Sprintf("type %d: %d→%d", ty, base.Objects[ty], s.Objects[ty]))
		}
	}
	t.Errorf("not back to baseline after 10 s (objects by type %v): user pages %d→%d, free %d→%d, kernel heap %d→%d, objects %d→%d (runtime VMOs %d→%d, ours %d→%d), processes %d→%d",
		types, base.PagesUser, s.PagesUser, base.PagesFree, s.PagesFree, base.PagesHeap, s.PagesHeap, base.LiveObjects, s.LiveObjects,
		kstats.RuntimeVmos(base), kstats.RuntimeVmos(s), base.CallerPrivateVmos, s.CallerPrivateVmos, base.Processes, s.Processes)
}

// TestCommitExhaustion: a worker commits more than RAM; the commit fails
// with NO_MEMORY at the reserve, the kernel keeps creating objects for
// it, and every page comes back when it exits.
func TestCommitExhaustion(t *testing.T) {
	runRecovered(t, "commit")
	bootfsOutsideHeap(t)
}

// bootfsOutsideHeap checks, after an exhaustion episode (at whose end the
// kernel's reclaimer returns its Go heap's free pages), that the kernel
// heap does not hold a copy of the boot filesystem: the kernel keeps the
// archive in the bootfs VMO (and the boot module) only. A heap copy kept
// for execve cost every MiB of the bootfs a third MiB of RAM, and
// standard-library tests under zxrun (whose bootfs holds the program's
// source tree) ran out of memory. The heap can only be told apart from
// the bootfs when the bootfs is large (zxrun with ZXRUN_FILES, the
// conformance suite's boot).
func bootfsOutsideHeap(t *testing.T) {
	t.Helper()
	if relaunch.Bootfs == nil {
		t.Fatal("no boot filesystem (PA_VMO_BOOTFS)")
	}
	pages := uint64(relaunch.Bootfs.Size) / zx.PageSize
	if pages < minBootfsPages {
		t.Logf("bootfs of %d pages: too small to tell from the kernel heap (under %d)", pages, minBootfsPages)
		return
	}
	var s zx.KernelStats
	for range 50 {
		if s = kernelStats(); s.PagesHeap < pages/2 {
			t.Logf("kernel heap %d pages, bootfs %d pages", s.PagesHeap, pages)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("kernel heap holds %d pages after the episode, the bootfs %d: a copy of the bootfs in the heap?", s.PagesHeap, pages)
}

// minBootfsPages is the smallest bootfs (in pages) bootfsOutsideHeap
// compares with the kernel heap: 48 MiB, several times what the heap
// holds after a reclaim.
const minBootfsPages = 48 << 8

// TestFaultExhaustion: a worker touches more pages than RAM has; the
// kernel ends it (return code 137) and goes on.
func TestFaultExhaustion(t *testing.T) {
	base := baseline(t)
	if got := run(t, "touch"); got != oomKilled {
		t.Fatalf("worker return code %d, want %d (killed for want of memory)", got, oomKilled)
	}
	recovered(t, base)
}

// TestSignalAtFloor: a signal whose frame finds no memory (the machine at
// the floor page faults stop at, the alternate signal stack untouched)
// stays pending and comes once memory is back; the kernel does not kill
// the process for a bad signal stack (exit 139), as it did to the touch
// worker's parent at -smp 2 when a SIGURG came at the wrong time.
func TestSignalAtFloor(t *testing.T) {
	runRecovered(t, "signal")
}

// TestSignalFaultAtFloor: a synchronous fault (SIGSEGV with Go's handler
// installed) whose frame finds no memory stalls as a page fault without
// memory does: it ends the process for want of memory (137), or, if a
// page came free during the stall (another process's runtime gave one
// back), the handler runs and Go's panic exits with 2. Never is it taken
// for a bad signal stack (139, as before the kernel told the two apart).
func TestSignalFaultAtFloor(t *testing.T) {
	base := baseline(t)
	switch got := run(t, "faultsignal"); got {
	case oomKilled:
	case goPanicked:
		t.Log("a page came free during the stall: the handler ran")
	default:
		t.Fatalf("worker return code %d, want %d (killed for want of memory) or %d (the handler ran)", got, oomKilled, goPanicked)
	}
	recovered(t, base)
}

// runRecovered runs the worker mode names, which must pass all its
// checks (exit 0), and then the kernel's counts must be back at their
// baseline.
func runRecovered(t *testing.T, mode string) {
	t.Helper()
	base := baseline(t)
	if got := run(t, mode); got != 0 {
		t.Fatalf("worker failed check %d", got)
	}
	recovered(t, base)
}

// goPanicked is the exit status of a Go program that panicked.
const goPanicked = 2

// TestKernelHeapExhaustion: a worker queues messages until the kernel
// refuses with NO_MEMORY (below half the reserve); the kernel survives
// and frees the messages with the channel.
func TestKernelHeapExhaustion(t *testing.T) {
	runRecovered(t, "messages")
}

// TestReserveReported: beryl_kernel_stats reports the reserve and the
// user pages, and the reserve is within its documented bounds.
func TestReserveReported(t *testing.T) {
	s := kernelStats()
	if s.PagesReserve < 8<<8 && s.PagesReserve != s.PagesTotal/2 {
		t.Errorf("reserve %d pages: under 8 MiB", s.PagesReserve)
	}
	if s.PagesReserve > s.PagesTotal/2 {
		t.Errorf("reserve %d pages: over half of %d", s.PagesReserve, s.PagesTotal)
	}
	if s.PagesUser == 0 || s.PagesUser > s.PagesTotal-s.PagesFree {
		t.Errorf("user pages %d of %d used", s.PagesUser, s.PagesTotal-s.PagesFree)
	}
}
