package qemu

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	caseLine    = regexp.MustCompile(`^(PASS|FAIL|SKIP) (\S+)$`)
	summaryLine = regexp.MustCompile(`^(\d+) passed, (\d+) failed(, (\d+) skipped)?$`)
	// coreRow is a row of docs/core-tests.md: case, status, and for a
	// ported case its family/TestName.
	coreRow = regexp.MustCompile("^\\| (\\S+) \\| (\\S+) \\| (?:`(\\S+)`)?")
)

// TestConformanceSuite boots the conformance bootfs: init runs every
// family as its own process and prints a line per case, then "N passed,
// N failed"; each case becomes a subtest here. It boots the default vCPU
// count (2, or $BERYL_SMP).
func TestConformanceSuite(t *testing.T) {
	checkSuite(t, suiteConfig(t, 0))
}

// TestConformanceSuiteSMP1 runs the suite on one CPU, where no two
// threads ever run at once: the interleavings one CPU allows, and the
// scheduler and wake-up paths without a second CPU to take work.
func TestConformanceSuiteSMP1(t *testing.T) {
	checkSuite(t, suiteConfig(t, 1))
}

// suiteConfig boots the conformance bootfs on smp vCPUs (0: the default).
func suiteConfig(t *testing.T, smp int) Config {
	return Config{
		Kernel:  image(t, "beryl.elf"),
		Cmdline: "conformance loglevel=warn test.ram.reserve=0x10000",
		Memory:  "1G",
		SMP:     smp,
		Extra:   []string{"-initrd", image(t, "conformance.cpio")},
		Timeout: 15 * time.Minute,
	}
}

// TestConformanceISO runs the suite the way hardware does: from the GRUB
// ISO (SeaBIOS, multiboot2, the bootfs as a GRUB module, `conformance` on
// the command line), results on the serial console, at -smp 4 (the
// machines it is meant for have many CPUs; this is the suite's run with
// more CPUs than the default).
func TestConformanceISO(t *testing.T) {
	checkSuite(t, Config{ISO: image(t, "beryl-conformance.iso"), Memory: "1G", SMP: 4, Timeout: 15 * time.Minute})
}

func checkSuite(t *testing.T, cfg Config) {
	res, err := Boot(cfg)
	if err != nil {
		t.Fatalf("boot: %v\n%s", err, tail(res))
	}
	detail := map[string][]string{}
	var last string
	// Skipped cases are the ported core-tests Beryl fails for a recorded
	// reason (ctest.KnownFailure).
	cases, passed, failed, skipped := 0, 0, 0, 0
	summary := ""
	for _, l := range res.Lines {
		if m := caseLine.FindStringSubmatch(l); m != nil {
			last = m[2]
			cases++
			name, result := m[2], m[1]
			defer func() {
				t.Run(name, func(t *testing.T) {
					for _, d := range detail[name] {
						t.Log(d)
					}
					if result == "FAIL" {
						t.Errorf("conformance case failed")
					}
				})
			}()
			continue
		}
		if strings.HasPrefix(l, "    ") && last != "" {
			detail[last] = append(detail[last], strings.TrimSpace(l))
		}
		if m := summaryLine.FindStringSubmatch(l); m != nil {
			summary = l
			passed, _ = strconv.Atoi(m[1])
			failed, _ = strconv.Atoi(m[2])
			skipped, _ = strconv.Atoi(m[4])
		}
	}
	if summary == "" {
		t.Fatalf("no summary line\n%s", res.Tail(40))
	}
	fmt.Printf("conformance suite (%s, -smp %s): %s in %v\n", t.Name(), SMP(cfg.SMP), summary, res.Elapsed.Round(time.Second))
	coreTests(t, res.Lines)
	if cases < 400 || passed+failed+skipped < cases {
		t.Errorf("%d cases reported (%s): the suite should have at least 400", cases, summary)
	}
	if failed > 0 || res.ExitCode != ExitPass {
		// A family that died without a failing case is reported by init
		// on a "conformance: FAMILY: ..." line; the kernel's own warnings
		// and errors say why.
		for _, l := range res.Lines {
			if strings.HasPrefix(l, "conformance: ") && !strings.HasSuffix(l, " families") || strings.Contains(l, "] E ") || strings.Contains(l, "] W proc:") {
				t.Log(l)
			}
		}
		t.Errorf("%s; QEMU exit %d\n%s", summary, res.ExitCode, res.Tail(20))
	}
}

// coreTests prints the line that counts Zircon's core-tests in the run:
// every case docs/core-tests.md lists as ported passes when all its
// reported cases passed (a ported-failing case reports SKIP and counts as
// failed), and a ported-passing case that was not reported fails the test.
func coreTests(t *testing.T, lines []string) {
	table, err := os.ReadFile("../docs/core-tests.md")
	if err != nil {
		t.Errorf("core-tests table: %v", err)
		return
	}
	results := map[string][]string{} // family/TestName → results of it and its subtests
	for _, l := range lines {
		if m := caseLine.FindStringSubmatch(l); m != nil {
			parts := strings.SplitN(m[2], "/", 3)
			if len(parts) >= 2 {
				k := parts[0] + "/" + parts[1]
				results[k] = append(results[k], m[1])
			}
		}
	}
	passed, failed, na := 0, 0, 0
	for _, l := range strings.Split(string(table), "\n") {
		m := coreRow.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		switch m[2] {
		case "not-applicable":
			na++
			continue
		case "ported-passing", "ported-failing":
		default: // not-ported, and the table's header rows
			continue
		}
		rs := results[m[3]]
		ok := len(rs) > 0
		for _, r := range rs {
			ok = ok && r == "PASS"
		}
		if ok {
			passed++
			continue
		}
		failed++
		switch {
		case m[2] == "ported-passing" && len(rs) == 0:
			t.Errorf("core-test %s (%s) was not reported", m[1], m[3])
		case m[2] == "ported-passing":
			t.Logf("core-test %s (%s): %v", m[1], m[3], rs)
		}
	}
	fmt.Printf("core-tests: %d passed, %d failed, %d not applicable\n", passed, failed, na)
}
