package options

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	o, warns := Parse("")
	if len(warns) != 0 {
		t.Fatalf("warnings for empty command line: %v", warns)
	}
	want := Options{LogLevel: "info", TimerHz: 1000, Init: "bin/init", UserIO: "console", Screen: "auto", FPU: "lazy", SMP: true}
	if !reflect.DeepEqual(o, want) || !reflect.DeepEqual(Defaults(), want) {
		t.Errorf("defaults %+v", o)
	}
	// Threads run on every CPU unless smp=off turns it off.
	if o, warns := Parse("smp=off"); o.SMP || len(warns) != 0 {
		t.Errorf("smp=off: SMP %v, warnings %v", o.SMP, warns)
	}
}

// TestTable checks every entry: a valid default, a field of the right
// type, a doc line, unique sorted names, sane ranges.
func TestTable(t *testing.T) {
	var names []string
	for _, s := range Specs() {
		names = append(names, s.Name)
		var o Options
		if err := set(s, &o, s.Default); err != nil {
			t.Errorf("%s: default %q: %v", s.Name, s.Default, err)
		}
		if s.Doc == "" || strings.Contains(s.Doc, "\n") {
			t.Errorf("%s: doc must be one line", s.Name)
		}
		if s.Kind == Int && s.Min > s.Max {
			t.Errorf("%s: empty range", s.Name)
		}
		if s.Kind == Enum && len(s.Values) == 0 {
			t.Errorf("%s: enum without values", s.Name)
		}
		if got, ok := Lookup(s.Name); !ok || got.Name != s.Name {
			t.Errorf("Lookup(%s)", s.Name)
		}
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("table not sorted: %v", names)
	}
	for i := 1; i < len(names); i++ {
		if names[i] == names[i-1] {
			t.Errorf("duplicate option %s", names[i])
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup of unknown name")
	}
}

func TestParseAll(t *testing.T) {
	o, warns := Parse(`/boot/kernel.elf loglevel=DEBUG timer.hz=0x3e8 test=pmm,vmo/* test.fault ` +
		`init="bin/my init" run=a,,b, conformance=yes ready.exit=on`)
	if len(warns) != 0 {
		t.Fatalf("warnings: %v", warns)
	}
	want := Options{
		LogLevel: "debug", TimerHz: 1000, Test: "pmm,vmo/*", TestFault: true,
		Init: "bin/my init", Run: []string{"a", "b"}, Conformance: true, ReadyExit: true,
		BootImage: "/boot/kernel.elf", UserIO: "console", Screen: "auto", FPU: "lazy", SMP: true,
	}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("got  %+v\nwant %+v", o, want)
	}
}

func TestParseWarnings(t *testing.T) {
	cases := []struct {
		cmdline string
		warn    string // substring of the single expected warning
	}{
		{"timer.hz=50", "out of range 100..10000"},
		{"timer.hz=fast", "not an integer"},
		{"loglevel=verbose", "must be one of debug|info|warn|error"},
		{"test.fault=maybe", "not a boolean"},
		{"bogus=1", `unknown option "bogus"`},
		{"kernel bogus", `unknown option "bogus"`},
		{"timer.hz", "needs a value"},
		{`init="bin/x`, "unterminated quote"},
	}
	for _, c := range cases {
		o, warns := Parse(c.cmdline)
		if len(warns) != 1 || !strings.Contains(warns[0], c.warn) {
			t.Errorf("%q: warnings %q, want one containing %q", c.cmdline, warns, c.warn)
			continue
		}
		if !strings.HasPrefix(warns[0], "options: ") {
			t.Errorf("warning lacks prefix: %q", warns[0])
		}
		if c.cmdline != `init="bin/x` && !reflect.DeepEqual(o, Defaults()) && o.BootImage == "" {
			t.Errorf("%q: bad value changed options: %+v", c.cmdline, o)
		}
	}
	// A bad later value keeps the earlier good one, and says so.
	o, warns := Parse("timer.hz=250 timer.hz=5")
	if o.TimerHz != 250 || len(warns) != 1 || !strings.HasSuffix(warns[0], "keeping 250") {
		t.Errorf("bad repeat: %d %v", o.TimerHz, warns)
	}
	o, _ = Parse("timer.hz=250 timer.hz=500")
	if o.TimerHz != 500 {
		t.Errorf("last wins: %d", o.TimerHz)
	}
	// An unterminated quote still yields the value.
	o, _ = Parse(`init="bin/x y`)
	if o.Init != "bin/x y" {
		t.Errorf("unterminated quote value %q", o.Init)
	}
	// Only the first bare word is the boot image.
	o, warns = Parse("  \tkernel\n conformance  ")
	if o.BootImage != "kernel" || !o.Conformance || len(warns) != 0 {
		t.Errorf("whitespace handling: %+v %v", o, warns)
	}
	if o, _ := Parse("conformance"); o.BootImage != "" || !o.Conformance {
		t.Error("first word that is an option is not the image")
	}
}

