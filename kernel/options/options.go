// Package options turns the kernel command line into typed options.
//
// Every option is one entry in a table (name, kind, default, range or
// allowed values, one-line doc, and the Options field it sets), so adding
// an option is one field in Options plus one table entry; parsing,
// validation, defaults, String and Help all come from the table.
//
// Syntax: words separated by spaces or tabs; each word is name=value or,
// for booleans, a bare name meaning true. Double quotes group spaces into
// a value (init="bin/my init"). The first word may be the boot image path
// that QEMU and GRUB put in front of the multiboot command line; it is
// kept in Options.BootImage. Unknown names and bad values never stop the
// boot: they produce warnings (which the kernel logs) and the option keeps
// its previous value, i.e. its default unless an earlier word set it. A
// repeated option takes its last valid value, as in Linux.
//
// The package has no mutable global state and needs no locks.
package options

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Options holds the parsed values. Zero values are not the defaults: use
// Defaults or Parse.
type Options struct {
	LogLevel      string   // loglevel: minimum level logged
	TimerHz       int      // timer.hz: scheduler tick frequency
	Test          string   // test: in-kernel tests to run (see TestSelected)
	TestFault     bool     // test.fault: trigger a deliberate unrecoverable fault
	TestAbsentCPU int      // test.absentcpu: APIC id of a CPU that is not there, to start anyway
	TestRAM       int      // test.ram.reserve: bytes of RAM set aside for physical-VMO tests
	Init          string   // init: path of the first user program
	Run           []string // run: programs init starts, in order
	Conformance   bool     // conformance: init runs the syscall conformance suite
	ReadyExit     bool     // ready.exit: exit QEMU after the ready line
	UserIO        string   // userio: console, or ports (COM2/COM3)
	MemReserve    int      // mem.reserve: MiB user memory may not take (0: automatic)
	Screen        string   // screen: auto (draw the console on the display) or off
	CPUs          int      // cpus: most CPUs to start, the boot CPU included (0: all)
	SMP           bool     // smp: application processors run threads too
	FPU           string   // fpu: lazy or eager switching of user x87 state

	// BootImage is the leading image path of the command line, if any.
	// It is not an option and has no table entry.
	BootImage string
}

// Kind is the type of an option's value.
type Kind uint8

// Option kinds.
const (
	Bool     Kind = iota + 1 // true/false, 1/0, yes/no, on/off; bare name = true
	Int                      // decimal or 0x-prefixed integer within [Min, Max]
	String                   // any text
	Enum                     // one of Values (case-insensitive, stored canonical)
	Duration                 // Go duration syntax: 10ms, 1.5s; never negative
	List                     // comma-separated strings; empty items dropped
)

