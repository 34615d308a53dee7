// Package profile is the conformance family for scheduler profiles, run
// inside Beryl: profile_create (the privileged handle, the info's
// validation) and object_set_profile (priorities, deadlines, CPU masks
// recorded on threads, reported by ZX_INFO_THREAD and honoured by the
// scheduler: sched_unsafe_test.go), with the port of Zircon's core-tests
// profile/profile.cc.
//
// The original passes zx::job::default_job(), which in Zircon's
// core-tests is the root job. A conformance family runs in a job of its
// own, so these cases pass the root resource, which (as later Zircon's
// profile resource) profile_create also accepts; the root-job rule is
// checked by TestProfileCreateHandles through a child job.
package profile

import (
	"encoding/binary"
	"math"
	"math/bits"
	"runtime"
	"syscall"
	"testing"
	"unsafe"

	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

func root(t *testing.T) zx.Handle {
	t.Helper()
	if relaunch.RootResource == zx.HandleInvalid {
		t.Fatal("no root resource (PA_RESOURCE): init passes it to the conformance families")
	}
	return relaunch.RootResource
}

// info is zx_profile_info_t.
type info [96]byte

func schedulerInfo(priority int32) *info {
	var b info
	binary.LittleEndian.PutUint32(b[0:], zx.ProfileInfoFlagPriority)
	binary.LittleEndian.PutUint32(b[8:], uint32(priority))
	return &b
}

func deadlineInfo(capacity, deadline, period int64) *info {
	var b info
	binary.LittleEndian.PutUint32(b[0:], zx.ProfileInfoFlagDeadline)
	binary.LittleEndian.PutUint64(b[8:], uint64(capacity))
	binary.LittleEndian.PutUint64(b[16:], uint64(deadline))
	binary.LittleEndian.PutUint64(b[24:], uint64(period))
	return &b
}

func cpuMaskInfo(mask uint64) *info {
	var b info
	binary.LittleEndian.PutUint32(b[0:], zx.ProfileInfoFlagCPUMask)
	binary.LittleEndian.PutUint64(b[32:], mask)
	return &b
}

func create(h zx.Handle, options uint32, in *info) (zx.Handle, zx.Status) {
	var p zx.Handle
	var ptr unsafe.Pointer
	if in != nil {
		ptr = unsafe.Pointer(&in[0])
	}
	st := zx.Sys_profile_create(h, options, ptr, &p)
	return p, st
}

func mustCreate(t *testing.T, in *info) zx.Handle {
	t.Helper()
	p, st := create(root(t), 0, in)
	must(t, "profile_create", st)
	t.Cleanup(func() { zx.Sys_handle_close(p) })
	return p
}

func affinityMask(t *testing.T, th zx.Handle) uint64 {
	t.Helper()
	var b [72]byte
	must(t, "get_info(THREAD)", zx.Sys_object_get_info(th, zx.ObjectInfoThread, unsafe.Pointer(&b[0]), uint(len(b)), nil, nil))
	return binary.LittleEndian.Uint64(b[8:])
}

func lastScheduledCPU(t *testing.T, th zx.Handle) uint32 {
	t.Helper()
	var b [16]byte
	must(t, "get_info(THREAD_STATS)", zx.Sys_object_get_info(th, zx.ObjectInfoThreadStats, unsafe.Pointer(&b[0]), uint(len(b)), nil, nil))
	return binary.LittleEndian.Uint32(b[8:])
}

// self is the thread the cases apply profiles to: the process's first
// thread (the original uses the calling thread; a Go test's goroutine
// has no thread handle of its own).
func self() zx.Handle { return zx.ThreadSelf().Handle }

func okCase(t *testing.T, in *info) {
	t.Helper()
	mustCreate(t, in)
}

func badCase(t *testing.T, in *info) {
	t.Helper()
	_, st := create(root(t), 0, in)
	want(t, "profile_create", st, zx.ErrInvalidArgs)
}

func TestSchedulerProfileTest_CreateProfileWithDefaultPriorityIsOk(t *testing.T) {
	okCase(t, schedulerInfo(zx.PriorityDefault))
}

func TestSchedulerProfileTest_CreateProfileWithLowestPriorityIsOk(t *testing.T) {
	okCase(t, schedulerInfo(zx.PriorityLowest))
}

func TestSchedulerProfileTest_CreateProfileWithLowPriorityIsOk(t *testing.T) {
	okCase(t, schedulerInfo(zx.PriorityLow))
}

func TestSchedulerProfileTest_CreateProfileWithHihgPriorityIsOk(t *testing.T) {
	okCase(t, schedulerInfo(zx.PriorityHigh))
}

func TestSchedulerProfileTest_CreateProfileWithHighestPriorityIsOk(t *testing.T) {
	okCase(t, schedulerInfo(zx.PriorityHighest))
}

func TestSchedulerProfileTest_CreateProfileWithPriorityExceedingHighestIsInvalidArgs(t *testing.T) {
	badCase(t, schedulerInfo(zx.PriorityHighest+1))
}

func TestSchedulerProfileTest_CreateProfileWithPriorityBelowLowestIsInvalidArgs(t *testing.T) {
	badCase(t, schedulerInfo(zx.PriorityLowest-1))
}

func TestSchedulerProfileTest_CreateProfileWithDeadlineIsOk(t *testing.T) {
	okCase(t, deadlineInfo(1_000_000, 5_000_000, 10_000_000))
}

func TestSchedulerProfileTest_CreateProfileWithZeroCapacityIsInvalidArgs(t *testing.T) {
	badCase(t, deadlineInfo(0, 5_000_000, 10_000_000))
}

func TestSchedulerProfileTest_CreateProfileWithDeadlineBelowCapacityIsInvalidArgs(t *testing.T) {
	badCase(t, deadlineInfo(5_000_000, 1_000_000, 10_000_000))
}

func TestSchedulerProfileTest_CreateProfileWithPeriodBelowDeadlineIsInvalidArgs(t *testing.T) {
	badCase(t, deadlineInfo(1_000_000, 10_000_000, 5_000_000))
}

func TestSchedulerProfileTest_CreateProfileOnNonRootJobIsAccessDenied(t *testing.T) {
	var child zx.Handle
	must(t, "job_create", zx.Sys_job_create(zx.JobDefault().Handle, 0, &child))
	defer zx.Sys_handle_close(child)
	_, st := create(child, 0, schedulerInfo(zx.PriorityDefault))
	want(t, "profile_create(child job)", st, zx.ErrAccessDenied)
}

func TestSchedulerProfileTest_CreateProfileWithNonZeroOptionsIsInvalidArgs(t *testing.T) {
	_, st := create(root(t), 1, schedulerInfo(zx.PriorityDefault))
	want(t, "profile_create(options 1)", st, zx.ErrInvalidArgs)
}

func TestSchedulerProfileTest_SetThreadPriorityIsOk(t *testing.T) {
	p1 := mustCreate(t, schedulerInfo(zx.PriorityLowest))
	p2 := mustCreate(t, schedulerInfo(zx.PriorityHigh))
	p0 := mustCreate(t, schedulerInfo(zx.PriorityDefault))
	done := make(chan zx.Status, 3)
	go func() {
		// One thread throughout: the profiles are set on it and it goes
		// back to the default for the cases after this one (a runtime
		// thread left at a high priority competes with their spinners).
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		done <- zx.Sys_object_set_profile(self(), p1, 0)
		done <- zx.Sys_object_set_profile(self(), p2, 0)
		done <- zx.Sys_object_set_profile(self(), p0, 0)
	}()
	must(t, "set first profile", <-done)
	must(t, "set second profile", <-done)
	must(t, "set default", <-done)
}

func TestProfileTest_CreateProfileWithDefaultInitializedProfileInfoIsError(t *testing.T) {
	badCase(t, &info{})
}

func TestProfileTest_CreateProfileWithMutuallyExclusiveFlagsIsInvalidArgs(t *testing.T) {
	in := schedulerInfo(zx.PriorityDefault)
	binary.LittleEndian.PutUint32(in[0:], zx.ProfileInfoFlagPriority|zx.ProfileInfoFlagDeadline)
	badCase(t, in)
}

func TestProfileTest_CreateProfileWithNoProfileInfoIsInvalidArgs(t *testing.T) {
	badCase(t, nil)
}

func TestProfileTest_CreateProfileWithInvalidHandleIsBadHandle(t *testing.T) {
	_, st := create(zx.HandleInvalid, 0, nil)
	want(t, "profile_create(invalid handle)", st, zx.ErrBadHandle)
}

func TestProfileTest_CreateProfileWithNullProfileIsInvalidArgs(t *testing.T) {
	in := schedulerInfo(zx.PriorityDefault)
	want(t, "profile_create(NULL out)", zx.Sys_profile_create(root(t), 0, unsafe.Pointer(&in[0]), nil), zx.ErrInvalidArgs)
}

func TestCpuMaskProfile_EmptyMaskIsValid(t *testing.T) {
	p := mustCreate(t, cpuMaskInfo(0))
	runtime.LockOSThread() // the same thread for the reset
	defer runtime.UnlockOSThread()
	must(t, "set_profile", zx.Sys_object_set_profile(self(), p, 0))
	defer resetMask(t)
	if m := affinityMask(t, self()); m != 0 {
		t.Errorf("affinity mask %#x, want 0", m)
	}
	if c := lastScheduledCPU(t, self()); c == math.MaxUint32 {
		t.Error("last_scheduled_cpu is ZX_INFO_INVALID_CPU")
	}
}

// TestCpuMaskProfile_ApplyProfile: one profile per CPU. Beryl runs user
// threads on the boot CPU (smp off), so with more than one CPU the
// scheduled CPU would not follow the mask; the suite runs with one.
func TestCpuMaskProfile_ApplyProfile(t *testing.T) {
	n := zx.Sys_system_get_num_cpus()
	if n >= 64 {
		t.Fatalf("%d CPUs: the case assumes fewer than 64", n)
	}
	// The calling thread, as in the original: it runs between the
	// profile and the query, so its last CPU is one of the mask's.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	th := currentThread(t)
	defer resetMaskOf(t, th)
	for i := uint32(0); i < n; i++ {
		p := mustCreate(t, cpuMaskInfo(1<<i))
		must(t, "set_profile", zx.Sys_object_set_profile(th, p, 0))
		if m := affinityMask(t, th); m != 1<<i {
			t.Errorf("affinity mask %#x, want %#x", m, uint64(1)<<i)
		}
		if c := lastScheduledCPU(t, th); c != i {
			t.Errorf("last_scheduled_cpu %d, want %d", c, i)
		}
	}
}

// currentThread returns a handle to the OS thread the caller runs on
// (the caller holds runtime.LockOSThread): zx.ThreadSelf is the initial
// thread's, and a test goroutine may run on another. Beryl's TIDs are
// thread koids, except the initial thread's, which is the PID.
func currentThread(t *testing.T) zx.Handle {
	t.Helper()
	if syscall.Gettid() == syscall.Getpid() {
		return zx.ThreadSelf().Handle
	}
	var h zx.Handle
	must(t, "object_get_child(own thread)", zx.Sys_object_get_child(zx.ProcessSelf().Handle, zx.Koid(syscall.Gettid()), zx.RightSameRights, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func resetMask(t *testing.T) { t.Helper(); resetMaskOf(t, self()) }

func resetMaskOf(t *testing.T, th zx.Handle) {
	t.Helper()
	must(t, "set_profile(all CPUs)", zx.Sys_object_set_profile(th, mustCreate(t, cpuMaskInfo(math.MaxUint64)), 0))
}

// TestProfileCreateHandles: the privileged handle's documented errors:
// a job that is not the root job and a resource that is not the root or
// profile resource are ACCESS_DENIED; the profile system resource works;
// another object is WRONG_TYPE; a job without MANAGE_PROCESS is
// ACCESS_DENIED; an unknown flag and an unreadable info INVALID_ARGS.
func TestProfileCreateHandles(t *testing.T) {
	in := schedulerInfo(zx.PriorityDefault)
	var power, prof, ev zx.Handle
	must(t, "resource_create(POWER)", zx.Sys_resource_create(root(t), zx.ResourceKindSystem, zx.ResourceSystemPowerBase, 1, nil, 0, &power))
	defer zx.Sys_handle_close(power)
	_, st := create(power, 0, in)
	want(t, "power resource", st, zx.ErrAccessDenied)
	must(t, "resource_create(PROFILE)", zx.Sys_resource_create(root(t), zx.ResourceKindSystem, zx.ResourceSystemProfileBase, 1, nil, 0, &prof))
	defer zx.Sys_handle_close(prof)
	p, st := create(prof, 0, in)
	must(t, "profile resource", st)
	if b := basic(t, p); b.Type != zx.ObjTypeProfile || b.Rights != zx.RightsBasic|zx.RightApplyProfile {
		t.Errorf("profile type %d rights %#x", b.Type, b.Rights)
	}
	zx.Sys_handle_close(p)
	must(t, "event_create", zx.Sys_event_create(0, &ev))
	defer zx.Sys_handle_close(ev)
	_, st = create(ev, 0, in)
	want(t, "event", st, zx.ErrWrongType)
	var child zx.Handle
	must(t, "job_create", zx.Sys_job_create(zx.JobDefault().Handle, 0, &child))
	defer zx.Sys_handle_close(child)
	_, st = create(reduced(t, child, zx.RightsBasic), 0, in)
	want(t, "job without MANAGE_PROCESS", st, zx.ErrAccessDenied)
	bad := schedulerInfo(zx.PriorityDefault)
	binary.LittleEndian.PutUint32(bad[0:], 1<<3)
	_, st = create(root(t), 0, bad)
	want(t, "unknown flag", st, zx.ErrInvalidArgs)
	want(t, "unreadable info", zx.Sys_profile_create(root(t), 0, ptr(0x1000), &p), zx.ErrInvalidArgs)
}

// TestSetProfileErrors: object_set_profile's handle checks.
func TestSetProfileErrors(t *testing.T) {
	p := mustCreate(t, schedulerInfo(zx.PriorityDefault))
	var ev zx.Handle
	must(t, "event_create", zx.Sys_event_create(0, &ev))
	defer zx.Sys_handle_close(ev)
	want(t, "invalid thread", zx.Sys_object_set_profile(zx.HandleInvalid, p, 0), zx.ErrBadHandle)
	want(t, "event as thread", zx.Sys_object_set_profile(ev, p, 0), zx.ErrWrongType)
	want(t, "invalid profile", zx.Sys_object_set_profile(self(), zx.HandleInvalid, 0), zx.ErrBadHandle)
	want(t, "event as profile", zx.Sys_object_set_profile(self(), ev, 0), zx.ErrWrongType)
	want(t, "profile without APPLY_PROFILE", zx.Sys_object_set_profile(self(), reduced(t, p, zx.RightsBasic), 0), zx.ErrAccessDenied)
}

// TestMain takes the root resource init passes on.
func TestMain(m *testing.M) {
	relaunch.Main(m, "BERYL_PROFILE_WORKER", func(string) int { return 2 })
}

// TestThreads_GetAffinity: a new thread may run on at least one CPU, and
// its mask is a contiguous range from CPU 0.
func TestThreads_GetAffinity(t *testing.T) {
	name := []byte("GetAffinity")
	var th zx.Handle
	must(t, "thread_create", zx.Sys_thread_create(zx.ProcessSelf().Handle, &name[0], uint(len(name)), 0, &th))
	defer zx.Sys_handle_close(th)
	m := affinityMask(t, th)
	n := bits.OnesCount64(m)
	if n == 0 {
		t.Fatal("a new thread may run on no CPU")
	}
	if m != 1<<n-1 {
		t.Errorf("affinity mask %#x is not CPUs 0..%d", m, n-1)
	}
}
