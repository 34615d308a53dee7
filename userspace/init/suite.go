package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"beryl/userspace/launch"
	"beryl/userspace/launch/bootfs"
	"beryl/userspace/zx"
)

// The conformance suite: every bin/conformance/FAMILY.test in the boot
// filesystem is a `go test -c` binary of userspace/conformance/FAMILY.
// init runs each as its own process (so a crash in one family is reported
// and the rest still run) with -test.v, its output in a socket that init
// reads, and prints one line per case and a final "N passed, N failed"
// line (", N skipped" when any were skipped, each skip with its reason).
// A family that runs longer than familyTimeout panics (-test.timeout) with
// every goroutine's stack; a family that exits non-zero without a failing
// case (a crash or that timeout) has the last tailLines lines of its
// output printed, so a hang or crash in CI leaves its cause in the log.
const suiteDir = "bin/conformance/"

const (
	familyTimeout = "6m"
	tailLines     = 400
)

var (
	resultLine = regexp.MustCompile(`^\s*--- (PASS|FAIL|SKIP): (\S+)`)
	// runningLine is how -test.v names the test whose output follows.
	runningLine = regexp.MustCompile(`^=== (RUN|CONT|NAME|PAUSE) +(\S+)`)
)

// caseResult is one test or subtest outcome.
type caseResult struct {
	family, name, result string
	detail               []string
}

// suiteWorld is the namespace every family gets.
var suiteWorld *world

// runSuite runs the families and returns init's exit status: 0 when every
// case passed and every family exited 0.
func runSuite(fs *bootfs.FS, out io.Writer, env []string) int {
	var families []string
	for _, n := range fs.Names() {
		if strings.HasPrefix(n, suiteDir) && strings.HasSuffix(n, ".test") {
			families = append(families, n)
		}
	}
	sort.Strings(families)
	// Every family sees the same file system: a tmpfs at /tmp, /dev and
	// the bootfs at /boot (the linux family's file cases use them).
	if w, err := newWorld(fs); err == nil {
		suiteWorld = w
	} else {
		fmt.Fprintln(out, "conformance: no file system:", err)
	}
	if len(families) == 0 {
		fmt.Fprintln(out, "conformance: no test binaries in", suiteDir)
		return 1
	}
	var all []caseResult
	crashed := 0
	for _, path := range families {
		family := strings.TrimSuffix(strings.TrimPrefix(path, suiteDir), ".test")
		results, tail, code, err := runFamily(fs, path, family, out, env)
		all = append(all, results...)
		switch {
		case err != nil:
			fmt.Fprintf(out, "conformance: %s: %v\n", family, err)
			crashed++
		case code != 0 && !anyFailed(results):
			fmt.Fprintf(out, "conformance: %s exited with status %d without a failing case (crash?); the end of its output:\n", family, code)
			for _, l := range tail {
				fmt.Fprintf(out, "  | %s\n", l)
			}
			crashed++
		}
	}
	passed, failed, skipped := 0, 0, 0
	for _, r := range all {
		switch r.result {
		case "PASS":
			passed++
		case "FAIL":
			failed++
		case "SKIP":
			skipped++
		}
	}
	failed += crashed
	line := fmt.Sprintf("%d passed, %d failed", passed, failed)
	if skipped > 0 {
		line += fmt.Sprintf(", %d skipped", skipped)
	}
	fmt.Fprintf(out, "conformance: %d families\n%s\n", len(families), line)
	if failed > 0 {
		return 1
	}
	return 0
}

func anyFailed(rs []caseResult) bool {
	for _, r := range rs {
		if r.result == "FAIL" {
			return true
		}
	}
	return false
}

