#include "textflag.h"

// func StoreByte(p *byte, v byte)
TEXT ·StoreByte(SB),NOSPLIT,$0-9
	MOVQ	p+0(FP), DI
	MOVB	v+8(FP), AX
	STD
	MOVB	AX, (DI)
	CLD
	RET
