package main

import (
	"reflect"
	"strings"
	"testing"
)

const cleanDump = `FAULT vector=14 (#PF) error=0x2 cr2=0x0
FAULT rip=0xffffffff80212345 cs=0x8 rflags=0x10046 rsp=0xffffc00000123f00 ss=0x10
FAULT rax=0x0 rbx=0x1 rcx=0x2 rdx=0x3 rsi=0x4 rdi=0x5 rbp=0x6 rsp=0x7
FAULT r8=0x8 r9=0x9 r10=0xa r11=0xb r12=0xc r13=0xd r14=0xe r15=0xf
FAULT bytes@0xffffffff80212335: 48 8b 44 24 08
FAULT frame 0xffffffff80212345 [main.foo+0x25]
FAULT frame 0xffffffff80200abc
FAULT end
`

// want is the parsed form of cleanDump; cases below tweak copies of it.
func want() Dump {
	return Dump{
		FirstLine: 1, LastLine: 8, Ended: true,
		HasVector: true, Vector: 14, Mnemonic: "#PF",
		HasError: true, ErrorCode: 2, HasCR2: true, CR2: 0,
		Trap: []Reg{{"rip", 0xffffffff80212345}, {"cs", 8}, {"rflags", 0x10046}, {"rsp", 0xffffc00000123f00}, {"ss", 0x10}},
		GPRs: []Reg{{"rax", 0}, {"rbx", 1}, {"rcx", 2}, {"rdx", 3}, {"rsi", 4}, {"rdi", 5}, {"rbp", 6}, {"rsp", 7},
			{"r8", 8}, {"r9", 9}, {"r10", 10}, {"r11", 11}, {"r12", 12}, {"r13", 13}, {"r14", 14}, {"r15", 15}},
		HasBytes: true, BytesAddr: 0xffffffff80212335, Bytes: []byte{0x48, 0x8b, 0x44, 0x24, 0x08},
		Frames: []Frame{{0xffffffff80212345, "[main.foo+0x25]"}, {0xffffffff80200abc, ""}},
	}
}

func parse(t *testing.T, s string) *Log {
	t.Helper()
	lg, err := ParseLog(strings.NewReader(s))
	if err != nil {
		t.Fatalf("ParseLog: %v", err)
	}
	return lg
}

// decorate applies a prefix and suffix to every line of cleanDump.
func decorate(prefix, suffix string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(strings.TrimSuffix(cleanDump, "\n"), "\n") {
		b.WriteString(prefix + strings.TrimSuffix(l, "\n") + suffix + "\n")
	}
	return b.String()
}

