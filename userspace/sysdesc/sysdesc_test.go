package sysdesc

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const good = `# three programs, two connections
programs:
  - name: files
    path: bin/secfile
    class: file.server
    args: [server]
  - name: alice
    path: bin/secfile
    class: file.user.alice
    args: [client, alice]
  - name: bob
    args: ["client", "bob"]
connections:
  - client: alice
    server: files
    endpoint: files
  - {client: bob, server: files, endpoint: files}
`

func TestParse(t *testing.T) {
	sys, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	want := &System{
		Programs: []Program{
			{Name: "files", Path: "bin/secfile", Class: "file.server", Args: []string{"server"}, Line: 3},
			{Name: "alice", Path: "bin/secfile", Class: "file.user.alice", Args: []string{"client", "alice"}, Line: 7},
			{Name: "bob", Path: "bin/bob", Class: "bob", Args: []string{"client", "bob"}, Line: 11},
		},
		Connections: []Connection{
			{Client: "alice", Server: "files", Endpoint: "files", Line: 14},
			{Client: "bob", Server: "files", Endpoint: "files", Line: 17},
		},
	}
	if !reflect.DeepEqual(sys, want) {
		t.Fatalf("got %+v\nwant %+v", sys, want)
	}
	if sys.Program("alice") != &sys.Programs[1] || sys.Program("carol") != nil {
		t.Error("Program lookup")
	}
	// Marshal gives the same description back.
	out, err := sys.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(out)
	if err != nil {
		t.Fatalf("marshalled form does not parse: %v\n%s", err, out)
	}
	if !sameButLines(sys, again) {
		t.Fatalf("round trip:\n%s", out)
	}
}

func sameButLines(a, b *System) bool {
	strip := func(s *System) System {
		c := System{Programs: append([]Program(nil), s.Programs...), Connections: append([]Connection(nil), s.Connections...)}
		for i := range c.Programs {
			c.Programs[i].Line = 0
			if len(c.Programs[i].Args) == 0 {
				c.Programs[i].Args = nil
			}
		}
		for i := range c.Connections {
			c.Connections[i].Line = 0
		}
		if len(c.Connections) == 0 {
			c.Connections = nil
		}
		return c
	}
	return reflect.DeepEqual(strip(a), strip(b))
}

func TestParseErrors(t *testing.T) {
	prog := "programs:\n  - name: a\n  - name: b\n"
	for _, c := range []struct {
		name, src string
		line      int
		msg       string
	}{
		{"empty", "", 0, "empty description"},
		{"no programs", "programs: []\n", 0, "no programs"},
		{"not yaml", "programs: [\n", 1, "did not find expected"},
		{"unknown key", "programs:\n  - name: a\n    paht: bin/a\n", 3, "field paht not found"},
		{"unknown top key", "progams: []\n", 1, "field progams not found"},
		{"wrong type", "programs:\n  - name: [a]\n", 2, "cannot unmarshal"},
		{"two documents", prog + "---\nprograms: []\n", 4, "more than one YAML document"},
		{"bad name", "programs:\n  - name: a b\n", 2, "program name: bad character ' '"},
		{"empty name", "programs:\n  - path: bin/a\n", 2, "program name: empty"},
		{"long name", "programs:\n  - name: " + strings.Repeat("n", 65) + "\n", 2, "longer than 64"},
		{"duplicate", "programs:\n  - name: a\n  - name: a\n", 3, `program "a" named twice`},
		{"absolute path", "programs:\n  - name: a\n    path: /bin/a\n", 2, "not a clean bootfs path"},
		{"dotdot path", "programs:\n  - name: a\n    path: ../a\n", 2, "not a clean bootfs path"},
		{"unclean path", "programs:\n  - name: a\n    path: bin//a\n", 2, "not a clean bootfs path"},
		{"bad class", "programs:\n  - name: a\n    class: a$\n", 2, "class: bad character '$'"},
		{"NUL arg", "programs:\n  - name: a\n    args: [\"x\\0\"]\n", 2, "NUL"},
		{"no client", prog + "connections:\n  - server: a\n    endpoint: e\n", 5, "no client"},
		{"dangling server", prog + "connections:\n  - {client: a, server: c, endpoint: e}\n", 5, `server "c" is not a program`},
		{"bad endpoint", prog + "connections:\n  - {client: a, server: b, endpoint: \"e:1\"}\n", 5, "endpoint: bad character ':'"},
		{"no endpoint", prog + "connections:\n  - {client: a, server: b}\n", 5, "endpoint: empty"},
		{"endpoint twice", prog + "connections:\n  - {client: a, server: b, endpoint: e}\n  - {client: a, server: a, endpoint: e}\n", 6, "two connections named"},
		{"too big", strings.Repeat("#", MaxBytes+1), 0, "larger than"},
	} {
		_, err := Parse([]byte(c.src))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: %v, want an *Error", c.name, err)
			continue
		}
		if e.Line != c.line || !strings.Contains(e.Msg, c.msg) {
			t.Errorf("%s: got %q, want line %d containing %q", c.name, err, c.line, c.msg)
		}
	}
	var b strings.Builder
	b.WriteString("programs:\n")
	for i := 0; i <= MaxPrograms; i++ {
		b.WriteString("  - name: p" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "\n")
	}
	if _, err := Parse([]byte(b.String())); err == nil || !strings.Contains(err.Error(), "more than 64 programs") {
		t.Errorf("too many programs: %v", err)
	}
}

