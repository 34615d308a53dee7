package bench

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"beryl/userspace/launch"
	"beryl/userspace/zx"
)

// Multiprocessor benchmarks. They run at any CPU count; qemu's
// BenchmarkSMPScaling runs them at -smp 1, 2 and 4 and prints the
// speed-ups.

// pairProcs is K, the number of independent process pairs of
// BenchmarkChannelPairs, and pairRounds the round trips of each pair per
// iteration.
const (
	pairProcs  = 4
	pairRounds = 300
)

// paUser1 is PA_USER1: the pinger's gate channel to the benchmark.
const paUser1 = 0xF1

// pinger is the client of a pair (mode "ping"): it says it is ready on
// its gate, and for every go byte there sends pairRounds 64-byte
// messages on its channel, each after the echo of the previous one, then
// says done; a 0 byte (or the gate closing) ends it.
func pinger() int {
	h, ok1 := zx.TakeStartupHandle(paUser0)
	g, ok2 := zx.TakeStartupHandle(paUser1)
	if !ok1 || !ok2 {
		return 3
	}
	ch, gate := zx.Channel{Handle: h}, zx.Channel{Handle: g}
	var b [64]byte
	if gate.Write([]byte{1}, nil, 0) != nil {
		return 4
	}
	for {
		if _, err := gate.WaitOne(zx.ChannelReadable, zx.TimeInfinite); err != nil {
			return 0
		}
		if _, _, err := gate.Read(b[:1], nil, 0); err != nil || b[0] == 0 {
			return 0
		}
		for i := 0; i < pairRounds; i++ {
			if err := ch.Write(b[:], nil, 0); err != nil {
				return 5
			}
			if _, err := ch.WaitOne(zx.ChannelReadable, zx.TimeInfinite); err != nil {
				return 6
			}
			if _, _, err := ch.Read(b[:], nil, 0); err != nil {
				return 7
			}
		}
		if gate.Write([]byte{1}, nil, 0) != nil {
			return 8
		}
	}
}

// BenchmarkChannelPairs: K independent pairs of processes (an echo
// server and a client each) do channel round trips at the same time, the
// benchmark only starting them together and waiting for all; ns/op is
// the wall time per round trip over all pairs (lower with more CPUs, as
// the pairs run in parallel), roundtrips/s the throughput.
func BenchmarkChannelPairs(b *testing.B) {
	img := self(b)
	var procs []*launch.Process
	var gates []zx.Channel
	defer func() {
		for _, g := range gates {
			g.Write([]byte{0}, nil, 0)
			g.Close()
		}
		for _, p := range procs {
			p.Wait()
			p.Close()
		}
	}()
	for k := 0; k < pairProcs; k++ {
		a, c, err := zx.NewChannel(0)
		if err != nil {
			b.Fatal(err)
		}
		mine, theirs, err := zx.NewChannel(0)
		if err != nil {
			b.Fatal(err)
		}
		gates = append(gates, mine)
		for _, cfg := range []launch.Config{
			{Argv: []string{os.Args[0]}, Env: []string{workerEnv + "=echo"}, Handles: []launch.Handle{{Type: paUser0, Handle: a.Handle}}},
			{Argv: []string{os.Args[0]}, Env: []string{workerEnv + "=ping"}, Handles: []launch.Handle{{Type: paUser0, Handle: c.Handle}, {Type: paUser1, Handle: theirs.Handle}}},
		} {
			p, err := launch.Start(img, cfg)
			if err != nil {
				b.Fatal(err)
			}
			procs = append(procs, p)
		}
	}
	var one [1]byte
	waitAll := func() {
		for _, g := range gates {
			if _, err := g.WaitOne(zx.ChannelReadable, zx.TimeInfinite); err != nil {
				b.Fatal(err)
			}
			if _, _, err := g.Read(one[:], nil, 0); err != nil {
				b.Fatal(err)
			}
		}
	}
	waitAll() // every client is up
	b.ResetTimer()
	t0 := time.Now()
	for i := 0; i < b.N; i++ {
		for _, g := range gates {
			if err := g.Write([]byte{1}, nil, 0); err != nil {
				b.Fatal(err)
			}
		}
		waitAll()
	}
	el := time.Since(t0)
	b.StopTimer()
	total := float64(b.N * pairProcs * pairRounds)
	b.ReportMetric(float64(el.Nanoseconds())/total, "ns/roundtrip")
	b.ReportMetric(total/el.Seconds(), "roundtrips/s")
}

// BenchmarkCrossCPUWake: two threads of one process bounce a futex word;
// each hand-off wakes a thread blocked in futex_wait. With the threads on
// different CPUs the waker's CPU sends the sleeper's idle CPU a
// reschedule IPI, so a round trip is two IPIs plus two wake-ups: the
// IPI round-trip latency as a thread sees it.
func BenchmarkCrossCPUWake(b *testing.B) {
	var word int32
	var wg sync.WaitGroup
	wait := func(v int32) {
		for atomic.LoadInt32(&word) == v {
			zx.Sys_futex_wait(&word, v, zx.HandleInvalid, zx.TimeInfinite)
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		runtime.LockOSThread()
		for i := 0; i < b.N; i++ {
			wait(int32(2 * i)) // until the main side made it odd
			atomic.StoreInt32(&word, int32(2*i+2))
			zx.Sys_futex_wake(&word, 1)
		}
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		atomic.StoreInt32(&word, int32(2*i+1))
		zx.Sys_futex_wake(&word, 1)
		wait(int32(2*i + 1))
	}
	wg.Wait()
}

// unmapBench maps and touches pages pages of a VMO and unmaps them while
// another thread of the process keeps running (on another CPU when
// there is one, so the address space is live there and the unmap's TLB
// shootdown reaches it); ns/op is one unmap.
func unmapBench(b *testing.B, pages int) {
	size := uint64(pages) * zx.PageSize
	vmo, err := zx.NewVmo(size, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer vmo.Close()
	if err := vmo.OpRange(zx.VMOOpCommit, 0, size); err != nil {
		b.Fatal(err)
	}
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		for !stop.Load() {
		}
		close(done)
	}()
	var el time.Duration
	for i := 0; i < b.N; i++ {
		addr, err := zx.VmarRootSelf().Map(zx.VMPermRead|zx.VMPermWrite, 0, vmo, 0, uint(size))
		if err != nil {
			b.Fatal(err)
		}
		for p := 0; p < pages; p++ {
			*(*byte)(ptr(uintptr(addr) + uintptr(p)*zx.PageSize)) = 1
		}
		t0 := time.Now()
		if err := zx.VmarRootSelf().Unmap(addr, uint(size)); err != nil {
			b.Fatal(err)
		}
		el += time.Since(t0)
	}
	stop.Store(true)
	<-done
	b.ReportMetric(float64(el.Nanoseconds())/float64(b.N), "ns/op")
}

// BenchmarkUnmapShootdown1Page and BenchmarkUnmapShootdown512Pages: an
// unmap of one touched page and of 512 (one shootdown round each: named
// addresses, or a whole flush past 32 pages).
func BenchmarkUnmapShootdown1Page(b *testing.B)    { unmapBench(b, 1) }
func BenchmarkUnmapShootdown512Pages(b *testing.B) { unmapBench(b, 512) }
