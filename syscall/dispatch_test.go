package zxsys

import (
	"testing"

	"beryl/kernel/object"
)

func TestBadSyscall(t *testing.T) {
	f := newEnv(t)
	for _, n := range []uint64{0, 1, 60, 0x1ff, Base - 1, Base + NumSyscalls, Base + 0x1000, 1 << 63, ^uint64(0)} {
		if got := f.call(n, 1, 2, 3, 4, 5, 6, 7, 8); got != int64(object.ErrBadSyscall) {
			t.Errorf("Dispatch(%#x) = %d, want ZX_ERR_BAD_SYSCALL", n, got)
		}
		if Lookup(n) != nil {
			t.Errorf("Lookup(%#x) != nil", n)
		}
	}
}

// TestUpperBitsIgnored: 32-bit arguments ignore the upper half of their
// register, as on Zircon.
func TestUpperBitsIgnored(t *testing.T) {
	f := newEnv(t)
	ev := f.create1(SysEventCreate, 0xffffffff_00000000)
	f.ok(SysObjectSignal, uint64(ev)|0xabcd_0000_0000_0000, 0, uint64(object.SignalUser0))
	obs := f.alloc(4)
	f.ok(SysObjectWaitOne, uint64(ev), uint64(object.SignalUser0), 0, uint64(obs))
	if object.Signals(f.u32(obs)) != object.SignalUser0 {
		t.Fatalf("observed %#x", f.u32(obs))
	}
}

func TestClockAndSleep(t *testing.T) {
	f := newEnv(t)
	t0 := f.call(SysClockGetMonotonic)
	f.ok(SysNanosleep, uint64(t0+int64(2e6)))
	t1 := f.call(SysClockGetMonotonic)
	if t1 < t0+2e6 {
		t.Fatalf("slept %d ns, want >= 2ms", t1-t0)
	}
	f.ok(SysNanosleep, 0) // past deadline: returns at once
	negative := int64(-5)
	f.ok(SysNanosleep, uint64(negative))
}

type killCaller struct {
	*fakeCaller
	ch chan struct{}
}

func (k killCaller) Killed() <-chan struct{} { return k.ch }

func TestNanosleepKilled(t *testing.T) {
	f := newEnv(t)
	k := killCaller{f, make(chan struct{})}
	close(k.ch)
	var a [8]uint64
	a[0] = uint64(object.TimeInfinite)
	if st := object.Status(testDispatcher.Dispatch(k, SysNanosleep, &a)); st != object.ErrInternalIntrKilled {
		t.Fatalf("got %v", st)
	}
}
