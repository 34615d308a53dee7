// Package relaunch lets a test binary that needs a second process (a
// conformance family, the user-mode benchmarks) start copies of itself
// inside Beryl: Main (called from TestMain) either runs the worker named
// by an environment variable or takes the startup handles a launcher needs
// (the boot filesystem and the root resource init passes on) and runs the
// tests; Image finds the binary in the boot filesystem and Environ sets
// the worker mode for the child.
//
// It holds no locks; Main runs before any test.
package relaunch

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"beryl/userspace/launch"
	"beryl/userspace/zx"
)

var (
	// Bootfs is the boot filesystem init passed on (PA_VMO_BOOTFS), nil
	// when there was none.
	Bootfs *launch.VmoReader
	// RootResource is the root resource init passed on (PA_RESOURCE),
	// zx.HandleInvalid when there was none; it lets a launcher name a
	// worker's process class.
	RootResource = zx.HandleInvalid

	// env names the worker mode variable (Main's argument).
	env string
)

// Main is a family's TestMain: with the environment variable envName set
// it exits with worker(mode), else it takes PA_RESOURCE and PA_VMO_BOOTFS
// and exits with m.Run().
func Main(m *testing.M, envName string, worker func(mode string) int) {
	env = envName
	if mode := os.Getenv(envName); mode != "" {
		os.Exit(worker(mode))
	}
	if h, ok := zx.TakeStartupHandle(zx.PAResource); ok {
		RootResource = h
	}
	if h, ok := zx.TakeStartupHandle(zx.PAVmoBootfs); ok {
		var err error
		if Bootfs, err = launch.NewVmoReader(zx.Vmo{Handle: h}); err != nil {
			fmt.Fprintln(os.Stderr, "bootfs:", err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// Image finds this test binary in bootfs: at its own path (the suite runs
// bin/conformance/NAME.test) or in bin/ under its base name (zxrun).
func Image(bootfs io.ReaderAt) (*io.SectionReader, error) {
	if strings.Contains(os.Args[0], "/") {
		if f, err := launch.FindFile(bootfs, strings.TrimPrefix(os.Args[0], "/")); err == nil {
			return f, nil
		}
	}
	return launch.FindFile(bootfs, "bin/"+filepath.Base(os.Args[0]))
}

// SelfImage is Image(Bootfs); it fails t when there is no boot
// filesystem (the binary is not running inside Beryl).
func SelfImage(t testing.TB) *io.SectionReader {
	t.Helper()
	if Bootfs == nil {
		t.Fatal("no boot filesystem (PA_VMO_BOOTFS): run inside Beryl, go test -exec bin/zxrun")
	}
	f, err := Image(Bootfs)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Environ is this process's environment with the worker mode set to mode.
func Environ(mode string) []string {
	var out []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, env+"=") {
			out = append(out, e)
		}
	}
	return append(out, env+"="+mode)
}
