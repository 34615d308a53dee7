// Package futex is the conformance family for futex_wait, futex_wake and
// futex_requeue, run inside Beryl (go test -exec bin/zxrun). Waiters run
// on goroutines locked to their own OS threads, so they are distinct
// Beryl threads blocked in the kernel.
package futex

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"beryl/userspace/zx"
)

const ms = zx.Time(1_000_000)

// settle gives waiters whose threads report ZX_THREAD_STATE_BLOCKED_FUTEX
// (set as futex_wait starts) time to reach the futex's queue.
const settle = 200 * ms

// waiters starts n goroutines, each on its own locked OS thread, waiting
// on addr for value; their results arrive on the returned channel.
func waiters(t *testing.T, n int, addr *int32, value int32) <-chan zx.Status {
	t.Helper()
	// One P per waiter (QEMU has one CPU): each waiter then runs as soon
	// as it is started instead of waiting for sysmon to retake the P of a
	// waiter already blocked in the kernel.
	if old := runtime.GOMAXPROCS(0); old < n+2 {
		runtime.GOMAXPROCS(n + 2)
		t.Cleanup(func() { runtime.GOMAXPROCS(old) })
	}
	res := make(chan zx.Status, n)
	threads := make(chan zx.Handle, n)
	for i := 0; i < n; i++ {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			h, _ := lockedThread(t)
			threads <- h
			res <- zx.Sys_futex_wait(addr, value, zx.HandleInvalid, zx.TimeInfinite)
		}()
	}
	// Each waiter's thread inside futex_wait (ZX_INFO_THREAD), as
	// Zircon's tests wait for ZX_THREAD_STATE_BLOCKED_FUTEX; a loaded
	// host can hold a started goroutine back for longer than settle.
	for i := 0; i < n; i++ {
		h := <-threads
		for try := 0; ; try++ {
			info, err := zx.Thread{Handle: h}.Info()
			if err == nil && info.State == zx.ThreadStateBlockedFutex {
				break
			}
			if try > 10000 {
				t.Fatalf("waiter %d did not block (state %#x, %v)", i, info.State, err)
			}
			time.Sleep(time.Millisecond)
		}
	}
	// The state is set as the call starts: time to reach the queue.
	zx.Sys_nanosleep(zx.Now() + settle)
	return res
}

// collect returns how many results arrive within d (each must be ZX_OK).
func collect(t *testing.T, res <-chan zx.Status, d zx.Time) int {
	t.Helper()
	n := 0
	deadline := time.After(time.Duration(d))
	for {
		select {
		case st := <-res:
			if st != zx.OK {
				t.Errorf("woken waiter returned %v", st)
			}
			n++
		case <-deadline:
			return n
		}
	}
}

