package object

import (
	"testing"
	"time"
)

// ownedWait starts a waiter with koid self on k (holding 0) naming owner,
// and returns once it is queued.
func ownedWait(t *testing.T, fc *FutexContext, k uint64, self Koid, owner FutexOwner) <-chan Status {
	t.Helper()
	n := fc.Waiters(k)
	done := make(chan Status, 1)
	go func() {
		done <- fc.WaitOwned(k, func() (int32, Status) { return 0, OK }, 0, TimeInfinite, nil, self, owner, OK)
	}()
	for fc.Waiters(k) == n {
		time.Sleep(time.Millisecond)
	}
	return done
}

func ownerKoid(fc *FutexContext, k uint64) Koid {
	if o := fc.Owner(k); o != nil {
		return o.Koid()
	}
	return 0
}

func TestFutexOwnership(t *testing.T) {
	var fc FutexContext
	load := func() (int32, Status) { return 0, OK }
	if st := fc.WaitOwned(1, load, 0, TimeInfinite, nil, 5, koidOwner(5), OK); st != ErrInvalidArgs {
		t.Errorf("owner = self: %v", st)
	}
	if st := fc.WaitOwned(1, load, 1, TimeInfinite, nil, 5, nil, ErrBadHandle); st != ErrBadState {
		t.Errorf("mismatch before owner error: %v", st)
	}
	if st := fc.WaitOwned(1, load, 0, TimeInfinite, nil, 5, nil, ErrBadHandle); st != ErrBadHandle {
		t.Errorf("owner error: %v", st)
	}
	a := ownedWait(t, &fc, 1, 10, koidOwner(99))
	if got := ownerKoid(&fc, 1); got != 99 {
		t.Fatalf("owner %d", got)
	}
	if st := fc.WaitOwned(1, load, 0, 0, nil, 11, koidOwner(10), OK); st != ErrInvalidArgs {
		t.Errorf("owner waiting on the futex: %v", st)
	}
	b := ownedWait(t, &fc, 1, 11, koidOwner(99))
	fc.WakeSingleOwner(1)
	<-a
	if got := ownerKoid(&fc, 1); got != 10 {
		t.Errorf("owner after wake_single_owner %d, want the woken 10", got)
	}
	// Requeue b to 2 owned by 77; 1 is left without waiters or owner.
	if st := fc.RequeueOwned(1, 0, load, 0, 2, 1, false, koidOwner(11), OK); st != ErrInvalidArgs {
		t.Errorf("requeue owner waiting: %v", st)
	}
	if st := fc.RequeueOwned(1, 0, load, 0, 2, 1, false, koidOwner(77), OK); st != OK {
		t.Fatal(st)
	}
	if o1, o2 := ownerKoid(&fc, 1), ownerKoid(&fc, 2); o1 != 0 || o2 != 77 {
		t.Errorf("owners %d, %d", o1, o2)
	}
	fc.Wake(2, 1)
	<-b
	if got := ownerKoid(&fc, 2); got != 0 {
		t.Errorf("owner %d after the last wake", got)
	}
}
