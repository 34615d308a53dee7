// Package gotest is an ordinary Go test package used to check that stock
// test binaries run inside Beryl through `go test -exec bin/zxrun`.
package gotest

import (
	"os"
	"strings"
	"sync"
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
	if !strings.Contains(os.Getenv("GODEBUG"), "asyncpreemptoff=1") {
		t.Errorf("GODEBUG = %q", os.Getenv("GODEBUG"))
	}
}

func TestAlloc(t *testing.T) {
	var keep [][]byte
	for i := 0; i < 1000; i++ {
		keep = append(keep, make([]byte, 32<<10))
		if len(keep) > 10 {
			keep = keep[1:]
		}
	}
}