// release wakes every remaining waiter of addr and checks that want more
// return.
func release(t *testing.T, addr *int32, res <-chan zx.Status, want int) {
	t.Helper()
	must(t, "futex_wake(all)", zx.Sys_futex_wake(addr, zx.FutexWakeAll))
	for i := 0; i < want; i++ {
		select {
		case st := <-res:
			if st != zx.OK {
				t.Errorf("waiter returned %v", st)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of %d remaining waiters woke", i, want)
		}
	}
}

// words keeps futex words on the heap: a futex's address must not change
// while threads wait on it, and a goroutine stack may move (a local whose
// address only reaches the noescape trampoline stays on the stack).
var words []*int32

// word returns a new zero futex word on the heap.
func word() *int32 {
	w := new(int32)
	words = append(words, w)
	return w
}

func TestWait(t *testing.T) {
	t.Run("value-mismatch", func(t *testing.T) {
		v := word()
		*v = 5
		want(t, "futex_wait(current=6)", zx.Sys_futex_wait(v, 6, zx.HandleInvalid, zx.TimeInfinite), zx.ErrBadState)
	})
	t.Run("deadline-in-past", func(t *testing.T) {
		v := word()
		want(t, "futex_wait", zx.Sys_futex_wait(v, 0, zx.HandleInvalid, zx.Now()-ms), zx.ErrTimedOut)
	})
	t.Run("deadline-infinite-past", func(t *testing.T) {
		v := word()
		want(t, "futex_wait", zx.Sys_futex_wait(v, 0, zx.HandleInvalid, zx.TimeInfinitePast), zx.ErrTimedOut)
	})
	t.Run("deadline-future", func(t *testing.T) {
		v := word()
		deadline := zx.Now() + 20*ms
		want(t, "futex_wait", zx.Sys_futex_wait(v, 0, zx.HandleInvalid, deadline), zx.ErrTimedOut)
		if now := zx.Now(); now < deadline {
			t.Errorf("timed out %d ns early", deadline-now)
		}
	})
	t.Run("mismatch-beats-timeout", func(t *testing.T) {
		v := word()
		*v = 1
		want(t, "futex_wait", zx.Sys_futex_wait(v, 0, zx.HandleInvalid, zx.Now()-ms), zx.ErrBadState)
	})
	t.Run("owner-thread-accepted", func(t *testing.T) {
		v := word()
		*v = 1
		want(t, "futex_wait(owner=thread)", zx.Sys_futex_wait(v, 2, otherThread(t), zx.TimeInfinite), zx.ErrBadState)
	})
	t.Run("owner-bad-handle", func(t *testing.T) {
		v := word()
		want(t, "futex_wait", zx.Sys_futex_wait(v, 0, 0x7fff_fff3, zx.Now()-ms), zx.ErrBadHandle)
	})
	t.Run("owner-wrong-type", func(t *testing.T) {
		v := word()
		want(t, "futex_wait", zx.Sys_futex_wait(v, 0, newEvent(t), zx.Now()-ms), zx.ErrWrongType)
	})
	// FutexContext::FutexWait compares the value before it reports a bad
	// owner, and the waiter may not name itself as the owner.
	t.Run("owner-errors-after-value", func(t *testing.T) {
		v := word()
		*v = 1
		want(t, "futex_wait(bad owner, value changed)", zx.Sys_futex_wait(v, 0, 0x7fff_fff3, zx.Now()-ms), zx.ErrBadState)
		want(t, "futex_wait(event owner, value changed)", zx.Sys_futex_wait(v, 0, newEvent(t), zx.Now()-ms), zx.ErrBadState)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		self := zx.ThreadSelf().Handle
		if syscall.Gettid() != syscall.Getpid() {
			if st := zx.Sys_object_get_child(zx.ProcessSelf().Handle, zx.Koid(syscall.Gettid()), zx.RightSameRights, &self); st != zx.OK {
				t.Fatalf("own thread: %v", st)
			}
			defer zx.Sys_handle_close(self)
		}
		want(t, "futex_wait(owner=self)", zx.Sys_futex_wait(v, 1, self, zx.Now()-ms), zx.ErrInvalidArgs)
		want(t, "futex_wait(owner=self, value changed)", zx.Sys_futex_wait(v, 0, self, zx.Now()-ms), zx.ErrBadState)
	})
	t.Run("misaligned", func(t *testing.T) {
		var a [2]int64
		p := (*int32)(ptr(uintptrOf(&a[0]) + 2))
		want(t, "futex_wait", zx.Sys_futex_wait(p, 0, zx.HandleInvalid, zx.Now()-ms), zx.ErrInvalidArgs)
	})
	t.Run("bad-pointers", func(t *testing.T) {
		for _, b := range badAddrs(t, 4, false) {
			want(t, "futex_wait(value_ptr="+b.Name+")", zx.Sys_futex_wait((*int32)(ptr(b.Addr)), 0, zx.HandleInvalid, zx.Now()+ms), zx.ErrInvalidArgs)
		}
	})
	t.Run("read-only-value-ok", func(t *testing.T) {
		s := newScratch(t)
		want(t, "futex_wait(read-only page)", zx.Sys_futex_wait((*int32)(ptr(s.RO())), 1, zx.HandleInvalid, zx.TimeInfinite), zx.ErrBadState)
	})
	t.Run("woken", func(t *testing.T) {
		v := word()
		res := waiters(t, 1, v, 0)
		must(t, "futex_wake", zx.Sys_futex_wake(v, 1))
		if n := collect(t, res, 5000*ms); n != 1 {
			t.Errorf("%d woken, want 1", n)
		}
	})
	t.Run("timeout-while-blocked-on-other-thread", func(t *testing.T) {
		v := word()
		res := make(chan zx.Status, 1)
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			res <- zx.Sys_futex_wait(v, 0, zx.HandleInvalid, zx.Now()+30*ms)
		}()
		select {
		case st := <-res:
			want(t, "futex_wait", st, zx.ErrTimedOut)
		case <-time.After(10 * time.Second):
			t.Fatal("waiter never timed out")
		}
		// The timed-out waiter left the queue: a wake finds nobody.
		must(t, "futex_wake", zx.Sys_futex_wake(v, 1))
	})
}

