package qemu

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

var clockLine = regexp.MustCompile(`clock: TSC (\d+)\.\d+ MHz from ([^,]+),`)

// TestClockWithoutPIT boots the test image on machines without a PIT and
// with or without an HPET (QEMU 7.2: -machine pc|q35,pit=off[,hpet=off])
// and runs the timer and clock kernel tests there: the boot log must name
// the reference the TSC was calibrated against, and the LAPIC tick rate
// and the TSC must stay within their checks.
func TestClockWithoutPIT(t *testing.T) {
	for _, c := range []struct{ machine, source string }{
		{"pc,pit=off,hpet=off", "ACPI PM timer"},
		{"q35,pit=off,hpet=off", "ACPI PM timer"},
		{"q35,pit=off", "HPET"},
		{"pc", "HPET"},
	} {
		t.Run(strings.ReplaceAll(c.machine, ",", "_"), func(t *testing.T) {
			res, err := Boot(Config{
				Kernel:  image(t, "beryl-test.elf"),
				Cmdline: "test=irq/timer-rate,time/",
				Extra:   []string{"-machine", c.machine},
				Timeout: 3 * time.Minute,
			})
			if err != nil {
				t.Fatalf("boot: %v\nserial tail:\n%s", err, tail(res))
			}
			var src string
			pass := 0
			for _, l := range res.Lines {
				if m := clockLine.FindStringSubmatch(l); m != nil {
					src = m[2]
				}
				if strings.HasPrefix(l, "KTEST PASS ") {
					pass++
				}
				if strings.HasPrefix(l, "KTEST FAIL ") || strings.HasPrefix(l, "KTEST LOG ") {
					t.Log(l)
				}
			}
			if src != c.source {
				t.Errorf("clock source %q, want %q", src, c.source)
			}
			if pass < 3 || res.ExitCode != ExitPass {
				t.Errorf("%d kernel tests passed, QEMU exit %d, want >= 3 and %d\nserial tail:\n%s", pass, res.ExitCode, ExitPass, res.Tail(20))
			}
		})
	}
}
