package x86

import "unsafe"

// CPU is the per-CPU area, reached through IA32_GS_BASE from the first
// instruction of every kernel entry. The first words are read by
// trap_amd64.s and smp_amd64.s at fixed offsets (CPU_TRAPSTACK,
// CPU_SCRATCH, ..., CPU_ID, CPU_TLS).
type CPU struct {
	self      uintptr // 0x00: the area's own address
	trapStack uintptr // 0x08: top of the trap stack SYSCALL switches to
	scratch   uintptr // 0x10: caller RSP while SYSCALL builds its frame
	kernRSP   uintptr // 0x18: kernel RSP to resume at when the user traps
	kernRBP   uintptr // 0x20: kernel RBP to resume with
	kernFS    uintptr // 0x28: kernel FS base (the M's TLS; SetKernelFSBase)
	userCtx   uintptr // 0x30: *UserContext of the thread in ring 3
	kernFX    uintptr // 0x38: 16-aligned clean FXSAVE image for kernel code
	// ID is the CPU number (0 for the boot CPU), dense in start order.
	ID uint32 // 0x40
	// APICID is the local APIC ID (x2APIC IDs are 32 bits).
	APICID uint32 // 0x44
	// tls is the FS-based TLS block of code that runs without an M (an
	// application processor's start-up and idle loop): Go's ABI wrappers
	// load g from FS:-8, which reads tls[0] (nil).
	tls       [2]uint64 // 0x48
	fpCtx     uintptr   // 0x58: *UserContext whose x87 state the registers hold (fpu_unsafe.go)
	fxScratch uintptr   // 0x60: 16-aligned FXSAVE area in fx, for saving that state
	iopbGen   uint64    // 0x68: generation of the I/O bitmap in the TSS (iopb_unsafe.go)
	iopbAddr  uintptr   // 0x70: address of the TSS's I/O bitmap
	userGS    uint64    // 0x78: the user GS base in IA32_KERNEL_GS_BASE (EnterUser)
	userDR7   uint64    // 0x80: DR7 as a user context armed it, 0 if none is (debugreg.go)
	dbgCtx    uintptr   // 0x88: the context whose debug registers are loaded, if userDR7 != 0
	dbgGen    uint64    // 0x90: its Debug.Gen when they were loaded
	// Online is set (atomically) by the CPU itself once it takes
	// interrupts.
	Online uint32
	gdt    [8]uint64
	gdtr   [2]uint64 // pseudo-descriptors (limit at byte 0, base at 2)
	idtr   [2]uint64
	// TSS is this CPU's task-state segment with room for an I/O
	// permission bitmap.
	TSS TSS
	// fx backs fxScratch.
	fx [512 + 16]byte
}

// Offsets of CPU fields that assembly reads (checked by cpuLayoutOK).
const (
	cpuOffID      = 0x40
	cpuOffTLS     = 0x48
	cpuOffFPCtx   = 0x58 // CPU_FPCTX in trap_amd64.s
	cpuOffUserGS  = 0x78 // CPU_USERGS in trap_amd64.s
	cpuOffUserDR7 = 0x80 // CPU_USERDR7 in trap_amd64.s and debugreg_amd64.s
	cpuOffDbgCtx  = 0x88 // CPU_DBGCTX in debugreg_amd64.s
	cpuOffDbgGen  = 0x90 // CPU_DBGGEN in debugreg_amd64.s
)

// MaxCPUs bounds the CPUs the kernel starts.
const MaxCPUs = 64

// Interrupt stack table slots (SDM Vol. 3A §6.14.5).
const (
	ISTTrap = 1 // IRQs; SYSCALL switches to the same stack by hand
	ISTExc  = 2 // synchronous exceptions (may nest inside a trap)
	ISTNMI  = 3
	ISTDF   = 4
	ISTMC   = 5
)