// otherThread returns a handle to a new, unstarted thread of this process
// (a thread, but no valid owner: it has not started).
func otherThread(t *testing.T) zx.Handle {
	t.Helper()
	th, err := zx.NewThread(zx.ProcessSelf(), "owner", 0)
	if err != nil {
		t.Fatalf("thread_create: %v", err)
	}
	t.Cleanup(func() { th.Close() })
	return th.Handle
}

func TestWake(t *testing.T) {
	t.Run("no-waiters", func(t *testing.T) {
		v := word()
		want(t, "futex_wake", zx.Sys_futex_wake(v, 1), zx.OK)
		want(t, "futex_wake(0)", zx.Sys_futex_wake(v, 0), zx.OK)
	})
	t.Run("unmapped-address-ok", func(t *testing.T) {
		// futex_wake never reads the value.
		s := newScratch(t)
		want(t, "futex_wake(unmapped)", zx.Sys_futex_wake((*int32)(ptr(s.Base+zx.PageSize)), 1), zx.OK)
	})
	t.Run("null", func(t *testing.T) {
		want(t, "futex_wake(NULL)", zx.Sys_futex_wake(nil, 1), zx.ErrInvalidArgs)
	})
	t.Run("misaligned", func(t *testing.T) {
		var a [2]int64
		want(t, "futex_wake", zx.Sys_futex_wake((*int32)(ptr(uintptrOf(&a[0])+1)), 1), zx.ErrInvalidArgs)
	})
	t.Run("wake-one-of-three", func(t *testing.T) {
		v := word()
		res := waiters(t, 3, v, 0)
		must(t, "futex_wake(1)", zx.Sys_futex_wake(v, 1))
		if n := collect(t, res, settle); n != 1 {
			t.Errorf("%d woken by wake(1), want 1", n)
		}
		release(t, v, res, 2)
	})
	t.Run("wake-two-of-four", func(t *testing.T) {
		v := word()
		res := waiters(t, 4, v, 0)
		must(t, "futex_wake(2)", zx.Sys_futex_wake(v, 2))
		if n := collect(t, res, settle); n != 2 {
			t.Errorf("%d woken by wake(2), want 2", n)
		}
		release(t, v, res, 2)
	})
	t.Run("wake-zero", func(t *testing.T) {
		v := word()
		res := waiters(t, 2, v, 0)
		must(t, "futex_wake(0)", zx.Sys_futex_wake(v, 0))
		if n := collect(t, res, settle); n != 0 {
			t.Errorf("%d woken by wake(0)", n)
		}
		release(t, v, res, 2)
	})
	t.Run("wake-all-many-threads", func(t *testing.T) {
		v := word()
		const n = 8
		res := waiters(t, n, v, 0)
		release(t, v, res, n)
	})
	t.Run("wake-other-address", func(t *testing.T) {
		var v [2]int32
		res := waiters(t, 1, &v[0], 0)
		must(t, "futex_wake(other)", zx.Sys_futex_wake(&v[1], zx.FutexWakeAll))
		if n := collect(t, res, settle); n != 0 {
			t.Errorf("wake of a neighbouring futex woke %d", n)
		}
		release(t, &v[0], res, 1)
	})
	t.Run("wake-more-than-waiting", func(t *testing.T) {
		v := word()
		res := waiters(t, 2, v, 0)
		must(t, "futex_wake(100)", zx.Sys_futex_wake(v, 100))
		if n := collect(t, res, settle); n != 2 {
			t.Errorf("%d woken, want 2", n)
		}
	})
}

