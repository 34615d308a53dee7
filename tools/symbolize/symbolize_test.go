package main

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fixtureSrc is the program the end-to-end tests symbolize against. The
// faulting load is a few instructions into crashHere so the listing has to
// decode from the function entry to reach it, and the call in main is
// followed by another call so its return address belongs to the next line:
// only the pc-1 lookup gets the caller's line right.
const fixtureSrc = `package main

import "os"

//go:noinline
func crashHere(p *int, n int) int {
	s := n * 7
	s ^= n >> 3
	x := *p // FAULT-LINE
	return x*s + 1
}

func main() {
	var p *int
	if len(os.Args) > 5 {
		p = new(int)
	}
	r := crashHere(p, len(os.Args)) // CALL-LINE
	os.Exit(r)
}
`

// objInst is one line of `go tool objdump` output: the independent oracle
// for addresses, lines and instruction text.
type objInst struct {
	line int
	pc   uint64
	size int
	text string
}

type fixture struct {
	dir      string
	elf      string // normal build
	elfNoSym string // -ldflags=-s: no .symtab, .gopclntab only
	elfBare  string // -s build with .gopclntab renamed: nothing to symbolize with
	src      string // absolute path of main.go as recorded in the line table

	faultLine, callLine int
	crash               []objInst // main.crashHere
	fault               objInst   // first instruction of FAULT-LINE
	ret                 uint64    // return address of the call to crashHere
	retLine             int       // the line objdump gives ret itself
}

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fix != nil {
		os.RemoveAll(fix.dir)
	}
	os.Exit(code)
}

// goCmd runs the go command `go test` put first in PATH (the pinned
// toolchain), never letting it switch toolchains or inherit module flags.
func goCmd(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0",
		"GOTOOLCHAIN=local", "GOFLAGS=", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out, nil
}

func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() { fix, fixErr = buildFixture() })
	if fixErr != nil {
		t.Fatalf("building fixture: %v", fixErr)
	}
	return fix
}

func buildFixture() (*fixture, error) {
	dir, err := os.MkdirTemp("", "symbolize-test-")
	if err != nil {
		return nil, err
	}
	f := &fixture{dir: dir, src: filepath.Join(dir, "main.go")}
	fix = f // so TestMain cleans up even on failure
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module crashme\n\ngo 1.26\n"), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(f.src, []byte(fixtureSrc), 0o644); err != nil {
		return nil, err
	}
	for i, l := range strings.Split(fixtureSrc, "\n") {
		if strings.Contains(l, "FAULT-LINE") {
			f.faultLine = i + 1
		}
		if strings.Contains(l, "CALL-LINE") {
			f.callLine = i + 1
		}
	}
	f.elf = filepath.Join(dir, "crash.elf")
	f.elfNoSym = filepath.Join(dir, "crash-s.elf")
	f.elfBare = filepath.Join(dir, "crash-bare.elf")
	if _, err := goCmd(dir, "build", "-o", f.elf, "."); err != nil {
		return nil, err
	}
	if _, err := goCmd(dir, "build", "-ldflags=-s", "-o", f.elfNoSym, "."); err != nil {
		return nil, err
	}
	// Hide .gopclntab by renaming it in the section-name table; with -s
	// there is no .symtab either, which is what a fully stripped image
	// looks like to the symbolizer.
	img, err := os.ReadFile(f.elfNoSym)
	if err != nil {
		return nil, err
	}
	if n := bytes.Count(img, []byte("\x00.gopclntab\x00")); n != 1 {
		return nil, fmt.Errorf("found .gopclntab name %d times in %s", n, f.elfNoSym)
	}
	img = bytes.Replace(img, []byte("\x00.gopclntab\x00"), []byte("\x00.xopclntab\x00"), 1)
	if err := os.WriteFile(f.elfBare, img, 0o644); err != nil {
		return nil, err
	}

	if f.crash, err = objdump(f.elf, "main.crashHere"); err != nil {
		return nil, err
	}
	for _, in := range f.crash {
		if in.line == f.faultLine {
			f.fault = in
			break
		}
	}
	if f.fault.pc == 0 || f.fault.pc == f.crash[0].pc {
		return nil, fmt.Errorf("fault line %d: want an instruction after the entry, objdump gave %+v", f.faultLine, f.crash)
	}
	mainInsts, err := objdump(f.elf, "main.main")
	if err != nil {
		return nil, err
	}
	for i, in := range mainInsts {
		if strings.HasPrefix(in.text, "CALL main.crashHere(SB)") && i+1 < len(mainInsts) {
			f.ret, f.retLine = in.pc+uint64(in.size), mainInsts[i+1].line
		}
	}
	if f.ret == 0 || f.retLine == f.callLine {
		return nil, fmt.Errorf("want the return address of the call on another line than the call: %+v", mainInsts)
	}
	return f, nil
}