// String returns the kind's name as shown by Help.
func (k Kind) String() string {
	switch k {
	case Bool:
		return "bool"
	case Int:
		return "int"
	case String:
		return "string"
	case Enum:
		return "enum"
	case Duration:
		return "duration"
	case List:
		return "list"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Spec describes one option.
type Spec struct {
	Name     string
	Kind     Kind
	Default  string   // in command-line syntax; validated like user input
	Min, Max int64    // inclusive range for Int
	Values   []string // allowed values for Enum
	Doc      string   // one line
	// Field returns a pointer to the option's field in o: *bool, *int,
	// *string, *time.Duration or *[]string matching Kind.
	Field func(o *Options) any
}

// table lists every known option. Keep it sorted by name.
var table = []Spec{
	{Name: "conformance", Kind: Bool, Default: "false",
		Doc:   "init runs the syscall conformance suite",
		Field: func(o *Options) any { return &o.Conformance }},
	{Name: "cpus", Kind: Int, Default: "0", Min: 0, Max: 4096,
		Doc:   "most CPUs to start, the boot CPU included (0: every CPU the ACPI MADT lists)",
		Field: func(o *Options) any { return &o.CPUs }},
	{Name: "fpu", Kind: Enum, Default: "lazy", Values: []string{"lazy", "eager"},
		Doc:   "user x87 state: lazy (kept in the registers across kernel entries; only while one CPU runs threads, else eager) or eager (whole FXSAVE image saved and restored on every entry)",
		Field: func(o *Options) any { return &o.FPU }},
	{Name: "init", Kind: String, Default: "bin/init",
		Doc:   "path of the first user program in the boot filesystem",
		Field: func(o *Options) any { return &o.Init }},
	{Name: "loglevel", Kind: Enum, Default: "info", Values: []string{"debug", "info", "warn", "error"},
		Doc:   "minimum kernel log level",
		Field: func(o *Options) any { return &o.LogLevel }},
	{Name: "mem.reserve", Kind: Int, Default: "0", Min: 0, Max: 1 << 20,
		Doc:   "MiB of free memory kept for the kernel: user memory stops short of it, new objects at half of it (0: an eighth of RAM, 8 to 64 MiB)",
		Field: func(o *Options) any { return &o.MemReserve }},
	{Name: "ready.exit", Kind: Bool, Default: "false",
		Doc:   "exit QEMU after printing the ready line (boot benchmarks)",
		Field: func(o *Options) any { return &o.ReadyExit }},
	{Name: "run", Kind: List, Default: "",
		Doc:   "comma-separated programs for init to run",
		Field: func(o *Options) any { return &o.Run }},
	{Name: "screen", Kind: Enum, Default: "auto", Values: []string{"auto", "off"},
		Doc:   "draw the console on the display (framebuffer or VGA text) too, or not",
		Field: func(o *Options) any { return &o.Screen }},
	{Name: "smp", Kind: Bool, Default: "true",
		Doc:   "run kernel and user threads on every CPU (off: the other CPUs start and idle, threads run on the boot CPU)",
		Field: func(o *Options) any { return &o.SMP }},
	{Name: "test", Kind: String, Default: "",
		Doc:   "in-kernel tests to run: comma-separated name prefixes or globs (* ?); empty = all",
		Field: func(o *Options) any { return &o.Test }},
	{Name: "test.absentcpu", Kind: Int, Default: "0", Min: 0, Max: 1<<32 - 1,
		Doc:   "APIC id of a CPU that is not there, started after the MADT's (tests the start-up failure path; 0: none)",
		Field: func(o *Options) any { return &o.TestAbsentCPU }},
	{Name: "test.fault", Kind: Bool, Default: "false",
		Doc:   "trigger a deliberate unrecoverable fault to test the fault dump",
		Field: func(o *Options) any { return &o.TestFault }},
	{Name: "test.ram.reserve", Kind: Int, Default: "0", Min: 0, Max: 64 << 20,
		Doc:   "bytes of RAM (rounded up to pages) taken from the allocator at boot and left to vmo_create_physical, for tests of physical VMOs over RAM (Zircon's kernel.test.ram.reserve); init passes the range as BERYL_TEST_RAM (0: none)",
		Field: func(o *Options) any { return &o.TestRAM }},
	{Name: "timer.hz", Kind: Int, Default: "1000", Min: 100, Max: 10000,
		Doc:   "timer interrupt frequency in Hz",
		Field: func(o *Options) any { return &o.TimerHz }},
	{Name: "userio", Kind: Enum, Default: "console", Values: []string{"console", "ports"},
		Doc:   "where init's stdout and stderr go: the console, or COM2 and COM3 (zxrun)",
		Field: func(o *Options) any { return &o.UserIO }},
}

// Specs returns a copy of the option table.
func Specs() []Spec { return append([]Spec(nil), table...) }

// Lookup returns the spec of the named option.
func Lookup(name string) (Spec, bool) { return lookup(table, name) }

func lookup(t []Spec, name string) (Spec, bool) {
	for _, s := range t {
		if s.Name == name {
			return s, true
		}
	}
	return Spec{}, false
}

// Defaults returns the options with every default applied.
func Defaults() Options {
	var o Options
	applyDefaults(table, &o)
	return o
}

func applyDefaults(t []Spec, o *Options) {
	for _, s := range t {
		// Defaults are checked by the package tests; a bad one leaves
		// the zero value rather than stopping the boot.
		_ = set(s, o, s.Default)
	}
}

// Parse parses cmdline. It always returns usable options: problems become
// warnings, one line each ("options: ..."), and the affected option keeps
// its previous value.
func Parse(cmdline string) (Options, []string) {
	return parse(cmdline, table)
}

func parse(cmdline string, t []Spec) (Options, []string) {
	var o Options
	applyDefaults(t, &o)
	words, warns := split(cmdline)
	for i, w := range words {
		name, value, hasValue := strings.Cut(w, "=")
		spec, known := lookup(t, name)
		if !known {
			if i == 0 && !hasValue {
				o.BootImage = w
				continue
			}
			warns = append(warns, fmt.Sprintf("options: unknown option %q ignored", name))
			continue
		}
		if !hasValue {
			if spec.Kind != Bool {
				warns = append(warns, fmt.Sprintf("options: %s needs a value; keeping %s", name, format(spec, &o)))
				continue
			}
			value = "true"
		}
		if err := set(spec, &o, value); err != nil {
			warns = append(warns, fmt.Sprintf("options: %s=%q: %v; keeping %s", name, value, err, format(spec, &o)))
		}
	}
	return o, warns
}

// split breaks the command line into words, honouring double quotes.
func split(s string) ([]string, []string) {
	var words, warns []string
	var cur strings.Builder
	inWord, inQuote := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			inQuote = !inQuote
			inWord = true
		case (c == ' ' || c == '\t' || c == '\n' || c == '\r') && !inQuote:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inQuote {
		warns = append(warns, "options: unterminated quote at end of command line")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, warns
}

// set parses value for spec and stores it in o; on error o is unchanged.
func set(s Spec, o *Options, value string) error {
	switch p := s.Field(o).(type) {
	case *bool:
		if s.Kind != Bool {
			break
		}
		switch strings.ToLower(value) {
		case "1", "true", "yes", "on":
			*p = true
		case "0", "false", "no", "off":
			*p = false
		default:
			return fmt.Errorf("not a boolean")
		}
		return nil
	case *int:
		if s.Kind != Int {
			break
		}
		n, err := strconv.ParseInt(value, 0, 64)
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		if n < s.Min || n > s.Max {
			return fmt.Errorf("out of range %d..%d", s.Min, s.Max)
		}
		*p = int(n)
		return nil
	case *string:
		switch s.Kind {
		case String:
			*p = value
			return nil
		case Enum:
			for _, v := range s.Values {
				if strings.EqualFold(v, value) {
					*p = v
					return nil
				}
			}
			return fmt.Errorf("must be one of %s", strings.Join(s.Values, "|"))
		}
	case *time.Duration:
		if s.Kind != Duration {
			break
		}
		d, err := time.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("not a duration (e.g. 10ms, 2s)")
		}
		if d < 0 {
			return fmt.Errorf("negative duration")
		}
		*p = d
		return nil
	case *[]string:
		if s.Kind != List {
			break
		}
		var items []string
		for _, it := range strings.Split(value, ",") {
			if it = strings.TrimSpace(it); it != "" {
				items = append(items, it)
			}
		}
		*p = items
		return nil
	}
	return fmt.Errorf("internal error: field type does not match kind %v", s.Kind)
}

// format renders the current value of spec in command-line syntax.
func format(s Spec, o *Options) string {
	switch p := s.Field(o).(type) {
	case *bool:
		return strconv.FormatBool(*p)
	case *int:
		return strconv.Itoa(*p)
	case *string:
		return quote(*p)
	case *time.Duration:
		return p.String()
	case *[]string:
		return quote(strings.Join(*p, ","))
	}
	return "?"
}

func quote(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n\r") {
		return `"` + s + `"`
	}
	return s
}

// String renders every option as name=value in table order: a command
// line that parses back to o (BootImage aside), for the boot log.
func (o Options) String() string {
	return render(table, &o)
}

func render(t []Spec, o *Options) string {
	var b strings.Builder
	for i, s := range t {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s.Name)
		b.WriteByte('=')
		b.WriteString(format(s, o))
	}
	return b.String()
}

