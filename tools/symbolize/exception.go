package main

import (
	"fmt"
	"strings"
)

// Vector describes one architectural exception vector (Intel SDM Vol. 3A,
// Table 6-1 "Protected-Mode Exceptions and Interrupts").
type Vector struct {
	Mnemonic string // "#PF"; empty for vectors without one (NMI)
	Name     string
	// HasError reports whether the CPU pushes an error code, so the report
	// can flag a dump that lacks (or invents) one.
	HasError bool
}

// Vectors maps vector numbers 0–31 to their architectural meaning.
var Vectors = map[int]Vector{
	0:  {"#DE", "Divide Error", false},
	1:  {"#DB", "Debug", false},
	2:  {"", "NMI Interrupt", false},
	3:  {"#BP", "Breakpoint", false},
	4:  {"#OF", "Overflow", false},
	5:  {"#BR", "BOUND Range Exceeded", false},
	6:  {"#UD", "Invalid Opcode", false},
	7:  {"#NM", "Device Not Available", false},
	8:  {"#DF", "Double Fault", true},
	9:  {"", "Coprocessor Segment Overrun", false},
	10: {"#TS", "Invalid TSS", true},
	11: {"#NP", "Segment Not Present", true},
	12: {"#SS", "Stack-Segment Fault", true},
	13: {"#GP", "General Protection", true},
	14: {"#PF", "Page Fault", true},
	16: {"#MF", "x87 FPU Floating-Point Error", false},
	17: {"#AC", "Alignment Check", true},
	18: {"#MC", "Machine Check", false},
	19: {"#XM", "SIMD Floating-Point Exception", false},
	20: {"#VE", "Virtualization Exception", false},
	21: {"#CP", "Control Protection Exception", true},
	28: {"#HV", "Hypervisor Injection Exception", false},
	29: {"#VC", "VMM Communication Exception", true},
	30: {"#SX", "Security Exception", true},
}

// VectorString names a vector, e.g. "14 #PF Page Fault".
func VectorString(v int) string {
	if x, ok := Vectors[v]; ok {
		if x.Mnemonic == "" {
			return fmt.Sprintf("%d %s", v, x.Name)
		}
		return fmt.Sprintf("%d %s %s", v, x.Mnemonic, x.Name)
	}
	if v >= 32 && v <= 255 {
		return fmt.Sprintf("%d (external interrupt or software INT n)", v)
	}
	if v >= 0 && v < 32 {
		return fmt.Sprintf("%d (reserved)", v)
	}
	return fmt.Sprintf("%d (not a valid vector)", v)
}

// DecodeErrorCode explains an exception's error code in words. The
// explanation depends on the vector: page faults have their own bit layout,
// the segment-related faults push a selector, #CP pushes a cause number.
func DecodeErrorCode(vector int, code uint64) string {
	switch vector {
	case 14:
		return DecodePageFault(code)
	case 10, 11, 12, 13:
		return DecodeSelectorError(vector, code)
	case 21:
		return decodeCP(code)
	case 8, 17:
		if code != 0 {
			return fmt.Sprintf("%#x: unexpected, the CPU always pushes 0 for this vector", code)
		}
		return "0x0 (always zero for this vector)"
	}
	return fmt.Sprintf("%#x", code)
}

// DecodePageFault explains a #PF error code (Intel SDM Vol. 3A §4.7,
// Figure 4-12 "Page-Fault Error Code").
func DecodePageFault(code uint64) string {
	bit := func(n uint) int { return int(code>>n) & 1 }
	var why []string
	if bit(0) == 0 {
		why = append(why, "page not present")
	} else {
		why = append(why, "protection violation on a present page")
	}
	switch {
	case bit(4) == 1:
		why = append(why, "instruction fetch")
	case bit(1) == 1:
		why = append(why, "write access")
	default:
		why = append(why, "read access")
	}
	if bit(2) == 1 {
		why = append(why, "from user mode (CPL 3)")
	} else {
		why = append(why, "from supervisor mode")
	}
	if bit(3) == 1 {
		why = append(why, "reserved bit set in a paging-structure entry (corrupt page tables)")
	}
	if bit(5) == 1 {
		why = append(why, "protection-key violation")
	}
	if bit(6) == 1 {
		why = append(why, "shadow-stack access")
	}
	if bit(7) == 1 {
		why = append(why, "during HLAT paging")
	}
	if bit(15) == 1 {
		why = append(why, "SGX access-control violation")
	}
	s := fmt.Sprintf("%#x: %s [P=%d W/R=%d U/S=%d RSVD=%d I/D=%d",
		code, strings.Join(why, ", "), bit(0), bit(1), bit(2), bit(3), bit(4))
	for _, b := range []struct {
		n    uint
		name string
	}{{5, "PK"}, {6, "SS"}, {7, "HLAT"}, {15, "SGX"}} {
		if bit(b.n) == 1 {
			s += fmt.Sprintf(" %s=1", b.name)
		}
	}
	return s + "]"
}

