// Command compare is the guest side of `make compare` (tools/compare): one
// static GOOS=linux program that measures the same kernel primitives on
// Debian's Linux kernel (as /init of an initramfs) and on Beryl (run by
// init through bin/zxrun), and prints the medians as Go benchmark lines.
//
// Where both kernels have the mechanism, the code is the same on both:
// getppid, a futex round trip between two locked threads, the first write
// to each page of a fresh anonymous mmap, and the GC stop-the-world pause.
// Where Linux's mechanism does not exist on Beryl (pipes, fork/exec), Beryl
// runs the zx counterpart under the same benchmark name: a channel
// round trip with a child process, and userspace/launch + wait of this
// binary from the boot filesystem. Beryl also runs two rows Linux has no
// counterpart for (zx clock_get_monotonic, a zx VMO mapping's faults).
// It runs on Beryl when the launcher set ZX_BOOTSTRAP.
//
// Each benchmark is calibrated so that one repetition takes about
// compare_ms (default 200) milliseconds, then runs compare_reps (default
// 5) repetitions; the line reports the median. As PID 1 (Linux's /init) it
// mounts nothing and powers the VM off at the end; as an ordinary process
// on a host it is a quick smoke run (see main_test.go).
//
// Lines: "compare: start" first (the host times boot to it), then
// "BenchmarkNAME \t N \t V ns/op" lines, "# ..." details, "compare: done".
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"beryl/userspace/launch"
	"beryl/userspace/zx"
)

const (
	clockBoottime    = 7
	futexWaitPrivate = 0 | 128
	futexWakePrivate = 1 | 128
	madvNoHugepage   = 15
	pageSize         = 4096
	// maxChunkPages bounds one page-fault mapping: 64 MiB, well inside
	// -m 512M.
	maxChunkPages = 16384
	// paUser0 is Fuchsia's PA_USER0: the echo child's channel on Beryl.
	paUser0 = 0xF0
)

// Child modes (argv[1] of a re-executed or launched copy).
const (
	modeExit = "exit" // the spawn benchmark's child
	modeEcho = "echo" // the process round trip's echo child
)

var (
	reps   = envInt("compare_reps", 5)
	target = time.Duration(envInt("compare_ms", 200)) * time.Millisecond
	// only, when set, is a regular expression: benchmarks whose names it
	// does not match are skipped (BootToMain is always printed).
	only = os.Getenv("compare_run")
	onZx = os.Getenv("ZX_BOOTSTRAP") != ""
)

func main() {
	// The kernel's clock since boot, first thing (after the Go runtime's
	// start-up). Beryl serves CLOCK_BOOTTIME from its monotonic clock.
	bootNs := clockNs(clockBoottime)
	if len(os.Args) > 1 {
		os.Exit(child(os.Args[1]))
	}
	isInit := os.Getpid() == 1
	fmt.Println("compare: start")
	// Two locked threads that block in syscalls need a P each, or every
	// hand-off goes through sysmon; the guest still has one vCPU.
	runtime.GOMAXPROCS(4)
	os.Setenv("GOMAXPROCS", "4") // for the children
	kernel := "linux"
	if onZx {
		kernel = "beryl"
	}
	fmt.Printf("# compare: kernel=%s release=%s go=%s GOMAXPROCS=%d NumCPU=%d reps=%d target=%v\n",
		kernel, release(), runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU(), reps, target)
	fmt.Printf("BenchmarkBootToMain \t%8d\t%14d ns/op\n", 1, bootNs)

	benches := []struct {
		name  string
		zx    bool // Beryl only
		setup func() (run func(n int) time.Duration, done func())
	}{
		{"BenchmarkNullSyscallGetppid", false, plain(benchGetppid)},
		{"BenchmarkNullSyscallZx", true, plain(benchZxClock)},
		{"BenchmarkRoundTripProcesses", false, procRoundTripSetup},
		{"BenchmarkRoundTripThreadsFutex", false, futexThreadsSetup},
		{"BenchmarkPageFaultMmap", false, plain(benchPageFaultMmap)},
		{"BenchmarkPageFaultVmo", true, plain(benchPageFaultVmo)},
		{"BenchmarkSpawnWaitGo", false, plain(benchSpawn)},
	}
	for _, b := range benches {
		if b.zx && !onZx || !selected(b.name) {
			continue
		}
		measure(b.name, b.setup)
	}
	if selected("BenchmarkGCPause") {
		gcPause("BenchmarkGCPause")
	}
	fmt.Println("compare: done")
	if isInit && !onZx {
		syscall.Sync()
		if err := syscall.Reboot(syscall.LINUX_REBOOT_CMD_POWER_OFF); err != nil {
			fmt.Println("compare: power off:", err)
		}
	}
}

