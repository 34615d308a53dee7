package main

import (
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// Syntax selects the assembler syntax of listings.
type Syntax int

const (
	// GoSyntax (the default) is Plan 9 syntax as printed by `go tool
	// objdump` and written in the kernel's arch/ and boot/ .s files, so a
	// listing can be compared with both directly.
	GoSyntax Syntax = iota
	// IntelSyntax matches the Intel SDM, for reading alongside it.
	IntelSyntax
)

// Inst is one decoded instruction.
type Inst struct {
	PC    uint64
	Bytes []byte
	Text  string
	// Bad marks a byte the decoder rejected; like `go tool objdump`, the
	// decoder then steps one byte, so what follows may be out of sync.
	Bad bool
}

// Listing is a disassembly around a faulting RIP.
type Listing struct {
	Source string // where the bytes came from, for the report header
	Insts  []Inst
	// Mark is the index of the instruction containing RIP, -1 if none.
	Mark int
	// Exact is true when Insts[Mark] starts at RIP. False means RIP points
	// into the middle of an instruction: decoding and the CPU disagree, so
	// the image or the function boundaries are wrong.
	Exact bool
	Notes []string
}

func formatInst(inst x86asm.Inst, pc uint64, syn Syntax, sym x86asm.SymLookup) string {
	if syn == IntelSyntax {
		return x86asm.IntelSyntax(inst, pc, sym)
	}
	return x86asm.GoSyntax(inst, pc, sym)
}

func decodeOne(code []byte) (x86asm.Inst, bool) {
	inst, err := x86asm.Decode(code, 64)
	return inst, err == nil && inst.Len > 0 && inst.Op != 0
}

// truncated reports whether code ends inside an instruction. x86asm does
// not say so itself (it decodes the first byte as a lone prefix), so the
// bytes are retried with padding: if they then form an instruction longer
// than what is there, the log simply cut it off.
func truncated(code []byte) bool {
	if len(code) >= 15 { // the longest x86 instruction
		return false
	}
	padded := make([]byte, 15)
	copy(padded, code)
	inst, ok := decodeOne(padded)
	return ok && inst.Len > len(code)
}

// decodeFrom decodes code (which starts at address base) from its first
// byte until `after` instructions past the one containing rip, or the end of
// code. A truncated final instruction ends the listing with a note rather
// than being shown as garbage.
func decodeFrom(code []byte, base, rip uint64, after int, syn Syntax, sym x86asm.SymLookup) Listing {
	l := Listing{Mark: -1}
	past := 0
	for off := 0; off < len(code); {
		pc := base + uint64(off)
		if pc > rip && l.Mark >= 0 {
			if past >= after {
				break
			}
			past++
		}
		inst, ok := decodeOne(code[off:])
		n := inst.Len
		in := Inst{PC: pc}
		if !ok {
			if truncated(code[off:]) {
				l.Notes = append(l.Notes, fmt.Sprintf("bytes end inside the instruction at %#x", pc))
				break
			}
			n, in.Bad, in.Text = 1, true, "?"
		} else {
			in.Text = formatInst(inst, pc, syn, sym)
		}
		in.Bytes = code[off : off+n]
		if l.Mark < 0 && rip >= pc && rip < pc+uint64(n) {
			l.Mark, l.Exact = len(l.Insts), rip == pc
		}
		l.Insts = append(l.Insts, in)
		off += n
	}
	return l
}

// DisasmFunction decodes the function loc (which contains rip) from its
// entry, the only place where instruction boundaries are known for sure,
// through `after` instructions past rip.
func DisasmFunction(k *Kernel, loc Location, rip uint64, after int, syn Syntax) Listing {
	code := k.ReadText(loc.Entry, int(loc.End-loc.Entry))
	l := decodeFrom(code, loc.Entry, rip, after, syn, k.SymName)
	l.Source = fmt.Sprintf("kernel ELF, from the entry of %s at %#x", loc.Func, loc.Entry)
	if l.Mark >= 0 && !l.Exact {
		l.Notes = append(l.Notes, fmt.Sprintf("RIP %#x is inside the instruction at %#x, not at its start: "+
			"the CPU did not execute this code (wrong kernel image, or a bad RIP)", rip, l.Insts[l.Mark].PC))
	}
	return l
}

// FindStart picks the offset in code (which starts at address base) from
// which sequential decoding lands exactly on rip. Without a function entry
// the boundaries before rip are unknown; x86 decoding resynchronises
// quickly, so several offsets usually work. The earliest offset whose
// decoding has no undecodable bytes wins because it shows the most context;
// failing that, the earliest that lands at all; failing that, rip itself.
// ok is false when rip is outside code.
func FindStart(code []byte, base, rip uint64) (off int, ok bool) {
	if rip < base || rip-base >= uint64(len(code)) {
		return 0, false
	}
	target := int(rip - base)
	fallback := -1
	for start := 0; start < target; start++ {
		clean, o := true, start
		for o < target {
			inst, ok := decodeOne(code[o:])
			if !ok {
				clean = false
				o++
				continue
			}
			o += inst.Len
		}
		if o != target {
			continue
		}
		if clean {
			return start, true
		}
		if fallback < 0 {
			fallback = start
		}
	}
	if fallback >= 0 {
		return fallback, true
	}
	return target, true
}

// DisasmBytes decodes logged code bytes (starting at address base) around
// rip, choosing the start with FindStart. Used when rip is outside the
// kernel image's text, and to show what actually ran when the logged bytes
// differ from the image.
func DisasmBytes(code []byte, base, rip uint64, after int, syn Syntax, sym x86asm.SymLookup) (Listing, bool) {
	off, ok := FindStart(code, base, rip)
	if !ok {
		return Listing{Mark: -1}, false
	}
	l := decodeFrom(code[off:], base+uint64(off), rip, after, syn, sym)
	l.Source = fmt.Sprintf("logged bytes, decoding from %#x (boundaries before RIP are inferred)", base+uint64(off))
	return l, true
}
