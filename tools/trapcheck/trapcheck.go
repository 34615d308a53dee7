// Package trapcheck verifies the trap-path rules on the linked kernel: every
// function reachable from the trap entry points (through direct calls and
// jumps) is nosplit — it has no stack-growth prologue calling
// runtime.morestack — and nothing reachable allocates (no call to the
// runtime's allocation entry points). The compiler cannot check either
// across packages; this check disassembles build/beryl.elf with x86asm.
package trapcheck

import (
	"debug/elf"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// Roots are the trap-path entry points: the asm entries and the Go
// functions installed behind indirect calls (trap handler, IRQ handlers,
// the kernel page-table source).
var Roots = []string{
	"beryl/arch/x86.trapCommon.abi0",
	"beryl/arch/x86.syscallEntry.abi0",
	"beryl/kernel/rt.HandleTrap",
	"beryl/arch/x86.apEntry64.abi0", // application processors before interrupts
	"beryl/kernel/rt.apStart",       // x86.APStart
	"beryl/kernel/console.drain",
	"beryl/kernel/console.keyboardIRQ",
	"beryl/kernel/screen.PutByte", // x86.ConsoleHook: fault dumps reach the screen
	"beryl/mm/kmem.(*pageSource).AllocTable",
	"beryl/mm/kmem.(*pageSource).FreeTable",
	"beryl/mm/kmem.(*pageSource).Table",
}

// allowed are callees not followed: bounds-check and divide panics (only
// reached on a kernel bug, when the machine is going down anyway) and the
// fault dump's symbolizer hook target.
func allowed(name string) bool {
	return strings.HasPrefix(name, "runtime.panic") || strings.HasPrefix(name, "runtime.goPanic") ||
		name == "runtime.panicdivide" || name == "runtime.panicshift" || name == "runtime.panicwrap"
}

// forbidden are the runtime functions that mark a split check or an
// allocation.
func forbidden(name string) string {
	switch {
	case strings.HasPrefix(name, "runtime.morestack"):
		return "stack-split prologue (not nosplit)"
	case name == "runtime.newobject", name == "runtime.mallocgc", name == "runtime.makeslice",
		name == "runtime.growslice", name == "runtime.makemap", name == "runtime.makemap_small",
		strings.HasPrefix(name, "runtime.convT"), name == "runtime.concatstrings",
		strings.HasPrefix(name, "runtime.concatstring"), name == "runtime.slicebytetostring",
		name == "runtime.newproc", name == "runtime.gcWriteBarrier", strings.HasPrefix(name, "runtime.gcWriteBarrier"):
		return "allocation or write barrier"
	}
	return ""
}

type sym struct {
	name       string
	start, end uint64
}

// Violation is a rule broken on the trap path.
type Violation struct {
	Func, Callee, Why string
	Path              []string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s calls %s: %s (reached via %s)", v.Func, v.Callee, v.Why, strings.Join(v.Path, " → "))
}

// load returns the kernel ELF's .text header, its bytes and the symbols.
func load(path string) (*elf.SectionHeader, []byte, []elf.Symbol, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	text := f.Section(".text")
	if text == nil {
		return nil, nil, nil, fmt.Errorf("no .text")
	}
	code, err := text.Data()
	if err != nil {
		return nil, nil, nil, err
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, nil, nil, err
	}
	return &text.SectionHeader, code, syms, nil
}

// Check analyses the kernel ELF at path and returns the violations and
// the number of functions it visited.
func Check(path string) ([]Violation, int, error) {
	text, code, esyms, err := load(path)
	if err != nil {
		return nil, 0, err
	}
	var syms []sym
	byName := map[string]*sym{}
	for _, s := range esyms {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Value >= text.Addr && s.Value < text.Addr+text.Size {
			syms = append(syms, sym{s.Name, s.Value, s.Value + s.Size})
		}
	}
	sort.Slice(syms, func(i, j int) bool { return syms[i].start < syms[j].start })
	for i := range syms {
		if syms[i].end <= syms[i].start && i+1 < len(syms) {
			syms[i].end = syms[i+1].start
		}
		byName[syms[i].name] = &syms[i]
	}
	at := func(pc uint64) *sym {
		i := sort.Search(len(syms), func(i int) bool { return syms[i].end > pc })
		if i < len(syms) && syms[i].start <= pc {
			return &syms[i]
		}
		return nil
	}
	var out []Violation
	seen := map[string]bool{}
	type item struct {
		s    *sym
		path []string
	}
	var queue []item
	for _, r := range Roots {
		s := byName[r]
		if s == nil {
			return nil, 0, fmt.Errorf("root %s not in the kernel image", r)
		}
		queue = append(queue, item{s, []string{r}})
	}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		if seen[it.s.name] {
			continue
		}
		seen[it.s.name] = true
		body := code[it.s.start-text.Addr : it.s.end-text.Addr]
		for off := 0; off < len(body); {
			inst, err := x86asm.Decode(body[off:], 64)
			if err != nil {
				off++
				continue
			}
			pc := it.s.start + uint64(off)
			off += inst.Len
			if inst.Op != x86asm.CALL && inst.Op != x86asm.JMP && !isJcc(inst.Op) {
				continue
			}
			rel, ok := inst.Args[0].(x86asm.Rel)
			if !ok {
				continue // indirect: covered by Roots
			}
			target := uint64(int64(pc) + int64(inst.Len) + int64(rel))
			callee := at(target)
			if callee == nil || callee == it.s {
				continue
			}
			if why := forbidden(callee.name); why != "" {
				out = append(out, Violation{it.s.name, callee.name, why, it.path})
				continue
			}
			if allowed(callee.name) {
				continue
			}
			queue = append(queue, item{callee, append(append([]string(nil), it.path...), callee.name)})
		}
	}
	return out, len(seen), nil
}

