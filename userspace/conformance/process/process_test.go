// Package process is the conformance family for processes and threads
// created from userspace, run inside Beryl (go test -exec bin/zxrun): the
// test binary relaunches itself from the boot filesystem through
// userspace/launch (process_create, vmo_create/vmo_write/vmar_map of its
// segments, thread_create, a bootstrap channel, process_start) with
// BERYL_PROCESS_WORKER telling the child what to do, and checks exit codes,
// ZX_PROCESS_TERMINATED, task_kill, handle isolation and that launching
// and reaping 100 processes gives back every kernel object, handle and
// physical page.
package process

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"beryl/userspace/fuzz/kstats"
	"beryl/userspace/launch"
	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

// workerEnv names the worker mode of a relaunched test binary.
const workerEnv = "BERYL_PROCESS_WORKER"

// paUser0 is Fuchsia's PA_USER0: the control channel of a worker.
const paUser0 = 0xF0

// TestMain runs the worker a relaunched binary names, else the tests.
func TestMain(m *testing.M) { relaunch.Main(m, workerEnv, worker) }

// worker runs in the relaunched child and returns its exit status.
func worker(mode string) int {
	name, arg, _ := strings.Cut(mode, ":")
	n, _ := strconv.ParseInt(arg, 0, 64)
	switch name {
	case "exit": // exit_group through the Go runtime
		return int(n)
	case "zxexit": // zx_process_exit
		zx.Exit(n)
		return 99
	case "sleep":
		for {
			time.Sleep(time.Hour)
		}
	case "foreign": // n is a handle value of the parent
		if _, err := zx.Handle(n).BasicInfo(); err != zx.ErrBadHandle {
			return 3
		}
		return 0
	case "report":
		return report()
	case "class": // exit 0 if our class is arg
		if c, err := zx.ProcessSelf().Class(); err != nil || c != arg {
			return 8
		}
		return 0
	case "reap": // launch and reap n workers; needs the bootfs
		return reap(int(n))
	case "threadexit": // zx_thread_exit on the first thread
		return threadExit()
	case "unstarted": // create n processes and close them unstarted
		return unstarted(int(n))
	case "share": // start n sleepers from the bootfs, report, reap (share_test.go)
		return share(int(n))
	case "killrace": // create processes in n jobs while they are killed
		return killRace(int(n))
	case "badsig": // rt_sigreturn to badRIPs[n]
		return badSigreturn(int(n))
	case "echo": // answer on the control channel after the parent closed us
		h, ok := zx.TakeStartupHandle(paUser0)
		if !ok {
			return 4
		}
		ch := zx.Channel{Handle: h}
		if _, err := ch.WaitOne(zx.ChannelReadable, zx.TimeInfinite); err != nil {
			return 5
		}
		var b [64]byte
		nb, _, err := ch.Read(b[:], nil, 0)
		if err != nil {
			return 6
		}
		if err := ch.Write(append([]byte("alive:"), b[:nb]...), nil, 0); err != nil {
			return 7
		}
		return 0
	}
	return 100
}

// reap is the worker that launches n processes from the bootfs in a loop
// and reaps each; it exits 0 when every return code was right.
func reap(n int) int {
	h, ok := zx.TakeStartupHandle(zx.PAVmoBootfs)
	if !ok {
		return 30
	}
	r, err := launch.NewVmoReader(zx.Vmo{Handle: h})
	if err != nil {
		return 31
	}
	for i := 0; i < n; i++ {
		img, err := relaunch.Image(r)
		if err != nil {
			return 32
		}
		mode := fmt.Sprintf("exit:%d", i%200)
		p, err := launch.Start(img, launch.Config{Argv: []string{os.Args[0], mode}, Env: relaunch.Environ(mode)})
		if err != nil {
			fmt.Fprintln(os.Stderr, "reap:", err)
			return 33
		}
		code, err := p.Wait()
		p.Close()
		if err != nil || code != int64(i%200) {
			fmt.Fprintf(os.Stderr, "reap: process %d: return code %d %v\n", i, code, err)
			return 34
		}
	}
	return 0
}

// childReport is what a "report" worker sends.
type childReport struct {
	Koids     [4]uint64 // process, thread, root VMAR, job
	Process   uint32    // its process handle value
	Args      []string
	Bootstrap string // ZX_BOOTSTRAP
}

