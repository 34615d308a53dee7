// Command soak runs Beryl under sustained mixed load and checks that the
// kernel's state does not grow without bound. For -d (default 30m) it
// runs, concurrently, each as its own processes:
//
//   - the syscall fuzzer (bin/kernelfuzz) round after round, a new seed
//     each round, without its own leak check (the other load would trip
//     it); a round that exits non-zero is a finding;
//   - the conformance suite (bin/conformance/*.test) family after family,
//     in a loop, minus the few cases that cannot hold while other programs
//     run (skipConcurrent);
//   - a process storm: kernelfuzz processes started in a job of their own
//     and killed after a random 0-100 ms, and every 16th round the whole
//     job killed.
//
// Every -interval (default 1m) it prints the kernel's object counts,
// handles and free memory. At the end it stops the load, waits for the
// kernel to settle and fails (exit 1) if the counts of the last intervals
// grew beyond -tolerance over those of the first (the least of up to
// three intervals each), or if the settled counts are not back at the
// start's. It needs the boot filesystem
// (PA_VMO_BOOTFS) holding those programs: `make soak` boots it with
// bin/zxrun and ZXRUN_FILES.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"beryl/userspace/fuzz/kstats"
	"beryl/userspace/launch"
	"beryl/userspace/launch/bootfs"
	"beryl/userspace/zx"
)

// skipConcurrent are, per family, the conformance cases that cannot hold
// while other programs run: they compare the whole kernel's object counts
// against a quiet baseline, read back their own record from the shared
// kernel debuglog (which the fuzzers fill), or assume that a goroutine
// blocks in a wait within 20 ms. The memory family exhausts the machine's
// memory on purpose, which would end the other programs' runtimes for
// want of a page: it runs alone (make conformance, qemu
// TestMemoryExhaustion), never in a soak. The linux family's file cases
// need the namespace init binds for the suite (/tmp, /dev, /boot,
// /proc), which the soak's launches do not have.
var skipConcurrent = map[string]string{
	"linux":    "^(TestTmpFiles|TestWorkingDirectory|TestDev|TestPathErrors|TestAbsoluteSymlinks|TestMmapFile|TestProcSelf|TestLinksAndModes|TestFifo|TestBadPointers)$",
	"memory":   ".",
	"process":  "^(TestUnstartedProcess|TestReap100|TestKernelStatsPrivateVmos|TestKillJobWhileCreating|TestStdioAfterKill)$",
	"debuglog": "^TestDebuglog$/^write_then_read$",
	"handle":   "^TestReplace$/^wait-canceled-by-replace$",
}

type soak struct {
	fs       *bootfs.FS
	resource zx.Handle
	stop     atomic.Bool
	mu       sync.Mutex
	findings []string
	// Counters of the load, for the interval lines.
	fuzzRounds, confRuns, confFailed, stormKills atomic.Int64
	seed                                         uint64
	fuzzN                                        int
}

func main() { os.Exit(run()) }