// Help returns one line per option: name, kind, default (and range or
// values) and doc.
func Help() string {
	var b strings.Builder
	for _, s := range table {
		typ := s.Kind.String()
		switch s.Kind {
		case Int:
			typ = fmt.Sprintf("int %d..%d", s.Min, s.Max)
		case Enum:
			typ = strings.Join(s.Values, "|")
		}
		fmt.Fprintf(&b, "%-12s %-26s default %-10s %s\n", s.Name, typ, quote(s.Default), s.Doc)
	}
	return b.String()
}

// TestSelected reports whether the in-kernel test called name is selected
// by the test option: an empty option selects every test; otherwise it is
// a comma-separated list of patterns, each a glob if it contains * or ?
// (* matches any run of characters, including '/', ? matches one) and a
// name prefix otherwise. No regular expressions: the matcher must stay
// small and predictable in the kernel.
func (o Options) TestSelected(name string) bool {
	if o.Test == "" {
		return true
	}
	for _, pat := range strings.Split(o.Test, ",") {
		if pat == "" {
			continue
		}
		if strings.ContainsAny(pat, "*?") {
			if glob(pat, name) {
				return true
			}
		} else if strings.HasPrefix(name, pat) {
			return true
		}
	}
	return false
}

// glob matches name against pat with * and ?, iteratively with one
// backtrack point (linear in practice, no recursion).
func glob(pat, name string) bool {
	p, n := 0, 0
	star, mark := -1, 0
	for n < len(name) {
		switch {
		case p < len(pat) && (pat[p] == '?' || pat[p] == name[n]):
			p++
			n++
		case p < len(pat) && pat[p] == '*':
			star, mark = p, n
			p++
		case star >= 0:
			p = star + 1
			mark++
			n = mark
		default:
			return false
		}
	}
	for p < len(pat) && pat[p] == '*' {
		p++
	}
	return p == len(pat)
}
