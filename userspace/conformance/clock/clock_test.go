// Package clock is the conformance family for the clock and tick calls
// (clock_get_monotonic, clock_get_boot, ticks_get, ticks_per_second,
// deadline_after), run inside Beryl, with Zircon's core-tests ClockTest
// and TicksTest.
package clock

import (
	"math"
	"testing"
	"time"

	"beryl/userspace/zx"
)

func TestClockGetBoot(t *testing.T) {
	m1 := zx.Sys_clock_get_monotonic()
	b := zx.Sys_clock_get_boot()
	m2 := zx.Sys_clock_get_monotonic()
	// No suspend: the boot clock reads as the monotonic clock.
	if b <= 0 || b < m1 || b > m2 {
		t.Errorf("boot %d outside monotonic [%d, %d]", b, m1, m2)
	}
}

func TestTicks(t *testing.T) {
	hz := zx.Sys_ticks_per_second()
	if hz < 1_000_000 {
		t.Fatalf("ticks_per_second %d", hz)
	}
	// A reading of both clocks at (nearly) one instant: the monotonic
	// clock between two tick reads, taken again if the thread was held
	// up in between (a loaded host deschedules a vCPU for milliseconds).
	pair := func() (zx.Ticks, zx.Time) {
		var tk zx.Ticks
		var m zx.Time
		for try := 0; try < 20; try++ {
			a := zx.Sys_ticks_get()
			m = zx.Sys_clock_get_monotonic()
			b := zx.Sys_ticks_get()
			tk = a + (b-a)/2
			if float64(b-a) < float64(hz)/2000 { // 0.5 ms
				break
			}
		}
		return tk, m
	}
	t0, m0 := pair()
	time.Sleep(50 * time.Millisecond)
	t1, m1 := pair()
	if t0 <= 0 || t1 <= t0 {
		t.Fatalf("ticks %d then %d", t0, t1)
	}
	// Ticks and the monotonic clock tell the same elapsed time (the
	// clock runs on the same counter), within 10%.
	ticksNs := float64(t1-t0) / float64(hz) * 1e9
	if clockNs := float64(m1 - m0); math.Abs(ticksNs-clockNs) > clockNs/10 {
		t.Errorf("elapsed: %.0f ns by ticks, %.0f ns by the clock", ticksNs, clockNs)
	}
}

func TestDeadlineAfter(t *testing.T) {
	for _, d := range []zx.Duration{0, 1, int64ToDuration(time.Second)} {
		before := zx.Sys_clock_get_monotonic()
		got := zx.Sys_deadline_after(d)
		after := zx.Sys_clock_get_monotonic()
		if got < before+zx.Time(d) || got > after+zx.Time(d) {
			t.Errorf("deadline_after(%d) = %d, outside [%d, %d]", d, got, before+zx.Time(d), after+zx.Time(d))
		}
	}
	t.Run("saturates", func(t *testing.T) {
		if got := zx.Sys_deadline_after(math.MaxInt64); got != zx.TimeInfinite {
			t.Errorf("deadline_after(max) = %d, want ZX_TIME_INFINITE", got)
		}
		if got := zx.Sys_deadline_after(math.MaxInt64 - 1); got != zx.TimeInfinite {
			t.Errorf("deadline_after(max-1) = %d, want ZX_TIME_INFINITE", got)
		}
	})
	t.Run("negative", func(t *testing.T) {
		now := zx.Sys_clock_get_monotonic()
		if got := zx.Sys_deadline_after(-1_000_000); got >= now {
			t.Errorf("deadline_after(-1ms) = %d, not before now %d", got, now)
		}
		// now + MinInt64 does not overflow (now >= 0): no saturation.
		if got := zx.Sys_deadline_after(math.MinInt64); got >= 0 || got == zx.TimeInfinitePast && now > 0 {
			t.Errorf("deadline_after(min) = %d, want now + min", got)
		}
	})
}

func int64ToDuration(d time.Duration) zx.Duration { return zx.Duration(d) }

// Zircon core-tests: ClockTest and TicksTest (clock tests in utest/core).

func TestClockTest_ClockMonotonic(t *testing.T) {
	prev := zx.Sys_clock_get_monotonic()
	for range 100 {
		cur := zx.Sys_clock_get_monotonic()
		if cur <= 0 || cur < prev {
			t.Fatalf("clock %d after %d", cur, prev)
		}
		prev = cur
	}
}

func TestClockTest_DeadlineAfter(t *testing.T) {
	x := zx.Sys_clock_get_monotonic()
	y := zx.Sys_deadline_after(0)
	if y < x {
		t.Errorf("deadline_after(0) %d before the clock %d", y, x)
	}
	const d = zx.Duration(10 * time.Millisecond)
	z := zx.Sys_deadline_after(d)
	if z < y+zx.Time(d) {
		t.Errorf("deadline_after(10ms) %d < %d", z, y+zx.Time(d))
	}
	if got := zx.Sys_deadline_after(zx.Duration(zx.TimeInfinite)); got != zx.TimeInfinite {
		t.Errorf("deadline_after(INFINITE) = %d", got)
	}
}

func TestTicksTest_ElapsedTimeUsingTicks(t *testing.T) {
	perSecond := zx.Sys_ticks_per_second()
	if perSecond <= 0 {
		t.Fatalf("ticks_per_second %d", perSecond)
	}
	x := zx.Sys_ticks_get()
	y := zx.Sys_ticks_get()
	if y < x {
		t.Fatalf("ticks went back: %d then %d", x, y)
	}
	const sleep = 10 * time.Millisecond
	start := zx.Sys_ticks_get()
	zx.Sys_nanosleep(zx.Sys_deadline_after(zx.Duration(sleep)))
	elapsed := zx.Sys_ticks_get() - start
	if ns := float64(elapsed) / float64(perSecond) * 1e9; ns < float64(sleep) {
		t.Errorf("slept %v, ticks measured %.0f ns", sleep, ns)
	}
}
