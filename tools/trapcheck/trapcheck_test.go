package trapcheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func kernel(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(filepath.Dir(strings.TrimSpace(string(out))), "build", "beryl.elf")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s missing: build it with make", p)
	}
	return p
}

// TestTrapPath checks the built kernel's trap path.
func TestTrapPath(t *testing.T) {
	v, n, err := Check(kernel(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range v {
		t.Error(x)
	}
	t.Logf("%d functions on the trap path", n)
	if n < 50 {
		t.Errorf("only %d functions visited: roots or call decoding broken", n)
	}
}

// TestDetects makes sure the check can fail: the fault dump's symbolizer
// (kmain.symbolize, which calls runtime.FuncForPC) is ordinary Go code.
func TestDetects(t *testing.T) {
	saved := Roots
	defer func() { Roots = saved }()
	Roots = []string{"beryl/boot/kmain.symbolize"}
	v, _, err := Check(kernel(t))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range v {
		if x.Func == "beryl/boot/kmain.symbolize" && strings.Contains(x.Why, "not nosplit") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no violation reported for a split function: %v", v)
	}
}

// TestNoX87 checks that the kernel's code never touches the x87/MMX
// state, which user threads keep in the registers across kernel entries.
func TestNoX87(t *testing.T) {
	v, n, err := X87(kernel(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range v {
		t.Error(x)
	}
	if n < 100000 {
		t.Errorf("only %d instructions decoded", n)
	}
}

// TestX87Detects makes sure the scan can fail: the boot entry's FNINIT is
// found once the entry is no longer exempt.
func TestX87Detects(t *testing.T) {
	saved := X87Allowed
	defer func() { X87Allowed = saved }()
	X87Allowed = map[string]bool{}
	v, _, err := X87(kernel(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(v) == 0 || !strings.Contains(strings.Join(v, "\n"), "entry64high") {
		t.Fatalf("FNINIT in the boot entry not found: %v", v)
	}
}

// TestUserEntryFlags checks that every entry from ring 3 clears the
// user's DF and AC before kernel code runs (userspace/conformance/linux
// TestFaultWithDirectionFlag is the behaviour DF protects).
func TestUserEntryFlags(t *testing.T) {
	bad, err := EntryFlags(kernel(t), UserEntry)
	if err != nil {
		t.Fatal(err)
	}
	if bad != "" {
		t.Error(bad)
	}
}

// TestUserEntryFlagsDetects makes sure the check can fail: trapCommon,
// the kernel-mode entry, does not begin that way.
func TestUserEntryFlagsDetects(t *testing.T) {
	bad, err := EntryFlags(kernel(t), "beryl/arch/x86.trapCommon.abi0")
	if err != nil {
		t.Fatal(err)
	}
	if bad == "" {
		t.Fatal("trapCommon passed the entry-flags check")
	}
}
