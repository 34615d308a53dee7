#include "textflag.h"

// FXSAVE images: expected at R8, current at R9 (16-aligned, in the frame).
// BX holds the next value to place (stepped by R10); AX is scratch.
#define NEXT ADDQ R10, BX; MOVQ BX, AX
#define FILL_XMM(x) NEXT; MOVQ AX, x; NEXT; PINSRQ $1, AX, x

// func Loop(seed uint64, n, spin int, nr, arg uintptr) int
TEXT ·Loop(SB),0,$1088-48
	LEAQ	32(SP), R8
	ADDQ	$15, R8
	ANDQ	$~15, R8
	LEAQ	512(R8), R9
	// FXSAVE leaves the reserved bytes of each ST slot alone: zero both
	// images so that those compare equal.
	XORL	AX, AX
	MOVQ	$0, CX
zero:
	MOVQ	AX, (R8)(CX*8)
	INCQ	CX
	CMPQ	CX, $128
	JLT	zero
	MOVQ	seed+0(FP), BX
	MOVQ	$0x9E3779B97F4A7C15, R10
	FILL_XMM(X0); FILL_XMM(X1); FILL_XMM(X2); FILL_XMM(X3)
	FILL_XMM(X4); FILL_XMM(X5); FILL_XMM(X6); FILL_XMM(X7)
	FILL_XMM(X8); FILL_XMM(X9); FILL_XMM(X10); FILL_XMM(X11)
	FILL_XMM(X12); FILL_XMM(X13); FILL_XMM(X14); FILL_XMM(X15)
	// Eight integers onto the x87 stack: FILD m64int [RAX] (DF /5).
	MOVQ	$8, CX
push:
	NEXT
	SHRQ	$12, AX
	MOVQ	AX, 0(R9)
	MOVQ	R9, AX
	BYTE	$0xDF; BYTE $0x28
	DECQ	CX
	JNZ	push
	// FCW: round toward zero, all exceptions masked; FLDCW [RAX] (D9 /5).
	MOVW	$0x0F7F, 0(R9)
	MOVQ	R9, AX
	BYTE	$0xD9; BYTE $0x28
	// MXCSR: round toward zero, all exceptions masked.
	MOVL	$0x7F80, 0(R9)
	LDMXCSR	0(R9)
	FXSAVE64	(R8)
	MOVQ	$0, R12			// iteration
	MOVQ	n+8(FP), R13
loop:
	CMPQ	R12, R13
	JGE	pass
	MOVQ	spin+16(FP), CX
spinning:
	DECQ	CX
	JGT	spinning
	MOVQ	nr+24(FP), AX
	MOVQ	arg+32(FP), DI
	XORL	SI, SI
	XORL	DX, DX
	SYSCALL				// clobbers RAX, RCX, R11
	FXSAVE64	(R9)
	// FCW, FSW and FTW; not FOP, FIP and FDP (the last x87 instruction's
	// opcode and addresses, which QEMU's FXRSTOR does not restore).
	MOVQ	0(R8), AX
	XORQ	0(R9), AX
	SHLQ	$16, AX
	JNE	fail
	MOVQ	$3, CX			// from MXCSR on
compare:
	MOVQ	(R8)(CX*8), AX
	CMPQ	AX, (R9)(CX*8)
	JNE	fail
	INCQ	CX
	CMPQ	CX, $52			// 416 bytes: up to the end of XMM15
	JLT	compare
	INCQ	R12
	JMP	loop
fail:
	MOVQ	R12, ret+40(FP)
	JMP	done
pass:
	MOVQ	$-1, ret+40(FP)
done:
	BYTE	$0xDB; BYTE $0xE3	// FNINIT
	MOVL	$0x1F80, 0(R9)
	LDMXCSR	0(R9)
	XORPS	X15, X15
	RET
