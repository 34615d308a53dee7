package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/u-root/u-root/pkg/cpio"
)

// linuxConsole is what the Linux boot's serial console looks like: CRLF
// line ends, kernel lines, the program's lines.
const linuxConsole = "[    0.000000] Linux version 6.1.0\r\n" +
	"compare: start\r\n" +
	"# compare: kernel=linux release=6.1.0-57-amd64\r\n" +
	"BenchmarkBootToMain \t       1\t    2310000000 ns/op\r\n" +
	"BenchmarkNullSyscallGetppid \t  500000\t         400.0 ns/op\r\n" +
	"# BenchmarkNullSyscallGetppid n=500000 all=[400.0 401.0]\r\n" +
	"BenchmarkRoundTripProcesses \t    1000\t      150000.0 ns/op\r\n" +
	"BenchmarkSpawnWaitGo \t      13\t    15300000.0 ns/op\r\n" +
	"compare: done\r\n" +
	"[    9.1] reboot: Power down\r\n"

const berylConsole = "compare: start\n" +
	"BenchmarkBootToMain \t       1\t     491179469 ns/op\n" +
	"BenchmarkNullSyscallGetppid \t  500000\t         800.0 ns/op\n" +
	"BenchmarkNullSyscallZx \t  500000\t         300.0 ns/op\n" +
	"BenchmarkRoundTripProcesses \t    1000\t       75000.0 ns/op\n" +
	"BenchmarkSpawnWaitGo \t      13\t    30600000.0 ns/op\n" +
	"compare: done\n"

func clockAt(d time.Duration) func() time.Duration { return func() time.Duration { return d } }

func TestParse(t *testing.T) {
	var log strings.Builder
	r, err := Parse(strings.NewReader(linuxConsole), clockAt(4*time.Second), &log)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{
		"BenchmarkBootToMain": 2.31e9, "BenchmarkNullSyscallGetppid": 400,
		"BenchmarkRoundTripProcesses": 150000, "BenchmarkSpawnWaitGo": 15.3e6,
	}
	if len(r.Bench) != len(want) {
		t.Errorf("benchmarks %v, want %v", r.Bench, want)
	}
	for k, v := range want {
		if r.Bench[k] != v {
			t.Errorf("%s = %v, want %v", k, r.Bench[k], v)
		}
	}
	if r.Start != 4*time.Second {
		t.Errorf("start %v", r.Start)
	}
	if log.String() != strings.ReplaceAll(linuxConsole, "\r\n", "\n") {
		t.Errorf("log:\n%s", log.String())
	}
}

func TestParseFailures(t *testing.T) {
	for name, console := range map[string]string{
		"fatal":       "compare: start\nBenchmarkX \t 1\t 5 ns/op\ncompare: FATAL: fork/exec: ENOSYS\n",
		"no done":     "compare: start\nBenchmarkX \t 1\t 5 ns/op\n",
		"no start":    "BenchmarkX \t 1\t 5 ns/op\ncompare: done\n",
		"empty":       "",
		"kernel oops": "[ 1.0] Kernel panic - not syncing: Attempted to kill init!\n",
	} {
		if r, err := Parse(strings.NewReader(console), nil, nil); err == nil {
			t.Errorf("%s: parsed as %v", name, r)
		} else if name == "fatal" && !strings.Contains(err.Error(), "ENOSYS") {
			t.Errorf("fatal: error %q does not carry the program's message", err)
		}
	}
}

func TestWriteTable(t *testing.T) {
	linux, err := Parse(strings.NewReader(linuxConsole), clockAt(4*time.Second), nil)
	if err != nil {
		t.Fatal(err)
	}
	beryl, err := Parse(strings.NewReader(berylConsole), clockAt(2*time.Second), nil)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	if err := writeTable(&sb, linux, beryl); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(sb.String(), "\n"), "\n")
	row := func(label string) []string {
		for _, l := range lines {
			c := strings.Split(l, "|")
			if len(c) == 6 && strings.TrimSpace(c[1]) == label {
				for i := range c {
					c[i] = strings.TrimSpace(c[i])
				}
				return c[1:5]
			}
		}
		t.Fatalf("no row %q in\n%s", label, sb.String())
		return nil
	}
	for _, c := range []struct{ label, linux, beryl, ratio string }{
		{Rows[0].Label, "4.00 s", "2.00 s", "0.50"},
		{"boot to main, guest clock (CLOCK_BOOTTIME)", "2.31 s", "491 ms", "0.21"},
		{"null syscall: getppid", "400 ns", "800 ns", "2.00"},
		{"null syscall: zx clock_get_monotonic", "—", "300 ns", "—"},
		{"round trip, 2 processes: pipes / zx channel", "150 µs", "75.0 µs", "0.50"},
		{"spawn+wait Go binary: fork/exec+wait4 / launch+wait", "15.3 ms", "30.6 ms", "2.00"},
	} {
		if got := row(c.label); got[1] != c.linux || got[2] != c.beryl || got[3] != c.ratio {
			t.Errorf("row %q = %q, want %q %q %q", c.label, got, c.linux, c.beryl, c.ratio)
		}
	}
	// Header, rule, 6 rows: primitives neither side measured are left out.
	if len(lines) != 8 || !strings.HasPrefix(lines[1], "| ---") {
		t.Errorf("table:\n%s", sb.String())
	}
	for _, l := range lines {
		if len([]rune(l)) != len([]rune(lines[0])) {
			t.Errorf("ragged line %q", l)
		}
	}
}

func TestFormatNs(t *testing.T) {
	for ns, want := range map[float64]string{
		399: "399 ns", 5.25: "5.25 ns", 19500: "19.5 µs", 1.4e6: "1.40 ms",
		15.3e6: "15.3 ms", 1.54e9: "1.54 s", 999.4: "999 ns", 123456789: "123 ms",
	} {
		if got := FormatNs(ns); got != want {
			t.Errorf("FormatNs(%v) = %q, want %q", ns, got, want)
		}
	}
}

// TestWriteInitrd: /init is the program, executable, and /dev/console is
// the console character device (5, 1).
func TestWriteInitrd(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "prog")
	if err := os.WriteFile(prog, []byte("\x7fELF program"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "initrd.cpio")
	if err := writeInitrd(out, prog); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := cpio.ReadAllRecords(cpio.Newc.Reader(f))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]cpio.Record{}
	for _, r := range recs {
		byName[r.Name] = r
	}
	init, ok := byName["init"]
	if !ok || init.Mode != cpio.S_IFREG|0o755 {
		t.Fatalf("init record %v", init)
	}
	b, _ := io.ReadAll(io.NewSectionReader(init.ReaderAt, 0, int64(init.FileSize)))
	if string(b) != "\x7fELF program" {
		t.Errorf("init holds %q", b)
	}
	if c, ok := byName["dev/console"]; !ok || c.Mode&cpio.S_IFMT != cpio.S_IFCHR || c.Rmajor != 5 || c.Rminor != 1 {
		t.Errorf("dev/console record %v", c)
	}
	if d, ok := byName["dev"]; !ok || d.Mode&cpio.S_IFMT != cpio.S_IFDIR {
		t.Errorf("dev record %v", d)
	}
}
