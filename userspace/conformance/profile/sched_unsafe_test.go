package profile

import (
	"encoding/binary"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/zx"
)

// The scheduler the profiles configure: CPU-bound threads pinned to one
// CPU by a CPU-mask profile share it as their disciplines say. Each
// spinner is a process whose one thread counts in ring 3 (as Zircon's
// core-tests use a mini-process: no runtime of its own takes it out of
// user mode), so its count measures the CPU it got. (Not
// ZX_INFO_TASK_RUNTIME: its cpu_time is sampled by the timer, whose
// ticks a loaded host delays and drops, while the scheduler charges
// threads by the clock.) The bounds are loose enough for a loaded host,
// and fail round robin (equal shares). Each case takes under a second.

// withMask returns in with the CPU mask mask added.
func withMask(in *info, mask uint64) *info {
	b := *in
	binary.LittleEndian.PutUint32(b[0:], binary.LittleEndian.Uint32(b[0:])|zx.ProfileInfoFlagCPUMask)
	binary.LittleEndian.PutUint64(b[32:], mask)
	return &b
}

// spinner is a thread counting in ring 3.
type spinner struct {
	thread zx.Handle
	count  zx.Handle // the VMO whose first word is the count
}

// startSpinner starts a process whose thread, given profile first,
// counts in ring 3 as fast as it can: the process is killed and the
// handles closed at cleanup.
func startSpinner(t *testing.T, profile zx.Handle) spinner {
	t.Helper()
	var proc, vmar, thread, data zx.Handle
	name := []byte("spin")
	must(t, "process_create", zx.Sys_process_create(zx.JobDefault().Handle, &name[0], uint(len(name)), 0, &proc, &vmar))
	defer zx.Sys_handle_close(vmar)
	t.Cleanup(func() {
		zx.Sys_task_kill(proc)
		zx.Sys_object_wait_one(proc, zx.TaskTerminated, zx.Now()+zx.Time(10*time.Second), nil)
		zx.Sys_handle_close(proc)
	})
	must(t, "thread_create", zx.Sys_thread_create(proc, &name[0], uint(len(name)), 0, &thread))
	t.Cleanup(func() { zx.Sys_handle_close(thread) })
	must(t, "vmo_create(count)", zx.Sys_vmo_create(zx.PageSize, 0, &data))
	t.Cleanup(func() { zx.Sys_handle_close(data) })
	var counter zx.Vaddr
	must(t, "vmar_map(count)", zx.Sys_vmar_map(vmar, zx.VMPermRead|zx.VMPermWrite, 0, data, 0, zx.PageSize, &counter))
	// MOV RAX, counter; 1: INC QWORD PTR [RAX]; JMP 1b
	c := []byte{0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0x48, 0xff, 0x00, 0xeb, 0xfb}
	binary.LittleEndian.PutUint64(c[2:], uint64(counter))
	var code zx.Handle
	must(t, "vmo_create(code)", zx.Sys_vmo_create(zx.PageSize, 0, &code))
	must(t, "vmo_write", zx.Sys_vmo_write(code, unsafe.Pointer(&c[0]), 0, uint(len(c))))
	var exec zx.Handle
	must(t, "vmo_replace_as_executable", zx.Sys_vmo_replace_as_executable(code, zx.HandleInvalid, &exec))
	defer zx.Sys_handle_close(exec)
	var entry zx.Vaddr
	must(t, "vmar_map(code)", zx.Sys_vmar_map(vmar, zx.VMPermRead|zx.VMPermExecute, 0, exec, 0, zx.PageSize, &entry))
	must(t, "object_set_profile", zx.Sys_object_set_profile(thread, profile, 0))
	var ev zx.Handle
	must(t, "event_create", zx.Sys_event_create(0, &ev))
	must(t, "process_start", zx.Sys_process_start(proc, thread, entry, 0, ev, 0))
	return spinner{thread, data}
}

// read returns the spinner's count.
func (s spinner) read(t *testing.T) int64 {
	t.Helper()
	var b [8]byte
	must(t, "vmo_read(count)", zx.Sys_vmo_read(s.count, unsafe.Pointer(&b[0]), 0, 8))
	return int64(binary.LittleEndian.Uint64(b[:]))
}