// report sends what the child sees on its control channel: koids of its
// startup handles, its process handle value, argv and ZX_BOOTSTRAP.
func report() int {
	h, ok := zx.TakeStartupHandle(paUser0)
	if !ok {
		return 4
	}
	var koids [4]uint64
	for i, sh := range []zx.Handle{zx.ProcessSelf().Handle, zx.ThreadSelf().Handle, zx.VmarRootSelf().Handle, zx.JobDefault().Handle} {
		info, err := sh.BasicInfo()
		if err != nil {
			return 10 + i
		}
		koids[i] = uint64(info.Koid)
	}
	msg, _ := json.Marshal(childReport{Koids: koids, Process: uint32(zx.ProcessSelf().Handle),
		Args: os.Args, Bootstrap: os.Getenv("ZX_BOOTSTRAP")})
	if err := (zx.Channel{Handle: h}).Write(msg, nil, 0); err != nil {
		return 20
	}
	return 0
}

// start launches the test binary as a worker.
func start(t testing.TB, mode string, extra ...launch.Handle) *launch.Process {
	t.Helper()
	p, err := launch.Start(relaunch.SelfImage(t), launch.Config{
		Argv:    []string{os.Args[0], "worker", mode},
		Env:     relaunch.Environ(mode),
		Handles: extra,
	})
	if err != nil {
		t.Fatalf("launch %s: %v", mode, err)
	}
	return p
}

func wait(t testing.TB, p *launch.Process) int64 {
	t.Helper()
	code, err := p.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestExitCodes(t *testing.T) {
	for _, c := range []struct {
		mode string
		want int64
	}{{"exit:0", 0}, {"exit:7", 7}, {"exit:255", 255}, {"zxexit:42", 42}, {"zxexit:-5", -5}, {"nonsense", 100}} {
		p := start(t, c.mode)
		if got := wait(t, p); got != c.want {
			t.Errorf("%s: return code %d, want %d", c.mode, got, c.want)
		}
		obs, err := p.WaitOne(zx.ProcessTerminated, 0)
		if err != nil || obs&zx.ProcessTerminated == 0 {
			t.Errorf("%s: signals %#x %v after exit", c.mode, obs, err)
		}
		info, err := p.Info()
		if err != nil || !info.Started || !info.Exited || info.ReturnCode != c.want {
			t.Errorf("%s: ZX_INFO_PROCESS %+v %v", c.mode, info, err)
		}
		p.Close()
	}
}

// TestStartupHandles: the child's startup handles are its own process,
// thread, root VMAR and our job; argv arrives; ZX_BOOTSTRAP=arg1; and the
// child's handle values mean nothing here.
func TestStartupHandles(t *testing.T) {
	mine, theirs, err := zx.NewChannel(0)
	if err != nil {
		t.Fatal(err)
	}
	defer mine.Close()
	p := start(t, "report", launch.Handle{Type: paUser0, Handle: theirs.Handle})
	defer p.Close()
	if code := wait(t, p); code != 0 {
		t.Fatalf("report worker exited %d", code)
	}
	var b [1024]byte
	n, _, err := mine.Read(b[:], nil, 0)
	if err != nil {
		t.Fatalf("reading the report: %v", err)
	}
	var r childReport
	if err := json.Unmarshal(b[:n], &r); err != nil {
		t.Fatalf("report %q: %v", b[:n], err)
	}
	t.Logf("child report: %s", b[:n])
	for i, h := range []zx.Handle{p.Handle, p.Thread.Handle, p.Vmar.Handle, zx.JobDefault().Handle} {
		info, err := h.BasicInfo()
		if err != nil || uint64(info.Koid) != r.Koids[i] {
			t.Errorf("startup handle %d: child koid %d, ours %d (%v)", i, r.Koids[i], info.Koid, err)
		}
	}
	if want := []string{os.Args[0], "worker", "report"}; fmt.Sprint(r.Args) != fmt.Sprint(want) {
		t.Errorf("child argv %q, want %q", r.Args, want)
	}
	if r.Bootstrap != zx.BootstrapArg1 {
		t.Errorf("child ZX_BOOTSTRAP=%q, want %q", r.Bootstrap, zx.BootstrapArg1)
	}
	if _, err := zx.Handle(r.Process).BasicInfo(); err != zx.ErrBadHandle {
		t.Errorf("child's process handle %#x here: %v, want ZX_ERR_BAD_HANDLE", r.Process, err)
	}
}

// TestForeignHandle: a handle value of ours is ZX_ERR_BAD_HANDLE in a child.
func TestForeignHandle(t *testing.T) {
	ev, err := zx.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	p := start(t, fmt.Sprintf("foreign:%d", ev.Handle))
	defer p.Close()
	if code := wait(t, p); code != 0 {
		t.Errorf("the child could use our handle %#x (worker exit %d)", ev.Handle, code)
	}
}

func TestKill(t *testing.T) {
	p := start(t, "sleep")
	defer p.Close()
	if _, err := p.WaitOne(zx.ProcessTerminated, zx.Now()+zx.Time(200*time.Millisecond)); err != zx.ErrTimedOut {
		t.Fatalf("sleeping worker: %v, want ZX_ERR_TIMED_OUT", err)
	}
	if info, err := p.Info(); err != nil || !info.Started || info.Exited {
		t.Fatalf("running worker: %+v %v", info, err)
	}
	if err := p.Kill(); err != nil {
		t.Fatalf("task_kill: %v", err)
	}
	if code := wait(t, p); code != zx.TaskRetcodeSyscallKill {
		t.Errorf("killed worker: return code %d, want ZX_TASK_RETCODE_SYSCALL_KILL (%d)", code, zx.TaskRetcodeSyscallKill)
	}
	if _, err := p.Thread.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(5*time.Second)); err != nil {
		t.Errorf("first thread of the killed process: %v", err)
	}
}

