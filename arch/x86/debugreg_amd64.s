#include "textflag.h"

// Debug-register switching (debugreg.go; SDM Vol. 3B §18.2).

#define CPU_USERCTX 0x30
#define CPU_USERDR7 0x80
#define CPU_DBGCTX 0x88
#define CPU_DBGGEN 0x90

// UserContext.Debug (usermode_unsafe.go): DR0-DR3, DR7, DR6, Gen.
#define UC_DR0 768
#define UC_DR7 (UC_DR0+32)
#define UC_DR6 (UC_DR0+40)
#define UC_DBGGEN (UC_DR0+48)

// switchDebugRegs: BX = the context EnterUser is about to run.
TEXT ·switchDebugRegs(SB),NOSPLIT|NOFRAME,$0
	MOVQ	UC_DR7(BX), AX
	TESTQ	AX, AX
	JEQ	disarm
	// Loaded already: the same context and write.
	CMPQ	BX, CPU_DBGCTX(GS)
	JNE	load
	MOVQ	UC_DBGGEN(BX), AX
	CMPQ	AX, CPU_DBGGEN(GS)
	JNE	load
	RET
load:
	MOVQ	UC_DR0(BX), AX
	MOVQ	AX, DR0
	MOVQ	(UC_DR0+8)(BX), AX
	BYTE	$0x0F; BYTE $0x23; BYTE $0xC8	// MOV DR1, RAX (Go's assembler has no DR1 operand)
	MOVQ	(UC_DR0+16)(BX), AX
	MOVQ	AX, DR2
	MOVQ	(UC_DR0+24)(BX), AX
	MOVQ	AX, DR3
	MOVQ	UC_DR7(BX), AX
	MOVQ	AX, DR7
	MOVQ	AX, CPU_USERDR7(GS)
	MOVQ	BX, CPU_DBGCTX(GS)
	MOVQ	UC_DBGGEN(BX), AX
	MOVQ	AX, CPU_DBGGEN(GS)
	RET
disarm:
	// DR7 = 0 disarms all four (§18.2.4); DR0-DR3 may keep stale
	// addresses.
	MOVQ	AX, DR7
	MOVQ	AX, CPU_USERDR7(GS)
	MOVQ	AX, CPU_DBGCTX(GS)
	RET

// saveDebugStatus: the context that trapped is CPU_USERCTX.
TEXT ·saveDebugStatus(SB),NOSPLIT|NOFRAME,$0
	MOVQ	CPU_USERCTX(GS), AX
	MOVQ	DR6, CX
	MOVQ	CX, UC_DR6(AX)
	// Bits 63:32 of DR6 must be written as 0 (§18.2.3): MOVL zero-extends.
	MOVL	$0xffff0ff0, CX
	MOVQ	CX, DR6
	RET
