package object

// lookup is the one rights gate: it resolves h in p's table and checks the
// object type (unless want is ObjTypeNone) and the required rights, failing
// in Zircon's order: ZX_ERR_BAD_HANDLE (after applying ZX_POL_BAD_HANDLE),
// ZX_ERR_WRONG_TYPE, ZX_ERR_ACCESS_DENIED. On success the caller owns a
// reference to the returned object and must Release it.
func (p *Process) lookup(h Handle, want ObjType, required Rights) (Object, Rights, Status) {
	return p.lookupMask(h, typeMask(want), required)
}

// typeMask returns the set of object types the gate accepts for want.
func typeMask(want ObjType) uint64 {
	if want == ObjTypeNone {
		return ^uint64(0)
	}
	return 1 << want
}

// lookupMask is lookup accepting any type in the bit set types.
func (p *Process) lookupMask(h Handle, types uint64, required Rights) (Object, Rights, Status) {
	t := p.table
	t.mu.RLock()
	e := t.getLocked(h)
	if e == nil || e.isRevoked() {
		t.mu.RUnlock()
		return nil, 0, p.missingOrRevoked(e)
	}
	obj, rights := e.obj, e.rights
	st := checkHandleLocked(obj, rights, types, required)
	if st != OK {
		t.mu.RUnlock()
		return nil, 0, st
	}
	obj.base().AddRef()
	t.mu.RUnlock()
	return obj, rights, OK
}

// checkHandleLocked is the type and rights half of the gate, for callers
// already holding the table lock.
func checkHandleLocked(obj Object, rights Rights, types uint64, required Rights) Status {
	if types&(1<<(obj.Type()%64)) == 0 {
		return ErrWrongType
	}
	if !rights.Has(required) {
		return ErrAccessDenied
	}
	return OK
}

// lookupAs is lookup for a concrete object type T of ObjType want.
func lookupAs[T Object](p *Process, h Handle, want ObjType, required Rights) (T, Status) {
	obj, _, st := p.lookup(h, want, required)
	if st != OK {
		var zero T
		return zero, st
	}
	return obj.(T), OK
}

// installNew creates a handle to obj with rights in p's table, consuming
// the caller's reference to obj whatever the outcome.
func (p *Process) installNew(obj Object, rights Rights) (Handle, Status) {
	e := newHandle(obj, rights)
	obj.base().Release()
	h, st := p.table.Add(e)
	if st != OK {
		releaseHandles(e, nil)
	}
	return h, st
}

// installPair creates handles to a and b in p's table atomically: both or
// neither. The caller's references to a and b are consumed.
func (p *Process) installPair(a, b Object, rights Rights) (Handle, Handle, Status) {
	ea, eb := newHandle(a, rights), newHandle(b, rights)
	a.base().Release()
	b.base().Release()
	t := p.table
	t.mu.Lock()
	if !t.roomLocked(2) {
		st := ErrNoResources
		if t.closed {
			st = ErrBadState
		}
		t.mu.Unlock()
		releaseHandles(ea, []*HandleEntry{eb})
		return HandleInvalid, HandleInvalid, st
	}
	ha, _ := t.addLocked(ea)
	hb, _ := t.addLocked(eb)
	t.mu.Unlock()
	return ha, hb, OK
}

// Lookup is the rights gate for object packages built on this one
// (kernel/object/kos): lookup with the same order of failures, plus
// ZX_ERR_HANDLE_REVOKED for a revoked handle. On success the caller owns a
// reference to the object and must Release it.
func (p *Process) Lookup(h Handle, want ObjType, required Rights) (Object, Rights, Status) {
	return p.lookup(h, want, required)
}

// Install creates a handle to obj with rights in p's table, consuming the
// caller's reference to obj whatever the outcome. Errors: NO_RESOURCES
// (table full), BAD_STATE (process dead).
func (p *Process) Install(obj Object, rights Rights) (Handle, Status) {
	return p.installNew(obj, rights)
}
