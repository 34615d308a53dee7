// Package smp is the conformance family for running on several CPUs: the
// scheduler's per-CPU accounting (beryl_kernel_stats busy and idle time,
// ZX_INFO_THREAD_STATS last CPU, ZX_INFO_THREAD affinity) and short
// stress cases run from init: channel ping-pong pairs and a contended
// futex on threads that the kernel spreads over the CPUs, a mapping read
// on one CPU while another unmaps it (TLB shootdown: the read must
// fault, never see the old page), a storm of processes started and
// killed, and the kernel's garbage collector under that load. Each case
// leaves the kernel's object counts and used pages where they were (the
// Go runtimes' own heap mappings, in any process, taken out).
// With one CPU (or with the other CPUs idle) the cases still run; the
// checks that need parallelism say so and only apply when threads run
// on more than one CPU.
package smp

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"beryl/userspace/fuzz/kstats"
	"beryl/userspace/launch"
	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

// workerEnv names the worker mode of a relaunched test binary.
const workerEnv = "BERYL_SMP_WORKER"

// TestMain runs the worker a relaunched binary names, else the tests.
func TestMain(m *testing.M) { relaunch.Main(m, workerEnv, worker) }

func worker(mode string) int {
	switch mode {
	case "spin":
		// Runs until killed, on every thread its runtime has.
		var n atomic.Uint64
		for i := 0; i < runtime.GOMAXPROCS(0)-1; i++ {
			go func() {
				for {
					n.Add(1)
				}
			}()
		}
		for {
			n.Add(1)
			if n.Load()%(1<<16) == 0 {
				runtime.Gosched()
			}
		}
	case "exit":
		return 0
	case "mmap":
		return mmapWorker()
	case "threads":
		return threadsWorker()
	}
	return 100
}

// awaitGo is a channel worker's start: it answers "ready" on its PA_USER0
// channel and waits for a message; a non-zero code is the exit status of
// what failed.
func awaitGo() (zx.Channel, int) {
	h, ok := zx.TakeStartupHandle(zx.PAUser0)
	if !ok {
		return zx.Channel{}, 3
	}
	ch := zx.Channel{Handle: h}
	if ch.Write([]byte("ready"), nil, 0) != nil {
		return ch, 4
	}
	var b [16]byte
	if _, err := ch.Handle.WaitOne(zx.ChannelReadable, zx.TimeInfinite); err != nil {
		return ch, 5
	}
	if _, _, err := ch.Read(b[:], nil, 0); err != nil {
		return ch, 6
	}
	return ch, 0
}

// mmapWorker answers "ready" on its PA_USER0 channel, then on any
// message maps mmapRegions anonymous regions (each a VMO of its own),
// touches them, answers "done" and waits to be killed.
func mmapWorker() int {
	ch, code := awaitGo()
	if code != 0 {
		return code
	}
	var keep [][]byte
	for range mmapRegions {
		m, err := syscall.Mmap(-1, 0, 64<<10, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			return 7
		}
		m[0] = 1
		keep = append(keep, m)
	}
	if ch.Write([]byte("done"), nil, 0) != nil {
		return 8
	}
	// Until killed (or the launcher's end closes); the mappings stay.
	ch.Handle.WaitOne(zx.ChannelPeerClosed, zx.TimeInfinite)
	runtime.KeepAlive(keep)
	return 0
}

// mmapRegions is how many mappings mmapWorker adds.
const mmapRegions = 8

// kernelStats reads beryl_kernel_stats or fails t.
func kernelStats(t testing.TB) zx.KernelStats {
	t.Helper()
	s, err := zx.GetKernelStats(zx.HandleInvalid)
	if err != nil {
		t.Fatalf("beryl_kernel_stats: %v", err)
	}
	return s
}

// schedCPUs is the number of CPUs that run threads: what the Go runtime
// sees (sched_getaffinity).
func schedCPUs() int { return runtime.NumCPU() }

// onThreads runs f(i) for i < n, each on a goroutine locked to its own
// thread, and waits for all.
func onThreads(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			f(i)
		}()
	}
	wg.Wait()
}

// spin keeps the CPU busy for d.
func spin(d time.Duration) uint64 {
	var x uint64
	for end := time.Now().Add(d); time.Now().Before(end); {
		for i := 0; i < 1000; i++ {
			x = x*6364136223846793005 + 1
		}
	}
	return x
}

