package x86

import (
	"sync/atomic"
	_ "unsafe" // go:linkname
)

// entersyscallblock and exitsyscall are the Go runtime's bracket of a
// blocking system call (exported by linkname to gVisor, which runs
// application code the same way): entersyscallblock gives the P away at
// once (to an M that runs what is runnable, or to the idle list), and
// exitsyscall takes an idle P, or queues the goroutine until one is free.
//
//go:linkname entersyscallblock runtime.entersyscallblock
func entersyscallblock()

//go:linkname exitsyscall runtime.exitsyscall
func exitsyscall()

// EnterUserDetached is EnterUser bracketed as a blocking system call:
// while the thread runs in ring 3 its goroutine holds no P, so user
// threads whose goroutines are locked to kernel threads of their own run
// (and are ordered by the kernel's scheduler) beyond GOMAXPROCS, as a
// real kernel's threads do, and the kernel's other goroutines are not
// kept waiting for the P. A P is needed again only when it returns:
// after a SYSCALL or an exception, or after an interrupt (which the
// kernel has serviced) once *a != a0 or *b != b0 (counts the kernel bumps
// to recall the thread) or after max interrupts; across other interrupts
// it resumes the user code at once. The caller's goroutine must be
// locked to its thread (runtime.LockOSThread).
// Nosplit: nothing inside the bracket may grow the stack.
//
//go:nosplit
func EnterUserDetached(ctx *UserContext, a *uint32, a0 uint32, b *uint32, b0 uint32, max int) {
	entersyscallblock()
	for n := 0; ; n++ {
		EnterUser(ctx)
		v := ctx.Regs.Vector
		if v < 32 || v == VectorSyscall || n >= max ||
			atomic.LoadUint32(a) != a0 || atomic.LoadUint32(b) != b0 {
			break
		}
	}
	exitsyscall()
}