// runFamily runs one test binary and collects its leaf cases (a test with
// subtests counts through its subtests).
func runFamily(fs *bootfs.FS, path, family string, out io.Writer, env []string) ([]caseResult, []string, int64, error) {
	img, _ := fs.OpenFile(path)
	mine, theirs, err := zx.NewSocket(0)
	if err != nil {
		return nil, nil, 0, err
	}
	defer mine.Close()
	bfs, err := fs.Vmo.Handle.Duplicate(zx.RightSameRights)
	if err != nil {
		theirs.Close()
		return nil, nil, 0, fmt.Errorf("duplicating the bootfs handle: %w", err)
	}
	cfg := launch.Config{Argv: []string{path, "-test.v", "-test.timeout=" + familyTimeout}, Env: env, Stdout: theirs, Stderr: theirs,
		Handles: []launch.Handle{{Type: zx.PAVmoBootfs, Handle: bfs}}}
	trust(&cfg, "conformance")
	p, err := startIn(img, path, cfg, suiteWorld)
	theirs.Close() // the child holds its own handle now
	if err != nil {
		return nil, nil, 0, err
	}
	defer p.Close()
	results, tail, readErr := parseResults(socketReader{mine}, family)
	code, err := p.Wait()
	if err != nil {
		return nil, nil, 0, err
	}
	leaves := leafCases(results)
	for _, r := range leaves {
		fmt.Fprintf(out, "%s %s/%s\n", r.result, family, r.name)
		for _, d := range r.detail {
			fmt.Fprintf(out, "    %s\n", d)
		}
	}
	if readErr != nil {
		return leaves, tail, code, fmt.Errorf("reading its output: %w", readErr)
	}
	return leaves, tail, code, nil
}

// parseResults reads a test binary's -test.v output: every result line
// with the log lines of the cases that did not pass, and the last
// tailLines lines of the whole output.
func parseResults(r io.Reader, family string) ([]caseResult, []string, error) {
	var results []caseResult
	var tail []string
	var last *caseResult
	// With -test.v a case's log lines come before its result line (under
	// "=== RUN name" or "=== NAME name"); without it, after. Keep both.
	pending := map[string][]string{}
	running := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if len(tail) == tailLines {
			tail = append(tail[:0], tail[1:]...)
		}
		tail = append(tail, line)
		if m := runningLine.FindStringSubmatch(line); m != nil {
			running, last = m[2], nil
			continue
		}
		if m := resultLine.FindStringSubmatch(line); m != nil {
			results = append(results, caseResult{family: family, name: m[2], result: m[1]})
			last = &results[len(results)-1]
			if last.result != "PASS" {
				last.detail = pending[last.name]
			}
			delete(pending, last.name)
			running = ""
			continue
		}
		if !strings.HasPrefix(line, "    ") {
			continue
		}
		switch {
		case last != nil && last.result != "PASS":
			last.detail = append(last.detail, strings.TrimSpace(line))
		case last == nil && running != "":
			pending[running] = append(pending[running], strings.TrimSpace(line))
		}
	}
	return results, tail, sc.Err()
}

// leafCases drops tests whose subtests were reported (they are counted
// through the subtests).
func leafCases(rs []caseResult) []caseResult {
	parent := map[string]bool{}
	for _, r := range rs {
		if i := strings.LastIndex(r.name, "/"); i > 0 {
			for n := r.name[:i]; ; {
				parent[n] = true
				j := strings.LastIndex(n, "/")
				if j < 0 {
					break
				}
				n = n[:j]
			}
		}
	}
	var out []caseResult
	for _, r := range rs {
		if !parent[r.name] {
			out = append(out, r)
		}
	}
	return out
}

// socketReader reads a socket until its peer is gone.
type socketReader struct{ s zx.Socket }

func (r socketReader) Read(b []byte) (int, error) {
	for {
		n, err := r.s.Read(b, 0)
		if err == nil {
			return n, nil
		}
		switch err {
		case zx.ErrShouldWait:
			if _, werr := r.s.Handle.WaitOne(zx.SocketReadable|zx.SocketPeerClosed, zx.TimeInfinite); werr != nil {
				return 0, werr
			}
		case zx.ErrPeerClosed, zx.ErrBadState:
			return 0, io.EOF
		default:
			return 0, err
		}
	}
}