// Per-CPU stack sizes: the trap stack (IRQs, SYSCALL), the exception
// stack and the NMI, #DF and #MC stacks.
const (
	TrapStackSize = 32 << 10
	ExcStackSize  = 32 << 10
	NMIStackSize  = 8 << 10
	DFStackSize   = 8 << 10
	MCStackSize   = 8 << 10
	// APStacksSize is what StartAP's caller provides per application
	// processor: the five stacks above plus its start-up/idle stack.
	APStacksSize = TrapStackSize + ExcStackSize + NMIStackSize + DFStackSize + MCStackSize + IdleStackSize
	// IdleStackSize is the stack an application processor starts and
	// idles on.
	IdleStackSize = 16 << 10
)

var (
	// BootCPU is the per-CPU area of the bootstrap processor.
	BootCPU CPU

	trapStack [TrapStackSize]byte
	excStack  [ExcStackSize]byte
	nmiStack  [NMIStackSize]byte
	dfStack   [DFStackSize]byte
	mcStack   [MCStackSize]byte

	idt [256][2]uint64

	kernelFX [512 + 16]byte

	// cpuAreas holds the address of every started CPU's area by ID
	// (integers only: the areas of application processors live in
	// memory the Go heap does not manage).
	cpuAreas [MaxCPUs]uintptr
)

//go:nosplit
func stackTop(s []byte) uintptr {
	return (uintptr(unsafe.Pointer(&s[0])) + uintptr(len(s))) &^ 15
}

// InitBootCPU installs the GDT with a TSS and its IST stacks, the IDT with
// every vector, the GS base, and the SYSCALL MSRs on the boot CPU. It runs
// before the Go runtime starts: nosplit, no allocation.
//
//go:nosplit
func InitBootCPU() {
	c := &BootCPU
	c.kernFX = (uintptr(unsafe.Pointer(&kernelFX[0])) + 15) &^ 15
	InitFX((*FXArea)(unsafe.Add(unsafe.Pointer(&kernelFX[0]), c.kernFX-uintptr(unsafe.Pointer(&kernelFX[0])))))
	for v := 0; v < 256; v++ {
		ist := uint64(ISTTrap)
		switch {
		case v == VectorNMI:
			ist = ISTNMI
		case v == VectorDF:
			ist = ISTDF
		case v == VectorMC:
			ist = ISTMC
		case v < 32:
			ist = ISTExc
		}
		// INT3 and INTO (or INT 4) may be raised from ring 3, as on
		// Linux: a debugger's breakpoint reaches user code as SIGTRAP,
		// not as the #GP a DPL-0 gate would raise.
		dpl := uint64(0)
		if v == VectorBP || v == VectorOF {
			dpl = 3
		}
		setGate(v, vectorAddr(uintptr(v)), ist, dpl)
	}
	ist := [5]uintptr{stackTop(trapStack[:]), stackTop(excStack[:]), stackTop(nmiStack[:]), stackTop(dfStack[:]), stackTop(mcStack[:])}
	initCPU(c, &ist)
	cpuAreas[0] = c.self
}