func TestStringRoundTrip(t *testing.T) {
	in := `loglevel=warn timer.hz=250 test="a b" test.fault init=bin/x run=p,q conformance=false ready.exit`
	o, warns := Parse(in)
	if len(warns) != 0 {
		t.Fatal(warns)
	}
	s := o.String()
	if !strings.Contains(s, `test="a b"`) || !strings.Contains(s, "timer.hz=250") || !strings.Contains(s, "run=p,q") {
		t.Errorf("String: %s", s)
	}
	back, warns := Parse(s)
	if len(warns) != 0 || !reflect.DeepEqual(back, o) {
		t.Errorf("round trip:\n%+v\n%+v %v", o, back, warns)
	}
	if d := Defaults().String(); !strings.Contains(d, `run=""`) || !strings.Contains(d, `test=""`) {
		t.Errorf("defaults String: %s", d)
	}
}

func TestHelp(t *testing.T) {
	h := Help()
	lines := strings.Split(strings.TrimSpace(h), "\n")
	if len(lines) != len(Specs()) {
		t.Fatalf("help has %d lines", len(lines))
	}
	for _, want := range []string{"timer.hz", "int 100..10000", "debug|info|warn|error", "default bin/init", "list"} {
		if !strings.Contains(h, want) {
			t.Errorf("help lacks %q:\n%s", want, h)
		}
	}
}

func TestTestSelected(t *testing.T) {
	cases := []struct {
		pat, name string
		want      bool
	}{
		{"", "anything", true},
		{"pmm", "pmm/AllocPage", true},
		{"pmm", "pagetable/Map", false},
		{"pmm,pagetable", "pagetable/Map", true},
		{"*Map*", "pagetable/Map4K", true},
		{"*Map", "pagetable/Map4K", false},
		{"vmo/?ap", "vmo/Map", true},
		{"vmo/?ap", "vmo/Mapx", false},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"**", "", true},
		{"x*", "", false},
		{",", "foo", false},
	}
	for _, c := range cases {
		o := Options{Test: c.pat}
		if got := o.TestSelected(c.name); got != c.want {
			t.Errorf("test=%q name %q: %v", c.pat, c.name, got)
		}
	}
}

// TestKindsWithCustomTable covers Duration and the internal consistency
// checks with a private table (no built-in option is a duration yet).
func TestKindsWithCustomTable(t *testing.T) {
	var d time.Duration
	var wrong float64
	tbl := []Spec{
		{Name: "wd", Kind: Duration, Default: "1s", Doc: "d", Field: func(*Options) any { return &d }},
		{Name: "mismatch", Kind: Bool, Default: "true", Doc: "m", Field: func(*Options) any { return &wrong }},
		{Name: "mis2", Kind: List, Default: "", Doc: "m", Field: func(o *Options) any { return &o.Init }},
	}
	_, warns := parse("wd=250ms", tbl)
	if d != 250*time.Millisecond || len(warns) != 0 {
		t.Errorf("duration %v %v", d, warns)
	}
	_, warns = parse("wd=-1s", tbl)
	if d != time.Second || len(warns) != 1 || !strings.Contains(warns[0], "negative") {
		t.Errorf("negative duration: %v %v", d, warns)
	}
	_, warns = parse("wd=soon", tbl)
	if len(warns) != 1 || !strings.Contains(warns[0], "not a duration") {
		t.Errorf("bad duration: %v", warns)
	}
	_, warns = parse("mismatch=1 mis2=x", tbl)
	if len(warns) != 2 || !strings.Contains(warns[0], "internal error") {
		t.Errorf("type mismatch: %v", warns)
	}
	var o Options
	if s := render(tbl[:1], &o); s != "wd=1s" {
		t.Errorf("render duration: %s", s)
	}
	if s := render(tbl[1:2], &o); s != "mismatch=?" {
		t.Errorf("render mismatch: %s", s)
	}
	for k, n := range map[Kind]string{Bool: "bool", Int: "int", String: "string", Enum: "enum", Duration: "duration", List: "list", 42: "kind(42)"} {
		if k.String() != n {
			t.Errorf("Kind %d String %q", k, k.String())
		}
	}
}
