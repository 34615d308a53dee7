// Command kernelfuzz is Beryl's spec-driven syscall fuzzer, in the spirit
// of syzkaller's Fuchsia descriptions. It runs in ring 3 (under init or
// bin/zxrun) and calls every syscall of syscall/spec.txt, drawing each
// argument from the spec's C type and attributes (zx.Syscalls, generated
// by tools/zxgen): handles from a pool of live objects of every type
// (created by the fuzzer and returned by fuzzed calls), closed, of the
// wrong type, with fewer rights, invalid or random; pointers valid, NULL,
// unmapped, in the kernel half, non-canonical, unaligned, straddling a
// guard page or read-only; sizes and counts at their boundaries; random
// options; deadlines in the past or at most 2 ms ahead.
//
// The fuzzer cannot destroy itself: its process, thread, root VMAR, job,
// startup handles and the memory holding its Go runtime never reach a
// fuzzed call (pointers go only into an arena VMAR of its own; VMARs in
// the pool are ones it allocated; jobs are children of a job of its own),
// and calls marked noreturn in the spec, or that act on the whole
// machine (machineWide), are not made.
//
// At the end it kills its children, closes every handle it holds and
// checks that the kernel's object counts, handle count and used pages are
// back where they started; it exits 1 on a leak or an unexpected result.
//
//	kernelfuzz [-seed S] [-n CALLS] [-from I] [-v] [-v-from I] [-stop-at I] [-nocap]
//
// The same seed replays the same calls. Every -reset-every calls (20000)
// the fuzzer closes everything, checks for leaks and starts a fresh
// window with its own random stream, so -from replays one window alone.
// A finding prints the seed and the last calls; rerun with -v-from
// (every call from there on, printed before it is made, so a kernel panic
// shows the call that caused it) or -stop-at (stop after that call and
// print the last ones). Results that depend on timing (a child process's
// teardown, a timer) can make a replay diverge within a window.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"beryl/userspace/fuzz/kstats"
	"beryl/userspace/zx"
)

const ringSize = 50

// record is one fuzzed call, for the ring buffer of the last calls.
type record struct {
	i    int
	d    *zx.SyscallDesc
	args [8]uint64
	ret  int64
	done bool
}

func (r *record) String() string {
	if r.d == nil {
		return ""
	}
	var as []string
	for i := range r.d.Args {
		as = append(as, fmt.Sprintf("%#x", r.args[i]))
	}
	res := "(running)"
	if r.done {
		res = resultString(r.d, r.ret)
	}
	return fmt.Sprintf("#%d %s(%s) = %s", r.i, r.d.Name, strings.Join(as, ", "), res)
}

func resultString(d *zx.SyscallDesc, ret int64) string {
	if d.Ret == "zx_status_t" {
		return zx.Status(int32(ret)).String()
	}
	return fmt.Sprint(ret)
}

// callStats counts the calls of one syscall and their results.
type callStats struct {
	calls, ok int
}

type fuzzer struct {
	rng   *rand.Rand
	seed  uint64
	pool  *pool
	ar    *arena
	addrs []uint64 // addresses calls returned (zx_vaddr_t outputs)

	// This call's state.
	sane      bool
	off       int
	touched   []zx.Handle
	slots     []slot
	vaddrOuts []int

	// Anchors: private handles the pool gets children or duplicates of.
	job      zx.Job  // child of the fuzzer's job; every fuzzed job and process is below it
	region   zx.Vmar // sub-VMAR of the root VMAR; fuzzed VMARs are allocated in it
	resource zx.Handle

	noCap        bool
	vmoCap       int
	sendCarriers bool
	// base is the kernel's state with the arena mapped and no anchors:
	// every reset checks against it (nil: no leak checks).
	base    *kstats.Snapshot
	maxPool int

	// mu guards the pool and the anchors, shared by the workers of
	// -threads; calls themselves run unlocked, concurrently.
	mu      *sync.Mutex
	id      int // worker number; 0 runs the maintenance
	workers []*fuzzer

	ring  [ringSize]record
	stats map[string]*callStats
	// trace hashes every (syscall, status): two runs with one seed make
	// the same calls, and their statuses differ only where they depend
	// on timing (a child process's teardown, a timer).
	trace   uint64
	current atomic.Int64
	started atomic.Int64 // monotonic start of the current call, 0 between calls
}