func isJcc(op x86asm.Op) bool {
	switch op {
	case x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JE, x86asm.JNE, x86asm.JG, x86asm.JGE,
		x86asm.JL, x86asm.JLE, x86asm.JS, x86asm.JNS, x86asm.JO, x86asm.JNO, x86asm.JP, x86asm.JNP:
		return true
	}
	return false
}

// X87Allowed are the functions that may use the x87 unit: the boot and
// application-processor entries initialise it (FNINIT) before the CPU
// holds any user state.
var X87Allowed = map[string]bool{"beryl/boot.entry64high.abi0": true, "beryl/arch/x86.apEntry64.abi0": true}

// X87 returns every x87 or MMX instruction in the kernel's text outside
// X87Allowed, as "function: instruction". Lazy switching of user x87
// state (arch/x86/fpu_unsafe.go) relies on the kernel never touching that
// state: its Go code may use only SSE (XMM0-15, MXCSR), which the entry
// path saves for every trap. FXSAVE and FXRSTOR, which move the state,
// are not counted.
func X87(path string) ([]string, int, error) {
	text, code, esyms, err := load(path)
	if err != nil {
		return nil, 0, err
	}
	var out []string
	n := 0
	for _, s := range esyms {
		if elf.ST_TYPE(s.Info) != elf.STT_FUNC || s.Value < text.Addr || s.Value+s.Size > text.Addr+text.Size || X87Allowed[s.Name] {
			continue
		}
		body := code[s.Value-text.Addr : s.Value-text.Addr+s.Size]
		for off := 0; off < len(body); {
			if l := vexLen(body[off:]); l > 0 {
				off += l // AVX: no x87 or MMX operand
				n++
				continue
			}
			inst, err := x86asm.Decode(body[off:], 64)
			if err != nil {
				off++
				continue
			}
			off += inst.Len
			n++
			if usesX87(inst) {
				out = append(out, fmt.Sprintf("%s: %v", s.Name, inst))
			}
		}
	}
	return out, n, nil
}

