package kos

import (
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"testing"

	"beryl/kernel/object"
)

// query encodes a security query (wire format of SecurityQuery); args are
// uint64 or string.
func query(iface, method string, args ...any) []byte {
	b := []byte{byte(len(args)), byte(len(iface)), byte(len(method)), 0}
	b = append(append(b, iface...), method...)
	for _, a := range args {
		switch v := a.(type) {
		case uint64:
			b = binary.LittleEndian.AppendUint64(append(b, SecArgUint, 8), v)
		case string:
			b = append(append(b, SecArgString, byte(len(v))), v...)
		}
	}
	return b
}

const securityPolicy = `
default allow
deny  security *      file read s:alice s:/home/bob/*   # alice may not read bob's files
allow security files  file read s:alice *
deny  security files  file write * u:0                  # no writes at offset 0
deny  security *      admin *
deny  connect  a b * *
`

func TestSecurityPolicy(t *testing.T) {
	pol, err := ParsePolicy([]byte(securityPolicy))
	if err != nil {
		t.Fatal(err)
	}
	if pol.Rules() != 5 {
		t.Errorf("rules %d", pol.Rules())
	}
	for _, c := range []struct {
		subj string
		q    []byte
		want bool
	}{
		{"files", query("file", "read", "alice", "/home/bob/x"), false},
		{"other", query("file", "read", "alice", "/home/bob/"), false},
		{"files", query("file", "read", "alice", "/home/alice/x"), true},
		{"files", query("file", "read", "alice", "/home/bo"), true},
		{"files", query("file", "read", "alice"), true}, // too few args for rule 1 and 2: default
		{"files", query("file", "read", uint64(1), "/home/bob/x"), true},
		{"files", query("file", "write", "bob", uint64(0)), false},
		{"files", query("file", "write", "bob", uint64(1)), true},
		{"files", query("file", "write", "bob", "0"), true},
		{"x", query("admin", "reboot"), false},
		{"x", query("other", "m"), true},
	} {
		var q SecurityQuery
		if !DecodeSecurityQuery(c.q, &q) {
			t.Fatalf("%x does not decode", c.q)
		}
		if got := pol.SecurityAllowed(c.subj, &q); got != c.want {
			t.Errorf("%s %s.%s: %v, want %v", c.subj, q.Interface, q.String(), got, c.want)
		}
	}
	// Security rules are not IPC rules and the other way round.
	if !pol.Allowed(KindCall, "files", "file", 1, 2) || pol.Allowed(KindConnect, "a", "b", 0, 0) {
		t.Error("IPC decisions")
	}
	canon := pol.String()
	for _, want := range []string{"deny security * file read s:alice s:/home/bob/*\n", "deny security files file write * u:0\n",
		"deny connect a b * *\n"} {
		if !strings.Contains(canon, want) {
			t.Errorf("canonical form lacks %q:\n%s", want, canon)
		}
	}
}

func TestSecurityPolicyErrors(t *testing.T) {
	for _, c := range []struct{ name, src, msg string }{
		{"arity", "default allow\nallow security a b", "want \"allow security"},
		{"too many args", "default allow\nallow security a b c * * * * *", "at most 4 args"},
		{"subject", "default allow\nallow security a$ b c", "subject: bad character"},
		{"interface", "default allow\nallow security a b$ c", "interface: bad character"},
		{"method", "default allow\nallow security a b " + strings.Repeat("m", 65), "method: name longer"},
		{"uint", "default allow\nallow security a b c u:x", "arg 1: want u:"},
		{"uint plus", "default allow\nallow security a b c * u:+1", "arg 2: want u:"},
		{"pattern", "default allow\nallow security a b c alice", "arg 1: want *, u:"},
		{"connect endpoint", "default allow\nallow connect a b 1 *", "connect rules take *"},
	} {
		_, err := ParsePolicy([]byte(c.src))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 2 || !strings.Contains(pe.Msg, c.msg) {
			t.Errorf("%s: %v, want line 2 containing %q", c.name, err, c.msg)
		}
	}
}