// machineWide are the calls that act on the whole machine rather than
// on objects: with the root resource the fuzzer holds, system_powerctl
// would reset or power off the machine under test, and the device calls
// would map device registers, claim interrupt lines or open I/O ports
// of the machine's real devices.
var machineWide = map[string]bool{"system_powerctl": true, "vmo_create_physical": true, "interrupt_create": true,
	"ioports_request": true, "ioports_release": true, "msi_allocate": true, "msi_create": true}

// excluded reports whether the fuzzer never makes call d: it does not
// return (process_exit, thread_exit: it would end the fuzzer) or acts on
// the whole machine.
func excluded(d *zx.SyscallDesc) bool { return d.NoReturn || machineWide[d.Name] }

func main() { os.Exit(run()) }

func run() int {
	seed := flag.Uint64("seed", 1, "random seed (a run replays exactly from it)")
	n := flag.Int("n", 10000, "number of fuzzed calls")
	verbose := flag.Bool("v", false, "print every call before making it")
	vfrom := flag.Int("v-from", -1, "print every call from this index on")
	stopAt := flag.Int("stop-at", -1, "stop after this call index and print the last calls")
	progress := flag.Int("progress", 10000, "print a progress line every this many calls")
	noCap := flag.Bool("nocap", false, "lift the cap on VMO sizes (calls then meet NO_MEMORY, and the fuzzer itself may be ended for want of a page)")
	vmoCap := flag.Int("vmo-cap", 256<<10, "largest VMO size or committed range one call may ask for, in bytes")
	leakCheck := flag.Bool("leakcheck", true, "check kernel counts against the start (off when other programs run concurrently)")
	from := flag.Int("from", 0, "start at this call index, a multiple of -reset-every: each window between resets is replayed on its own")
	resetEvery := flag.Int("reset-every", 20000, "kill the fuzzed job tree and start afresh every this many calls (and check for leaks, with -leakcheck)")
	sendCarriers := flag.Bool("send-carriers", false, "put channel and kos IPC handles into messages too (cycles of them leak)")
	threads := flag.Int("threads", 1, "fuzz from this many threads sharing the handle pool (races; no replay, no resets unless -reset-every is given, leak check at the end only)")
	flag.Parse()
	resetSet := false
	flag.Visit(func(fl *flag.Flag) { resetSet = resetSet || fl.Name == "reset-every" })
	if *threads > 1 && !resetSet {
		*resetEvery = 0
	}
	if *verbose {
		*vfrom = 0
	}
	out := os.Stdout
	fmt.Fprintf(out, "kernelfuzz: seed %d, %d calls, %d syscalls in the spec\n", *seed, *n, len(zx.Syscalls))

	var base kstats.Snapshot
	if *leakCheck {
		var err error
		if base, err = settle(kstats.Snapshot{}, false); err != nil {
			fmt.Fprintln(out, "kernelfuzz:", err)
			return 1
		}
	}
	f := &fuzzer{
		rng: rand.New(rand.NewPCG(*seed, 0)), seed: *seed,
		pool: newPool(), noCap: *noCap, vmoCap: *vmoCap, sendCarriers: *sendCarriers, maxPool: 160, stats: map[string]*callStats{},
		trace: 14695981039346656037, mu: &sync.Mutex{},
	}
	if err := f.setup(*leakCheck && *threads <= 1); err != nil {
		fmt.Fprintln(out, "kernelfuzz: setup:", err)
		return 1
	}
	f.workers = []*fuzzer{f}
	for w := 1; w < *threads; w++ {
		wf := &fuzzer{rng: rand.New(rand.NewPCG(*seed, 1<<32+uint64(w))), seed: *seed, pool: f.pool, mu: f.mu,
			noCap: *noCap, vmoCap: *vmoCap, sendCarriers: *sendCarriers, stats: map[string]*callStats{}, id: w}
		ar, err := newArena(wf.randomBytes)
		if err != nil {
			fmt.Fprintln(out, "kernelfuzz: setup:", err)
			return 1
		}
		wf.ar = ar
		f.pool.protect(ar.vmar.Handle)
		f.pool.protect(ar.vmo.Handle)
		f.workers = append(f.workers, wf)
	}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(out, "kernelfuzz: FINDING: panic in the fuzzer at call %d (seed %d): %v\n", f.current.Load(), f.seed, r)
			f.printRings()
			panic(r)
		}
	}()
	go f.watchdog()

	var eligible []*zx.SyscallDesc
	for i := range zx.Syscalls {
		d := &zx.Syscalls[i]
		// Calls that do not return (process_exit, thread_exit) end the
		// calling process or thread: made by the fuzzer they would end
		// the fuzzer, so they are left out.
		if excluded(d) {
			continue
		}
		eligible = append(eligible, d)
	}

	first := 0
	if *from > 0 {
		if *resetEvery <= 0 || *from%*resetEvery != 0 {
			fmt.Fprintf(out, "kernelfuzz: -from %d is not a multiple of -reset-every %d\n", *from, *resetEvery)
			return 2
		}
		first = *from
		f.rng = rand.New(rand.NewPCG(f.seed, uint64(first / *resetEvery)))
	}
	var findings atomic.Int64
	start := time.Now()
	last, lastT := first, start
	calls := 0
	var stop atomic.Bool
	var racers sync.WaitGroup
	var racerCalls atomic.Int64
	for _, wf := range f.workers[1:] {
		racers.Add(1)
		go func() {
			defer racers.Done()
			racerCalls.Add(int64(wf.race(eligible, &stop, &findings)))
		}()
	}
	for i := first; i < *n; i++ {
		f.mu.Lock()
		if i%16 == 0 {
			if err := f.maintain(i, *resetEvery); err != nil {
				fmt.Fprintf(out, "kernelfuzz: FINDING at call %d (seed %d): %v\n", i, f.seed, err)
				f.printRings()
				return 1
			}
		}
		d := eligible[f.rng.IntN(len(eligible))]
		r := &f.ring[i%ringSize]
		*r = record{i: i, d: d}
		f.generate(d, &r.args)
		f.scrubConsumed(d, &r.args)
		f.mu.Unlock()
		if *vfrom >= 0 && i >= *vfrom {
			fmt.Fprintln(out, r.String())
		}
		f.current.Store(int64(i))
		f.started.Store(int64(zx.Now()))
		r.ret = issue(d, &r.args)
		f.started.Store(0)
		r.done = true
		calls++
		f.mu.Lock()
		msg := f.after(d, r)
		f.mu.Unlock()
		if msg != "" {
			fmt.Fprintf(out, "kernelfuzz: FINDING at call %d (seed %d): %s\n", i, f.seed, msg)
			fmt.Fprintf(out, "  %s\n", r)
			findings.Add(1)
		}
		if *vfrom >= 0 && i >= *vfrom {
			fmt.Fprintf(out, "  = %s\n", resultString(d, r.ret))
		}
		if *progress > 0 && (i+1)%*progress == 0 {
			now := time.Now()
			f.mu.Lock()
			pooled := len(f.pool.entries)
			f.mu.Unlock()
			replay := ""
			if *resetEvery > 0 {
				replay = fmt.Sprintf("; a kernel panic from here on replays with -seed %d -from %d -v", f.seed, (i+1) / *resetEvery * *resetEvery)
			}
			fmt.Fprintf(out, "kernelfuzz: %d calls, pool %d handles, %.0f calls/s%s\n", i+1, pooled,
				float64(i+1-last)/now.Sub(lastT).Seconds(), replay)
			last, lastT = i+1, now
		}
		if i == *stopAt {
			fmt.Fprintf(out, "kernelfuzz: stopped at call %d\n", i)
			f.printRing()
			break
		}
	}
	stop.Store(true)
	racers.Wait()
	calls += int(racerCalls.Load())
	elapsed := time.Since(start)
	f.printSummary()
	fmt.Fprintf(out, "kernelfuzz: %d calls in %v: %.0f calls/s; trace hash %#x\n", calls, elapsed.Round(time.Millisecond),
		float64(calls)/elapsed.Seconds(), f.trace)
	if err := f.cleanup(); err != nil {
		fmt.Fprintln(out, "kernelfuzz: FINDING: cleanup:", err)
		findings.Add(1)
	}
	if *leakCheck {
		after, err := settle(base, true)
		if err != nil {
			fmt.Fprintf(out, "kernelfuzz: FINDING: LEAK (seed %d): %v\n", f.seed, err)
			findings.Add(1)
		} else {
			fmt.Fprintf(out, "kernelfuzz: leak check passed: %s\n", after)
		}
	}
	if n := findings.Load(); n > 0 {
		fmt.Fprintf(out, "kernelfuzz: %d findings; seed %d; last calls:\n", n, f.seed)
		f.printRings()
		return 1
	}
	fmt.Fprintln(out, "kernelfuzz: PASS")
	return 0
}

