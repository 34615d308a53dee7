package process

import (
	"encoding/binary"
	"math/bits"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: the Threads cases of thread_read_state and
// thread_write_state (utest/core/threads, register-set.cc). The
// originals' register-setting and register-saving functions are raw
// machine code here.

// Record sizes (zircon/syscalls/debug.h, x86-64).
const (
	generalRegsSize = 20 * 8
	fpRegsSize      = 160
	vectorRegsSize  = 32*64 + 8*8 + 8
	mxcsrOffset     = 32*64 + 8*8
)

// generalOrder is the order of zx_thread_state_general_regs_t's first 16
// fields (rax rbx rcx rdx rsi rdi rbp rsp r8-r15) as encodings.
var generalOrder = [16]int{rAX, rBX, rCX, rDX, rSI, rDI, rBP, rSP, r8, r9, r10, r11, r12, r13, r14, r15}

// testValue is general_regs_fill_test_values's value of field i.
func testValue(i int) uint64 { return 0x0101010101010101*uint64(i+1) ^ 0x8040201008040201 }

func readState(t *testing.T, th zx.Handle, kind uint32, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	ctest.Must(t, "thread_read_state", zx.Sys_thread_read_state(th, kind, unsafe.Pointer(&b[0]), uint(n)))
	return b
}

func writeState(th zx.Handle, kind uint32, b []byte) zx.Status {
	return zx.Sys_thread_write_state(th, kind, unsafe.Pointer(&b[0]), uint(len(b)))
}

func TestThreads_ReadingGeneralRegisterState(t *testing.T) {
	var a asm
	for i, reg := range generalOrder {
		a = a.movImm(reg, testValue(i))
	}
	a, spin := a.spin()
	r := newRawThread(t, a)
	runUntilWith(t, r, spin)
	regs := readState(t, r.thread.Handle, zx.ThreadStateGeneralRegs, generalRegsSize)
	for i := range generalOrder {
		if got := binary.LittleEndian.Uint64(regs[8*i:]); got != testValue(i) {
			t.Errorf("register %d = %#x, want %#x", i, got, testValue(i))
		}
	}
	if rip := binary.LittleEndian.Uint64(regs[16*8:]); rip != uint64(r.code)+uint64(spin) {
		t.Errorf("rip %#x", rip)
	}
}

// float80 is the x87 extended-precision encoding of n > 0.
func float80(n uint64) [10]byte {
	e := 63 - bits.LeadingZeros64(n)
	var b [10]byte
	binary.LittleEndian.PutUint64(b[:], n<<(63-e))
	binary.LittleEndian.PutUint16(b[8:], uint16(16383+e))
	return b
}

func TestThreads_ReadingFpRegisterState(t *testing.T) {
	// fild qword [rdi+8*i] for i = 0..7: st0 holds the last one.
	var a asm
	for i := 0; i < 8; i++ {
		a = append(a, 0xdf).modrmDisp32(5, rDI, int32(8*i))
	}
	a, spin := a.spin()
	r := newRawThread(t, a)
	vals := make([]byte, 64)
	for i := 0; i < 8; i++ {
		binary.LittleEndian.PutUint64(vals[8*i:], uint64(1000+i))
	}
	r.dataVmo.Write(vals, 0)
	runUntilWith(t, r, spin)
	regs := readState(t, r.thread.Handle, zx.ThreadStateFPRegs, fpRegsSize)
	for i := 0; i < 8; i++ {
		want := float80(uint64(1000 + 7 - i))
		if got := regs[32+16*i : 32+16*i+10]; string(got) != string(want[:]) {
			t.Errorf("st%d = % x, want % x", i, got, want)
		}
	}
}

// runUntilWith starts r (arg1: its data) and returns with the thread
// suspended at the spin at offset spin (RegisterReadSetup.RunUntil).
func runUntilWith(t *testing.T, r *rawThread, spin int) (*rawThread, zx.Handle) {
	t.Helper()
	r.start(t, uintptr(r.data), 0)
	t.Cleanup(func() {
		r.thread.Kill()
		r.thread.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second))
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		time.Sleep(time.Millisecond)
		tok := suspendSync(t, r.thread)
		regs := readState(t, r.thread.Handle, zx.ThreadStateGeneralRegs, generalRegsSize)
		if binary.LittleEndian.Uint64(regs[16*8:]) == uint64(r.code)+uint64(spin) {
			t.Cleanup(func() { zx.Sys_handle_close(tok) })
			return r, tok
		}
		if time.Now().After(deadline) {
			t.Fatal("the thread never reached its spin")
		}
		resumeSync(t, r.thread, tok)
	}
}

// vectorValue is vector_regs_fill_test_values's XMM i.
func vectorValue(i int) [16]byte {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:], testValue(i))
	binary.LittleEndian.PutUint64(b[8:], ^testValue(i))
	return b
}

// movdqu: MOVDQU xmm, [base+disp] (F3 0F 6F) or, store, [base+disp],
// xmm (F3 0F 7F).
func (a asm) movdqu(xmm, base int, disp int32, store bool) asm {
	a = append(a, 0xf3)
	if xmm >= 8 || base >= 8 {
		a = append(a, rex(false, xmm, base))
	}
	op := byte(0x6f)
	if store {
		op = 0x7f
	}
	return append(a, 0x0f, op).modrmDisp32(xmm, base, disp)
}