var objdumpRE = regexp.MustCompile(`^\s+\S+:(\d+)\s+0x([0-9a-f]+)\s+([0-9a-f]+)\s+(.*?)\s*$`)

func objdump(elfPath, fn string) ([]objInst, error) {
	out, err := goCmd(filepath.Dir(elfPath), "tool", "objdump", "-s", "^"+regexp.QuoteMeta(fn)+"$", elfPath)
	if err != nil {
		return nil, err
	}
	var insts []objInst
	for _, l := range strings.Split(string(out), "\n") {
		m := objdumpRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		line, _ := strconv.Atoi(m[1])
		pc, _ := strconv.ParseUint(m[2], 16, 64)
		insts = append(insts, objInst{line, pc, len(m[3]) / 2, m[4]})
	}
	if len(insts) == 0 {
		return nil, fmt.Errorf("objdump of %s found nothing:\n%s", fn, out)
	}
	return insts, nil
}

// textBytes reads image bytes independently of the code under test.
func textBytes(t *testing.T, path string, addr uint64, n int) []byte {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := f.Section(".text")
	data, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), data[addr-s.Addr:addr-s.Addr+uint64(n)]...)
}

func hexBytes(b []byte) string {
	var s []string
	for _, x := range b {
		s = append(s, fmt.Sprintf("%02x", x))
	}
	return strings.Join(s, " ")
}

// faultLog fabricates a serial log for a #PF at rip, with noise around it.
func faultLog(rip, bytesAt uint64, code []byte, frames ...uint64) string {
	var b strings.Builder
	b.WriteString("[    0.000000] beryl: booting\r\n")
	b.WriteString("[    1.234567] \x1b[31mFAULT vector=14 (#PF) error=0x0 cr2=0x0\x1b[0m\r\n")
	fmt.Fprintf(&b, "[    1.234567] FAULT rip=%#x cs=0x8 rflags=0x10046 rsp=0xffffc00000123f00 ss=0x10\r\n", rip)
	b.WriteString("FAULT rax=0x0 rbx=0x1 rcx=0x2 rdx=0x3 rsi=0x4 rdi=0x5 rbp=0x6 rsp=0x7\n")
	b.WriteString("FAULT r8=0x0 r9=0x0 r10=0x0 r11=0x0 r12=0x0 r13=0x0 r14=0x0 r15=0x0\n")
	if code != nil {
		fmt.Fprintf(&b, "FAULT bytes@%#x: %s\n", bytesAt, hexBytes(code))
	}
	for _, f := range frames {
		fmt.Fprintf(&b, "FAULT frame %#x\n", f)
	}
	b.WriteString("FAULT end\nqemu-system-x86_64: terminating\n")
	return b.String()
}

// symbolize runs the whole command on log and returns stdout, stderr, status.
func symbolize(t *testing.T, kernel, log string, flags ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	args := append([]string{"-kernel", kernel}, flags...)
	rc := run(args, strings.NewReader(log), &out, &errb)
	return out.String(), errb.String(), rc
}

// markedLines returns the listing lines carrying the given marker.
func markedLines(out, mark string) []string {
	var r []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), mark+" ") {
			r = append(r, l)
		}
	}
	return r
}

// checkListing asserts the listing marks exactly the fault instruction with
// objdump's text and starts at the function entry under the right header.
func checkListing(t *testing.T, f *fixture, out string) {
	t.Helper()
	marked := markedLines(out, "=>")
	if len(marked) != 1 {
		t.Fatalf("want exactly one => line, got %q\n%s", marked, out)
	}
	if want := fmt.Sprintf("=> %#x", f.fault.pc); !strings.Contains(marked[0], want) || !strings.HasSuffix(marked[0], "  "+f.fault.text) {
		t.Errorf("marked line %q, want %q ... %q", marked[0], want, f.fault.text)
	}
	lines := strings.Split(out, "\n")
	var hdr string
	for i, l := range lines {
		if l == marked[0] {
			for j := i - 1; j >= 0; j-- {
				if !strings.HasPrefix(strings.TrimSpace(lines[j]), "0x") {
					hdr = strings.TrimSpace(lines[j])
					break
				}
			}
		}
	}
	if want := fmt.Sprintf("main.crashHere %s:%d", f.src, f.faultLine); hdr != want {
		t.Errorf("annotation above the marked instruction = %q, want %q", hdr, want)
	}
	// Every instruction objdump lists from the entry to the fault must be
	// in the listing with the same text: decoding began at the entry.
	for _, in := range f.crash {
		if in.pc > f.fault.pc {
			break
		}
		if !strings.Contains(out, fmt.Sprintf("%#x  %-20x  %s\n", in.pc, textBytes(t, f.elf, in.pc, in.size), in.text)) {
			t.Errorf("listing lacks objdump's instruction %#x %s\n%s", in.pc, in.text, out)
		}
	}
}