// spinShares runs one spinner per profile for about d and returns how
// far each counted meanwhile.
func spinShares(t *testing.T, d time.Duration, profiles ...zx.Handle) []int64 {
	t.Helper()
	ss := make([]spinner, len(profiles))
	for i, p := range profiles {
		ss[i] = startSpinner(t, p)
	}
	// Let every spinner reach user mode under its profile.
	time.Sleep(20 * time.Millisecond)
	start := make([]int64, len(ss))
	for i, s := range ss {
		start[i] = s.read(t)
	}
	time.Sleep(d)
	got := make([]int64, len(ss))
	for i, s := range ss {
		got[i] = s.read(t) - start[i]
	}
	return got
}

// TestSchedPriorityOrdersThreads: priority 24 against 8 on
// one CPU. Zircon's weights (15832 and 616) give the first about 25
// times the CPU time of the second; round robin gives both the same.
func TestSchedPriorityOrdersThreads(t *testing.T) {
	hi := mustCreate(t, withMask(schedulerInfo(24), 1))
	lo := mustCreate(t, withMask(schedulerInfo(8), 1))
	got := spinShares(t, 400*time.Millisecond, hi, lo)
	t.Logf("counted: priority 24 %d, priority 8 %d", got[0], got[1])
	if got[0] <= 0 {
		t.Fatalf("the priority 24 thread did not run (count %d)", got[0])
	}
	if got[0] <= 3*got[1] {
		t.Errorf("priority 24 counted %d, priority 8 %d: want more than 3 times as far", got[0], got[1])
	}
}

// TestSchedDeadlineShare: a deadline thread (capacity 2 ms
// every 20 ms) spinning against a fair one on the same CPU gets about a
// tenth of it, never much more (its capacity), and the fair thread the
// rest. (A loaded host stops the virtual CPU at times, mostly while the
// fair thread runs, which shifts the work done towards the deadline
// thread: hence the loose upper bound.)
func TestSchedDeadlineShare(t *testing.T) {
	dl := mustCreate(t, withMask(deadlineInfo(2e6, 20e6, 20e6), 1))
	fair := mustCreate(t, cpuMaskInfo(1))
	got := spinShares(t, 400*time.Millisecond, dl, fair)
	t.Logf("counted: deadline %d, fair %d", got[0], got[1])
	total := got[0] + got[1]
	if got[0] <= 0 || got[1] <= 0 {
		t.Fatalf("counted: deadline %d, fair %d: one did not run", got[0], got[1])
	}
	share := float64(got[0]) / float64(total)
	if share > 0.3 {
		t.Errorf("deadline thread's share %.2f: more than its capacity (0.1) allows", share)
	}
	if share < 0.03 {
		t.Errorf("deadline thread's share %.2f: far below its capacity (0.1)", share)
	}
}

// TestSchedBoundThreadSuspends: a thread with a profile runs its user
// code across interrupts without coming back to the kernel's loop until
// something recalls it; task_suspend does: the thread stops counting
// while suspended and counts again once resumed.
func TestSchedBoundThreadSuspends(t *testing.T) {
	s := startSpinner(t, mustCreate(t, withMask(schedulerInfo(24), 1)))
	deadline := zx.Now() + zx.Time(10*time.Second)
	for s.read(t) == 0 && zx.Now() < deadline {
		time.Sleep(time.Millisecond)
	}
	var token zx.Handle
	must(t, "task_suspend", zx.Sys_task_suspend(s.thread, &token))
	must(t, "wait SUSPENDED", zx.Sys_object_wait_one(s.thread, zx.ThreadSuspended, zx.Now()+zx.Time(10*time.Second), nil))
	c0 := s.read(t)
	time.Sleep(30 * time.Millisecond)
	if c1 := s.read(t); c1 != c0 {
		t.Errorf("suspended thread counted on: %d -> %d", c0, c1)
	}
	must(t, "close token", zx.Sys_handle_close(token))
	must(t, "wait RUNNING", zx.Sys_object_wait_one(s.thread, zx.ThreadRunning, zx.Now()+zx.Time(10*time.Second), nil))
	for s.read(t) == c0 && zx.Now() < deadline {
		time.Sleep(time.Millisecond)
	}
	if s.read(t) == c0 {
		t.Error("resumed thread does not count")
	}
}
