package qemu

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMemoryExhaustion boots init with two conformance families: memory,
// whose workers exhaust physical memory (VMO commits, page faults, kernel
// messages), then vmo. The kernel must survive each exhaustion, log the
// process it ended for want of memory, and run the next family as if
// nothing had happened.
func TestMemoryExhaustion(t *testing.T) {
	var files []bootFile
	for _, f := range []struct{ name, path string }{
		{"bin/init", "init.elf"},
		{"bin/conformance/memory.test", "conformance/memory.test"},
		{"bin/conformance/vmo.test", "conformance/vmo.test"},
	} {
		img, err := os.ReadFile(image(t, f.path))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, bootFile{f.name, img})
	}
	res, err := Boot(Config{
		Kernel:  image(t, "beryl.elf"),
		Cmdline: "conformance loglevel=warn",
		Extra:   []string{"-initrd", bootfsOf(t, files...)},
		Timeout: 5 * time.Minute,
	})
	if err != nil {
		t.Fatalf("boot: %v\n%s", err, tail(res))
	}
	log := strings.Join(res.Lines, "\n")
	for _, want := range []string{
		"PASS memory/TestCommitExhaustion",
		"PASS memory/TestFaultExhaustion",
		"PASS memory/TestKernelHeapExhaustion",
		"out of memory: no page for",
		"PASS vmo/",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if strings.Contains(log, "FAIL ") || res.ExitCode != ExitPass {
		t.Errorf("QEMU exit %d\n%s", res.ExitCode, res.Tail(40))
	}
}

// TestZxrunBootfsMemory runs the memory family's commit exhaustion under
// zxrun with 64 MiB more in the boot filesystem: after the episode the
// kernel heap must hold well under the bootfs (the kernel keeps the
// archive only in the bootfs VMO and the boot module; a heap copy kept
// for execve made every MiB a program's world adds to the bootfs cost
// three, and the runtime package's tests ran out of memory).
func TestZxrunBootfsMemory(t *testing.T) {
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = byte(i*7 + i>>12)
	}
	data := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(data, big, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(zxrun(t), image(t, "conformance/memory.test"), "-test.run", "^TestCommitExhaustion$", "-test.v")
	cmd.Env = append(os.Environ(), "ZXRUN_CWD=none", "ZXRUN_FILES=data/big="+data, "ZXRUN_TIMEOUT=5m")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("zxrun memory.test: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestCommitExhaustion") || !strings.Contains(string(out), "kernel heap") {
		t.Errorf("output lacks the pass or the heap comparison:\n%s", out)
	}
}
