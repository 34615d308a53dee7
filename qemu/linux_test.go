package qemu

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLinuxPersonality runs the linux conformance family through zxrun
// with the kernel console copied: every case passes, and the thousand
// calls of an unserved system call leave one console line, not a
// thousand.
func TestLinuxPersonality(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "linux.test")
	build := exec.Command("go", "test", "-c", "-o", bin, "./userspace/conformance/linux")
	build.Dir = Root()
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOAMD64=v1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(zxrun(t), bin, "-test.v")
	cmd.Env = append(os.Environ(), "ZXRUN_VERBOSE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("zxrun: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{"--- PASS: TestIdentity", "--- PASS: TestUname", "--- PASS: TestPrlimit",
		"--- PASS: TestPrctl", "--- PASS: TestUnimplemented"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if n := strings.Count(s, "unimplemented syscall 140 "); n != 1 {
		t.Errorf("%d console lines for the unserved syscall, want 1:\n%s", n, s)
	}
}
