#include "textflag.h"

// Offsets in CPU (percpu_unsafe.go).
#define CPU_ID 0x40
#define CPU_TLS 0x48

// apEntry64 is where the start-up trampoline (smp_unsafe.go) jumps, in
// 64-bit mode on the boot page tables, with interrupts disabled: SP is
// the CPU's idle stack, DI its *CPU, SI the kernel's CR3. It finishes the
// CPU state the Go code needs (as entry64high does on the boot CPU: SSE,
// global pages, FS at a TLS block), switches to the kernel page tables,
// runs apMain and idles.
// Trap path: runs before the CPU takes any interrupt; allocates nothing.
TEXT ·apEntry64(SB),NOSPLIT|NOFRAME,$0
	// SSE (SDM Vol. 3A §13.1.3) and global pages, which the kernel's
	// page tables use (CR4.PGE).
	MOVQ	CR0, AX
	ANDQ	$~0x4, AX
	ORQ	$0x22, AX
	MOVQ	AX, CR0
	MOVQ	CR4, AX
	ORQ	$0x680, AX
	MOVQ	AX, CR4
	BYTE	$0xDB; BYTE $0xE3	// FNINIT
	MOVQ	SI, CR3
	LEAQ	(CPU_TLS+8)(DI), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$0xC0000100, CX
	WRMSR
	SUBQ	$16, SP
	MOVQ	DI, 0(SP)
	CALL	·apMain(SB)
	JMP	·IdleLoop(SB)

// apEntry64Addr returns the ABI0 address of apEntry64.
TEXT ·apEntry64Addr(SB),NOSPLIT,$0-8
	MOVQ	$·apEntry64(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// ThisCPUID returns the number of the CPU it runs on (GS-relative: valid
// in ring 0 once the CPU is initialised).
TEXT ·ThisCPUID(SB),NOSPLIT,$0-4
	MOVL	CPU_ID(GS), AX
	MOVL	AX, ret+0(FP)
	RET