func usesX87(inst x86asm.Inst) bool {
	switch inst.Op {
	case x86asm.FXSAVE, x86asm.FXSAVE64, x86asm.FXRSTOR, x86asm.FXRSTOR64:
		return false
	case x86asm.EMMS:
		return true
	}
	if strings.HasPrefix(inst.Op.String(), "F") {
		return true
	}
	for _, a := range inst.Args {
		if r, ok := a.(x86asm.Reg); ok && (r >= x86asm.M0 && r <= x86asm.M7 || r >= x86asm.F0 && r <= x86asm.F7) {
			return true
		}
	}
	return false
}

// vexLen returns the length of the VEX-encoded (AVX) instruction at the
// start of b, or 0 if b does not start with one. x86asm does not decode
// VEX, and resuming a byte later would misread the rest of the
// instruction (the runtime's memmove has AVX paths). The length is the
// prefix, the opcode, the ModRM operand (measured by decoding a legacy
// MOVUPS with the same ModRM bytes) and an 8-bit immediate where the
// opcode map or the opcode has one (SDM Vol. 2A §2.3).
func vexLen(b []byte) int {
	if len(b) < 3 || b[0] != 0xC4 && b[0] != 0xC5 {
		return 0
	}
	// In 64-bit mode C4/C5 are always VEX (LES/LDS do not exist).
	pre, m := 2, byte(1) // C5: map 0F
	if b[0] == 0xC4 {
		pre, m = 3, b[1]&0x1F
	}
	if len(b) < pre+1 {
		return 0
	}
	op := b[pre]
	if m == 1 && op == 0x77 {
		return pre + 1 // VZEROUPPER, VZEROALL: no ModRM
	}
	legacy := append([]byte{0x0F, 0x10}, b[pre+1:min(len(b), pre+1+15)]...)
	inst, err := x86asm.Decode(legacy, 64)
	if err != nil {
		return 0
	}
	l := pre + 1 + inst.Len - 2
	if m == 3 || m == 1 && (op >= 0x70 && op <= 0x73 || op == 0xC2 || op == 0xC4 || op == 0xC5 || op == 0xC6) {
		l++
	}
	return l
}

// UserEntry is the asm function every entry from ring 3 goes through.
const UserEntry = "beryl/arch/x86.userTrap.abi0"

// userFlags are the RFLAGS bits an entry from ring 3 must clear before
// kernel code runs: DF (bit 10, Go's ABI) and AC (bit 18, SMAP).
const userFlags = 1<<10 | 1<<18

// EntryFlags checks that fn (UserEntry in the kernel) begins by clearing
// RFLAGS.DF and RFLAGS.AC (PUSHFQ; AND [RSP], mask; POPFQ): an interrupt
// or exception from ring 3 keeps the user's DF and AC (SDM Vol. 3A
// §6.12.1.3), and only SYSCALL masks them (IA32_FMASK). It returns what
// is wrong, or "" when the entry is right.
func EntryFlags(path, fn string) (string, error) {
	text, code, esyms, err := load(path)
	if err != nil {
		return "", err
	}
	for _, s := range esyms {
		if s.Name != fn || s.Value < text.Addr || s.Value >= text.Addr+text.Size {
			continue
		}
		body := code[s.Value-text.Addr:]
		var insts []x86asm.Inst
		for off := 0; len(insts) < 3; {
			inst, err := x86asm.Decode(body[off:], 64)
			if err != nil {
				return fmt.Sprintf("%s: undecodable at +%d", fn, off), nil
			}
			insts = append(insts, inst)
			off += inst.Len
		}
		and := insts[1]
		m, okMem := and.Args[0].(x86asm.Mem)
		imm, okImm := and.Args[1].(x86asm.Imm)
		if insts[0].Op != x86asm.PUSHFQ || insts[2].Op != x86asm.POPFQ || and.Op != x86asm.AND ||
			!okMem || m.Base != x86asm.RSP || m.Index != 0 || m.Disp != 0 || !okImm || uint64(imm)&userFlags != 0 {
			return fmt.Sprintf("%s does not begin by clearing DF and AC: %v; %v; %v", fn, insts[0], insts[1], insts[2]), nil
		}
		return "", nil
	}
	return "", fmt.Errorf("%s: no such function", fn)
}
