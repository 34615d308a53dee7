// Command init is Beryl's first user program. The kernel starts it from
// the boot filesystem (bin/init) with the bootfs as its PA_VMO_BOOTFS
// startup handle and the kernel command line in BERYL_CMDLINE. It
//
//   - reads the bootfs (a newc cpio archive, through u-root's pkg/cpio over
//     vmo_read) and reports its files, memory and CPUs (beryl_kernel_stats);
//   - starts the system description etc/system.yaml (or system=PATH;
//     system=none: none), if the bootfs holds it: every program with its
//     security class, every kos connection wired with
//     kos_handle_connect_ex before any of them runs (system.go);
//   - starts the PCI bus program (bin/pcibus -auto) in the background if
//     the bootfs holds it (pci=off: not), which starts a driver for each
//     device it has one for (the virtio-net driver brings its link up),
//     and lets it finish (up to 30 s) before the shell starts;
//   - runs the programs the command line names (run=a,b), one after the
//     other, each with a duplicate of the bootfs handle;
//   - when the bootfs holds etc/zxrun/args (bin/zxrun's boots), runs that
//     program with those arguments and etc/zxrun/env's environment (both
//     NUL-separated) and exits with its return code, which the kernel
//     reports and zxrun exits with.
//
// Otherwise, given the console's input (PA_FD|0), it offers the
// interactive shell (userspace/shell), else it stays up idle. Under zxrun its
// stdout and stderr are the program's, so its report goes to the kernel
// debuglog instead of stdout.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"beryl/userspace/launch"
	"beryl/userspace/launch/bootfs"
	"beryl/userspace/shell"
	"beryl/userspace/zx"
)

const (
	zxrunArgs = "etc/zxrun/args"
	zxrunEnv  = "etc/zxrun/env"
)

func main() { os.Exit(run()) }

// rootResource is the root resource init received (PA_RESOURCE).
var rootResource zx.Handle

func run() int {
	cmdline := os.Getenv("BERYL_CMDLINE")
	opts := parseCmdline(cmdline)
	h, ok := zx.TakeStartupHandle(zx.PAVmoBootfs)
	if !ok {
		fmt.Fprintln(os.Stderr, "init: no boot filesystem (PA_VMO_BOOTFS)")
		return 1
	}
	fs, err := bootfs.Open(zx.Vmo{Handle: h})
	if err != nil {
		fmt.Fprintln(os.Stderr, "init:", err)
		return 1
	}
	_, zxrun := fs.OpenFile(zxrunArgs)
	var report io.Writer = os.Stdout
	if zxrun {
		report = newDebuglog()
	}
	fmt.Fprintf(report, "init: command line %q\n", cmdline)
	fmt.Fprintf(report, "init: bootfs: %d files: %s\n", len(fs.Names()), strings.Join(fs.Names(), " "))
	if s, err := zx.GetKernelStats(zx.HandleInvalid); err == nil {
		fmt.Fprintf(report, "init: memory: %d MiB, %d MiB free; %d CPUs; %d kernel objects, %d handles\n",
			s.PagesTotal>>8, s.PagesFree>>8, s.CPUs, s.LiveObjects, s.LiveHandles)
	} else {
		fmt.Fprintf(report, "init: beryl_kernel_stats: %v\n", err)
	}
	if h, ok := zx.TakeStartupHandle(zx.PAResource); ok {
		if info, err := h.BasicInfo(); err == nil && info.Type == zx.ObjTypeResource {
			fmt.Fprintf(report, "init: root resource: koid %d\n", info.Koid)
		}
		var log zx.Handle
		if st := zx.Sys_debuglog_create(h, 0, &log); st == zx.OK {
			zx.Sys_handle_close(log)
		} else {
			fmt.Fprintf(report, "init: debuglog_create(root resource): %v\n", st)
		}
		rootResource = h
	}
	env := defaultEnv(cmdline)
	if _, ok := opts["conformance"]; ok {
		return runSuite(fs, os.Stdout, env)
	}
	sysPath := systemPath
	if v, ok := opts["system"]; ok {
		sysPath = v
	}
	if sysPath != "none" && !zxrun {
		if _, err := startSystem(fs, sysPath, env, report); err != nil {
			fmt.Fprintf(os.Stderr, "init: system %s: %v\ninit: system %s: refusing to start it; nothing of it runs\n", sysPath, err, sysPath)
		}
	}
	var pciDone <-chan struct{}
	if opts["pci"] != "off" && !zxrun && !contains(splitList(opts["run"]), "pcibus") {
		pciDone = startPCIBus(fs, env, report)
	}
	for _, prog := range splitList(opts["run"]) {
		code, err := runProgram(fs, []string{prog}, env, false)
		if err != nil {
			fmt.Fprintf(os.Stderr, "init: %v\n", err)
			continue
		}
		fmt.Fprintf(report, "init: %s exited with status %d\n", prog, code)
	}
	if zxrun {
		args, err := fs.ReadFile(zxrunArgs)
		if err != nil {
			fmt.Fprintln(os.Stderr, "init:", err)
			return 1
		}
		env := env
		if e, err := fs.ReadFile(zxrunEnv); err == nil {
			env = append(splitNUL(e), "BERYL_CMDLINE="+cmdline)
			if v, ok := os.LookupEnv("BERYL_TEST_RAM"); ok {
				env = append(env, "BERYL_TEST_RAM="+v)
			}
		}
		w, err := newWorld(fs)
		if err != nil {
			fmt.Fprintf(os.Stderr, "init: %v\n", err)
			return 127
		}
		code, err := runProgramIn(fs, splitNUL(args), env, w, true)
		if err != nil {
			fmt.Fprintf(os.Stderr, "init: %v\n", err)
			return 127
		}
		fmt.Fprintf(report, "init: zxrun program exited with status %d\n", code)
		return int(code)
	}
	// The bus program's report (devices, and a NIC's lease and ping)
	// belongs to init's report: let it finish before the shell, up to
	// pciWait.
	if pciDone != nil {
		select {
		case <-pciDone:
		case <-time.After(pciWait):
		}
	}
	if con, ok := zx.TakeStartupHandle(zx.PAFD); ok {
		// The kernel gave init the console's input: offer the shell.
		fmt.Fprintln(report, "init: nothing left to run; starting the shell")
		sh := shell.New(shell.Config{Console: zx.Socket{Handle: con}, Out: os.Stdout, Bootfs: fs, Root: rootResource, Env: env})
		sh.Run()
	}
	fmt.Fprintln(report, "init: nothing left to run; idle")
	for {
		time.Sleep(time.Hour)
	}
}

