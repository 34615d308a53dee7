#include "textflag.h"

// Per-CPU offsets from the GS base (see CPU in percpu_unsafe.go).
#define CPU_TRAPSTACK 0x08
#define CPU_SCRATCH 0x10
#define CPU_KERNRSP 0x18
#define CPU_KERNRBP 0x20
#define CPU_KERNFS 0x28
#define CPU_USERCTX 0x30
#define CPU_KERNFX 0x38
#define CPU_FPCTX 0x58
#define CPU_IOPBGEN 0x68
#define CPU_IOPBADDR 0x70
#define CPU_ID 0x40
#define CPU_USERGS 0x78
#define CPU_USERDR7 0x80

// UserContext offsets (usermode.go): the Frame layout, then FSBase, CR2,
// CR3, ..., GSBase, the FXSAVE image at 256 and the debug registers.
#define UC_VECTOR 120
#define UC_ERR 128
#define UC_RIP 136
#define UC_CS 144
#define UC_RFLAGS 152
#define UC_RSP 160
#define UC_SS 168
#define UC_FSBASE 176
#define UC_CR2 184
#define UC_CR3 192
#define UC_IOPB 200
#define UC_IOPBGEN 208
#define UC_GSBASE 216
#define UC_USERNS 248
#define UC_FX 256
#define UC_DR7 (UC_FX+512+32)
// In the FXSAVE image (SDM Vol. 1 §10.5.1, Table 10-2): MXCSR, XMM0.
#define UC_MXCSR (UC_FX+24)
#define UC_XMM (UC_FX+160)

// SAVE_XMM and LOAD_XMM move XMM0-15 between the registers and the
// FXSAVE image of the UserContext at r.
#define SAVE_XMM(r) \
	MOVUPS	X0, UC_XMM+0(r); MOVUPS	X1, UC_XMM+16(r); \
	MOVUPS	X2, UC_XMM+32(r); MOVUPS	X3, UC_XMM+48(r); \
	MOVUPS	X4, UC_XMM+64(r); MOVUPS	X5, UC_XMM+80(r); \
	MOVUPS	X6, UC_XMM+96(r); MOVUPS	X7, UC_XMM+112(r); \
	MOVUPS	X8, UC_XMM+128(r); MOVUPS	X9, UC_XMM+144(r); \
	MOVUPS	X10, UC_XMM+160(r); MOVUPS	X11, UC_XMM+176(r); \
	MOVUPS	X12, UC_XMM+192(r); MOVUPS	X13, UC_XMM+208(r); \
	MOVUPS	X14, UC_XMM+224(r); MOVUPS	X15, UC_XMM+240(r)
#define LOAD_XMM(r) \
	MOVUPS	UC_XMM+0(r), X0; MOVUPS	UC_XMM+16(r), X1; \
	MOVUPS	UC_XMM+32(r), X2; MOVUPS	UC_XMM+48(r), X3; \
	MOVUPS	UC_XMM+64(r), X4; MOVUPS	UC_XMM+80(r), X5; \
	MOVUPS	UC_XMM+96(r), X6; MOVUPS	UC_XMM+112(r), X7; \
	MOVUPS	UC_XMM+128(r), X8; MOVUPS	UC_XMM+144(r), X9; \
	MOVUPS	UC_XMM+160(r), X10; MOVUPS	UC_XMM+176(r), X11; \
	MOVUPS	UC_XMM+192(r), X12; MOVUPS	UC_XMM+208(r), X13; \
	MOVUPS	UC_XMM+224(r), X14; MOVUPS	UC_XMM+240(r), X15

// trapCommon is joined by every IDT stub (vector and error code already
// pushed) and by syscallEntry. It saves the general registers above the
// hardware frame, FXSAVEs the x87/SSE state below them (the Go handler is
// free to use XMM registers, and Go's ABI wrappers zero X15), and calls
// dispatch(frame, fx). Both the frame and the FXSAVE image live on the trap
// stack, so nested traps (a page fault taken while serving a syscall) need
// no extra bookkeeping; a thread switch copies them to and from the thread.
// Trap path: runs with interrupts disabled and allocates nothing.
TEXT ·trapCommon(SB),NOSPLIT|NOFRAME,$0
	TESTQ	$3, 24(SP)		// CS of the interrupted context
	JEQ	kernel
	JMP	·userTrap(SB)
kernel:
	JMP	·trapKernel(SB)

