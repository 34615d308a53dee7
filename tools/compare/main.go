// Command compare boots Debian's Linux kernel and Beryl in the same QEMU
// configuration (TCG, -cpu max, -m 512M, one vCPU), runs the same
// benchmark program (userspace/bench/compare) on each and prints one
// table: primitive, Linux, Beryl, ratio Beryl/Linux (`make compare`).
//
//	go run ./tools/compare [-program build/compare/compare.elf] [-dir build/compare]
//
// Linux: the kernel package linux-image-amd64 depends on is fetched once
// with `apt-get download` (after `apt-get update` when the apt lists are
// empty) and unpacked with `dpkg-deb -x` into DIR/cache; nothing is
// installed. The program is /init of an initramfs (a newc archive written
// with u-root's pkg/cpio: /init and /dev/console), booted with
//
//	qemu-system-x86_64 -accel tcg -cpu max -m 512M -smp 1 -display none -no-reboot \
//	  -serial stdio -kernel vmlinuz -initrd initrd.cpio -append "console=ttyS0 quiet panic=-1"
//
// /init powers the VM off when it is done. Beryl: bin/zxrun runs the same
// program through init with BERYL_SMP=1, ZXRUN_MEMORY=512M and ZXRUN_CWD=none (zxrun boots
// -accel tcg -cpu max -smp 1). The consoles go to DIR/linux.log and DIR/beryl.log.
//
// The figures are host nanoseconds of QEMU's emulation: compare them only
// as ratios, taken on one host in one session (README, "Comparing with
// Linux").
//
// Environment: COMPARE_KERNEL_PKG names another Debian kernel package
// (read only when the cache is empty; remove DIR/cache to switch).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/u-root/u-root/pkg/cpio"
)

// qemuCommon is the machine both kernels boot on (zxrun's flags match).
var qemuCommon = []string{"-accel", "tcg", "-cpu", "max", "-m", "512M", "-smp", "1", "-display", "none", "-no-reboot"}