// runProgram starts argv[0] from the bootfs (bin/NAME for a bare name)
// with a read-only duplicate of the bootfs handle, and waits for it. The
// program's security class (kos IPC policy) is its base name, and it gets
// a resource as PA_RESOURCE (resources.go): the class resource for the
// programs the boot command line names (trusted system programs that may
// name classes of their own children, as KasperskyOS's Einit does), the
// root resource for the zxrun test harness (root set).
func runProgram(fs *bootfs.FS, argv []string, env []string, root bool) (int64, error) {
	return runProgramIn(fs, argv, env, nil, root)
}

// runProgramIn is runProgram with the namespace of w (none if nil).
func runProgramIn(fs *bootfs.FS, argv []string, env []string, w *world, root bool) (int64, error) {
	if len(argv) == 0 {
		return 0, fmt.Errorf("empty command")
	}
	file, ok := fs.Lookup(argv[0])
	if !ok {
		return 0, fmt.Errorf("%s: not in the boot filesystem", argv[0])
	}
	img, _ := fs.OpenFile(file)
	if w != nil {
		// argv[0] is the executable's path in the namespace, as when a
		// shell or go test runs a program by its path on Linux: a program
		// that re-executes os.Args[0] (many standard-library tests) finds
		// it without a PATH lookup.
		argv = append([]string{"/boot/" + file}, argv[1:]...)
	}
	bfs, err := fs.Vmo.Handle.Duplicate(zx.RightSameRights)
	if err != nil {
		return 0, fmt.Errorf("duplicating the bootfs handle: %w", err)
	}
	cfg := launch.Config{Argv: argv, Env: env,
		Handles: []launch.Handle{{Type: zx.PAVmoBootfs, Handle: bfs}}}
	// The PCI bus program is the bus driver, however it is started: it
	// carves each device's resources for that device's driver.
	if root || file == pcibusPath {
		trust(&cfg, classOf(file))
	} else {
		trustClass(&cfg, classOf(file))
	}
	p, err := startIn(img, file, cfg, w)
	if err != nil {
		return 0, err
	}
	defer p.Close()
	return p.Wait()
}

// trust gives a program init starts the class class and a duplicate of
// the root resource (PA_RESOURCE), if init has it.
func trust(cfg *launch.Config, class string) {
	if rootResource == zx.HandleInvalid {
		return
	}
	cfg.Class, cfg.Resource = class, rootResource
	if res, err := rootResource.Duplicate(zx.RightSameRights); err == nil {
		cfg.Handles = append(cfg.Handles, launch.Handle{Type: zx.PAResource, Handle: res})
	}
}

