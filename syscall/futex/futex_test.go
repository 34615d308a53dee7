package futex

import (
	"testing"
	"time"

	"beryl/kernel/object"
)

func val(v int32) func() (int32, object.Status) {
	return func() (int32, object.Status) { return v, object.OK }
}

func waitN(t *testing.T, tb *Table, k Key, n int) {
	t.Helper()
	for i := 0; i < 5000 && tb.Waiters(k) != n; i++ {
		time.Sleep(time.Millisecond)
	}
	if tb.Waiters(k) != n {
		t.Fatalf("waiters = %d, want %d", tb.Waiters(k), n)
	}
}

func TestWaitWakeRequeue(t *testing.T) {
	var tb Table
	k1, k2 := Key{"as", 0x100}, Key{"as", 0x104}
	if st := tb.Wait(k1, val(1), 2, object.TimeInfinite, nil); st != object.ErrBadState {
		t.Fatal(st)
	}
	if st := tb.Wait(k1, func() (int32, object.Status) { return 0, object.ErrInvalidArgs }, 0, object.TimeInfinite, nil); st != object.ErrInvalidArgs {
		t.Fatal(st)
	}
	if st := tb.Wait(k1, val(1), 1, object.Now()-1, nil); st != object.ErrTimedOut {
		t.Fatal(st)
	}
	if st := tb.Wait(k1, val(1), 1, object.Now()+int64ns(2e6), nil); st != object.ErrTimedOut {
		t.Fatal(st)
	}
	res := make(chan object.Status, 3)
	for i := 0; i < 3; i++ {
		go func() { res <- tb.Wait(k1, val(1), 1, object.TimeInfinite, nil) }()
	}
	waitN(t, &tb, k1, 3)
	if n := tb.Wake(k1, 1); n != 1 {
		t.Fatal(n)
	}
	<-res
	if st := tb.Requeue(k1, 0, val(1), 9, k2, 1); st != object.ErrBadState {
		t.Fatal(st)
	}
	if st := tb.Requeue(k1, 1, val(1), 1, k2, 5); st != object.OK {
		t.Fatal(st)
	}
	<-res
	if tb.Waiters(k1) != 0 || tb.Waiters(k2) != 1 {
		t.Fatal("requeue")
	}
	if n := tb.Wake(k2, 0xffffffff); n != 1 {
		t.Fatal(n)
	}
	if st := <-res; st != object.OK {
		t.Fatal(st)
	}
	if st := tb.Requeue(k1, 1, val(1), 1, k2, 1); st != object.OK { // empty: fine
		t.Fatal(st)
	}
	kill := make(chan struct{})
	close(kill)
	if st := tb.Wait(k1, val(1), 1, object.TimeInfinite, kill); st != object.ErrInternalIntrKilled {
		t.Fatal(st)
	}
	if tb.Waiters(k1) != 0 {
		t.Fatal("killed waiter left queued")
	}
}

func int64ns(f float64) object.Time { return object.Time(f) }
