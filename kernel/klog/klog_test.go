package klog

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// capture is a sink that records each call.
type capture struct {
	mu    sync.Mutex
	calls []string
}

func (c *capture) sink(b []byte) {
	c.mu.Lock()
	c.calls = append(c.calls, string(b))
	c.mu.Unlock()
}

func (c *capture) all() string { return strings.Join(c.calls, "") }

func fakeClock(ns *int64) func() int64 { return func() int64 { return *ns } }

func TestFormat(t *testing.T) {
	var c capture
	now := int64(1_234_567_890)
	l := New(c.sink, fakeClock(&now), Debug)
	l.Infof("mm", "mapped %d pages", 512)
	now = 0
	l.Debugf("", "no subsystem")
	now = 123_456_789_123_456 // > 99999 s: the field widens
	l.Errorf("trap", "fault at %#x", 0xdead)
	now = -5
	l.Warnf("x", "negative clock")
	want := "[    1.234567] I mm: mapped 512 pages\n" +
		"[    0.000000] D no subsystem\n" +
		"[123456.789123] E trap: fault at 0xdead\n" +
		"[    0.000000] W x: negative clock\n"
	if got := c.all(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if len(c.calls) != 4 {
		t.Errorf("%d sink calls", len(c.calls))
	}
}

func TestMultiLineAndNoClock(t *testing.T) {
	var c capture
	l := New(c.sink, nil, Info)
	l.Infof("dump", "rax=1\nrbx=2\n\n")
	l.Infof("s", "")
	l.Infof("pct", "100%% done")
	want := "[    0.000000] I dump: rax=1\n[    0.000000] I dump: rbx=2\n" +
		"[    0.000000] I s: \n" +
		"[    0.000000] I pct: 100% done\n"
	if got := c.all(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if len(c.calls) != 3 {
		t.Errorf("multi-line message must be one sink call, got %d calls", len(c.calls))
	}
}

func TestLevels(t *testing.T) {
	var c capture
	l := New(c.sink, nil, Warn)
	l.Debugf("a", "d")
	l.Infof("a", "i")
	l.Warnf("a", "w")
	l.Errorf("a", "e")
	if got := c.all(); got != "[    0.000000] W a: w\n[    0.000000] E a: e\n" {
		t.Errorf("filtering: %q", got)
	}
	if l.Level() != Warn || l.Enabled(Info) || !l.Enabled(Error) {
		t.Error("Level/Enabled")
	}
	l.SetLevel(Debug)
	l.Logf(Debug, "a", "now %s", "visible")
	if !strings.HasSuffix(c.all(), "D a: now visible\n") {
		t.Errorf("SetLevel: %q", c.all())
	}
	for _, lv := range []Level{Debug, Info, Warn, Error} {
		got, ok := ParseLevel(strings.ToUpper(lv.String()))
		if !ok || got != lv {
			t.Errorf("ParseLevel(%s)", lv)
		}
	}
	if _, ok := ParseLevel("verbose"); ok {
		t.Error("ParseLevel accepted junk")
	}
	if Level(9).String() != "level(9)" || Level(9).Letter() != '?' {
		t.Error("unknown level names")
	}
}

func TestSub(t *testing.T) {
	var c capture
	l := New(c.sink, nil, Debug)
	s := l.Sub("pmm")
	s.Debugf("a")
	s.Infof("b %d", 1)
	s.Warnf("c")
	s.Errorf("d")
	want := "[    0.000000] D pmm: a\n[    0.000000] I pmm: b 1\n[    0.000000] W pmm: c\n[    0.000000] E pmm: d\n"
	if c.all() != want || !s.Enabled(Debug) {
		t.Errorf("Sub: %q", c.all())
	}
}

func TestEarlyBuffer(t *testing.T) {
	now := int64(5_000)
	l := New(nil, nil, Info)
	l.Infof("boot", "before sink")
	l.Debugf("boot", "filtered")
	var c capture
	l.Init(c.sink, fakeClock(&now), Debug)
	l.Debugf("boot", "after")
	want := "[    0.000000] I boot: before sink\n[    0.000005] D boot: after\n"
	if c.all() != want {
		t.Errorf("got %q", c.all())
	}
	// Overflow: the newest lines are dropped and counted.
	l = New(nil, nil, Info)
	line := strings.Repeat("x", 100)
	n := 0
	for i := 0; i < 1000; i++ {
		l.Infof("f", "%s", line)
	}
	c = capture{}
	l.Init(nil, nil, Info) // still no sink: nothing flushed
	l.Init(c.sink, nil, Info)
	out := c.all()
	n = strings.Count(out, "I f: ")
	if len(out) > EarlyBufferSize+200 || n == 0 || n == 1000 {
		t.Errorf("kept %d lines, %d bytes", n, len(out))
	}
	if !strings.Contains(out, fmt.Sprintf("W klog: %d early messages dropped", 1000-n)) {
		t.Errorf("no drop notice:\n%s", out[len(out)-200:])
	}
	c = capture{}
	l.Init(c.sink, nil, Info) // nothing left to flush
	if len(c.calls) != 0 {
		t.Error("second Init flushed again")
	}
}

func TestConcurrentLinesAtomic(t *testing.T) {
	var out []byte
	var calls int
	var inSink sync.Mutex
	sink := func(b []byte) {
		if !inSink.TryLock() {
			panic("sink called concurrently")
		}
		out = append(out, b...)
		calls++
		inSink.Unlock()
	}
	var clk sync.Mutex
	var now int64
	clock := func() int64 { clk.Lock(); defer clk.Unlock(); now += 1000; return now }
	l := New(sink, clock, Debug)
	const G, N = 8, 200
	var wg sync.WaitGroup
	for g := 0; g < G; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := l.Sub(fmt.Sprintf("g%d", g))
			for i := 0; i < N; i++ {
				s.Infof("message %d of goroutine %d\nsecond line %d", i, g, i)
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != 2*G*N || calls != G*N {
		t.Fatalf("%d lines in %d calls", len(lines), calls)
	}
	re := regexp.MustCompile(`^\[ *\d+\.\d{6}\] I g(\d): (message (\d+) of goroutine (\d)|second line (\d+))$`)
	for i := 0; i < len(lines); i += 2 {
		m1, m2 := re.FindStringSubmatch(lines[i]), re.FindStringSubmatch(lines[i+1])
		if m1 == nil || m2 == nil || m1[3] == "" || m2[5] != m1[3] || m1[1] != m2[1] || m1[1] != m1[4] {
			t.Fatalf("interleaved or malformed lines:\n%s\n%s", lines[i], lines[i+1])
		}
	}
}

func TestDefaultLogger(t *testing.T) {
	var c capture
	now := int64(2_500_000_000)
	Init(c.sink, fakeClock(&now), Info)
	defer Init(nil, nil, Info)
	Debugf("k", "hidden")
	Infof("k", "i")
	Warnf("k", "w")
	Errorf("k", "e")
	For("sched").Infof("tick")
	SetLevel(Debug)
	Debugf("k", "shown")
	want := "[    2.500000] I k: i\n[    2.500000] W k: w\n[    2.500000] E k: e\n" +
		"[    2.500000] I sched: tick\n[    2.500000] D k: shown\n"
	if c.all() != want {
		t.Errorf("got %q", c.all())
	}
}

func BenchmarkInfof(b *testing.B) {
	l := New(func([]byte) {}, func() int64 { return 1 }, Info)
	for i := 0; i < b.N; i++ {
		l.Infof("bench", "value %d", i)
	}
}

func BenchmarkFiltered(b *testing.B) {
	l := New(func([]byte) {}, nil, Info)
	for i := 0; i < b.N; i++ {
		l.Debugf("bench", "value %d", i)
	}
}

func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"plain name-1.2:x/y_z", "plain name-1.2:x/y_z"},
		{"logname\n\x1b[2J", `logname\x0a\x1b[2J`},
		{"a\\b", `a\\b`},
		{"tab\there\r", `tab\x09here\x0d`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"\x9b2J", `\x9b2J`},
		{"héllo", `h\xc3\xa9llo`},
		{"\xff", `\xff`},
	} {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// Nothing to escape: the string itself comes back, no copy made.
	s := "init"
	if n := testing.AllocsPerRun(100, func() { s = Escape(s) }); n != 0 {
		t.Errorf("Escape of a plain string allocates %v times", n)
	}
}

// TestLineSanitized: control bytes other than tab, DEL, invalid UTF-8 and
// C1 controls in a message never reach the sink raw, whatever the call
// site passed; printable UTF-8 passes; a newline still splits lines.
func TestLineSanitized(t *testing.T) {
	var c capture
	var now int64
	l := New(c.sink, fakeClock(&now), Debug)
	l.Warnf("proc", "%s killed", "x\x1b[2J\ty\u0085z\xfeé")
	l.Infof("proc", "two\nlines")
	want := "[    0.000000] W proc: x\\x1b[2J\ty\\xc2\\x85z\\xfeé killed\n" +
		"[    0.000000] I proc: two\n[    0.000000] I proc: lines\n"
	if got := c.all(); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	l.Warnf("proc", "%s[%d]", Escape("a\nb"), 7)
	if got := c.calls[len(c.calls)-1]; got != "[    0.000000] W proc: a\\x0ab[7]\n" {
		t.Errorf("escaped name: %q", got)
	}
}
