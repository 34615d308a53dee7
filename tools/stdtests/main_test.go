package main

import (
	"errors"
	"testing"
	"time"
)

func TestWhy(t *testing.T) {
	for _, c := range []struct{ out, want string }{
		{"=== RUN   TestA\n--- FAIL: TestA (0.00s)\n    a_test.go:3: no\nFAIL\n", "--- FAIL: TestA"},
		{"zxrun: no exit status from the kernel (QEMU exit 37)\n", "zxrun: no exit status from the kernel (QEMU exit 37)"},
		{"goroutine 1 [running]:\npanic: boom\n", "panic: boom"},
		{"nothing useful\n", "exit status 1"},
	} {
		if got := why([]byte(c.out), errors.New("exit status 1")); got != c.want {
			t.Errorf("why(%q) = %q, want %q", c.out, got, c.want)
		}
	}
}

func TestLimitFor(t *testing.T) {
	for _, c := range []struct {
		p           string
		limit, want time.Duration
	}{
		{"sort", 3 * time.Minute, 3 * time.Minute},
		{"runtime", 5 * time.Minute, slow["runtime"]},
		{"runtime", time.Hour, time.Hour},
	} {
		if got := limitFor(c.p, c.limit); got != c.want {
			t.Errorf("limitFor(%q, %v) = %v, want %v", c.p, c.limit, got, c.want)
		}
	}
}
