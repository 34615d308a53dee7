package qemu

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The ISO boot tests boot the GRUB hybrid images that `make boottest`
// builds (see the Makefile's mkiso): build/beryl-test.iso defaults to the
// multiboot2 entry, build/beryl-test-mb1.iso to the multiboot v1 one; both
// carry build/beryl.elf with the command line `ready.exit` and no menu
// wait. Each boot must reach the ready line through GRUB, report the
// protocol it was booted with, log no error and exit cleanly.
func TestISO(t *testing.T) {
	mb2 := image(t, "beryl-test.iso")
	mb1 := image(t, "beryl-test-mb1.iso")
	for _, tc := range []struct {
		name     string
		iso      string
		ovmf     bool
		protocol string
		entry    string
	}{
		{"bios-multiboot2", mb2, false, "multiboot2", "Beryl (multiboot2)"},
		{"bios-multiboot1", mb1, false, "multiboot1", "Beryl (multiboot v1)"},
		// UEFI: GRUB hands over the EFI memory map and the ACPI RSDP in
		// multiboot2 tags (no BIOS area to scan for the RSDP there).
		{"uefi-multiboot2", mb2, true, "multiboot2", "Beryl (multiboot2)"},
		// UEFI with multiboot v1: no RSDP handed over and no BIOS area;
		// the kernel finds it in the ACPI memory of the memory map.
		{"uefi-multiboot1", mb1, true, "multiboot1", "Beryl (multiboot v1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // separate QEMUs; OVMF under TCG dominates
			timeout := 45 * time.Second
			if tc.ovmf {
				timeout = 2 * time.Minute
			}
			res, err := Boot(Config{ISO: tc.iso, OVMF: tc.ovmf, Timeout: timeout})
			if err != nil {
				t.Fatalf("boot: %v\nserial tail:\n%s", err, tail(res))
			}
			t.Logf("%s: QEMU exited %d after %v", tc.name, res.ExitCode, res.Elapsed.Round(time.Millisecond))
			checkISOBoot(t, res, tc.protocol, tc.entry)
		})
	}
}

var (
	readyLine   = regexp.MustCompile(`beryl: ready in \d+ us`)
	managedLine = regexp.MustCompile(`\] I boot: memory: (\d+) MiB managed`)
	errorLine   = regexp.MustCompile(`\] E \S+: `)
)

func checkISOBoot(t *testing.T, res *Result, protocol, entry string) {
	t.Helper()
	log := strings.Join(res.Lines, "\n")
	if res.ExitCode != ExitPass {
		t.Errorf("QEMU exit %d, want %d (ready.exit)", res.ExitCode, ExitPass)
	}
	if !strings.Contains(log, "Booting `"+entry+"'") {
		t.Errorf("GRUB did not boot the %q entry", entry)
	}
	want := regexp.MustCompile(`\] I boot: ` + protocol + ` from "GRUB [^"]+", command line "ready\.exit"`)
	if !want.MatchString(log) {
		t.Errorf("kernel log lacks %q", want)
	}
	if !readyLine.MatchString(log) {
		t.Errorf("no ready line")
	}
	// The memory map (E820 through GRUB, or the EFI map) must yield most
	// of the 512 MiB.
	if m := managedLine.FindStringSubmatch(log); m == nil {
		t.Errorf("no memory report")
	} else if n, _ := strconv.Atoi(m[1]); n < 400 {
		t.Errorf("only %d MiB managed of 512 MiB", n)
	}
	for _, l := range res.Lines {
		if errorLine.MatchString(l) {
			t.Errorf("kernel error: %s", strings.TrimLeft(l, "\r"))
		}
	}
	if t.Failed() {
		t.Logf("serial tail:\n%s", res.Tail(30))
	}
}

// TestISOHybrid checks that each image carries both El Torito boot
// images (BIOS and UEFI) and an MBR, so it boots from CD, disk or USB
// stick under either firmware.
func TestISOHybrid(t *testing.T) {
	for _, name := range []string{"beryl-test.iso", "beryl-test-mb1.iso"} {
		iso := image(t, name)
		out, err := exec.Command("xorriso", "-indev", iso, "-report_el_torito", "plain").CombinedOutput()
		if err != nil {
			t.Fatalf("xorriso on %s: %v\n%s", name, err, out)
		}
		s := string(out)
		for _, want := range []string{"El Torito boot img :   1  BIOS", "El Torito boot img :   2  UEFI"} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: no %q in\n%s", name, want, s)
			}
		}
		b, err := os.ReadFile(iso)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 512 || b[510] != 0x55 || b[511] != 0xAA {
			t.Errorf("%s: no MBR boot signature (not a hybrid image)", name)
		}
	}
}