// DecodeSelectorError explains the selector error code pushed by #TS, #NP,
// #SS and #GP (Intel SDM Vol. 3A §6.13 "Error Code", Figure 6-6): bit 0 EXT,
// bit 1 IDT, bit 2 TI, bits 15:3 the selector index.
func DecodeSelectorError(vector int, code uint64) string {
	if code == 0 {
		// Zero means "not caused by a particular selector"; in 64-bit mode
		// the common causes are listed so the reader knows where to look.
		switch vector {
		case 13:
			return "0x0: no selector involved (in 64-bit mode typically a non-canonical address, " +
				"a privileged instruction at CPL>0, a bad MSR/CR write, or a misaligned SSE operand)"
		case 12:
			return "0x0: no selector involved (non-canonical stack address or stack limit violation)"
		}
		return "0x0: no selector involved"
	}
	ext := code & 1
	idt := code >> 1 & 1
	ti := code >> 2 & 1
	index := code >> 3 & 0x1fff
	var where string
	switch {
	case idt == 1:
		where = fmt.Sprintf("IDT entry %d (gate for vector %d)", index, index)
	case ti == 1:
		where = fmt.Sprintf("LDT selector index %d (selector %#x)", index, code&^3)
	default:
		where = fmt.Sprintf("GDT selector index %d (selector %#x)", index, code&^3)
	}
	s := fmt.Sprintf("%#x: %s [EXT=%d IDT=%d TI=%d index=%d]", code, where, ext, idt, ti, index)
	if ext == 1 {
		s += "; raised while delivering an external event"
	}
	if code>>16 != 0 {
		s += "; bits above 15 set, which the CPU never does (corrupt dump?)"
	}
	return s
}

// decodeCP explains a #CP error code (Intel SDM Vol. 3A §6.15, "Interrupt
// 21—Control Protection Exception").
func decodeCP(code uint64) string {
	causes := map[uint64]string{
		1: "NEAR-RET: return address mismatch with the shadow stack",
		2: "FAR-RET/IRET: return address mismatch with the shadow stack",
		3: "ENDBRANCH: indirect branch target lacks ENDBR",
		4: "RSTORSSP: invalid shadow-stack restore token",
		5: "SETSSBSY: invalid supervisor shadow-stack token",
	}
	c, ok := causes[code&0x7fff]
	if !ok {
		c = "unknown cause"
	}
	if code>>15&1 == 1 {
		c += ", inside an SGX enclave"
	}
	return fmt.Sprintf("%#x: %s", code, c)
}

// DecodeRFLAGS lists the set flags (Intel SDM Vol. 1 §3.4.3, Figure 3-8).
func DecodeRFLAGS(f uint64) string {
	names := []struct {
		bit  uint
		name string
	}{{0, "CF"}, {2, "PF"}, {4, "AF"}, {6, "ZF"}, {7, "SF"}, {8, "TF"}, {9, "IF"}, {10, "DF"},
		{11, "OF"}, {14, "NT"}, {16, "RF"}, {17, "VM"}, {18, "AC"}, {19, "VIF"}, {20, "VIP"}, {21, "ID"}}
	var set []string
	for _, n := range names {
		if f>>n.bit&1 == 1 {
			set = append(set, n.name)
		}
	}
	if iopl := f >> 12 & 3; iopl != 0 {
		set = append(set, fmt.Sprintf("IOPL=%d", iopl))
	}
	return strings.Join(set, " ")
}
