package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestQuickRunOnHost builds the program as `make compare` does (static,
// cgo off) and runs it on the host as an ordinary process with 1 ms
// repetitions: every Linux-side benchmark prints a line, the zx-only ones
// do not, and it ends with "compare: done".
func TestQuickRunOnHost(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "compare.elf")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := exec.Command(bin)
	run.Env = append(os.Environ(), "compare_ms=1", "compare_reps=1", "ZX_BOOTSTRAP=")
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	text := string(out)
	if !strings.HasPrefix(text, "compare: start\n") || !strings.HasSuffix(text, "compare: done\n") {
		t.Errorf("output does not run from start to done:\n%s", text)
	}
	for _, name := range []string{"BootToMain", "NullSyscallGetppid", "RoundTripProcesses",
		"RoundTripThreadsFutex", "PageFaultMmap", "SpawnWaitGo", "GCPause"} {
		re := regexp.MustCompile(`(?m)^Benchmark` + name + ` \t *[1-9]\d*\t *[0-9.]+ ns/op$`)
		if !re.MatchString(text) {
			t.Errorf("no Benchmark%s line in\n%s", name, text)
		}
	}
	for _, name := range []string{"NullSyscallZx", "PageFaultVmo"} {
		if strings.Contains(text, "Benchmark"+name) {
			t.Errorf("Benchmark%s ran outside Beryl", name)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{5}, 5}, {[]float64{9, 1, 5}, 5}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
