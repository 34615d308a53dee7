package qemu

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestUserHello runs a stock Go program (goroutines, GC, timers, maps,
// os.Args, stdout, stderr, exit status) in ring 3 as init.
func TestUserHello(t *testing.T) {
	res, err := Boot(Config{
		Kernel:  image(t, "beryl.elf"),
		Cmdline: "init=hello.elf",
		Extra:   []string{"-initrd", image(t, "hello.elf") + " 7 x"},
		Timeout: 2 * time.Minute,
	})
	if err != nil {
		t.Fatalf("boot: %v\n%s", err, tail(res))
	}
	var out []string
	for _, l := range res.Lines {
		if !strings.HasPrefix(l, "[") && !strings.HasPrefix(l, "beryl:") && !strings.HasPrefix(l, "KTEST") {
			out = append(out, l)
		}
	}
	want := []string{
		`hello from ring 3: args=["hello.elf" "7" "x"]`,
		`sum=4950 map=10000 gc=true slept>=20ms:true`,
		`to stderr`,
	}
	if strings.Join(out, "\n") != strings.Join(want, "\n") {
		t.Errorf("program output:\n%s\nwant:\n%s", strings.Join(out, "\n"), strings.Join(want, "\n"))
	}
	log := strings.Join(res.Lines, "\n")
	if !regexp.MustCompile(`I init: hello\.elf\[\d+\] exited with status 7`).MatchString(log) || res.ExitCode != ExitFail {
		t.Errorf("exit status not reported (QEMU exit %d):\n%s", res.ExitCode, res.Tail(10))
	}
	if strings.Contains(log, "unimplemented syscall") {
		t.Errorf("the program made unimplemented system calls:\n%s", log)
	}
}

// TestUserNilDeref: an unrecovered user nil dereference ends only that
// process — delivered as SIGSEGV, Go's runtime prints the panic and exits
// 2, as on Linux — and the kernel reports the status and shuts down
// normally.
func TestUserNilDeref(t *testing.T) {
	res, err := Boot(Config{
		Kernel:  image(t, "beryl.elf"),
		Cmdline: "init=crash.elf",
		Extra:   []string{"-initrd", image(t, "crash.elf")},
		Timeout: time.Minute,
	})
	if err != nil {
		t.Fatalf("boot: %v\n%s", err, tail(res))
	}
	log := strings.Join(res.Lines, "\n")
	for _, want := range []string{"about to crash", "panic: runtime error: invalid memory address or nil pointer dereference",
		"[signal SIGSEGV: segmentation violation code=0x1 addr=0x0", "main.get(", "] exited with status 2", "beryl: exit_group(2)"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, res.Tail(15))
		}
	}
	if strings.Contains(log, "FAULT vector") || res.ExitCode != ExitFail {
		t.Errorf("kernel did not survive (exit %d):\n%s", res.ExitCode, res.Tail(15))
	}
}
