package object

import "sync"

// EventPair is one end of an event pair: two events that can signal each
// other; closing one asserts ZX_EVENTPAIR_PEER_CLOSED on the other.
type EventPair struct {
	Base
	peer *EventPair // guarded by the shared lock
}

// NewEventPair creates a connected pair (the caller owns one reference to
// each).
func NewEventPair() (*EventPair, *EventPair) {
	mu := new(sync.Mutex)
	a, b := &EventPair{}, &EventPair{}
	a.Base.Init(a, ObjTypeEventPair, mu, true, 0)
	b.Base.Init(b, ObjTypeEventPair, mu, true, 0)
	a.peer, b.peer = b, a
	a.related, b.related = b.koid, a.koid
	a.AddRef()
	b.AddRef()
	return a, b
}

func (e *EventPair) allowedUserSignals() Signals { return UserSignalAll | EventPairSignaled }

func (e *EventPair) allowedPeerSignals() Signals { return UserSignalAll | EventPairSignaled }

func (e *EventPair) peerBaseLocked() *Base {
	if e.peer == nil {
		return nil
	}
	return &e.peer.Base
}

// OnZeroHandles asserts PEER_CLOSED on the peer and unlinks the pair.
func (e *EventPair) OnZeroHandles() []*HandleEntry {
	e.mu.Lock()
	peer := e.peer
	if peer != nil {
		e.peer, peer.peer = nil, nil
		peer.UpdateStateLocked(0, EventPairPeerClosed)
	}
	e.mu.Unlock()
	if peer != nil {
		peer.Release()
		e.Release()
	}
	return nil
}

// EventPairCreate is zx_eventpair_create. Errors: NOT_SUPPORTED (options
// != 0, as Zircon's sys_eventpair_create: no options are defined),
// ACCESS_DENIED (ZX_POL_NEW_EVENTPAIR), NO_RESOURCES.
func EventPairCreate(p *Process, options uint32) (Handle, Handle, Status) {
	if options != 0 {
		return HandleInvalid, HandleInvalid, ErrNotSupported
	}
	if st := p.EnforceBasicPolicy(PolNewEventPair); st != OK {
		return HandleInvalid, HandleInvalid, st
	}
	a, b := NewEventPair()
	return p.installPair(a, b, DefaultEventPairRights)
}
