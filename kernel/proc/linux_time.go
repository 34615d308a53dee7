package proc

import (
	"encoding/binary"
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

// sysNanosleep sleeps; a signal or a kill ends it early with EINTR (the
// remaining time is not written back).
func sysNanosleep(t *Thread, a *[6]uint64) (int64, bool) {
	d, ok := t.timespec(a[0])
	if !ok {
		return -linux.EINVAL, false
	}
	select {
	case <-time.After(d):
	case <-t.interruptCh():
		return -linux.EINTR, false
	}
	return 0, false
}
