package ktest

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	tests = nil
	Register("b/fails", func(t *T) { t.Errorf("boom %d", 1) })
	Register("a/passes", func(t *T) { t.Logf("hello") })
	Register("c/fatal", func(t *T) { t.Fatalf("stop"); panic("not reached") })
	Register("d/panics", func(t *T) { panic("oops") })
	Register("e/hangs", func(t *T) { select {} })
	Timeout = 100 * time.Millisecond
	var out bytes.Buffer
	p, f := Run(&out, func(n string) bool { return n != "z" })
	if p != 1 || f != 4 {
		t.Fatalf("passed %d failed %d\n%s", p, f, out.String())
	}
	s := out.String()
	for _, want := range []string{"KTEST PASS a/passes", "KTEST FAIL b/fails", "boom 1", "KTEST FAIL c/fatal", "panic: oops", "timed out", "ktest: 1 passed, 4 failed\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Index(s, "a/passes") > strings.Index(s, "b/fails") {
		t.Errorf("not in name order")
	}
	if n := Names(); len(n) != 5 || n[0] != "a/passes" {
		t.Errorf("Names = %v", n)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("duplicate registration did not panic")
		}
	}()
	Register("a/passes", nil)
}
