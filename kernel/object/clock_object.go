package object

// Clock object options, update options and limits
// (zircon/syscalls/clock.h).
const (
	ClockArgsVersionShift uint64 = 58
	ClockArgsVersionMask  uint64 = 0x3f << ClockArgsVersionShift

	ClockOptMonotonic  uint64 = 1 << 0
	ClockOptContinuous uint64 = 1 << 1
	ClockOptAutoStart  uint64 = 1 << 2
	ClockOptsAll              = ClockOptMonotonic | ClockOptContinuous | ClockOptAutoStart

	ClockUpdateOptionValueValid          uint64 = 1 << 0
	ClockUpdateOptionSyntheticValueValid        = ClockUpdateOptionValueValid
	ClockUpdateOptionRateAdjustValid     uint64 = 1 << 1
	ClockUpdateOptionErrorBoundValid     uint64 = 1 << 2
	ClockUpdateOptionReferenceValueValid uint64 = 1 << 3
	ClockUpdateOptionBothValuesValid            = ClockUpdateOptionReferenceValueValid | ClockUpdateOptionSyntheticValueValid
	ClockUpdateOptionsAll                       = ClockUpdateOptionSyntheticValueValid | ClockUpdateOptionRateAdjustValid |
		ClockUpdateOptionErrorBoundValid | ClockUpdateOptionReferenceValueValid

	ClockUpdateMinRateAdjust int32  = -1000
	ClockUpdateMaxRateAdjust int32  = 1000
	ClockUnknownError        uint64 = 0xffffffffffffffff

	// ClockStarted (ZX_CLOCK_STARTED) is asserted by a clock's first set.
	ClockStarted = Signal4

	// ClockDetailsV1Size is sizeof(zx_clock_details_v1_t).
	ClockDetailsV1Size = 112
	// ClockUpdateArgsV1Size and V2Size are the update argument structs.
	ClockUpdateArgsV1Size = 24
	ClockUpdateArgsV2Size = 32
	// ClockCreateArgsV1Size is sizeof(zx_clock_create_args_v1_t).
	ClockCreateArgsV1Size = 8
)

// ClockArgsVersion is ZX_CLOCK_ARGS_VERSION(n).
func ClockArgsVersion(n uint64) uint64 { return n << ClockArgsVersionShift & ClockArgsVersionMask }

// ClockArgsVersionOf extracts the args version of options.
func ClockArgsVersionOf(options uint64) uint64 {
	return options & ClockArgsVersionMask >> ClockArgsVersionShift
}

// ClockDetails is zx_clock_details_v1_t.
type ClockDetails struct {
	Options                    uint64
	BackstopTime               Time
	TicksToSynthetic           Transform
	MonoToSynthetic            Transform
	ErrorBound                 uint64
	QueryTicks                 int64
	LastValueUpdateTicks       int64
	LastRateAdjustUpdateTicks  int64
	LastErrorBoundsUpdateTicks int64
	GenerationCounter          uint32
}

// ClockUpdateArgs holds zx_clock_update_args_v1_t or _v2_t (Version 1
// has no reference value).
type ClockUpdateArgs struct {
	Version        uint64
	RateAdjust     int32
	SyntheticValue int64
	ReferenceValue int64
	ErrorBound     uint64
}

// ClockObject is a kernel clock (Zircon's ClockDispatcher): a synthetic
// timeline defined as an affine transformation of the tick counter, set
// and rate-adjusted by its maintainer through clock_update.
type ClockObject struct {
	Base
	options  uint64 // without the args version
	backstop Time

	// Guarded by the object lock.
	ticksToSynth Transform
	monoToSynth  Transform
	errorBound   uint64
	lastValue    int64 // ticks of the last set
	lastRate     int64 // ticks of the last rate change
	lastError    int64 // ticks of the last error bound update
	curPPM       int32
	gen          uint32
	started      bool
}

