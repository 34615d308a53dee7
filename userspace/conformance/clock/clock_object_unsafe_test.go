package clock

// The documented errors of clock_create, clock_read, clock_get_details
// and clock_update beyond the kernel-clocks cases, and the parts those
// cases do not reach (AUTO_START, version 2 updates).

import (
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

func TestClockObjectBadHandles(t *testing.T) {
	ev := ctest.NewEvent(t)
	var now zx.Time
	var d zx.ClockDetailsV1
	args := zx.ClockUpdateArgsV1{RateAdjust: 0}
	v1 := zx.ClockArgsVersion(1)
	for _, c := range []struct {
		name string
		h    zx.Handle
		want zx.Status
	}{{"invalid", zx.HandleInvalid, zx.ErrBadHandle}, {"event", ev, zx.ErrWrongType}} {
		ctest.Want(t, "clock_read("+c.name+")", zx.Sys_clock_read(c.h, &now), c.want)
		ctest.Want(t, "clock_get_details("+c.name+")", zx.Sys_clock_get_details(c.h, v1, unsafe.Pointer(&d)), c.want)
		ctest.Want(t, "clock_update("+c.name+")", zx.Sys_clock_update(c.h, v1|zx.ClockUpdateOptionRateAdjustValid, unsafe.Pointer(&args)), c.want)
	}
	// Argument errors come before the handle, as in Zircon.
	ctest.Want(t, "get_details(bad version, bad handle)", zx.Sys_clock_get_details(zx.HandleInvalid, zx.ClockArgsVersion(2), unsafe.Pointer(&d)), zx.ErrInvalidArgs)
	ctest.Want(t, "update(no option, bad handle)", zx.Sys_clock_update(zx.HandleInvalid, v1, unsafe.Pointer(&args)), zx.ErrInvalidArgs)
	c := newClock(t, 0, 0)
	noWrite := ctest.Reduced(t, c.Handle, zx.DefaultClockRights&^zx.RightWrite)
	ctest.Want(t, "update(rate 1001, no WRITE)", zx.Sys_clock_update(noWrite, v1|zx.ClockUpdateOptionRateAdjustValid,
		unsafe.Pointer(&zx.ClockUpdateArgsV1{RateAdjust: 1001})), zx.ErrInvalidArgs)
}

func TestClockObjectBadPointers(t *testing.T) {
	c := newClock(t, 0, 0)
	for _, b := range ctest.BadAddrs(t, 8, true) {
		if b.Addr == 0 {
			continue
		}
		ctest.Want(t, "clock_read(now "+b.Name+")", zx.Sys_clock_read(c.Handle, (*zx.Time)(ctest.Ptr(b.Addr))), zx.ErrInvalidArgs)
		ctest.Want(t, "clock_get_details("+b.Name+")", zx.Sys_clock_get_details(c.Handle, zx.ClockArgsVersion(1), ctest.Ptr(b.Addr)), zx.ErrInvalidArgs)
	}
	for _, b := range ctest.BadAddrs(t, 8, false) {
		if b.Addr == 0 {
			continue
		}
		var h zx.Handle
		ctest.Want(t, "clock_create(args "+b.Name+")", zx.Sys_clock_create(zx.ClockArgsVersion(1), ctest.Ptr(b.Addr), &h), zx.ErrInvalidArgs)
		ctest.Want(t, "clock_update(args "+b.Name+")", zx.Sys_clock_update(c.Handle, zx.ClockArgsVersion(1)|zx.ClockUpdateOptionValueValid, ctest.Ptr(b.Addr)), zx.ErrInvalidArgs)
	}
	outs := ctest.BadAddrs(t, 4, true)
	before := ctest.HandleCount(t)
	for _, b := range outs {
		ctest.Want(t, "clock_create(out "+b.Name+")", zx.Sys_clock_create(0, nil, (*zx.Handle)(ctest.Ptr(b.Addr))), zx.ErrInvalidArgs)
	}
	if after := ctest.HandleCount(t); after != before {
		t.Errorf("handles %d -> %d after failed creates", before, after)
	}
	// A refused update leaves the clock as it was.
	if v, _ := c.Read(); v != 0 {
		t.Errorf("unstarted clock reads %d", v)
	}
}

func TestClockObjectFirstUpdateMustSet(t *testing.T) {
	c := newClock(t, 0, 0)
	ctest.Want(t, "rate before set", status(c.Update(zx.ClockUpdateOptionRateAdjustValid, zx.ClockUpdateArgsV1{})), zx.ErrBadState)
	ctest.Want(t, "error bound before set", status(c.Update(zx.ClockUpdateOptionErrorBoundValid, zx.ClockUpdateArgsV1{})), zx.ErrBadState)
	if b := ctest.Basic(t, c.Handle); b.Rights != zx.DefaultClockRights {
		t.Fatal("rights")
	}
	if p, _ := c.WaitOne(zx.ClockStarted, 0); p&zx.ClockStarted != 0 {
		t.Error("refused updates started the clock")
	}
}

func TestClockObjectAutoStart(t *testing.T) {
	var h zx.Handle
	future := zx.ClockCreateArgsV1{BackstopTime: zx.Sys_clock_get_monotonic() + zx.Time(time.Hour)}
	ctest.Want(t, "auto start, backstop in the future", zx.Sys_clock_create(zx.ClockArgsVersion(1)|zx.ClockOptAutoStart, unsafe.Pointer(&future), &h), zx.ErrInvalidArgs)
	c := newClock(t, zx.ClockOptAutoStart|zx.ClockOptMonotonic, 1)
	if p, _ := c.WaitOne(zx.ClockStarted, 0); p&zx.ClockStarted == 0 {
		t.Error("auto-started clock not ZX_CLOCK_STARTED")
	}
	m0 := zx.Sys_clock_get_monotonic()
	v, err := c.Read()
	m1 := zx.Sys_clock_get_monotonic()
	// A clone of the monotonic clock, within the offset the kernel
	// measured between the tick counter and the clock at boot (a few
	// microseconds; TCG on a loaded host stretches it).
	if err != nil || v < m0-zx.Time(time.Millisecond) || v > m1+zx.Time(time.Millisecond) {
		t.Errorf("auto-started clock reads %d, %v; monotonic in [%d, %d]", v, err, m0, m1)
	}
	// Rate changes need no set: the clock is started.
	if err := c.Update(zx.ClockUpdateOptionRateAdjustValid, zx.ClockUpdateArgsV1{RateAdjust: 10}); err != nil {
		t.Errorf("rate change of an auto-started clock: %v", err)
	}
}

func TestClockObjectUpdateV2(t *testing.T) {
	basic := newClock(t, 0, 0)
	mono := newClock(t, zx.ClockOptMonotonic, 0)
	ref := zx.Sys_clock_get_monotonic()
	// Both values: the clock passes through (ref, 5e9).
	const synth = 5_000_000_000
	both := zx.ClockUpdateArgsV2{ReferenceValue: int64(ref), SyntheticValue: synth}
	for _, c := range []zx.Clock{basic, mono} {
		if err := c.UpdateV2(zx.ClockUpdateOptionBothValuesValid, both); err != nil {
			t.Fatal(err)
		}
		d, _ := c.Details()
		if got := d.MonoToSynthetic.Apply(int64(ref)); got != synth {
			t.Errorf("mono_to_synthetic(%d) = %d, want %d", ref, got, synth)
		}
	}
	ctest.Want(t, "reference value alone", status(basic.UpdateV2(zx.ClockUpdateOptionReferenceValueValid, both)), zx.ErrInvalidArgs)
	ctest.Want(t, "v1 reference value", zx.Sys_clock_update(basic.Handle, zx.ClockArgsVersion(1)|zx.ClockUpdateOptionBothValuesValid,
		unsafe.Pointer(&zx.ClockUpdateArgsV1{Value: synth})), zx.ErrInvalidArgs)
	// A started monotonic clock: a v2 set needs a reference value, and
	// a set or reference value cannot come with a rate change.
	later := zx.ClockUpdateArgsV2{ReferenceValue: int64(ref), SyntheticValue: 2 * synth, RateAdjust: 1}
	ctest.Want(t, "mono v2 set without reference", status(mono.UpdateV2(zx.ClockUpdateOptionSyntheticValueValid, later)), zx.ErrInvalidArgs)
	ctest.Want(t, "mono v2 set with rate", status(mono.UpdateV2(zx.ClockUpdateOptionBothValuesValid|zx.ClockUpdateOptionRateAdjustValid, later)), zx.ErrInvalidArgs)
	ctest.Want(t, "mono v2 reference with rate", status(mono.UpdateV2(zx.ClockUpdateOptionReferenceValueValid|zx.ClockUpdateOptionRateAdjustValid, later)), zx.ErrInvalidArgs)
	ctest.Want(t, "basic v2 set with rate", status(basic.UpdateV2(zx.ClockUpdateOptionBothValuesValid|zx.ClockUpdateOptionRateAdjustValid, later)), zx.OK)
	ctest.Want(t, "mono v2 forward set", status(mono.UpdateV2(zx.ClockUpdateOptionBothValuesValid, later)), zx.OK)
	back := zx.ClockUpdateArgsV2{ReferenceValue: int64(ref), SyntheticValue: synth}
	ctest.Want(t, "mono v2 backwards", status(mono.UpdateV2(zx.ClockUpdateOptionBothValuesValid, back)), zx.ErrInvalidArgs)
}
