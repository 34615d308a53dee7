package qemu

import (
	"strings"
	"testing"
)

// TestLogEscapesNames runs the process conformance case that names a
// process "logname\n\x1b[2J" and lets it fault, with the kernel console
// copied (ZXRUN_VERBOSE=1): the kernel's report of the fault carries the
// name escaped, and no raw escape sequence reaches the console.
func TestLogEscapesNames(t *testing.T) {
	cmd := execGoTest(t, "./userspace/conformance/process")
	cmd.Args = append(cmd.Args[:len(cmd.Args)-1], "-run", "^TestLogEscapesNames$", cmd.Args[len(cmd.Args)-1])
	cmd.Env = append(cmd.Environ(), "ZXRUN_VERBOSE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("conformance/process TestLogEscapesNames: %v\n%s", err, out)
	}
	s := string(out)
	if !strings.Contains(s, "--- PASS: TestLogEscapesNames") {
		t.Fatalf("the case did not pass:\n%s", s)
	}
	if !strings.Contains(s, `logname\x0a\x1b[2J[`) {
		t.Errorf("the kernel log lacks the escaped name logname\\x0a\\x1b[2J[pid]:\n%s", s)
	}
	if strings.Contains(s, "\x1b[2J") {
		t.Errorf("a raw escape sequence reached the console:\n%q", s)
	}
	if strings.Contains(s, "logname\n") {
		t.Errorf("a raw newline from the name reached the console:\n%q", s)
	}
}
