// Command zxrun runs a static linux/amd64 program inside Beryl:
//
//	bin/zxrun PROGRAM [ARGS...]
//
// It builds a boot filesystem holding Beryl's init (bin/init), the boot
// IPC policy (etc/policy), PROGRAM (bin/NAME), its arguments and the
// caller's environment (etc/zxrun/args and etc/zxrun/env), boots the
// kernel in QEMU (TCG, -cpu max, one vCPU) with it — the kernel installs the policy and starts
// init, init starts PROGRAM with userspace/launch (class NAME, holding the
// root resource) and exits with its return code —, streams the program's
// stdout and stderr (the kernel routes init's, which its children inherit,
// to COM2 and COM3) to its own, and exits with the program's exit status.
// On a kernel panic, a fault in the kernel, a missing exit status or a
// timeout it exits 125 with a message and the tail of the kernel console.
//
// The policy is the repository's userspace/etc/policy, the one the
// conformance suite boots with; the repository is the directory holding
// the kernel image's build directory (build/beryl.elf → .). If that file
// is missing zxrun warns on stderr and boots without a policy (every kos
// IPC message allowed); if it does not parse (kernel/object/kos.ParsePolicy)
// zxrun fails, as tools/mkbootfs does, rather than boot a kernel that
// denies every message.
//
// So `go test -exec "$PWD/bin/zxrun" ./pkg` runs a stock Go test binary in
// Beryl, -test.* flags included.
//
// The program finds its world (userspace/init/world.go): the current
// directory as a read-only tree at its own path and as the working
// directory (go test runs the binary in the package directory, so
// testdata and sibling sources are there) and the Go sources of its
// parent's tree (tests read sibling packages' files; left out when over
// 16 MiB or 3000 files, as GOROOT/src), the Go toolchain's
// lib/time/zoneinfo.zip and the test data its sources share (src/testdata)
// at their paths under GOROOT, the boot filesystem
// read-only at /boot, a writable tmpfs at /tmp (at most 256 MiB of file
// data: ENOSPC beyond) and /dev (null, zero, full, random, urandom); HOME
// and TMPDIR are /tmp. The current directory's regular files (.git
// directories left out) may hold at most ZXRUN_TREE_MAX MiB (default 64)
// in 20000 files; over that zxrun fails with a message naming the sizes.
// ZXRUN_CWD=none leaves the directory out (the working directory is then
// "/"): make fuzz-kernel and make soak run from the repository root.
//
// Environment: BERYL_KERNEL (kernel image; default build/beryl.elf next to
// the bin directory zxrun lives in), BERYL_INIT (init image; default
// build/init.elf beside the kernel image), BERYL_FSD (the file-server
// image; default fsd.elf beside init's), ZXRUN_TIMEOUT (Go duration, default
// 10m), ZXRUN_MEMORY (QEMU -m, default 1G), BERYL_SMP (QEMU -smp, default 2),
// ZXRUN_VERBOSE=1 (copy the kernel
// console to stderr), ZXRUN_FILES (more boot filesystem files, as
// space-separated NAME=PATH pairs: e.g. the programs a soak run launches),
// ZXRUN_CMDLINE (more kernel options, appended to zxrun's own: e.g.
// fpu=eager).
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/u-root/u-root/pkg/cpio"

	"beryl/kernel/object/kos"
	"beryl/tools/bootfsw"
)

const failStatus = 125

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: zxrun PROGRAM [ARGS...]")
		os.Exit(2)
	}
	code, err := run(os.Args[1], os.Args[2:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "zxrun:", err)
		os.Exit(failStatus)
	}
	os.Exit(code)
}

// fsdName is where the file-server program lives in the bootfs.
const fsdName = "bin/fsd"

// fsdPath is the file-server image: BERYL_FSD, or fsd.elf beside init.
func fsdPath(initImage string) string {
	if p := os.Getenv("BERYL_FSD"); p != "" {
		return p
	}
	return filepath.Join(filepath.Dir(initImage), "fsd.elf")
}

func initPath(kernel string) string {
	if p := os.Getenv("BERYL_INIT"); p != "" {
		return p
	}
	return filepath.Join(filepath.Dir(kernel), "init.elf")
}

