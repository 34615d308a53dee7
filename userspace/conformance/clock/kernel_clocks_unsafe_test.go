package clock

// Zircon's kernel-clocks tests (zircon/system/utest/kernel-clocks):
// clock objects through clock_create, clock_read, clock_get_details and
// clock_update.

import (
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// status turns a wrapper's error back into a zx.Status.
func status(err error) zx.Status {
	if err == nil {
		return zx.OK
	}
	return err.(zx.Status)
}

// newClock creates a clock with options and, when backstop is not 0, an
// explicit backstop (version 1 args), closed at the end of the test.
func newClock(t *testing.T, options uint64, backstop zx.Time) zx.Clock {
	t.Helper()
	var bp *zx.Time
	if backstop != 0 {
		bp = &backstop
	}
	c, err := zx.NewClock(options, bp)
	if err != nil {
		t.Fatalf("clock_create(%#x, backstop %d): %v", options, backstop, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func setValue(v zx.Time) (uint64, zx.ClockUpdateArgsV1) {
	return zx.ClockUpdateOptionValueValid, zx.ClockUpdateArgsV1{Value: int64(v)}
}

func sleepMs(ms int) {
	zx.Sys_nanosleep(zx.Sys_deadline_after(zx.Duration(ms) * zx.Duration(time.Millisecond)))
}

func TestKernelClocksTestCase_Create(t *testing.T) {
	for _, o := range []uint64{0, zx.ClockOptMonotonic, zx.ClockOptMonotonic | zx.ClockOptContinuous} {
		newClock(t, o, 0)
	}
	var h zx.Handle
	ctest.Want(t, "continuous without monotonic", zx.Sys_clock_create(zx.ClockOptContinuous, nil, &h), zx.ErrInvalidArgs)
	ctest.Want(t, "illegal option", zx.Sys_clock_create(1<<(zx.ClockArgsVersionShift-1), nil, &h), zx.ErrInvalidArgs)
	newClock(t, 0, 12345)
	args := zx.ClockCreateArgsV1{BackstopTime: -12345}
	ctest.Want(t, "negative backstop", zx.Sys_clock_create(zx.ClockArgsVersion(1), unsafe.Pointer(&args), &h), zx.ErrInvalidArgs)
	args.BackstopTime = 12345
	ctest.Want(t, "args without version", zx.Sys_clock_create(0, unsafe.Pointer(&args), &h), zx.ErrInvalidArgs)
	ctest.Want(t, "version 1 without args", zx.Sys_clock_create(zx.ClockArgsVersion(1), nil, &h), zx.ErrInvalidArgs)
	ctest.Want(t, "version 7", zx.Sys_clock_create(zx.ClockArgsVersion(7), unsafe.Pointer(&args), &h), zx.ErrInvalidArgs)
}

func TestKernelClocksTestCase_Read(t *testing.T) {
	for _, backstop := range []zx.Time{0, 12345} {
		c := newClock(t, 0, backstop)
		// Never set: the clock reads its backstop and does not tick.
		for i := 0; i < 2; i++ {
			v, err := c.Read()
			if err != nil || v != backstop {
				t.Fatalf("unstarted read = %d, %v; want %d", v, err, backstop)
			}
			sleepMs(10)
		}
		const initial = 1_000_000
		beforeUpdate := zx.Sys_clock_get_monotonic()
		if err := c.Update(setValue(initial)); err != nil {
			t.Fatal(err)
		}
		afterUpdate := zx.Sys_clock_get_monotonic()
		beforeRead := zx.Sys_clock_get_monotonic()
		v, err := c.Read()
		afterRead := zx.Sys_clock_get_monotonic()
		if err != nil {
			t.Fatal(err)
		}
		min := initial + (beforeRead - afterUpdate)
		max := initial + (afterRead - beforeUpdate)
		if v < min || v > max {
			t.Errorf("read %d outside [%d, %d]", v, min, max)
		}
		r, err := c.Replace(zx.DefaultClockRights &^ zx.RightRead)
		if err != nil {
			t.Fatal(err)
		}
		c = zx.Clock{Handle: r}
		t.Cleanup(func() { r.Close() })
		_, err = c.Read()
		ctest.Want(t, "read without READ", status(err), zx.ErrAccessDenied)
	}
}

func TestKernelClocksTestCase_GetDetails(t *testing.T) {
	ticks := zx.Sys_ticks_get
	for _, backstop := range []zx.Time{0, 12345} {
		for _, options := range []uint64{0, zx.ClockOptMonotonic, zx.ClockOptMonotonic | zx.ClockOptContinuous} {
			c := newClock(t, options, backstop)
			// Phase 1: the initial details.
			before := ticks()
			d, err := c.Details()
			after := ticks()
			if err != nil {
				t.Fatal(err)
			}
			if d.GenerationCounter&1 != 0 || d.Options != options || d.BackstopTime != backstop ||
				d.QueryTicks < before || d.QueryTicks > after || d.ErrorBound != zx.ClockUnknownError ||
				d.LastValueUpdateTicks != 0 || d.LastRateAdjustUpdateTicks != 0 || d.LastErrorBoundsUpdateTicks != 0 ||
				d.TicksToSynthetic.Rate.SyntheticTicks != 0 || d.MonoToSynthetic.Rate.SyntheticTicks != 0 {
				t.Fatalf("initial details %+v (query in [%d, %d])", d, before, after)
			}
			last := d

			// Phase 2: the initial set.
			const initial = 1_000_000
			ub := ticks()
			if err := c.Update(setValue(initial)); err != nil {
				t.Fatal(err)
			}
			ua := ticks()
			before = ticks()
			d, _ = c.Details()
			after = ticks()
			if d.QueryTicks < before || d.QueryTicks > after || d.GenerationCounter != last.GenerationCounter+2 ||
				d.Options != options || d.ErrorBound != zx.ClockUnknownError ||
				d.LastValueUpdateTicks < ub || d.LastValueUpdateTicks > ua ||
				d.LastValueUpdateTicks != d.LastRateAdjustUpdateTicks ||
				d.LastErrorBoundsUpdateTicks != last.LastErrorBoundsUpdateTicks ||
				d.TicksToSynthetic.SyntheticOffset != initial || d.MonoToSynthetic.SyntheticOffset != initial ||
				d.MonoToSynthetic.Rate != (zx.ClockRate{SyntheticTicks: 1, ReferenceTicks: 1}) ||
				int64(d.LastValueUpdateTicks) != d.TicksToSynthetic.ReferenceOffset {
				t.Fatalf("details after set %+v (update in [%d, %d])", d, ub, ua)
			}
			ticksToMono := d.TicksToSynthetic.Rate
			if m := ticksToMono.Scale(d.TicksToSynthetic.ReferenceOffset); m != d.MonoToSynthetic.ReferenceOffset {
				t.Errorf("mono reference %d, want ticks reference scaled %d", d.MonoToSynthetic.ReferenceOffset, m)
			}
			last = d

			// Phase 3: a rate change.
			const ppm = 65
			ub = ticks()
			if err := c.Update(zx.ClockUpdateOptionRateAdjustValid, zx.ClockUpdateArgsV1{RateAdjust: ppm}); err != nil {
				t.Fatal(err)
			}
			ua = ticks()
			before = ticks()
			d, _ = c.Details()
			after = ticks()
			if d.QueryTicks < before || d.QueryTicks > after || d.GenerationCounter != last.GenerationCounter+2 ||
				d.Options != options || d.ErrorBound != zx.ClockUnknownError ||
				d.LastValueUpdateTicks != last.LastValueUpdateTicks ||
				d.LastErrorBoundsUpdateTicks != last.LastErrorBoundsUpdateTicks ||
				d.LastRateAdjustUpdateTicks < ub || d.LastRateAdjustUpdateTicks > ua {
				t.Fatalf("details after rate change %+v (update in [%d, %d])", d, ub, ua)
			}
			want := last.TicksToSynthetic.Apply(int64(d.LastRateAdjustUpdateTicks))
			if d.TicksToSynthetic.SyntheticOffset != want || d.MonoToSynthetic.SyntheticOffset != want {
				t.Errorf("synthetic offsets %d, %d; want %d", d.TicksToSynthetic.SyntheticOffset, d.MonoToSynthetic.SyntheticOffset, want)
			}
			if m := ticksToMono.Scale(d.TicksToSynthetic.ReferenceOffset); m != d.MonoToSynthetic.ReferenceOffset ||
				d.TicksToSynthetic.ReferenceOffset != int64(d.LastRateAdjustUpdateTicks) {
				t.Errorf("reference offsets %d, %d", d.TicksToSynthetic.ReferenceOffset, d.MonoToSynthetic.ReferenceOffset)
			}
			wantMono := zx.ClockRate{SyntheticTicks: 1_000_000 + ppm, ReferenceTicks: 1_000_000}.Reduce()
			if got := d.MonoToSynthetic.Rate.Reduce(); got != wantMono {
				t.Errorf("mono rate %+v, want %+v", got, wantMono)
			}
			wantTicks := mulRate(ticksToMono, wantMono)
			if got := d.TicksToSynthetic.Rate.Reduce(); got != wantTicks {
				t.Errorf("ticks rate %+v, want %+v", got, wantTicks)
			}
			last = d

			// Phase 4: the error bound; nothing else changes.
			const bound = 1234567
			ub = ticks()
			if err := c.Update(zx.ClockUpdateOptionErrorBoundValid, zx.ClockUpdateArgsV1{ErrorBound: bound}); err != nil {
				t.Fatal(err)
			}
			ua = ticks()
			d, _ = c.Details()
			if d.GenerationCounter != last.GenerationCounter+2 || d.ErrorBound != bound ||
				d.LastValueUpdateTicks != last.LastValueUpdateTicks || d.LastRateAdjustUpdateTicks != last.LastRateAdjustUpdateTicks ||
				d.LastErrorBoundsUpdateTicks < ub || d.LastErrorBoundsUpdateTicks > ua ||
				d.TicksToSynthetic != last.TicksToSynthetic || d.MonoToSynthetic != last.MonoToSynthetic {
				t.Fatalf("details after error bound %+v", d)
			}

			// Phase 5: a bad version, a NULL buffer; a bigger buffer works.
			var big [zx.ClockDetailsV1Size + 8]byte
			ctest.Want(t, "details version 2", zx.Sys_clock_get_details(c.Handle, zx.ClockArgsVersion(2), unsafe.Pointer(&big[0])), zx.ErrInvalidArgs)
			ctest.Want(t, "details NULL", zx.Sys_clock_get_details(c.Handle, zx.ClockArgsVersion(1), nil), zx.ErrInvalidArgs)
			ctest.Want(t, "details big buffer", zx.Sys_clock_get_details(c.Handle, zx.ClockArgsVersion(1), unsafe.Pointer(&big[0])), zx.OK)

			// Phase 6: no READ, no details.
			r := ctest.Reduced(t, c.Handle, zx.DefaultClockRights&^zx.RightRead)
			_, err = zx.Clock{Handle: r}.Details()
			ctest.Want(t, "details without READ", status(err), zx.ErrAccessDenied)
		}
	}
}

// mulRate is the reduced product of two rates (Zircon's Ratio operator*
// then Reduce), shifted down as the kernel does when it does not fit.
func mulRate(a, b zx.ClockRate) zx.ClockRate {
	n := uint64(a.SyntheticTicks) * uint64(b.SyntheticTicks)
	d := uint64(a.ReferenceTicks) * uint64(b.ReferenceTicks)
	x, y := n, d
	for y != 0 {
		x, y = y, x%y
	}
	n, d = n/x, d/x
	for n > 0xffffffff || d > 0xffffffff {
		n, d = n>>1, d>>1
	}
	return zx.ClockRate{SyntheticTicks: uint32(n), ReferenceTicks: uint32(d)}.Reduce()
}

func TestKernelClocksTestCase_Update(t *testing.T) {
	basic := newClock(t, 0, 0)
	mono := newClock(t, zx.ClockOptMonotonic, 0)
	cont := newClock(t, zx.ClockOptMonotonic|zx.ClockOptContinuous, 0)
	all := []zx.Clock{basic, mono, cont}
	const initial = 1_000_000
	for _, c := range all {
		if err := c.Update(setValue(initial)); err != nil {
			t.Fatal(err)
		}
	}
	// A day forward: only the continuous clock refuses.
	const day = 86400 * zx.Time(time.Second)
	for i, w := range []zx.Status{zx.OK, zx.OK, zx.ErrInvalidArgs} {
		ctest.Want(t, "jump forward", status(all[i].Update(setValue(initial+day))), w)
	}
	// Backwards: only the basic clock may.
	for i, w := range []zx.Status{zx.OK, zx.ErrInvalidArgs, zx.ErrInvalidArgs} {
		ctest.Want(t, "jump backwards", status(all[i].Update(setValue(initial-1))), w)
	}
	for _, v := range []struct {
		adj  int32
		want zx.Status
	}{
		{0, zx.OK}, {zx.ClockUpdateMinRateAdjust, zx.OK}, {zx.ClockUpdateMaxRateAdjust, zx.OK},
		{zx.ClockUpdateMinRateAdjust - 1, zx.ErrInvalidArgs}, {zx.ClockUpdateMaxRateAdjust + 1, zx.ErrInvalidArgs},
	} {
		for _, c := range all {
			ctest.Want(t, "rate adjust", status(c.Update(zx.ClockUpdateOptionRateAdjustValid, zx.ClockUpdateArgsV1{RateAdjust: v.adj})), v.want)
		}
	}
	for _, b := range []uint64{12345, 0, ^uint64(0), zx.ClockUnknownError} {
		for _, c := range all {
			ctest.Want(t, "error bound", status(c.Update(zx.ClockUpdateOptionErrorBoundValid, zx.ClockUpdateArgsV1{ErrorBound: b})), zx.OK)
		}
	}
	var args zx.ClockUpdateArgsV1
	p := unsafe.Pointer(&args)
	for _, c := range all {
		ctest.Want(t, "illegal option", zx.Sys_clock_update(c.Handle, zx.ClockArgsVersion(1)|0x80000000, p), zx.ErrInvalidArgs)
		// The original passes version 2, which Zircon has since accepted;
		// 7 is a version no Zircon defines.
		ctest.Want(t, "bad version", zx.Sys_clock_update(c.Handle, zx.ClockArgsVersion(7), p), zx.ErrInvalidArgs)
		ctest.Want(t, "NULL args", zx.Sys_clock_update(c.Handle, zx.ClockArgsVersion(1), nil), zx.ErrInvalidArgs)
		ctest.Want(t, "no option", status(c.Update(0, args)), zx.ErrInvalidArgs)
	}
	r := ctest.Reduced(t, basic.Handle, zx.DefaultClockRights&^zx.RightWrite)
	ctest.Want(t, "update without WRITE", status(zx.Clock{Handle: r}.Update(zx.ClockUpdateOptionRateAdjustValid, args)), zx.ErrAccessDenied)
}

func TestKernelClocksTestCase_Backstop(t *testing.T) {
	const initial = 86400 * zx.Time(time.Second)
	const backstop = 12345
	c := newClock(t, 0, backstop)
	ctest.Want(t, "set before the backstop", status(c.Update(setValue(backstop-1))), zx.ErrInvalidArgs)
	for i := 0; i < 2; i++ {
		if v, _ := c.Read(); v != backstop {
			t.Fatalf("read %d, want the backstop", v)
		}
		sleepMs(10)
	}
	if err := c.Update(setValue(initial)); err != nil {
		t.Fatal(err)
	}
	ctest.Want(t, "roll back before the backstop", status(c.Update(setValue(backstop-1))), zx.ErrInvalidArgs)
	if v, _ := c.Read(); v < initial {
		t.Errorf("read %d after a refused update", v)
	}
	if err := c.Update(setValue(backstop)); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Read(); v < backstop || v >= initial {
		t.Errorf("read %d after rolling back to the backstop", v)
	}
}

func TestKernelClocksTestCase_StartedSignal(t *testing.T) {
	c := newClock(t, 0, 0)
	pending, err := c.WaitOne(zx.ClockStarted, zx.Sys_deadline_after(zx.Duration(50*time.Millisecond)))
	if status(err) != zx.ErrTimedOut || pending != 0 {
		t.Errorf("wait on an unstarted clock: %v, pending %#x", err, pending)
	}
	if err := c.Update(setValue(0)); err != nil {
		t.Fatal(err)
	}
	pending, err = c.WaitOne(zx.ClockStarted, zx.Sys_deadline_after(zx.Duration(50*time.Millisecond)))
	if err != nil || pending != zx.ClockStarted {
		t.Errorf("wait on a started clock: %v, pending %#x", err, pending)
	}
}

func TestKernelClocksTestCase_DefaultRights(t *testing.T) {
	c := newClock(t, 0, 0)
	if b := ctest.Basic(t, c.Handle); b.Rights != zx.DefaultClockRights || b.Type != zx.ObjTypeClock {
		t.Errorf("rights %#x type %d, want %#x type %d", b.Rights, b.Type, zx.DefaultClockRights, zx.ObjTypeClock)
	}
}
