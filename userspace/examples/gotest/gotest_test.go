// Package gotest is an ordinary Go test package used to check that stock
// test binaries run inside Beryl through `go test -exec bin/zxrun`.
package gotest

import (
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestGoroutines(t *testing.T) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	n := 0
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); mu.Lock(); n++; mu.Unlock() }()
	}
	wg.Wait()
	if n != 100 {
		t.Fatalf("n = %d", n)
	}
}

func TestTimer(t *testing.T) {
	t0 := time.Now()
	<-time.After(30 * time.Millisecond)
	if d := time.Since(t0); d < 30*time.Millisecond {
		t.Fatalf("timer fired after %v", d)
	}
}

func TestEnvironment(t *testing.T) {
	if v := os.Getenv("ZXRUN_PROBE"); v != "" && v != "hello" {
		t.Fatalf("ZXRUN_PROBE = %q", v)
	}
	if strings.Contains(os.Getenv("GODEBUG"), "asyncpreemptoff=1") {
		t.Errorf("async preemption was turned off: GODEBUG=%q", os.Getenv("GODEBUG"))
	}
}

// A goroutine spinning without function calls must be preempted
// asynchronously (SIGURG delivered to the user thread) so that another
// goroutine runs on the only P.
func TestAsyncPreemption(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		for !stop.Load() {
		}
		close(done)
	}()
	time.Sleep(10 * time.Millisecond)
	stop.Store(true)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("spinning goroutine never preempted")
	}
}

// A nil dereference becomes a recoverable panic, as on Linux.
func TestNilPanic(t *testing.T) {
	defer func() {
		r := recover()
		err, ok := r.(runtime.Error)
		if !ok || !strings.Contains(err.Error(), "nil pointer dereference") {
			t.Fatalf("recovered %v", r)
		}
	}()
	var p *struct{ x int }
	_ = p.x
}

// TestAlloc churns 32 MiB through a 320 KiB working set: the collector
// runs on its own while it does, and a collection afterwards brings the
// heap back near the working set (the garbage is given back).
func TestAlloc(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var keep [][]byte
	for i := 0; i < 1000; i++ {
		keep = append(keep, make([]byte, 32<<10))
		if len(keep) > 10 {
			keep = keep[1:]
		}
	}
	runtime.ReadMemStats(&after)
	if after.NumGC == before.NumGC {
		t.Errorf("no collection while allocating 32 MiB")
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > 4<<20 {
		t.Errorf("heap %d KiB after a collection, with a 320 KiB working set", after.HeapAlloc>>10)
	}
	runtime.KeepAlive(keep)
}