// quiesce waits until two snapshots 100 ms apart agree (earlier cases'
// processes are torn down) and returns the second.
func quiesce(t *testing.T) kstats.Snapshot {
	t.Helper()
	prev, err := kstats.Take()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		time.Sleep(100 * time.Millisecond)
		s, err := kstats.Take()
		if err != nil {
			t.Fatal(err)
		}
		if s.SameCounts(prev) {
			return s
		}
		prev = s
	}
	t.Fatalf("the kernel's counts do not settle: %v", prev)
	return prev
}

// expectBaseline waits (teardown is asynchronous) until objects, handles
// and processes are back at before and the pages others hold have not
// grown by more than slack, then fails with both snapshots if not.
func expectBaseline(t *testing.T, before kstats.Snapshot, slack int64) {
	t.Helper()
	var after kstats.Snapshot
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		if after, err = kstats.Take(); err != nil {
			t.Fatal(err)
		}
		if after.SameCounts(before) && after.UsedPages() <= before.UsedPages()+slack {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not back at baseline:\nbefore: %v\nafter:  %v\n%s", before, after, before.Diff(after))
		}
	}
}

// startChanWorker starts this binary as the worker mode names, with a
// channel on PA_USER0, and returns its process, a function that waits
// for the worker's next message and checks it, and one that sends it
// "go". The worker is killed at cleanup.
func startChanWorker(t *testing.T, mode string) (proc zx.Process, await func(want string), kick func()) {
	t.Helper()
	mine, theirs, err := zx.NewChannel(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mine.Handle.Close() })
	p, err := launch.Start(relaunch.SelfImage(t), launch.Config{Argv: []string{"smp.test"}, Env: relaunch.Environ(mode),
		Handles: []launch.Handle{{Type: zx.PAUser0, Handle: theirs.Handle}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Process.Kill()
		p.Process.Handle.WaitOne(zx.TaskTerminated, zx.Sys_deadline_after(zx.Duration(10*time.Second)))
		p.Close()
	})
	await = func(want string) {
		t.Helper()
		var b [16]byte
		if _, err := mine.Handle.WaitOne(zx.ChannelReadable|zx.ChannelPeerClosed, zx.Sys_deadline_after(zx.Duration(20*time.Second))); err != nil {
			t.Fatalf("waiting for %q: %v", want, err)
		}
		n, _, err := mine.Read(b[:], nil, 0)
		if err != nil || string(b[:n]) != want {
			t.Fatalf("worker: %q, %v; want %q", b[:n], err, want)
		}
	}
	kick = func() {
		t.Helper()
		if err := mine.Write([]byte("go"), nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	return p.Process, await, kick
}

// infoAvail returns how many records object_get_info topic (named name)
// has for p.
func infoAvail(t *testing.T, p zx.Process, topic uint32, name string) int {
	t.Helper()
	_, avail, err := p.GetInfo(topic, nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return int(avail)
}

// TestCountsOtherRuntimes: the leak checks' counts (kstats) take out the
// VMOs behind every live process's anonymous mappings, not just the
// caller's: another process's Go runtime mapping more heap while a case
// runs is no leak. (With the caller's alone it counted as one: fsd's
// anonymous VMOs come and go while the storm runs, the likely source of
// TestProcessStorm's "two VMOs alive" after the storm at -smp 4.) A
// worker stands in for that process.
func TestCountsOtherRuntimes(t *testing.T) {
	p, await, kick := startChanWorker(t, "mmap")
	// The worker's VMOs, one record per mapping (ZX_INFO_PROCESS_VMOS).
	vmos := func() int { return infoAvail(t, p, zx.ObjectInfoProcessVMOs, "ZX_INFO_PROCESS_VMOS") }
	await("ready")
	before := quiesce(t)
	n0 := vmos()
	kick()
	await("done")
	if n := vmos(); n < n0+mmapRegions {
		t.Fatalf("the worker has %d mappings of VMOs after mapping %d regions, had %d", n, mmapRegions, n0)
	}
	after := quiesce(t)
	if after.Objects[zx.ObjTypeVMO] != before.Objects[zx.ObjTypeVMO] {
		t.Errorf("VMOs %d → %d with another process's runtime mapping %d regions:\nbefore: %v\nafter:  %v",
			before.Objects[zx.ObjTypeVMO], after.Objects[zx.ObjTypeVMO], mmapRegions, before, after)
	}
}

// threadsWorker answers "ready" on its PA_USER0 channel, then on any
// message makes its runtime run at least threadsBlocked+1 threads (each
// of threadsBlocked goroutines locked to a thread blocked in a wait), creates one thread
// with zx_thread_create (never started), answers "done" and waits to be
// killed.
func threadsWorker() int {
	ch, code := awaitGo()
	if code != 0 {
		return code
	}
	ev, err := zx.NewEvent(0)
	if err != nil {
		return 7
	}
	var blocked sync.WaitGroup
	for range threadsBlocked {
		blocked.Add(1)
		go func() {
			runtime.LockOSThread()
			blocked.Done()
			ev.Handle.WaitOne(zx.EventSignaled, zx.TimeInfinite)
		}()
	}
	blocked.Wait()
	th, err := zx.NewThread(zx.ProcessSelf(), "unstarted", 0)
	if err != nil {
		return 8
	}
	if ch.Write([]byte("done"), nil, 0) != nil {
		return 9
	}
	ch.Handle.WaitOne(zx.ChannelPeerClosed, zx.TimeInfinite)
	runtime.KeepAlive(th)
	return 0
}

// threadsBlocked is how many threads threadsWorker blocks (more than its
// runtime starts with, so the runtime starts more).
const threadsBlocked = 8

// TestCountsOtherRuntimeThreads: the leak checks' counts take out the
// threads another live process's Go runtime starts (at -smp 4 init's or
// fsd's runtime started two during process/TestReap100, which then
// failed "thread +2"), but a thread made by zx_thread_create still
// counts. A worker stands in for that process: its runtime starts
// threads for threadsBlocked blocked goroutines and it creates one with
// zx_thread_create.
func TestCountsOtherRuntimeThreads(t *testing.T) {
	p, await, kick := startChanWorker(t, "threads")
	threads := func() int { return infoAvail(t, p, zx.ObjectInfoProcessThreads, "ZX_INFO_PROCESS_THREADS") }
	await("ready")
	before := quiesce(t)
	n0 := threads()
	kick()
	await("done")
	// Each blocked goroutine holds a thread, and the runtime needs one
	// more to answer.
	if n := threads(); n <= n0 || n < threadsBlocked+1 {
		t.Fatalf("the worker has %d running threads after blocking %d, had %d", n, threadsBlocked, n0)
	}
	after := quiesce(t)
	if got, want := after.Objects[zx.ObjTypeThread], before.Objects[zx.ObjTypeThread]+1; got != want {
		t.Errorf("threads counted %d, want %d (%d before, plus the unstarted one) with another process's runtime starting %d:\nbefore: %v\nafter:  %v",
			got, want, before.Objects[zx.ObjTypeThread], threadsBlocked, before, after)
	}
}

// TestCPUTimes: beryl_kernel_stats reports, per online CPU, busy and
// idle time that together follow the clock; with threads busy on every
// CPU that runs threads, each of those gets busier.
func TestCPUTimes(t *testing.T) {
	s0 := kernelStats(t)
	if s0.CPUs == 0 || s0.CPUs > zx.StatsCPUs {
		t.Fatalf("%d CPUs", s0.CPUs)
	}
	n := schedCPUs()
	if n > int(s0.CPUs) {
		t.Fatalf("threads run on %d CPUs of %d online", n, s0.CPUs)
	}
	m0 := zx.Sys_clock_get_monotonic()
	onThreads(n, func(int) { spin(300 * time.Millisecond) })
	s1 := kernelStats(t)
	wall := uint64(zx.Sys_clock_get_monotonic() - m0)
	for id := uint64(0); id < s1.CPUs; id++ {
		busy, idle := s1.CPUBusyNs[id]-s0.CPUBusyNs[id], s1.CPUIdleNs[id]-s0.CPUIdleNs[id]
		t.Logf("cpu %d: busy %d ms, idle %d ms of %d ms", id, busy/1e6, idle/1e6, wall/1e6)
		if s1.CPUBusyNs[id] < s0.CPUBusyNs[id] || s1.CPUIdleNs[id] < s0.CPUIdleNs[id] {
			t.Errorf("cpu %d: busy or idle time went back", id)
		}
		// Both are read at one instant per CPU, a little apart from
		// the clock reads around them.
		if sum := busy + idle; sum > wall+wall/4+5e6 || sum < wall/2 {
			t.Errorf("cpu %d: busy+idle %d ns over %d ns", id, sum, wall)
		}
		if int(id) < n && busy < wall/10 {
			t.Errorf("cpu %d runs threads but was busy only %d of %d ns with %d threads spinning", id, busy, wall, n)
		}
	}
	for id := s1.CPUs; id < zx.StatsCPUs; id++ {
		if s1.CPUBusyNs[id] != 0 || s1.CPUIdleNs[id] != 0 {
			t.Errorf("cpu %d is not online but has times", id)
		}
	}
}

// ownThreads returns handles to this process's threads.
func ownThreads(t *testing.T) []zx.Handle {
	t.Helper()
	buf := make([]byte, 8*256)
	actual, _, err := zx.ProcessSelf().GetInfo(zx.ObjectInfoProcessThreads, buf)
	if err != nil {
		t.Fatalf("get_info(PROCESS_THREADS): %v", err)
	}
	var hs []zx.Handle
	for i := uint(0); i < actual; i++ {
		koid := zx.Koid(uint64(buf[8*i]) | uint64(buf[8*i+1])<<8 | uint64(buf[8*i+2])<<16 | uint64(buf[8*i+3])<<24 |
			uint64(buf[8*i+4])<<32 | uint64(buf[8*i+5])<<40 | uint64(buf[8*i+6])<<48 | uint64(buf[8*i+7])<<56)
		var h zx.Handle
		if st := zx.Sys_object_get_child(zx.ProcessSelf().Handle, koid, zx.RightSameRights, &h); st == zx.OK {
			hs = append(hs, h)
		}
	}
	return hs
}

// TestThreadCPU: ZX_INFO_THREAD_STATS names a CPU that is online as each
// thread's last; with threads busy at once on several CPUs, they were
// last seen on more than one; ZX_INFO_THREAD's affinity mask is the CPUs
// that run threads.
func TestThreadCPU(t *testing.T) {
	s := kernelStats(t)
	n := schedCPUs()
	var ready sync.WaitGroup
	ready.Add(n)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		onThreads(n, func(int) {
			ready.Done()
			for {
				select {
				case <-stop:
					return
				default:
					spin(time.Millisecond)
				}
			}
		})
		close(done)
	}()
	ready.Wait()
	spin(100 * time.Millisecond)
	seen := map[uint32]bool{}
	hs := ownThreads(t)
	for _, h := range hs {
		var b [16]byte
		if _, _, err := h.GetInfo(zx.ObjectInfoThreadStats, b[:]); err != nil {
			t.Fatalf("get_info(THREAD_STATS): %v", err)
		}
		cpu := uint32(b[8]) | uint32(b[9])<<8 | uint32(b[10])<<16 | uint32(b[11])<<24
		if uint64(cpu) >= s.CPUs {
			t.Errorf("last_scheduled_cpu %d of %d CPUs", cpu, s.CPUs)
		}
		seen[cpu] = true
		var ti [72]byte
		if _, _, err := h.GetInfo(zx.ObjectInfoThread, ti[:]); err != nil {
			t.Fatalf("get_info(THREAD): %v", err)
		}
		var want [8]byte
		for i := 0; i < n; i++ {
			want[i/8] |= 1 << (i % 8)
		}
		if [8]byte(ti[8:16]) != want {
			t.Errorf("cpu_affinity_mask % x, want % x (%d CPUs run threads)", ti[8:16], want, n)
		}
		h.Close()
	}
	close(stop)
	<-done
	t.Logf("%d threads last ran on CPUs %v", len(hs), seen)
	if n > 1 && len(seen) < 2 {
		t.Errorf("%d threads busy at once on %d CPUs were all last seen on %v", n, n, seen)
	}
}

// TestChannelPingPong: pairs of threads (more threads than CPUs) bounce
// numbered messages over channels; every message arrives once, in
// order.
func TestChannelPingPong(t *testing.T) {
	before := quiesce(t)
	pairs := min(2*schedCPUs(), 8)
	const rounds = 200
	errs := make(chan error, 2*pairs)
	ends := make([][2]zx.Channel, pairs)
	for p := range ends {
		a, b, err := zx.NewChannel(0)
		if err != nil {
			t.Fatal(err)
		}
		ends[p] = [2]zx.Channel{a, b}
	}
	onThreads(2*pairs, func(i int) {
		ch, first := ends[i/2][i%2], i%2 == 0
		buf := make([]byte, 8)
		for r := uint64(0); r < rounds; r++ {
			if first {
				buf[0] = byte(r)
				if err := ch.Write(buf, nil, 0); err != nil {
					errs <- err
					return
				}
			}
			if _, err := ch.Handle.WaitOne(zx.ChannelReadable|zx.ChannelPeerClosed, zx.TimeInfinite); err != nil {
				errs <- err
				return
			}
			n, _, err := ch.Read(buf, nil, 0)
			if err != nil || n != 8 || buf[0] != byte(r) {
				errs <- fmt.Errorf("pair %d round %d: read %d bytes, %v, got %d", i/2, r, n, err, buf[0])
				return
			}
			if !first {
				if err := ch.Write(buf, nil, 0); err != nil {
					errs <- err
					return
				}
			}
		}
	})
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, e := range ends {
		e[0].Close()
		e[1].Close()
	}
	expectBaseline(t, before, 64)
}

// TestFutexContention: many threads take one futex-based lock and add
// to a counter under it; no increment is lost and no waiter sleeps
// through its wake-up.
func TestFutexContention(t *testing.T) {
	threads := max(8, 2*schedCPUs())
	const iters = 300
	var state int32 // 0 free, 1 locked, 2 locked with waiters
	var counter int
	var timeouts atomic.Int32
	deadline := func() zx.Time { return zx.Sys_deadline_after(zx.Duration(10 * time.Second)) }
	lock := func() {
		if atomic.CompareAndSwapInt32(&state, 0, 1) {
			return
		}
		for atomic.SwapInt32(&state, 2) != 0 {
			if st := zx.Sys_futex_wait(&state, 2, zx.HandleInvalid, deadline()); st == zx.ErrTimedOut {
				timeouts.Add(1)
			}
		}
	}
	unlock := func() {
		if atomic.SwapInt32(&state, 0) == 2 {
			zx.Sys_futex_wake(&state, 1)
		}
	}
	onThreads(threads, func(int) {
		for i := 0; i < iters; i++ {
			lock()
			counter++
			unlock()
		}
	})
	if counter != threads*iters {
		t.Errorf("counter %d, want %d", counter, threads*iters)
	}
	if n := timeouts.Load(); n != 0 {
		t.Errorf("%d futex waits slept 10 s: a wake-up was lost", n)
	}
}

// TestShootdown: one thread reads a mapping over and over while another
// unmaps it; once the unmap has returned, no read may succeed (a CPU
// still caching the translation would read a page that is already free,
// or already someone else's). Each round also commits a fresh VMO of the
// same size, which tends to reuse the freed pages.
func TestShootdown(t *testing.T) { shootdownRace(t, false) }

// TestShootdownIdleReader: the same with a reader that sleeps between its
// reads, so that its CPU idles with the address space still loaded; such
// a CPU is not interrupted by the unmap's shootdown (lazy TLB) and must
// flush before it runs the reader again.
func TestShootdownIdleReader(t *testing.T) { shootdownRace(t, true) }

func shootdownRace(t *testing.T, sleepy bool) {
	before := quiesce(t)
	const rounds = 40
	const size = 4 * zx.PageSize
	var (
		addr    atomic.Uintptr // the mapping the reader reads, 0: none
		gone    atomic.Uint64  // rounds whose unmap has returned
		seen    atomic.Uint64  // rounds the reader has read successfully
		stale   atomic.Uint64  // reads that succeeded after their unmap
		stop    atomic.Bool
		reading = make(chan struct{})
	)
	pattern := func(r uint64) uint64 { return 0x5a5a000000000000 | r }
	go func() {
		runtime.LockOSThread()
		defer close(reading)
		var last uintptr
		for !stop.Load() {
			a := addr.Load()
			if a == 0 && sleepy {
				// Read the last mapping after its unmap too: a CPU
				// that idled through the shootdown must not still
				// translate it.
				a = last
			}
			if a == 0 {
				continue
			}
			last = a
			g := gone.Load()
			v, ok := read64(a)
			if sleepy {
				time.Sleep(100 * time.Microsecond)
			}
			if !ok {
				continue
			}
			r := v &^ 0xffff000000000000
			if v&0xffff000000000000 != 0x5a5a000000000000 {
				continue // not ours: some other mapping reused the address
			}
			if r <= g && r != 0 {
				stale.Add(1)
			}
			if r > seen.Load() {
				seen.Store(r)
			}
		}
	}()
	vmar := zx.VmarRootSelf()
	for r := uint64(1); r <= rounds; r++ {
		v, err := zx.NewVmo(size, 0)
		if err != nil {
			t.Fatal(err)
		}
		var b [8]byte
		p := pattern(r)
		for i := range b {
			b[i] = byte(p >> (8 * i))
		}
		for off := uint64(0); off < size; off += zx.PageSize {
			if err := v.Write(b[:], off); err != nil {
				t.Fatal(err)
			}
		}
		a, err := vmar.Map(zx.VMPermRead, 0, v, 0, size)
		v.Close()
		if err != nil {
			t.Fatal(err)
		}
		addr.Store(uintptr(a))
		for wait := time.Now().Add(5 * time.Second); seen.Load() < r; {
			if time.Now().After(wait) {
				t.Fatalf("round %d: the reader never read the mapping", r)
			}
			runtime.Gosched()
		}
		if err := vmar.Unmap(a, size); err != nil {
			t.Fatal(err)
		}
		gone.Store(r)
		addr.Store(0)
		// Fresh pages, likely the ones just freed.
		if w, err := zx.NewVmo(size, 0); err == nil {
			w.OpRange(zx.VMOOpCommit, 0, size)
			w.Close()
		}
	}
	stop.Store(true)
	<-reading
	if n := stale.Load(); n != 0 {
		t.Errorf("%d reads succeeded after the unmap had returned", n)
	}
	expectBaseline(t, before, 64)
}

// TestProcessStorm: processes are started and killed at random moments
// from several threads at once for a while, and the kernel's messages
// churn meanwhile (its garbage collector must run under that load);
// afterwards every process, object, handle and page is back.
func TestProcessStorm(t *testing.T) {
	img := relaunch.SelfImage(t)
	before := quiesce(t)
	gc0 := kernelStats(t).KernelGCs
	const length = 2 * time.Second
	var started, killed atomic.Int32
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	end := time.Now().Add(length)
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for time.Now().Before(end) {
				p, err := launch.Start(img, launch.Config{Argv: []string{"smp.test"}, Env: relaunch.Environ("spin")})
				if err != nil {
					errs <- fmt.Errorf("launch: %v", err)
					return
				}
				started.Add(1)
				time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
				if err := p.Process.Kill(); err != nil {
					errs <- fmt.Errorf("kill: %v", err)
				}
				if _, err := p.Process.Handle.WaitOne(zx.TaskTerminated, zx.Sys_deadline_after(zx.Duration(10*time.Second))); err != nil {
					errs <- fmt.Errorf("wait: %v", err)
				}
				killed.Add(1)
				p.Close()
			}
		}()
	}
	// Churn the kernel's heap: 64 KiB messages written and read back,
	// until its collector has run (or a bound).
	a, b, err := zx.NewChannel(0)
	if err != nil {
		t.Fatal(err)
	}
	msg := make([]byte, zx.ChannelMaxMsgBytes)
	churned := 0
	for ; churned < 4000 && (time.Now().Before(end) || kernelStats(t).KernelGCs == gc0); churned++ {
		if err := a.Write(msg, nil, 0); err != nil {
			t.Fatal(err)
		}
		if _, _, err := b.Read(msg, nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	b.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	gcs := kernelStats(t).KernelGCs - gc0
	t.Logf("%d processes started, %d killed; %d MiB of messages; %d kernel GCs", started.Load(), killed.Load(), churned/16, gcs)
	if gcs == 0 {
		t.Errorf("the kernel's collector never ran during the storm")
	}
	expectBaseline(t, before, 256)
}