// race is the loop of a -threads worker other than the first: calls on
// the shared pool until stop, without maintenance; it returns the number
// of calls it made.
func (f *fuzzer) race(eligible []*zx.SyscallDesc, stop *atomic.Bool, findings *atomic.Int64) int {
	i := 0
	for ; !stop.Load(); i++ {
		f.mu.Lock()
		d := eligible[f.rng.IntN(len(eligible))]
		r := &f.ring[i%ringSize]
		*r = record{i: i, d: d}
		f.generate(d, &r.args)
		f.scrubConsumed(d, &r.args)
		f.mu.Unlock()
		f.current.Store(int64(i))
		f.started.Store(int64(zx.Now()))
		r.ret = issue(d, &r.args)
		f.started.Store(0)
		r.done = true
		f.mu.Lock()
		msg := f.after(d, r)
		f.mu.Unlock()
		if msg != "" {
			fmt.Printf("kernelfuzz: FINDING in thread %d at its call %d: %s\n  %s\n", f.id, i, msg, r)
			findings.Add(1)
		}
	}
	return i
}

// setup takes the protected set (every handle the process holds now),
// maps the arena and makes the anchors; with leakCheck it takes the
// baseline resets check against.
func (f *fuzzer) setup(leakCheck bool) error {
	table, st := handleTable()
	if st != zx.OK {
		return fmt.Errorf("ZX_INFO_HANDLE_TABLE: %v", st)
	}
	for _, h := range table {
		f.pool.protect(h)
	}
	for _, h := range []zx.Handle{zx.ProcessSelf().Handle, zx.ThreadSelf().Handle, zx.VmarRootSelf().Handle, zx.JobDefault().Handle} {
		f.pool.protect(h)
	}
	ar, err := newArena(f.randomBytes)
	if err != nil {
		return fmt.Errorf("arena: %w", err)
	}
	f.ar = ar
	f.pool.protect(ar.vmar.Handle)
	f.pool.protect(ar.vmo.Handle)
	if res, ok := zx.TakeStartupHandle(zx.PAResource); ok {
		// Kept (a startup handle); duplicates go to the pool.
		f.resource = res
		f.pool.protect(res)
		delete(f.pool.protectedKoid, f.koid(res))
	}
	if leakCheck {
		base, err := settle(kstats.Snapshot{}, false)
		if err != nil {
			return err
		}
		f.base = &base
	}
	return f.newAnchors()
}

