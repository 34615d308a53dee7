package kos

import "beryl/kernel/object"

// badgeObject converts an optional badge to the interface DeriveHandle
// takes (a nil *Badge must become a nil interface).
func badgeObject(b *Badge) object.Object {
	if b == nil {
		return nil
	}
	return b
}

// HandleCopy creates a descendant of h in p (KnHandleCopy): same object,
// rights (a subset of h's; ZX_RIGHT_SAME_RIGHTS keeps them), linked under h
// in the inheritance tree and tagged with badge (HandleInvalid: untagged),
// so that the provider can be notified when it goes and can revoke it.
// h needs ZX_RIGHT_DUPLICATE (copy). Errors: BAD_HANDLE, HANDLE_REVOKED,
// WRONG_TYPE (badge), ACCESS_DENIED, INVALID_ARGS (rights not a subset),
// NO_RESOURCES.
func HandleCopy(p *object.Process, h object.Handle, rights object.Rights, badge object.Handle) (object.Handle, object.Status) {
	b, st := lookupBadge(p, badge)
	if st != object.OK {
		return object.HandleInvalid, st
	}
	if b != nil {
		defer b.Release()
	}
	e, st := object.DeriveHandle(p, h, object.RightDuplicate, rights, badgeObject(b))
	if st != object.OK {
		return object.HandleInvalid, st
	}
	v, st := p.Table().Add(e)
	if st != object.OK {
		object.ReleaseHandle(e)
	}
	return v, st
}

// HandleRevoke revokes every descendant of h (KnHandleRevoke): each
// becomes a revoked handle in its owner's table whose every use but close
// fails with ErrHandleRevoked; the object reference, waits and badge tag
// of each go at once (badges notify). With RevokeClose h itself is closed
// too. Errors: INVALID_ARGS (options), BAD_HANDLE, HANDLE_REVOKED.
func HandleRevoke(p *object.Process, h object.Handle, options uint32) object.Status {
	if options&^RevokeClose != 0 {
		return object.ErrInvalidArgs
	}
	if _, st := object.RevokeDescendants(p, h, nil); st != object.OK {
		return st
	}
	if options&RevokeClose != 0 {
		return object.HandleClose(p, h)
	}
	return object.OK
}

// HandleRevokeSubtree revokes the descendants of h derived under badge,
// each with its whole subtree (KnHandleRevokeSubtree); other descendants
// are untouched. Errors: BAD_HANDLE, HANDLE_REVOKED, WRONG_TYPE (badge is
// not a badge).
func HandleRevokeSubtree(p *object.Process, h object.Handle, badge object.Handle) object.Status {
	if badge == object.HandleInvalid {
		return object.ErrBadHandle
	}
	b, st := lookupBadge(p, badge)
	if st != object.OK {
		return st
	}
	defer b.Release()
	_, st = object.RevokeDescendants(p, h, b)
	return st
}
