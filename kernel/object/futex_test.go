package object

import (
	"testing"
	"time"
)

func futexVal(v int32) func() (int32, Status) {
	return func() (int32, Status) { return v, OK }
}

func waitFutexN(t *testing.T, tb *FutexContext, k uint64, n int) {
	t.Helper()
	for i := 0; i < 5000 && tb.Waiters(k) != n; i++ {
		time.Sleep(time.Millisecond)
	}
	if tb.Waiters(k) != n {
		t.Fatalf("waiters = %d, want %d", tb.Waiters(k), n)
	}
}

func TestFutexWaitWakeRequeue(t *testing.T) {
	var tb FutexContext
	k1, k2 := uint64(0x100), uint64(0x104)
	if st := tb.Wait(k1, futexVal(1), 2, TimeInfinite, nil); st != ErrBadState {
		t.Fatal(st)
	}
	if st := tb.Wait(k1, func() (int32, Status) { return 0, ErrInvalidArgs }, 0, TimeInfinite, nil); st != ErrInvalidArgs {
		t.Fatal(st)
	}
	if st := tb.Wait(k1, futexVal(1), 1, Now()-1, nil); st != ErrTimedOut {
		t.Fatal(st)
	}
	if st := tb.Wait(k1, futexVal(1), 1, Now()+2e6, nil); st != ErrTimedOut {
		t.Fatal(st)
	}
	res := make(chan Status, 3)
	for i := 0; i < 3; i++ {
		go func() { res <- tb.Wait(k1, futexVal(1), 1, TimeInfinite, nil) }()
	}
	waitFutexN(t, &tb, k1, 3)
	if n := tb.Wake(k1, 1); n != 1 {
		t.Fatal(n)
	}
	<-res
	if st := tb.Requeue(k1, 0, futexVal(1), 9, k2, 1); st != ErrBadState {
		t.Fatal(st)
	}
	if st := tb.Requeue(k1, 1, futexVal(1), 1, k2, 5); st != OK {
		t.Fatal(st)
	}
	<-res
	if tb.Waiters(k1) != 0 || tb.Waiters(k2) != 1 {
		t.Fatal("requeue")
	}
	if n := tb.Wake(k2, 0xffffffff); n != 1 {
		t.Fatal(n)
	}
	if st := <-res; st != OK {
		t.Fatal(st)
	}
	if st := tb.Requeue(k1, 1, futexVal(1), 1, k2, 1); st != OK { // empty: fine
		t.Fatal(st)
	}
	kill := make(chan struct{})
	close(kill)
	if st := tb.Wait(k1, futexVal(1), 1, TimeInfinite, kill); st != ErrInternalIntrKilled {
		t.Fatal(st)
	}
	if tb.Waiters(k1) != 0 {
		t.Fatal("killed waiter left queued")
	}
}