func kernelPath() string {
	if k := os.Getenv("BERYL_KERNEL"); k != "" {
		return k
	}
	exe, err := os.Executable()
	if err == nil {
		return filepath.Join(filepath.Dir(filepath.Dir(exe)), "build", "beryl.elf")
	}
	return "build/beryl.elf"
}

// policyName is where the kernel reads the IPC policy (boot/kmain).
const policyName = "etc/policy"

// policyPath is the repository's boot IPC policy for kernel: the
// repository is the parent of the kernel image's directory (build/).
func policyPath(kernel string) string {
	return filepath.Join(filepath.Dir(filepath.Dir(kernel)), "userspace", "etc", "policy")
}

// bootPolicy reads and checks the policy at path. A missing file is
// reported on warn and gives nil (no policy); an unreadable or unparsable
// one is an error.
func bootPolicy(path string, warn io.Writer) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(warn, "zxrun: warning: no IPC policy at %s: booting without %s (every kos IPC message allowed)\n", path, policyName)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("IPC policy: %w", err)
	}
	if _, err := kos.ParsePolicy(data); err != nil {
		return nil, fmt.Errorf("IPC policy %s: %v", path, err)
	}
	return data, nil
}

// relevantEnv is the caller's environment minus what only makes sense on
// the host.
func relevantEnv() []string {
	var env []string
	for _, e := range os.Environ() {
		name, _, _ := strings.Cut(e, "=")
		switch {
		case strings.ContainsAny(e, "\x00\n"), len(e) > 4096:
		case name == "PATH", name == "PWD", name == "HOME", name == "TMPDIR", name == "OLDPWD", name == "SHLVL", name == "_",
			strings.HasPrefix(name, "ZXRUN_"), strings.HasPrefix(name, "BERYL_"), strings.HasPrefix(name, "LS_"):
		default:
			env = append(env, e)
		}
	}
	return env
}

// initName is where init lives in the bootfs (the kernel's default init=).
const initName = "bin/init"

// bootfs writes the boot filesystem to dir/bootfs.cpio: init, the policy
// (none if nil), the program, its arguments and environment.
func bootfs(dir, initImage string, policy []byte, program string, args []string) (string, error) {
	img, err := os.ReadFile(program)
	if err != nil {
		return "", err
	}
	initImg, err := os.ReadFile(initImage)
	if err != nil {
		return "", fmt.Errorf("init image: %w (build it with make)", err)
	}
	name := "bin/" + filepath.Base(program)
	if name == initName {
		return "", fmt.Errorf("%s: a program named init would replace Beryl's init", program)
	}
	argv := append([]string{filepath.Base(program)}, args...)
	recs := []cpio.Record{
		cpio.StaticRecord(initImg, cpio.Info{Name: initName, Mode: cpio.S_IFREG | 0o755}),
	}
	// The file-server process, beside init (without it init serves the
	// program's world itself).
	if fsd, err := os.ReadFile(fsdPath(initImage)); err == nil {
		recs = append(recs, cpio.StaticRecord(fsd, cpio.Info{Name: fsdName, Mode: cpio.S_IFREG | 0o755}))
	}
	if policy != nil {
		recs = append(recs, cpio.StaticRecord(policy, cpio.Info{Name: policyName, Mode: cpio.S_IFREG | 0o644}))
	}
	extra, err := extraFiles(os.Getenv("ZXRUN_FILES"))
	if err != nil {
		return "", err
	}
	recs = append(recs, extra...)
	world, err := worldFiles()
	if err != nil {
		return "", err
	}
	recs = append(recs, world...)
	recs = append(recs,
		cpio.StaticRecord(img, cpio.Info{Name: name, Mode: cpio.S_IFREG | 0o755}),
		cpio.StaticFile("etc/zxrun/args", strings.Join(argv, "\x00")+"\x00", 0o644),
		cpio.StaticFile("etc/zxrun/env", strings.Join(append(relevantEnv(), "HOME=/tmp", "TMPDIR=/tmp"), "\x00")+"\x00", 0o644),
	)
	out := filepath.Join(dir, "bootfs.cpio")
	f, err := os.Create(out)
	if err != nil {
		return "", err
	}
	if err := bootfsw.Write(f, recs); err != nil { // ELF files page-aligned
		f.Close()
		return "", err
	}
	return out, f.Close()
}

