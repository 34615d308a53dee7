package x86

import "unsafe"

// CPU is the per-CPU area, reached through IA32_GS_BASE from the first
// instruction of every kernel entry, so that bringing up more CPUs later
// means one more CPU value rather than a rewrite. The first three words are
// read by trap_amd64.s at fixed offsets (CPU_TRAPSTACK, CPU_SCRATCH).
type CPU struct {
	self      uintptr // 0x00: the area's own address
	trapStack uintptr // 0x08: top of the trap stack SYSCALL switches to
	scratch   uintptr // 0x10: caller RSP while SYSCALL builds its frame
	kernRSP   uintptr // 0x18: kernel RSP to resume at when the user traps
	kernRBP   uintptr // 0x20: kernel RBP to resume with
	kernFS    uintptr // 0x28: kernel FS base (the M's TLS) while in ring 3
	userCtx   uintptr // 0x30: *UserContext of the thread in ring 3
	kernFX    uintptr // 0x38: 16-aligned clean FXSAVE image for kernel code
	iopbGen   uint64  // 0x40: generation of the I/O bitmap in the TSS (iopb.go)
	iopbAddr  uintptr // 0x48: address of the TSS's I/O bitmap
	// ID is the CPU number (0 for the boot CPU).
	ID uint32
	// APICID is the local APIC ID.
	APICID uint32
	gdt    [8]uint64
	tss    [26]uint32 // 64-bit TSS, SDM Vol. 3A §8.7 Figure 8-11 (104 bytes)
	// iopb is the TSS's I/O permission bitmap (SDM Vol. 1 §19.5.2),
	// right after it, with the 0xFF byte that must end it: the ports
	// the user thread on this CPU may use (iopb.go).
	iopb [IOBitmapSize + 8]byte
	gdtr [2]uint64 // pseudo-descriptors (limit at byte 0, base at 2)
	idtr [2]uint64
}

// Interrupt stack table slots (SDM Vol. 3A §6.14.5).
const (
	ISTTrap = 1 // IRQs; SYSCALL switches to the same stack by hand
	ISTExc  = 2 // synchronous exceptions (may nest inside a trap)
	ISTNMI  = 3
	ISTDF   = 4
	ISTMC   = 5
)

var (
	// BootCPU is the per-CPU area of the bootstrap processor.
	BootCPU CPU

	trapStack [32 << 10]byte
	excStack  [32 << 10]byte
	nmiStack  [8 << 10]byte
	dfStack   [8 << 10]byte
	mcStack   [8 << 10]byte

	idt [256][2]uint64

	kernelFX [512 + 16]byte
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
	c.self = uintptr(unsafe.Pointer(c))
	c.trapStack = stackTop(trapStack[:])
	c.kernFX = (uintptr(unsafe.Pointer(&kernelFX[0])) + 15) &^ 15
	InitFX((*FXArea)(unsafe.Add(unsafe.Pointer(&kernelFX[0]), c.kernFX-uintptr(unsafe.Pointer(&kernelFX[0])))))

	// GDT (SDM Vol. 3A §3.4.5, §5.2.1): 64-bit code has L=1, D=0.
	c.gdt[0] = 0
	c.gdt[1] = 0x00AF9A000000FFFF // kernel code, DPL 0
	c.gdt[2] = 0x00CF92000000FFFF // kernel data
	c.gdt[3] = 0x00CFFA000000FFFF // user code 32 (placeholder for SYSRET layout)
	c.gdt[4] = 0x00CFF2000000FFFF // user data, DPL 3
	c.gdt[5] = 0x00AFFA000000FFFF // user code 64, DPL 3
	tss := uint64(uintptr(unsafe.Pointer(&c.tss[0])))
	limit := uint64(len(c.tss)*4 + IOBitmapSize) // the bitmap and its closing 0xFF byte
	// 64-bit TSS descriptor (SDM Vol. 3A §8.2.3, Figure 8-4): type 9.
	c.gdt[6] = limit&0xFFFF | (tss&0xFFFFFF)<<16 | 0x89<<40 | (limit>>16&0xF)<<48 | (tss>>24&0xFF)<<56
	c.gdt[7] = tss >> 32

	setIST(c, ISTTrap, c.trapStack)
	setIST(c, ISTExc, stackTop(excStack[:]))
	setIST(c, ISTNMI, stackTop(nmiStack[:]))
	setIST(c, ISTDF, stackTop(dfStack[:]))
	setIST(c, ISTMC, stackTop(mcStack[:]))
	initIOBitmap(c)

	gdtBase := uint64(uintptr(unsafe.Pointer(&c.gdt[0])))
	c.gdtr[0] = uint64(len(c.gdt)*8-1) | gdtBase<<16
	c.gdtr[1] = gdtBase >> 48
	lgdt(uintptr(unsafe.Pointer(&c.gdtr[0])))
	reloadSegments()
	ltr(SelTSS)

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
		setGate(v, vectorAddr(uintptr(v)), ist, 0)
	}
	idtBase := uint64(uintptr(unsafe.Pointer(&idt[0])))
	c.idtr[0] = uint64(len(idt)*16-1) | idtBase<<16
	c.idtr[1] = idtBase >> 48
	lidt(uintptr(unsafe.Pointer(&c.idtr[0])))

	Wrmsr(MSRGSBase, uint64(c.self))
	Wrmsr(MSRKernelGSBase, 0)
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

//go:nosplit
func setIST(c *CPU, n int, top uintptr) {
	// IST n lives at byte offset 36 + 8*(n-1): words 9+2(n-1), unaligned.
	w := 9 + 2*(n-1)
	c.tss[w] = uint32(top)
	c.tss[w+1] = uint32(uint64(top) >> 32)
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
