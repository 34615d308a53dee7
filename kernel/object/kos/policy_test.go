package kos

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestParsePolicyErrors(t *testing.T) {
	for _, c := range []struct {
		name, src string
		line      int
		msg       string
	}{
		{"empty", "", 1, "no default"},
		{"only comments", "# nothing\n\n", 2, "no default"},
		{"default arity", "default", 1, "want \"default allow|deny\""},
		{"default value", "default maybe", 1, "default must be allow or deny"},
		{"second default", "default allow\ndefault deny", 2, "second default"},
		{"directive", "default allow\npermit call a b 1 2", 2, "unknown directive \"permit\""},
		{"arity", "default allow\nallow call a b 1", 2, "got 5 fields"},
		{"event", "default allow\nallow send a b 1 2", 2, "unknown event \"send\""},
		{"subject char", "default allow\nallow call a$ b 1 2", 2, "subject: bad character '$'"},
		{"object length", "default allow\nallow call a " + strings.Repeat("x", 65) + " 1 2", 2, "object: class name longer"},
		{"endpoint", "default allow\nallow call a b -1 2", 2, "endpoint: want a decimal uint32"},
		{"endpoint plus", "default allow\nallow call a b +1 2", 2, "endpoint: want a decimal uint32"},
		{"method range", "default allow\nallow call a b 1 4294967296", 2, "method: want a decimal uint32"},
	} {
		_, err := ParsePolicy([]byte(c.src))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: got %v, want a ParseError", c.name, err)
			continue
		}
		if pe.Line != c.line || !strings.Contains(pe.Msg, c.msg) {
			t.Errorf("%s: got %q, want line %d containing %q", c.name, err, c.line, c.msg)
		}
		if !strings.HasPrefix(err.Error(), "policy:"+strconv.Itoa(c.line)+": ") {
			t.Errorf("%s: Error() = %q", c.name, err)
		}
	}
	if _, err := ParsePolicy(make([]byte, MaxPolicyBytes+1)); err == nil {
		t.Error("oversized policy accepted")
	}
	var b strings.Builder
	b.WriteString("default deny\n")
	for i := 0; i <= MaxPolicyRules; i++ {
		b.WriteString("allow * * * * *\n")
	}
	if _, err := ParsePolicy([]byte(b.String())); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("too many rules: %v", err)
	}
}

const testPolicy = `
# KV service
default deny
deny  call  bob   kv  7 3   # bob may not put
allow call  *     kv  7 *
allow recv  kv    *   * *
allow reply kv    *   * *
allow *     init  *   * *
`

func TestPolicyAllowed(t *testing.T) {
	pol, err := ParsePolicy([]byte(testPolicy))
	if err != nil {
		t.Fatal(err)
	}
	if pol.Rules() != 5 {
		t.Errorf("rules %d", pol.Rules())
	}
	for _, c := range []struct {
		kind      Kind
		subj, obj string
		ep, m     uint32
		want      bool
	}{
		{KindCall, "bob", "kv", 7, 3, false},
		{KindCall, "bob", "kv", 7, 2, true},
		{KindCall, "alice", "kv", 7, 3, true},
		{KindCall, "alice", "kv", 8, 3, false},
		{KindCall, "alice", "other", 7, 3, false},
		{KindRecv, "kv", "bob", 7, 3, true},
		{KindReply, "kv", "", 1, 1, true},
		{KindReply, "other", "kv", 1, 1, false},
		{KindCall, "init", "x", 1, 1, true},
		{KindRecv, "init", "", 0, 0, true},
		{KindCall, "", "", 0, 0, false},
	} {
		if got := pol.Allowed(c.kind, c.subj, c.obj, c.ep, c.m); got != c.want {
			t.Errorf("%v %q→%q %d/%d: got %v", c.kind, c.subj, c.obj, c.ep, c.m, got)
		}
	}
	// The canonical form parses back to the same policy.
	again, err := ParsePolicy([]byte(pol.String()))
	if err != nil || again.String() != pol.String() {
		t.Errorf("round trip: %v\n%s\n%s", err, pol, again)
	}
	if Kind(9).String() != "kind(9)" || KindReply.String() != "reply" {
		t.Error("Kind.String")
	}
}

// TestPolicyCheckAllocs: the check on the IPC path allocates nothing.
func TestPolicyCheckAllocs(t *testing.T) {
	pol, err := ParsePolicy([]byte(testPolicy))
	if err != nil {
		t.Fatal(err)
	}
	SetPolicy(pol)
	defer SetPolicy(nil)
	subj, obj := "alice", "kv"
	if n := testing.AllocsPerRun(1000, func() {
		if !checkPolicy(KindCall, subj, obj, 7, 2) {
			t.Fatal("denied")
		}
	}); n != 0 {
		t.Errorf("%v allocs per check", n)
	}
}

func TestDenialRing(t *testing.T) {
	pol, _ := ParsePolicy([]byte("default deny"))
	SetPolicy(pol)
	defer SetPolicy(nil)
	n0, _ := Denials()
	for i := 0; i < 100; i++ {
		checkPolicy(KindCall, "a", "b", uint32(i), 0)
	}
	n, ds := Denials()
	if n != n0+100 || len(ds) != 64 || ds[63].Endpoint != 99 || ds[0].Endpoint != 36 {
		t.Errorf("ring: %d %d %+v", n, len(ds), ds[0])
	}
}

// BenchmarkPolicyCheck measures the policy check of one IPC message
// against a 40-rule policy (the match is the last rule).
func BenchmarkPolicyCheck(b *testing.B) {
	var src strings.Builder
	src.WriteString("default deny\n")
	for i := 0; i < 39; i++ {
		src.WriteString("allow call client" + strconv.Itoa(i) + " server 1 *\n")
	}
	src.WriteString("allow call alice server 1 2\n")
	pol, err := ParsePolicy([]byte(src.String()))
	if err != nil {
		b.Fatal(err)
	}
	SetPolicy(pol)
	defer SetPolicy(nil)
	subj, obj := "alice", "server"
	b.ReportAllocs()
	for b.Loop() {
		if !checkPolicy(KindCall, subj, obj, 1, 2) {
			b.Fatal("denied")
		}
	}
}

// FuzzParsePolicy: the parser never panics, and whatever it accepts
// prints to a canonical form that parses to the same policy.
func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(testPolicy))
	f.Add([]byte("default allow\ndeny * * * * *\n"))
	f.Add([]byte("default deny\nallow call a b 1 2 # c\n"))
	f.Add([]byte("allow call a b 4294967295 *\ndefault allow"))
	f.Add([]byte(securityPolicy))
	f.Fuzz(func(t *testing.T, src []byte) {
		pol, err := ParsePolicy(src)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a ParseError", err)
			}
			return
		}
		canon := pol.String()
		again, err := ParsePolicy([]byte(canon))
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%s", err, canon)
		}
		if again.String() != canon {
			t.Fatalf("canonical form not stable:\n%s\n%s", canon, again)
		}
		for _, k := range []Kind{KindCall, KindRecv, KindReply} {
			for _, n := range again.names {
				if pol.Allowed(k, n, n, 1, 2) != again.Allowed(k, n, n, 1, 2) {
					t.Fatalf("decisions differ for %v %s", k, n)
				}
			}
		}
	})
}
