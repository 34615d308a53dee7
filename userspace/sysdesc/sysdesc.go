// Package sysdesc parses Beryl's declarative system description: the YAML
// file in the boot filesystem (etc/system.yaml) that names the programs
// init starts, their security classes and arguments, and the kos IPC
// connections between them — the role of KasperskyOS's init description
// that Einit is generated from. init reads it at boot (userspace/init,
// system.go) and tools/mkbootfs checks it when the bootfs is built, so a
// description that does not parse, names a missing program or a
// connection the policy forbids is refused before boot. It is pure Go
// (go.yaml.in/yaml/v3 and the standard library) so that both build.
//
// Format:
//
//	programs:
//	  - name: files            # unique; connections refer to it
//	    path: bin/secfile      # bootfs file (default bin/<name>)
//	    class: file.server     # security class (default <name>)
//	    args: [server]         # arguments after argv[0] (= path)
//	    resources: [ioport 0x70 2, irq 8]   # device resources (resources.go)
//	  - name: alice
//	    path: bin/secfile
//	    class: file.user.alice
//	    args: [client, alice]
//	connections:
//	  - client: alice          # the program that calls
//	    server: files          # the program that serves
//	    endpoint: files        # the name both find their handle by
//
// Names and endpoints are 1..64 bytes of [A-Za-z0-9_.-]; classes as the
// kos policy's ([A-Za-z0-9_.:/-], 1..64 bytes). A client has one
// connection per endpoint name; a server serves all its connections
// through one listener. Unknown keys, duplicate names, dangling
// references and a second YAML document are errors. At most MaxPrograms
// programs, MaxConnections connections, MaxBytes bytes.
package sysdesc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Limits of a description.
const (
	MaxPrograms    = 64
	MaxConnections = 256
	MaxArgs        = 64
	MaxBytes       = 64 << 10
	maxName        = 64
)

// System is a parsed, validated description.
type System struct {
	Programs    []Program    `yaml:"programs"`
	Connections []Connection `yaml:"connections,omitempty"`
}

// Program is one program to start.
type Program struct {
	Name  string   `yaml:"name"`
	Path  string   `yaml:"path,omitempty"`
	Class string   `yaml:"class,omitempty"`
	Args  []string `yaml:"args,omitempty"`
	// Resources are the device resources the program gets (resources.go),
	// as PA_RESOURCE startup handles in order; none by default.
	Resources []string `yaml:"resources,omitempty"`
	// Line is where the program's entry starts in the source.
	Line int `yaml:"-"`
}

// Connection is one kos IPC connection: a client handle in Client's
// table connected to a server in Server's.
type Connection struct {
	Client   string `yaml:"client"`
	Server   string `yaml:"server"`
	Endpoint string `yaml:"endpoint"`
	// Line is where the connection's entry starts in the source.
	Line int `yaml:"-"`
}

// Error is a description error, with its 1-based line (0: the file as a
// whole); it prints as "system:LINE: msg".
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("system:%d: %s", e.Line, e.Msg) }

// Parse parses and validates a description. Errors are *Error.
func Parse(src []byte) (*System, error) {
	if len(src) > MaxBytes {
		return nil, &Error{0, fmt.Sprintf("description larger than %d bytes", MaxBytes)}
	}
	var sys System
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&sys); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{0, "empty description (want programs:)"}
		}
		return nil, yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		line := extra.Line
		if err != nil {
			return nil, yamlError(err)
		}
		return nil, &Error{line, "more than one YAML document"}
	}
	// Line numbers: a second pass over the node tree (the first decode
	// has validated its shape).
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err == nil && len(root.Content) == 1 {
		setLines(root.Content[0], &sys)
	}
	if err := sys.validate(); err != nil {
		return nil, err
	}
	return &sys, nil
}

// yamlError converts a yaml.v3 error, keeping the line it names.
func yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = strings.Join(te.Errors, "; ")
	}
	line := 0
	if _, err := fmt.Sscanf(msg, "line %d:", &line); err == nil {
		msg = strings.TrimSpace(msg[strings.IndexByte(msg, ':')+1:])
	}
	return &Error{line, msg}
}

func setLines(m *yaml.Node, sys *System) {
	if m.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		seq := m.Content[i+1]
		if seq.Kind != yaml.SequenceNode {
			continue
		}
		switch m.Content[i].Value {
		case "programs":
			for j, n := range seq.Content {
				if j < len(sys.Programs) {
					sys.Programs[j].Line = n.Line
				}
			}
		case "connections":
			for j, n := range seq.Content {
				if j < len(sys.Connections) {
					sys.Connections[j].Line = n.Line
				}
			}
		}
	}
}

