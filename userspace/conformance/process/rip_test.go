package process

import (
	"encoding/binary"
	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: the Threads cases that write a thread's RIP or RFLAGS
// with thread_write_state and resume it (utest/core/threads): a
// non-canonical RIP must be refused, whether the thread would return
// with SYSRETQ or IRETQ.

// linearAddressWidth is the width of a linear address in force: 48,
// as Beryl runs 4-level paging (CR4.LA57 clear, SDM Vol. 3A §4.5). The
// originals read CPUID 0x80000008, which reports what the CPU could do:
// QEMU's CPU there says 57, a width only 5-level paging would give.
const linearAddressWidth = 48

// kernelAddr is the originals' kKernelAddr.
const kernelAddr = 0xffffff8000000000

func setRIP(regs []byte, rip uint64) []byte {
	b := append([]byte(nil), regs...)
	binary.LittleEndian.PutUint64(b[16*8:], rip)
	return b
}

func TestThreads_NoncanonicalRipAddressSyscall(t *testing.T) {
	noncanonical := uint64(1) << (linearAddressWidth - 1)
	canonical := noncanonical - 1
	event := newEvent(t)
	defer zx.Sys_handle_close(event)
	r := newRawThread(t, waitCode())
	r.start(t, uintptr(event), 0)
	// Wait until the thread has entered the syscall.
	waitState(t, r.thread, zx.ThreadStateBlockedWaitOne)
	tok := suspendSync(t, r.thread)
	h := r.thread.Handle
	regs := readState(t, h, zx.ThreadStateGeneralRegs, generalRegsSize)
	ctest.Want(t, "non-canonical RIP", writeState(h, zx.ThreadStateGeneralRegs, setRIP(regs, noncanonical)), zx.ErrInvalidArgs)
	ctest.Want(t, "canonical RIP", writeState(h, zx.ThreadStateGeneralRegs, setRIP(regs, canonical)), zx.OK)
	ctest.Want(t, "kernel RIP", writeState(h, zx.ThreadStateGeneralRegs, setRIP(regs, kernelAddr)), zx.ErrInvalidArgs)
	// Restore the original state, let the thread go on and exit.
	ctest.Must(t, "restore the registers", writeState(h, zx.ThreadStateGeneralRegs, regs))
	ctest.Must(t, "close the token", zx.Sys_handle_close(tok))
	ctest.Must(t, "signal USER_0", zx.Sys_object_signal(event, 0, uint32(zx.SignalUser0)))
	ctest.Must(t, "wait USER_1", zx.Sys_object_wait_one(event, zx.SignalUser1, zx.TimeInfinite, nil))
	ctest.Must(t, "wait TERMINATED", zx.Sys_object_wait_one(h, zx.TaskTerminated, zx.TimeInfinite, nil))
}

func TestThreads_NoncanonicalRipAddressIRETQ(t *testing.T) {
	noncanonical := uint64(1) << (linearAddressWidth - 1)
	test := func(name string, addr func(r *rawThread, spin int) uint64, want zx.Status) {
		t.Helper()
		var a asm
		a, spin := a.spin()
		r := newRawThread(t, a)
		_, tok := runUntilWith(t, r, spin)
		h := r.thread.Handle
		regs := readState(t, h, zx.ThreadStateGeneralRegs, generalRegsSize)
		ctest.Want(t, name, writeState(h, zx.ThreadStateGeneralRegs, setRIP(regs, addr(r, spin))), want)
		// Resume and suspend again: had the write taken, the thread
		// would return to that RIP with IRETQ.
		resumeSync(t, r.thread, tok)
		tok = suspendSync(t, r.thread)
		t.Cleanup(func() { zx.Sys_handle_close(tok) })
	}
	test("spin address", func(r *rawThread, spin int) uint64 { return uint64(r.code) + uint64(spin) }, zx.OK)
	test("non-canonical RIP", func(*rawThread, int) uint64 { return noncanonical }, zx.ErrInvalidArgs)
	test("kernel RIP", func(*rawThread, int) uint64 { return kernelAddr }, zx.ErrInvalidArgs)
}