// trustClass gives a program init starts the class class and a class
// resource (PA_RESOURCE) to name its children's classes with.
func trustClass(cfg *launch.Config, class string) {
	if rootResource == zx.HandleInvalid {
		return
	}
	cfg.Class, cfg.Resource = class, rootResource
	if res := classResource(); res != zx.HandleInvalid {
		cfg.Handles = append(cfg.Handles, launch.Handle{Type: zx.PAResource, Handle: res})
	}
}

// classOf derives a security class from a bootfs path: its base name, with
// bytes a class cannot hold replaced by '_', at most zx.MaxClassLen bytes.
func classOf(file string) string {
	b := []byte(path.Base(file))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == ':' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b[:min(len(b), zx.MaxClassLen)])
}

func defaultEnv(cmdline string) []string {
	env := []string{"HOME=/", "PATH=/bin", "BERYL_CMDLINE=" + cmdline}
	// The kernel's list of PCI ECAM windows (from the ACPI MCFG) is for
	// the PCI bus program.
	if v, ok := os.LookupEnv("BERYL_PCI_ECAM"); ok {
		env = append(env, "BERYL_PCI_ECAM="+v)
	}
	// The RAM test.ram.reserve set aside (BASE:SIZE) is for the
	// conformance families' physical VMOs over RAM.
	if v, ok := os.LookupEnv("BERYL_TEST_RAM"); ok {
		env = append(env, "BERYL_TEST_RAM="+v)
	}
	return env
}

func splitNUL(b []byte) []string {
	var out []string
	for _, f := range bytes.Split(b, []byte{0}) {
		if len(f) > 0 {
			out = append(out, string(f))
		}
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parseCmdline splits the kernel command line into name=value options
// (double quotes group spaces; a bare name is "true"), as kernel/options
// does. A leading image path has no '=' and is skipped like any bare word
// that is not an option init knows.
func parseCmdline(s string) map[string]string {
	opts := map[string]string{}
	var words []string
	var cur strings.Builder
	inQuote, have := false, false
	for _, c := range s {
		switch {
		case c == '"':
			inQuote, have = !inQuote, true
		case (c == ' ' || c == '\t' || c == '\n') && !inQuote:
			if have {
				words = append(words, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(c)
			have = true
		}
	}
	if have {
		words = append(words, cur.String())
	}
	for _, w := range words {
		name, value, ok := strings.Cut(w, "=")
		if !ok {
			value = "true"
		}
		opts[name] = value
	}
	return opts
}

// debuglog is an io.Writer onto the kernel debuglog, one record per line.
type debuglog struct{ zx.Debuglog }

func newDebuglog() io.Writer {
	d, err := zx.NewDebuglog(zx.HandleInvalid, 0)
	if err != nil {
		return io.Discard
	}
	return debuglog{d}
}

func (d debuglog) Write(b []byte) (int, error) {
	for _, l := range bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n")) {
		for len(l) > 0 {
			n := min(len(l), zx.LogRecordDataMax)
			if err := d.Debuglog.Write(l[:n]); err != nil {
				return 0, err
			}
			l = l[n:]
		}
	}
	return len(b), nil
}

// pcibusPath is the PCI bus program init starts at boot.
const pcibusPath = "bin/pcibus"

// startPCIBus starts the PCI bus program in the background, if the bootfs
// holds it, and reports how it ends; the channel closes when it has. As
// the bus driver it gets the root resource (runProgram), from which it
// carves each device's MMIO, I/O port and interrupt resources for that
// device's driver (Zircon's driver manager plays this part).
// It prints nothing on a machine without a device it has a driver for.
func startPCIBus(fs *bootfs.FS, env []string, report io.Writer) <-chan struct{} {
	if _, ok := fs.Lookup(pcibusPath); !ok {
		return nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		code, err := runProgram(fs, []string{pcibusPath, "-auto"}, env, false)
		if err != nil {
			fmt.Fprintf(os.Stderr, "init: %v\n", err)
		} else if code != 0 {
			fmt.Fprintf(report, "init: %s exited with status %d\n", pcibusPath, code)
		}
	}()
	return done
}

// pciWait bounds how long the shell waits for the bus program (a driver
// may wait that long for a DHCP server that never answers).
const pciWait = 30 * time.Second

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
