package x86

import (
	"sync/atomic"
	"unsafe"
)

// Application-processor start-up (SDM Vol. 3A §9.4.4, "MP Initialization
// Example"): the boot CPU copies a trampoline into a page below 1 MiB,
// fills its parameter block for one processor and sends INIT, then
// STARTUP twice with the page number as vector. The processor starts in
// real mode at the page's first byte, loads the trampoline's GDT, turns on
// PAE, long mode (EFER.LME|NXE) and paging with the boot page tables
// (which identity-map the low 4 GiB and map the kernel image) in one step,
// far-jumps into 64-bit code in the same page and jumps to apEntry64 at
// the kernel's address with its stack, CPU area and the kernel's CR3 in
// registers. Processors start one at a time: they share the parameter
// block.

// Trampoline page layout: code from 0, the GDT, its pseudo-descriptor,
// the far pointer into 64-bit code and the parameter block at fixed
// offsets (the code addresses them relative to CS in real mode and to RIP
// in 64-bit mode).
const (
	trampGDT    = 0xE00
	trampGDTR   = 0xE20
	trampJump   = 0xE30 // m16:32 far pointer: 64-bit code offset, selector
	trampCR3    = 0xF00 // boot page tables (below 4 GiB)
	trampStack  = 0xF08
	trampCPU    = 0xF10
	trampEntry  = 0xF18
	trampKCR3   = 0xF20
	trampCode64 = 0x3E // offset of the 64-bit part of trampolineCode
)

// trampolineCode is the start-up code, hand-assembled because Go's
// assembler has no 16-bit mode (checked instruction by instruction by
// TestTrampoline).
var trampolineCode = [...]byte{
	// 16-bit real mode, CS = page>>4, IP = 0.
	0xFA,       // cli
	0xFC,       // cld
	0x8C, 0xC8, // mov ax, cs
	0x8E, 0xD8, // mov ds, ax
	0x66, 0x0F, 0x01, 0x16, 0x20, 0x0E, // lgdt dword [0xE20]
	0x0F, 0x20, 0xE0, // mov eax, cr4
	0x66, 0x83, 0xC8, 0x20, // or eax, 0x20 (PAE)
	0x0F, 0x22, 0xE0, // mov cr4, eax
	0x66, 0xA1, 0x00, 0x0F, // mov eax, [0xF00]
	0x0F, 0x22, 0xD8, // mov cr3, eax
	0x66, 0xB9, 0x80, 0x00, 0x00, 0xC0, // mov ecx, 0xC0000080 (IA32_EFER)
	0x0F, 0x32, // rdmsr
	0x66, 0x0D, 0x00, 0x09, 0x00, 0x00, // or eax, 0x900 (LME|NXE)
	0x0F, 0x30, // wrmsr
	0x0F, 0x20, 0xC0, // mov eax, cr0
	0x66, 0x0D, 0x01, 0x00, 0x01, 0x80, // or eax, 0x80010001 (PG|WP|PE)
	0x0F, 0x22, 0xC0, // mov cr0, eax
	0x66, 0xFF, 0x2E, 0x30, 0x0E, // jmp far dword [0xE30]
	// 64-bit mode at trampCode64, identity-mapped.
	0xB8, 0x10, 0x00, 0x00, 0x00, // mov eax, 0x10
	0x8E, 0xD8, // mov ds, eax
	0x8E, 0xC0, // mov es, eax
	0x8E, 0xD0, // mov ss, eax
	0x48, 0x8B, 0x25, 0xB8, 0x0E, 0x00, 0x00, // mov rsp, [rip+0xEB8] (0xF08)
	0x48, 0x8B, 0x3D, 0xB9, 0x0E, 0x00, 0x00, // mov rdi, [rip+0xEB9] (0xF10)
	0x48, 0x8B, 0x35, 0xC2, 0x0E, 0x00, 0x00, // mov rsi, [rip+0xEC2] (0xF20)
	0x48, 0x8B, 0x05, 0xB3, 0x0E, 0x00, 0x00, // mov rax, [rip+0xEB3] (0xF18)
	0xFF, 0xE0, // jmp rax
}

// apEntry64 is the trampoline's target (smp_amd64.s).
func apEntry64()

// apEntry64Addr returns the address of apEntry64.
func apEntry64Addr() uintptr

// ThisCPUID returns the number of the CPU it runs on.
func ThisCPUID() uint32

