package object

// Event is an event object: a waitable object whose only state is its
// signals (ZX_EVENT_SIGNALED and the user signals).
type Event struct {
	Base
}

// NewEvent creates an event (the caller owns one reference).
func NewEvent() *Event {
	e := &Event{}
	e.Base.Init(e, ObjTypeEvent, nil, true, 0)
	return e
}

func (e *Event) allowedUserSignals() Signals { return EventSignalMask }

// EventCreate is zx_event_create. Errors: INVALID_ARGS (options != 0),
// ACCESS_DENIED (ZX_POL_NEW_EVENT), NO_RESOURCES.
func EventCreate(p *Process, options uint32) (Handle, Status) {
	if options != 0 {
		return HandleInvalid, ErrInvalidArgs
	}
	if st := p.EnforceBasicPolicy(PolNewEvent); st != OK {
		return HandleInvalid, st
	}
	return p.installNew(NewEvent(), DefaultEventRights)
}
