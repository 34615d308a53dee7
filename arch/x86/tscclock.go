package x86

import (
	"math/bits"
	"sync/atomic"
)

// tscClock converts time-stamp counter ticks into the monotonic clock:
// ns = nsBase + (TSC - base) * mult / 2^32. The kernel's Go code reads it
// through Nanotime and the Go runtime through the kernel vDSO's
// clock_gettime (vdsoClockGettime), both without a lock: a writer makes
// seq odd, stores, and makes it even again; a reader retries when seq was
// odd or changed under it. The field offsets are fixed: the assembly reads
// them.
type tscClock struct {
	seq    uint64 // 0: odd while an update is in progress
	base   uint64 // 8: TSC at nsBase
	nsBase int64  // 16
	mult   uint64 // 24: nanoseconds per tick, 32.32 fixed point
	epoch  int64  // 32: CLOCK_REALTIME - CLOCK_MONOTONIC
}

var tsc tscClock

// SetTSCRate makes the monotonic clock advance at hz TSC ticks per second
// from now on, continuing from its current value (zero before the first
// call). Trap path: nosplit, no allocation.
//
//go:nosplit
func SetTSCRate(hz uint64) {
	now := Nanotime() // 0 before the first call: mult is 0
	q, _ := bits.Div64(1e9>>32, 1e9<<32, hz)
	atomic.AddUint64(&tsc.seq, 1)
	tsc.base = Rdtsc()
	tsc.nsBase = now
	tsc.mult = q
	atomic.AddUint64(&tsc.seq, 1)
}

// SetRealtimeOffset sets CLOCK_REALTIME - CLOCK_MONOTONIC in nanoseconds.
// Trap path: nosplit, no allocation.
//
//go:nosplit
func SetRealtimeOffset(ns int64) {
	atomic.AddUint64(&tsc.seq, 1)
	tsc.epoch = ns
	atomic.AddUint64(&tsc.seq, 1)
}

// RealtimeOffset returns CLOCK_REALTIME - CLOCK_MONOTONIC in nanoseconds.
//
//go:nosplit
func RealtimeOffset() int64 {
	for {
		s := atomic.LoadUint64(&tsc.seq)
		e := tsc.epoch
		if s&1 == 0 && atomic.LoadUint64(&tsc.seq) == s {
			return e
		}
	}
}

// Nanotime returns the monotonic clock in nanoseconds since the TSC rate
// was first set. Trap path: nosplit, no allocation.
//
//go:nosplit
func Nanotime() int64 {
	for {
		s := atomic.LoadUint64(&tsc.seq)
		d := Rdtsc() - tsc.base
		hi, lo := bits.Mul64(d, tsc.mult)
		ns := tsc.nsBase + int64(hi<<32|lo>>32)
		if s&1 == 0 && atomic.LoadUint64(&tsc.seq) == s {
			return ns
		}
	}
}

// vdsoClockGettime is __vdso_clock_gettime of the kernel vDSO (boot
// builds the image): called by the Go runtime's nanotime1 and walltime
// with the C ABI (RDI = clock id, RSI = struct timespec *), it stores
// CLOCK_REALTIME for clock 0 and the monotonic clock for any other id and
// returns 0 in RAX. It touches only registers the C ABI lets a callee
// clobber. Trap path: no stack, no allocation.
func vdsoClockGettime()

// VDSOClockGettimePC returns the address of vdsoClockGettime.
func VDSOClockGettimePC() uintptr
