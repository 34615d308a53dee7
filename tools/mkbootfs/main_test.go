package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"beryl/kernel/bootfs"
)

func TestBuild(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	prog := write("prog", "\x7fELF...")
	good := write("good", "default allow\ndeny call a b 1 2\n")
	bad := write("bad", "default allow\ndeny call a b one 2\n")
	out := filepath.Join(dir, "fs.cpio")
	if err := build(out, []string{"bin/prog=" + prog, "/etc/policy=" + good}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := bootfs.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := fs.Open("etc/policy"); !ok || !strings.HasPrefix(string(f.Data), "default allow") {
		t.Errorf("etc/policy not in the archive")
	}
	if _, ok := fs.Open("bin/prog"); !ok {
		t.Errorf("bin/prog not in the archive")
	}
	// A policy that does not parse fails the build, naming file and line.
	err = build(out, []string{"etc/policy=" + bad})
	if err == nil || !strings.Contains(err.Error(), "policy:2: endpoint") {
		t.Errorf("bad policy: %v", err)
	}
	// The same text under another name is just a file.
	if err := build(out, []string{"etc/other=" + bad}); err != nil {
		t.Error(err)
	}
	if err := build(out, []string{"noequals"}); err == nil {
		t.Error("bad spec accepted")
	}
}

// TestBuildSystem: an etc/system.yaml entry must parse, name programs in
// the archive and connections the archive's policy allows.
func TestBuildSystem(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	prog := write("prog", "\x7fELF...")
	sys := write("sys", "programs:\n  - {name: srv, path: bin/prog}\n  - {name: cli, path: bin/prog}\n"+
		"connections:\n  - {client: cli, server: srv, endpoint: e}\n")
	allow := write("allow", "default allow\n")
	deny := write("deny", "default allow\ndeny connect cli srv * *\n")
	out := filepath.Join(dir, "fs.cpio")
	if err := build(out, []string{"bin/prog=" + prog, "etc/system.yaml=" + sys, "etc/policy=" + allow}); err != nil {
		t.Fatal(err)
	}
	// Without a policy every connection is allowed.
	if err := build(out, []string{"etc/system.yaml=" + sys, "bin/prog=" + prog}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		specs []string
		want  string
	}{
		{"missing program", []string{"etc/system.yaml=" + sys}, `system:2: program "srv": bin/prog is not in the boot filesystem`},
		{"denied connection", []string{"bin/prog=" + prog, "etc/system.yaml=" + sys, "etc/policy=" + deny},
			`system:5: connection cli -> srv (e): the policy denies connect from class "cli" to class "srv"`},
		{"does not parse", []string{"etc/system.yaml=" + write("bad", "programs:\n  - nmae: x\n")}, "system:2: "},
		{"any etc/*.yaml", []string{"etc/other.yaml=" + sys}, "is not in the boot filesystem"},
	} {
		err := build(out, c.specs)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