// TestCloseDoesNotKill: a started process outlives every handle to it.
func TestCloseDoesNotKill(t *testing.T) {
	mine, theirs, err := zx.NewChannel(0)
	if err != nil {
		t.Fatal(err)
	}
	defer mine.Close()
	p := start(t, "echo", launch.Handle{Type: paUser0, Handle: theirs.Handle})
	if err := p.Close(); err != nil {
		t.Fatalf("closing the process handle: %v", err)
	}
	if err := mine.Write([]byte("ping"), nil, 0); err != nil {
		t.Fatal(err)
	}
	obs, err := mine.WaitOne(zx.ChannelReadable|zx.SignalPeerClosed, zx.Now()+zx.Time(30*time.Second))
	if err != nil || obs&zx.ChannelReadable == 0 {
		t.Fatalf("no answer from the worker: signals %#x %v", obs, err)
	}
	var b [64]byte
	n, _, err := mine.Read(b[:], nil, 0)
	if err != nil || string(b[:n]) != "alive:ping" {
		t.Fatalf("answer %q %v", b[:n], err)
	}
}

// TestUnstartedProcess: closing the handles of a process that never
// started destroys it (Zircon) and gives everything back.
func TestUnstartedProcess(t *testing.T) {
	// A worker process does the work while this one only measures: our
	// own Go runtime would otherwise map memory (new VMOs) now and then.
	run := func(n int) {
		p := start(t, fmt.Sprintf("unstarted:%d", n))
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
	run(10)
	expectBaseline(t, before)
}

// unstarted is the worker that creates n processes with a thread and a
// mapped VMO and closes every handle without starting them.
func unstarted(n int) int {
	for i := 0; i < n; i++ {
		proc, vmar, err := zx.NewProcess(zx.JobDefault(), "unstarted", 0)
		if err != nil {
			return 40
		}
		th, err := zx.NewThread(proc, "t", 0)
		if err != nil {
			return 41
		}
		vmo, err := zx.NewVmo(1<<16, 0)
		if err != nil {
			return 42
		}
		if err := vmo.Write(make([]byte, 1<<16), 0); err != nil {
			return 43
		}
		if _, err := vmar.Map(zx.VMPermRead|zx.VMPermWrite, 0, vmo, 0, 1<<16); err != nil {
			return 44
		}
		for _, h := range []zx.Handle{vmo.Handle, th.Handle, vmar.Handle, proc.Handle} {
			h.Close()
		}
	}
	return 0
}

// rawThread runs machine code on a zx thread of this process.
type rawThread struct {
	code, data zx.Vaddr
	dataVmo    zx.Vmo
	thread     zx.Thread
}

func newRawThread(t *testing.T, code []byte) *rawThread {
	t.Helper()
	root := zx.VmarRootSelf()
	cv, err := zx.NewVmo(zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := cv.Write(code, 0); err != nil {
		t.Fatal(err)
	}
	if cv, err = cv.ReplaceAsExecutable(zx.HandleInvalid); err != nil {
		t.Fatalf("vmo_replace_as_executable: %v", err)
	}
	defer cv.Close()
	r := &rawThread{}
	if r.code, err = root.Map(zx.VMPermRead|zx.VMPermExecute, 0, cv, 0, zx.PageSize); err != nil {
		t.Fatalf("mapping code: %v", err)
	}
	if r.dataVmo, err = zx.NewVmo(4*zx.PageSize, 0); err != nil {
		t.Fatal(err)
	}
	if r.data, err = root.Map(zx.VMPermRead|zx.VMPermWrite, 0, r.dataVmo, 0, 4*zx.PageSize); err != nil {
		t.Fatal(err)
	}
	if r.thread, err = zx.NewThread(zx.ProcessSelf(), "raw", 0); err != nil {
		t.Fatalf("thread_create: %v", err)
	}
	t.Cleanup(func() {
		r.thread.Close()
		root.Unmap(r.code, zx.PageSize)
		root.Unmap(r.data, 4*zx.PageSize)
		r.dataVmo.Close()
	})
	return r
}

// TestThreadStartExit: a zx thread stores arg1 at arg2 and calls
// zx_thread_exit; its handle then signals ZX_THREAD_TERMINATED.
func TestThreadStartExit(t *testing.T) {
	code := []byte{0x48, 0x89, 0x3e} // mov [rsi], rdi
	code = append(code, 0xb8)        // mov eax, imm32
	code = binary.LittleEndian.AppendUint32(code, zx.SysThreadExit)
	code = append(code, 0x0f, 0x05, 0x0f, 0x0b) // syscall; ud2
	r := newRawThread(t, code)
	const magic = 0x1234_5678_9abc_def0
	stack := r.data + 4*zx.PageSize
	if err := r.thread.Start(r.code, stack, magic, uintptr(r.data)); err != nil {
		t.Fatalf("thread_start: %v", err)
	}
	if _, err := r.thread.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for the thread: %v", err)
	}
	var b [8]byte
	if err := r.dataVmo.Read(b[:], 0); err != nil || binary.LittleEndian.Uint64(b[:]) != magic {
		t.Fatalf("thread wrote %#x (%v), want %#x", binary.LittleEndian.Uint64(b[:]), err, uint64(magic))
	}
	if err := r.thread.Start(r.code, stack, 0, uintptr(r.data)); err == nil {
		t.Error("restarting an exited thread succeeded")
	}
}

// TestThreadKill: task_kill ends a thread spinning in user mode; the
// process goes on.
func TestThreadKill(t *testing.T) {
	r := newRawThread(t, []byte{0xeb, 0xfe}) // jmp .
	if err := r.thread.Start(r.code, r.data+4*zx.PageSize, 0, 0); err != nil {
		t.Fatalf("thread_start: %v", err)
	}
	if _, err := r.thread.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(100*time.Millisecond)); err != zx.ErrTimedOut {
		t.Fatalf("spinning thread: %v, want ZX_ERR_TIMED_OUT", err)
	}
	if err := r.thread.Kill(); err != nil {
		t.Fatalf("task_kill: %v", err)
	}
	if _, err := r.thread.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("killed thread: %v", err)
	}
}