func TestCheck(t *testing.T) {
	sys, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]bool{"bin/secfile": true}
	exists := func(p string) bool { return files[p] }
	denyBob := func(c, s string) bool { return c != "bob" }
	errs := sys.Check(exists, denyBob)
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), `system:11: program "bob": bin/bob is not in the boot filesystem`) ||
		!strings.Contains(errs[1].Error(), `system:17: connection bob -> files (files): the policy denies connect from class "bob" to class "file.server"`) {
		t.Fatalf("Check: %v", errs)
	}
	files["bin/bob"] = true
	if errs := sys.Check(exists, nil); len(errs) != 0 {
		t.Fatalf("Check without policy: %v", errs)
	}
}

// FuzzParse: Parse never panics, its errors are *Error, and an accepted
// description marshals to YAML that parses to the same description.
func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("programs:\n  - name: a\n"))
	f.Add([]byte("programs:\n  - {name: a, args: [x, \"y z\"]}\nconnections:\n  - {client: a, server: a, endpoint: e}\n"))
	f.Add([]byte("programs: [{name: a}]\n---\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		sys, err := Parse(src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		out, err := sys.Marshal()
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("marshalled form does not parse: %v\n%s", err, out)
		}
		if !sameButLines(sys, again) {
			t.Fatalf("round trip differs:\n%s", out)
		}
	})
}

func TestResources(t *testing.T) {
	good := "programs:\n  - name: drv\n    resources: [mmio 0xfebd0000 0x1000, ioport 0xcf8 8, irq 11, irq 16 4, system msi, system class, pci-ecam]\n"
	sys, err := Parse([]byte(good))
	if err != nil || len(sys.Programs[0].Resources) != 7 {
		t.Fatalf("%v", err)
	}
	for _, c := range []struct {
		in   string
		want Resource
	}{{"mmio 0x1000 4096", Resource{Kind: "mmio", Base: 0x1000, Size: 4096}}, {"irq 8", Resource{Kind: "irq", Base: 8, Size: 1}}, {"system power", Resource{Kind: "system", System: 5}}} {
		if r, err := ParseResource(c.in); err != nil || r != c.want {
			t.Errorf("%q: %+v %v", c.in, r, err)
		}
	}
	for _, bad := range []string{"", "mmio 1", "mmio 0 0", "mmio 0xffffffffffffffff 2", "ioport 0xfff0 0x20", "irq", "irq 5000", "system", "system nope", "pci-ecam 1", "gpio 3", "mmio x 1"} {
		if _, err := ParseResource(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
		src := "programs:\n  - name: drv\n    resources: [\"" + bad + "\"]\n"
		if _, err := Parse([]byte(src)); err == nil {
			t.Errorf("description with %q accepted", bad)
		}
	}
}
