// Package ktest is the in-kernel test harness: tests register themselves
// with Register (from init functions of packages linked only into the test
// image), and the kernel runs them at boot, printing one machine-readable
// line per test for the host-side boot tests in qemu/:
//
//	KTEST RUN <name>
//	KTEST LOG <name>: <message>
//	KTEST PASS <name> <seconds>
//	KTEST FAIL <name> <seconds>
//	ktest: N passed, N failed
//
// Each test runs in its own goroutine with a deadline; Fatalf ends it with
// runtime.Goexit, as testing.T does.
package ktest

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"sync"
	"time"
)

// T is the handle a kernel test receives.
type T struct {
	name   string
	out    io.Writer
	mu     sync.Mutex
	failed bool
}

// Name returns the test's name.
func (t *T) Name() string { return t.name }

// Logf prints a message attributed to the test.
func (t *T) Logf(format string, args ...any) {
	_, file, line, _ := runtime.Caller(1)
	t.log(fmt.Sprintf("%s:%d: %s", short(file), line, fmt.Sprintf(format, args...)))
}

func (t *T) log(msg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.out, "KTEST LOG %s: %s\n", t.name, msg)
}

// Errorf records a failure and continues.
func (t *T) Errorf(format string, args ...any) {
	_, file, line, _ := runtime.Caller(1)
	t.log(fmt.Sprintf("%s:%d: %s", short(file), line, fmt.Sprintf(format, args...)))
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
}

// Fatalf records a failure and stops the test.
func (t *T) Fatalf(format string, args ...any) {
	_, file, line, _ := runtime.Caller(1)
	t.log(fmt.Sprintf("%s:%d: %s", short(file), line, fmt.Sprintf(format, args...)))
	t.mu.Lock()
	t.failed = true
	t.mu.Unlock()
	runtime.Goexit()
}

// Failed reports whether the test has failed.
func (t *T) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}

func short(file string) string {
	n := 0
	for i := len(file) - 1; i >= 0; i-- {
		if file[i] == '/' {
			n++
			if n == 2 {
				return file[i+1:]
			}
		}
	}
	return file
}

type test struct {
	name string
	fn   func(*T)
}

var (
	mu    sync.Mutex
	tests []test
)

// Register adds a test. Names are unique.
func Register(name string, fn func(*T)) {
	mu.Lock()
	defer mu.Unlock()
	for _, t := range tests {
		if t.name == name {
			panic("ktest: duplicate test " + name)
		}
	}
	tests = append(tests, test{name, fn})
}

// Names returns the registered test names in run order.
func Names() []string {
	mu.Lock()
	defer mu.Unlock()
	var n []string
	for _, t := range sorted() {
		n = append(n, t.name)
	}
	return n
}

func sorted() []test {
	s := append([]test(nil), tests...)
	sort.Slice(s, func(i, j int) bool { return s[i].name < s[j].name })
	return s
}

// Timeout bounds each test.
var Timeout = 60 * time.Second

// Run runs the selected tests in name order, writing result lines to out,
// and returns the counts.
func Run(out io.Writer, selected func(string) bool) (passed, failed int) {
	mu.Lock()
	list := sorted()
	mu.Unlock()
	for _, tc := range list {
		if selected != nil && !selected(tc.name) {
			continue
		}
		t := &T{name: tc.name, out: out}
		fmt.Fprintf(out, "KTEST RUN %s\n", tc.name)
		start := time.Now()
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer func() {
				if r := recover(); r != nil {
					t.log(fmt.Sprintf("panic: %v", r))
					t.mu.Lock()
					t.failed = true
					t.mu.Unlock()
				}
			}()
			tc.fn(t)
		}()
		select {
		case <-done:
		case <-time.After(Timeout):
			t.log(fmt.Sprintf("timed out after %v", Timeout))
			t.mu.Lock()
			t.failed = true
			t.mu.Unlock()
		}
		d := time.Since(start).Seconds()
		if t.Failed() {
			failed++
			fmt.Fprintf(out, "KTEST FAIL %s %.3f\n", tc.name, d)
		} else {
			passed++
			fmt.Fprintf(out, "KTEST PASS %s %.3f\n", tc.name, d)
		}
	}
	fmt.Fprintf(out, "ktest: %d passed, %d failed\n", passed, failed)
	return passed, failed
}
