// Package qemu boots Beryl images under QEMU (TCG only: nothing may depend
// on KVM) and hands their serial output to host-side tests line by line.
//
// Exit statuses: the kernel writes to QEMU's isa-debug-exit device, which
// makes QEMU exit with (code<<1)|1; see arch/x86/exit.go.
package qemu

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Exit statuses of QEMU for the kernel's isa-debug-exit codes.
const (
	ExitPass  = 33 // kernel exited 0
	ExitFail  = 35 // kernel exited non-zero
	ExitPanic = 37 // fatal exception or kernel panic
)

// Config describes one boot.
type Config struct {
	Kernel  string // multiboot ELF for -kernel (ignored when ISO is set)
	Cmdline string // kernel command line
	ISO     string // boot this image as a CD-ROM instead
	OVMF    bool   // boot through UEFI firmware (OVMF) instead of SeaBIOS
	Memory  string // -m value, default 512M
	// SMP is the number of vCPUs (-smp); 0 takes $BERYL_SMP, else 2.
	// (Kernel options in $BERYL_KOPTS are appended to Cmdline.)
	// An -smp in Extra overrides it.
	SMP     int
	Timeout time.Duration
	Extra   []string // more QEMU arguments
	// OnLine is called for every serial line; bytes it returns are sent
	// to the serial port.
	OnLine func(line string) []byte
	// StopOn ends the boot (killing QEMU) after the first line that
	// contains it.
	StopOn string
	// QMP, if set, is the unix socket path for QEMU's machine protocol
	// (see DialQMP).
	QMP string
	// Display replaces "-display none" (e.g. nothing is needed for
	// screendump, which works headless).
	Display string
	// NoDebugExit leaves out the isa-debug-exit device: the kernel's exit
	// then halts the machine (as on hardware) and QEMU runs on until the
	// test quits it (e.g. to take a screendump of a fault).
	NoDebugExit bool
	// NoSerial boots without a serial port (-serial none), as on
	// machines that have none; the test then reads the screen.
	NoSerial bool
	// ExitZeroOK accepts QEMU's exit status 0 (a guest power-off or, with
	// -no-reboot, a reset) as a normal end of the boot.
	ExitZeroOK bool
}

// Result is what a boot produced.
type Result struct {
	Lines    []string
	ExitCode int // QEMU's exit status; -1 when killed (timeout or StopOn)
	TimedOut bool
	Elapsed  time.Duration
	// StopAt is the time from QEMU's start to the StopOn line.
	StopAt time.Duration
}

// Tail returns the last n serial lines, for failure messages.
func (r *Result) Tail(n int) string {
	l := r.Lines
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// Root returns the repository root (the directory holding go.mod).
func Root() string {
	dir, _ := os.Getwd()
	for d := dir; d != "/"; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
	}
	return dir
}

// OVMFCode is the UEFI firmware image from Debian's ovmf package.
const OVMFCode = "/usr/share/OVMF/OVMF_CODE_4M.fd"

// OVMFVars is the pristine variable store; each boot gets a fresh copy
// (a reused one drops into the UEFI shell).
const OVMFVars = "/usr/share/OVMF/OVMF_VARS_4M.fd"

// Args returns the QEMU command line for cfg (without the binary).
func Args(cfg Config, varsCopy string) []string {
	mem := cfg.Memory
	if mem == "" {
		mem = "512M"
	}
	// -cpu max: under TCG it offers SMEP and SMAP (the kernel turns them
	// on when present), but neither x2APIC nor a TSC deadline timer.
	display := cfg.Display
	if display == "" {
		display = "none"
	}
	serial := "stdio"
	if cfg.NoSerial {
		serial = "none"
	}
	a := []string{"-cpu", "max", "-display", display, "-no-reboot", "-m", mem,
		"-serial", serial, "-monitor", "none", "-smp", SMP(cfg.SMP)}
	if !cfg.NoDebugExit {
		a = append(a, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04")
	}
	if cfg.OVMF {
		a = append(a, "-drive", "if=pflash,format=raw,readonly=on,file="+OVMFCode,
			"-drive", "if=pflash,format=raw,file="+varsCopy)
	}
	if cfg.QMP != "" {
		a = append(a, "-qmp", "unix:"+cfg.QMP+",server=on,wait=off")
	}
	if cfg.ISO != "" {
		a = append(a, "-cdrom", cfg.ISO, "-boot", "d")
	} else {
		a = append(a, "-kernel", cfg.Kernel)
		// $BERYL_KOPTS adds kernel options to every boot (e.g. smp=off,
		// to repeat whole test runs with threads on the boot CPU only).
		if cmdline := strings.TrimSpace(cfg.Cmdline + " " + os.Getenv("BERYL_KOPTS")); cmdline != "" {
			a = append(a, "-append", cmdline)
		}
	}
	return append(a, cfg.Extra...)
}

// SMP returns the -smp value for n vCPUs: n if positive, else $BERYL_SMP
// (so that whole test runs can be repeated at -smp 1 and 4), else 2.
func SMP(n int) string {
	if n > 0 {
		return strconv.Itoa(n)
	}
	if e := os.Getenv("BERYL_SMP"); e != "" {
		return e
	}
	return "2"
}

// Boot runs QEMU until it exits, cfg.StopOn is seen or the timeout passes.
func Boot(cfg Config) (*Result, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if cfg.ISO == "" {
		if _, err := os.Stat(cfg.Kernel); err != nil {
			return nil, fmt.Errorf("kernel image: %w (run make first)", err)
		}
	}
	var vars string
	if cfg.OVMF {
		f, err := os.CreateTemp("", "beryl-ovmf-vars-*.fd")
		if err != nil {
			return nil, err
		}
		f.Close()
		vars = f.Name()
		defer os.Remove(vars)
		src, err := os.ReadFile(OVMFVars)
		if err != nil {
			return nil, fmt.Errorf("OVMF: %w", err)
		}
		if err := os.WriteFile(vars, src, 0o644); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "qemu-system-x86_64", Args(cfg, vars)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting QEMU: %w", err)
	}
	res := &Result{ExitCode: -1}
	var mu sync.Mutex
	stopped := false
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		mu.Lock()
		res.Lines = append(res.Lines, line)
		mu.Unlock()
		if cfg.OnLine != nil {
			if b := cfg.OnLine(line); len(b) > 0 {
				stdin.Write(b)
			}
		}
		if cfg.StopOn != "" && strings.Contains(line, cfg.StopOn) {
			res.StopAt = time.Since(start)
			stopped = true
			cmd.Process.Kill()
			break
		}
	}
	io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	res.Elapsed = time.Since(start)
	if ctx.Err() != nil && !stopped {
		res.TimedOut = true
		return res, fmt.Errorf("QEMU timed out after %v", cfg.Timeout)
	}
	if stopped {
		return res, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.ExitCode = ee.ExitCode()
		if res.ExitCode != ExitPass && res.ExitCode != ExitFail && res.ExitCode != ExitPanic {
			return res, fmt.Errorf("QEMU exited %d (not a kernel exit): %s", res.ExitCode, strings.TrimSpace(stderr.String()))
		}
		return res, nil
	}
	if err != nil {
		return res, err
	}
	res.ExitCode = 0
	if cfg.ExitZeroOK {
		return res, nil
	}
	return res, fmt.Errorf("QEMU exited 0: triple fault or reset (-no-reboot)")
}
