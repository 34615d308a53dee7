package qemu

import (
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

var callsPerSecond = regexp.MustCompile(`kernelfuzz: (\d+) calls in \S+: (\d+) calls/s`)

// TestKernelFuzz runs the spec-driven syscall fuzzer (build/kernelfuzz.elf)
// for 10^5 calls from a fixed seed under zxrun: no kernel panic or hang,
// every syscall of the spec called, no finding, and the leak check (kernel
// objects, handles and used pages back at the start, checked at every
// reset and at the end) passed.
func TestKernelFuzz(t *testing.T) {
	runFuzz(t, "-n", "100000", "-seed", "1")
}

// TestKernelFuzzThreads: three threads fuzz on one handle pool (races
// between calls on the same objects); no finding, leak check passed.
func TestKernelFuzzThreads(t *testing.T) {
	runFuzz(t, "-n", "10000", "-seed", "1", "-threads", "3")
}

func runFuzz(t *testing.T, args ...string) {
	cmd := exec.Command(zxrun(t), append([]string{image(t, "kernelfuzz.elf")}, args...)...)
	out, err := cmd.CombinedOutput()
	s := string(out)
	var ee *exec.ExitError
	if err != nil {
		code := -1
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		t.Fatalf("kernelfuzz %s: exit %d (%v)\n%s", strings.Join(args, " "), code, err, s)
	}
	for _, want := range []string{"kernelfuzz: leak check passed", "kernelfuzz: PASS", " syscalls called, 0 never"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "FINDING") {
		t.Errorf("findings:\n%s", s)
	}
	m := callsPerSecond.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no \"N calls in ...: N calls/s\" line:\n%s", s)
	}
	t.Logf("%s calls, %s calls/s", m[1], m[2])
}