// child runs a child mode and returns its exit status.
func child(mode string) int {
	switch mode {
	case modeExit:
		return 0
	case modeEcho:
		if onZx {
			return channelEcho()
		}
		return pipeEcho(3, 4)
	}
	fmt.Fprintf(os.Stderr, "compare: unknown child mode %q\n", mode)
	return 100
}

// ---------------------------------------------------------------- harness

func plain(f func(n int) time.Duration) func() (func(int) time.Duration, func()) {
	return func() (func(int) time.Duration, func()) { return f, func() {} }
}

// measure warms up (one op: e.g. the echo child's start-up is not a
// round trip), calibrates n so that one repetition takes about target (as
// testing.B: aim 20% past it, grow at most 100x), runs reps repetitions
// and prints the median ns/op and, on a "#" line, all of them.
func measure(name string, setup func() (func(int) time.Duration, func())) {
	run, done := setup()
	defer done()
	run(1)
	n := 1
	for {
		d := run(n)
		if d >= target || n >= 1<<30 {
			break
		}
		next := int64(n) * 100
		if d > 0 {
			next = min(next, int64(float64(target)*1.2*float64(n)/float64(d)))
		}
		n = int(min(max(next, int64(n)+1), 1<<30))
	}
	per := make([]float64, reps)
	for i := range per {
		per[i] = float64(run(n)) / float64(n)
	}
	fmt.Printf("%s \t%8d\t%14.1f ns/op\n", name, n, median(per))
	all := make([]string, len(per))
	for i, v := range per {
		all[i] = strconv.FormatFloat(v, 'f', 1, 64)
	}
	fmt.Printf("# %s n=%d all=[%s]\n", name, n, strings.Join(all, " "))
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// ---------------------------------------------------------------- null syscall

func benchGetppid(n int) time.Duration {
	t := time.Now()
	for range n {
		syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0)
	}
	return time.Since(t)
}

func benchZxClock(n int) time.Duration {
	t := time.Now()
	for range n {
		zx.Sys_clock_get_monotonic()
	}
	return time.Since(t)
}

// ---------------------------------------------------------------- process round trip

// procRoundTripSetup starts an echo child (this binary, mode echo) and
// returns a one-byte ping-pong with it: over two pipes on Linux, over a
// channel on Beryl.
func procRoundTripSetup() (func(int) time.Duration, func()) {
	if onZx {
		return channelRoundTripSetup()
	}
	return pipeRoundTripSetup()
}

func pipeRoundTripSetup() (func(int) time.Duration, func()) {
	var to, from [2]int
	if err := syscall.Pipe2(to[:], syscall.O_CLOEXEC); err != nil {
		fatal("pipe: %v", err)
	}
	if err := syscall.Pipe2(from[:], syscall.O_CLOEXEC); err != nil {
		fatal("pipe: %v", err)
	}
	// fd 3 reads the pings, fd 4 writes the pongs. ForkExec rather than
	// os/exec, which would open /dev/null (not mounted under /init).
	pid, err := syscall.ForkExec(self(), []string{self(), modeEcho}, &syscall.ProcAttr{
		Env: os.Environ(), Files: []uintptr{0, 1, 2, uintptr(to[0]), uintptr(from[1])}})
	if err != nil {
		fatal("start echo child: %v", err)
	}
	syscall.Close(to[0])
	syscall.Close(from[1])
	wfd, rfd := to[1], from[0]
	run := func(n int) time.Duration {
		b := []byte{'x'}
		t := time.Now()
		for range n {
			if m, err := syscall.Write(wfd, b); m != 1 {
				fatal("ping write: %v", err)
			}
			if m, err := syscall.Read(rfd, b); m != 1 {
				fatal("ping read: %d %v", m, err)
			}
		}
		return time.Since(t)
	}
	done := func() {
		syscall.Close(wfd)
		wait4(pid)
		syscall.Close(rfd)
	}
	return run, done
}

// pipeEcho copies single bytes from rfd to wfd until EOF.
func pipeEcho(rfd, wfd int) int {
	var b [1]byte
	for {
		if n, _ := syscall.Read(rfd, b[:]); n != 1 {
			return 0
		}
		if n, _ := syscall.Write(wfd, b[:]); n != 1 {
			return 0
		}
	}
}

