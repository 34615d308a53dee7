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
// Locking: the package keeps no locks. Callers serialise access to shared
// devices (the kernel runs the trap path with interrupts disabled).
package x86