// initCPU loads the per-CPU state of the CPU it runs on from c: GDT and
// TSS (with the IST stack tops ist), the shared IDT, the GS base, the
// SYSCALL MSRs, EFER, SMEP and SMAP. c.ID, c.APICID and c.kernFX are set
// by the caller. Nosplit, no allocation.
//
//go:nosplit
func initCPU(c *CPU, ist *[5]uintptr) {
	c.self = uintptr(unsafe.Pointer(c))
	c.trapStack = ist[ISTTrap-1]
	c.fxScratch = (uintptr(unsafe.Pointer(&c.fx[0])) + 15) &^ 15

	// GDT (SDM Vol. 3A §3.4.5, §5.2.1): 64-bit code has L=1, D=0.
	c.gdt[0] = 0
	c.gdt[1] = 0x00AF9A000000FFFF // kernel code, DPL 0
	c.gdt[2] = 0x00CF92000000FFFF // kernel data
	c.gdt[3] = 0x00CFFA000000FFFF // user code 32 (placeholder for SYSRET layout)
	c.gdt[4] = 0x00CFF2000000FFFF // user data, DPL 3
	c.gdt[5] = 0x00AFFA000000FFFF // user code 64, DPL 3
	initTSS(c, ist)

	gdtBase := uint64(uintptr(unsafe.Pointer(&c.gdt[0])))
	c.gdtr[0] = uint64(len(c.gdt)*8-1) | gdtBase<<16
	c.gdtr[1] = gdtBase >> 48
	lgdt(uintptr(unsafe.Pointer(&c.gdtr[0])))
	reloadSegments()
	ltr(SelTSS)

	idtBase := uint64(uintptr(unsafe.Pointer(&idt[0])))
	c.idtr[0] = uint64(len(idt)*16-1) | idtBase<<16
	c.idtr[1] = idtBase >> 48
	lidt(uintptr(unsafe.Pointer(&c.idtr[0])))

	Wrmsr(MSRGSBase, uint64(c.self))
	Wrmsr(MSRKernelGSBase, 0)
	c.userGS = 0
	// No user breakpoint armed (DR7's reset value 0x400 arms none
	// either; SDM Vol. 3B §18.2.4).
	c.userDR7, c.dbgCtx, c.dbgGen = 0, 0, 0
	// SYSCALL: CS=0x08/SS=0x10; SYSRET: CS=0x18+16, SS=0x18+8 (RPL 3).
	Wrmsr(MSRSTAR, uint64(SelKernelCode)<<32|uint64(SelUserCode32|3)<<48)
	Wrmsr(MSRLSTAR, uint64(syscallEntryAddr()))
	// Mask TF, IF, DF, IOPL, NT and AC on entry (as Linux does).
	Wrmsr(MSRFMASK, 0x47700)
	Wrmsr(MSREFER, Rdmsr(MSREFER)|EFERSCE|EFERNXE)
	// SMEP and SMAP where the CPU has them (CPUID.07H:EBX[7], [20]): the
	// kernel reaches user memory only through the direct map.
	if _, ebx, _, _ := Cpuid(7, 0); ebx&(1<<7) != 0 {
		WriteCR4(ReadCR4() | CR4SMEP)
	}
	if _, ebx, _, _ := Cpuid(7, 0); ebx&(1<<20) != 0 {
		WriteCR4(ReadCR4() | CR4SMAP)
	}
}

// cpuLayoutOK reports whether the CPU fields assembly reads sit at the
// offsets it assumes.
func cpuLayoutOK() bool {
	var c CPU
	return unsafe.Offsetof(c.ID) == cpuOffID && unsafe.Offsetof(c.tls) == cpuOffTLS && unsafe.Offsetof(c.kernFX) == 0x38 &&
		unsafe.Offsetof(c.fpCtx) == cpuOffFPCtx && unsafe.Offsetof(c.userGS) == cpuOffUserGS &&
		unsafe.Offsetof(c.userDR7) == cpuOffUserDR7 && unsafe.Offsetof(c.dbgCtx) == cpuOffDbgCtx &&
		unsafe.Offsetof(c.dbgGen) == cpuOffDbgGen
}

// setGate writes a 64-bit interrupt gate (SDM Vol. 3A §6.14.1, Figure 6-8).
//
//go:nosplit
func setGate(v int, handler uintptr, ist uint64, dpl uint64) {
	h := uint64(handler)
	idt[v][0] = h&0xFFFF | uint64(SelKernelCode)<<16 | ist<<32 | (0x8E|dpl<<5)<<40 | (h>>16&0xFFFF)<<48
	idt[v][1] = h >> 32
}

// SetGateDPL lets ring dpl raise vector v with INT (e.g. 3 for INT3 from
// user mode).
//
//go:nosplit
func SetGateDPL(v int, dpl uint64) {
	ist := idt[v][0] >> 32 & 7
	setGate(v, vectorAddr(uintptr(v)), ist, dpl)
}

// EnterFrame starts executing the context f with x87/SSE state fx. It does
// not return.
//
//go:nosplit
func EnterFrame(f *Frame, fx *FXArea) { enterFrame(f, fx) }
