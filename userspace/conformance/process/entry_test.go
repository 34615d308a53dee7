package process

import (
	"encoding/binary"
	"testing"
	"time"

	"beryl/userspace/zx"
)

// badEntries are entry points outside the user address space. Zircon's
// ThreadDispatcher::MakeRunnable refuses them with ZX_ERR_INVALID_ARGS
// (arch_is_valid_user_pc: 0, or a canonical user address that is not a
// kernel one); the stack pointer is not checked (a bad one faults in user
// mode, ending only the process).
var badEntries = []struct {
	name string
	pc   zx.Vaddr
}{
	{"0x1", 0x1},
	{"below_user_base", 0xfff},
	{"non_canonical", 0x0000_8000_0000_0000},
	{"non_canonical_high", 0x8000_0000_0000_0000},
	{"kernel_half", 0xffff_8000_0000_0000},
	{"kernel_image", 0xffff_ffff_8020_0000},
	{"last_byte", 0xffff_ffff_ffff_ffff},
}

// TestProcessStartBadEntry: process_start with an entry point outside
// the user address space is ZX_ERR_INVALID_ARGS; arg1 is consumed (as on
// every process_start failure), the process stays unstarted and can then
// be started at a valid entry point.
func TestProcessStartBadEntry(t *testing.T) {
	proc, vmar, err := zx.NewProcess(zx.JobDefault(), "badentry", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Close()
	defer vmar.Close()
	th, err := zx.NewThread(proc, "main", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	for _, c := range badEntries {
		t.Run(c.name, func(t *testing.T) {
			ev, err := zx.NewEvent(0)
			if err != nil {
				t.Fatal(err)
			}
			if st := zx.Sys_process_start(proc.Handle, th.Handle, c.pc, 0x10_0000, ev.Handle, 0); st != zx.ErrInvalidArgs {
				t.Errorf("process_start(entry %#x): %v, want ZX_ERR_INVALID_ARGS", c.pc, st)
			}
			if st := zx.Sys_handle_close(ev.Handle); st != zx.ErrBadHandle {
				t.Errorf("arg1 after a failed process_start: close gives %v, want ZX_ERR_BAD_HANDLE (consumed)", st)
			}
			if _, err := proc.WaitOne(zx.TaskTerminated, 0); err != zx.ErrTimedOut {
				t.Errorf("process after a refused start: %v, want it alive", err)
			}
		})
	}
	// Entry 0 is allowed (Zircon: "for testing a thread that will always
	// fail"): the process starts and dies of the fault; here the stack is
	// in the kernel half, which is not checked either.
	if st := zx.Sys_process_start(proc.Handle, th.Handle, 0, 0xffff_8000_0000_0000, zx.HandleInvalid, 0); st != zx.OK {
		t.Fatalf("process_start(entry 0): %v, want ZX_OK", st)
	}
	if _, err := proc.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("process started at 0: %v, want it terminated by its fault", err)
	}
}

// TestThreadStartBadEntry: thread_start with an entry point outside the
// user address space is ZX_ERR_INVALID_ARGS and the thread stays
// startable.
func TestThreadStartBadEntry(t *testing.T) {
	code := []byte{0x48, 0x89, 0x3e, 0xb8} // mov [rsi], rdi; mov eax, imm32
	code = binary.LittleEndian.AppendUint32(code, zx.SysThreadExit)
	code = append(code, 0x0f, 0x05, 0x0f, 0x0b) // syscall; ud2
	r := newRawThread(t, code)
	stack := r.data + 4*zx.PageSize
	for _, c := range badEntries {
		if st := zx.Sys_thread_start(r.thread.Handle, c.pc, stack, 7, uintptr(r.data)); st != zx.ErrInvalidArgs {
			t.Errorf("thread_start(entry %#x): %v, want ZX_ERR_INVALID_ARGS", c.pc, st)
		}
	}
	if _, err := r.thread.WaitOne(zx.TaskTerminated, 0); err != zx.ErrTimedOut {
		t.Fatalf("thread after refused starts: %v, want not terminated", err)
	}
	if err := r.thread.Start(r.code, stack, 7, uintptr(r.data)); err != nil {
		t.Fatalf("thread_start after refused ones: %v", err)
	}
	if _, err := r.thread.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for the thread: %v", err)
	}
	var b [8]byte
	if err := r.dataVmo.Read(b[:], 0); err != nil || binary.LittleEndian.Uint64(b[:]) != 7 {
		t.Fatalf("thread wrote %#x (%v), want 7", binary.LittleEndian.Uint64(b[:]), err)
	}
}