func (f *fuzzer) koid(h zx.Handle) zx.Koid {
	info, _ := basicInfo(h)
	return info.Koid
}

// newAnchors makes the job every fuzzed job and process lives under and
// the VMAR every fuzzed VMAR lives in.
func (f *fuzzer) newAnchors() error {
	job, err := zx.NewJob(zx.JobDefault(), 0)
	if err != nil {
		return fmt.Errorf("job_create: %w", err)
	}
	f.job = job
	f.pool.protect(job.Handle)
	region, _, err := zx.VmarRootSelf().Allocate(zx.VMCanMapRead|zx.VMCanMapWrite|zx.VMCanMapExecute|zx.VMCanMapSpecific, 0, 64<<20)
	if err != nil {
		return fmt.Errorf("vmar_allocate: %w", err)
	}
	f.region = region
	f.pool.protect(region.Handle)
	return nil
}

// dropAnchors kills the fuzzed job tree and destroys the fuzzed VMARs.
func (f *fuzzer) dropAnchors() error {
	var err error
	if st := zx.Sys_task_kill(f.job.Handle); st != zx.OK {
		err = fmt.Errorf("task_kill(fuzz job): %v", st)
	} else if _, e := f.job.WaitOne(zx.JobTerminated, zx.Now()+zx.Time(10*time.Second)); e != nil {
		err = fmt.Errorf("fuzz job not terminated 10 s after task_kill: %v", e)
	}
	f.region.Destroy()
	for _, h := range []zx.Handle{f.job.Handle, f.region.Handle} {
		delete(f.pool.protected, h)
		zx.Sys_handle_close(h)
	}
	return err
}

