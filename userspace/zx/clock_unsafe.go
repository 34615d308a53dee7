package zx

import (
	"math/bits"
	"unsafe"
)

// ClockCreateArgsV1 is zx_clock_create_args_v1_t.
type ClockCreateArgsV1 struct {
	BackstopTime Time
}

// ClockRate is zx_clock_rate_t.
type ClockRate struct {
	SyntheticTicks uint32
	ReferenceTicks uint32
}

// ClockTransformation is zx_clock_transformation_t.
type ClockTransformation struct {
	ReferenceOffset int64
	SyntheticOffset int64
	Rate            ClockRate
}

// ClockDetailsV1 is zx_clock_details_v1_t.
type ClockDetailsV1 struct {
	Options                    uint64
	BackstopTime               Time
	TicksToSynthetic           ClockTransformation
	MonoToSynthetic            ClockTransformation
	ErrorBound                 uint64
	QueryTicks                 Ticks
	LastValueUpdateTicks       Ticks
	LastRateAdjustUpdateTicks  Ticks
	LastErrorBoundsUpdateTicks Ticks
	GenerationCounter          uint32
	_                          [4]byte
}

// ClockUpdateArgsV1 is zx_clock_update_args_v1_t.
type ClockUpdateArgsV1 struct {
	RateAdjust int32
	_          [4]byte
	Value      int64
	ErrorBound uint64
}

// ClockUpdateArgsV2 is zx_clock_update_args_v2_t.
type ClockUpdateArgsV2 struct {
	RateAdjust     int32
	_              [4]byte
	SyntheticValue int64
	ReferenceValue int64
	ErrorBound     uint64
}

// Clock is a handle to a clock object.
type Clock struct{ Handle }

// NewClock is zx_clock_create: options with version 1 and the backstop
// when backstop is not nil, version 0 and no args otherwise.
func NewClock(options uint64, backstop *Time) (Clock, error) {
	var h Handle
	var st Status
	if backstop != nil {
		args := ClockCreateArgsV1{BackstopTime: *backstop}
		st = Sys_clock_create(options|ClockArgsVersion(1), unsafe.Pointer(&args), &h)
	} else {
		st = Sys_clock_create(options, nil, &h)
	}
	return Clock{h}, errOf(st)
}

// ClockArgsVersion is ZX_CLOCK_ARGS_VERSION(n).
func ClockArgsVersion(n uint64) uint64 { return n << ClockArgsVersionShift & ClockArgsVersionMask }

// Read is zx_clock_read.
func (c Clock) Read() (Time, error) {
	var t Time
	return t, errOf(Sys_clock_read(c.Handle, &t))
}

// Details is zx_clock_get_details (version 1).
func (c Clock) Details() (ClockDetailsV1, error) {
	var d ClockDetailsV1
	return d, errOf(Sys_clock_get_details(c.Handle, ClockArgsVersion(1), unsafe.Pointer(&d)))
}

// Update is zx_clock_update with version 1 arguments.
func (c Clock) Update(options uint64, args ClockUpdateArgsV1) error {
	return errOf(Sys_clock_update(c.Handle, options|ClockArgsVersion(1), unsafe.Pointer(&args)))
}

// UpdateV2 is zx_clock_update with version 2 arguments.
func (c Clock) UpdateV2(options uint64, args ClockUpdateArgsV2) error {
	return errOf(Sys_clock_update(c.Handle, options|ClockArgsVersion(2), unsafe.Pointer(&args)))
}

// Scale is v*SyntheticTicks/ReferenceTicks rounded toward zero and
// saturated, as the kernel applies a rate (Zircon's affine::Ratio::Scale).
func (r ClockRate) Scale(v int64) int64 {
	if r.ReferenceTicks == 0 {
		return 0
	}
	neg := v < 0
	u := uint64(v)
	if neg {
		u = -u
	}
	hi, lo := bits.Mul64(u, uint64(r.SyntheticTicks))
	if hi >= uint64(r.ReferenceTicks) {
		if neg {
			return -1 << 63
		}
		return 1<<63 - 1
	}
	q, _ := bits.Div64(hi, lo, uint64(r.ReferenceTicks))
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

// Reduce divides both terms by their greatest common divisor.
func (r ClockRate) Reduce() ClockRate {
	a, b := r.SyntheticTicks, r.ReferenceTicks
	for b != 0 {
		a, b = b, a%b
	}
	if a == 0 {
		return r
	}
	return ClockRate{r.SyntheticTicks / a, r.ReferenceTicks / a}
}

// Apply maps a reference value onto the synthetic timeline.
func (t ClockTransformation) Apply(ref int64) int64 {
	return t.Rate.Scale(ref-t.ReferenceOffset) + t.SyntheticOffset
}
