// Package portio is x86 port I/O for user programs (ring 3): IN and OUT
// (Intel SDM Vol. 2A "IN", Vol. 2B "OUT"). In ring 3 they succeed only on
// ports the process holds through zx_ioports_request (the kernel's I/O
// permission bitmap in the TSS, SDM Vol. 1 §19.5.2); any other port
// raises #GP, which ends the process.
package portio

// In8 reads a byte from port.
func In8(port uint16) uint8

// In16 reads a word from port.
func In16(port uint16) uint16

// In32 reads a doubleword from port.
func In32(port uint16) uint32

// Out8 writes a byte to port.
func Out8(port uint16, v uint8)

// Out16 writes a word to port.
func Out16(port uint16, v uint16)

// Out32 writes a doubleword to port.
func Out32(port uint16, v uint32)
