#include "textflag.h"

// Per-CPU offsets from the GS base (see CPU in percpu_unsafe.go).
#define CPU_TRAPSTACK 0x08
#define CPU_SCRATCH 0x10

// trapCommon is joined by every IDT stub (vector and error code already
// pushed) and by syscallEntry. It saves the general registers above the
// hardware frame, FXSAVEs the x87/SSE state below them (the Go handler is
// free to use XMM registers, and Go's ABI wrappers zero X15), and calls
// dispatch(frame, fx). Both the frame and the FXSAVE image live on the trap
// stack, so nested traps (a page fault taken while serving a syscall) need
// no extra bookkeeping; a thread switch copies them to and from the thread.
// Trap path: runs with interrupts disabled and allocates nothing.
TEXT ·trapCommon(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	AX
	PUSHQ	BX
	PUSHQ	CX
	PUSHQ	DX
	PUSHQ	SI
	PUSHQ	DI
	PUSHQ	BP
	PUSHQ	R8
	PUSHQ	R9
	PUSHQ	R10
	PUSHQ	R11
	PUSHQ	R12
	PUSHQ	R13
	PUSHQ	R14
	PUSHQ	R15
	CLD
	MOVQ	SP, BX
	SUBQ	$(512+16), SP
	ANDQ	$~15, SP
	FXSAVE64	(SP)
	MOVQ	SP, CX
	SUBQ	$32, SP
	MOVQ	BX, 0(SP)
	MOVQ	CX, 8(SP)
	MOVQ	BX, 16(SP)	// kept beyond the argument words: the callee owns those
	MOVQ	CX, 24(SP)
	CALL	·dispatch(SB)
	MOVQ	16(SP), BX
	MOVQ	24(SP), CX
	FXRSTOR64	(CX)
	MOVQ	BX, SP
	POPQ	R15
	POPQ	R14
	POPQ	R13
	POPQ	R12
	POPQ	R11
	POPQ	R10
	POPQ	R9
	POPQ	R8
	POPQ	BP
	POPQ	DI
	POPQ	SI
	POPQ	DX
	POPQ	CX
	POPQ	BX
	POPQ	AX
	ADDQ	$16, SP		// vector and error code
	IRETQ

// syscallEntry is the IA32_LSTAR target (SDM Vol. 2B "SYSCALL": RCX gets
// the return RIP, R11 gets RFLAGS, RFLAGS is masked by IA32_FMASK, RSP is
// not switched). It moves to the trap stack at once and builds an
// interrupt-style frame so that every entry returns through IRETQ: SYSRET
// can only return to ring 3, and the kernel's own Go runtime issues
// SYSCALL from ring 0.
// Trap path: interrupts are already masked by IA32_FMASK.
TEXT ·syscallEntry(SB),NOSPLIT|NOFRAME,$0
	MOVQ	SP, CPU_SCRATCH(GS)
	MOVQ	CPU_TRAPSTACK(GS), SP
	PUSHQ	$0x10			// SS
	PUSHQ	CPU_SCRATCH(GS)		// RSP
	PUSHQ	R11			// RFLAGS
	PUSHQ	$0x08			// CS
	PUSHQ	CX			// RIP
	PUSHQ	$0			// error code
	PUSHQ	$256			// VectorSyscall
	JMP	·trapCommon(SB)

// enterFrame loads the register state of f (a *Frame, with its FXSAVE image
// fx) and IRETQs into it. Used to start the first context; never returns.
TEXT ·enterFrame(SB),NOSPLIT|NOFRAME,$0-16
	MOVQ	f+0(FP), BX
	MOVQ	fx+8(FP), CX
	FXRSTOR64	(CX)
	MOVQ	BX, SP
	POPQ	R15
	POPQ	R14
	POPQ	R13
	POPQ	R12
	POPQ	R11
	POPQ	R10
	POPQ	R9
	POPQ	R8
	POPQ	BP
	POPQ	DI
	POPQ	SI
	POPQ	DX
	POPQ	CX
	POPQ	BX
	POPQ	AX
	ADDQ	$16, SP
	IRETQ

// vectorAddr returns the address of IDT stub v.
TEXT ·vectorAddr(SB),NOSPLIT,$0-16
	MOVQ	v+0(FP), AX
	MOVQ	$·vectorTable(SB), BX
	MOVQ	(BX)(AX*8), AX
	MOVQ	AX, ret+8(FP)
	RET

// syscallEntryAddr returns the ABI0 address of syscallEntry.
TEXT ·syscallEntryAddr(SB),NOSPLIT,$0-8
	MOVQ	$·syscallEntry(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// IdleLoopPC returns the ABI0 address of IdleLoop.
TEXT ·IdleLoopPC(SB),NOSPLIT,$0-8
	MOVQ	$·IdleLoop(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
