package qemu

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func image(t testing.TB, name string) string {
	p := filepath.Join(Root(), "build", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s missing: build it with make (make test does)", p)
	}
	return p
}

var ktestLine = regexp.MustCompile(`^KTEST (PASS|FAIL) (\S+) ([0-9.]+)$`)

// TestKernel boots the test image, which runs every in-kernel test and
// prints a line per test; each becomes a subtest here. The host injects a
// byte on the serial line for the interrupt-driven input test.
func TestKernel(t *testing.T) {
	res, err := Boot(Config{
		Kernel:  image(t, "beryl-test.elf"),
		Timeout: 5 * time.Minute,
		OnLine: func(line string) []byte {
			if line == "KTEST RUN irq/serial-input" {
				return []byte("Z")
			}
			return nil
		},
	})
	if err != nil {
		t.Fatalf("boot: %v\nserial tail:\n%s", err, tail(res))
	}
	logs := map[string][]string{}
	seen := 0
	summary := false
	for _, l := range res.Lines {
		if strings.HasPrefix(l, "KTEST LOG ") {
			rest := strings.TrimPrefix(l, "KTEST LOG ")
			if name, msg, ok := strings.Cut(rest, ": "); ok {
				logs[name] = append(logs[name], msg)
			}
		}
		if m := ktestLine.FindStringSubmatch(l); m != nil {
			seen++
			name, pass := m[2], m[1] == "PASS"
			t.Run(name, func(t *testing.T) {
				for _, msg := range logs[name] {
					t.Log(msg)
				}
				if !pass {
					t.Errorf("kernel test failed after %ss", m[3])
				}
			})
		}
		if regexp.MustCompile(`^ktest: \d+ passed, \d+ failed$`).MatchString(l) {
			summary = true
		}
	}
	if !summary {
		t.Errorf("no ktest summary line\nserial tail:\n%s", res.Tail(30))
	}
	if seen < 10 {
		t.Errorf("only %d kernel tests reported", seen)
	}
	if res.ExitCode != ExitPass {
		t.Errorf("QEMU exit %d, want %d (all kernel tests passing)\nserial tail:\n%s", res.ExitCode, ExitPass, res.Tail(30))
	}
}

func tail(r *Result) string {
	if r == nil {
		return "(none)"
	}
	return r.Tail(40)
}

// TestFaultDump boots with test.fault: the kernel must print its fault
// dump and exit with the panic code, and the symbolizer must turn the log
// into the faulting function with file:line.
func TestFaultDump(t *testing.T) {
	kernel := image(t, "beryl.elf")
	res, err := Boot(Config{Kernel: kernel, Cmdline: "test.fault", Timeout: time.Minute})
	if err != nil {
		t.Fatalf("boot: %v\n%s", err, tail(res))
	}
	if res.ExitCode != ExitPanic {
		t.Fatalf("exit %d, want %d\n%s", res.ExitCode, ExitPanic, res.Tail(30))
	}
	log := strings.Join(res.Lines, "\n")
	for _, want := range []string{"FAULT vector=6 (#UD)", "FAULT rip=0xffffffff8", "FAULT rax=", "FAULT bytes@", "FAULT frame", "FAULT end"} {
		if !strings.Contains(log, want) {
			t.Errorf("dump lacks %q\n%s", want, res.Tail(30))
		}
	}
	logFile := filepath.Join(t.TempDir(), "serial.log")
	os.WriteFile(logFile, []byte(log), 0o644)
	out, err := exec.Command("go", "run", filepath.Join(Root(), "tools/symbolize"), "-kernel", kernel, logFile).CombinedOutput()
	if err != nil {
		t.Fatalf("symbolize: %v\n%s", err, out)
	}
	s := string(out)
	if !regexp.MustCompile(`=> 0xffffffff8[0-9a-f]+ +0f0b +UD2`).MatchString(s) {
		t.Errorf("symbolizer did not mark the UD2:\n%s", s)
	}
	if !strings.Contains(s, "arch/x86/cpu_amd64.s") || !strings.Contains(s, "beryl/boot/kmain.deliberateFault") {
		t.Errorf("symbolizer output lacks the faulting function and its caller:\n%s", s)
	}
}

// TestReadyExit checks the ready line and a clean exit through the
// ready.exit option, with an unknown option warned about.
func TestReadyExit(t *testing.T) {
	res, err := Boot(Config{Kernel: image(t, "beryl.elf"), Cmdline: "ready.exit bogus=1 loglevel=debug", Timeout: time.Minute})
	if err != nil {
		t.Fatalf("boot: %v\n%s", err, tail(res))
	}
	log := strings.Join(res.Lines, "\n")
	if res.ExitCode != ExitPass || !regexp.MustCompile(`beryl: ready in \d+ us`).MatchString(log) {
		t.Fatalf("exit %d, log:\n%s", res.ExitCode, res.Tail(30))
	}
	if !strings.Contains(log, "bogus") || !regexp.MustCompile(`\] W options: .*bogus`).MatchString(log) {
		t.Errorf("unknown option not warned about:\n%s", res.Tail(30))
	}
	if !regexp.MustCompile(`\] I boot: memory: \d+ MiB managed, \d+ MiB free`).MatchString(log) {
		t.Errorf("no memory report:\n%s", res.Tail(30))
	}
	// -cpu max offers RDRAND under TCG: getrandom must use it, for the
	// kernel's runtime and as the seed of user processes' generator.
	if !strings.Contains(log, "SMEP true, SMAP true; random: kernel RDRAND, user processes seeded by RD") {
		t.Errorf("hardware random numbers not in use:\n%s", res.Tail(30))
	}
}
