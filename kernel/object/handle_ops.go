package object

// HandleDuplicate is zx_handle_duplicate: a new handle to the same object
// with rights (or the same rights for RightSameRights). Errors:
// BAD_HANDLE, ACCESS_DENIED (no ZX_RIGHT_DUPLICATE), INVALID_ARGS (rights
// not a subset), NO_RESOURCES (table full).
func HandleDuplicate(p *Process, h Handle, rights Rights) (Handle, Status) {
	t := p.table
	t.mu.Lock()
	e := t.getLocked(h)
	if e == nil || e.isRevoked() {
		t.mu.Unlock()
		return HandleInvalid, p.missingOrRevoked(e)
	}
	if !e.rights.Has(RightDuplicate) {
		t.mu.Unlock()
		return HandleInvalid, ErrAccessDenied
	}
	nr, st := narrowRights(e.rights, rights)
	if st != OK {
		t.mu.Unlock()
		return HandleInvalid, st
	}
	if !t.roomLocked(1) {
		t.mu.Unlock()
		return HandleInvalid, ErrNoResources
	}
	ne := newHandle(e.obj, nr)
	inheritLocked(e, ne, false)
	v, _ := t.addLocked(ne)
	t.mu.Unlock()
	return v, OK
}

// HandleReplace is zx_handle_replace: h is always invalidated, even when
// the call fails; on success the new handle has rights (a subset of h's,
// or the same for RightSameRights). Errors: BAD_HANDLE, INVALID_ARGS.
func HandleReplace(p *Process, h Handle, rights Rights) (Handle, Status) {
	t := p.table
	t.mu.Lock()
	e := t.removeLocked(h)
	if e == nil {
		t.mu.Unlock()
		return HandleInvalid, p.badHandle()
	}
	nr, st := narrowRights(e.rights, rights)
	if e.isRevoked() {
		st = ErrHandleRevoked
	}
	var v Handle
	var hk BadgeHook
	if st == OK {
		// The removal freed a slot, so the add cannot fail for room.
		ne := newHandle(e.obj, nr)
		hk = inheritLocked(e, ne, true)
		v, _ = t.addLocked(ne)
	}
	t.mu.Unlock()
	if hk != nil {
		hk.OnBadgedHandleAdded()
	}
	e.obj.base().cancel(e)
	releaseHandles(e, nil)
	return v, st
}

// HandleClose is zx_handle_close. Closing HandleInvalid succeeds.
func HandleClose(p *Process, h Handle) Status {
	if h == HandleInvalid {
		return OK
	}
	e := p.table.remove(h)
	if e == nil {
		return p.badHandle()
	}
	releaseHandles(e, nil)
	return OK
}

// HandleCloseMany is zx_handle_close_many: every valid handle is closed;
// the result is ZX_ERR_BAD_HANDLE if any value was invalid or repeated
// (HandleInvalid is skipped).
func HandleCloseMany(p *Process, hs []Handle) Status {
	t := p.table
	var closed []*HandleEntry
	bad := false
	t.mu.Lock()
	for _, h := range hs {
		if h == HandleInvalid {
			continue
		}
		e := t.removeLocked(h)
		if e == nil {
			bad = true
			continue
		}
		closed = append(closed, e)
	}
	t.mu.Unlock()
	for _, e := range closed {
		e.obj.base().cancel(e)
	}
	releaseHandles(nil, closed)
	if bad {
		return p.badHandle()
	}
	return OK
}

// removeHandlesForTransfer takes every value in hs out of p's table (for
// channel writes, which consume all handles even on failure). Missing or
// repeated values leave nil at their index. Waits through the removed
// handles are canceled.
func removeHandlesForTransfer(p *Process, hs []Handle, out []*HandleEntry) {
	t := p.table
	t.mu.Lock()
	for i, h := range hs {
		out[i] = t.removeLocked(h)
	}
	t.mu.Unlock()
	for _, e := range out {
		if e != nil {
			e.obj.base().cancel(e)
		}
	}
}

// consumeHandles closes every valid handle in hs; used on the error paths
// of calls that always consume their handles.
func consumeHandles(p *Process, hs []Handle) {
	if len(hs) == 0 {
		return
	}
	es := make([]*HandleEntry, len(hs))
	removeHandlesForTransfer(p, hs, es)
	releaseHandles(nil, compactEntries(es))
}

func compactEntries(es []*HandleEntry) []*HandleEntry {
	j := 0
	for _, e := range es {
		if e != nil {
			es[j] = e
			j++
		}
	}
	clear(es[j:])
	return es[:j]
}