// stats is the kernel's counts minus the VMOs behind every live
// process's anonymous mappings (kstats.RuntimeVmos) and this process's
// threads: each Go runtime (ours, fsd's, init's) maps memory (a VMO per
// mmap) when it likes, ours starts threads when it likes, and the cases
// measure everything else. A VMO no live process maps still counts.
func stats(t testing.TB) zx.KernelStats {
	t.Helper()
	s, err := zx.GetKernelStats(zx.HandleInvalid)
	if err != nil {
		t.Fatalf("beryl_kernel_stats: %v", err)
	}
	// The runtimes' heaps and the threads ours starts (more as it likes
	// with more than one CPU) are not the kernel's. Only our own heap
	// was taken out once: another runtime growing its heap during a
	// case (more often with several CPUs) then looked like a leak.
	private := kstats.RuntimeVmos(s)
	s.Objects[zx.ObjTypeVMO] -= private
	s.Objects[zx.ObjTypeThread] -= s.CallerThreads
	s.LiveObjects -= private + s.CallerThreads
	return s
}

// settle returns this process's free memory to the kernel, so that page
// counts compare the kernel's state, not our heap's.
func settle(t testing.TB) {
	debug.FreeOSMemory()
}

// quiesce waits until earlier tests' children are torn down (two
// snapshots 100 ms apart agree on processes, objects and handles) and
// returns the snapshot.
func quiesce(t testing.TB) zx.KernelStats {
	t.Helper()
	settle(t)
	prev := stats(t)
	for i := 0; i < 100; i++ {
		time.Sleep(100 * time.Millisecond)
		settle(t)
		s := stats(t)
		if s.Processes == prev.Processes && s.Objects == prev.Objects && s.LiveHandles == prev.LiveHandles {
			return s
		}
		prev = s
	}
	t.Fatalf("the kernel's counts do not settle: %s", describe(prev))
	return prev
}