func (c *ClockObject) allowedUserSignals() Signals { return UserSignalAll }

// NewClock validates options (the args version already removed) and a
// backstop time and creates a clock (the caller owns one reference).
// Errors: INVALID_ARGS (an unknown option, CONTINUOUS without MONOTONIC,
// a negative backstop, or with AUTO_START one later than now).
func NewClock(options uint64, backstop Time) (*ClockObject, Status) {
	options &^= ClockArgsVersionMask
	if options&^ClockOptsAll != 0 {
		return nil, ErrInvalidArgs
	}
	if options&ClockOptContinuous != 0 && options&ClockOptMonotonic == 0 {
		return nil, ErrInvalidArgs
	}
	if backstop < 0 || options&ClockOptAutoStart != 0 && backstop > Now() {
		return nil, ErrInvalidArgs
	}
	c := &ClockObject{options: options, backstop: backstop, errorBound: ClockUnknownError}
	c.ticksToSynth = Transform{0, int64(backstop), Ratio{0, 1}}
	c.monoToSynth = c.ticksToSynth
	var initial Signals
	if options&ClockOptAutoStart != 0 {
		// A clone of the monotonic clock until its first update.
		c.monoToSynth = Transform{0, 0, Ratio{1, 1}}
		c.ticksToSynth = Transform{0, 0, TicksToMono()}
		c.started = true
		initial = ClockStarted
	}
	c.Base.Init(c, ObjTypeClock, nil, true, initial)
	return c, OK
}

// ClockCreate is zx_clock_create once the syscall layer has decoded the
// versioned arguments.
func ClockCreate(p *Process, options uint64, backstop Time) (Handle, Status) {
	c, st := NewClock(options, backstop)
	if st != OK {
		return HandleInvalid, st
	}
	return p.installNew(c, DefaultClockRights)
}

// Read returns the clock's current value: the backstop time until it is
// started.
func (c *ClockObject) Read() Time {
	c.mu.Lock()
	t := c.ticksToSynth
	c.mu.Unlock()
	return Time(t.Apply(Ticks()))
}

// Details returns zx_clock_details_v1_t.
func (c *ClockObject) Details() ClockDetails {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ClockDetails{
		Options:                    c.options,
		BackstopTime:               c.backstop,
		TicksToSynthetic:           c.ticksToSynth,
		MonoToSynthetic:            c.monoToSynth,
		ErrorBound:                 c.errorBound,
		QueryTicks:                 Ticks(),
		LastValueUpdateTicks:       c.lastValue,
		LastRateAdjustUpdateTicks:  c.lastRate,
		LastErrorBoundsUpdateTicks: c.lastError,
		GenerationCounter:          c.gen,
	}
}

