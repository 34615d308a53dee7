package process

import (
	"encoding/binary"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// The documented errors of task_suspend, task_suspend_token,
// thread_read_state, thread_write_state, process_read_memory and
// process_write_memory.

const badHandle = zx.Handle(0x7ffffff3)

func TestTaskSuspendErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		fn   func(zx.Handle, *zx.Handle) zx.Status
	}{{"task_suspend", zx.Sys_task_suspend}, {"task_suspend_token", zx.Sys_task_suspend_token}} {
		t.Run(c.name, func(t *testing.T) {
			var tok zx.Handle
			ctest.Want(t, "bad handle", c.fn(badHandle, &tok), zx.ErrBadHandle)
			vmo, err := zx.NewVmo(zx.PageSize, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer vmo.Close()
			ctest.Want(t, "a VMO", c.fn(vmo.Handle, &tok), zx.ErrWrongType)
			r := newRawThread(t, storeCode())
			ctest.Want(t, "thread without WRITE", c.fn(ctest.Reduced(t, r.thread.Handle, zx.RightRead), &tok), zx.ErrAccessDenied)
			ctest.Want(t, "NULL token", c.fn(r.thread.Handle, nil), zx.ErrInvalidArgs)
			ctest.Want(t, "own thread", suspendSelf(t, c.fn), zx.ErrNotSupported)
			ctest.Want(t, "own process", c.fn(zx.ProcessSelf().Handle, &tok), zx.ErrNotSupported)
			ctest.Must(t, "task_kill", zx.Sys_task_kill(r.thread.Handle))
			ctest.Want(t, "killed thread", c.fn(r.thread.Handle, &tok), zx.ErrBadState)
			proc, vmar, err := zx.NewProcess(zx.JobDefault(), "suspend-dead", 0)
			if err != nil {
				t.Fatal(err)
			}
			defer proc.Close()
			defer vmar.Close()
			ctest.Must(t, "task_kill(process)", zx.Sys_task_kill(proc.Handle))
			waitTerminated(t, proc.Handle)
			ctest.Want(t, "dead process", c.fn(proc.Handle, &tok), zx.ErrBadState)
			if tok != zx.HandleInvalid {
				t.Errorf("a failed call wrote token %#x", tok)
			}
		})
	}
}

func TestThreadStateErrors(t *testing.T) {
	r := newRawThread(t, storeCode())
	r.start(t, uintptr(r.data), 0)
	t.Cleanup(func() { r.thread.Kill(); r.thread.WaitOne(zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second)) })
	th := r.thread.Handle
	buf := make([]byte, vectorRegsSize)
	p := unsafe.Pointer(&buf[0])
	read := func(h zx.Handle, kind uint32, p unsafe.Pointer, n int) zx.Status {
		return zx.Sys_thread_read_state(h, kind, p, uint(n))
	}
	write := func(h zx.Handle, kind uint32, p unsafe.Pointer, n int) zx.Status {
		return zx.Sys_thread_write_state(h, kind, p, uint(n))
	}
	for _, c := range []struct {
		name  string
		fn    func(zx.Handle, uint32, unsafe.Pointer, int) zx.Status
		right zx.Rights
	}{{"thread_read_state", read, zx.RightRead}, {"thread_write_state", write, zx.RightWrite}} {
		t.Run(c.name, func(t *testing.T) {
			ctest.Want(t, "bad handle", c.fn(badHandle, zx.ThreadStateGeneralRegs, p, generalRegsSize), zx.ErrBadHandle)
			ctest.Want(t, "a process", c.fn(zx.ProcessSelf().Handle, zx.ThreadStateGeneralRegs, p, generalRegsSize), zx.ErrWrongType)
			ctest.Want(t, "without the right", c.fn(ctest.Reduced(t, th, zx.RightsBasic&^c.right), zx.ThreadStateGeneralRegs, p, generalRegsSize), zx.ErrAccessDenied)
			ctest.Want(t, "running thread", c.fn(th, zx.ThreadStateGeneralRegs, p, generalRegsSize), zx.ErrBadState)
		})
	}
	tok := suspendSync(t, r.thread)
	defer zx.Sys_handle_close(tok)
	regs := readState(t, th, zx.ThreadStateGeneralRegs, generalRegsSize)
	for _, c := range []struct {
		name string
		fn   func(zx.Handle, uint32, unsafe.Pointer, int) zx.Status
	}{{"thread_read_state", read}, {"thread_write_state", write}} {
		t.Run(c.name+"/suspended", func(t *testing.T) {
			copy(buf, regs)
			for _, kind := range []uint32{3, 8, 0xffffffff} {
				ctest.Want(t, "unknown kind", c.fn(th, kind, p, len(buf)), zx.ErrInvalidArgs)
			}
			ctest.Want(t, "short buffer", c.fn(th, zx.ThreadStateGeneralRegs, p, generalRegsSize-1), zx.ErrBufferTooSmall)
			ctest.Want(t, "vector, short buffer", c.fn(th, zx.ThreadStateVectorRegs, p, vectorRegsSize-1), zx.ErrBufferTooSmall)
			ctest.Want(t, "debug, short buffer", c.fn(th, zx.ThreadStateDebugRegs, p, debugRegsSize-1), zx.ErrBufferTooSmall)
			ctest.Want(t, "bad buffer", c.fn(th, zx.ThreadStateGeneralRegs, ctest.Ptr(0xffff_8000_0000_0000), generalRegsSize), zx.ErrInvalidArgs)
		})
	}
	bad := append([]byte(nil), regs...)
	for i := range 8 {
		bad[16*8+i] = 0xff // a non-canonical RIP
	}
	ctest.Want(t, "non-canonical rip", writeState(th, zx.ThreadStateGeneralRegs, bad), zx.ErrInvalidArgs)
	for i, name := range map[int]string{18: "fs_base", 19: "gs_base"} {
		bad = append([]byte(nil), regs...)
		binary.LittleEndian.PutUint64(bad[i*8:], 1<<47) // non-canonical
		ctest.Want(t, "non-canonical "+name, writeState(th, zx.ThreadStateGeneralRegs, bad), zx.ErrInvalidArgs)
	}
	for _, kind := range []uint32{zx.ThreadStateX86FS, zx.ThreadStateX86GS} {
		ctest.Want(t, "non-canonical FS/GS topic", writeState(th, kind, binary.LittleEndian.AppendUint64(nil, 1<<47)), zx.ErrInvalidArgs)
	}
	ctest.Want(t, "DR0 in the kernel", writeState(th, zx.ThreadStateDebugRegs, debugRegs([4]uint64{0xffff_8000_0000_0000}, 0, 1)), zx.ErrInvalidArgs)
	if got := readState(t, th, zx.ThreadStateGeneralRegs, generalRegsSize); string(got) != string(regs) {
		t.Error("refused writes changed the registers")
	}
}