// usedPages is what the other processes, VMOs and page tables hold:
// every page that is neither free, nor in the kernel's own
// (garbage-collected) heap, nor resident in this process (whose Go heap
// comes and goes with its garbage collector).
func usedPages(s zx.KernelStats) int64 {
	return int64(s.PagesTotal) - int64(s.PagesFree) - int64(s.PagesHeap) - int64(s.CallerPages)
}

func describe(s zx.KernelStats) string {
	var types []string
	for ty, n := range s.Objects {
		if n != 0 {
			types = append(types, fmt.Sprintf("%d:%d", ty, n))
		}
	}
	return fmt.Sprintf("processes %d, objects %d (by type %s; %d runtime VMOs, %d ours, not counted), handles %d, pages total %d free %d heap %d ours %d used %d",
		s.Processes, s.LiveObjects, strings.Join(types, " "), kstats.RuntimeVmos(s), s.CallerPrivateVmos, s.LiveHandles, s.PagesTotal, s.PagesFree, s.PagesHeap, s.CallerPages, usedPages(s))
}

// expectBaseline waits (teardown finishes asynchronously after
// ZX_PROCESS_TERMINATED) until objects, handles and pages are back at
// before, then fails with both snapshots if they are not.
func expectBaseline(t *testing.T, before zx.KernelStats) {
	t.Helper()
	var after zx.KernelStats
	deadline := time.Now().Add(10 * time.Second)
	for {
		settle(t)
		after = stats(t)
		if after.Objects == before.Objects && after.LiveHandles == before.LiveHandles &&
			after.Processes == before.Processes && usedPages(after) <= usedPages(before) {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("not back at baseline:\nbefore: %s\nafter:  %s", describe(before), describe(after))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("before: %s", describe(before))
	t.Logf("after:  %s", describe(after))
}

// TestReap100: 100 processes started and reaped in a loop leave the
// kernel's object counts, handle count and used pages where they were.
// The loop runs in a child (which launches its own children from the
// bootfs), so that this process, which measures, stays idle meanwhile;
// the child is reaped too before the second snapshot.
func TestReap100(t *testing.T) {
	reaper := func(n int) {
		bfs, err := relaunch.Bootfs.Vmo.Handle.Duplicate(zx.RightSameRights)
		if err != nil {
			t.Fatal(err)
		}
		p := start(t, fmt.Sprintf("reap:%d", n), launch.Handle{Type: zx.PAVmoBootfs, Handle: bfs})
		// Poll rather than block in wait_one: a goroutine blocked in a
		// syscall for seconds makes the Go runtime start threads (and
		// their stacks) in this process, which would count as objects.
		for {
			if _, err := p.WaitOne(zx.ProcessTerminated, 0); err != zx.ErrTimedOut {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if code := wait(t, p); code != 0 {
			t.Fatalf("reaper exited %d", code)
		}
		p.Close()
	}
	// Warm up the same path: lazily created objects, the kernel's heap
	// and ours. Growing our heap once maps the address range the runtime
	// then reuses, so our own mmap VMOs stay as they are (FreeOSMemory
	// only decommits).
	ballast := make([]byte, 32<<20)
	for i := 0; i < len(ballast); i += zx.PageSize {
		ballast[i] = 1
	}
	ballast = nil
	reaper(2)
	before := quiesce(t)
	t0 := time.Now()
	reaper(100)
	t.Logf("100 processes in %v", time.Since(t0))
	expectBaseline(t, before)
}
