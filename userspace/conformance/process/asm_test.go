package process

import "encoding/binary"

// A few x86-64 instructions for the raw threads of the suspend and
// debugger cases (SDM Vol. 2). Registers by their encoding number.
const (
	rAX = iota
	rCX
	rDX
	rBX
	rSP
	rBP
	rSI
	rDI
	r8
	r9
	r10
	r11
	r12
	r13
	r14
	r15
)

type asm []byte

func rex(w bool, reg, base int) byte {
	b := byte(0x40)
	if w {
		b |= 8
	}
	if reg >= 8 {
		b |= 4
	}
	if base >= 8 {
		b |= 1
	}
	return b
}

// modrmDisp32 appends a ModRM with mod=10 (disp32) for [base+disp],
// with the SIB byte RSP and R12 need.
func (a asm) modrmDisp32(reg, base int, disp int32) asm {
	a = append(a, 0x80|byte(reg&7)<<3|byte(base&7))
	if base&7 == 4 {
		a = append(a, 0x24)
	}
	return binary.LittleEndian.AppendUint32(a, uint32(disp))
}

// movImm: MOV r64, imm64 (REX.W B8+r).
func (a asm) movImm(reg int, v uint64) asm {
	a = append(a, rex(true, 0, reg), 0xb8+byte(reg&7))
	return binary.LittleEndian.AppendUint64(a, v)
}

// mov: MOV dst, src (REX.W 89 /r).
func (a asm) mov(dst, src int) asm {
	return append(a, rex(true, src, dst), 0x89, 0xc0|byte(src&7)<<3|byte(dst&7))
}

// lea: LEA dst, [base+disp] (REX.W 8D /r).
func (a asm) lea(dst, base int, disp int32) asm {
	return append(a, rex(true, dst, base), 0x8d).modrmDisp32(dst, base, disp)
}

// store64: MOV [base+disp], src (REX.W 89 /r).
func (a asm) store64(base int, disp int32, src int) asm {
	return append(a, rex(true, src, base), 0x89).modrmDisp32(src, base, disp)
}

// store32: MOV [base+disp], src32 (89 /r).
func (a asm) store32(base int, disp int32, src int) asm {
	return append(a, rex(false, src, base), 0x89).modrmDisp32(src, base, disp)
}

// load32: MOV dst32, [base+disp] (8B /r); the upper half is zeroed.
func (a asm) load32(dst, base int, disp int32) asm {
	return append(a, rex(false, dst, base), 0x8b).modrmDisp32(dst, base, disp)
}

// addMem8: ADD qword [base+disp], imm8 (REX.W 83 /0 ib).
func (a asm) addMem8(base int, disp int32, v int8) asm {
	return append(append(a, rex(true, 0, base), 0x83).modrmDisp32(0, base, disp), byte(v))
}

// sys: MOV RAX, num; SYSCALL.
func (a asm) sys(num uint32) asm { return append(a.movImm(rAX, uint64(num)), 0x0f, 0x05) }

// spin: JMP to itself; it returns the spin's offset.
func (a asm) spin() (asm, int) { return append(a, 0xeb, 0xfe), len(a) }

// ud2 ends code that must not run on.
func (a asm) ud2() asm { return append(a, 0x0f, 0x0b) }
