package qemu

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLinuxProcesses runs userspace/spawn under zxrun: a stock Go program
// that starts copies of itself with os/exec (clone with CLONE_VFORK,
// execve from the boot filesystem, pipes, wait4/waitid) and checks
// their output, exit statuses, signals between processes (SIGTERM,
// SIGKILL, SIGINT, a handled SIGUSR1), SIGCHLD, NotifyContext, INT3 as
// SIGTRAP, getppid, process groups, inherited rlimits and prctl.
func TestLinuxProcesses(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "spawn")
	build := exec.Command("go", "build", "-o", bin, "./userspace/spawn")
	build.Dir = Root()
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOAMD64=v1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(zxrun(t), bin)
	cmd.Env = append(os.Environ(), "ZXRUN_VERBOSE=1")
	out, err := cmd.CombinedOutput()
	s := string(out)
	if err != nil {
		t.Fatalf("zxrun: %v\n%s", err, s)
	}
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "FAIL ") {
			t.Error(l)
		}
	}
	for _, want := range []string{"ok exec-output", "ok exit-status", "ok sigterm", "ok sigkill", "ok sigusr1-handled",
		"ok sigchld", "ok notify-context", "ok int3-default", "ok rlimit-inherited", "spawn: 16 passed, 0 failed"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "FAULT") || strings.Contains(s, "panic:") && !strings.Contains(s, "ok int3-default") {
		t.Errorf("kernel trouble:\n%s", s)
	}
}
