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
