#include "textflag.h"
#include "layout.h"

// PHYS(sym, reg) loads the physical address of sym while paging is off.
// The amd64 assembler encodes MOVL $sym(SB), reg as LEAL with a
// RIP-relative disp32; in 32-bit mode the same bytes mean an absolute
// disp32, i.e. reg = sym - (address after the LEAL). A CALL to the next
// instruction yields the physical address of the POP (1 byte) that precedes
// the 6-byte LEAL, so adding EBP+7 converts the difference into sym's
// physical address. Clobbers EBP and one stack word.
#define PHYS(sym, reg) BYTE $0xE8; LONG $0; POPQ BP; MOVL $sym(SB), reg; ADDL BP, reg; ADDL $7, reg

// entry32 is the multiboot entry point (both protocols): 32-bit protected
// mode, paging off, EAX = bootloader magic, EBX = physical address of the
// boot information. Only instructions that encode identically in 32- and
// 64-bit mode are used (no REX prefixes, no 64-bit operands).
TEXT ·entry32(SB),NOSPLIT|NOFRAME,$0
	CLI
	MOVL	$TEMP_STACK, SP
	MOVL	AX, DI
	MOVL	BX, SI
	PHYS(·bootMagic, AX)
	MOVL	DI, (AX)
	PHYS(·bootInfo, AX)
	MOVL	SI, (AX)

	// Boot page tables in a page-aligned slice of bootTables:
	// +0 PML4, +0x1000 PDPT (low and direct map), +0x2000 PDPT (high),
	// +0x3000..+0x6fff four PDs mapping the first 4 GiB with 2 MiB pages.
	PHYS(·bootTables, BX)
	ADDL	$4095, BX
	ANDL	$-4096, BX
	MOVL	BX, DI
	XORL	AX, AX
	MOVL	$(7*1024), CX
	REP;	STOSL

	LEAL	0x1003(BX), AX
	MOVL	AX, 0(BX)		// PML4[0]: identity, for the switch to long mode
	MOVL	AX, 2048(BX)		// PML4[256]: direct map 0xffff800000000000
	LEAL	0x2003(BX), AX
	MOVL	AX, 4088(BX)		// PML4[511]: kernel image
	LEAL	0x3003(BX), AX
	MOVL	AX, 0x1000(BX)		// PDPT[0..3] -> PD0..PD3
	MOVL	AX, 0x2ff0(BX)		// PDPT_high[510] -> PD0: 0xffffffff80000000 -> 0
	ADDL	$0x1000, AX
	MOVL	AX, 0x1008(BX)
	ADDL	$0x1000, AX
	MOVL	AX, 0x1010(BX)
	ADDL	$0x1000, AX
	MOVL	AX, 0x1018(BX)

	LEAL	0x3000(BX), DI
	MOVL	$0x83, AX		// present, writable, 2 MiB page
	MOVL	$2048, CX
pd:
	MOVL	AX, 0(DI)
	ADDL	$0x200000, AX
	ADDL	$8, DI
	DECL	CX
	JNE	pd

	// Long mode (SDM Vol. 3A §10.8.5): PAE, CR3, EFER.LME|NXE, then PG.
	MOVL	CR4, AX
	ORL	$0x20, AX
	MOVL	AX, CR4
	MOVL	BX, CR3
	MOVL	$0xC0000080, CX
	RDMSR
	ORL	$0x900, AX
	WRMSR
	MOVL	CR0, AX
	ORL	$0x80010001, AX		// PG | WP | PE
	MOVL	AX, CR0

	// Compatibility mode now; load a GDT with a 64-bit code segment and
	// far-return into it.
	PHYS(·bootGDT, AX)
	PHYS(·bootGDTR, DX)
	MOVW	$23, 0(DX)
	MOVL	AX, 2(DX)
	MOVL	$0, 6(DX)
	LGDT	(DX)
	PHYS(·entry64, AX)
	PUSHQ	$0x08
	PUSHQ	AX
	BYTE	$0xCB			// LRET (32-bit operand size)