func channelRoundTripSetup() (func(int) time.Duration, func()) {
	mine, theirs, err := zx.NewChannel(0)
	if err != nil {
		fatal("channel: %v", err)
	}
	p, err := launch.Start(selfImage(), launch.Config{Argv: []string{os.Args[0], modeEcho}, Env: os.Environ(),
		Handles: []launch.Handle{{Type: paUser0, Handle: theirs.Handle}}})
	if err != nil {
		fatal("start echo child: %v", err)
	}
	run := func(n int) time.Duration {
		b := []byte{'x'}
		t := time.Now()
		for range n {
			if err := mine.Write(b, nil, 0); err != nil {
				fatal("ping write: %v", err)
			}
			if _, err := mine.WaitOne(zx.ChannelReadable, zx.TimeInfinite); err != nil {
				fatal("ping wait: %v", err)
			}
			if m, _, err := mine.Read(b, nil, 0); err != nil || m != 1 {
				fatal("ping read: %d %v", m, err)
			}
		}
		return time.Since(t)
	}
	done := func() {
		mine.Close()
		if code, err := p.Wait(); err != nil || code != 0 {
			fatal("echo child: exit %d %v", code, err)
		}
		p.Close()
	}
	return run, done
}

// channelEcho answers every message on its PA_USER0 channel until the
// peer goes.
func channelEcho() int {
	h, ok := zx.TakeStartupHandle(paUser0)
	if !ok {
		return 3
	}
	ch := zx.Channel{Handle: h}
	var b [64]byte
	for {
		obs, err := ch.WaitOne(zx.ChannelReadable|zx.ChannelPeerClosed, zx.TimeInfinite)
		if err != nil {
			return 4
		}
		if obs&zx.ChannelReadable == 0 {
			return 0
		}
		n, _, err := ch.Read(b[:], nil, 0)
		if err != nil {
			return 5
		}
		if err := ch.Write(b[:n], nil, 0); err != nil {
			return 0
		}
	}
}

// ---------------------------------------------------------------- thread round trip

// waitFor blocks until *addr == want.
func waitFor(addr *uint32, want uint32) {
	for {
		v := atomic.LoadUint32(addr)
		if v == want {
			return
		}
		futex(addr, futexWaitPrivate, uintptr(v))
	}
}

func post(addr *uint32, v uint32) {
	atomic.StoreUint32(addr, v)
	futex(addr, futexWakePrivate, 1)
}

// futexThreadsSetup: two locked OS threads pass a sequence number back and
// forth through one futex word; one op is a round trip (two wakes, two
// waits, two switches on one vCPU).
func futexThreadsSetup() (func(int) time.Duration, func()) {
	var word uint32
	var stop atomic.Bool
	finished := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		next := uint32(1)
		for {
			waitFor(&word, next)
			if stop.Load() {
				close(finished)
				return
			}
			post(&word, next+1)
			next += 2
		}
	}()
	runtime.LockOSThread()
	seq := uint32(0)
	run := func(n int) time.Duration {
		t := time.Now()
		for range n {
			post(&word, seq+1)
			seq += 2
			waitFor(&word, seq)
		}
		return time.Since(t)
	}
	done := func() {
		stop.Store(true)
		post(&word, seq+1)
		<-finished
		runtime.UnlockOSThread()
	}
	return run, done
}

// ---------------------------------------------------------------- page faults

// benchPageFaultMmap: n pages. Map fresh anonymous memory (THP off where
// the kernel has it), time one write per page, unmap untimed.
func benchPageFaultMmap(n int) time.Duration {
	var total time.Duration
	for n > 0 {
		pages := min(n, maxChunkPages)
		n -= pages
		b, err := syscall.Mmap(-1, 0, pages*pageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS)
		if err != nil {
			fatal("mmap: %v", err)
		}
		syscall.Madvise(b, madvNoHugepage) // Beryl has no THP: the error does not matter
		total += touch(b)
		if err := syscall.Munmap(b); err != nil {
			fatal("munmap: %v", err)
		}
	}
	return total
}

// benchPageFaultVmo: the same through a zx VMO mapped read-write into the
// root VMAR (Beryl only).
func benchPageFaultVmo(n int) time.Duration {
	var total time.Duration
	for n > 0 {
		pages := min(n, maxChunkPages)
		n -= pages
		size := uint64(pages * pageSize)
		vmo, err := zx.NewVmo(size, 0)
		if err != nil {
			fatal("vmo_create: %v", err)
		}
		addr, err := zx.VmarRootSelf().Map(zx.VMPermRead|zx.VMPermWrite, 0, vmo, 0, uint(size))
		if err != nil {
			fatal("vmar_map: %v", err)
		}
		total += touch(mapping(uintptr(addr), size))
		if err := zx.VmarRootSelf().Unmap(addr, uint(size)); err != nil {
			fatal("vmar_unmap: %v", err)
		}
		vmo.Close()
	}
	return total
}

