package qemu

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func zxrun(t *testing.T) string {
	p := filepath.Join(Root(), "bin", "zxrun")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s missing: build it with make", p)
	}
	return p
}

// TestZxrun runs a program through bin/zxrun: exact stdout and stderr, and
// the program's exit status as zxrun's.
func TestZxrun(t *testing.T) {
	cmd := exec.Command(zxrun(t), image(t, "hello.elf"), "5", "x y")
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 5 {
		t.Fatalf("zxrun: %v, want exit status 5\nstderr:\n%s", err, errb.String())
	}
	want := "hello from ring 3: args=[\"/boot/bin/hello.elf\" \"5\" \"x y\"]\nsum=4950 map=10000 gc=true slept>=20ms:true\n"
	if out.String() != want {
		t.Errorf("stdout %q\nwant %q", out.String(), want)
	}
	if errb.String() != "to stderr\n" {
		t.Errorf("stderr %q", errb.String())
	}
}

// TestZxrunCrash: a crashing program gives its own status (Go's 2 after
// an unrecovered panic), not a zxrun failure.
func TestZxrunCrash(t *testing.T) {
	err := exec.Command(zxrun(t), image(t, "crash.elf")).Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("zxrun crash.elf: %v, want exit status 2", err)
	}
}

// TestGoTestExec runs a stock Go test package inside Beryl with
// `go test -exec bin/zxrun`, -test.* flags included.
func TestGoTestExec(t *testing.T) {
	cmd := exec.Command("go", "test", "-count=1", "-v", "-run", "Goroutines|Timer|Environment|AsyncPreemption|NilPanic", "-exec", zxrun(t), "./userspace/examples/gotest")
	cmd.Dir = Root()
	cmd.Env = append(os.Environ(), "ZXRUN_PROBE=hello")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -exec zxrun: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{"--- PASS: TestGoroutines", "--- PASS: TestTimer", "--- PASS: TestEnvironment",
		"--- PASS: TestAsyncPreemption", "--- PASS: TestNilPanic", "ok  \tberyl/userspace/examples/gotest"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "TestAlloc") {
		t.Errorf("-test.run was not honoured:\n%s", s)
	}
}

// TestRandomPerBoot: the Go runtime seeds math/rand/v2 and map hashing
// from AT_RANDOM, which the kernel fills for init and init (through
// userspace/launch) for its children; two boots must not give a program
// the same seed (they did while the kernel wrote a constant).
func TestRandomPerBoot(t *testing.T) {
	var seen []string
	for i := 0; i < 2; i++ {
		cmd := exec.Command("go", "test", "-count=1", "-v", "-run", "^TestRandomSeed$", "-exec", zxrun(t), "./userspace/examples/gotest")
		cmd.Dir = Root()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go test -exec zxrun: %v\n%s", err, out)
		}
		_, line, ok := strings.Cut(string(out), "seed-derived: ")
		if !ok {
			t.Fatalf("no seed-derived line:\n%s", out)
		}
		line, _, _ = strings.Cut(line, "\n")
		seen = append(seen, line)
	}
	t.Logf("boot 1: %s; boot 2: %s", seen[0], seen[1])
	if seen[0] == seen[1] {
		t.Errorf("two boots gave the same runtime seed: %s", seen[0])
	}
}

// TestConformanceHandle runs the handle conformance family inside Beryl:
// zx system calls from ring 3 through the zx package, startup handles from
// the bootstrap channel, bad pointers rejected with ZX_ERR_INVALID_ARGS.
func TestConformanceHandle(t *testing.T) {
	cmd := exec.Command("go", "test", "-count=1", "-v", "-exec", zxrun(t), "./userspace/conformance/handle")
	cmd.Dir = Root()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("conformance/handle: %v\n%s", err, out)
	}
	for _, want := range []string{"--- PASS: TestStartupHandles", "--- PASS: TestDuplicateClose", "--- PASS: TestBadPointers"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// execGoTest is `go test -count=1 -v -exec bin/zxrun PKG` from the
// repository root.
func execGoTest(t *testing.T, pkg string) *exec.Cmd {
	cmd := exec.Command("go", "test", "-count=1", "-v", "-exec", zxrun(t), pkg)
	cmd.Dir = Root()
	return cmd
}
