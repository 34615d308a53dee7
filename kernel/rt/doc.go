// Package rt is the kernel's runtime layer: it serves the Linux system
// calls that the stock Go runtime (running in ring 0) makes, on top of
// kernel threads that it time-slices with the local APIC timer.
//
// Every Go runtime thread (M) is a kernel thread here: a saved register
// frame and FXSAVE image in a fixed table. All entries to the kernel
// (SYSCALL from ring 0, interrupts, exceptions) arrive in HandleTrap on a
// trap stack with interrupts disabled; a context switch is a copy of the
// trap frame into the outgoing thread and of the incoming thread's frame
// onto the trap stack, and IRETQ resumes whichever thread is current.
// Blocking calls (futex, nanosleep, epoll_pwait) park the thread and
// switch; the timer wakes deadlines and reschedules, so that a CPU-bound
// goroutine cannot starve sysmon.
//
// Scheduling follows Zircon's two disciplines (package sched holds the
// arithmetic): at every tick, block, wake-up IPI and sched_yield, a CPU
// charges its current thread for the time it ran and picks, among the
// runnable threads allowed on it and its current one, first the eligible
// deadline thread with the earliest deadline (each runs for its capacity
// per period, then waits for its next period), else the fair thread with
// the least weighted virtual time, rotating among equals. Every thread is
// fair at the default priority (16) until SetPriority or SetDeadline says
// otherwise (kernel/proc does for threads with a profile, whose goroutines
// it locks to kernel threads of their own), so the Go runtime's own Ms
// are never starved by a fair thread and get what deadline threads leave.
// A thread that wakes starts no earlier in virtual time than the CPU it
// last ran on has reached (vnowOf), so sleeping earns no credit. The
// idle contexts are not in the competition: a CPU runs its idle context
// when nothing is eligible.
//
// Signals are delivered Linux-style (rt_sigframe on the sigaltstack,
// rt_sigreturn), which gives the runtime async preemption (SIGURG) and
// turns kernel faults in goroutines into Go panics (SIGSEGV, SIGFPE).
//
// Everything reachable from HandleTrap is trap-path code: nosplit, no
// allocation, no Go pointer stores (all state is integers in BSS). An
// exception handler must not fault either: exceptions from ring 0 share
// one IST stack per CPU, so a nested one would overwrite the outer
// frame (signal frames are written to pages kmem.Prepare has made
// present; HandleTrap stops on a nested exception).
// Locking: the trap path runs with interrupts disabled and holds
// x86.TrapLock (a CPU-recursive spin lock, also kmem's lock) for all of
// HandleTrap, so the thread table and the other state here are reached by
// one CPU at a time; scheduler state that is per CPU (current thread,
// loaded FS base, trap depth, virtual time, charge start) is indexed by
// the CPU number. Goroutine
// code that shares state with the trap path (IRQ counters) uses atomics.
// Application processors run threads with smp=on, the default (see
// smp.go); with smp=off they take no lock and touch none of this. Lock
// order: rt → kmem (the same lock, taken recursively).
package rt