func TestDecodeSecurityQuery(t *testing.T) {
	good := query("file", "read", "alice", uint64(7))
	var q SecurityQuery
	if !DecodeSecurityQuery(good, &q) || string(q.Interface) != "file" || string(q.Method) != "read" || q.NArgs != 2 ||
		string(q.Args[0].S) != "alice" || q.Args[1].U != 7 || q.String() != "read s:alice u:7" {
		t.Fatalf("decoded %+v (%s)", q, q.String())
	}
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"reserved", append(query("f", "m")[:3], 1, 'f', 'm')},
		{"no interface", query("", "m")},
		{"no method", query("f", "")},
		{"too many args", query("f", "m", "1", "2", "3", "4", "5")},
		{"bad name", query("f f", "m")},
		{"long name", query(strings.Repeat("f", 65), "m")},
		{"short", good[:len(good)-1]},
		{"trailing", append(append([]byte{}, good...), 0)},
		{"arg type", append(query("f", "m")[:0], 1, 1, 1, 0, 'f', 'm', 3, 0)},
		{"uint length", append(query("f", "m")[:0], 1, 1, 1, 0, 'f', 'm', SecArgUint, 4, 1, 2, 3, 4)},
		{"arg header", append(query("f", "m")[:0], 1, 1, 1, 0, 'f', 'm', SecArgString)},
	} {
		if DecodeSecurityQuery(c.b, &q) {
			t.Errorf("%s: %x decoded", c.name, c.b)
		}
	}
	long := strings.Repeat("x", 255)
	if !DecodeSecurityQuery(query("f", "m", long, long, long, long), &q) || q.String() != "m s:"+long+" s:"+long+" s:"+long+" s:"+long {
		t.Errorf("longest query")
	}
	if !DecodeSecurityQuery(query("f", "m", "a b"), &q) || q.String() != `m s:"a b"` {
		t.Errorf("quoted: %s", q.String())
	}
}

// TestSecurityConnect: a process asks the security module through its
// client handle; the policy decides on the caller's class; denials are
// logged.
func TestSecurityConnect(t *testing.T) {
	e := newEnv(t)
	files, other := e.proc("files"), e.proc("other")
	h := must(SecurityConnect(files, 0))
	if rightsOf(t, files, h) != DefaultClientRights {
		t.Errorf("rights %v", rightsOf(t, files, h))
	}
	_, st := SecurityConnect(files, 1)
	wantStatus(t, "options", st, object.ErrInvalidArgs)
	// No policy: everything is allowed (but the query must be well formed).
	_, st = Call(files, h, object.TimeInfinite, &CallArgs{Fixed: query("file", "read", "alice", "/home/bob/x")})
	wantStatus(t, "no policy", st, OK)
	pol, err := ParsePolicy([]byte(securityPolicy))
	if err != nil {
		t.Fatal(err)
	}
	SetPolicy(pol)
	var hooked []Denial
	SetDenialHook(func(d Denial) { hooked = append(hooked, d) })
	defer SetDenialHook(nil)
	for _, x := range []struct {
		name string
		p    *object.Process
		args CallArgs
		want Status
	}{
		{"allowed", files, CallArgs{Fixed: query("file", "read", "alice", "/home/alice/x")}, OK},
		{"denied", files, CallArgs{Fixed: query("file", "read", "alice", "/home/bob/x")}, ErrPolicyDenied},
		{"malformed", files, CallArgs{Fixed: []byte{1}}, object.ErrInvalidArgs},
		{"arena", files, CallArgs{Fixed: query("file", "read"), Arena: []byte{1}}, object.ErrInvalidArgs},
		{"handles", files, CallArgs{Fixed: query("file", "read"), Handles: xfer(h)}, object.ErrInvalidArgs},
	} {
		sz, st := Call(x.p, h, object.TimeInfinite, &x.args)
		wantStatus(t, x.name, st, x.want)
		if sz != (Sizes{}) {
			t.Errorf("%s: sizes %+v", x.name, sz)
		}
	}
	if len(hooked) != 1 || hooked[0].String() != `security: subject "files" interface "file" query read s:alice s:/home/bob/x` {
		t.Errorf("denials %v", hooked)
	}
	// The subject is whoever calls: a copy in another process asks as
	// that process.
	oh := give(t, files, h, object.RightSameRights, nil, other)
	_, st = Call(other, oh, object.TimeInfinite, &CallArgs{Fixed: query("file", "write", "x", uint64(0))})
	wantStatus(t, "other process", st, OK)
	_, st = Call(files, h, object.TimeInfinite, &CallArgs{Fixed: query("file", "write", "x", uint64(0))})
	wantStatus(t, "files process", st, ErrPolicyDenied)
	// Rights: Call needs WRITE.
	ro := must(object.HandleReplace(files, must(object.HandleDuplicate(files, h, object.RightSameRights)), object.RightRead))
	_, st = Call(files, ro, object.TimeInfinite, &CallArgs{Fixed: query("file", "read")})
	wantStatus(t, "no write right", st, object.ErrAccessDenied)
	// It is no listener and no server: connecting to it fails.
	_, _, _, st = HandleConnect(files, h, 0)
	wantStatus(t, "connect to it", st, object.ErrWrongType)
}

