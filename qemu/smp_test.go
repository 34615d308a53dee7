package qemu

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

var cpuOnline = regexp.MustCompile(`smp: cpu (\d+): APIC id (\d+) online`)

// TestSMPBoot boots to the ready line with 1, 2, 4 and 10 vCPUs (more
// than 8: beyond the old 8-bit xAPIC logical limits), with cpus= below
// and above what is present, and with a CPU that is not there
// (test.absentcpu): every present CPU that may start is reported online
// with a dense number, the others are reported, and the boot goes on.
func TestSMPBoot(t *testing.T) {
	for _, c := range []struct {
		smp     int
		cmdline string
		online  int
		want    []string
	}{
		{smp: 1, online: 1},
		{smp: 2, online: 2},
		{smp: 4, online: 4},
		{smp: 10, online: 10},
		{smp: 4, cmdline: "cpus=2", online: 2, want: []string{"APIC id 2 not started (cpus=2)", "APIC id 3 not started (cpus=2)"}},
		{smp: 2, cmdline: "cpus=8", online: 2, want: []string{"cpus=8: the MADT lists 2"}},
		{smp: 2, cmdline: "test.absentcpu=7", online: 2, want: []string{"APIC id 7 did not start", "cpu 1: APIC id 1 online"}},
	} {
		t.Run(fmt.Sprintf("smp%d%s", c.smp, strings.ReplaceAll(" "+c.cmdline, " ", "_")), func(t *testing.T) {
			res, err := Boot(Config{
				Kernel:  image(t, "beryl.elf"),
				Cmdline: "ready.exit " + c.cmdline,
				SMP:     c.smp,
				Timeout: 2 * time.Minute,
			})
			if err != nil {
				t.Fatalf("boot: %v\n%s", err, tail(res))
			}
			if res.ExitCode != ExitPass {
				t.Fatalf("QEMU exit %d\n%s", res.ExitCode, res.Tail(30))
			}
			log := strings.Join(res.Lines, "\n")
			n := 1
			for _, m := range cpuOnline.FindAllStringSubmatch(log, -1) {
				if m[1] != fmt.Sprint(n) {
					t.Errorf("CPU numbers not dense: %q after %d", m[0], n-1)
				}
				n++
			}
			if n != c.online {
				t.Errorf("%d CPUs reported online, want %d\n%s", n, c.online, res.Tail(30))
			}
			for _, w := range append(c.want, "smp: cpu 0: APIC id 0 (boot CPU)", fmt.Sprintf("smp: %d CPUs online", c.online), "beryl: ready in") {
				if !strings.Contains(log, w) {
					t.Errorf("log lacks %q\n%s", w, res.Tail(30))
				}
			}
		})
	}
}

// TestSMPKernelTests runs the in-kernel SMP tests at -smp 4, with the
// other CPUs idle (smp=off) and with threads on every CPU (the default): every
// application processor is online with its own per-CPU area and takes
// its own timer interrupts, and a signal frame's pages are committed
// before an exception handler writes it.
func TestSMPKernelTests(t *testing.T) {
	for _, cmdline := range []string{"test=smp/* smp=off", "test=smp/*"} {
		res, err := Boot(Config{Kernel: image(t, "beryl-test.elf"), Cmdline: cmdline, SMP: 4, Timeout: 2 * time.Minute})
		if err != nil {
			t.Fatalf("%s: boot: %v\n%s", cmdline, err, tail(res))
		}
		log := strings.Join(res.Lines, "\n")
		if res.ExitCode != ExitPass || !strings.Contains(log, "KTEST PASS smp/cpus-tick") || !strings.Contains(log, "cpu 3 (APIC id 3)") ||
			!strings.Contains(log, "KTEST PASS smp/signal-frame-prepare") {
			t.Fatalf("%s: QEMU exit %d\n%s", cmdline, res.ExitCode, res.Tail(30))
		}
	}
}

// TestSMPFaultDump: a fatal fault at -smp 4 stops the other CPUs first
// (NMI), so exactly one dump is printed, whole, and QEMU exits with the
// panic status.
// It boots once with smp=off and three times with threads on every CPU
// (the default), where the fault usually comes from an application
// processor, whose trap stack lies below the goroutine stacks: the dump
// must not run split-checking or allocating Go code there (it died with
// "split stack overflow" in 4 of 6 boots when it did).
func TestSMPFaultDump(t *testing.T) {
	for i, cmdline := range []string{"test.fault smp=off", "test.fault", "test.fault", "test.fault"} {
		res, err := Boot(Config{Kernel: image(t, "beryl.elf"), Cmdline: cmdline, SMP: 4, Timeout: 2 * time.Minute})
		if err != nil {
			t.Fatalf("boot %d (%s): %v\n%s", i, cmdline, err, tail(res))
		}
		log := strings.Join(res.Lines, "\n")
		if res.ExitCode != ExitPanic || strings.Count(log, "FAULT end") != 1 || strings.Count(log, "beryl: FATAL") != 1 ||
			!strings.Contains(log, "smp: 4 CPUs online") {
			t.Fatalf("boot %d (%s): QEMU exit %d, want %d, one dump\n%s", i, cmdline, res.ExitCode, ExitPanic, res.Tail(40))
		}
		if strings.Contains(log, "fault in the fault dump") {
			t.Errorf("boot %d (%s): nested fault\n%s", i, cmdline, res.Tail(40))
		}
	}
}

// TestSMPArgs: the vCPU count reaches QEMU's command line, from the
// config or from $BERYL_SMP.
func TestSMPArgs(t *testing.T) {
	has := func(a []string, n string) bool {
		for i := 0; i+1 < len(a); i++ {
			if a[i] == "-smp" && a[i+1] == n {
				return true
			}
		}
		return false
	}
	t.Setenv("BERYL_SMP", "")
	if a := Args(Config{Kernel: "k"}, ""); !has(a, "2") {
		t.Errorf("default: %v", a)
	}
	if a := Args(Config{Kernel: "k", SMP: 4}, ""); !has(a, "4") {
		t.Errorf("SMP 4: %v", a)
	}
	t.Setenv("BERYL_SMP", "1")
	if a := Args(Config{Kernel: "k"}, ""); !has(a, "1") {
		t.Errorf("BERYL_SMP=1: %v", a)
	}
}