// APStart is called on each application processor once its descriptor
// tables, GS base and MSRs are loaded, with interrupts still disabled; it
// must start the local APIC and set c.Online. apEntry64 then idles the
// CPU with interrupts enabled. Trap-path rules apply (nosplit, no
// allocation). Set before the first processor starts.
var APStart func(c *CPU)

// apAreaSize is the CPU area's share of an AP's memory, page-rounded.
const apAreaSize = (unsafe.Sizeof(CPU{}) + 4095) &^ 4095

// APMemSize is the memory PrepareAP needs per application processor: its
// CPU area and its stacks.
const APMemSize = apAreaSize + APStacksSize

// SetupTrampoline writes the start-up code into the page at physical
// address page (4 KiB-aligned, below 1 MiB), which is reachable at va;
// bootCR3 is the physical address (below 4 GiB) of page tables that
// identity-map the page and map the kernel image at its linked address.
//
//go:nosplit
func SetupTrampoline(va uintptr, page uint64, bootCR3 uint64) {
	p := (*[4096]byte)(ptr(va))
	for i := range p {
		p[i] = 0
	}
	copy(p[:], trampolineCode[:])
	*(*uint64)(ptr(va + trampGDT + 8)) = 0x00AF9A000000FFFF  // 64-bit code
	*(*uint64)(ptr(va + trampGDT + 16)) = 0x00CF92000000FFFF // data
	*(*uint16)(ptr(va + trampGDTR)) = 23
	*(*uint32)(ptr(va + trampGDTR + 2)) = uint32(page + trampGDT)
	*(*uint32)(ptr(va + trampJump)) = uint32(page + trampCode64)
	*(*uint16)(ptr(va + trampJump + 4)) = SelKernelCode
	*(*uint64)(ptr(va + trampCR3)) = bootCR3
	*(*uint64)(ptr(va + trampEntry)) = uint64(apEntry64Addr())
}

// PrepareAP lays out the CPU area and stacks of application processor id
// (local APIC apicID) in mem (APMemSize bytes, page-aligned, mapped
// writable for the kernel) and points the trampoline at va at them;
// kernelCR3 is the page table root the processor switches to. The
// processor's IDT is the boot CPU's; everything else is its own.
//
//go:nosplit
func PrepareAP(va uintptr, mem uintptr, id, apicID uint32, kernelCR3 uint64) *CPU {
	b := (*[APMemSize]byte)(ptr(mem))
	for i := range b {
		b[i] = 0
	}
	c := (*CPU)(ptr(mem))
	c.ID = id
	c.APICID = apicID
	c.kernFX = BootCPU.kernFX
	c.self = mem
	stacks := mem + apAreaSize
	*(*uint64)(ptr(va + trampStack)) = uint64(stacks+APStacksSize) &^ 15
	*(*uint64)(ptr(va + trampCPU)) = uint64(mem)
	*(*uint64)(ptr(va + trampKCR3)) = kernelCR3
	return c
}

// apMain runs on an application processor at apEntry64, on its idle
// stack with interrupts disabled. The idle stack is the top of the
// region; the IST stacks lie below it.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func apMain(c *CPU) {
	s := c.self + apAreaSize
	var ist [5]uintptr
	s += TrapStackSize
	ist[ISTTrap-1] = s
	s += ExcStackSize
	ist[ISTExc-1] = s
	s += NMIStackSize
	ist[ISTNMI-1] = s
	s += DFStackSize
	ist[ISTDF-1] = s
	s += MCStackSize
	ist[ISTMC-1] = s
	initCPU(c, &ist)
	SetupPAT()
	if c.ID < MaxCPUs {
		atomic.StoreUintptr(&cpuAreas[c.ID], c.self)
	}
	if h := APStart; h != nil {
		h(c)
	}
}

// CPUByID returns the area of started CPU id, or nil.
//
//go:nosplit
func CPUByID(id uint32) *CPU {
	if id >= MaxCPUs {
		return nil
	}
	a := atomic.LoadUintptr(&cpuAreas[id])
	if a == 0 {
		return nil
	}
	return (*CPU)(ptr(a))
}

// ThisCPU returns the area of the CPU it runs on.
//
//go:nosplit
func ThisCPU() *CPU { return CPUByID(ThisCPUID()) }

// IsOnline reports whether c has come up.
//
//go:nosplit
func (c *CPU) IsOnline() bool { return atomic.LoadUint32(&c.Online) != 0 }

// SetOnline marks c as up; the CPU calls it itself.
//
//go:nosplit
func (c *CPU) SetOnline() { atomic.StoreUint32(&c.Online, 1) }
