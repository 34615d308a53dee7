package futex

// Futex ownership (Zircon's futex_context.cc): futex_get_owner, the owner
// argument of futex_wait and futex_requeue, futex_wake_single_owner and
// futex_requeue_single_owner.

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"beryl/userspace/zx"
)

// lockedThread returns a handle to the OS thread the caller runs on (it
// holds runtime.LockOSThread) and its koid. Beryl's TIDs are thread
// koids, except the initial thread's, which is the PID.
func lockedThread(t *testing.T) (zx.Handle, zx.Koid) {
	t.Helper()
	h := zx.ThreadSelf().Handle
	if syscall.Gettid() != syscall.Getpid() {
		must(t, "object_get_child(own thread)", zx.Sys_object_get_child(zx.ProcessSelf().Handle, zx.Koid(syscall.Gettid()), zx.RightSameRights, &h))
		t.Cleanup(func() { zx.Sys_handle_close(h) })
	}
	return h, basic(t, h).Koid
}

func owner(t *testing.T, v *int32) zx.Koid {
	t.Helper()
	var k zx.Koid
	must(t, "futex_get_owner", zx.Sys_futex_get_owner(v, &k))
	return k
}

// waiter is a goroutine on its own OS thread blocked in futex_wait.
type waiter struct {
	koid zx.Koid
	h    zx.Handle
	done chan zx.Status
}

func (w *waiter) wait(t *testing.T, want zx.Status) {
	t.Helper()
	select {
	case st := <-w.done:
		if st != want {
			t.Errorf("futex_wait = %v, want %v", st, want)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("waiter not woken")
	}
}

func TestFutexGetOwnerErrors(t *testing.T) {
	var k zx.Koid
	want(t, "get_owner(NULL)", zx.Sys_futex_get_owner(nil, &k), zx.ErrInvalidArgs)
	var a [2]int64
	want(t, "get_owner(misaligned)", zx.Sys_futex_get_owner((*int32)(ptr(uintptrOf(&a[0])+2)), &k), zx.ErrInvalidArgs)
	v := word()
	for _, b := range badAddrs(t, 8, true) {
		want(t, "get_owner(koid "+b.Name+")", zx.Sys_futex_get_owner(v, (*zx.Koid)(ptr(b.Addr))), zx.ErrInvalidArgs)
	}
	k = 99
	must(t, "get_owner", zx.Sys_futex_get_owner(v, &k))
	if k != 0 {
		t.Errorf("owner of a futex without waiters: %d", k)
	}
	want(t, "wake_single_owner(NULL)", zx.Sys_futex_wake_single_owner(nil), zx.ErrInvalidArgs)
	want(t, "wake_single_owner(no waiters)", zx.Sys_futex_wake_single_owner(v), zx.OK)
	want(t, "requeue_single_owner(same)", zx.Sys_futex_requeue_single_owner(v, 0, v, 1, zx.HandleInvalid), zx.ErrInvalidArgs)
	w2 := word()
	*v = 1
	want(t, "requeue_single_owner(mismatch)", zx.Sys_futex_requeue_single_owner(v, 0, w2, 1, zx.HandleInvalid), zx.ErrBadState)
	*v = 0
	want(t, "requeue_single_owner(owner event)", zx.Sys_futex_requeue_single_owner(v, 0, w2, 1, newEvent(t)), zx.ErrWrongType)
}

func TestFutexOwnerValidation(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self, _ := lockedThread(t)
	v := word()
	past := zx.Now() - 1
	want(t, "wait(owner=self)", zx.Sys_futex_wait(v, 0, self, past), zx.ErrInvalidArgs)
	want(t, "wait(owner=unstarted)", zx.Sys_futex_wait(v, 0, otherThread(t), past), zx.ErrInvalidArgs)
	// The value check comes first.
	want(t, "wait(mismatch, owner=self)", zx.Sys_futex_wait(v, 1, self, past), zx.ErrBadState)
	// A valid owner and a past deadline: the wait times out and the
	// futex, without waiters, has no owner.
	other := make(chan zx.Handle)
	release := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		h, _ := lockedThread(t)
		other <- h
		<-release
	}()
	oh := <-other
	defer close(release)
	want(t, "wait(owner=other, past)", zx.Sys_futex_wait(v, 0, oh, past), zx.ErrTimedOut)
	want(t, "wait(owner=other, 1 ms)", zx.Sys_futex_wait(v, 0, oh, zx.Now()+zx.Time(time.Millisecond)), zx.ErrTimedOut)
	if k := owner(t, v); k != 0 {
		t.Errorf("owner %d after the only waiter timed out", k)
	}
}