func checkVector(t *testing.T, regs []byte) {
	t.Helper()
	for i := 0; i < 16; i++ {
		want := vectorValue(i)
		if got := regs[64*i : 64*i+16]; string(got) != string(want[:]) {
			t.Errorf("xmm%d = % x, want % x", i, got, want)
		}
		for _, v := range regs[64*i+16 : 64*i+64] {
			if v != 0 {
				t.Errorf("zmm%d's upper part is not 0", i)
				break
			}
		}
	}
	for _, v := range regs[16*64 : mxcsrOffset] {
		if v != 0 {
			t.Error("zmm16-31 or opmask not 0")
			break
		}
	}
}

func TestThreads_ReadingVectorRegisterState(t *testing.T) {
	var a asm
	for i := 0; i < 16; i++ {
		a = a.movdqu(i, rDI, int32(16*i), false)
	}
	a, spin := a.spin()
	r := newRawThread(t, a)
	for i := 0; i < 16; i++ {
		v := vectorValue(i)
		r.dataVmo.Write(v[:], uint64(16*i))
	}
	runUntilWith(t, r, spin)
	regs := make([]byte, vectorRegsSize)
	for i := range regs {
		regs[i] = 0xff
	}
	ctest.Must(t, "thread_read_state(VECTOR)", zx.Sys_thread_read_state(r.thread.Handle, zx.ThreadStateVectorRegs, unsafe.Pointer(&regs[0]), vectorRegsSize))
	checkVector(t, regs)
}

// writeSetup is RegisterWriteSetup.Init: a thread storing 1 at its data,
// suspended.
func writeSetup(t *testing.T, save []byte) (*rawThread, zx.Handle) {
	t.Helper()
	// The store loop at 0, the save routine after it.
	code := append(storeCode(), save...)
	r := newRawThread(t, code)
	r.start(t, uintptr(r.data), 0)
	deadline := time.Now().Add(10 * time.Second)
	for r.word(0) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the thread does not run")
		}
		time.Sleep(time.Millisecond)
	}
	tok := suspendSync(t, r.thread)
	t.Cleanup(func() {
		r.thread.Kill()
		r.thread.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second))
	})
	return r, tok
}

// saveStack is where DoSave points the stack: the record the save
// routine writes.
const saveStack = 2 * zx.PageSize

// doSave is RegisterWriteSetup.DoSave: run the save routine (after the
// store loop in the code page) on the suspended thread and return what
// it stored at its stack pointer; also the PC and SP it ran with.
func doSave(t *testing.T, r *rawThread, tok zx.Handle, n int) ([]byte, uint64, uint64) {
	t.Helper()
	regs := readState(t, r.thread.Handle, zx.ThreadStateGeneralRegs, generalRegsSize)
	pc, sp := uint64(r.code)+uint64(len(storeCode())), uint64(r.data)+saveStack
	binary.LittleEndian.PutUint64(regs[16*8:], pc)
	binary.LittleEndian.PutUint64(regs[7*8:], sp)
	ctest.Must(t, "thread_write_state(GENERAL)", writeState(r.thread.Handle, zx.ThreadStateGeneralRegs, regs))
	ctest.Must(t, "close the token", zx.Sys_handle_close(tok))
	waitTerminated(t, r.thread.Handle)
	out := make([]byte, n)
	r.dataVmo.Read(out, saveStack)
	return out, pc, sp
}

func TestThreads_WritingGeneralRegisterState(t *testing.T) {
	// save_general_regs_and_exit_thread: each register to [rsp+8*i].
	var save asm
	for i, reg := range generalOrder {
		save = save.store64(rSP, int32(8*i), reg)
	}
	save = save.sys(zx.SysThreadExit).ud2()
	r, tok := writeSetup(t, save)
	set := make([]byte, generalRegsSize)
	for i := range generalOrder {
		binary.LittleEndian.PutUint64(set[8*i:], testValue(i))
	}
	binary.LittleEndian.PutUint64(set[16*8:], uint64(r.code))
	binary.LittleEndian.PutUint64(set[17*8:], 0x202)
	ctest.Must(t, "thread_write_state(GENERAL)", writeState(r.thread.Handle, zx.ThreadStateGeneralRegs, set))
	got, _, sp := doSave(t, r, tok, 16*8)
	for i := range generalOrder {
		want := testValue(i)
		if generalOrder[i] == rSP {
			want = sp
		}
		if v := binary.LittleEndian.Uint64(got[8*i:]); v != want {
			t.Errorf("register %d = %#x, want %#x", i, v, want)
		}
	}
}