func main() {
	program := flag.String("program", "build/compare/compare.elf", "the benchmark program (static GOOS=linux binary of userspace/bench/compare)")
	dir := flag.String("dir", "build/compare", "work directory: kernel cache, initramfs, console logs")
	zxrun := flag.String("zxrun", "bin/zxrun", "Beryl's zxrun")
	timeout := flag.Duration("timeout", 10*time.Minute, "limit for each boot")
	reps := flag.Int("reps", 0, "repetitions per benchmark (0: the program's default, 5)")
	ms := flag.Int("ms", 0, "target milliseconds per repetition (0: the program's default, 200)")
	only := flag.String("run", "", "regular expression: run only the benchmarks it matches")
	flag.Parse()
	if err := run(*program, *dir, *zxrun, *timeout, *reps, *ms, *only); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run(program, dir, zxrun string, timeout time.Duration, reps, ms int, only string) error {
	if _, err := os.Stat(program); err != nil {
		return fmt.Errorf("benchmark program: %w (make build/compare/compare.elf)", err)
	}
	vmlinuz, kver, err := fetchKernel(filepath.Join(dir, "cache"))
	if err != nil {
		return err
	}
	initrd := filepath.Join(dir, "initrd.cpio")
	if err := writeInitrd(initrd, program); err != nil {
		return err
	}
	var knobs []string
	if reps > 0 {
		knobs = append(knobs, "compare_reps="+strconv.Itoa(reps))
	}
	if ms > 0 {
		knobs = append(knobs, "compare_ms="+strconv.Itoa(ms))
	}
	if only != "" {
		knobs = append(knobs, "compare_run="+only)
	}

	fmt.Fprintf(os.Stderr, "compare: booting Linux (%s)\n", kver)
	args := append(append([]string{}, qemuCommon...), "-serial", "stdio", "-kernel", vmlinuz, "-initrd", initrd,
		"-append", strings.Join(append([]string{"console=ttyS0", "quiet", "panic=-1"}, knobs...), " "))
	linux, err := boot(filepath.Join(dir, "linux.log"), timeout, nil, "qemu-system-x86_64", args...)
	if err != nil {
		return fmt.Errorf("Linux: %w", err)
	}

	fmt.Fprintln(os.Stderr, "compare: booting Beryl")
	env := append([]string{"PATH=" + os.Getenv("PATH"), "BERYL_SMP=1", "ZXRUN_MEMORY=512M", "ZXRUN_CWD=none", "ZXRUN_TIMEOUT=" + timeout.String()}, knobs...)
	beryl, err := boot(filepath.Join(dir, "beryl.log"), timeout, env, zxrun, program)
	if err != nil {
		return fmt.Errorf("Beryl: %w", err)
	}

	fmt.Printf("Linux %s, Beryl %s, %s, host %s\n", kver, berylVersion(), qemuVersion(), hostCPU())
	fmt.Printf("QEMU %s\n\n", strings.Join(qemuCommon, " "))
	return writeTable(os.Stdout, linux, beryl)
}

// ---------------------------------------------------------------- Linux kernel

// fetchKernel returns the cached Debian kernel image in cache and its
// description ("package version"), fetching it first if needed.
func fetchKernel(cache string) (vmlinuz, desc string, err error) {
	vmlinuz = filepath.Join(cache, "vmlinuz")
	verFile := filepath.Join(cache, "kernel-version")
	if v, err := os.ReadFile(verFile); err == nil {
		if _, err := os.Stat(vmlinuz); err == nil {
			return vmlinuz, strings.TrimSpace(string(v)), nil
		}
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", "", err
	}
	pkg := os.Getenv("COMPARE_KERNEL_PKG")
	if pkg == "" {
		if pkg = resolveKernelPkg(); pkg == "" {
			fmt.Fprintln(os.Stderr, "compare: apt lists empty: apt-get update")
			if err := sh("", "apt-get", "update", "-qq"); err != nil {
				return "", "", err
			}
			if pkg = resolveKernelPkg(); pkg == "" {
				return "", "", errors.New("apt-cache depends linux-image-amd64 names no kernel package")
			}
		}
	}
	fmt.Fprintf(os.Stderr, "compare: fetching %s (once, into %s)\n", pkg, cache)
	tmp, err := os.MkdirTemp(cache, "dl-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(tmp)
	// As root apt drops to _apt, which cannot write into tmp.
	if err := sh(tmp, "apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", pkg); err != nil {
		return "", "", err
	}
	debs, _ := filepath.Glob(filepath.Join(tmp, "*.deb"))
	if len(debs) != 1 {
		return "", "", fmt.Errorf("apt-get download %s: %d .deb files", pkg, len(debs))
	}
	ver, err := exec.Command("dpkg-deb", "-f", debs[0], "Version").Output()
	if err != nil {
		return "", "", fmt.Errorf("dpkg-deb -f: %w", err)
	}
	root := filepath.Join(tmp, "root")
	if err := sh("", "dpkg-deb", "-x", debs[0], root); err != nil {
		return "", "", err
	}
	imgs, _ := filepath.Glob(filepath.Join(root, "boot", "vmlinuz-*"))
	if len(imgs) != 1 {
		return "", "", fmt.Errorf("%s holds %d boot/vmlinuz-* images", filepath.Base(debs[0]), len(imgs))
	}
	img, err := os.ReadFile(imgs[0])
	if err != nil {
		return "", "", err
	}
	desc = pkg + " " + strings.TrimSpace(string(ver))
	// The image last, through a rename: its presence means "cached".
	if err := os.WriteFile(verFile, []byte(desc+"\n"), 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(vmlinuz+".tmp", img, 0o644); err != nil {
		return "", "", err
	}
	return vmlinuz, desc, os.Rename(vmlinuz+".tmp", vmlinuz)
}

// resolveKernelPkg is the versioned image package linux-image-amd64
// depends on, "" when apt knows none.
func resolveKernelPkg() string {
	out, _ := exec.Command("apt-cache", "depends", "linux-image-amd64").Output()
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) == 2 && f[0] == "Depends:" && strings.HasPrefix(f[1], "linux-image-") && f[1] != "linux-image-amd64" {
			return f[1]
		}
	}
	return ""
}

// sh runs a command in dir with its output on stderr.
func sh(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// writeInitrd writes the Linux initramfs: the program as /init and the
// /dev/console node the kernel opens for init's stdio (nothing is
// mounted, so there is no devtmpfs).
func writeInitrd(path, program string) error {
	img, err := os.ReadFile(program)
	if err != nil {
		return err
	}
	recs := []cpio.Record{
		cpio.StaticRecord(img, cpio.Info{Name: "init", Mode: cpio.S_IFREG | 0o755}),
		cpio.Directory("dev", 0o755),
		cpio.CharDev("dev/console", 0o600, 5, 1),
	}
	cpio.MakeAllReproducible(recs)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := cpio.Newc.Writer(f)
	if err := cpio.WriteRecords(w, recs); err != nil {
		f.Close()
		return err
	}
	if err := cpio.WriteTrailer(w); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ---------------------------------------------------------------- boots

// boot runs a QEMU boot (directly or through zxrun) with env (nil: the
// caller's), copies its console to logPath, and returns the parsed
// results with the host wall time from the start to "compare: start".
func boot(logPath string, timeout time.Duration, env []string, name string, args ...string) (*Result, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.Stdin = nil
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(logf, "$ %s %s\n", name, strings.Join(args, " "))
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	res, perr := Parse(out, func() time.Duration { return time.Since(start) }, logf)
	werr := cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("timed out after %v; see %s", timeout, logPath)
	case perr != nil:
		return nil, fmt.Errorf("%v; see %s", perr, logPath)
	case werr != nil:
		return nil, fmt.Errorf("%s: %v; see %s", name, werr, logPath)
	}
	return res, nil
}

// Result is what one boot's console said.
type Result struct {
	// Bench maps a benchmark name to ns/op.
	Bench map[string]float64
	// Start is the time from the boot's start to the "compare: start"
	// line (0 if Parse's clock was nil).
	Start time.Duration
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+)\s+\d+\s+([0-9.eE+-]+) ns/op`)

// Parse reads a console: it copies each line to log, notes when
// "compare: start" came (by clock), collects the Benchmark lines and
// fails on a "compare: FATAL" line or without "compare: done".
func Parse(r io.Reader, clock func() time.Duration, log io.Writer) (*Result, error) {
	res := &Result{Bench: map[string]float64{}}
	started, done := false, false
	var fatal string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		if log != nil {
			fmt.Fprintln(log, l)
		}
		switch {
		case strings.HasPrefix(l, "compare: start") && !started:
			started = true
			if clock != nil {
				res.Start = clock()
			}
		case strings.HasPrefix(l, "compare: done"):
			done = true
		case strings.HasPrefix(l, "compare: FATAL") && fatal == "":
			fatal = l
		}
		if m := benchLine.FindStringSubmatch(l); m != nil {
			v, err := strconv.ParseFloat(m[2], 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %v", l, err)
			}
			res.Bench[m[1]] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	switch {
	case fatal != "":
		return nil, errors.New(fatal)
	case !started || !done:
		return nil, fmt.Errorf("the program did not run to the end (start %v, done %v)", started, done)
	}
	return res, nil
}

// ---------------------------------------------------------------- table

// A Row is one primitive: its label (what each kernel runs, "Linux's /
// Beryl's" where they differ) and the
// benchmark name both print it under; hostStart rows take Result.Start.
type Row struct {
	Label, Bench string
	hostStart    bool
}

// Rows are the table's rows, in order.
var Rows = []Row{
	{Label: "boot to program start, host wall (QEMU start → first line)", hostStart: true},
	{Label: "boot to main, guest clock (CLOCK_BOOTTIME)", Bench: "BenchmarkBootToMain"},
	{Label: "null syscall: getppid", Bench: "BenchmarkNullSyscallGetppid"},
	{Label: "null syscall: zx clock_get_monotonic", Bench: "BenchmarkNullSyscallZx"},
	{Label: "round trip, 2 processes: pipes / zx channel", Bench: "BenchmarkRoundTripProcesses"},
	{Label: "round trip, 2 threads: futex", Bench: "BenchmarkRoundTripThreadsFutex"},
	{Label: "page fault per page: anonymous mmap", Bench: "BenchmarkPageFaultMmap"},
	{Label: "page fault per page: zx VMO mapping", Bench: "BenchmarkPageFaultVmo"},
	{Label: "spawn+wait Go binary: fork/exec+wait4 / launch+wait", Bench: "BenchmarkSpawnWaitGo"},
	{Label: "GC stop-the-world pause (median of 21)", Bench: "BenchmarkGCPause"},
}

func (row Row) value(r *Result) (float64, bool) {
	if row.hostStart {
		return float64(r.Start), r.Start > 0
	}
	v, ok := r.Bench[row.Bench]
	return v, ok
}

// writeTable prints the Markdown table of linux against beryl; a primitive
// one side lacks shows "—" (no ratio).
func writeTable(w io.Writer, linux, beryl *Result) error {
	cells := [][]string{{"primitive", "Linux", "Beryl", "Beryl/Linux"}}
	for _, row := range Rows {
		l, lok := row.value(linux)
		b, bok := row.value(beryl)
		if !lok && !bok {
			continue
		}
		c := []string{row.Label, "—", "—", "—"}
		if lok {
			c[1] = FormatNs(l)
		}
		if bok {
			c[2] = FormatNs(b)
		}
		if lok && bok && l > 0 {
			c[3] = fmt.Sprintf("%.2f", b/l)
		}
		cells = append(cells, c)
	}
	width := make([]int, 4)
	for _, c := range cells {
		for i, s := range c {
			width[i] = max(width[i], len([]rune(s)))
		}
	}
	var sb strings.Builder
	line := func(c []string) {
		for i, s := range c {
			pad := strings.Repeat(" ", width[i]-len([]rune(s)))
			if i == 0 {
				fmt.Fprintf(&sb, "| %s%s ", s, pad)
			} else {
				fmt.Fprintf(&sb, "| %s%s ", pad, s) // numbers right-aligned
			}
		}
		sb.WriteString("|\n")
	}
	line(cells[0])
	for i := range width {
		if i == 0 {
			fmt.Fprintf(&sb, "| %s ", strings.Repeat("-", width[i]))
		} else {
			fmt.Fprintf(&sb, "| %s: ", strings.Repeat("-", width[i]-1))
		}
	}
	sb.WriteString("|\n")
	for _, c := range cells[1:] {
		line(c)
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

// FormatNs prints a duration in ns with three significant digits and a
// unit: 399 ns, 19.5 µs, 15.3 ms, 1.54 s.
func FormatNs(ns float64) string {
	unit, div := "ns", 1.0
	switch {
	case ns >= 1e9:
		unit, div = "s", 1e9
	case ns >= 1e6:
		unit, div = "ms", 1e6
	case ns >= 1e3:
		unit, div = "µs", 1e3
	}
	v := ns / div
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, unit)
	case v >= 10:
		return fmt.Sprintf("%.1f %s", v, unit)
	}
	return fmt.Sprintf("%.2f %s", v, unit)
}

// ---------------------------------------------------------------- header

func qemuVersion() string {
	out, err := exec.Command("qemu-system-x86_64", "--version").Output()
	if err != nil {
		return "QEMU ?"
	}
	f := strings.Fields(strings.SplitN(string(out), "\n", 2)[0])
	if len(f) >= 4 {
		return "QEMU " + f[3]
	}
	return "QEMU ?"
}

func berylVersion() string {
	out, err := exec.Command("git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

func hostCPU() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
