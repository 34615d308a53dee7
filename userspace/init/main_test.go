package main

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParseCmdline(t *testing.T) {
	got := parseCmdline(` /boot/beryl.elf run=hello,crash  loglevel=warn "init=bin/my init" ready.exit`)
	want := map[string]string{"/boot/beryl.elf": "true", "run": "hello,crash", "loglevel": "warn", "init": "bin/my init", "ready.exit": "true"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if l := splitList(" a, ,b,"); !reflect.DeepEqual(l, []string{"a", "b"}) {
		t.Errorf("splitList %q", l)
	}
	if l := splitNUL([]byte("a\x00\x00b c\x00")); !reflect.DeepEqual(l, []string{"a", "b c"}) {
		t.Errorf("splitNUL %q", l)
	}
}

func TestClassOf(t *testing.T) {
	for in, want := range map[string]string{
		"bin/kvstore":                     "kvstore",
		"bin/my prog+x":                   "my_prog_x",
		"bin/conformance/a.test":          "a.test",
		"bin/" + string(make([]byte, 70)): string(bytes.Repeat([]byte{'_'}, 64)),
	} {
		if got := classOf(in); got != want {
			t.Errorf("classOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestParseResults: with -test.v a failing case's log lines come before
// its result line, a failing subtest's result after its parent's; each
// reaches the case it belongs to, and passing cases keep none.
func TestParseResults(t *testing.T) {
	out := `=== RUN   TestA
    a_test.go:3: noise
--- PASS: TestA (0.00s)
=== RUN   TestB
=== RUN   TestB/ok
    a_test.go:5: fine
=== RUN   TestB/bad
    a_test.go:6: want 1
        more
--- FAIL: TestB (0.00s)
    --- PASS: TestB/ok (0.00s)
    --- FAIL: TestB/bad (0.00s)
=== RUN   TestC
    a_test.go:8: not back at baseline
--- FAIL: TestC (0.00s)
=== RUN   TestD
    a_test.go:9: no hardware
--- SKIP: TestD (0.00s)
FAIL
`
	got, tail, err := parseResults(bytes.NewBufferString(out), "fam")
	if err != nil {
		t.Fatal(err)
	}
	want := []caseResult{
		{"fam", "TestA", "PASS", nil},
		{"fam", "TestB", "FAIL", nil},
		{"fam", "TestB/ok", "PASS", nil},
		{"fam", "TestB/bad", "FAIL", []string{"a_test.go:6: want 1", "more"}},
		{"fam", "TestC", "FAIL", []string{"a_test.go:8: not back at baseline"}},
		{"fam", "TestD", "SKIP", []string{"a_test.go:9: no hardware"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if len(tail) != 19 || tail[0] != "=== RUN   TestA" || tail[18] != "FAIL" {
		t.Errorf("tail %q", tail)
	}
	if leaves := leafCases(got); len(leaves) != 5 || leaves[1].name != "TestB/ok" {
		t.Errorf("leaves %q", leaves)
	}
}

// TestParseResultsTail: a family that dies without a result line (a panic,
// -test.timeout) leaves its last tailLines lines for init to print.
func TestParseResultsTail(t *testing.T) {
	var b strings.Builder
	b.WriteString("=== RUN   TestHang\n")
	for i := 0; i < 2*tailLines; i++ {
		fmt.Fprintf(&b, "goroutine %d [chan receive]:\n", i)
	}
	b.WriteString("panic: test timed out after 6m0s\n")
	got, tail, err := parseResults(strings.NewReader(b.String()), "fam")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("results %q", got)
	}
	if len(tail) != tailLines || tail[len(tail)-1] != "panic: test timed out after 6m0s" ||
		tail[0] != fmt.Sprintf("goroutine %d [chan receive]:", tailLines+1) {
		t.Errorf("tail has %d lines, first %q, last %q", len(tail), tail[0], tail[len(tail)-1])
	}
}
