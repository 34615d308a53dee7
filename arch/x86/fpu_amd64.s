#include "textflag.h"

// func thisCPU() *CPU
TEXT ·thisCPU(SB),NOSPLIT,$0-8
	MOVQ	0(GS), AX		// CPU.self
	MOVQ	AX, ret+0(FP)
	RET

// func fxsave(p uintptr)
TEXT ·fxsave(SB),NOSPLIT,$0-8
	MOVQ	p+0(FP), AX
	FXSAVE64	(AX)
	RET
