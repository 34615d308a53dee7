// Package fpcheck tests, from ring 3, that the kernel keeps a user
// thread's x87/SSE state across system calls, interrupts and switches
// between threads (the kernel switches user x87 state lazily: see
// arch/x86/fpu_unsafe.go). It is linked into user programs (the
// conformance suite), never into the kernel.
package fpcheck

// Loop fills the x87 register stack, the x87 control word, XMM0-15 and
// MXCSR with values derived from seed (a non-default rounding mode in
// both units), then n times spins for spin iterations and makes the
// Linux system call nr with arg as its first argument (the others 0). After each call it compares the
// x87/SSE state (FXSAVE bytes 0-415 but for FOP, FIP and FDP) with
// the state it set, and
// returns the first iteration whose state differs, or -1. Everything
// runs in assembly: Go code would itself use the XMM registers. The
// state Go expects (FNINIT, default MXCSR, X15 zero) is restored before
// it returns.
func Loop(seed uint64, n, spin int, nr, arg uintptr) int
