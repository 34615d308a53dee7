// Package x86 holds everything that touches x86-64 registers and
// instructions: port and MSR access, control registers, descriptor tables,
// the trap entry and exit paths, and the register-level drivers for the
// legacy PIC, PIT, 16550 UART, local APIC and I/O APIC.
//
// It imports no kernel package. The kernel installs its trap handler in
// TrapHandler before the first interrupt is enabled.
//
// Register and field names follow the Intel SDM (Intel 64 and IA-32
// Architectures Software Developer's Manual); each type cites its section.
//
// System-call entry and exit (trap_amd64.s, fpu_unsafe.go): a SYSCALL from
// ring 3 returns straight to the Go code after EnterUser, and a plain
// return leaves with SYSRETQ. IA32_FS_BASE is written with WRMSR, the
// kernel's TLS base on entry and the thread's on exit; the kernel's own
// base is kept per CPU (SetKernelFSBase), so no MSR is read. WRFSBASE is
// not used: it needs CR4.FSGSBASE, which would also let ring 3 change its
// FS and GS bases behind the kernel's back, so that every entry would have
// to read both back and every thread switch restore a per-thread GS base.
//
// Locking: the package keeps no locks. Callers serialise access to shared
// devices (the kernel runs the trap path with interrupts disabled).
package x86
