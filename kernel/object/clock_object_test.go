package object

import "testing"

// fakeTicks runs clocks on a fake monotonic clock with 3 ticks per 2 ns
// (a ratio other than 1:1) and restores the real clock afterwards.
func fakeTicks(t *testing.T, start Time) *FakeClock {
	fc := NewFakeClock(start)
	SetClock(fc)
	SetTickSource(func() int64 { return int64(fc.Now()) * 3 / 2 }, 1_500_000_000)
	t.Cleanup(func() {
		SetClock(MonotonicClock())
		SetTickSource(nil, 0)
	})
	return fc
}

func TestClockCreateValidation(t *testing.T) {
	fakeTicks(t, 1000)
	for _, c := range []struct {
		opts     uint64
		backstop Time
		want     Status
	}{
		{0, 0, OK},
		{ClockOptMonotonic, 0, OK},
		{ClockOptMonotonic | ClockOptContinuous, 0, OK},
		{ClockOptContinuous, 0, ErrInvalidArgs},
		{1 << 57, 0, ErrInvalidArgs},
		{0, -1, ErrInvalidArgs},
		{ClockOptAutoStart, 1000, OK},
		{ClockOptAutoStart, 1001, ErrInvalidArgs},
		{ClockArgsVersion(1) | ClockOptMonotonic, 5, OK},
	} {
		if _, st := NewClock(c.opts, c.backstop); st != c.want {
			t.Errorf("NewClock(%#x, %d) = %v, want %v", c.opts, c.backstop, st, c.want)
		}
	}
}

func TestClockSetAndRead(t *testing.T) {
	fc := fakeTicks(t, 1000)
	c, _ := NewClock(0, 12345)
	if got := c.Read(); got != 12345 {
		t.Fatalf("unstarted clock reads %d, want the backstop", got)
	}
	if st := c.Update(ClockUpdateOptionErrorBoundValid, ClockUpdateArgs{Version: 1}); st != ErrBadState {
		t.Errorf("first update without a set = %v, want BAD_STATE", st)
	}
	if c.Signals()&ClockStarted != 0 {
		t.Fatal("started before its first set")
	}
	if st := c.Update(ClockUpdateOptionValueValid, ClockUpdateArgs{Version: 1, SyntheticValue: 12344}); st != ErrInvalidArgs {
		t.Errorf("set below the backstop = %v", st)
	}
	if st := c.Update(ClockUpdateOptionValueValid, ClockUpdateArgs{Version: 1, SyntheticValue: 1_000_000}); st != OK {
		t.Fatal(st)
	}
	if c.Signals()&ClockStarted == 0 {
		t.Error("ZX_CLOCK_STARTED not asserted by the first set")
	}
	fc.Advance(500)
	if got := c.Read(); got != 1_000_500 {
		t.Errorf("read %d after 500 ns, want 1000500", got)
	}
	d := c.Details()
	if d.GenerationCounter != 2 || d.MonoToSynthetic.Rate != (Ratio{1, 1}) || d.TicksToSynthetic.Rate != (Ratio{2, 3}) ||
		d.LastValueUpdateTicks != 1500 || d.LastRateAdjustUpdateTicks != 1500 || d.MonoToSynthetic.ReferenceOffset != 1000 {
		t.Errorf("details %+v", d)
	}
	// +1000 ppm: the synthetic clock gains 1 ns per microsecond.
	if st := c.Update(ClockUpdateOptionRateAdjustValid, ClockUpdateArgs{Version: 1, RateAdjust: 1000}); st != OK {
		t.Fatal(st)
	}
	fc.Advance(1_000_000)
	if got := c.Read(); got != 1_000_500+1_001_000 {
		t.Errorf("read %d after a rate change", got)
	}
	d = c.Details()
	if d.GenerationCounter != 4 || d.TicksToSynthetic.Rate != NewRatio(2*1_001_000, 3*1_000_000) {
		t.Errorf("details after rate change %+v", d)
	}
}

func TestClockMonotonicRules(t *testing.T) {
	fakeTicks(t, 1000)
	mono, _ := NewClock(ClockOptMonotonic, 0)
	cont, _ := NewClock(ClockOptMonotonic|ClockOptContinuous, 0)
	set := func(c *ClockObject, v int64) Status {
		return c.Update(ClockUpdateOptionValueValid, ClockUpdateArgs{Version: 1, SyntheticValue: v})
	}
	for _, c := range []*ClockObject{mono, cont} {
		if st := set(c, 1_000_000); st != OK {
			t.Fatal(st)
		}
	}
	if st := set(mono, 2_000_000); st != OK {
		t.Errorf("monotonic forward jump = %v", st)
	}
	if st := set(cont, 2_000_000); st != ErrInvalidArgs {
		t.Errorf("continuous second set = %v", st)
	}
	if st := set(mono, 1_999_999); st != ErrInvalidArgs {
		t.Errorf("monotonic backwards = %v", st)
	}
	// Version 2 on a started monotonic clock: a set needs a reference
	// value and cannot be combined with a rate change.
	v2 := ClockUpdateArgs{Version: 2, SyntheticValue: 3_000_000, ReferenceValue: 1000}
	if st := mono.Update(ClockUpdateOptionValueValid, v2); st != ErrInvalidArgs {
		t.Errorf("v2 set without reference = %v", st)
	}
	if st := mono.Update(ClockUpdateOptionBothValuesValid|ClockUpdateOptionRateAdjustValid, v2); st != ErrInvalidArgs {
		t.Errorf("v2 set with rate = %v", st)
	}
	if st := mono.Update(ClockUpdateOptionBothValuesValid, v2); st != OK {
		t.Errorf("v2 set with reference = %v", st)
	}
	if got := mono.Read(); got != 3_000_000 {
		t.Errorf("v2 set reads %d", got)
	}
	if st := mono.Update(ClockUpdateOptionReferenceValueValid, v2); st != ErrInvalidArgs {
		t.Errorf("reference value alone = %v", st)
	}
	v2.Version = 1
	if st := mono.Update(ClockUpdateOptionBothValuesValid, v2); st != ErrInvalidArgs {
		t.Errorf("v1 reference value = %v", st)
	}
}

