// Package uio is user-mode x86 port I/O for drivers in ring 3 (Intel SDM
// Vol. 2A "IN", Vol. 2B "OUT"): each access is one IN or OUT
// instruction. It works only on ports the process was given with
// zx_ioports_request (its I/O permission bitmap in the TSS); any other
// port raises #GP, which ends the process. It is linked into user
// programs (GOOS=linux, ring 3), never into the kernel.
package uio

// Inb reads a byte from port.
func Inb(port uint16) uint8

// Inw reads a 16-bit word from port.
func Inw(port uint16) uint16

// Inl reads a 32-bit doubleword from port.
func Inl(port uint16) uint32

// Outb writes a byte to port.
func Outb(port uint16, v uint8)

// Outw writes a 16-bit word to port.
func Outw(port uint16, v uint16)

// Outl writes a 32-bit doubleword to port.
func Outl(port uint16, v uint32)