func TestSymbolizeFault(t *testing.T) {
	f := getFixture(t)
	start := f.fault.pc - 8
	code := textBytes(t, f.elf, start, 24)
	for _, kernel := range []string{f.elf, f.elfNoSym} {
		t.Run(filepath.Base(kernel), func(t *testing.T) {
			out, stderr, rc := symbolize(t, kernel, faultLog(f.fault.pc, start, code, f.fault.pc, f.ret))
			if rc != 0 || stderr != "" {
				t.Fatalf("rc=%d stderr=%q", rc, stderr)
			}
			t.Log("\n" + out)
			for _, want := range []string{
				"=== Fault 1 of 1 (log lines 2-9) ===",
				"exception   14 #PF Page Fault",
				"error code  0x0: page not present, read access, from supervisor mode",
				"cr2         0x0 (first page: nil pointer dereference)",
				fmt.Sprintf("rip         %#x main.crashHere+%#x %s:%d\n", f.fault.pc, f.fault.pc-f.crash[0].pc, f.src, f.faultLine),
				"logged bytes match the kernel ELF (24 bytes)",
				fmt.Sprintf("from the entry of main.crashHere at %#x", f.crash[0].pc),
				fmt.Sprintf("#0  %#x main.crashHere %s:%d\n", f.fault.pc, f.src, f.faultLine),
				// pc-1: the return address itself is on retLine, the call on callLine.
				fmt.Sprintf("#1  %#x main.main %s:%d\n", f.ret, f.src, f.callLine),
			} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q", want)
				}
			}
			if strings.Contains(out, "WARNING") {
				t.Errorf("unexpected warning")
			}
			checkListing(t, f, out)
		})
	}
}

func TestSymbolizeByteMismatch(t *testing.T) {
	f := getFixture(t)
	start := f.fault.pc - 8
	code := textBytes(t, f.elf, start, 24)
	code[9] ^= 0xff // inside the faulting instruction
	out, _, rc := symbolize(t, f.elf, faultLog(f.fault.pc, start, code))
	t.Log("\n" + out)
	if rc != 0 {
		t.Fatalf("rc=%d", rc)
	}
	want := fmt.Sprintf("WARNING: logged code bytes differ from the kernel ELF at 1 of 24 bytes (first at %#x", start+9)
	if !strings.Contains(out, want) || !strings.Contains(out, "wrong kernel image") {
		t.Errorf("output lacks %q", want)
	}
	if strings.Contains(out, "logged bytes match") {
		t.Errorf("claims the bytes match")
	}
	// The image listing is still shown, then what the log says ran.
	if !strings.Contains(out, "code (Go syntax; kernel ELF") || !strings.Contains(out, "code (Go syntax; logged bytes") {
		t.Errorf("want both the image and the logged-bytes listing")
	}
	if n := len(markedLines(out, "=>")); n != 2 {
		t.Errorf("want the fault marked in both listings, got %d", n)
	}
}

func TestSymbolizeRIPOutsideText(t *testing.T) {
	f := getFixture(t)
	code := textBytes(t, f.elf, f.fault.pc-20, 36)
	const fake = 0xffffc00000001000 // e.g. code copied to a non-image page
	rip := uint64(fake + 20)
	out, _, rc := symbolize(t, f.elf, faultLog(rip, fake, code))
	t.Log("\n" + out)
	if rc != 0 {
		t.Fatalf("rc=%d", rc)
	}
	if !strings.Contains(out, "rip is outside the kernel ELF's text") || !strings.Contains(out, "code (Go syntax; logged bytes") {
		t.Errorf("want the outside-text warning and a logged-bytes listing")
	}
	marked := markedLines(out, "=>")
	if len(marked) != 1 || !strings.Contains(marked[0], fmt.Sprintf("=> %#x", rip)) || !strings.HasSuffix(marked[0], "  "+f.fault.text) {
		t.Errorf("marked = %q, want %#x %s", marked, rip, f.fault.text)
	}
	// Without bytes there is nothing to decode, and the report says so.
	out, _, _ = symbolize(t, f.elf, faultLog(rip, 0, nil))
	if !strings.Contains(out, "no bytes@ line") {
		t.Errorf("missing no-bytes warning:\n%s", out)
	}
}

