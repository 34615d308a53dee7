#include "textflag.h"

// func rdrand64() (v uint64, ok bool): ok = CF (SDM Vol. 2B "RDRAND").
TEXT ·rdrand64(SB),NOSPLIT,$0-9
	RDRANDQ	AX
	SETCS	BX
	MOVQ	AX, v+0(FP)
	MOVB	BX, ok+8(FP)
	RET

// func rdseed64() (v uint64, ok bool): ok = CF (SDM Vol. 2B "RDSEED").
TEXT ·rdseed64(SB),NOSPLIT,$0-9
	RDSEEDQ	AX
	SETCS	BX
	MOVQ	AX, v+0(FP)
	MOVB	BX, ok+8(FP)
	RET
