package object

// ObjectSetProperty is zx_object_set_property for integer properties
// (needs ZX_RIGHT_SET_PROPERTY): the socket thresholds. Errors:
// BAD_HANDLE, ACCESS_DENIED, WRONG_TYPE (property not of this object),
// INVALID_ARGS (unknown property or bad value), PEER_CLOSED.
func ObjectSetProperty(p *Process, h Handle, prop uint32, value uint64) Status {
	obj, _, st := p.lookup(h, ObjTypeNone, RightSetProperty)
	if st != OK {
		return st
	}
	defer obj.base().Release()
	switch prop {
	case PropSocketRxThreshold, PropSocketTxThreshold:
		s, ok := obj.(*Socket)
		if !ok {
			return ErrWrongType
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.setPropertyLocked(prop, value)
	}
	return ErrInvalidArgs
}

// ObjectGetProperty is zx_object_get_property for integer properties
// (needs ZX_RIGHT_GET_PROPERTY).
func ObjectGetProperty(p *Process, h Handle, prop uint32) (uint64, Status) {
	obj, _, st := p.lookup(h, ObjTypeNone, RightGetProperty)
	if st != OK {
		return 0, st
	}
	defer obj.base().Release()
	switch prop {
	case PropSocketRxThreshold, PropSocketTxThreshold:
		s, ok := obj.(*Socket)
		if !ok {
			return 0, ErrWrongType
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.getPropertyLocked(prop)
	}
	return 0, ErrInvalidArgs
}

// ObjectSetName sets ZX_PROP_NAME of a process or job (needs
// ZX_RIGHT_SET_PROPERTY); names are truncated to ZX_MAX_NAME_LEN-1 bytes.
func ObjectSetName(p *Process, h Handle, name string) Status {
	obj, _, st := p.lookupMask(h, 1<<ObjTypeJob|1<<ObjTypeProcess, RightSetProperty)
	if st != OK {
		return st
	}
	defer obj.base().Release()
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	switch t := obj.(type) {
	case *Job:
		t.name = truncName(name)
	case *Process:
		t.name = truncName(name)
	}
	return OK
}

// ObjectGetName returns ZX_PROP_NAME of a process or job (needs
// ZX_RIGHT_GET_PROPERTY).
func ObjectGetName(p *Process, h Handle) (string, Status) {
	obj, _, st := p.lookupMask(h, 1<<ObjTypeJob|1<<ObjTypeProcess, RightGetProperty)
	if st != OK {
		return "", st
	}
	defer obj.base().Release()
	jobTreeMu.Lock()
	defer jobTreeMu.Unlock()
	switch t := obj.(type) {
	case *Job:
		return t.name, OK
	case *Process:
		return t.name, OK
	}
	return "", ErrWrongType
}
