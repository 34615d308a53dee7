// Package boot is the multiboot entry of the kernel: the 32-bit entry that
// switches to long mode and the higher half, the pre-runtime setup of CPU
// tables, memory and time, and the hand-off to the Go runtime.
//
// Boot sequence: entry32 (32-bit, paging off) builds boot page tables that
// map the first 4 GiB at 0 (identity), at the direct map and, for the
// kernel image, at 0xffffffff80000000; it enables long mode and jumps to
// entry64high, which enables SSE, points FS at a boot TLS block and calls
// early (Go, nosplit, before the runtime exists). early returns a
// Linux-style initial stack, and entry64high jumps to the runtime's
// _rt0_amd64_linux with it.
package boot

// entry32 is the multiboot entry (entry_amd64.s).
func entry32()

// entry64 is the first 64-bit code, at the physical alias.
func entry64()

// entry64high is the first code at the higher-half address.
func entry64high()

// bootMagicValue returns the bootloader's magic from EAX at entry.
func bootMagicValue() uint32

// bootInfoValue returns the physical address of the boot information.
func bootInfoValue() uint32

// bootStackBounds returns the boot stack, which becomes the runtime's g0
// stack.
func bootStackBounds() (lo, hi uintptr)

// bootTablesAddr returns the (unaligned) boot page table area.
func bootTablesAddr() uintptr
