package object

import (
	"math/bits"
	"sync/atomic"
)

// tickSource is the tick counter clocks are built on (zx_ticks_get) and
// its exact ratio to the monotonic clock.
type tickSource struct {
	read func() int64
	mono Ratio // ticks to nanoseconds
}

var ticks atomic.Pointer[tickSource]

func init() { SetTickSource(nil, 0) }

// SetTickSource makes read, running at hz ticks per second, the tick
// counter of clock objects and zx_ticks_get. A nil read (or hz <= 0)
// selects the monotonic clock itself, at one tick per nanosecond. The
// kernel offsets its TSC so that ticks scaled to nanoseconds read as the
// monotonic clock.
func SetTickSource(read func() int64, hz int64) {
	if read == nil || hz <= 0 {
		ticks.Store(&tickSource{read: func() int64 { return int64(Now()) }, mono: Ratio{1, 1}})
		return
	}
	ticks.Store(&tickSource{read: read, mono: NewRatio(1_000_000_000, uint64(hz))})
}

// Ticks reads the tick counter.
func Ticks() int64 { return ticks.Load().read() }

// TicksToMono is the ratio that converts ticks to monotonic nanoseconds
// (platform_get_ticks_to_time_ratio).
func TicksToMono() Ratio { return ticks.Load().mono }

// TicksPerSecond is the rate of Ticks.
func TicksPerSecond() int64 {
	r := TicksToMono()
	return int64(uint64(r.Den) * 1_000_000_000 / uint64(r.Num))
}

// Ratio is a rate numerator/denominator of 32-bit terms (zx_clock_rate_t,
// Zircon's affine::Ratio).
type Ratio struct {
	Num, Den uint32
}

// NewRatio reduces num/den and, where a term still exceeds 32 bits,
// shifts both down until they fit (an inexact ratio, as Zircon's
// Ratio::Product with Exact::No).
func NewRatio(num, den uint64) Ratio {
	if den == 0 {
		return Ratio{0, 1}
	}
	if g := gcd(num, den); g > 1 {
		num, den = num/g, den/g
	}
	for num > 0xffffffff || den > 0xffffffff {
		num, den = num>>1, den>>1
		if den == 0 {
			den = 1
		}
	}
	return Ratio{uint32(num), uint32(den)}
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Product is r*o, reduced (and shifted down if it does not fit).
func (r Ratio) Product(o Ratio) Ratio {
	return NewRatio(uint64(r.Num)*uint64(o.Num), uint64(r.Den)*uint64(o.Den))
}

// Inverse is den/num.
func (r Ratio) Inverse() Ratio { return Ratio{r.Den, r.Num} }

// Scale returns v*Num/Den, rounded toward zero and saturated to int64.
func (r Ratio) Scale(v int64) int64 {
	if r.Den == 0 {
		return 0
	}
	neg := v < 0
	u := uint64(v)
	if neg {
		u = -u
	}
	hi, lo := bits.Mul64(u, uint64(r.Num))
	if hi >= uint64(r.Den) {
		if neg {
			return -1 << 63
		}
		return 1<<63 - 1
	}
	q, _ := bits.Div64(hi, lo, uint64(r.Den))
	if neg {
		if q > 1<<63 {
			return -1 << 63
		}
		return -int64(q)
	}
	if q > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(q)
}

// Transform is an affine map from a reference timeline to a synthetic one
// (zx_clock_transformation_t): synthetic = SyntheticOffset +
// Rate.Scale(reference - ReferenceOffset).
type Transform struct {
	ReferenceOffset int64
	SyntheticOffset int64
	Rate            Ratio
}

// Apply maps reference onto the synthetic timeline, saturating.
func (t Transform) Apply(reference int64) int64 {
	return satAdd(t.Rate.Scale(satSub(reference, t.ReferenceOffset)), t.SyntheticOffset)
}

func satAdd(a, b int64) int64 {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0:
		return 1<<63 - 1
	case a < 0 && b < 0 && s >= 0:
		return -1 << 63
	}
	return s
}

func satSub(a, b int64) int64 {
	if b == -1<<63 {
		if a >= 0 {
			return 1<<63 - 1
		}
		return a - b
	}
	return satAdd(a, -b)
}
