package qemu

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSoakShort runs the soak machinery (build/soak.elf: fuzzer rounds,
// conformance families in a loop and a process storm together) for 20 s
// with a 5 s interval: the interval lines come, every kind of load ran,
// and the growth check and the final settle against the start passed.
// `make soak` is the long run.
func TestSoakShort(t *testing.T) {
	files := []string{"bin/kernelfuzz=" + image(t, "kernelfuzz.elf")}
	// Not the handle family: one of its cases fills a handle table for
	// seconds, longer than this run's intervals.
	for _, fam := range []string{"event", "channel", "port"} {
		p := filepath.Join(Root(), "build", "conformance", fam+".test")
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s missing: build it with make build/conformance.cpio (make test does)", p)
		}
		files = append(files, "bin/conformance/"+fam+".test="+p)
	}
	cmd := exec.Command(zxrun(t), image(t, "soak.elf"), "-d", "20s", "-interval", "5s", "-fuzz-n", "10000")
	cmd.Env = append(os.Environ(), "ZXRUN_FILES="+strings.Join(files, " "), "ZXRUN_TIMEOUT=5m")
	out, err := cmd.CombinedOutput()
	s := string(out)
	if err != nil {
		t.Fatalf("soak: %v\n%s", err, s)
	}
	if n := strings.Count(s, "; fuzzer rounds "); n < 3 {
		t.Errorf("%d interval lines, want at least 3:\n%s", n, s)
	}
	for _, want := range []string{"soak: settled back at the start", "soak: PASS"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "PASS: 0 fuzzer rounds") || strings.Contains(s, ", 0 storm kills") {
		t.Errorf("some load never ran:\n%s", s)
	}
	t.Log(s[strings.LastIndex(s, "soak: PASS"):])
}