func (sys *System) validate() error {
	if len(sys.Programs) == 0 {
		return &Error{0, "no programs"}
	}
	if len(sys.Programs) > MaxPrograms {
		return &Error{sys.Programs[MaxPrograms].Line, fmt.Sprintf("more than %d programs", MaxPrograms)}
	}
	if len(sys.Connections) > MaxConnections {
		return &Error{sys.Connections[MaxConnections].Line, fmt.Sprintf("more than %d connections", MaxConnections)}
	}
	seen := map[string]bool{}
	for i := range sys.Programs {
		p := &sys.Programs[i]
		fail := func(f string, a ...any) error { return &Error{p.Line, fmt.Sprintf(f, a...)} }
		if msg := checkName(p.Name, ""); msg != "" {
			return fail("program name: %s", msg)
		}
		if seen[p.Name] {
			return fail("program %q named twice", p.Name)
		}
		seen[p.Name] = true
		if p.Path == "" {
			p.Path = "bin/" + p.Name
		}
		if p.Path != path.Clean(p.Path) || strings.HasPrefix(p.Path, "/") || strings.HasPrefix(p.Path, "../") ||
			p.Path == "." || p.Path == ".." || strings.ContainsAny(p.Path, "\x00") {
			return fail("program %q: path %q is not a clean bootfs path", p.Name, p.Path)
		}
		if p.Class == "" {
			p.Class = p.Name
		}
		for _, r := range p.Resources {
			if _, err := ParseResource(r); err != nil {
				return fail("program %q: %v", p.Name, err)
			}
		}
		if msg := checkName(p.Class, ":/"); msg != "" {
			return fail("program %q: class: %s", p.Name, msg)
		}
		if len(p.Args) > MaxArgs {
			return fail("program %q: more than %d args", p.Name, MaxArgs)
		}
		for _, a := range p.Args {
			if strings.ContainsRune(a, 0) {
				return fail("program %q: an argument holds a NUL byte", p.Name)
			}
		}
	}
	type clientEP struct{ client, endpoint string }
	eps := map[clientEP]bool{}
	for i := range sys.Connections {
		c := &sys.Connections[i]
		fail := func(f string, a ...any) error { return &Error{c.Line, fmt.Sprintf(f, a...)} }
		for _, x := range []struct{ what, name string }{{"client", c.Client}, {"server", c.Server}} {
			if x.name == "" {
				return fail("connection: no %s", x.what)
			}
			if !seen[x.name] {
				return fail("connection: %s %q is not a program", x.what, x.name)
			}
		}
		if msg := checkName(c.Endpoint, ""); msg != "" {
			return fail("connection %s -> %s: endpoint: %s", c.Client, c.Server, msg)
		}
		k := clientEP{c.Client, c.Endpoint}
		if eps[k] {
			return fail("connection: client %q has two connections named %q", c.Client, c.Endpoint)
		}
		eps[k] = true
	}
	return nil
}

// checkName checks a name of [A-Za-z0-9_.-] plus the bytes of more, 1..64
// bytes; it returns why it is not one, or "".
func checkName(s, more string) string {
	if s == "" {
		return "empty"
	}
	if len(s) > maxName {
		return fmt.Sprintf("longer than %d bytes", maxName)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' ||
			strings.IndexByte(more, c) >= 0) {
			return fmt.Sprintf("bad character %q in %q", c, s)
		}
	}
	return ""
}

// Program returns the program named name, or nil.
func (sys *System) Program(name string) *Program {
	for i := range sys.Programs {
		if sys.Programs[i].Name == name {
			return &sys.Programs[i]
		}
	}
	return nil
}

// Check checks the description against a boot filesystem and a policy:
// every program's path must exist (exists) and every connection must be
// allowed (allowed, given the client's and the server's class; nil: no
// policy, all allowed). It returns every problem, one *Error each.
func (sys *System) Check(exists func(path string) bool, allowed func(clientClass, serverClass string) bool) []error {
	var errs []error
	for _, p := range sys.Programs {
		if !exists(p.Path) {
			errs = append(errs, &Error{p.Line, fmt.Sprintf("program %q: %s is not in the boot filesystem", p.Name, p.Path)})
		}
	}
	if allowed == nil {
		return errs
	}
	for _, c := range sys.Connections {
		cc, sc := sys.Program(c.Client).Class, sys.Program(c.Server).Class
		if !allowed(cc, sc) {
			errs = append(errs, &Error{c.Line, fmt.Sprintf("connection %s -> %s (%s): the policy denies connect from class %q to class %q",
				c.Client, c.Server, c.Endpoint, cc, sc)})
		}
	}
	return errs
}

// Marshal returns the description as YAML (defaults filled in); Parse of
// it gives the same System but for the lines.
func (sys *System) Marshal() ([]byte, error) { return yaml.Marshal(sys) }