// extraFiles reads ZXRUN_FILES's space-separated NAME=PATH pairs into
// boot filesystem records.
func extraFiles(spec string) ([]cpio.Record, error) {
	var recs []cpio.Record
	for _, f := range strings.Fields(spec) {
		name, path, ok := strings.Cut(f, "=")
		if !ok || name == "" || name == initName || name == policyName || strings.HasPrefix(name, "etc/zxrun/") {
			return nil, fmt.Errorf("ZXRUN_FILES: bad entry %q (want NAME=PATH, not init, the policy or etc/zxrun)", f)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("ZXRUN_FILES: %w", err)
		}
		recs = append(recs, cpio.StaticRecord(data, cpio.Info{Name: name, Mode: cpio.S_IFREG | 0o755}))
	}
	return recs, nil
}

var statusLine = regexp.MustCompile(`beryl: init exited with status (-?\d+)`)

func run(program string, args []string) (int, error) {
	kernel := kernelPath()
	if _, err := os.Stat(kernel); err != nil {
		return 0, fmt.Errorf("kernel image: %w (build it with make)", err)
	}
	dir, err := os.MkdirTemp("", "zxrun-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	policy, err := bootPolicy(policyPath(kernel), os.Stderr)
	if err != nil {
		return 0, err
	}
	fsPath, err := bootfs(dir, initPath(kernel), policy, program, args)
	if err != nil {
		return 0, err
	}
	timeout := 10 * time.Minute
	if t := os.Getenv("ZXRUN_TIMEOUT"); t != "" {
		if timeout, err = time.ParseDuration(t); err != nil {
			return 0, fmt.Errorf("ZXRUN_TIMEOUT: %w", err)
		}
	}
	mem := "1G"
	if m := os.Getenv("ZXRUN_MEMORY"); m != "" {
		mem = m
	}
	smp := "2"
	if n := os.Getenv("BERYL_SMP"); n != "" {
		smp = n
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64",
		"-accel", "tcg", "-cpu", "max", "-smp", smp, "-display", "none", "-no-reboot", "-m", mem, "-monitor", "none",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		"-kernel", kernel, "-initrd", fsPath,
		"-append", strings.TrimSpace("init="+initName+" userio=ports loglevel=warn test.ram.reserve=0x10000 "+os.Getenv("ZXRUN_CMDLINE")),
		// COM1: kernel console; COM2, COM3: the program's stdout and
		// stderr, appended (they may be one file).
		"-serial", "stdio",
		"-chardev", "file,id=out,path=/dev/fd/3,append=on", "-serial", "chardev:out",
		"-chardev", "file,id=err,path=/dev/fd/4,append=on", "-serial", "chardev:err")
	cmd.ExtraFiles = []*os.File{os.Stdout, os.Stderr}
	cmd.Stdin = nil
	console, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	var qemuErr strings.Builder
	cmd.Stderr = &qemuErr
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("starting QEMU: %w", err)
	}
	var lines []string
	status := -1
	verbose := os.Getenv("ZXRUN_VERBOSE") == "1"
	sc := bufio.NewScanner(console)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		lines = append(lines, l)
		if verbose {
			fmt.Fprintln(os.Stderr, "[beryl]", l)
		}
		if m := statusLine.FindStringSubmatch(l); m != nil {
			status, _ = strconv.Atoi(m[1])
		}
	}
	werr := cmd.Wait()
	tail := func() string {
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		return strings.Join(lines, "\n")
	}
	if ctx.Err() != nil {
		return 0, fmt.Errorf("timed out after %v; kernel console tail:\n%s", timeout, tail())
	}
	var ee *exec.ExitError
	qemuCode := 0
	if errors.As(werr, &ee) {
		qemuCode = ee.ExitCode()
	}
	if qemuCode == 37 {
		return 0, fmt.Errorf("kernel panic or fatal fault; kernel console tail:\n%s", tail())
	}
	if status < 0 {
		return 0, fmt.Errorf("no exit status from the kernel (QEMU exit %d) %s; kernel console tail:\n%s", qemuCode, strings.TrimSpace(qemuErr.String()), tail())
	}
	return status & 0xff, nil
}