func TestRequeue(t *testing.T) {
	t.Run("moves-waiters", func(t *testing.T) {
		a, b := word(), word()
		res := waiters(t, 3, a, 0)
		must(t, "requeue(wake 1, move 2)", zx.Sys_futex_requeue(a, 1, 0, b, 2, zx.HandleInvalid))
		if n := collect(t, res, settle); n != 1 {
			t.Errorf("%d woken by requeue, want 1", n)
		}
		must(t, "wake a", zx.Sys_futex_wake(a, zx.FutexWakeAll))
		if n := collect(t, res, settle); n != 0 {
			t.Errorf("waking the old futex woke %d requeued waiters", n)
		}
		release(t, b, res, 2)
	})
	t.Run("requeue-count-limits", func(t *testing.T) {
		a, b := word(), word()
		res := waiters(t, 3, a, 0)
		must(t, "requeue(wake 0, move 1)", zx.Sys_futex_requeue(a, 0, 0, b, 1, zx.HandleInvalid))
		must(t, "wake b", zx.Sys_futex_wake(b, zx.FutexWakeAll))
		if n := collect(t, res, settle); n != 1 {
			t.Errorf("%d waiters were on b, want 1", n)
		}
		release(t, a, res, 2)
	})
	t.Run("requeue-zero-wakes-all-requested", func(t *testing.T) {
		a, b := word(), word()
		res := waiters(t, 2, a, 0)
		must(t, "requeue(wake all, move 0)", zx.Sys_futex_requeue(a, zx.FutexWakeAll, 0, b, 0, zx.HandleInvalid))
		if n := collect(t, res, settle); n != 2 {
			t.Errorf("%d woken, want 2", n)
		}
	})
	t.Run("value-mismatch-changes-nothing", func(t *testing.T) {
		a, b := word(), word()
		res := waiters(t, 1, a, 0)
		want(t, "requeue(current=1)", zx.Sys_futex_requeue(a, 1, 1, b, 1, zx.HandleInvalid), zx.ErrBadState)
		if n := collect(t, res, settle); n != 0 {
			t.Errorf("failed requeue woke %d", n)
		}
		must(t, "wake b", zx.Sys_futex_wake(b, zx.FutexWakeAll))
		if n := collect(t, res, settle); n != 0 {
			t.Errorf("failed requeue moved %d", n)
		}
		release(t, a, res, 1)
	})
	t.Run("no-waiters", func(t *testing.T) {
		a, b := word(), word()
		want(t, "requeue", zx.Sys_futex_requeue(a, 1, 0, b, 1, zx.HandleInvalid), zx.OK)
	})
	t.Run("same-futex", func(t *testing.T) {
		a := word()
		want(t, "requeue(a→a)", zx.Sys_futex_requeue(a, 1, 0, a, 1, zx.HandleInvalid), zx.ErrInvalidArgs)
	})
	t.Run("null-value", func(t *testing.T) {
		b := word()
		want(t, "requeue(NULL)", zx.Sys_futex_requeue(nil, 1, 0, b, 1, zx.HandleInvalid), zx.ErrInvalidArgs)
	})
	t.Run("null-requeue", func(t *testing.T) {
		a := word()
		want(t, "requeue(→NULL)", zx.Sys_futex_requeue(a, 1, 0, nil, 1, zx.HandleInvalid), zx.ErrInvalidArgs)
	})
	t.Run("misaligned", func(t *testing.T) {
		var x [2]int64
		a := word()
		mis := (*int32)(ptr(uintptrOf(&x[0]) + 2))
		want(t, "requeue(misaligned value)", zx.Sys_futex_requeue(mis, 1, 0, a, 1, zx.HandleInvalid), zx.ErrInvalidArgs)
		want(t, "requeue(misaligned target)", zx.Sys_futex_requeue(a, 1, 0, mis, 1, zx.HandleInvalid), zx.ErrInvalidArgs)
	})
	t.Run("bad-value-pointer", func(t *testing.T) {
		b := word()
		for _, p := range badAddrs(t, 4, false) {
			if p.Name == "null" {
				continue
			}
			want(t, "requeue(value_ptr="+p.Name+")", zx.Sys_futex_requeue((*int32)(ptr(p.Addr)), 1, 0, b, 1, zx.HandleInvalid), zx.ErrInvalidArgs)
		}
	})
	t.Run("owner-bad-handle", func(t *testing.T) {
		a, b := word(), word()
		want(t, "requeue", zx.Sys_futex_requeue(a, 1, 0, b, 1, 0x7fff_fff3), zx.ErrBadHandle)
	})
	t.Run("owner-wrong-type", func(t *testing.T) {
		a, b := word(), word()
		want(t, "requeue", zx.Sys_futex_requeue(a, 1, 0, b, 1, newEvent(t)), zx.ErrWrongType)
	})
	t.Run("owner-error-after-value", func(t *testing.T) {
		a, b := word(), word()
		*a = 3
		want(t, "requeue(bad owner, value changed)", zx.Sys_futex_requeue(a, 1, 0, b, 1, 0x7fff_fff3), zx.ErrBadState)
	})
	t.Run("owner-unstarted-thread", func(t *testing.T) {
		// Zircon's ValidateFutexOwner: the owner must have started.
		a, b := word(), word()
		want(t, "requeue(owner=unstarted thread)", zx.Sys_futex_requeue(a, 1, 0, b, 1, otherThread(t)), zx.ErrInvalidArgs)
	})
}
