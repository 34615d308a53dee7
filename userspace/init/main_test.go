package main

import (
	"bytes"
	"reflect"
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