func run() int {
	dur := flag.Duration("d", 30*time.Minute, "how long to run the load")
	interval := flag.Duration("interval", time.Minute, "how often to print the kernel's counts")
	tolerance := flag.Float64("tolerance", 0.25, "allowed growth of the last interval's counts over the first's (fraction)")
	seed := flag.Uint64("seed", 1, "seed of the first fuzzer round (rounds count up from it)")
	fuzzN := flag.Int("fuzz-n", 50000, "calls per fuzzer round")
	flag.Parse()

	h, ok := zx.TakeStartupHandle(zx.PAVmoBootfs)
	if !ok {
		fmt.Println("soak: no boot filesystem (PA_VMO_BOOTFS)")
		return 1
	}
	fs, err := bootfs.Open(zx.Vmo{Handle: h})
	if err != nil {
		fmt.Println("soak:", err)
		return 1
	}
	s := &soak{fs: fs, seed: *seed, fuzzN: *fuzzN}
	s.resource, _ = zx.TakeStartupHandle(zx.PAResource)
	for _, need := range []string{"bin/kernelfuzz"} {
		if _, ok := fs.Lookup(need); !ok {
			fmt.Printf("soak: %s is not in the boot filesystem\n", need)
			return 1
		}
	}
	base, err := settle(kstats.Snapshot{}, false)
	if err != nil {
		fmt.Println("soak:", err)
		return 1
	}
	fmt.Printf("soak: %v of fuzzer + conformance + process storm; start: %s\n", *dur, base)

	var wg sync.WaitGroup
	for _, w := range []func(){s.fuzzLoop, s.confLoop, s.stormLoop} {
		wg.Add(1)
		go func() { defer wg.Done(); w() }()
	}
	start := time.Now()
	var samples []kstats.Snapshot
	for time.Since(start) < *dur {
		time.Sleep(min(*interval, *dur-time.Since(start)))
		snap, err := kstats.Take()
		if err != nil {
			s.finding("beryl_kernel_stats: %v", err)
			break
		}
		samples = append(samples, snap)
		fmt.Printf("soak: %v: %s; fuzzer rounds %d, conformance runs %d (%d failed), storm kills %d\n",
			time.Since(start).Round(time.Second), snap, s.fuzzRounds.Load(), s.confRuns.Load(), s.confFailed.Load(), s.stormKills.Load())
	}
	s.stop.Store(true)
	fmt.Println("soak: stopping the load")
	wg.Wait()

	if len(samples) >= 2 {
		// The load comes and goes (a handle conformance case fills a
		// handle table for seconds, a fuzzer round holds 160 handles),
		// so compare the least of the first intervals with the least of
		// the last: a level that keeps rising lifts both.
		k := max(1, min(3, len(samples)/2))
		first, last := samples[:k], samples[len(samples)-k:]
		least := func(ss []kstats.Snapshot, f func(kstats.Snapshot) int64) int64 {
			m := f(ss[0])
			for _, x := range ss[1:] {
				m = min(m, f(x))
			}
			return m
		}
		grew := func(what string, f func(kstats.Snapshot) int64, slack int64) {
			a, b := least(first, f), least(last, f)
			if float64(b) > float64(a)*(1+*tolerance)+float64(slack) {
				s.finding("%s grew from %d (first intervals) to %d (last intervals)", what, a, b)
			} else {
				fmt.Printf("soak: %s: %d in the first intervals, %d in the last\n", what, a, b)
			}
		}
		grew("kernel objects", func(x kstats.Snapshot) int64 { return int64(x.LiveObjects) }, 200)
		grew("handles", func(x kstats.Snapshot) int64 { return int64(x.LiveHandles) }, 200)
		grew("processes", func(x kstats.Snapshot) int64 { return int64(x.Processes) }, 10)
		grew("used pages", kstats.Snapshot.UsedPages, 2048)
	}
	if after, err := settle(base, true); err != nil {
		s.finding("after the load: %v", err)
	} else {
		fmt.Printf("soak: settled back at the start: %s\n", after)
	}
	if len(s.findings) > 0 {
		fmt.Printf("soak: FAIL: %d findings:\n  %s\n", len(s.findings), strings.Join(s.findings, "\n  "))
		return 1
	}
	fmt.Printf("soak: PASS: %d fuzzer rounds, %d conformance runs (%d failed cases), %d storm kills\n",
		s.fuzzRounds.Load(), s.confRuns.Load(), s.confFailed.Load(), s.stormKills.Load())
	return 0
}

func (s *soak) finding(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	fmt.Println("soak: FINDING:", msg)
	s.mu.Lock()
	s.findings = append(s.findings, msg)
	s.mu.Unlock()
}

