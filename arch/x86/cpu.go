package x86

// Inb reads a byte from an I/O port (SDM Vol. 2A "IN").
func Inb(port uint16) uint8

// Outb writes a byte to an I/O port (SDM Vol. 2B "OUT").
func Outb(port uint16, v uint8)

// Inw reads a word from an I/O port.
func Inw(port uint16) uint16

// Outw writes a word to an I/O port.
func Outw(port uint16, v uint16)

// Inl reads a doubleword from an I/O port.
func Inl(port uint16) uint32

// Outl writes a doubleword to an I/O port.
func Outl(port uint16, v uint32)

// Rdmsr reads a model-specific register (SDM Vol. 2B "RDMSR").
func Rdmsr(msr uint32) uint64

// Wrmsr writes a model-specific register (SDM Vol. 2B "WRMSR").
func Wrmsr(msr uint32, v uint64)

// Rdtsc reads the time-stamp counter (SDM Vol. 2B "RDTSC").
func Rdtsc() uint64

// Cpuid executes CPUID with EAX=leaf, ECX=sub (SDM Vol. 2A "CPUID").
func Cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// ReadCR0 returns CR0 (SDM Vol. 3A §2.5).
func ReadCR0() uint64

// WriteCR0 sets CR0.
func WriteCR0(v uint64)

// ReadCR2 returns CR2, the linear address of the last page fault.
func ReadCR2() uint64

// ReadCR3 returns CR3, the physical address of the PML4 (plus PCD/PWT).
func ReadCR3() uint64

// WriteCR3 loads CR3, flushing non-global TLB entries.
func WriteCR3(v uint64)

// ReadCR4 returns CR4.
func ReadCR4() uint64

// WriteCR4 sets CR4.
func WriteCR4(v uint64)

// Invlpg invalidates the TLB entry for the page holding va (SDM Vol. 2A "INVLPG").
func Invlpg(va uintptr)

// Halt executes HLT: the CPU sleeps until the next interrupt.
func Halt()

// DisableInterrupts clears RFLAGS.IF (CLI).
func DisableInterrupts()

// EnableInterrupts sets RFLAGS.IF (STI).
func EnableInterrupts()

// Flags returns RFLAGS.
func Flags() uint64

// Pause executes PAUSE, the spin-wait hint.
func Pause()

// lgdt loads GDTR from the 10-byte pseudo-descriptor at p.
func lgdt(p uintptr)

// lidt loads IDTR from the 10-byte pseudo-descriptor at p.
func lidt(p uintptr)

// ltr loads the task register with a TSS selector.
func ltr(sel uint16)

// reloadSegments reloads CS with the kernel code selector and the data
// segment registers with the kernel data selector after a GDT change.
func reloadSegments()

// IdleLoop is the body of the idle context: STI; HLT in a loop. It is never
// called; its address is the RIP of the idle context.
func IdleLoop()

// RFLAGS bits (SDM Vol. 1 §3.4.3).
const (
	FlagCF = 1 << 0
	FlagTF = 1 << 8
	FlagIF = 1 << 9
	FlagDF = 1 << 10
	FlagAC = 1 << 18
)

// Control register bits (SDM Vol. 3A §2.5).
const (
	CR0PE = 1 << 0
	CR0MP = 1 << 1
	CR0EM = 1 << 2
	CR0NE = 1 << 5
	CR0WP = 1 << 16
	CR0PG = 1 << 31

	CR4PAE        = 1 << 5
	CR4PGE        = 1 << 7
	CR4OSFXSR     = 1 << 9
	CR4OSXMMEXCPT = 1 << 10
	CR4FSGSBASE   = 1 << 16
	CR4SMEP       = 1 << 20
	CR4SMAP       = 1 << 21
)

// Model-specific registers (SDM Vol. 4 §2.1).
const (
	MSRAPICBase     = 0x1B
	MSRPAT          = 0x277
	MSREFER         = 0xC0000080
	MSRSTAR         = 0xC0000081
	MSRLSTAR        = 0xC0000082
	MSRFMASK        = 0xC0000084
	MSRFSBase       = 0xC0000100
	MSRGSBase       = 0xC0000101
	MSRKernelGSBase = 0xC0000102
	MSRTSCDeadline  = 0x6E0
	MSRX2APICBase   = 0x800

	EFERSCE = 1 << 0
	EFERLME = 1 << 8
	EFERNXE = 1 << 11
)

// UD2 raises an invalid-opcode exception (SDM Vol. 2B "UD").
func UD2()

// PATValue is the IA32_PAT value every CPU loads (Intel SDM Vol. 3A
// §11.12.2): entries 0-6 keep their power-on types (WB, WT, UC-, UC, WB,
// WT, UC-) and entry 7 (PAT=1, PCD=1, PWT=1) becomes write-combining
// (type 01h) for ZX_CACHE_POLICY_WRITE_COMBINING mappings.
const PATValue = 0x0107040600070406

// SetupPAT loads PATValue into this CPU's IA32_PAT; every CPU must run
// it before a write-combining mapping can reach it.
func SetupPAT() { Wrmsr(MSRPAT, PATValue) }