// touch writes one byte to each page of b and returns the time it took.
func touch(b []byte) time.Duration {
	t := time.Now()
	for i := 0; i < len(b); i += pageSize {
		b[i] = 1
	}
	return time.Since(t)
}

// ---------------------------------------------------------------- spawn

// benchSpawn starts this binary (mode exit) and waits for it, n times:
// ForkExec (vfork+exec) + wait4 on Linux, userspace/launch from the boot
// filesystem + wait on Beryl. Both include the child's Go runtime start-up.
func benchSpawn(n int) time.Duration {
	if onZx {
		img := selfImage()
		cfg := launch.Config{Argv: []string{os.Args[0], modeExit}, Env: os.Environ()}
		t := time.Now()
		for range n {
			p, err := launch.Start(img, cfg)
			if err != nil {
				fatal("launch: %v", err)
			}
			if code, err := p.Wait(); err != nil || code != 0 {
				fatal("child: exit %d %v", code, err)
			}
			p.Close()
		}
		return time.Since(t)
	}
	attr := &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}}
	argv := []string{self(), modeExit}
	t := time.Now()
	for range n {
		pid, err := syscall.ForkExec(argv[0], argv, attr)
		if err != nil {
			fatal("fork/exec: %v", err)
		}
		wait4(pid)
	}
	return time.Since(t)
}

func wait4(pid int) {
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || ws.ExitStatus() != 0 {
			fatal("wait4 %d: %v status %v", pid, err, ws)
		}
		return
	}
}

// self is this binary's path for exec: /proc/self/exe where /proc is
// mounted (a host), else argv[0] (/init).
func self() string {
	if exe, err := os.Executable(); err == nil {
		return exe
	}
	return os.Args[0]
}

var bootfsImage *io.SectionReader

// selfImage is this binary in Beryl's boot filesystem (PA_VMO_BOOTFS,
// which init passes on): bin/NAME under zxrun.
func selfImage() *io.SectionReader {
	if bootfsImage != nil {
		return bootfsImage
	}
	h, ok := zx.TakeStartupHandle(zx.PAVmoBootfs)
	if !ok {
		fatal("no boot filesystem (PA_VMO_BOOTFS)")
	}
	fs, err := launch.NewVmoReader(zx.Vmo{Handle: h})
	if err != nil {
		fatal("bootfs: %v", err)
	}
	name := "bin/" + filepath.Base(os.Args[0])
	if bootfsImage, err = launch.FindFile(fs, name); err != nil {
		fatal("bootfs %s: %v", name, err)
	}
	return bootfsImage
}

// ---------------------------------------------------------------- GC

// gcPause forces 21 collections over a 16 MiB live heap of 1 KiB objects
// and prints the median stop-the-world pause (MemStats.PauseNs: both STW
// phases of a cycle).
func gcPause(name string) {
	heap := make([][]byte, 0, 16<<10)
	for range 16 << 10 {
		heap = append(heap, make([]byte, 1024))
	}
	const cycles = 21
	pauses := make([]float64, 0, cycles)
	var ms runtime.MemStats
	for range cycles {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		pauses = append(pauses, float64(ms.PauseNs[(ms.NumGC+255)%256]))
	}
	runtime.KeepAlive(heap)
	slices.Sort(pauses)
	fmt.Printf("%s \t%8d\t%14.1f ns/op\n", name, cycles, pauses[cycles/2])
	fmt.Printf("# %s cycles=%d min=%.1f max=%.1f\n", name, cycles, pauses[0], pauses[cycles-1])
}

// ---------------------------------------------------------------- helpers

func release() string {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return "?"
	}
	var b []byte
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

// selected reports whether compare_run lets benchmark name run.
func selected(name string) bool {
	if only == "" {
		return true
	}
	ok, err := regexp.MatchString(only, name)
	if err != nil {
		fatal("compare_run: %v", err)
	}
	return ok
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil && v > 0 {
		return v
	}
	return def
}

// fatal reports on stdout (the serial console under /init) and exits; as
// Linux's /init it powers the VM off instead of panicking the kernel.
func fatal(format string, a ...any) {
	fmt.Printf("compare: FATAL: "+format+"\n", a...)
	if os.Getpid() == 1 && !onZx {
		syscall.Reboot(syscall.LINUX_REBOOT_CMD_POWER_OFF)
	}
	os.Exit(1)
}