// after handles a call's results: handles it returned join the pool,
// addresses the address list, handles passed to it are revalidated. It
// returns a description of anything unexpected.
func (f *fuzzer) after(d *zx.SyscallDesc, r *record) string {
	st := f.stats[d.Name]
	if st == nil {
		st = &callStats{}
		f.stats[d.Name] = st
	}
	st.calls++
	if d.Ret != "zx_time_t" && d.Ret != "zx_ticks_t" { // a clock reading is not part of the trace
		h := fnv.New64a()
		var b [12]byte
		binary.LittleEndian.PutUint32(b[:], uint32(d.Num))
		binary.LittleEndian.PutUint64(b[4:], uint64(r.ret))
		h.Write(b[:])
		f.trace = f.trace*1099511628211 ^ h.Sum64()
	}
	msg := ""
	if d.Ret == "zx_status_t" {
		s := zx.Status(int32(r.ret))
		if s == zx.OK {
			st.ok++
		}
		if s < 0 && strings.HasPrefix(s.String(), "Status(") {
			msg = fmt.Sprintf("%s returned an unknown status %d", d.Name, s)
		}
		if r.ret != int64(int32(r.ret)) {
			msg = fmt.Sprintf("%s returned %#x, not a 32-bit status", d.Name, r.ret)
		}
	}
	failed := d.Ret == "zx_status_t" && int32(r.ret) < 0
	for _, s := range f.slots {
		for k := 0; k < s.n && s.off+s.stride*(k+1) <= rwBytes; k++ {
			v := zx.Handle(f.get32(s.off + s.stride*k))
			if v == zx.HandleInvalid {
				continue
			}
			_, known := f.pool.index[v]
			if d.Name == "pager_create_vmo" && !failed && !known {
				// Nothing supplies a fuzzed pager's pages: detached at
				// once, its VMO fails what would wait for them forever
				// (vmo_read, COMMIT) with ZX_ERR_BAD_STATE.
				zx.Sys_pager_detach_vmo(zx.Handle(uint32(r.args[0])), v)
			}
			if f.pool.add(v) && failed && !known && msg == "" {
				// A call that fails must not hand out handles: the
				// caller, told it failed, would never close them.
				msg = fmt.Sprintf("%s failed (%v) but left a live handle %#x (%s) in an output array",
					d.Name, zx.Status(int32(r.ret)), v, kstats.TypeName(f.pool.entries[f.pool.index[v]].typ))
			}
		}
	}
	for _, off := range f.vaddrOuts {
		if off+8 <= rwBytes {
			if a := f.get64(off); a != 0 {
				if len(f.addrs) >= 64 {
					f.addrs = f.addrs[1:]
				}
				f.addrs = append(f.addrs, a)
			}
		}
	}
	for _, t := range f.touched {
		f.pool.revalidate(t)
	}
	return msg
}

// maintain keeps the pool useful: one object of every type at least,
// at most maxPool handles, in step with the handle table; every
// resetEvery calls the fuzzed job tree and VMARs start afresh.
func (f *fuzzer) maintain(i, resetEvery int) error {
	if err := f.checkSelf(); err != nil {
		return err
	}
	if resetEvery > 0 && i > 0 && i%resetEvery == 0 {
		f.pool.closeAll()
		if err := f.dropAnchors(); err != nil {
			return err
		}
		f.closeStray()
		if f.base != nil {
			if _, err := settle(*f.base, true); err != nil {
				return fmt.Errorf("LEAK in calls %d..%d (replay: -seed %d -n %d): %v", i-resetEvery, i-1, f.seed, i, err)
			}
		}
		if err := f.newAnchors(); err != nil {
			return err
		}
		// Each window starts from a clean state and its own random
		// stream, so -from replays it alone, and timing-dependent
		// results in one window do not change the next ones.
		f.addrs = f.addrs[:0]
		f.pool.closed = nil
		f.rng = rand.New(rand.NewPCG(f.seed, uint64(i/resetEvery)))
	}
	if i%1024 == 0 {
		if err := f.pool.reconcile(); err != nil {
			return err
		}
	}
	for len(f.pool.entries) > f.maxPool {
		k := f.rng.IntN(len(f.pool.entries))
		h := f.pool.entries[k].h
		zx.Sys_handle_close(h)
		f.pool.remove(h)
	}
	f.refill()
	return nil
}