func TestSymbolizeRIPMidInstruction(t *testing.T) {
	f := getFixture(t)
	out, _, _ := symbolize(t, f.elf, faultLog(f.fault.pc+1, 0, nil))
	if m := markedLines(out, "?>"); len(m) != 1 || !strings.Contains(m[0], fmt.Sprintf("%#x", f.fault.pc)) {
		t.Errorf("want ?> on %#x, got %q\n%s", f.fault.pc, m, out)
	}
	if !strings.Contains(out, "is inside the instruction at") {
		t.Errorf("missing mid-instruction warning:\n%s", out)
	}
}

func TestSymbolizeIntelSyntaxAndWindow(t *testing.T) {
	f := getFixture(t)
	out, _, rc := symbolize(t, f.elf, faultLog(f.fault.pc, 0, nil), "-syntax", "intel", "-before", "1", "-after", "1")
	if rc != 0 {
		t.Fatalf("rc=%d", rc)
	}
	m := markedLines(out, "=>")
	if len(m) != 1 || !strings.Contains(m[0], "mov ") || !strings.Contains(out, "instructions from the entry not shown") {
		t.Errorf("intel listing:\n%s", out)
	}
	if n := strings.Count(out, "\n     0x"); n != 2 { // one before, one after
		t.Errorf("want 2 unmarked instructions, got %d:\n%s", n, out)
	}
}

func TestSymbolizeMultipleDumps(t *testing.T) {
	f := getFixture(t)
	log := faultLog(f.fault.pc, 0, nil) + strings.Replace(faultLog(f.ret, 0, nil), "vector=14 (#PF) error=0x0", "vector=13 (#GP) error=0x18", 1)
	out, _, rc := symbolize(t, f.elf, log)
	if rc != 0 {
		t.Fatalf("rc=%d", rc)
	}
	for _, want := range []string{"=== Fault 1 of 2", "=== Fault 2 of 2", "13 #GP General Protection",
		"GDT selector index 3", fmt.Sprintf("rip         %#x main.main+", f.ret)} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestSymbolizeErrors(t *testing.T) {
	f := getFixture(t)
	notELF := filepath.Join(f.dir, "main.go")
	tests := []struct {
		name, kernel, log string
		rc                int
		stderr            string
	}{
		{"no FAULT lines", f.elf, "booting\nPAGEFAULT armed\nall good\n", 1, "no fault dump in stdin"},
		{"empty log", f.elf, "", 1, "no fault dump"},
		{"missing kernel", filepath.Join(f.dir, "nope.elf"), faultLog(1, 0, nil), 1, "nope.elf does not exist"},
		{"stripped kernel", f.elfBare, faultLog(1, 0, nil), 1, "no .gopclntab and no .symtab (stripped?)"},
		{"not an ELF", notELF, faultLog(1, 0, nil), 1, "bad magic"},
		{"bad syntax flag", f.elf, "", 2, "-syntax must be go or intel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var flags []string
			if tc.name == "bad syntax flag" {
				flags = []string{"-syntax", "att"}
			}
			out, stderr, rc := symbolize(t, tc.kernel, tc.log, flags...)
			if rc != tc.rc || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("rc=%d stderr=%q; want rc=%d and %q (stdout %q)", rc, stderr, tc.rc, tc.stderr, out)
			}
		})
	}
	if _, err := OpenKernel(f.elfBare); !errors.Is(err, ErrStripped) {
		t.Errorf("OpenKernel(stripped) = %v, want ErrStripped", err)
	}
	// A log file argument that does not exist is reported by name.
	var out, errb bytes.Buffer
	if rc := run([]string{"-kernel", f.elf, filepath.Join(f.dir, "missing.log")}, nil, &out, &errb); rc != 1 || !strings.Contains(errb.String(), "missing.log") {
		t.Errorf("missing log: rc=%d stderr=%q", rc, errb.String())
	}
}
