package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Reg is one register (or trap-frame field) exactly as the kernel logged it.
type Reg struct {
	Name  string
	Value uint64
}

// Frame is one backtrace entry of a fault dump.
type Frame struct {
	PC uint64
	// Text is whatever the kernel already printed after the PC (it may have
	// symbolized the frame itself); kept so the report can show both.
	Text string
}

// Dump is one fault dump: the FAULT lines from a `vector=` line to the
// matching `FAULT end`. Fields the log did not contain keep their Has* flag
// false so the report never prints a made-up zero.
type Dump struct {
	FirstLine, LastLine int // 1-based line numbers in the log
	// Ended is false when the dump was cut short (log truncated, or a new
	// dump started before `FAULT end`): what was parsed is still reported.
	Ended bool

	HasVector bool
	Vector    int
	Mnemonic  string // as logged, e.g. "#PF"; cross-checked against Vector

	HasError  bool
	ErrorCode uint64
	HasCR2    bool
	CR2       uint64

	// Trap holds the hardware interrupt frame (rip cs rflags rsp ss), GPRs
	// the general-purpose registers; both in log order. They are kept apart
	// because both lines carry an "rsp".
	Trap []Reg
	GPRs []Reg

	HasBytes  bool
	BytesAddr uint64
	Bytes     []byte

	Frames []Frame

	// Warnings are problems with this dump's lines (bad numbers, unknown
	// fields); the report prints them instead of silently dropping data.
	Warnings []string
}

// Get returns the named register from regs.
func Get(regs []Reg, name string) (uint64, bool) {
	for _, r := range regs {
		if r.Name == name {
			return r.Value, true
		}
	}
	return 0, false
}

// RIP returns the faulting instruction pointer from the trap frame.
func (d *Dump) RIP() (uint64, bool) { return Get(d.Trap, "rip") }

// Log is the result of parsing a whole serial log.
type Log struct {
	Dumps []*Dump
	// Warnings are about FAULT lines that belong to no dump.
	Warnings []string
}

// ansiRE matches terminal escape sequences (CSI, OSC and two-byte ESC
// sequences) that QEMU's serial console or the kernel's colored logger may
// leave in a captured log.
var ansiRE = regexp.MustCompile(`\x1b(?:\[[0-9;?<=>!]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])`)

const marker = "FAULT "