func TestProcessMemoryErrors(t *testing.T) {
	f := newDebugFixture(t)
	buf := make([]byte, 64)
	p := unsafe.Pointer(&buf[0])
	var actual uint
	self := zx.ProcessSelf().Handle
	for _, c := range []struct {
		name   string
		fn     func(zx.Handle, zx.Vaddr, unsafe.Pointer, uint, *uint) zx.Status
		rights zx.Rights
	}{
		{"process_read_memory", zx.Sys_process_read_memory, zx.RightRead | zx.RightWrite},
		{"process_write_memory", func(h zx.Handle, a zx.Vaddr, b unsafe.Pointer, n uint, act *uint) zx.Status {
			return zx.Sys_process_write_memory(h, a, b, n, act)
		}, zx.RightWrite},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctest.Want(t, "bad handle", c.fn(badHandle, f.dataStart, p, 64, &actual), zx.ErrBadHandle)
			ctest.Want(t, "a thread", c.fn(zx.ThreadSelf().Handle, f.dataStart, p, 64, &actual), zx.ErrWrongType)
			for _, r := range []zx.Rights{zx.RightRead, zx.RightWrite} {
				if c.rights&r != 0 {
					ctest.Want(t, "without a right", c.fn(ctest.Reduced(t, self, zx.RightsBasic|c.rights&^r), f.dataStart, p, 64, &actual), zx.ErrAccessDenied)
				}
			}
			ctest.Want(t, "size 0", c.fn(self, f.dataStart, p, 0, &actual), zx.ErrInvalidArgs)
			ctest.Want(t, "size > 64 MiB", c.fn(self, f.dataStart, p, 64<<20+1, &actual), zx.ErrInvalidArgs)
			ctest.Want(t, "NULL buffer", c.fn(self, f.dataStart, nil, 64, &actual), zx.ErrInvalidArgs)
			ctest.Want(t, "NULL actual", c.fn(self, f.dataStart, p, 64, nil), zx.ErrInvalidArgs)
			ctest.Want(t, "nothing mapped", c.fn(self, f.invalidStart(), p, 64, &actual), zx.ErrNoMemory)
			// The read stops at the mapping's end.
			actual = 0
			ctest.Must(t, "at the mapping's end", c.fn(self, f.dataStart+debugVmoSize-16, p, 64, &actual))
			if actual != 16 {
				t.Errorf("actual %d at the mapping's end, want 16", actual)
			}
			proc, vmar, err := zx.NewProcess(zx.JobDefault(), "debug-dead", 0)
			if err != nil {
				t.Fatal(err)
			}
			defer proc.Close()
			defer vmar.Close()
			ctest.Must(t, "task_kill", zx.Sys_task_kill(proc.Handle))
			waitTerminated(t, proc.Handle)
			deadline := time.Now().Add(10 * time.Second)
			for {
				st := c.fn(proc.Handle, 0x100000, p, 64, &actual)
				if st == zx.ErrBadState {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("dead process: %v, want ZX_ERR_BAD_STATE", st)
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
}