// start launches a program of the boot filesystem with its output in a
// socket (returned), a duplicate of the bootfs handle and, when soak has
// it, the root resource, as init starts its programs.
func (s *soak) start(job zx.Job, class string, argv ...string) (*launch.Process, zx.Socket, error) {
	file, ok := s.fs.Lookup(argv[0])
	if !ok {
		return nil, zx.Socket{}, fmt.Errorf("%s: not in the boot filesystem", argv[0])
	}
	img, _ := s.fs.OpenFile(file)
	mine, theirs, err := zx.NewSocket(0)
	if err != nil {
		return nil, zx.Socket{}, err
	}
	bfs, err := s.fs.Vmo.Handle.Duplicate(zx.RightSameRights)
	if err != nil {
		mine.Close()
		theirs.Close()
		return nil, zx.Socket{}, err
	}
	cfg := launch.Config{Argv: argv, Env: []string{"HOME=/", "PATH=/bin"}, Job: job, Stdout: theirs, Stderr: theirs,
		Handles: []launch.Handle{{Type: zx.PAVmoBootfs, Handle: bfs}}}
	if s.resource != zx.HandleInvalid {
		cfg.Class, cfg.Resource = class, s.resource
		if res, err := s.resource.Duplicate(zx.RightSameRights); err == nil {
			cfg.Handles = append(cfg.Handles, launch.Handle{Type: zx.PAResource, Handle: res})
		}
	}
	p, err := launch.Start(img, cfg)
	theirs.Close()
	if err != nil {
		mine.Close()
		return nil, zx.Socket{}, err
	}
	return p, mine, nil
}

// lines reads a child's output until its end, calling f on each line.
func lines(sock zx.Socket, f func(string)) {
	sc := bufio.NewScanner(socketReader{sock})
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f(sc.Text())
	}
}

// wait polls for the process's end (a goroutine blocked for long in a
// syscall makes the Go runtime start threads); with stop set it kills
// the process.
func (s *soak) wait(p *launch.Process) (int64, error) {
	for {
		if _, err := p.WaitOne(zx.ProcessTerminated, zx.Now()+zx.Time(50*time.Millisecond)); err != zx.ErrTimedOut {
			break
		}
		if s.stop.Load() {
			p.Kill()
		}
	}
	return p.Wait()
}

// fuzzLoop runs fuzzer rounds; a round that fails is a finding, with its
// last output lines.
func (s *soak) fuzzLoop() {
	for round := uint64(0); !s.stop.Load(); round++ {
		seed := s.seed + round
		p, out, err := s.start(zx.JobDefault(), "kernelfuzz", "bin/kernelfuzz", "-seed", fmt.Sprint(seed),
			"-n", fmt.Sprint(s.fuzzN), "-leakcheck=false", "-progress", "0")
		if err != nil {
			s.finding("starting kernelfuzz: %v", err)
			return
		}
		var tail []string
		done := make(chan struct{})
		go func() {
			lines(out, func(l string) {
				if strings.Contains(l, "FINDING") {
					fmt.Printf("soak: kernelfuzz seed %d: %s\n", seed, l)
				}
				tail = append(tail, l)
				if len(tail) > 60 {
					tail = tail[1:]
				}
			})
			close(done)
		}()
		code, err := s.wait(p)
		p.Close()
		<-done
		out.Close()
		switch {
		case err != nil:
			s.finding("kernelfuzz seed %d: %v", seed, err)
		case code != 0 && !s.stop.Load():
			s.finding("kernelfuzz seed %d -n %d exited %d; its last output:\n%s", seed, s.fuzzN, code, strings.Join(tail, "\n"))
		case code == 0:
			s.fuzzRounds.Add(1)
		}
	}
}

