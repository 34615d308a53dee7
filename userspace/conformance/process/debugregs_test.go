package process

import (
	"encoding/binary"
	"reflect"
	"testing"
	"time"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: the Threads cases of the debug registers
// (ZX_THREAD_STATE_DEBUG_REGS) and of the thread-local bases
// (utest/core/threads, register-set.cc), and Beryl's own checks that
// armed breakpoints fire in their thread and only there.

// debugRegsSize is sizeof(zx_thread_state_debug_regs_t) on x86-64:
// dr[4], dr6, dr7.
const debugRegsSize = 6 * 8

// DR6 and DR7 with every writable bit 0 (the originals' DR6_ZERO_MASK
// and DR7_ZERO_MASK).
const (
	dr6ZeroMask = 0xffff0ff0
	dr7ZeroMask = 0x700
)

// debugRegs encodes a zx_thread_state_debug_regs_t.
func debugRegs(dr [4]uint64, dr6, dr7 uint64) []byte {
	b := make([]byte, 0, debugRegsSize)
	for _, v := range dr {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	b = binary.LittleEndian.AppendUint64(b, dr6)
	return binary.LittleEndian.AppendUint64(b, dr7)
}

// debugRegsFillTestValues is debug_regs_fill_test_values: breakpoints
// relative to its own address (user code no thread runs again), and the
// record thread_read_state must give back.
func debugRegsFillTestValues() (write, want []byte) {
	base := uint64(reflect.ValueOf(debugRegsFillTestValues).Pointer())
	dr := [4]uint64{base, base + 0x4000, base + 0x8000, 0} // zero is valid too
	return debugRegs(dr, 0, 0x33), debugRegs(dr, dr6ZeroMask, 0x733)
}

// debugRegsExpectEq is debug_regs_expect_eq.
func debugRegsExpectEq(t *testing.T, got, want []byte) {
	t.Helper()
	names := [...]string{"DR0", "DR1", "DR2", "DR3", "DR6", "DR7"}
	for i, n := range names {
		if g, w := binary.LittleEndian.Uint64(got[8*i:]), binary.LittleEndian.Uint64(want[8*i:]); g != w {
			t.Errorf("%s = %#x, want %#x", n, g, w)
		}
	}
}

// spinWithDebugRegs is spin_with_debug_regs run to its spin
// (RegisterReadSetup.RunUntil): the thread, suspended, and the token.
func spinWithDebugRegs(t *testing.T) (*rawThread, zx.Handle) {
	t.Helper()
	var a asm
	a, spin := a.spin()
	return runUntilWith(t, newRawThread(t, a), spin)
}

func TestThreads_WriteReadDebugRegisterState(t *testing.T) {
	write, want := debugRegsFillTestValues()
	r, tok := spinWithDebugRegs(t)
	h := r.thread.Handle
	ctest.Must(t, "thread_write_state(DEBUG_REGS)", writeState(h, zx.ThreadStateDebugRegs, write))
	// Resume and suspend again: the registers go with the thread.
	resumeSync(t, r.thread, tok)
	tok = suspendSync(t, r.thread)
	t.Cleanup(func() { zx.Sys_handle_close(tok) })
	debugRegsExpectEq(t, readState(t, h, zx.ThreadStateDebugRegs, debugRegsSize), want)
}

func TestThreads_DebugRegistersValidation(t *testing.T) {
	r, _ := spinWithDebugRegs(t)
	h := r.thread.Handle
	// All zeros is valid and reads back with the fixed bits.
	ctest.Must(t, "write zeros", writeState(h, zx.ThreadStateDebugRegs, debugRegs([4]uint64{}, 0, 0)))
	debugRegsExpectEq(t, readState(t, h, zx.ThreadStateDebugRegs, debugRegsSize), debugRegs([4]uint64{}, dr6ZeroMask, dr7ZeroMask))
	// Addresses outside the user address space: below its base, and a
	// kernel (non-canonical) one.
	ctest.Want(t, "DR1 = 0x1000", writeState(h, zx.ThreadStateDebugRegs, debugRegs([4]uint64{0, 0x1000}, 0, 0)), zx.ErrInvalidArgs)
	ctest.Want(t, "DR2 = 0xffff00000000", writeState(h, zx.ThreadStateDebugRegs, debugRegs([4]uint64{0, 0, 0xffff00000000}, 0, 0)), zx.ErrInvalidArgs)
	// Bits no debugger may set are masked out (GD avoided by the mask
	// itself); DR6 is not written at all.
	ctest.Must(t, "write all other bits", writeState(h, zx.ThreadStateDebugRegs, debugRegs([4]uint64{}, ^uint64(dr6ZeroMask), ^uint64(dr7ZeroMask))))
	debugRegsExpectEq(t, readState(t, h, zx.ThreadStateDebugRegs, debugRegsSize), debugRegs([4]uint64{}, dr6ZeroMask, 0xffff07ff))
}

func TestThreads_ThreadLocalRegisterState(t *testing.T) {
	// save_thread_local_regs_and_exit_thread: FS:0 and GS:0 to [rsp] and
	// [rsp+8], then 0x12345678 to FS:0 and 0x7890abcd to GS:0.
	var save asm
	save = append(save, 0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0) // mov rax, fs:0
	save = save.store64(rSP, 0, rAX)
	save = append(save, 0x65, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0) // mov rax, gs:0
	save = save.store64(rSP, 8, rAX)
	save = append(save, 0x64, 0x48, 0xc7, 0x04, 0x25, 0, 0, 0, 0, 0x78, 0x56, 0x34, 0x12) // mov qword fs:0, 0x12345678
	save = append(save, 0x65, 0x48, 0xc7, 0x04, 0x25, 0, 0, 0, 0, 0xcd, 0xab, 0x90, 0x78) // mov qword gs:0, 0x7890abcd
	save = save.sys(zx.SysThreadExit).ud2()
	r, tok := writeSetup(t, save)
	// The bases point at the original's two locals: here words in the
	// thread's data pages.
	const fsOff, gsOff = 0x100, 0x108
	put := func(off, v uint64) { r.dataVmo.Write(binary.LittleEndian.AppendUint64(nil, v), off) }
	get := func(off uint64) uint64 {
		var b [8]byte
		r.dataVmo.Read(b[:], off)
		return binary.LittleEndian.Uint64(b[:])
	}
	put(fsOff, 0x1234)
	put(gsOff, 0x5678)
	regs := make([]byte, generalRegsSize)
	binary.LittleEndian.PutUint64(regs[18*8:], uint64(r.data)+fsOff)
	binary.LittleEndian.PutUint64(regs[19*8:], uint64(r.data)+gsOff)
	ctest.Must(t, "thread_write_state(GENERAL)", writeState(r.thread.Handle, zx.ThreadStateGeneralRegs, regs))
	got, _, _ := doSave(t, r, tok, 16)
	for _, c := range []struct {
		name      string
		got, want uint64
	}{
		{"fs_base_value", binary.LittleEndian.Uint64(got), 0x1234},
		{"gs_base_value", binary.LittleEndian.Uint64(got[8:]), 0x5678},
		{"FS:0 after", get(fsOff), 0x12345678},
		{"GS:0 after", get(gsOff), 0x7890abcd},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
}

// TestDebugRegsPerThread: a breakpoint armed on one thread does not fire
// in another thread of the process that runs the code it watches, while
// both share the CPU (each entry to ring 3 switches the registers); the
// registers read back as written after both ran.
func TestDebugRegsPerThread(t *testing.T) {
	var a asm
	a, spin := a.spin()
	victim, vtok := runUntilWith(t, newRawThread(t, a), spin)
	watcher, wtok := runUntilWith(t, newRawThread(t, a), spin)
	// The watcher's DR0 is an execution breakpoint (R/W0 = LEN0 = 0) on
	// the victim's spin; L0 arms it.
	target := uint64(victim.code) + uint64(spin)
	regs := debugRegs([4]uint64{target}, 0, 1)
	ctest.Must(t, "thread_write_state(DEBUG_REGS)", writeState(watcher.thread.Handle, zx.ThreadStateDebugRegs, regs))
	resumeSync(t, watcher.thread, wtok)
	resumeSync(t, victim.thread, vtok)
	// A few timer ticks with both in ring 3.
	time.Sleep(20 * time.Millisecond)
	wtok = suspendSync(t, watcher.thread)
	vtok = suspendSync(t, victim.thread)
	t.Cleanup(func() { zx.Sys_handle_close(wtok); zx.Sys_handle_close(vtok) })
	for _, r := range []*rawThread{victim, watcher} {
		g := readState(t, r.thread.Handle, zx.ThreadStateGeneralRegs, generalRegsSize)
		if rip := binary.LittleEndian.Uint64(g[16*8:]); rip != uint64(r.code)+uint64(spin) {
			t.Errorf("thread left its spin: rip %#x", rip)
		}
	}
	debugRegsExpectEq(t, readState(t, watcher.thread.Handle, zx.ThreadStateDebugRegs, debugRegsSize),
		debugRegs([4]uint64{target}, dr6ZeroMask, dr7ZeroMask|1))
	debugRegsExpectEq(t, readState(t, victim.thread.Handle, zx.ThreadStateDebugRegs, debugRegsSize),
		debugRegs([4]uint64{}, ^uint64(0xe00f), ^uint64(0xffff00ff)))
}

// TestDebugRegsBreakpointFires: an execution breakpoint on code the
// thread does not reach lets it run; rewritten onto the instruction the
// suspended thread resumes at, it raises a #DB as soon as it resumes. Without exception channels an unhandled #DB ends the process,
// so the thread runs in a child process.
func TestDebugRegsBreakpointFires(t *testing.T) {
	job := miniJob(t)
	name := []byte("hwbp")
	var proc, vmar, th zx.Handle
	ctest.Must(t, "process_create", zx.Sys_process_create(job, &name[0], uint(len(name)), 0, &proc, &vmar))
	defer zx.Sys_handle_close(proc)
	defer zx.Sys_handle_close(vmar)
	ctest.Must(t, "thread_create", zx.Sys_thread_create(proc, &name[0], uint(len(name)), 0, &th))
	thread := zx.Thread{Handle: th}
	defer thread.Close()
	var a asm
	a, spin := a.spin()
	cv, err := zx.NewVmo(zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := cv.Write(a, 0); err != nil {
		t.Fatal(err)
	}
	if cv, err = cv.ReplaceAsExecutable(zx.HandleInvalid); err != nil {
		t.Fatal(err)
	}
	defer cv.Close()
	var entry zx.Vaddr
	ctest.Must(t, "vmar_map", zx.Sys_vmar_map(vmar, zx.VMPermRead|zx.VMPermExecute, 0, cv.Handle, 0, zx.PageSize, &entry))
	ctest.Must(t, "process_start", zx.Sys_process_start(proc, th, entry, 0, zx.HandleInvalid, 0))
	if _, err := thread.WaitOne(zx.ThreadRunning, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for ZX_THREAD_RUNNING: %v", err)
	}
	// First a breakpoint on code the thread never reaches: it runs on.
	tok := suspendSync(t, thread)
	regs := debugRegs([4]uint64{uint64(entry) + 0x100}, 0, 1)
	ctest.Must(t, "thread_write_state(DEBUG_REGS), unreached", writeState(th, zx.ThreadStateDebugRegs, regs))
	resumeSync(t, thread, tok)
	time.Sleep(5 * time.Millisecond)
	tok = suspendSync(t, thread)
	// Then, rewritten, on its spin.
	regs = debugRegs([4]uint64{uint64(entry) + uint64(spin)}, 0, 1)
	ctest.Must(t, "thread_write_state(DEBUG_REGS), spin", writeState(th, zx.ThreadStateDebugRegs, regs))
	ctest.Must(t, "close the token", zx.Sys_handle_close(tok))
	if _, err := zx.Handle(proc).WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("the breakpoint did not end the process: %v", err)
	}
	if info := processInfo(t, proc); info.ReturnCode == 0 {
		t.Errorf("return code 0, want the unhandled #DB's")
	}
}
