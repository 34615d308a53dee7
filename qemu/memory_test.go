package qemu

import (
	"os"
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