// confLoop runs the conformance families one after the other, in a loop.
func (s *soak) confLoop() {
	var families []string
	for _, n := range s.fs.Names() {
		if strings.HasPrefix(n, "bin/conformance/") && strings.HasSuffix(n, ".test") {
			families = append(families, n)
		}
	}
	sort.Strings(families)
	if len(families) == 0 {
		fmt.Println("soak: no conformance families in the boot filesystem; running without them")
		return
	}
	for !s.stop.Load() {
		for _, fam := range families {
			if s.stop.Load() {
				return
			}
			argv := []string{fam, "-test.v"}
			if skip, ok := skipConcurrent[strings.TrimSuffix(path.Base(fam), ".test")]; ok {
				argv = append(argv, "-test.skip", skip)
			}
			p, out, err := s.start(zx.JobDefault(), "conformance", argv...)
			if err != nil {
				s.finding("starting %s: %v", fam, err)
				return
			}
			failed := 0
			done := make(chan struct{})
			go func() {
				var recent []string // a failing case's log lines come before its result
				lines(out, func(l string) {
					t := strings.TrimSpace(l)
					if strings.HasPrefix(t, "--- FAIL") {
						failed++
						fmt.Printf("soak: %s: %s\n", fam, t)
						for _, r := range recent {
							fmt.Printf("soak:     %s\n", r)
						}
					}
					if strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
						recent = recent[:0]
					} else if len(recent) < 8 {
						recent = append(recent, t)
					}
				})
				close(done)
			}()
			code, err := s.wait(p)
			p.Close()
			<-done
			out.Close()
			s.confRuns.Add(1)
			s.confFailed.Add(int64(failed))
			if err == nil && code != 0 && failed == 0 && !s.stop.Load() {
				s.finding("%s exited %d without a failing case (crash?)", fam, code)
			}
		}
	}
}

// stormLoop starts fuzzer processes in a job of its own and kills them
// at a random moment: during the Go runtime's start, mid-fuzzing, or
// together with their job.
func (s *soak) stormLoop() {
	rng := rand.New(rand.NewPCG(s.seed, 0x73746f726d))
	for round := 0; !s.stop.Load(); round++ {
		job, err := zx.NewJob(zx.JobDefault(), 0)
		if err != nil {
			s.finding("storm: job_create: %v", err)
			return
		}
		for k := 0; k < 16 && !s.stop.Load(); k++ {
			p, out, err := s.start(job, "kernelfuzz", "bin/kernelfuzz", "-seed", fmt.Sprint(rng.Uint64()),
				"-n", "100000000", "-leakcheck=false", "-progress", "0")
			if err != nil {
				s.finding("storm: starting kernelfuzz: %v", err)
				break
			}
			go func() { lines(out, func(string) {}); out.Close() }()
			time.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
			if k == 15 {
				// Leave the last one to the job kill.
				p.Close()
				break
			}
			if err := p.Kill(); err != nil {
				s.finding("storm: task_kill(process): %v", err)
			}
			if _, err := s.wait(p); err != nil {
				s.finding("storm: %v", err)
			}
			p.Close()
			s.stormKills.Add(1)
		}
		if err := job.Kill(); err != nil {
			s.finding("storm: task_kill(job): %v", err)
		}
		if _, err := job.WaitOne(zx.JobTerminated, zx.Now()+zx.Time(10*time.Second)); err != nil {
			s.finding("storm: job not terminated 10 s after task_kill: %v", err)
		}
		job.Close()
		s.stormKills.Add(1)
	}
}

// settle waits until two snapshots 200 ms apart agree; with check, until
// they equal base (used pages within 256 pages), or fails after 60 s.
func settle(base kstats.Snapshot, check bool) (kstats.Snapshot, error) {
	return kstats.Settle(base, check, 200*time.Millisecond, 60*time.Second, 256)
}

// socketReader reads a socket until its peer is gone.
type socketReader struct{ zx.Socket }

func (r socketReader) Read(p []byte) (int, error) {
	for {
		n, err := r.Socket.Read(p, 0)
		switch err {
		case nil:
			return n, nil
		case zx.ErrShouldWait:
			if _, err := r.Socket.WaitOne(zx.SocketReadable|zx.SocketPeerClosed, zx.TimeInfinite); err != nil {
				return 0, err
			}
		case zx.ErrPeerClosed:
			return 0, io.EOF
		default:
			return 0, err
		}
	}
}