// trapKernel is trapCommon for a frame interrupted in ring 0.
TEXT ·trapKernel(SB),NOSPLIT|NOFRAME,$0
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
	// The return RIP tells the rings apart: the kernel lives in the upper
	// half (negative), user code in the lower half.
	TESTQ	CX, CX
	JNS	user
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
user:
	SWAPGS
	MOVQ	SP, CPU_SCRATCH(GS)
	MOVQ	CPU_TRAPSTACK(GS), SP
	PUSHQ	$0x23			// user SS
	PUSHQ	CPU_SCRATCH(GS)
	PUSHQ	R11
	PUSHQ	$0x2b			// user CS
	PUSHQ	CX
	PUSHQ	$0
	PUSHQ	$256
	SWAPGS				// userTrap swaps back, as for interrupts
	JMP	·userTrap(SB)

// userTrap handles every entry from ring 3 (interrupt, exception or
// SYSCALL; vector and error code already pushed). It saves the user state
// into the current UserContext and restores the kernel's GS, FS and
// MXCSR. A SYSCALL or an exception then returns straight to the
// Go code after EnterUser (RSP and RBP as EnterUser left them, interrupts
// on): the Go thread loop serves it, and nothing else needs the trap
// frame. An interrupt instead has the hardware frame rewritten into the
// kernel continuation of EnterUser (ring 0, RIP = userReturn, RSP = the
// stack EnterUser was called on) and goes through trapKernel like any
// kernel trap, so the interrupt is serviced and the kernel thread can be
// switched out right here.
// RFLAGS.DF and RFLAGS.AC are cleared first: an interrupt or exception
// leaves the user's DF and AC in RFLAGS (SDM Vol. 3A §6.12.1.3: delivery
// clears only TF, VM, RF, NT and, through an interrupt gate, IF; only
// SYSCALL masks them, through IA32_FMASK). The Go code an exception
// returns to needs DF clear (Go's ABI): a user fault in the middle of a
// backward copy (STD; REP MOVSQ, as Go's own memmove does for
// overlapping moves) would otherwise run the kernel's fault handling,
// and whatever its thread runs next, with every REP MOVS copying
// downward over the memory below its target. AC set in ring 0 turns
// SMAP's check of supervisor accesses to user pages off (SDM Vol. 3A
// §4.6.1), so a user program could switch it off for the kernel's whole
// handling of its faults. PUSHFQ/POPFQ rather than CLD and CLAC: CLAC is
// #UD on CPUs without SMAP. The stack is the kernel's (RSP0 or IST).
// Trap path: interrupts disabled, no allocation.
TEXT ·userTrap(SB),NOSPLIT|NOFRAME,$0
	PUSHFQ
	ANDQ	$~0x40400, (SP)		// AC (bit 18), DF (bit 10)
	POPFQ
	SWAPGS
	PUSHQ	AX
	MOVQ	CPU_USERCTX(GS), AX
	MOVQ	R15, 0(AX)
	MOVQ	R14, 8(AX)
	MOVQ	R13, 16(AX)
	MOVQ	R12, 24(AX)
	MOVQ	R11, 32(AX)
	MOVQ	R10, 40(AX)
	MOVQ	R9, 48(AX)
	MOVQ	R8, 56(AX)
	MOVQ	BP, 64(AX)
	MOVQ	DI, 72(AX)
	MOVQ	SI, 80(AX)
	MOVQ	DX, 88(AX)
	MOVQ	CX, 96(AX)
	MOVQ	BX, 104(AX)
	POPQ	BX
	MOVQ	BX, 112(AX)
	MOVQ	0(SP), BX
	MOVQ	BX, UC_VECTOR(AX)
	MOVQ	8(SP), BX
	MOVQ	BX, UC_ERR(AX)
	MOVQ	16(SP), BX
	MOVQ	BX, UC_RIP(AX)
	MOVQ	24(SP), BX
	MOVQ	BX, UC_CS(AX)
	MOVQ	32(SP), BX
	MOVQ	BX, UC_RFLAGS(AX)
	MOVQ	40(SP), BX
	MOVQ	BX, UC_RSP(AX)
	MOVQ	48(SP), BX
	MOVQ	BX, UC_SS(AX)
	MOVQ	CR2, BX
	MOVQ	BX, UC_CR2(AX)
	// With lazy switching (fpu_unsafe.go) the x87 state stays in the
	// registers: only what the kernel's Go code may change is saved.
	CMPL	·lazyFPU(SB), $0
	JEQ	fxsave
	SAVE_XMM(AX)
	STMXCSR	UC_MXCSR(AX)
	JMP	fxsaved
