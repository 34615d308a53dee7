// Package dfstore lets a ring-3 test take a page fault with RFLAGS.DF set,
// as a fault in the middle of a user backward copy does (Go's memmove
// copies overlapping ranges downward with STD; REP MOVSQ): the kernel must
// not run its own code with the user's DF. It is linked into user
// programs (GOOS=linux, ring 3), never into the kernel.
package dfstore

// StoreByte stores v at *p with RFLAGS.DF set around the store (STD,
// MOVB, CLD; SDM Vol. 2B "STD"), so a fault on the store traps with DF set.
func StoreByte(p *byte, v byte)