// checkSelf fails if a protected handle is no longer valid: a fuzzed call
// reached what it must not (or the kernel lost a handle).
func (f *fuzzer) checkSelf() error {
	self := []struct {
		what string
		h    zx.Handle
	}{{"process", zx.ProcessSelf().Handle}, {"thread", zx.ThreadSelf().Handle}, {"root VMAR", zx.VmarRootSelf().Handle},
		{"job", zx.JobDefault().Handle}, {"fuzz job", f.job.Handle}, {"fuzz VMAR region", f.region.Handle}}
	for _, w := range f.workers {
		self = append(self, struct {
			what string
			h    zx.Handle
		}{fmt.Sprintf("arena VMAR of thread %d", w.id), w.ar.vmar.Handle}, struct {
			what string
			h    zx.Handle
		}{fmt.Sprintf("arena VMO of thread %d", w.id), w.ar.vmo.Handle})
	}
	for _, s := range self {
		if s.h == zx.HandleInvalid {
			continue
		}
		if st := zx.Sys_object_get_info(s.h, zx.ObjectInfoHandleValid, nil, 0, nil, nil); st != zx.OK {
			return fmt.Errorf("the fuzzer's own %s handle %#x is gone (%v): a fuzzed call reached it", s.what, s.h, st)
		}
	}
	return nil
}

// refill creates an object of every type the pool lacks.
func (f *fuzzer) refill() {
	p := f.pool
	add := func(hs ...zx.Handle) {
		for _, h := range hs {
			if !p.add(h) {
				zx.Sys_handle_close(h)
			}
		}
	}
	need := func(t zx.ObjType) bool { return p.count(t) == 0 }
	if need(zx.ObjTypeEvent) {
		if e, err := zx.NewEvent(0); err == nil {
			add(e.Handle)
		}
	}
	if need(zx.ObjTypeEventPair) {
		if a, b, err := zx.NewEventPair(0); err == nil {
			add(a.Handle, b.Handle)
		}
	}
	if need(zx.ObjTypeChannel) {
		if a, b, err := zx.NewChannel(0); err == nil {
			add(a.Handle, b.Handle)
		}
	}
	if need(zx.ObjTypeSocket) {
		if a, b, err := zx.NewSocket(uint32(f.rng.IntN(2))); err == nil {
			add(a.Handle, b.Handle)
		}
	}
	if need(zx.ObjTypeFIFO) {
		if a, b, err := zx.NewFifo(16, 8, 0); err == nil {
			add(a.Handle, b.Handle)
		}
	}
	if need(zx.ObjTypePort) {
		if a, err := zx.NewPort(0); err == nil {
			add(a.Handle)
		}
	}
	if need(zx.ObjTypeTimer) {
		if a, err := zx.NewTimer(0, zx.ClockMonotonic); err == nil {
			add(a.Handle)
		}
	}
	if need(zx.ObjTypeVMO) {
		if a, err := zx.NewVmo(uint64(1+f.rng.IntN(8))*pg, uint32(f.rng.IntN(2))*zx.VMOResizable); err == nil {
			add(a.Handle)
		}
	}
	if need(zx.ObjTypeVMAR) {
		if a, _, err := f.region.Allocate(zx.VMCanMapRead|zx.VMCanMapWrite|zx.VMCanMapExecute|zx.VMCanMapSpecific, 0, 1<<20); err == nil {
			add(a.Handle)
		} else {
			// The region is full of VMARs whose handles are gone.
			f.region.Destroy()
		}
	}
	if need(zx.ObjTypeJob) {
		if a, err := zx.NewJob(f.job, 0); err == nil {
			add(a.Handle)
		}
	}
	if need(zx.ObjTypeProcess) {
		if a, v, err := zx.NewProcess(f.job, "fuzzed", 0); err == nil {
			add(a.Handle, v.Handle)
		}
	}
	if need(zx.ObjTypeThread) {
		if c := p.ofType(zx.ObjTypeProcess, zx.RightManageThread); len(c) > 0 {
			if t, err := zx.NewThread(zx.Process{Handle: p.entries[c[f.rng.IntN(len(c))]].h}, "fuzzed", 0); err == nil {
				add(t.Handle)
			}
		}
	}
	if need(zx.ObjTypeDebugLog) {
		if l, err := zx.NewDebuglog(f.resource, zx.LogFlagReadable); err == nil {
			add(l.Handle)
		}
	}
	if need(zx.ObjTypeResource) && f.resource != zx.HandleInvalid {
		if r, err := f.resource.Duplicate(zx.RightSameRights); err == nil {
			add(r)
		}
	}
	if need(zx.ObjTypeKosClient) || need(zx.ObjTypeKosServer) {
		if c, s, _, err := zx.Connect(); err == nil {
			add(c.Handle, s.Handle) // the listener output is the server handle
		}
		if l, err := zx.NewListener(); err == nil {
			add(l.Handle)
			if c, s, err := l.Connect(); err == nil {
				add(c.Handle, s.Handle)
			}
		}
	}
	if need(zx.ObjTypeKosBadge) {
		if b, err := zx.NewBadge(f.rng.Uint64(), zx.HandleInvalid, 0); err == nil {
			add(b.Handle)
		}
	}
	if need(zx.ObjTypeKosUserObject) {
		if u, err := zx.NewUserObject(zx.RightSameRights, f.rng.Uint64(), zx.HandleInvalid, 0); err == nil {
			add(u.Handle)
		}
	}
}