func TestClockAutoStart(t *testing.T) {
	fc := fakeTicks(t, 1000)
	c, st := NewClock(ClockOptAutoStart, 0)
	if st != OK {
		t.Fatal(st)
	}
	if c.Signals()&ClockStarted == 0 {
		t.Error("auto-started clock not ZX_CLOCK_STARTED")
	}
	fc.Advance(10)
	if got := c.Read(); got != 1010 {
		t.Errorf("auto-started clock reads %d, want the monotonic 1010", got)
	}
}

func TestRatioScale(t *testing.T) {
	for _, c := range []struct {
		r    Ratio
		v    int64
		want int64
	}{
		{Ratio{2, 3}, 7, 4},
		{Ratio{2, 3}, -7, -4},
		{Ratio{0, 1}, 99, 0},
		{Ratio{3, 1}, 1 << 62, 1<<63 - 1},
		{Ratio{3, 1}, -1 << 62, -1 << 63},
	} {
		if got := c.r.Scale(c.v); got != c.want {
			t.Errorf("%v.Scale(%d) = %d, want %d", c.r, c.v, got, c.want)
		}
	}
	if r := NewRatio(1<<40, 3); r.Num > 0xffffffff || r.Den == 0 {
		t.Errorf("NewRatio overflow: %v", r)
	}
}

// The syscall-level entry points: the option checks before the handle,
// then the rights gate.
func TestClockSyscalls(t *testing.T) {
	fc := fakeTicks(t, 1000)
	e := newEnv(t)
	if _, st := ClockCreate(e.p, ClockOptContinuous, 0); st != ErrInvalidArgs {
		t.Errorf("create continuous = %v", st)
	}
	h := must(ClockCreate(e.p, 0, 0))
	ev := must(EventCreate(e.p, 0))
	set := ClockUpdateArgs{Version: 1, SyntheticValue: 50}
	if st := ClockUpdate(e.p, HandleInvalid, 0, set); st != ErrInvalidArgs {
		t.Errorf("update with no option = %v", st)
	}
	if st := ClockUpdate(e.p, HandleInvalid, 1<<20, set); st != ErrInvalidArgs {
		t.Errorf("update with an unknown option = %v", st)
	}
	if st := ClockUpdate(e.p, h, ClockUpdateOptionRateAdjustValid, ClockUpdateArgs{Version: 1, RateAdjust: -1001}); st != ErrInvalidArgs {
		t.Errorf("rate -1001 = %v", st)
	}
	if st := ClockUpdate(e.p, ev, ClockUpdateOptionValueValid, set); st != ErrWrongType {
		t.Errorf("update an event = %v", st)
	}
	if st := ClockUpdate(e.p, h, ClockArgsVersion(1)|ClockUpdateOptionValueValid, set); st != OK {
		t.Fatal(st)
	}
	fc.Advance(8) // 12 ticks
	if v, st := ClockRead(e.p, h); st != OK || v != 58 {
		t.Errorf("read = %d, %v", v, st)
	}
	if _, st := ClockRead(e.p, ev); st != ErrWrongType {
		t.Errorf("read an event = %v", st)
	}
	ro := must(HandleDuplicate(e.p, h, DefaultClockRights&^RightWrite))
	if st := ClockUpdate(e.p, ro, ClockUpdateOptionValueValid, set); st != ErrAccessDenied {
		t.Errorf("update without WRITE = %v", st)
	}
	wo := must(HandleDuplicate(e.p, h, DefaultClockRights&^RightRead))
	if _, st := ClockGetDetails(e.p, wo); st != ErrAccessDenied {
		t.Errorf("details without READ = %v", st)
	}
	if d, st := ClockGetDetails(e.p, h); st != OK || d.GenerationCounter != 2 || d.BackstopTime != 0 {
		t.Errorf("details = %+v, %v", d, st)
	}
	if got := TicksPerSecond(); got != 1_500_000_000 {
		t.Errorf("TicksPerSecond = %d", got)
	}
	if ClockArgsVersionOf(ClockArgsVersion(2)|ClockOptMonotonic) != 2 {
		t.Error("ClockArgsVersionOf")
	}
}