// gdbScripts are the scripts `make debug` documents: symbols.gdb only
// loads symbols, beryl.gdb sources it and attaches to QEMU's stub.
func gdbScript(t *testing.T, name string) string {
	p := filepath.Join(Root(), "boot", "gdb", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("gdb script: %v", err)
	}
	return p
}

// TestGDBSymbols loads the kernel's symbols with the gdb script (no
// target) and looks up kernel functions.
func TestGDBSymbols(t *testing.T) {
	kernel := image(t, "beryl.elf")
	sym := gdbScript(t, "symbols.gdb")
	attach, err := os.ReadFile(gdbScript(t, "beryl.gdb"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"source boot/gdb/symbols.gdb", "target remote :1234", "hbreak main.main"} {
		if !strings.Contains(string(attach), want) {
			t.Errorf("beryl.gdb lacks %q", want)
		}
	}
	cmd := exec.Command("gdb", "-nx", "-batch", "-x", sym,
		"-ex", "info address main.main",
		"-ex", "info line main.main")
	cmd.Dir = Root() // the script names build/beryl.elf relative to the root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gdb: %v\n%s", err, out)
	}
	s := string(out)
	if !strings.Contains(s, `The target architecture is set to "i386:x86-64"`) {
		t.Errorf("architecture not set:\n%s", s)
	}
	if !regexp.MustCompile(`Symbol "main\.main" is a function at address 0xffffffff8[0-9a-f]+\.`).MatchString(s) {
		t.Errorf("main.main not found in %s:\n%s", kernel, s)
	}
	if !regexp.MustCompile(`boot/beryl/main\.go" starts at address 0xffffffff8[0-9a-f]+ <main\.main>`).MatchString(s) {
		t.Errorf("no line information for main.main:\n%s", s)
	}
}

// TestGDBAttach boots the kernel halted (-S) with the gdb stub on a free
// port, attaches gdb with the symbols script, stops at a hardware
// breakpoint on the kernel's main.main (reached through the 32-bit entry,
// long mode, the higher half and the Go runtime's start), detaches, and
// lets the kernel run to a clean ready.exit.
func TestGDBAttach(t *testing.T) {
	kernel := image(t, "beryl.elf")
	sym := gdbScript(t, "symbols.gdb")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	type boot struct {
		res *Result
		err error
	}
	done := make(chan boot, 1)
	go func() {
		res, err := Boot(Config{Kernel: kernel, Cmdline: "ready.exit", Timeout: time.Minute,
			Extra: []string{"-gdb", fmt.Sprintf("tcp:127.0.0.1:%d", port), "-S"}})
		done <- boot{res, err}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "gdb", "-nx", "-batch", "-x", sym,
		"-ex", "set tcp connect-timeout 30", // QEMU may not listen yet
		"-ex", fmt.Sprintf("target remote 127.0.0.1:%d", port),
		"-ex", "hbreak main.main",
		"-ex", "continue",
		"-ex", "info symbol $pc",
		"-ex", "bt 1",
		"-ex", "delete",
		"-ex", "detach")
	cmd.Dir = Root()
	out, gdbErr := cmd.CombinedOutput()
	s := string(out)
	b := <-done
	if gdbErr != nil {
		t.Errorf("gdb: %v", gdbErr)
	}
	if !regexp.MustCompile(`Hardware assisted breakpoint 1 at 0xffffffff8[0-9a-f]+: file \S+boot/beryl/main\.go`).MatchString(s) ||
		!strings.Contains(s, "Breakpoint 1, main.main ()") ||
		!strings.Contains(s, "main.main + ") ||
		!regexp.MustCompile(`#0 +main\.main \(\) at \S+boot/beryl/main\.go:\d+`).MatchString(s) {
		t.Errorf("gdb did not stop in main.main:\n%s", s)
	}
	if b.err != nil {
		t.Fatalf("boot: %v\nserial tail:\n%s", b.err, tail(b.res))
	}
	if b.res.ExitCode != ExitPass || !readyLine.MatchString(strings.Join(b.res.Lines, "\n")) {
		t.Errorf("after detaching: exit %d, want %d and the ready line\nserial tail:\n%s", b.res.ExitCode, ExitPass, b.res.Tail(30))
	}
}
