package x86

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// TestTrampoline decodes the hand-assembled start-up code: the real-mode
// part in 16-bit mode, the rest in 64-bit mode, each instruction as
// documented, with the parameter offsets the Go side writes.
func TestTrampoline(t *testing.T) {
	want16 := []string{
		"cli", "cld", "mov ax, cs", "mov ds, ax",
		fmt.Sprintf("lgdt ptr [%#x]", trampGDTR),
		"mov eax, cr4", "or eax, 0x20", "mov cr4, eax",
		fmt.Sprintf("mov eax, dword ptr [%#x]", trampCR3),
		"mov cr3, eax", "mov ecx, -0x3fffff80" /* 0xC0000080 */, "rdmsr", "or eax, 0x900", "wrmsr",
		"mov eax, cr0", "or eax, -0x7ffeffff" /* 0x80010001 */, "mov cr0, eax",
		fmt.Sprintf("jmp far ptr [%#x]", trampJump),
	}
	want64 := []string{
		"mov eax, 0x10", "mov ds, ax", "mov es, ax", "mov ss, ax",
		"mov rsp, qword ptr [" + fmt.Sprintf("%#x", trampStack) + "]",
		"mov rdi, qword ptr [" + fmt.Sprintf("%#x", trampCPU) + "]",
		"mov rsi, qword ptr [" + fmt.Sprintf("%#x", trampKCR3) + "]",
		"mov rax, qword ptr [" + fmt.Sprintf("%#x", trampEntry) + "]",
		"jmp rax",
	}
	code := trampolineCode[:]
	pc := 0
	decode := func(mode int, want []string) {
		for _, w := range want {
			in, err := x86asm.Decode(code[pc:], mode)
			if err != nil {
				t.Fatalf("%#x: %v", pc, err)
			}
			got := x86asm.IntelSyntax(in, uint64(pc), nil)
			// RIP-relative operands: name the absolute target.
			if mode == 64 && in.Args[1] != nil {
				if m, ok := in.Args[1].(x86asm.Mem); ok && m.Base == x86asm.RIP {
					got = strings.SplitN(got, "[", 2)[0] + fmt.Sprintf("[%#x]", int64(pc+in.Len)+m.Disp)
				}
			}
			if !strings.EqualFold(strings.Join(strings.Fields(got), " "), w) {
				t.Errorf("%#x: %q, want %q", pc, got, w)
			}
			pc += in.Len
		}
	}
	decode(16, want16)
	if pc != trampCode64 {
		t.Fatalf("64-bit code at %#x, trampCode64 = %#x", pc, trampCode64)
	}
	decode(64, want64)
	if pc != len(code) || len(code) >= trampGDT {
		t.Errorf("code is %d bytes, decoded %d; must end before the GDT at %#x", len(code), pc, trampGDT)
	}
}

// TestCPULayout checks the CPU fields assembly reads.
func TestCPULayout(t *testing.T) {
	if !cpuLayoutOK() {
		t.Fatal("CPU field offsets differ from the assembly's")
	}
	var c CPU
	if p := uintptr(len(c.TSS.hdr) * 4); p != tssHeader || len(c.TSS.IOPB) < IOBitmapSize+1 {
		t.Errorf("TSS header %d bytes, IOPB %d", p, len(c.TSS.IOPB))
	}
}
