package proc

import (
	"encoding/binary"
	"time"

	"beryl/kernel/linux"
	"beryl/kernel/object"
)

// sysFutex serves futex(2): FUTEX_WAIT and FUTEX_WAKE, the operations the
// Go runtime makes, on the process's futex context (object.FutexContext),
// which zx_futex_* share: every futex is private to its process.
func sysFutex(t *Thread, a *[6]uint64) (int64, bool) { return t.futex(a), false }

func (t *Thread) futex(a *[6]uint64) int64 {
	p := t.P
	addr, op, val := a[0], a[1]&linux.FutexCmdMask, uint32(a[2])
	futexes := p.Obj.Futexes()
	switch op {
	case linux.FutexWait:
		if addr&3 != 0 {
			return -linux.EINVAL
		}
		deadline := object.TimeInfinite
		if a[3] != 0 {
			d, ok := t.timespec(a[3])
			if !ok {
				return -linux.EINVAL
			}
			deadline = object.Now() + object.Time(min(d, time.Duration(object.TimeInfinite)/2))
		}
		load := func() (int32, object.Status) {
			var b [4]byte
			if p.AS.CopyIn(b[:], addr) != nil {
				return 0, object.ErrInvalidArgs
			}
			return int32(binary.LittleEndian.Uint32(b[:])), object.OK
		}
		switch futexes.Wait(addr, load, int32(val), deadline, t.interruptCh()) {
		case object.OK:
			return 0
		case object.ErrBadState:
			return -linux.EAGAIN
		case object.ErrTimedOut:
			return -linux.ETIMEDOUT
		case object.ErrInternalIntrKilled:
			return -linux.EINTR // a signal or a kill
		}
		return -linux.EFAULT
	case linux.FutexWake:
		return int64(futexes.Wake(addr, val))
	}
	return -linux.ENOSYS
}
