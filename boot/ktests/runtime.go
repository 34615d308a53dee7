// Package ktests holds the in-kernel tests; it is linked only into the
// test image (boot/beryl built with -tags kerneltest).
package ktests

import (
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"beryl/kernel/ktest"
	"beryl/kernel/rt"
)

func init() {
	ktest.Register("runtime/goroutines-pingpong", testPingPong)
	ktest.Register("runtime/gc-300mib", testGC)
	ktest.Register("runtime/map-10000", testMap)
	ktest.Register("runtime/sleep-50ms", testSleep)
	ktest.Register("runtime/preempt-tight-loop", testPreempt)
	ktest.Register("runtime/panic-nil-deref", testNilPanic)
	ktest.Register("runtime/panic-divide", testDividePanic)
	ktest.Register("runtime/madvise-zero-fill", testScavenge)
}

// 1,000 goroutines in a ring pass a token around 10 times; each hop adds
// one, so the last goroutine sees exactly n*rounds-1.
func testPingPong(t *ktest.T) {
	const n, rounds = 1000, 10
	chans := make([]chan int, n)
	for i := range chans {
		chans[i] = make(chan int)
	}
	result := make(chan int, 1)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				v := <-chans[i]
				if i == n-1 && r == rounds-1 {
					result <- v
					return
				}
				chans[(i+1)%n] <- v + 1
			}
		}(i)
	}
	chans[0] <- 0
	wg.Wait()
	if v := <-result; v != n*rounds-1 {
		t.Fatalf("token arrived as %d, want %d", v, n*rounds-1)
	}
	t.Logf("%d goroutines × %d rounds", n, rounds)
}

// 300 MiB of cumulative allocation with at least 50 GC cycles, checking
// that live data survives every collection intact.
func testGC(t *ktest.T) {
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	type node struct {
		next *node
		val  [64]uint64
	}
	var live []*node
	total := 0
	for total < 300<<20 {
		buf := make([]byte, 256<<10)
		for i := 0; i < len(buf); i += 4096 {
			buf[i] = byte(i >> 12)
		}
		for i := 0; i < len(buf); i += 4096 {
			if buf[i] != byte(i>>12) {
				t.Fatalf("fresh buffer corrupted at %d", i)
			}
		}
		total += len(buf)
		n := &node{}
		for i := range n.val {
			n.val[i] = uint64(total + i)
		}
		if len(live) > 0 {
			n.next = live[len(live)-1]
		}
		live = append(live, n)
		if len(live) > 200 {
			live = live[100:]
		}
		if total%(4<<20) == 0 {
			runtime.GC()
		}
	}
	for _, n := range live {
		for i := range n.val {
			if n.val[i]-uint64(i) == 0 || (n.next != nil && n.next.val[0] >= n.val[0]) {
				t.Fatalf("live data corrupted")
			}
		}
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	gcs := after.NumGC - before.NumGC
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d MiB, %d GC cycles, heap %d MiB", alloc>>20, gcs, after.HeapAlloc>>20)
	if alloc < 300<<20 {
		t.Errorf("allocated only %d bytes", alloc)
	}
	if gcs < 50 {
		t.Errorf("only %d GC cycles", gcs)
	}
}

func testMap(t *ktest.T) {
	m := make(map[string]int)
	for i := 0; i < 10000; i++ {
		m[strings.Repeat("k", i%7)+itoa(i)] = i
	}
	if len(m) != 10000 {
		t.Fatalf("len %d", len(m))
	}
	for i := 0; i < 10000; i++ {
		if v, ok := m[strings.Repeat("k", i%7)+itoa(i)]; !ok || v != i {
			t.Fatalf("entry %d: %d %v", i, v, ok)
		}
	}
	for i := 0; i < 10000; i += 2 {
		delete(m, strings.Repeat("k", i%7)+itoa(i))
	}
	if len(m) != 5000 {
		t.Fatalf("after deletes len %d", len(m))
	}
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

// time.Sleep(50ms) lasts 50 ms ± 10 %. The median of five sleeps is
// checked: a TCG guest loses the host CPU now and then, which stretches a
// single wall-clock measurement without saying anything about the kernel.
func testSleep(t *ktest.T) {
	var d [5]time.Duration
	for i := range d {
		t0 := time.Now()
		time.Sleep(50 * time.Millisecond)
		d[i] = time.Since(t0)
	}
	t.Logf("slept %v", d)
	s := d
	sort.Slice(s[:], func(i, j int) bool { return s[i] < s[j] })
	if m := s[2]; m < 45*time.Millisecond || m > 55*time.Millisecond {
		t.Errorf("time.Sleep(50ms) took %v (median), outside ±10%%", m)
	}
	if s[0] < 50*time.Millisecond {
		t.Errorf("time.Sleep(50ms) returned early: %v", s[0])
	}
}

// A goroutine spinning without calls must be preempted (asynchronously,
// through SIGURG) so that another goroutine runs on the only P.
func testPreempt(t *ktest.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	urg := rt.SignalsDelivered(23)
	var stop, progressed atomic.Bool
	done := make(chan struct{})
	go func() {
		for !stop.Load() {
		}
		close(done)
	}()
	go func() {
		time.Sleep(10 * time.Millisecond)
		progressed.Store(true)
		stop.Store(true)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		stop.Store(true)
		t.Fatalf("the spinning goroutine was never preempted")
	}
	if !progressed.Load() {
		t.Fatalf("other goroutine made no progress")
	}
	if n := rt.SignalsDelivered(23) - urg; n == 0 {
		t.Errorf("no SIGURG was delivered: the spinner was not preempted asynchronously")
	} else {
		t.Logf("%d SIGURG deliveries", n)
	}
}

type point struct{ x, y int }

//go:noinline
func deref(p *point) int { return p.y }

//go:noinline
func divide(a, b int) int { return a / b }

func recovered(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(runtime.Error); ok {
				msg = e.Error()
			} else {
				msg = "not a runtime.Error"
			}
		}
	}()
	f()
	return ""
}

func testNilPanic(t *ktest.T) {
	for i := 0; i < 3; i++ {
		msg := recovered(func() { deref(nil) })
		if !strings.Contains(msg, "nil pointer dereference") {
			t.Fatalf("recovered %q", msg)
		}
	}
	ch := make(chan string)
	go func() { ch <- recovered(func() { deref(nil) }) }()
	if msg := <-ch; !strings.Contains(msg, "nil pointer") {
		t.Fatalf("in a new goroutine: recovered %q", msg)
	}
}

func testDividePanic(t *ktest.T) {
	msg := recovered(func() { divide(1, 0) })
	if !strings.Contains(msg, "integer divide by zero") {
		t.Fatalf("recovered %q", msg)
	}
}

// Memory the runtime returns with MADV_DONTNEED must come back as zeros
// (Go 1.26 relies on it) and the pages must return to the allocator.
func testScavenge(t *ktest.T) {
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = 0xAA
	}
	big = nil
	runtime.GC()
	debug.FreeOSMemory()
	again := make([]byte, 64<<20)
	for i := 0; i < len(again); i += 512 {
		if again[i] != 0 {
			t.Fatalf("reused memory not zero at %d: %#x", i, again[i])
		}
	}
	runtime.KeepAlive(again)
}
