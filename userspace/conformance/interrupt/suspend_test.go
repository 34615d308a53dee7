package interrupt

import (
	"encoding/binary"
	"testing"
	"time"

	"beryl/userspace/zx"
)

// waitIrqCode is the original's ThreadEntry as machine code: wait on the
// interrupt whose handle is in RDI (no timestamp), then exit the thread.
func waitIrqCode() []byte {
	code := []byte{0x31, 0xf6, 0xb8} // xor esi, esi; mov eax, imm32
	code = binary.LittleEndian.AppendUint32(code, zx.SysInterruptWait)
	code = append(code, 0x0f, 0x05, 0xb8) // syscall; mov eax, imm32
	code = binary.LittleEndian.AppendUint32(code, zx.SysThreadExit)
	return append(code, 0x0f, 0x05, 0x0f, 0x0b) // syscall; ud2
}

// waitThreadState polls until th reports state (the original's WaitThread,
// with a deadline instead of forever).
func waitThreadState(t *testing.T, th zx.Thread, state uint32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := th.Info()
		if err != nil {
			t.Fatalf("get_info(THREAD): %v", err)
		}
		if info.State == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("thread state %#x, want %#x", info.State, state)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestInterruptTest_WaitThreadFunctionsAfterSuspendResume: a thread
// blocked in interrupt_wait can be suspended and resumed, goes back to
// waiting, and a trigger then releases it.
func TestInterruptTest_WaitThreadFunctionsAfterSuspendResume(t *testing.T) {
	irq := rootVirtual(t)
	root := zx.VmarRootSelf()

	// The thread's code and stack.
	cv, err := zx.NewVmo(zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := cv.Write(waitIrqCode(), 0); err != nil {
		t.Fatal(err)
	}
	if cv, err = cv.ReplaceAsExecutable(zx.HandleInvalid); err != nil {
		t.Fatalf("vmo_replace_as_executable: %v", err)
	}
	defer cv.Close()
	sv, err := zx.NewVmo(zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer sv.Close()
	entry, err := root.Map(zx.VMPermRead|zx.VMPermExecute, 0, cv, 0, zx.PageSize)
	if err != nil {
		t.Fatalf("mapping code: %v", err)
	}
	stack, err := root.Map(zx.VMPermRead|zx.VMPermWrite, 0, sv, 0, zx.PageSize)
	if err != nil {
		t.Fatalf("mapping stack: %v", err)
	}

	th, err := zx.NewThread(zx.ProcessSelf(), "interrupt_test_thread", 0)
	if err != nil {
		t.Fatalf("thread_create: %v", err)
	}
	t.Cleanup(func() {
		// Unmap only once the thread is gone (a failed case may leave it
		// waiting: destroying the interrupt releases it).
		zx.Sys_interrupt_destroy(irq)
		th.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second))
		th.Close()
		root.Unmap(entry, zx.PageSize)
		root.Unmap(stack, zx.PageSize)
	})
	if err := th.Start(entry, stack+zx.PageSize, uintptr(irq), 0); err != nil {
		t.Fatalf("thread_start: %v", err)
	}

	waitThreadState(t, th, zx.ThreadStateBlockedInterrupt)

	var tok zx.Handle
	must(t, "task_suspend", zx.Sys_task_suspend_token(th.Handle, &tok))
	waitThreadState(t, th, zx.ThreadStateSuspended)

	must(t, "close the suspend token", zx.Sys_handle_close(tok))
	waitThreadState(t, th, zx.ThreadStateBlockedInterrupt)

	must(t, "interrupt_trigger", zx.Sys_interrupt_trigger(irq, 0, 0))
	if _, err := th.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for the thread to exit: %v", err)
	}
}
