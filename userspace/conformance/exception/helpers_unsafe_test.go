// Package exception is the conformance family of Zircon's exception
// channels and exception objects: task_create_exception_channel,
// exception_get_thread, exception_get_process, ZX_PROP_EXCEPTION_STATE
// and _STRATEGY, the architectural exceptions of raw-code child
// processes and the unhandled path.
package exception

import (
	"encoding/binary"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// A few x86-64 instructions for the raw child threads (SDM Vol. 2).
type asm []byte

const (
	rAX = 0
	rDX = 2
	rSI = 6
	rDI = 7
	r10 = 10
)

// movImm: MOV r64, imm64 (REX.W B8+r).
func (a asm) movImm(reg int, v uint64) asm {
	rex := byte(0x48)
	if reg >= 8 {
		rex |= 1
	}
	a = append(a, rex, 0xb8+byte(reg&7))
	return binary.LittleEndian.AppendUint64(a, v)
}

// sys: MOV RAX, num; SYSCALL.
func (a asm) sys(num uint32) asm { return append(a.movImm(rAX, uint64(num)), 0x0f, 0x05) }

// exit: process_exit(code).
func (a asm) exit(code int64) asm { return a.movImm(rDI, uint64(code)).sys(zx.SysProcessExit) }

// storeNull: MOV RAX, 0; MOV [RAX], RAX (a write fault at address 0);
// it returns the offset of the faulting MOV and its length.
func (a asm) storeNull() (asm, int, int) {
	a = a.movImm(rAX, 0)
	return append(a, 0x48, 0x89, 0x00), len(a), 3
}

func (a asm) int3() asm { return append(a, 0xcc) }
func (a asm) ud2() asm  { return append(a, 0x0f, 0x0b) }
func (a asm) hlt() asm  { return append(a, 0xf4) } // #GP in ring 3
func (a asm) nop() asm  { return append(a, 0x90) }

// deadline is how long a case waits for anything.
func deadline() zx.Time { return zx.Now() + zx.Time(10*time.Second) }

// child is a raw-code process in a job of its own (killed at cleanup),
// with its first thread, not started, and a one-page stack.
type child struct {
	job, proc, thread zx.Handle
	entry, stack      zx.Vaddr
	stackVmo          zx.Vmo
}

func newChild(t *testing.T, code asm) *child { return newChildWith(t, code, nil) }

// newChildWith is newChild with setup run on the job before the process
// is created in it.
func newChildWith(t *testing.T, code asm, setup func(job zx.Handle)) *child {
	t.Helper()
	c := &child{}
	ctest.Must(t, "job_create", zx.Sys_job_create(zx.JobDefault().Handle, 0, &c.job))
	t.Cleanup(func() {
		zx.Sys_task_kill(c.job)
		zx.Sys_object_wait_one(c.job, zx.TaskTerminated, deadline(), nil)
		zx.Sys_handle_close(c.thread)
		zx.Sys_handle_close(c.proc)
		zx.Sys_handle_close(c.job)
	})
	if setup != nil {
		setup(c.job)
	}
	n := []byte("exc-child")
	var vmar zx.Handle
	ctest.Must(t, "process_create", zx.Sys_process_create(c.job, &n[0], uint(len(n)), 0, &c.proc, &vmar))
	defer zx.Sys_handle_close(vmar)
	ctest.Must(t, "thread_create", zx.Sys_thread_create(c.proc, &n[0], uint(len(n)), 0, &c.thread))
	cv, err := zx.NewVmo(zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := cv.Write(code, 0); err != nil {
		t.Fatal(err)
	}
	if cv, err = cv.ReplaceAsExecutable(zx.HandleInvalid); err != nil {
		t.Fatal(err)
	}
	defer cv.Close()
	ctest.Must(t, "vmar_map", zx.Sys_vmar_map(vmar, zx.VMPermRead|zx.VMPermExecute, 0, cv.Handle, 0, zx.PageSize, &c.entry))
	sv, err := zx.NewVmo(zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	c.stackVmo = sv
	t.Cleanup(func() { sv.Close() })
	ctest.Must(t, "vmar_map(stack)", zx.Sys_vmar_map(vmar, zx.VMPermRead|zx.VMPermWrite, 0, sv.Handle, 0, zx.PageSize, &c.stack))
	c.stack += zx.PageSize
	return c
}

func (c *child) start(t *testing.T) {
	t.Helper()
	ctest.Must(t, "process_start", zx.Sys_process_start(c.proc, c.thread, c.entry, c.stack, zx.HandleInvalid, 0))
}

// channel creates an exception channel on task.
func channel(t *testing.T, task zx.Handle, options uint32) zx.Handle {
	t.Helper()
	var ch zx.Handle
	ctest.Must(t, "task_create_exception_channel", zx.Sys_task_create_exception_channel(task, options, &ch))
	t.Cleanup(func() { zx.Sys_handle_close(ch) })
	return ch
}

// excInfo is zx_exception_info_t.
type excInfo struct {
	PID, TID uint64
	Type     uint32
	_        uint32
}

// readException waits for an exception on ch and checks its type.
func readException(t *testing.T, ch zx.Handle, want uint32) (zx.Handle, excInfo) {
	t.Helper()
	ctest.Must(t, "wait for READABLE", zx.Sys_object_wait_one(ch, zx.ChannelReadable, deadline(), nil))
	var info excInfo
	var h zx.Handle
	var nb, nh uint32
	ctest.Must(t, "channel_read", zx.Sys_channel_read(ch, 0, unsafe.Pointer(&info), &h, uint32(unsafe.Sizeof(info)), 1, &nb, &nh))
	if nb != 24 || nh != 1 {
		t.Fatalf("exception message: %d bytes %d handles, want 24 and 1", nb, nh)
	}
	if info.Type != want {
		t.Fatalf("exception type %#x, want %#x", info.Type, want)
	}
	return h, info
}

// noException checks that nothing arrives at ch for a while.
func noException(t *testing.T, ch zx.Handle) {
	t.Helper()
	ctest.Want(t, "no exception", zx.Sys_object_wait_one(ch, zx.ChannelReadable, zx.Now()+zx.Time(50*time.Millisecond), nil), zx.ErrTimedOut)
}

func setU32Prop(t *testing.T, h zx.Handle, prop, v uint32) {
	t.Helper()
	ctest.Must(t, "object_set_property", zx.Sys_object_set_property(h, prop, unsafe.Pointer(&v), 4))
}

func getU32Prop(t *testing.T, h zx.Handle, prop uint32) uint32 {
	t.Helper()
	var v uint32
	ctest.Must(t, "object_get_property", zx.Sys_object_get_property(h, prop, unsafe.Pointer(&v), 4))
	return v
}

// resume closes exc with state.
func resume(t *testing.T, exc zx.Handle, state uint32) {
	t.Helper()
	setU32Prop(t, exc, zx.PropExceptionState, state)
	ctest.Must(t, "close the exception", zx.Sys_handle_close(exc))
}

// retcode waits for proc to end and returns its return code.
func retcode(t *testing.T, proc zx.Handle) int64 {
	t.Helper()
	ctest.Must(t, "wait for TERMINATED", zx.Sys_object_wait_one(proc, zx.TaskTerminated, deadline(), nil))
	var info zx.InfoProcess
	ctest.Must(t, "ZX_INFO_PROCESS", zx.Sys_object_get_info(proc, zx.ObjectInfoProcess, unsafe.Pointer(&info), uint(unsafe.Sizeof(info)), nil, nil))
	return info.ReturnCode
}

// report is zx_exception_report_t (x86-64).
type report struct {
	Size, Type           uint32
	Vector, ErrCode, CR2 uint64
	SynthCode, SynthData uint32
}

func exceptionReport(t *testing.T, thread zx.Handle) report {
	t.Helper()
	var r report
	ctest.Must(t, "ZX_INFO_THREAD_EXCEPTION_REPORT", zx.Sys_object_get_info(thread, zx.ObjectInfoThreadExceptionReport, unsafe.Pointer(&r), uint(unsafe.Sizeof(r)), nil, nil))
	return r
}

// threadInfo is zx_info_thread_t.
type threadInfo struct {
	State, WaitExceptionChannelType uint32
	Affinity                        [8]uint64
}

func infoThread(t *testing.T, thread zx.Handle) threadInfo {
	t.Helper()
	var i threadInfo
	ctest.Must(t, "ZX_INFO_THREAD", zx.Sys_object_get_info(thread, zx.ObjectInfoThread, unsafe.Pointer(&i), uint(unsafe.Sizeof(i)), nil, nil))
	return i
}

// regs are zx_thread_state_general_regs_t.
type regs struct {
	RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP uint64
	R8, R9, R10, R11, R12, R13, R14, R15   uint64
	RIP, RFLAGS, FSBase, GSBase            uint64
}

func readRegs(t *testing.T, thread zx.Handle) regs {
	t.Helper()
	var r regs
	ctest.Must(t, "thread_read_state", zx.Sys_thread_read_state(thread, zx.ThreadStateGeneralRegs, unsafe.Pointer(&r), uint(unsafe.Sizeof(r))))
	return r
}

func writeRegs(t *testing.T, thread zx.Handle, r regs) {
	t.Helper()
	ctest.Must(t, "thread_write_state", zx.Sys_thread_write_state(thread, zx.ThreadStateGeneralRegs, unsafe.Pointer(&r), uint(unsafe.Sizeof(r))))
}

func koid(t *testing.T, h zx.Handle) uint64 { return uint64(ctest.Basic(t, h).Koid) }
