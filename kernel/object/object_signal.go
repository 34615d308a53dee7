package object

// ObjectSignal is zx_object_signal: clear then set user-accessible signal
// bits on h's object (needs ZX_RIGHT_SIGNAL). Errors: BAD_HANDLE,
// ACCESS_DENIED, NOT_SUPPORTED (object has no signals), INVALID_ARGS (bits
// the type does not allow).
func ObjectSignal(p *Process, h Handle, clearMask, setMask Signals) Status {
	obj, _, st := p.lookup(h, ObjTypeNone, RightSignal)
	if st != OK {
		return st
	}
	b := obj.base()
	defer b.Release()
	var allowed Signals
	switch us := obj.(type) {
	case userSignaler:
		allowed = us.allowedUserSignals()
	case UserSignaler:
		allowed = us.AllowedUserSignals()
	default:
		return ErrNotSupported
	}
	if !b.waitable {
		return ErrNotSupported
	}
	if (clearMask|setMask)&^allowed != 0 {
		return ErrInvalidArgs
	}
	b.mu.Lock()
	b.UpdateStateLocked(clearMask, setMask)
	b.mu.Unlock()
	return OK
}

// ObjectSignalPeer is zx_object_signal_peer: like ObjectSignal on the
// opposite endpoint of a channel, socket, fifo or eventpair (needs
// ZX_RIGHT_SIGNAL_PEER). Errors: BAD_HANDLE, ACCESS_DENIED, NOT_SUPPORTED
// (no peer), INVALID_ARGS, PEER_CLOSED.
func ObjectSignalPeer(p *Process, h Handle, clearMask, setMask Signals) Status {
	obj, _, st := p.lookup(h, ObjTypeNone, RightSignalPeer)
	if st != OK {
		return st
	}
	b := obj.base()
	defer b.Release()
	ps, ok := obj.(peerSignaler)
	if !ok {
		return ErrNotSupported
	}
	if (clearMask|setMask)&^ps.allowedPeerSignals() != 0 {
		return ErrInvalidArgs
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	pb := ps.peerBaseLocked()
	if pb == nil {
		return ErrPeerClosed
	}
	pb.UpdateStateLocked(clearMask, setMask)
	return OK
}