fxsave:
	FXSAVE64	UC_FX(AX)
fxsaved:
	// The kernel's Go code needs only MXCSR at its default (Go on amd64
	// uses no x87, and its ABI wrappers zero X15): one LDMXCSR instead of
	// restoring a whole clean FXSAVE image. The user's XMM contents stay
	// in the registers until EnterUser restores the thread's own.
	MOVQ	CPU_KERNFX(GS), BX
	LDMXCSR	24(BX)
	MOVQ	CPU_KERNFS(GS), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$0xC0000100, CX
	WRMSR
	MOVQ	0(SP), BX
	CMPQ	BX, $32
	JCS	exception		// exception: below 32
	CMPQ	BX, $256
	JEQ	direct			// SYSCALL
	CMPL	BX, ·userTickVector(SB)
	JNE	notick
	MOVQ	CPU_USERCTX(GS), AX	// the timer found the thread in ring 3
	MOVQ	·userTickNs(SB), CX
	ADDQ	CX, UC_USERNS(AX)
notick:
	MOVQ	$·userReturn(SB), BX
	MOVQ	BX, 16(SP)
	MOVQ	$0x08, 24(SP)
	MOVQ	$0x202, 32(SP)
	MOVQ	CPU_KERNRSP(GS), BX
	MOVQ	BX, 40(SP)
	MOVQ	$0x10, 48(SP)
	MOVQ	CPU_KERNRBP(GS), BP
	JMP	·trapKernel(SB)
exception:
	CMPQ	BX, $1			// #DB: DR6 says why (debugreg.go)
	JNE	direct
	CALL	·saveDebugStatus(SB)
direct:
	MOVQ	CPU_KERNRSP(GS), SP
	MOVQ	CPU_KERNRBP(GS), BP
	STI
	RET				// from EnterUser

// EnterUser runs the user context ctx in ring 3 until it traps, then
// returns (directly from userTrap for a SYSCALL or an exception; through
// trapCommon and userReturn for an interrupt). ctx must be 16-byte
// aligned (its FXSAVE image is at +256). A context that is a plain return
// from SYSCALL (RCX = RIP, canonical, and R11 = the RFLAGS IRETQ would
// load: SDM Vol. 2B "SYSCALL" leaves them so) resumes with SYSRET, which
// loads exactly what IRETQ would; anything else (a signal frame, a
// restored context, an interrupted thread) resumes with IRETQ.
// NOFRAME: userTrap returns with a RET from the RSP saved here, which must
// point at the return address (not at a saved frame pointer).
TEXT ·EnterUser(SB),NOSPLIT|NOFRAME,$0-8
	CLI
	MOVQ	ctx+0(FP), BX
	CMPL	·lazyFPU(SB), $0
	JEQ	owned
	MOVQ	CPU_FPCTX(GS), AX
	TESTQ	AX, AX
	JEQ	owned
	CMPQ	AX, BX
	JEQ	owned
	CALL	·saveOtherX87(SB)	// another context's x87 state: into its image
	MOVQ	ctx+0(FP), BX
owned:
	MOVQ	SP, CPU_KERNRSP(GS)
	MOVQ	BP, CPU_KERNRBP(GS)
	MOVQ	BX, CPU_USERCTX(GS)
	// CPU_KERNFS already holds the kernel's FS base (SetKernelFSBase).
	MOVQ	UC_FSBASE(BX), AX
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$0xC0000100, CX
	WRMSR
	MOVQ	UC_CR3(BX), AX
	MOVQ	CR3, CX
	CMPQ	AX, CX
	JEQ	samecr3
	// Record the root before loading it (tlb.go, loadedRoot: the load
	// is serializing, so shooters see the record before the first walk).
	MOVL	CPU_ID(GS), CX
	LEAQ	·loadedRoot(SB), DX
	MOVQ	AX, (DX)(CX*8)
	MOVQ	AX, CR3
