package qemu

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/u-root/u-root/pkg/cpio"
)

// bootfsWith writes a newc archive holding the named build/ images under
// bin/ (as make run's build/bootfs.cpio does).
func bootfsWith(t *testing.T, names ...string) string {
	t.Helper()
	var files []bootFile
	for _, n := range names {
		img, err := os.ReadFile(image(t, n+".elf"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, bootFile{"bin/" + n, img})
	}
	return bootfsOf(t, files...)
}

// bootFile is a file for bootfsOf.
type bootFile struct {
	name string
	data []byte
}

// bootfsOf writes a newc archive of files (no checks: tests also build
// archives tools/mkbootfs would refuse).
func bootfsOf(t testing.TB, files ...bootFile) string {
	t.Helper()
	var recs []cpio.Record
	for _, f := range files {
		recs = append(recs, cpio.StaticRecord(f.data, cpio.Info{Name: f.name, Mode: cpio.S_IFREG | 0o755}))
	}
	out := filepath.Join(t.TempDir(), "bootfs.cpio")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	w := cpio.Newc.Writer(f)
	if err := cpio.WriteRecordsAndDirs(w, recs); err != nil {
		t.Fatal(err)
	}
	if err := cpio.WriteTrailer(w); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestInit boots like `make run CMDLINE=run=hello,crash`: the kernel starts
// bin/init from the bootfs; init lists the bootfs, reports memory and CPUs
// (beryl_kernel_stats), launches hello and crash from userspace
// (userspace/launch) with their exit statuses, then offers its shell on
// the console, which answers. It boots twice at -smp 2: with threads on
// both CPUs (the default) and with smp=off (the second CPU idles).
func TestInit(t *testing.T) {
	for _, smpOff := range []bool{false, true} {
		name, cmdline := "smp", "run=hello,crash"
		if smpOff {
			name, cmdline = "smp=off", cmdline+" smp=off"
		}
		t.Run(name, func(t *testing.T) { testInit(t, cmdline, smpOff) })
	}
}

func testInit(t *testing.T, cmdline string, smpOff bool) {
	res, err := Boot(Config{
		Kernel:  image(t, "beryl.elf"),
		Cmdline: cmdline,
		Extra:   []string{"-initrd", bootfsWith(t, "init", "hello", "crash"), "-smp", "2"},
		Timeout: 2 * time.Minute,
		OnLine: func(l string) []byte {
			if strings.Contains(l, "beryl shell: type help") {
				return []byte("ping\r")
			}
			return nil
		},
		StopOn: `ping: unknown command`,
	})
	if err != nil {
		t.Fatalf("boot: %v\n%s", err, tail(res))
	}
	log := strings.Join(res.Lines, "\n")
	for _, want := range []string{
		cmdline + kopts() + `"`, // init: command line "IMAGE run=hello,crash[ smp=off][ $BERYL_KOPTS]"
		"init: bootfs: 3 files: bin/crash bin/hello bin/init",
		"init: root resource: koid ",
		`hello from ring 3: args=["hello"]`,
		"init: hello exited with status 0",
		"panic: runtime error: invalid memory address or nil pointer dereference",
		"init: crash exited with status 2",
		"init: nothing left to run; starting the shell",
		`ping: unknown command (type help)`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, res.Tail(40))
		}
	}
	m := regexp.MustCompile(`init: memory: (\d+) MiB, (\d+) MiB free; (\d+) CPUs; (\d+) kernel objects, (\d+) handles`).FindStringSubmatch(log)
	if m == nil || m[3] != "2" || m[1] == "0" {
		t.Errorf("no memory/CPU report (want 2 CPUs): %q\n%s", m, res.Tail(40))
	}
	if threads := strings.Contains(log, "smp: threads run on 2 CPUs, GOMAXPROCS 2"); threads == smpOff {
		t.Errorf("smp=off %v, but the log says threads run on 2 CPUs: %v", smpOff, threads)
	}
}

// TestConformanceProcess runs the process conformance family inside
// Beryl through init: processes and threads created from userspace with
// userspace/launch, exit codes, task_kill, handle isolation, and 100
// processes reaped with kernel objects, handles and pages back at baseline.
func TestConformanceProcess(t *testing.T) {
	cmd := execGoTest(t, "./userspace/conformance/process")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("conformance/process: %v\n%s", err, out)
	}
	for _, want := range []string{"--- PASS: TestExitCodes", "--- PASS: TestStartupHandles", "--- PASS: TestForeignHandle",
		"--- PASS: TestKill", "--- PASS: TestCloseDoesNotKill", "--- PASS: TestUnstartedProcess",
		"--- PASS: TestThreadStartExit", "--- PASS: TestThreadKill", "--- PASS: TestReap100", "--- PASS: TestProcessClass",
		"--- PASS: TestKernelStatsPrivateVmos", "--- PASS: TestStartupHandle", "--- PASS: TestThreadExit", "--- PASS: TestThreadInfo"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "before:") || strings.Contains(l, "after:") || strings.Contains(l, "100 processes in") {
			t.Log(strings.TrimSpace(l))
		}
	}
}

// kopts returns the kernel options $BERYL_KOPTS appends to every boot's
// command line, with the separating space, or "".
func kopts() string {
	if o := strings.TrimSpace(os.Getenv("BERYL_KOPTS")); o != "" {
		return " " + o
	}
	return ""
}