// BenchmarkSecurityCheck: one security decision as Call makes it (decode
// the query, decide against 40 security rules, matching on the last) —
// the bound is 1 µs; it must allocate nothing.
func BenchmarkSecurityCheck(b *testing.B) {
	pol := benchSecurityPolicy(b)
	SetPolicy(pol)
	defer SetPolicy(nil)
	q := query("file", "read", "alice", "/home/alice/notes.txt", uint64(4096))
	b.ReportAllocs()
	for b.Loop() {
		if SecurityCheck("files", q) != OK {
			b.Fatal("denied")
		}
	}
}

func benchSecurityPolicy(tb testing.TB) *Policy {
	var src strings.Builder
	src.WriteString("default deny\n")
	for i := 0; i < 39; i++ {
		src.WriteString("allow security files file read s:user" + strconv.Itoa(i) + " s:/home/user" + strconv.Itoa(i) + "/*\n")
	}
	src.WriteString("allow security files file read s:alice s:/home/alice/* u:4096\n")
	pol, err := ParsePolicy([]byte(src.String()))
	if err != nil {
		tb.Fatal(err)
	}
	return pol
}

func TestSecurityCheckAllocs(t *testing.T) {
	SetPolicy(benchSecurityPolicy(t))
	defer SetPolicy(nil)
	q := query("file", "read", "alice", "/home/alice/notes.txt", uint64(4096))
	if n := testing.AllocsPerRun(100, func() { SecurityCheck("files", q) }); n != 0 {
		t.Errorf("%v allocs per security decision", n)
	}
}

// FuzzSecurityQuery: decoding never panics and never reads beyond the
// query; a query that decodes gets the same decision from a policy and
// from its canonical form.
func FuzzSecurityQuery(f *testing.F) {
	f.Add(query("file", "read", "alice", "/home/bob/x"), []byte(securityPolicy))
	f.Add(query("file", "write", "bob", uint64(0)), []byte("default deny\nallow security * file write * u:0"))
	f.Add([]byte{0, 1, 1, 0, 'a', 'b'}, []byte("default allow\ndeny security x a b"))
	f.Fuzz(func(t *testing.T, b, src []byte) {
		var q SecurityQuery
		ok := DecodeSecurityQuery(b, &q)
		pol, err := ParsePolicy(src)
		if !ok || err != nil {
			return
		}
		again, err := ParsePolicy([]byte(pol.String()))
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%s", err, pol)
		}
		for _, subj := range append([]string{"x"}, pol.names...) {
			if pol.SecurityAllowed(subj, &q) != again.SecurityAllowed(subj, &q) {
				t.Fatalf("decisions differ for %s on %s", subj, q.String())
			}
		}
	})
}