samecr3:
	// The process's I/O permission bitmap (iopb.go), when another one is
	// in the TSS: 8 KiB copied, or filled with 1s (no port) for none.
	MOVQ	UC_IOPBGEN(BX), AX
	CMPQ	AX, CPU_IOPBGEN(GS)
	JEQ	sameiopb
	MOVQ	AX, CPU_IOPBGEN(GS)
	MOVQ	CPU_IOPBADDR(GS), DI
	MOVQ	$1024, CX
	MOVQ	UC_IOPB(BX), SI
	CLD
	TESTQ	SI, SI
	JEQ	denyports
	REP;	MOVSQ
	JMP	sameiopb
denyports:
	MOVQ	$-1, AX
	REP;	STOSQ
sameiopb:
	// The thread's GS base goes into IA32_KERNEL_GS_BASE, which the
	// SWAPGS before the return makes the GS base (SDM Vol. 2B "SWAPGS").
	// CPU_USERGS holds the value there (ring 3 cannot change it without
	// CR4.FSGSBASE), so the WRMSR happens only when it changes.
	MOVQ	UC_GSBASE(BX), AX
	CMPQ	AX, CPU_USERGS(GS)
	JEQ	samegs
	MOVQ	AX, CPU_USERGS(GS)
	MOVQ	AX, DX
	SHRQ	$32, DX
	MOVL	$0xC0000102, CX
	WRMSR
samegs:
	// Debug registers (debugreg.go): only when this context or the last
	// one armed on this CPU arms a breakpoint.
	MOVQ	UC_DR7(BX), AX
	ORQ	CPU_USERDR7(GS), AX
	JEQ	nodebug
	CALL	·switchDebugRegs(SB)
nodebug:
	// Lazy switching: when the CPU still holds this context's x87 state
	// only XMM0-15 and MXCSR come back; otherwise (any other context's
	// state was saved above) the whole image loads and the CPU holds it.
	CMPL	·lazyFPU(SB), $0
	JEQ	fxrstor
	CMPQ	CPU_FPCTX(GS), BX
	JNE	fxload
	LOAD_XMM(BX)
	LDMXCSR	UC_MXCSR(BX)
	JMP	fxdone
fxload:
	MOVQ	BX, CPU_FPCTX(GS)
fxrstor:
	FXRSTOR64	UC_FX(BX)
fxdone:
	MOVQ	UC_RFLAGS(BX), AX
	ANDQ	$0xDD5, AX		// user-settable arithmetic flags, DF and TF (a debugger's single step)
	ORQ	$0x202, AX		// IF, reserved bit 1
	// The IRETQ frame; SYSRETQ takes only the user RSP from it.
	PUSHQ	$0x23
	PUSHQ	UC_RSP(BX)
	PUSHQ	AX
	PUSHQ	$0x2b
	PUSHQ	UC_RIP(BX)
	// Which return: 1 in CPU_SCRATCH for SYSRETQ, 0 for IRETQ.
	MOVQ	$0, CPU_SCRATCH(GS)
	CMPQ	AX, 32(BX)		// R11
	JNE	restore
	MOVQ	UC_RIP(BX), CX
	CMPQ	CX, 96(BX)		// RCX
	JNE	restore
	SHRQ	$47, CX			// canonical lower half: SYSRET #GPs in ring 0 otherwise
	JNE	restore
	MOVQ	$1, CPU_SCRATCH(GS)
restore:
	MOVQ	0(BX), R15
	MOVQ	8(BX), R14
	MOVQ	16(BX), R13
	MOVQ	24(BX), R12
	MOVQ	32(BX), R11
	MOVQ	40(BX), R10
	MOVQ	48(BX), R9
	MOVQ	56(BX), R8
	MOVQ	64(BX), BP
	MOVQ	72(BX), DI
	MOVQ	80(BX), SI
	MOVQ	88(BX), DX
	MOVQ	96(BX), CX
	MOVQ	112(BX), AX
	MOVQ	104(BX), BX
	CMPQ	CPU_SCRATCH(GS), $0	// RFLAGS: the return loads the user's
	JEQ	iret
	MOVQ	24(SP), SP		// the user RSP; from here on the stack is the user's
	SWAPGS
	BYTE	$0x48; BYTE $0x0F; BYTE $0x07	// SYSRETQ: RIP = RCX, RFLAGS = R11, CPL 3
iret:
	SWAPGS
	IRETQ

// userReturn is where a kernel thread resumes after its user context
// trapped: RSP points at EnterUser's return address.
TEXT ·userReturn(SB),NOSPLIT|NOFRAME,$0
	RET

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
