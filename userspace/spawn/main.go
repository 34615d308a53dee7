// Command spawn tests processes made from Linux code, through the real
// system calls a stock Go program makes: os/exec (clone with CLONE_VFORK,
// execve of a boot filesystem program, pipes, wait4/waitid), exit
// statuses, signals between processes and their default actions,
// SIGCHLD, os/signal.NotifyContext, INT3 as SIGTRAP, getppid, process
// groups, rlimits inherited across exec, and prctl.
//
// Run without arguments it runs every check, printing "ok NAME" or
// "FAIL NAME: why" for each and "spawn: N passed, M failed" at the end,
// and exits 1 if any failed. It re-executes itself (os.Executable) with
// a first argument naming a child role.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	if len(os.Args) > 1 {
		os.Exit(child(os.Args[1], os.Args[2:]))
	}
	failed := 0
	for _, c := range checks {
		if err := c.f(); err != nil {
			fmt.Printf("FAIL %s: %v\n", c.name, err)
			failed++
		} else {
			fmt.Printf("ok %s\n", c.name)
		}
	}
	fmt.Printf("spawn: %d passed, %d failed\n", len(checks)-failed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

// self is this program's path: os.Executable (/proc/self/exe), else
// where zxrun's namespace holds it.
func self() string {
	if p, err := os.Executable(); err == nil {
		return p
	}
	return "/boot/bin/" + filepath.Base(os.Args[0])
}

// cmd runs this program in a role (standard input from /dev/null).
func cmd(role string, args ...string) *exec.Cmd {
	return exec.Command(self(), append([]string{role}, args...)...)
}

// child plays a role and returns the exit code.
func child(role string, args []string) int {
	switch role {
	case "echo":
		fmt.Println(strings.Join(args, " "))
		return 0
	case "exit":
		n, _ := strconv.Atoi(args[0])
		fmt.Fprintln(os.Stderr, "exiting with", n)
		return n
	case "ids":
		fmt.Printf("%d %d %d\n", os.Getpid(), os.Getppid(), syscall.Getpgrp())
		return 0
	case "sleep":
		fmt.Println("ready")
		time.Sleep(time.Minute)
		return 0
	case "notify":
		// Wait for SIGUSR1, then report it.
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGUSR1)
		fmt.Println("ready")
		select {
		case s := <-ch:
			fmt.Println("got", s)
			return 0
		case <-time.After(time.Minute):
			return 3
		}
	case "int3-default":
		// A breakpoint: Go's runtime dies of SIGTRAP even with it
		// notified (the kernel's SIGTRAP is not "from the user").
		signal.Notify(make(chan os.Signal, 1), syscall.SIGTRAP)
		runtime.Breakpoint()
		return 0
	case "rlimit":
		var r syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Printf("%d %d\n", r.Cur, r.Max)
		return 0
	case "selfkill":
		// SIGTERM to itself with the default action.
		signal.Reset(syscall.SIGTERM)
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		time.Sleep(time.Minute)
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown role", role)
	return 2
}

type check struct {
	name string
	f    func() error
}

var checks = []check{
	{"exec-output", func() error {
		out, err := cmd("echo", "hello", "world").Output()
		if err != nil || string(out) != "hello world\n" {
			return fmt.Errorf("output %q, error %v", out, err)
		}
		return nil
	}},
	{"exit-status", func() error {
		c := cmd("exit", "7")
		var stderr bytes.Buffer
		c.Stderr = &stderr
		err := c.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 7 || stderr.String() != "exiting with 7\n" {
			return fmt.Errorf("error %v, stderr %q; want exit status 7", err, stderr.String())
		}
		return nil
	}},
	{"exec-missing", func() error {
		err := exec.Command("/boot/bin/no-such-program").Run()
		if !errors.Is(err, syscall.ENOENT) {
			return fmt.Errorf("error %v, want ENOENT", err)
		}
		return nil
	}},
	{"getppid", func() error {
		out, err := cmd("ids").Output()
		if err != nil {
			return err
		}
		var pid, ppid, pgrp int
		if _, err := fmt.Sscan(string(out), &pid, &ppid, &pgrp); err != nil {
			return fmt.Errorf("%q: %v", out, err)
		}
		if ppid != os.Getpid() || pid == os.Getpid() || pgrp != syscall.Getpgrp() {
			return fmt.Errorf("child pid %d ppid %d pgrp %d; parent pid %d pgrp %d", pid, ppid, pgrp, os.Getpid(), syscall.Getpgrp())
		}
		return nil
	}},
	{"setpgid", func() error {
		c := cmd("ids")
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		out, err := c.Output()
		if err != nil {
			return err
		}
		var pid, ppid, pgrp int
		fmt.Sscan(string(out), &pid, &ppid, &pgrp)
		if pgrp != pid {
			return fmt.Errorf("child pid %d pgrp %d, want its own group", pid, pgrp)
		}
		return nil
	}},
	{"sigterm", func() error { return signalChild(syscall.SIGTERM) }},
	{"sigkill", func() error { return signalChild(syscall.SIGKILL) }},
	{"sigint", func() error { return signalChild(syscall.SIGINT) }},
	{"sigusr1-handled", func() error {
		c := cmd("notify")
		out, err := c.StdoutPipe()
		if err != nil {
			return err
		}
		if err := c.Start(); err != nil {
			return err
		}
		r := bufio.NewReader(out)
		if l, err := r.ReadString('\n'); l != "ready\n" {
			c.Process.Kill()
			c.Wait()
			return fmt.Errorf("child said %q, %v", l, err)
		}
		if err := c.Process.Signal(syscall.SIGUSR1); err != nil {
			return err
		}
		l, _ := r.ReadString('\n')
		if err := c.Wait(); err != nil || l != "got user defined signal 1\n" {
			return fmt.Errorf("child said %q, exit %v", l, err)
		}
		return nil
	}},
	{"selfkill-default", func() error {
		err := cmd("selfkill").Run()
		return wantSignaled(err, syscall.SIGTERM)
	}},
	{"sigchld", func() error {
		ch := make(chan os.Signal, 4)
		signal.Notify(ch, syscall.SIGCHLD)
		defer signal.Stop(ch)
		if err := cmd("exit", "0").Run(); err != nil {
			return err
		}
		select {
		case <-ch:
			return nil
		case <-time.After(10 * time.Second):
			return fmt.Errorf("no SIGCHLD")
		}
	}},
	{"notify-context", func() error {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT)
		defer stop()
		if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			if c := context.Cause(ctx); c == nil || !strings.Contains(c.Error(), "interrupt") {
				return fmt.Errorf("cause %v", c)
			}
			return nil
		case <-time.After(10 * time.Second):
			return fmt.Errorf("context not cancelled by SIGINT")
		}
	}},
	{"int3-default", func() error {
		// Go's runtime throws on a SIGTRAP from the kernel (si_code
		// SI_KERNEL = 128) even when notified of SIGTRAP, as on Linux.
		c := cmd("int3-default")
		var stderr bytes.Buffer
		c.Stderr = &stderr
		err := c.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(stderr.String(), "SIGTRAP: trace trap\nPC=") ||
			!strings.Contains(stderr.String(), "sigcode=128\n") || !strings.Contains(stderr.String(), "runtime.Breakpoint(") {
			return fmt.Errorf("error %v, stderr %q; want Go's SIGTRAP crash", err, firstLines(stderr.String()))
		}
		return nil
	}},
	{"rlimit-inherited", func() error {
		var old syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
			return err
		}
		defer syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
		// Soft = hard: the child's Go runtime has nothing to raise.
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: 512, Max: 512}); err != nil {
			return err
		}
		out, err := cmd("rlimit").Output()
		if want := "512 512\n"; err != nil || string(out) != want {
			return fmt.Errorf("child's RLIMIT_NOFILE %q (%v), want %q", out, err, want)
		}
		return nil
	}},
	{"kill-errors", func() error {
		if err := syscall.Kill(os.Getppid(), 0); err != syscall.EPERM {
			return fmt.Errorf("kill(parent, 0): %v, want EPERM", err)
		}
		if err := syscall.Kill(os.Getpid(), 65); err != syscall.EINVAL {
			return fmt.Errorf("kill(self, 65): %v, want EINVAL", err)
		}
		if err := syscall.Kill(os.Getpid(), 0); err != nil {
			return fmt.Errorf("kill(self, 0): %v", err)
		}
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); err != syscall.ECHILD {
			return fmt.Errorf("wait4 without children: %v, want ECHILD", err)
		}
		return nil
	}},
	{"prctl-name", func() error {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		name := []byte("spawn-test\x00")
		if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_NAME, uintptr(unsafe.Pointer(&name[0])), 0); e != 0 {
			return e
		}
		var got [16]byte
		if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_GET_NAME, uintptr(unsafe.Pointer(&got[0])), 0); e != 0 {
			return e
		}
		if s := string(got[:bytes.IndexByte(got[:], 0)]); s != "spawn-test" {
			return fmt.Errorf("PR_GET_NAME %q", s)
		}
		return nil
	}},
}

// signalChild starts a sleeping child, sends it sig and checks that it
// died of it.
func signalChild(sig syscall.Signal) error {
	c := cmd("sleep")
	out, err := c.StdoutPipe()
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	if l, err := bufio.NewReader(out).ReadString('\n'); l != "ready\n" {
		c.Process.Kill()
		c.Wait()
		return fmt.Errorf("child said %q, %v", l, err)
	}
	if err := c.Process.Signal(sig); err != nil {
		return err
	}
	return wantSignaled(c.Wait(), sig)
}

func wantSignaled(err error, sig syscall.Signal) error {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("wait: %v, want death by %v", err, sig)
	}
	ws := ee.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != sig {
		return fmt.Errorf("status %v, want killed by %v", ws, sig)
	}
	return nil
}

func firstLines(s string) string {
	l := strings.SplitN(s, "\n", 4)
	return strings.Join(l[:min(3, len(l))], "\n")
}