// Update applies a set, rate adjustment and/or error bound update
// (ClockDispatcher::Update); options has been checked for unknown bits
// and the rate range. Errors: INVALID_ARGS (a v1 reference value, a v2
// reference value without a set or rate change, a set before the
// backstop, a second set of a continuous clock, a monotonic clock going
// backwards, v2 rules for started monotonic clocks), BAD_STATE (the
// first update of a clock does not set it).
func (c *ClockObject) Update(options uint64, a ClockUpdateArgs) Status {
	doSet := options&ClockUpdateOptionSyntheticValueValid != 0
	doRate := options&ClockUpdateOptionRateAdjustValid != 0
	refValid := options&ClockUpdateOptionReferenceValueValid != 0
	if a.Version == 1 && refValid {
		return ErrInvalidArgs
	}
	if a.Version != 1 && refValid && !doSet && !doRate {
		return ErrInvalidArgs
	}
	c.mu.Lock()
	monotonic := c.options&ClockOptMonotonic != 0
	if !doSet && !c.started {
		c.mu.Unlock()
		return ErrBadState
	}
	if doSet && c.options&ClockOptContinuous != 0 && c.started {
		c.mu.Unlock()
		return ErrInvalidArgs
	}
	if a.Version != 1 && c.started && monotonic {
		if doSet && !refValid || (doSet || refValid) && doRate {
			c.mu.Unlock()
			return ErrInvalidArgs
		}
	}
	nowTicks := Ticks()
	t2s, m2s := c.ticksToSynth, c.monoToSynth
	skip := !doSet && (!doRate || !refValid && a.RateAdjust == c.curPPM)
	if !skip {
		t2m := TicksToMono()
		refTicks, refMono := nowTicks, t2m.Scale(nowTicks)
		if refValid {
			refMono = a.ReferenceValue
			refTicks = t2m.Inverse().Scale(refMono)
		}
		var synth int64
		switch {
		case doSet:
			synth = a.SyntheticValue
		case refValid:
			synth = m2s.Apply(refMono)
		default:
			synth = t2s.Apply(refTicks)
		}
		var mr, tr Ratio
		switch {
		case doRate:
			mr = Ratio{uint32(1_000_000 + a.RateAdjust), 1_000_000}
			tr = t2m.Product(mr)
		case c.started:
			mr, tr = m2s.Rate, t2s.Rate
		default:
			mr, tr = Ratio{1, 1}, t2m
		}
		old := t2s
		m2s = Transform{refMono, synth, mr}
		t2s = Transform{refTicks, synth, tr}
		now := t2s.Apply(nowTicks)
		if monotonic && now < old.Apply(nowTicks) || now < int64(c.backstop) {
			c.mu.Unlock()
			return ErrInvalidArgs
		}
	}
	wasStarted := !c.started
	c.ticksToSynth, c.monoToSynth = t2s, m2s
	if doSet {
		c.lastValue = nowTicks
	}
	if doRate || wasStarted {
		c.lastRate = nowTicks
		c.curPPM = 0
		if doRate {
			c.curPPM = a.RateAdjust
		}
	}
	if options&ClockUpdateOptionErrorBoundValid != 0 {
		c.lastError = nowTicks
		c.errorBound = a.ErrorBound
	}
	c.gen += 2
	c.started = true
	if wasStarted {
		c.UpdateStateLocked(0, ClockStarted)
	}
	c.mu.Unlock()
	return OK
}

// ClockRead is zx_clock_read (needs ZX_RIGHT_READ).
func ClockRead(p *Process, h Handle) (Time, Status) {
	c, st := lookupAs[*ClockObject](p, h, ObjTypeClock, RightRead)
	if st != OK {
		return 0, st
	}
	defer c.Release()
	return c.Read(), OK
}

// ClockGetDetails is zx_clock_get_details (needs ZX_RIGHT_READ).
func ClockGetDetails(p *Process, h Handle) (ClockDetails, Status) {
	c, st := lookupAs[*ClockObject](p, h, ObjTypeClock, RightRead)
	if st != OK {
		return ClockDetails{}, st
	}
	defer c.Release()
	return c.Details(), OK
}

// ClockUpdate is zx_clock_update once the syscall layer has decoded the
// versioned arguments: the option and rate checks, then the handle
// (needs ZX_RIGHT_WRITE), then Update.
func ClockUpdate(p *Process, h Handle, options uint64, a ClockUpdateArgs) Status {
	options &^= ClockArgsVersionMask
	if options&^ClockUpdateOptionsAll != 0 || options&ClockUpdateOptionsAll == 0 {
		return ErrInvalidArgs
	}
	if options&ClockUpdateOptionRateAdjustValid != 0 &&
		(a.RateAdjust < ClockUpdateMinRateAdjust || a.RateAdjust > ClockUpdateMaxRateAdjust) {
		return ErrInvalidArgs
	}
	c, st := lookupAs[*ClockObject](p, h, ObjTypeClock, RightWrite)
	if st != OK {
		return st
	}
	defer c.Release()
	return c.Update(options, a)
}
