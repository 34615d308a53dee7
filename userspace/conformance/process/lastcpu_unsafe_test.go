package process

import (
	"encoding/binary"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-test Threads.GetLastScheduledCpu: ZX_INFO_THREAD_STATS's
// last_scheduled_cpu is ZX_INFO_INVALID_CPU before the thread starts and
// a valid CPU once it ran. The worker (raw code) signals USER_0 on the
// event in RDI ("started") and waits for USER_1 on it ("should stop").
func TestThreads_GetLastScheduledCpu(t *testing.T) {
	ev, err := zx.NewEvent(0)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	var a asm
	a = a.mov(rBX, rDI)
	a = a.movImm(rSI, 0).movImm(rDX, uint64(zx.SignalUser0)).sys(zx.SysObjectSignal)
	a = a.mov(rDI, rBX).movImm(rSI, uint64(zx.SignalUser1)).movImm(rDX, infinite).movImm(r10, 0).sys(zx.SysObjectWaitOne)
	a = a.sys(zx.SysThreadExit).ud2()
	r := newRawThread(t, a)
	stats := func() (uint64, uint32) {
		var b [16]byte
		ctest.Must(t, "get_info(THREAD_STATS)", zx.Sys_object_get_info(r.thread.Handle, zx.ObjectInfoThreadStats, unsafe.Pointer(&b[0]), 16, nil, nil))
		return binary.LittleEndian.Uint64(b[:]), binary.LittleEndian.Uint32(b[8:])
	}
	if _, cpu := stats(); cpu != zx.ObjectInfoInvalidCPU {
		t.Errorf("last_scheduled_cpu %#x before the start, want ZX_INFO_INVALID_CPU", cpu)
	}
	r.start(t, uintptr(ev.Handle), 0)
	if _, err := ev.WaitOne(zx.SignalUser0, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, cpu := stats(); cpu == zx.ObjectInfoInvalidCPU || cpu >= 512 {
		t.Errorf("last_scheduled_cpu %#x after the thread ran", cpu)
	}
	ctest.Must(t, "signal", zx.Sys_object_signal(ev.Handle, 0, uint32(zx.SignalUser1)))
	waitTerminated(t, r.thread.Handle)
}