func TestThreads_WritingSingleStepState(t *testing.T) {
	r, _ := writeSetup(t, nil)
	h := r.thread.Handle
	step := func(v uint32, n int) zx.Status {
		b := binary.LittleEndian.AppendUint32(nil, v)
		b = append(b, 0)
		return zx.Sys_thread_write_state(h, zx.ThreadStateSingleStep, unsafe.Pointer(&b[0]), uint(n))
	}
	ctest.Want(t, "single step 0", step(0, 4), zx.OK)
	ctest.Want(t, "single step 1", step(1, 4), zx.OK)
	ctest.Want(t, "single step 2", step(2, 4), zx.ErrInvalidArgs)
	ctest.Want(t, "single step UINT32_MAX", step(0xffffffff, 4), zx.ErrInvalidArgs)
	ctest.Want(t, "single step 0, larger buffer", step(0, 5), zx.OK)
	ctest.Want(t, "single step 0, smaller buffer", step(0, 3), zx.ErrBufferTooSmall)
}

func TestThreads_WritingFpRegisterState(t *testing.T) {
	// save_fp_regs_and_exit_thread: FXSAVE64 [rsp].
	var save asm
	save = append(save, 0x48, 0x0f, 0xae, 0x04, 0x24)
	save = save.sys(zx.SysThreadExit).ud2()
	r, tok := writeSetup(t, save)
	set := make([]byte, fpRegsSize)
	binary.LittleEndian.PutUint16(set[0:], 0x037f) // fcw
	for i := 0; i < 8; i++ {
		v := float80(uint64(77 + 3*i))
		copy(set[32+16*i:], v[:])
	}
	ctest.Must(t, "thread_write_state(FP)", writeState(r.thread.Handle, zx.ThreadStateFPRegs, set))
	got, _, _ := doSave(t, r, tok, 512)
	if fcw := binary.LittleEndian.Uint16(got); fcw != 0x037f {
		t.Errorf("fcw %#x", fcw)
	}
	for i := 0; i < 8; i++ {
		if g, w := got[32+16*i:32+16*i+10], set[32+16*i:32+16*i+10]; string(g) != string(w) {
			t.Errorf("st%d = % x, want % x", i, g, w)
		}
	}
}

func vectorSet() []byte {
	b := make([]byte, vectorRegsSize)
	for i := 0; i < 16; i++ {
		v := vectorValue(i)
		copy(b[64*i:], v[:])
	}
	binary.LittleEndian.PutUint32(b[mxcsrOffset:], 0x1f80)
	return b
}

func TestThreads_WritingVectorRegisterState(t *testing.T) {
	// save_vector_regs_and_exit_thread: each XMM to [rsp+64*i] (the
	// record's layout), MXCSR to its place.
	var save asm
	for i := 0; i < 16; i++ {
		save = save.movdqu(i, rSP, int32(64*i), true)
	}
	save = append(append(save, 0x0f, 0xae), 0x9c, 0x24) // stmxcsr [rsp+disp32]
	save = binary.LittleEndian.AppendUint32(save, mxcsrOffset)
	save = save.sys(zx.SysThreadExit).ud2()
	r, tok := writeSetup(t, save)
	set := vectorSet()
	ctest.Must(t, "thread_write_state(VECTOR)", writeState(r.thread.Handle, zx.ThreadStateVectorRegs, set))
	got, _, _ := doSave(t, r, tok, vectorRegsSize)
	for i := 0; i < 16; i++ {
		if g, w := got[64*i:64*i+16], set[64*i:64*i+16]; string(g) != string(w) {
			t.Errorf("xmm%d = % x, want % x", i, g, w)
		}
	}
	if m := binary.LittleEndian.Uint32(got[mxcsrOffset:]); m != 0x1f80 {
		t.Errorf("mxcsr %#x", m)
	}
}

func TestThreads_WritingVectorRegisterState_UnsupportedFieldsIgnored(t *testing.T) {
	r, _ := writeSetup(t, nil)
	set := vectorSet()
	for reg := 0; reg < 32; reg++ {
		from := 2 // past XMM's two words (Zircon's v[5..7] on AVX; Beryl has no AVX state)
		if reg >= 16 {
			from = 0
		}
		for i := from; i < 8; i++ {
			binary.LittleEndian.PutUint64(set[64*reg+8*i:], ^uint64(0))
		}
	}
	ctest.Must(t, "thread_write_state(VECTOR)", writeState(r.thread.Handle, zx.ThreadStateVectorRegs, set))
	got := readState(t, r.thread.Handle, zx.ThreadStateVectorRegs, vectorRegsSize)
	checkVector(t, got)
}

func TestThreads_WriteThreadStateWithInvalidMxcsrIsInvalidArgs(t *testing.T) {
	r, _ := writeSetup(t, nil)
	start := readState(t, r.thread.Handle, zx.ThreadStateVectorRegs, vectorRegsSize)
	bad := append([]byte(nil), start...)
	binary.LittleEndian.PutUint32(bad[mxcsrOffset:], 0xffffffff)
	ctest.Want(t, "thread_write_state(MXCSR all ones)", writeState(r.thread.Handle, zx.ThreadStateVectorRegs, bad), zx.ErrInvalidArgs)
	if end := readState(t, r.thread.Handle, zx.ThreadStateVectorRegs, vectorRegsSize); string(end) != string(start) {
		t.Error("a refused write changed the vector registers")
	}
}
