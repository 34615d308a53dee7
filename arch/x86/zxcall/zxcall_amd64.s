#include "textflag.h"

// Register convention (Zircon x86-64, docs/concepts/kernel/vdso.md): number
// in AX; arguments in DI, SI, DX, R10, R8, R9, R12, R13; result in AX. The
// SYSCALL instruction overwrites CX (return RIP) and R11 (RFLAGS), Intel
// SDM Vol. 2B, SYSCALL. ABI0 functions may clobber every general register
// but SP and BP, so R12 and R13 need no saving.

// func Call(num, a0, a1, a2, a3, a4, a5, a6, a7 uintptr) uintptr
TEXT ·Call(SB), NOSPLIT, $0-80
	CALL	runtime·entersyscall(SB)
	MOVQ	num+0(FP), AX
	MOVQ	a0+8(FP), DI
	MOVQ	a1+16(FP), SI
	MOVQ	a2+24(FP), DX
	MOVQ	a3+32(FP), R10
	MOVQ	a4+40(FP), R8
	MOVQ	a5+48(FP), R9
	MOVQ	a6+56(FP), R12
	MOVQ	a7+64(FP), R13
	SYSCALL
	MOVQ	AX, ret+72(FP)
	CALL	runtime·exitsyscall(SB)
	RET

// func RawCall(num, a0, a1, a2, a3, a4, a5, a6, a7 uintptr) uintptr
TEXT ·RawCall(SB), NOSPLIT, $0-80
	MOVQ	num+0(FP), AX
	MOVQ	a0+8(FP), DI
	MOVQ	a1+16(FP), SI
	MOVQ	a2+24(FP), DX
	MOVQ	a3+32(FP), R10
	MOVQ	a4+40(FP), R8
	MOVQ	a5+48(FP), R9
	MOVQ	a6+56(FP), R12
	MOVQ	a7+64(FP), R13
	SYSCALL
	MOVQ	AX, ret+72(FP)
	RET