func TestParseLogSingleDump(t *testing.T) {
	shift := func(d Dump, n int) Dump { d.FirstLine += n; d.LastLine += n; return d }
	tests := []struct {
		name string
		log  string
		want Dump
	}{
		{"clean", cleanDump, want()},
		{"CRLF", decorate("", "\r"), want()},
		{"timestamps", decorate("[    1.234567] ", ""), want()},
		{"ANSI colors", decorate("\x1b[1;31m", "\x1b[0m"), want()},
		{"ANSI, timestamp and CR together", decorate("\x1b[2K[  12.000001] \x1b[33m", "\x1b[m\r"), want()},
		{"surrounding noise", "SeaBIOS (version 1.16)\nbooting beryl\nPAGEFAULT handler armed\n" +
			cleanDump + "qemu: terminating on signal 2\n", shift(want(), 3)},
		{"progress line overwritten by CR", strings.Replace(cleanDump, "FAULT end", "init: 50%\rFAULT end", 1), want()},
		{"CR-overwritten prefix before FAULT", strings.Replace(cleanDump, "FAULT r8=", "spinner |\rFAULT r8=", 1), want()},
		{"stray control bytes", strings.Replace(cleanDump, "rbx=0x1", "rbx=0x1\x00\x07", 1), want()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lg := parse(t, tc.log)
			if len(lg.Dumps) != 1 {
				t.Fatalf("got %d dumps, want 1", len(lg.Dumps))
			}
			if got := *lg.Dumps[0]; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseLogMultipleAndBroken(t *testing.T) {
	second := strings.NewReplacer("vector=14 (#PF)", "vector=13 (#GP)", "error=0x2", "error=0x18").Replace(cleanDump)
	t.Run("two dumps", func(t *testing.T) {
		lg := parse(t, cleanDump+"more boot noise\n"+second)
		if len(lg.Dumps) != 2 {
			t.Fatalf("got %d dumps, want 2", len(lg.Dumps))
		}
		if d := lg.Dumps[1]; d.Vector != 13 || d.ErrorCode != 0x18 || d.FirstLine != 10 || !d.Ended {
			t.Errorf("second dump = %+v", d)
		}
	})
	t.Run("first dump cut short", func(t *testing.T) {
		cut := strings.Join(strings.Split(cleanDump, "\n")[:4], "\n") + "\n"
		lg := parse(t, cut+second)
		if len(lg.Dumps) != 2 {
			t.Fatalf("got %d dumps, want 2", len(lg.Dumps))
		}
		if d := lg.Dumps[0]; d.Ended || len(d.GPRs) != 16 || !hasWarning(d.Warnings, "cut short") {
			t.Errorf("first dump: Ended=%v GPRs=%d warnings=%q", d.Ended, len(d.GPRs), d.Warnings)
		}
		if !lg.Dumps[1].Ended {
			t.Errorf("second dump should be complete")
		}
	})
	t.Run("log ends mid-dump", func(t *testing.T) {
		lg := parse(t, strings.TrimSuffix(cleanDump, "FAULT end\n"))
		if len(lg.Dumps) != 1 || lg.Dumps[0].Ended || len(lg.Dumps[0].Frames) != 2 {
			t.Fatalf("got %+v", lg.Dumps)
		}
	})
	t.Run("missing header", func(t *testing.T) {
		lg := parse(t, strings.SplitN(cleanDump, "\n", 2)[1])
		if len(lg.Dumps) != 1 {
			t.Fatalf("got %d dumps", len(lg.Dumps))
		}
		d := lg.Dumps[0]
		if d.HasVector || !hasWarning(d.Warnings, "no vector=") {
			t.Errorf("dump = %+v", d)
		}
		if rip, ok := d.RIP(); !ok || rip != 0xffffffff80212345 {
			t.Errorf("rip = %#x %v", rip, ok)
		}
	})
	t.Run("two records on one line", func(t *testing.T) {
		lg := parse(t, strings.Replace(cleanDump, "\nFAULT end", " FAULT end", 1))
		if len(lg.Dumps) != 1 || !lg.Dumps[0].Ended || len(lg.Dumps[0].Frames) != 2 {
			t.Fatalf("got %+v", lg.Dumps[0])
		}
	})
	t.Run("garbage", func(t *testing.T) {
		log := strings.NewReplacer(
			"rbx=0x1", "rbx=0xZZ",
			"r9=0x9", "r9=0x9 bogus",
			"r10=0xa", "xmm0=0x1",
			"08\n", "08 ... (truncated)\n",
			"frame 0xffffffff80200abc", "frame nope",
		).Replace(cleanDump)
		lg := parse(t, log+"FAULT end\n")
		d := lg.Dumps[0]
		for _, w := range []string{`bad number "0xZZ"`, `"bogus": not key=value`, "unknown field xmm0", `stopped at "..."`, `bad pc "nope"`} {
			if !hasWarning(d.Warnings, w) {
				t.Errorf("missing warning %q in %q", w, d.Warnings)
			}
		}
		if _, ok := Get(d.GPRs, "rbx"); ok {
			t.Errorf("rbx with a bad value was kept")
		}
		if len(d.Bytes) != 5 || len(d.Frames) != 1 {
			t.Errorf("bytes=%x frames=%v", d.Bytes, d.Frames)
		}
		if !hasWarning(lg.Warnings, "FAULT end without a dump") {
			t.Errorf("orphan end not reported: %q", lg.Warnings)
		}
	})
	t.Run("no dumps", func(t *testing.T) {
		lg := parse(t, "hello\nPAGEFAULT handled\nDEFAULT route\nFAULTY disk\n")
		if len(lg.Dumps) != 0 {
			t.Fatalf("got %+v", lg.Dumps)
		}
	})
}

func hasWarning(ws []string, sub string) bool {
	for _, w := range ws {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}