// cleanup kills the fuzzed job tree, closes every handle the fuzzer
// holds beyond those it started with, and unmaps the arena.
func (f *fuzzer) cleanup() error {
	f.pool.closeAll()
	err := f.dropAnchors()
	f.closeStray()
	for _, w := range f.workers {
		w.ar.close()
	}
	return err
}

// closeStray closes every handle of the process that is neither protected
// nor pooled: handles calls returned where the fuzzer does not look.
func (f *fuzzer) closeStray() {
	table, st := handleTable()
	if st != zx.OK {
		fmt.Printf("kernelfuzz: ZX_INFO_HANDLE_TABLE: %v\n", st)
		return
	}
	for _, h := range table {
		if _, pooled := f.pool.index[h]; !f.pool.protected[h] && !pooled {
			zx.Sys_handle_close(h)
		}
	}
}

// settle waits until two snapshots 100 ms apart agree; with check, until
// the counts equal base's and used pages are within 64 pages of base's,
// or fails after 20 s with both.
func settle(base kstats.Snapshot, check bool) (kstats.Snapshot, error) {
	return kstats.Settle(base, check, 100*time.Millisecond, 20*time.Second, 64)
}

// watchdog reports a call that has not returned after 10 s (the fuzzer
// only makes calls with deadlines at most 2 ms ahead). It sees blocking
// calls (which release the P); a non-blocking call that hangs in the
// kernel keeps its P, and zxrun's timeout reports it with the last
// progress line.
func (f *fuzzer) watchdog() {
	for {
		time.Sleep(time.Second)
		for _, w := range f.workers {
			if s := w.started.Load(); s != 0 && zx.Now()-zx.Time(s) > zx.Time(10*time.Second) {
				fmt.Printf("kernelfuzz: FINDING: HANG: call %d of thread %d has not returned after 10 s (seed %d)\n", w.current.Load(), w.id, f.seed)
				f.printRings()
				os.Exit(3)
			}
		}
	}
}

// printRings prints the last calls of every worker.
func (f *fuzzer) printRings() {
	for _, w := range f.workers {
		w.printRing()
	}
}

// printRing prints the last calls, oldest first.
func (f *fuzzer) printRing() {
	cur := int(f.current.Load())
	if f.id > 0 {
		fmt.Printf("kernelfuzz: last calls of thread %d:\n", f.id)
	} else {
		fmt.Printf("kernelfuzz: last calls (seed %d; replay: -seed %d -v-from %d):\n", f.seed, f.seed, max(0, cur-ringSize+1))
	}
	for k := cur - ringSize + 1; k <= cur; k++ {
		if k < 0 {
			continue
		}
		if r := &f.ring[k%ringSize]; r.d != nil && r.i == k {
			fmt.Printf("  %s\n", r)
		}
	}
}

// printSummary prints how often each syscall ran and succeeded.
func (f *fuzzer) printSummary() {
	for _, w := range f.workers[1:] {
		for n, s := range w.stats {
			if f.stats[n] == nil {
				f.stats[n] = &callStats{}
			}
			f.stats[n].calls += s.calls
			f.stats[n].ok += s.ok
		}
	}
	var names []string
	for n := range f.stats {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		s := f.stats[n]
		parts = append(parts, fmt.Sprintf("%s %d/%d", n, s.ok, s.calls))
	}
	fmt.Printf("kernelfuzz: per syscall (ok/calls): %s\n", strings.Join(parts, ", "))
	missing := 0
	for i := range zx.Syscalls {
		if d := &zx.Syscalls[i]; !excluded(d) && f.stats[d.Name] == nil {
			missing++
		}
	}
	fmt.Printf("kernelfuzz: %d syscalls called, %d never\n", len(names), missing)
}
