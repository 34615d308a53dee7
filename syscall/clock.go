package zxsys

import "beryl/kernel/object"

// The clock family (Zircon's clock.cc): clock objects, whose argument
// structs are versioned in the top bits of options.

// sysClockCreate is zx_clock_create: the version decides the args (0: no
// struct, backstop 0; 1: zx_clock_create_args_v1_t), then the object
// checks the options and backstop.
func (d *Dispatcher) sysClockCreate(c Caller, options uint64, args, out UserPtr) object.Status {
	var backstop object.Time
	switch object.ClockArgsVersionOf(options) {
	case 0:
		if args != 0 {
			return object.ErrInvalidArgs
		}
	case 1:
		b, st := copyIn(c, args, object.ClockCreateArgsV1Size)
		if st != object.OK {
			return st
		}
		backstop = object.Time(le.Uint64(b))
	default:
		return object.ErrInvalidArgs
	}
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h, st := object.ClockCreate(c.Process(), options, backstop)
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysClockRead(c Caller, h object.Handle, now UserPtr) object.Status {
	t, st := object.ClockRead(c.Process(), h)
	if st != object.OK {
		return st
	}
	return writeU64(c, now, uint64(t))
}

// sysClockGetDetails is zx_clock_get_details: version 1 and a non-NULL
// buffer come before the handle, as Zircon.
func (d *Dispatcher) sysClockGetDetails(c Caller, h object.Handle, options uint64, details UserPtr) object.Status {
	if options != object.ClockArgsVersion(1) || details == 0 {
		return object.ErrInvalidArgs
	}
	cd, st := object.ClockGetDetails(c.Process(), h)
	if st != object.OK {
		return st
	}
	return copyOut(c, details, encodeClockDetails(cd))
}

// encodeClockDetails lays out zx_clock_details_v1_t.
func encodeClockDetails(d object.ClockDetails) []byte {
	b := make([]byte, object.ClockDetailsV1Size)
	le.PutUint64(b[0:], d.Options)
	le.PutUint64(b[8:], uint64(d.BackstopTime))
	putTransform := func(off int, t object.Transform) {
		le.PutUint64(b[off:], uint64(t.ReferenceOffset))
		le.PutUint64(b[off+8:], uint64(t.SyntheticOffset))
		le.PutUint32(b[off+16:], t.Rate.Num)
		le.PutUint32(b[off+20:], t.Rate.Den)
	}
	putTransform(16, d.TicksToSynthetic)
	putTransform(40, d.MonoToSynthetic)
	le.PutUint64(b[64:], d.ErrorBound)
	le.PutUint64(b[72:], uint64(d.QueryTicks))
	le.PutUint64(b[80:], uint64(d.LastValueUpdateTicks))
	le.PutUint64(b[88:], uint64(d.LastRateAdjustUpdateTicks))
	le.PutUint64(b[96:], uint64(d.LastErrorBoundsUpdateTicks))
	le.PutUint32(b[104:], d.GenerationCounter)
	return b
}

// sysClockUpdate is zx_clock_update: NULL args, the version and the
// copy-in come first, then (in object.ClockUpdate) the options, the rate
// range, the handle and the update itself.
func (d *Dispatcher) sysClockUpdate(c Caller, h object.Handle, options uint64, args UserPtr) object.Status {
	if args == 0 {
		return object.ErrInvalidArgs
	}
	a := object.ClockUpdateArgs{Version: object.ClockArgsVersionOf(options)}
	switch a.Version {
	case 1:
		b, st := copyIn(c, args, object.ClockUpdateArgsV1Size)
		if st != object.OK {
			return st
		}
		a.RateAdjust = int32(le.Uint32(b[0:]))
		a.SyntheticValue = int64(le.Uint64(b[8:]))
		a.ErrorBound = le.Uint64(b[16:])
	case 2:
		b, st := copyIn(c, args, object.ClockUpdateArgsV2Size)
		if st != object.OK {
			return st
		}
		a.RateAdjust = int32(le.Uint32(b[0:]))
		a.SyntheticValue = int64(le.Uint64(b[8:]))
		a.ReferenceValue = int64(le.Uint64(b[16:]))
		a.ErrorBound = le.Uint64(b[24:])
	default:
		return object.ErrInvalidArgs
	}
	return object.ClockUpdate(c.Process(), h, options, a)
}
