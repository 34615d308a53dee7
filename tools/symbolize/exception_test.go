package main

import (
	"strings"
	"testing"
)

func TestDecodePageFault(t *testing.T) {
	tests := []struct {
		code uint64
		want []string
	}{
		{0x0, []string{"page not present", "read access", "supervisor mode", "[P=0 W/R=0 U/S=0 RSVD=0 I/D=0]"}},
		{0x2, []string{"page not present", "write access", "supervisor mode", "[P=0 W/R=1 U/S=0 RSVD=0 I/D=0]"}},
		{0x3, []string{"protection violation", "write access", "[P=1 W/R=1 U/S=0"}},
		{0x5, []string{"protection violation", "read access", "user mode", "U/S=1"}},
		{0x7, []string{"protection violation", "write access", "user mode"}},
		{0x9, []string{"reserved bit set", "RSVD=1"}},
		{0x11, []string{"protection violation", "instruction fetch", "I/D=1"}},
		{0x25, []string{"protection-key violation", "PK=1"}},
		{0x8000, []string{"SGX", "SGX=1"}},
	}
	for _, tc := range tests {
		got := DecodePageFault(tc.code)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("DecodePageFault(%#x) = %q, missing %q", tc.code, got, w)
			}
		}
		// Interpretations that must not appear for this code.
		if tc.code&1 == 0 && strings.Contains(got, "protection violation") ||
			tc.code&1 == 1 && strings.Contains(got, "not present") ||
			tc.code&2 == 0 && strings.Contains(got, "write") {
			t.Errorf("DecodePageFault(%#x) = %q contradicts the code", tc.code, got)
		}
	}
	if got := DecodeErrorCode(14, 0x2); got != DecodePageFault(0x2) {
		t.Errorf("DecodeErrorCode(14) does not use the page-fault layout: %q", got)
	}
}

func TestDecodeSelectorError(t *testing.T) {
	tests := []struct {
		vector int
		code   uint64
		want   []string
	}{
		{13, 0x0, []string{"no selector", "non-canonical"}},
		{12, 0x0, []string{"no selector", "stack"}},
		{13, 0x18, []string{"GDT selector index 3", "selector 0x18", "EXT=0 IDT=0 TI=0 index=3"}},
		{11, 0x1c, []string{"LDT selector index 3", "TI=1"}},
		{13, 0x6a, []string{"IDT entry 13", "IDT=1", "index=13"}},
		{10, 0x29, []string{"GDT selector index 5", "EXT=1", "external event"}},
		{13, 0x10018, []string{"bits above 15"}},
	}
	for _, tc := range tests {
		got := DecodeErrorCode(tc.vector, tc.code)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("DecodeErrorCode(%d, %#x) = %q, missing %q", tc.vector, tc.code, got, w)
			}
		}
	}
}

func TestVectorAndFlags(t *testing.T) {
	for v, want := range map[int]string{
		14: "14 #PF Page Fault", 13: "13 #GP General Protection", 2: "2 NMI Interrupt",
		15: "15 (reserved)", 32: "external interrupt", 300: "not a valid vector",
	} {
		if got := VectorString(v); !strings.Contains(got, want) {
			t.Errorf("VectorString(%d) = %q, want %q", v, got, want)
		}
	}
	for f, want := range map[uint64]string{0x10046: "PF ZF RF", 0x202: "IF", 0x3002: "IOPL=3", 0x2: ""} {
		if got := DecodeRFLAGS(f); got != want {
			t.Errorf("DecodeRFLAGS(%#x) = %q, want %q", f, got, want)
		}
	}
	if got := DecodeErrorCode(21, 3); !strings.Contains(got, "ENDBRANCH") {
		t.Errorf("#CP 3 = %q", got)
	}
	if got := DecodeErrorCode(8, 5); !strings.Contains(got, "unexpected") {
		t.Errorf("#DF 5 = %q", got)
	}
}

func TestFindStart(t *testing.T) {
	// b8 90 90 90 90 is MOVL $0x90909090, AX (5 bytes); 48 8b 00 follows.
	code := []byte{0xb8, 0x90, 0x90, 0x90, 0x90, 0x48, 0x8b, 0x00, 0xc3}
	const base = 0x1000
	tests := []struct {
		rip     uint64
		wantOff int
		wantOK  bool
	}{
		{base + 5, 0, true}, // the MOVL ends exactly at rip
		{base + 3, 1, true}, // from 0 the MOVL swallows rip; from 1 the 0x90s (NOPs) land on it
		{base, 0, true},
		{base + uint64(len(code)), 0, false},
		{base - 1, 0, false},
	}
	for _, tc := range tests {
		off, ok := FindStart(code, base, tc.rip)
		if off != tc.wantOff || ok != tc.wantOK {
			t.Errorf("FindStart(rip=%#x) = %d, %v; want %d, %v", tc.rip, off, ok, tc.wantOff, tc.wantOK)
		}
	}
	l, ok := DisasmBytes(code, base, base+5, 1, GoSyntax, nil)
	if !ok || l.Mark != 1 || !l.Exact || l.Insts[1].Text != "MOVQ 0(AX), AX" || len(l.Insts) != 3 {
		t.Errorf("DisasmBytes = %+v", l)
	}
	// Bytes that stop inside an instruction after rip end the listing with a note.
	l, _ = DisasmBytes(code[:7], base, base+5, 4, GoSyntax, nil)
	if len(l.Insts) != 1 || len(l.Notes) != 1 || !strings.Contains(l.Notes[0], "inside the instruction at 0x1005") {
		t.Errorf("truncated DisasmBytes = %+v", l)
	}
}
