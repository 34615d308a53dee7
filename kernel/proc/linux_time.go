package proc

import (
	"encoding/binary"
	"runtime"
	"time"

	"beryl/kernel/linux"
	"beryl/kernel/rt"
)

// sysClockGettime serves CLOCK_REALTIME from the wall clock and every
// other clock from the monotonic one.
func sysClockGettime(t *Thread, a *[6]uint64) (int64, bool) {
	now := rt.Nanotime()
	if a[0] == linux.ClockRealtime {
		now = time.Now().UnixNano()
	}
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:], uint64(now/1e9))
	binary.LittleEndian.PutUint64(b[8:], uint64(now%1e9))
	if t.P.AS.CopyOut(a[1], b[:]) != nil {
		return -linux.EFAULT, false
	}
	return 0, false
}

// shortSleep is the longest nanosleep served by yielding until the
// deadline rather than by a timer. The kernel's timers fire on the
// scheduler tick (1 ms at timer.hz=1000), and a Go program's runtime
// sleeps a few microseconds (usleep(3) while an idle M tries to steal
// work) on its hot paths: through a timer each would take a whole tick.
// Linux's default timer slack (50 µs) makes such sleeps about this long.
const shortSleep = 100 * time.Microsecond

// sysNanosleep sleeps; a signal or a kill ends it early with EINTR (the
// remaining time is not written back).
func sysNanosleep(t *Thread, a *[6]uint64) (int64, bool) {
	d, ok := t.timespec(a[0])
	if !ok {
		return -linux.EINVAL, false
	}
	if d <= shortSleep {
		intr := t.interruptCh()
		for deadline := rt.Nanotime() + int64(d); rt.Nanotime() < deadline; {
			select {
			case <-intr:
				return -linux.EINTR, false
			default:
			}
			runtime.Gosched() // the other threads run meanwhile
		}
		return 0, false
	}
	select {
	case <-time.After(d):
	case <-t.interruptCh():
		return -linux.EINTR, false
	}
	return 0, false
}