// entry64 runs in 64-bit mode at its physical (identity-mapped) address.
// Absolute addresses can only come from data words here: MOVQ $sym
// would be RIP-relative and yield the low alias.
TEXT ·entry64(SB),NOSPLIT|NOFRAME,$0
	MOVQ	·highEntry(SB), AX
	JMP	AX

// entry64high runs at the kernel's linked (higher-half) address.
TEXT ·entry64high(SB),NOSPLIT|NOFRAME,$0
	MOVQ	$0x10, AX
	MOVW	AX, DS
	MOVW	AX, ES
	MOVW	AX, SS
	XORL	AX, AX
	MOVW	AX, FS
	MOVW	AX, GS
	// Run early() below the top page, which initialStack fills.
	MOVQ	$·bootStack(SB), SP
	ADDQ	$(BOOT_STACK_SIZE-4096), SP

	// SSE for Go code (SDM Vol. 3A §13.1.3): CR0.EM=0, MP=1, NE=1;
	// CR4.OSFXSR|OSXMMEXCPT. CR4.OSXSAVE stays off: no AVX, FXSAVE holds
	// the whole FPU/SSE state.
	MOVQ	CR0, AX
	ANDQ	$~0x4, AX
	ORQ	$0x22, AX
	MOVQ	AX, CR0
	MOVQ	CR4, AX
	ORQ	$0x600, AX
	MOVQ	AX, CR4
	BYTE	$0xDB; BYTE $0xE3	// FNINIT

	// Go code loads g from FS:-8: point FS at a zeroed TLS block.
	MOVQ	$·bootTLS+8(SB), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$0xC0000100, CX
	WRMSR

	// early() returns the stack pointer for the Go runtime: a Linux-style
	// initial process stack (argc, argv, envp, auxv).
	SUBQ	$16, SP
	CALL	·early(SB)
	MOVQ	0(SP), AX
	MOVQ	AX, SP
	XORL	AX, AX
	XORL	BX, BX
	XORL	CX, CX
	XORL	DX, DX
	XORL	SI, SI
	XORL	DI, DI
	XORL	BP, BP
	JMP	_rt0_amd64_linux(SB)

DATA ·highEntry+0(SB)/8, $·entry64high(SB)
GLOBL ·highEntry(SB), RODATA, $8

// Boot GDT: null, 64-bit code (L=1), data.
DATA ·bootGDT+0(SB)/8, $0
DATA ·bootGDT+8(SB)/8, $0x00AF9A000000FFFF
DATA ·bootGDT+16(SB)/8, $0x00CF92000000FFFF
GLOBL ·bootGDT(SB), NOPTR, $24
GLOBL ·bootGDTR(SB), NOPTR, $16
GLOBL ·bootMagic(SB), NOPTR, $4
GLOBL ·bootInfo(SB), NOPTR, $4
GLOBL ·bootTables(SB), NOPTR, $(8*4096)
GLOBL ·bootStack(SB), NOPTR, $BOOT_STACK_SIZE
GLOBL ·bootTLS(SB), NOPTR, $64

// bootMagicValue and bootInfoValue read what entry32 saved.
TEXT ·bootMagicValue(SB),NOSPLIT,$0-4
	MOVL	·bootMagic(SB), AX
	MOVL	AX, ret+0(FP)
	RET

TEXT ·bootInfoValue(SB),NOSPLIT,$0-4
	MOVL	·bootInfo(SB), AX
	MOVL	AX, ret+0(FP)
	RET

// bootStackBounds returns the boot stack's [lo, hi).
TEXT ·bootStackBounds(SB),NOSPLIT,$0-16
	MOVQ	$·bootStack(SB), AX
	MOVQ	AX, lo+0(FP)
	ADDQ	$BOOT_STACK_SIZE, AX
	MOVQ	AX, hi+8(FP)
	RET

// bootTablesAddr returns the address of bootTables.
TEXT ·bootTablesAddr(SB),NOSPLIT,$0-8
	MOVQ	$·bootTables(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
