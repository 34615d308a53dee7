#include "textflag.h"

// Offsets in tscClock (tscclock.go).
#define TSC_SEQ 0
#define TSC_BASE 8
#define TSC_NSBASE 16
#define TSC_MULT 24
#define TSC_EPOCH 32

// func vdsoClockGettime(); C ABI: DI = clockid_t, SI = struct timespec *.
// Clobbers AX, CX, DX, R8, R9 (caller-saved in the System V ABI).
TEXT ·vdsoClockGettime(SB),NOSPLIT|NOFRAME,$0
	LEAQ	·tsc(SB), R8
retry:
	MOVQ	TSC_SEQ(R8), R9
	TESTQ	$1, R9
	JEQ	read
	PAUSE
	JMP	retry
read:
	RDTSC				// SDM Vol. 2B "RDTSC": EDX:EAX
	SHLQ	$32, DX
	ORQ	DX, AX
	SUBQ	TSC_BASE(R8), AX
	MULQ	TSC_MULT(R8)		// DX:AX = ticks * mult
	SHRQ	$32, AX
	SHLQ	$32, DX
	ORQ	DX, AX
	ADDQ	TSC_NSBASE(R8), AX
	TESTQ	DI, DI			// CLOCK_REALTIME
	JNE	check
	ADDQ	TSC_EPOCH(R8), AX
check:
	CMPQ	TSC_SEQ(R8), R9
	JNE	retry
	MOVQ	$1000000000, CX
	XORL	DX, DX
	DIVQ	CX
	MOVQ	AX, 0(SI)		// tv_sec
	MOVQ	DX, 8(SI)		// tv_nsec
	XORL	AX, AX
	RET

// func VDSOClockGettimePC() uintptr
TEXT ·VDSOClockGettimePC(SB),NOSPLIT,$0-8
	MOVQ	$·vdsoClockGettime(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
