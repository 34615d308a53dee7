// Package timer is the conformance family for timer_create, timer_set and
// timer_cancel (ZX_TIMER_SIGNALED, slack, re-arming, ZX_INFO_TIMER), run
// inside Beryl (go test -exec bin/zxrun).
package timer

import (
	"testing"
	"unsafe"

	"beryl/userspace/zx"
)

const ms = zx.Time(1_000_000)

func newTimer(t *testing.T, opts uint32) zx.Handle {
	t.Helper()
	var h zx.Handle
	must(t, "timer_create", zx.Sys_timer_create(opts, zx.ClockMonotonic, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

// signaled reports whether ZX_TIMER_SIGNALED is asserted now.
func signaled(t *testing.T, h zx.Handle) bool {
	t.Helper()
	var obs zx.Signals
	st := zx.Sys_object_wait_one(h, zx.TimerSignaled, 0, &obs)
	if st != zx.OK && st != zx.ErrTimedOut {
		t.Fatalf("wait_one = %v", st)
	}
	return obs&zx.TimerSignaled != 0
}

func info(t *testing.T, h zx.Handle) zx.InfoTimer {
	t.Helper()
	var i zx.InfoTimer
	must(t, "get_info(TIMER)", zx.Sys_object_get_info(h, zx.ObjectInfoTimer, unsafe.Pointer(&i), uint(unsafe.Sizeof(i)), nil, nil))
	return i
}

func TestCreate(t *testing.T) {
	for _, c := range []struct {
		name string
		opts uint32
	}{{"slack-center", zx.TimerSlackCenter}, {"slack-early", zx.TimerSlackEarly}, {"slack-late", zx.TimerSlackLate}} {
		t.Run(c.name, func(t *testing.T) {
			h := newTimer(t, c.opts)
			b := basic(t, h)
			if b.Type != zx.ObjTypeTimer || b.Rights != zx.DefaultTimerRights || b.Props != zx.ObjPropWaitable {
				t.Errorf("info %+v", b)
			}
			if i := info(t, h); i.Options != c.opts || i.Deadline != 0 || i.Slack != 0 {
				t.Errorf("ZX_INFO_TIMER %+v", i)
			}
			if signaled(t, h) {
				t.Error("new timer signaled")
			}
		})
	}
	for _, c := range []struct {
		name        string
		opts, clock uint32
	}{{"bad-options", 3, zx.ClockMonotonic}, {"options-high-bit", 1 << 31, zx.ClockMonotonic},
		{"utc-clock", 0, 1}, {"thread-clock", 0, 2}, {"unknown-clock", 0, 99}} {
		t.Run(c.name, func(t *testing.T) {
			var h zx.Handle = 0xdead
			before := handleCount(t)
			want(t, "timer_create", zx.Sys_timer_create(c.opts, c.clock, &h), zx.ErrInvalidArgs)
			if h != 0xdead || handleCount(t) != before {
				t.Error("failed create wrote a handle or leaked one")
			}
		})
	}
	t.Run("bad-out-pointer", func(t *testing.T) {
		bad := badAddrs(t, 4, true)
		before := handleCount(t)
		for _, b := range bad {
			want(t, "timer_create(out="+b.Name+")", zx.Sys_timer_create(0, zx.ClockMonotonic, (*zx.Handle)(ptr(b.Addr))), zx.ErrInvalidArgs)
		}
		if n := handleCount(t); n != before {
			t.Errorf("handles %d → %d", before, n)
		}
	})
}

func TestSet(t *testing.T) {
	t.Run("past-deadline-fires-now", func(t *testing.T) {
		h := newTimer(t, 0)
		must(t, "set", zx.Sys_timer_set(h, zx.Now()-ms, 0))
		if !signaled(t, h) {
			t.Error("timer with a past deadline not signaled")
		}
	})
	t.Run("deadline-zero", func(t *testing.T) {
		h := newTimer(t, 0)
		must(t, "set", zx.Sys_timer_set(h, 0, 0))
		if !signaled(t, h) {
			t.Error("timer with deadline 0 not signaled")
		}
	})
	t.Run("negative-deadline", func(t *testing.T) {
		h := newTimer(t, 0)
		must(t, "set", zx.Sys_timer_set(h, zx.TimeInfinitePast, 0))
		if !signaled(t, h) {
			t.Error("timer with ZX_TIME_INFINITE_PAST not signaled")
		}
	})
	t.Run("fires-at-deadline", func(t *testing.T) {
		h := newTimer(t, 0)
		deadline := zx.Now() + 20*ms
		must(t, "set", zx.Sys_timer_set(h, deadline, 0))
		// A fired timer reports deadline 0 (Zircon's OnTimerFired clears
		// it); on a loaded host the 20 ms may be over before the read.
		if i := info(t, h); i.Deadline != deadline && !(i.Deadline == 0 && zx.Now() >= deadline) {
			t.Errorf("ZX_INFO_TIMER deadline %d, want %d", i.Deadline, deadline)
		}
		var obs zx.Signals
		must(t, "wait", zx.Sys_object_wait_one(h, zx.TimerSignaled, zx.Now()+10_000*ms, &obs))
		if now := zx.Now(); now < deadline {
			t.Errorf("fired %d ns early", deadline-now)
		}
		if obs&zx.TimerSignaled == 0 {
			t.Errorf("observed %#x", obs)
		}
		if !signaled(t, h) {
			t.Error("signal not latched after firing")
		}
	})
	t.Run("not-before-deadline", func(t *testing.T) {
		h := newTimer(t, 0)
		must(t, "set", zx.Sys_timer_set(h, zx.Now()+10_000*ms, 0))
		var obs zx.Signals
		want(t, "wait 20ms", zx.Sys_object_wait_one(h, zx.TimerSignaled, zx.Now()+20*ms, &obs), zx.ErrTimedOut)
		if obs&zx.TimerSignaled != 0 {
			t.Error("signaled long before the deadline")
		}
	})
	for _, mode := range []struct {
		name string
		opts uint32
		lo   zx.Time // earliest allowed firing relative to the deadline, in slack units
	}{{"slack-center", zx.TimerSlackCenter, -1}, {"slack-early", zx.TimerSlackEarly, -1}, {"slack-late", zx.TimerSlackLate, 0}} {
		t.Run("window-"+mode.name, func(t *testing.T) {
			h := newTimer(t, mode.opts)
			slack := 5 * ms
			deadline := zx.Now() + 30*ms
			must(t, "set", zx.Sys_timer_set(h, deadline, zx.Duration(slack)))
			// Unless it already fired (a host that deschedules the
			// vCPU for 30 ms), the armed timer reports its slack.
			if i := info(t, h); i.Slack != zx.Duration(slack) && !(i.Deadline == 0 && zx.Now() >= deadline-slack) {
				t.Errorf("ZX_INFO_TIMER slack %d (deadline %d)", i.Slack, i.Deadline)
			}
			must(t, "wait", zx.Sys_object_wait_one(h, zx.TimerSignaled, zx.Now()+10_000*ms, nil))
			if now := zx.Now(); now < deadline+mode.lo*slack {
				t.Errorf("fired %d ns before the deadline, slack %d", deadline-now, slack)
			}
		})
	}
	t.Run("negative-slack", func(t *testing.T) {
		h := newTimer(t, 0)
		want(t, "set", zx.Sys_timer_set(h, zx.Now()-ms, -1), zx.ErrOutOfRange)
		if signaled(t, h) {
			t.Error("failed set armed the timer")
		}
	})
	t.Run("rearm-replaces-deadline", func(t *testing.T) {
		h := newTimer(t, 0)
		must(t, "set far", zx.Sys_timer_set(h, zx.Now()+10_000*ms, 0))
		must(t, "set near", zx.Sys_timer_set(h, zx.Now()+5*ms, 0))
		must(t, "wait", zx.Sys_object_wait_one(h, zx.TimerSignaled, zx.Now()+5_000*ms, nil))
	})
	t.Run("rearm-later-cancels-earlier", func(t *testing.T) {
		h := newTimer(t, 0)
		must(t, "set near", zx.Sys_timer_set(h, zx.Now()+5*ms, 0))
		must(t, "set far", zx.Sys_timer_set(h, zx.Now()+10_000*ms, 0))
		want(t, "wait past the first deadline", zx.Sys_object_wait_one(h, zx.TimerSignaled, zx.Now()+30*ms, nil), zx.ErrTimedOut)
	})
	t.Run("set-deasserts", func(t *testing.T) {
		h := newTimer(t, 0)
		must(t, "fire", zx.Sys_timer_set(h, 0, 0))
		must(t, "rearm", zx.Sys_timer_set(h, zx.Now()+10_000*ms, 0))
		if signaled(t, h) {
			t.Error("re-arming left ZX_TIMER_SIGNALED asserted")
		}
	})
	t.Run("info-after-fire", func(t *testing.T) {
		h := newTimer(t, 0)
		must(t, "fire", zx.Sys_timer_set(h, 0, 0))
		if i := info(t, h); i.Deadline != 0 {
			t.Errorf("ZX_INFO_TIMER deadline %d after firing, want 0", i.Deadline)
		}
	})
	t.Run("needs-write-right", func(t *testing.T) {
		h := reduced(t, newTimer(t, 0), zx.RightWait|zx.RightInspect)
		want(t, "set", zx.Sys_timer_set(h, 0, 0), zx.ErrAccessDenied)
		if signaled(t, h) {
			t.Error("denied set armed the timer")
		}
	})
	t.Run("bad-handle", func(t *testing.T) {
		want(t, "set", zx.Sys_timer_set(0x7fff_fff3, 0, 0), zx.ErrBadHandle)
		// sys_timer_set checks the slack before the handle.
		want(t, "set(bad handle, slack -1)", zx.Sys_timer_set(0x7fff_fff3, 0, -1), zx.ErrOutOfRange)
	})
	t.Run("wrong-type", func(t *testing.T) {
		want(t, "set(event)", zx.Sys_timer_set(newEvent(t), 0, 0), zx.ErrWrongType)
	})
	t.Run("async-wait-packet", func(t *testing.T) {
		h := newTimer(t, 0)
		var port zx.Handle
		must(t, "port_create", zx.Sys_port_create(0, &port))
		defer zx.Sys_handle_close(port)
		must(t, "wait_async", zx.Sys_object_wait_async(h, port, 77, zx.TimerSignaled, 0))
		must(t, "set", zx.Sys_timer_set(h, zx.Now()+5*ms, 0))
		var pk zx.PortPacket
		must(t, "port_wait", zx.Sys_port_wait(port, zx.Now()+5_000*ms, &pk))
		if pk.Key != 77 || pk.Type != zx.PktTypeSignalOne || pk.Signal().Observed&zx.TimerSignaled == 0 {
			t.Errorf("packet %+v signal %+v", pk, *pk.Signal())
		}
	})
	t.Run("close-while-armed", func(t *testing.T) {
		var h zx.Handle
		must(t, "create", zx.Sys_timer_create(0, zx.ClockMonotonic, &h))
		must(t, "set", zx.Sys_timer_set(h, zx.Now()+5*ms, 0))
		must(t, "close", zx.Sys_handle_close(h))
		must(t, "sleep past the deadline", zx.Sys_nanosleep(zx.Now()+10*ms))
	})
	t.Run("user-signals", func(t *testing.T) {
		h := newTimer(t, 0)
		must(t, "signal USER_0", zx.Sys_object_signal(h, 0, uint32(zx.SignalUser0)))
		var obs zx.Signals
		must(t, "wait USER_0", zx.Sys_object_wait_one(h, zx.SignalUser0, 0, &obs))
		want(t, "signal TIMER_SIGNALED", zx.Sys_object_signal(h, 0, uint32(zx.TimerSignaled)), zx.ErrInvalidArgs)
	})
}

func TestCancel(t *testing.T) {
	t.Run("deasserts", func(t *testing.T) {
		h := newTimer(t, 0)
		must(t, "fire", zx.Sys_timer_set(h, 0, 0))
		must(t, "cancel", zx.Sys_timer_cancel(h))
		if signaled(t, h) {
			t.Error("signal still asserted after cancel")
		}
	})
	t.Run("prevents-firing", func(t *testing.T) {
		h := newTimer(t, 0)
		must(t, "set", zx.Sys_timer_set(h, zx.Now()+10*ms, 0))
		must(t, "cancel", zx.Sys_timer_cancel(h))
		want(t, "wait past the deadline", zx.Sys_object_wait_one(h, zx.TimerSignaled, zx.Now()+40*ms, nil), zx.ErrTimedOut)
		if i := info(t, h); i.Deadline != 0 {
			t.Errorf("ZX_INFO_TIMER deadline %d after cancel", i.Deadline)
		}
	})
	t.Run("unarmed", func(t *testing.T) {
		want(t, "cancel", zx.Sys_timer_cancel(newTimer(t, 0)), zx.OK)
	})
	t.Run("twice", func(t *testing.T) {
		h := newTimer(t, 0)
		must(t, "set", zx.Sys_timer_set(h, zx.Now()+10_000*ms, 0))
		must(t, "cancel", zx.Sys_timer_cancel(h))
		want(t, "cancel again", zx.Sys_timer_cancel(h), zx.OK)
	})
	t.Run("rearm-after-cancel", func(t *testing.T) {
		h := newTimer(t, 0)
		must(t, "set", zx.Sys_timer_set(h, zx.Now()+10_000*ms, 0))
		must(t, "cancel", zx.Sys_timer_cancel(h))
		must(t, "set again", zx.Sys_timer_set(h, zx.Now()+5*ms, 0))
		must(t, "wait", zx.Sys_object_wait_one(h, zx.TimerSignaled, zx.Now()+5_000*ms, nil))
	})
	t.Run("cancel-wakes-no-waiter", func(t *testing.T) {
		// A waiter for TIMER_SIGNALED is not released by cancel.
		h := newTimer(t, 0)
		must(t, "set", zx.Sys_timer_set(h, zx.Now()+10_000*ms, 0))
		done := make(chan zx.Status, 1)
		go func() { done <- zx.Sys_object_wait_one(h, zx.TimerSignaled, zx.Now()+60*ms, nil) }()
		must(t, "sleep", zx.Sys_nanosleep(zx.Now()+10*ms))
		must(t, "cancel", zx.Sys_timer_cancel(h))
		want(t, "waiter", <-done, zx.ErrTimedOut)
	})
	t.Run("needs-write-right", func(t *testing.T) {
		base := newTimer(t, 0)
		must(t, "fire", zx.Sys_timer_set(base, 0, 0))
		h := reduced(t, base, zx.RightWait)
		want(t, "cancel", zx.Sys_timer_cancel(h), zx.ErrAccessDenied)
		if !signaled(t, base) {
			t.Error("denied cancel deasserted the signal")
		}
	})
	t.Run("bad-handle", func(t *testing.T) {
		want(t, "cancel", zx.Sys_timer_cancel(0x7fff_fff3), zx.ErrBadHandle)
	})
	t.Run("wrong-type", func(t *testing.T) {
		want(t, "cancel(event)", zx.Sys_timer_cancel(newEvent(t)), zx.ErrWrongType)
	})
}