// faultPayloads cleans one physical log line and returns the text after each
// "FAULT " marker in it. A bare CR returns the cursor on a terminal, so text
// on either side of it are separate lines; several markers on one line
// happen when the kernel's newline got lost, and each starts a record.
// The marker must start a word so "PAGEFAULT " in ordinary log text is not
// mistaken for a dump line.
func faultPayloads(line string) []string {
	line = ansiRE.ReplaceAllString(line, "")
	var out []string
	for _, seg := range strings.Split(line, "\r") {
		seg = strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\t' || r == 0x7f {
				return -1 // stray control bytes from a noisy serial line
			}
			return r
		}, seg)
		starts := []int{}
		for i := 0; ; {
			j := strings.Index(seg[i:], marker)
			if j < 0 {
				break
			}
			p := i + j
			if p == 0 || !isWordByte(seg[p-1]) {
				starts = append(starts, p)
			}
			i = p + len(marker)
		}
		for k, s := range starts {
			end := len(seg)
			if k+1 < len(starts) {
				end = starts[k+1]
			}
			out = append(out, strings.TrimSpace(seg[s+len(marker):end]))
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// ParseLog reads a kernel serial log and returns every fault dump in it.
// It never fails on malformed content: bad lines become warnings, because a
// crash log is often damaged and half a dump is still worth reading. Only
// an I/O error is returned.
func ParseLog(r io.Reader) (*Log, error) {
	lg := &Log{}
	var cur *Dump
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	n := 0
	for sc.Scan() {
		n++
		for _, p := range faultPayloads(sc.Text()) {
			switch {
			case p == "end":
				if cur == nil {
					lg.Warnings = append(lg.Warnings, fmt.Sprintf("line %d: FAULT end without a dump", n))
					continue
				}
				cur.Ended, cur.LastLine = true, n
				cur = nil
			case strings.HasPrefix(p, "vector="):
				if cur != nil {
					cur.warn(n, "dump cut short: a new dump starts before FAULT end")
				}
				cur = &Dump{FirstLine: n, LastLine: n}
				lg.Dumps = append(lg.Dumps, cur)
				cur.parseFields(n, p)
			default:
				if cur == nil {
					// The header may have been lost (serial buffer overrun, log
					// captured mid-dump); keep what follows rather than drop it.
					cur = &Dump{FirstLine: n}
					lg.Dumps = append(lg.Dumps, cur)
					cur.warn(n, "dump has no vector= line (log truncated?)")
				}
				cur.LastLine = n
				switch {
				case strings.HasPrefix(p, "bytes@"):
					cur.parseBytes(n, p)
				case strings.HasPrefix(p, "frame ") || p == "frame":
					cur.parseFrame(n, p)
				default:
					cur.parseFields(n, p)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return lg, err
	}
	return lg, nil
}

func (d *Dump) warn(line int, format string, args ...any) {
	d.Warnings = append(d.Warnings, fmt.Sprintf("line %d: ", line)+fmt.Sprintf(format, args...))
}

// parseNum accepts the kernel's 0x-prefixed hex and plain decimal (the
// vector number is printed in decimal).
func parseNum(s string) (uint64, error) {
	return strconv.ParseUint(s, 0, 64)
}

var trapNames = map[string]bool{"rip": true, "cs": true, "rflags": true, "ss": true}

var gprNames = map[string]bool{
	"rax": true, "rbx": true, "rcx": true, "rdx": true, "rsi": true, "rdi": true, "rbp": true, "rsp": true,
	"r8": true, "r9": true, "r10": true, "r11": true, "r12": true, "r13": true, "r14": true, "r15": true,
	// Printed by some handlers; accepted so they are shown, not warned about.
	"fs_base": true, "gs_base": true, "kernel_gs_base": true, "cr0": true, "cr3": true, "cr4": true, "efer": true,
}

// parseFields handles the key=value lines: the vector line, the interrupt
// frame line and the GPR lines.
func (d *Dump) parseFields(line int, p string) {
	toks := strings.Fields(p)
	isTrap := false
	for _, t := range toks {
		if strings.HasPrefix(t, "rip=") {
			isTrap = true // this line's rsp is the interrupted rsp
		}
	}
	for _, t := range toks {
		if strings.HasPrefix(t, "(") && strings.HasSuffix(t, ")") {
			d.Mnemonic = strings.Trim(t, "()")
			continue
		}
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			d.warn(line, "ignoring %q: not key=value", t)
			continue
		}
		num, err := parseNum(v)
		if err != nil {
			d.warn(line, "ignoring %s: bad number %q", k, v)
			continue
		}
		switch {
		case k == "vector":
			d.HasVector, d.Vector = true, int(num)
		case k == "error":
			d.HasError, d.ErrorCode = true, num
		case k == "cr2":
			d.HasCR2, d.CR2 = true, num
		case trapNames[k] || k == "rsp" && isTrap:
			d.Trap = set(d, line, d.Trap, k, num)
		case gprNames[k]:
			d.GPRs = set(d, line, d.GPRs, k, num)
		default:
			d.warn(line, "ignoring unknown field %s=%s", k, v)
		}
	}
}

// set stores a register, replacing (with a warning) a value an earlier line
// already gave: the later line is the one the kernel printed last.
func set(d *Dump, line int, regs []Reg, k string, v uint64) []Reg {
	for i := range regs {
		if regs[i].Name == k {
			d.warn(line, "%s given twice; using the later value", k)
			regs[i].Value = v
			return regs
		}
	}
	return append(regs, Reg{k, v})
}

// parseBytes handles "bytes@0xADDR: 48 8b ...". Parsing stops at the first
// token that is not a two-digit hex byte, because the bytes must stay
// contiguous to keep their addresses right.
func (d *Dump) parseBytes(line int, p string) {
	head, rest, ok := strings.Cut(p, ":")
	if !ok {
		d.warn(line, "bytes line without ':'")
		return
	}
	addr, err := parseNum(strings.TrimPrefix(head, "bytes@"))
	if err != nil {
		d.warn(line, "bytes line: bad address %q", strings.TrimPrefix(head, "bytes@"))
		return
	}
	var bs []byte
	toks := strings.Fields(rest)
	for _, t := range toks {
		b, err := strconv.ParseUint(t, 16, 8)
		if err != nil || len(t) != 2 {
			d.warn(line, "bytes line: stopped at %q after %d bytes", t, len(bs))
			break
		}
		bs = append(bs, byte(b))
	}
	if len(bs) == 0 {
		d.warn(line, "bytes line has no bytes")
		return
	}
	if d.HasBytes {
		d.warn(line, "second bytes line; using the later one")
	}
	d.HasBytes, d.BytesAddr, d.Bytes = true, addr, bs
}

// parseFrame handles "frame 0xPC [text]".
func (d *Dump) parseFrame(line int, p string) {
	rest := strings.TrimSpace(strings.TrimPrefix(p, "frame"))
	pcs, text, _ := strings.Cut(rest, " ")
	pc, err := parseNum(pcs)
	if err != nil {
		d.warn(line, "frame: bad pc %q", pcs)
		return
	}
	d.Frames = append(d.Frames, Frame{PC: pc, Text: strings.TrimSpace(text)})
}
