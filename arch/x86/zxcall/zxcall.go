// Package zxcall is the user-side trampoline for Beryl's zx system calls:
// it issues SYSCALL with Zircon's x86-64 register convention (number in
// RAX; arguments in RDI, RSI, RDX, R10, R8, R9, R12, R13; result in RAX;
// RCX and R11 clobbered by the instruction, Intel SDM Vol. 2B "SYSCALL").
//
// It is linked into user programs (GOOS=linux, ring 3), never into the
// kernel. Two entry points:
//
//   - Call tells the Go scheduler that the goroutine is in a system call
//     (runtime.entersyscall / exitsyscall, reached from assembly exactly as
//     golang.org/x/sys/unix does), so a blocking zx call (a wait, a sleep,
//     a long copy) releases its P and other goroutines keep running.
//   - RawCall does not; use it for calls that never block.
//
// Both are assembly functions, so the compiler keeps alive, and does not
// move, any object whose address a caller converts to uintptr in the
// argument list (unsafe.Pointer rule 4); both are NOSPLIT and so is the
// runtime path they call, so the stack cannot move during the call.
package zxcall

// Call issues zx system call num with up to eight arguments, releasing the
// scheduler's P for the duration, and returns RAX (a zx_status_t for most
// calls, sign-extended).
//
//go:noescape
func Call(num, a0, a1, a2, a3, a4, a5, a6, a7 uintptr) uintptr

// RawCall issues zx system call num without telling the scheduler; the
// call must not block.
//
//go:noescape
func RawCall(num, a0, a1, a2, a3, a4, a5, a6, a7 uintptr) uintptr