func TestFutexOwnership(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self, selfKoid := lockedThread(t)
	v := word()

	// A waiter names this thread the owner.
	w1 := startWaiter(t, v, self)
	if k := owner(t, v); k != selfKoid {
		t.Fatalf("owner %d, want this thread %d", k, selfKoid)
	}
	// The waiter itself cannot be named owner of the futex it waits on.
	want(t, "wait(owner=a waiter)", zx.Sys_futex_wait(v, 0, w1.h, zx.Now()-1), zx.ErrInvalidArgs)
	want(t, "requeue(owner=a waiter)", zx.Sys_futex_requeue(word(), 0, 0, v, 0, w1.h), zx.ErrInvalidArgs)

	// A second waiter that names no owner: the futex has none.
	w2 := startWaiter(t, v, zx.HandleInvalid)
	if k := owner(t, v); k != 0 {
		t.Errorf("owner %d after a wait without owner", k)
	}
	// Waking one with ownership: the woken thread (the oldest) owns the
	// futex while the other still waits.
	want(t, "wake_single_owner", zx.Sys_futex_wake_single_owner(v), zx.OK)
	w1.wait(t, zx.OK)
	if k := owner(t, v); k != w1.koid {
		t.Errorf("owner %d after wake_single_owner, want the woken %d", k, w1.koid)
	}
	// The last waiter woken the same way leaves no owner.
	want(t, "wake_single_owner", zx.Sys_futex_wake_single_owner(v), zx.OK)
	w2.wait(t, zx.OK)
	if k := owner(t, v); k != 0 {
		t.Errorf("owner %d of a futex without waiters", k)
	}

	// futex_wake releases ownership.
	w3 := startWaiter(t, v, self)
	w4 := startWaiter(t, v, self)
	want(t, "futex_wake(1)", zx.Sys_futex_wake(v, 1), zx.OK)
	w3.wait(t, zx.OK)
	if k := owner(t, v); k != 0 {
		t.Errorf("owner %d after futex_wake", k)
	}

	// Requeue: the target is owned by new_requeue_owner.
	to := word()
	want(t, "requeue(owner=self)", zx.Sys_futex_requeue(v, 0, 0, to, 1, self), zx.OK)
	if kv, kt := owner(t, v), owner(t, to); kv != 0 || kt != selfKoid {
		t.Errorf("owners after requeue: %d (want 0), %d (want %d)", kv, kt, selfKoid)
	}
	// A requeue to a target that ends up without waiters leaves it no owner.
	empty := word()
	want(t, "requeue(nothing, owner=self)", zx.Sys_futex_requeue(v, 0, 0, empty, 1, self), zx.OK)
	if k := owner(t, empty); k != 0 {
		t.Errorf("owner %d of a requeue target without waiters", k)
	}
	// requeue_single_owner wakes w4 (now on to) with ownership of to;
	// nothing remains, so to has no owner.
	w5 := startWaiter(t, to, zx.HandleInvalid)
	want(t, "requeue_single_owner", zx.Sys_futex_requeue_single_owner(to, 0, v, 1, zx.HandleInvalid), zx.OK)
	w4.wait(t, zx.OK)
	if kt, kv := owner(t, to), owner(t, v); kt != 0 || kv != 0 {
		t.Errorf("owners after requeue_single_owner: %d, %d", kt, kv)
	}
	want(t, "futex_wake(all)", zx.Sys_futex_wake(v, ^uint32(0)), zx.OK)
	w5.wait(t, zx.OK)
}

// startWaiter starts a goroutine on its own OS thread that waits on v
// (holding 0) with owner ownerH, and returns once the thread is blocked
// (ZX_INFO_THREAD: ZX_THREAD_STATE_BLOCKED_FUTEX), so that the owner
// reads as the wait set it.
func startWaiter(t *testing.T, v *int32, ownerH zx.Handle) *waiter {
	t.Helper()
	w := &waiter{done: make(chan zx.Status, 1)}
	ready := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		w.h, w.koid = lockedThread(t)
		close(ready)
		w.done <- zx.Sys_futex_wait(v, 0, ownerH, zx.Now()+zx.Time(20*time.Second))
	}()
	<-ready
	for i := 0; ; i++ {
		info, err := zx.Thread{Handle: w.h}.Info()
		if err == nil && info.State == zx.ThreadStateBlockedFutex {
			return w
		}
		if i > 5000 {
			t.Fatalf("waiter did not block (state %#x, %v)", info.State, err)
		}
		time.Sleep(time.Millisecond)
	}
}
