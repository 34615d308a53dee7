package object

// KasperskyOS-style handle inheritance: the primitives package
// kernel/object/kos builds its transfer, badges, revocation and
// dereferencing on. Every derived handle is linked under the handle it was
// derived from (HandleEntry.parent), optionally tagged with a badge object;
// closing a handle splices its children into its parent; revoking replaces
// handles by revoked tombstones that keep their value until closed.

// BadgeHook is implemented by badge objects (kernel/object/kos.Badge): it
// is told when a handle is tagged with the badge and when such a handle is
// freed or revoked. OnBadgedHandleGone runs with no lock held;
// OnBadgedHandleAdded may run with entryLinkMu held and must neither block
// nor take locks.
type BadgeHook interface {
	OnBadgedHandleAdded()
	OnBadgedHandleGone()
}

// revokedObject is the object every revoked handle refers to: a tombstone
// of type ZX_OBJ_TYPE_NONE that holds no resources and is never destroyed.
type revokedObject struct{ Base }

var revokedObj Object = newRevokedObject()

func newRevokedObject() *revokedObject {
	r := &revokedObject{}
	r.Base.Init(r, ObjTypeNone, nil, false, 0)
	return r
}

// isRevoked reports whether e is a revoked handle; the caller holds the
// lock of e's table (or owns e in transit).
func (e *HandleEntry) isRevoked() bool {
	return e.obj == revokedObj || e.revokePending.Load()
}

// Revoked reports whether e, a handle in transit that the caller owns, was
// revoked; RevokeInTransit then turns it into a tombstone.
func (e *HandleEntry) Revoked() bool { return e.isRevoked() }

// missingOrRevoked is the status for a handle value that the gate did not
// accept: ZX_ERR_HANDLE_REVOKED for a revoked handle, otherwise BAD_HANDLE
// after the ZX_POL_BAD_HANDLE policy.
func (p *Process) missingOrRevoked(e *HandleEntry) Status {
	if e != nil {
		return ErrHandleRevoked
	}
	return p.badHandle()
}

// DeriveHandle creates a descendant of p's handle h (KasperskyOS transfer
// and copy): a new handle in transit to the same object with rights
// (narrowed from h's; RightSameRights keeps them), linked under h in the
// object's inheritance tree and tagged with badge (nil: untagged; the new
// handle holds a reference to it). need is the right h must hold
// (ZX_RIGHT_TRANSFER for a transfer, ZX_RIGHT_DUPLICATE for a copy). The
// caller installs the result (HandleTable.Add) or frees it
// (ReleaseHandle). Errors: BAD_HANDLE, HANDLE_REVOKED, ACCESS_DENIED
// (need missing), INVALID_ARGS (rights not a subset of h's).
func DeriveHandle(p *Process, h Handle, need, rights Rights, badge Object) (*HandleEntry, Status) {
	t := p.table
	t.mu.RLock()
	e := t.getLocked(h)
	if e == nil || e.isRevoked() {
		t.mu.RUnlock()
		return nil, p.missingOrRevoked(e)
	}
	if !e.rights.Has(need) {
		t.mu.RUnlock()
		return nil, ErrAccessDenied
	}
	nr, st := narrowRights(e.rights, rights)
	if st != OK {
		t.mu.RUnlock()
		return nil, st
	}
	ne := newHandle(e.obj, nr)
	if badge != nil {
		badge.base().AddRef()
		ne.badge = badge
	}
	// Linking under the table lock: e cannot be freed meanwhile.
	linkChild(e, ne)
	t.mu.RUnlock()
	if hk, ok := badge.(BadgeHook); ok {
		hk.OnBadgedHandleAdded()
	}
	return ne, OK
}

// FindAncestor implements dereferencing: if an ancestor of e (a handle in
// transit that the caller owns) is in p's table, it returns the value of
// the nearest one, the badge nearest to that ancestor on the path down to
// e (nil if the path carries none; the caller then owns a reference to it)
// and true. The value is, like any handle value, only as stable as the
// process lets it be.
func FindAncestor(p *Process, e *HandleEntry) (Handle, Object, bool) {
	if !e.linked.Load() {
		return HandleInvalid, nil, false
	}
	t := p.table
	t.mu.RLock()
	defer t.mu.RUnlock()
	entryLinkMu.Lock()
	defer entryLinkMu.Unlock()
	var badge Object
	for x := e; x != nil; x = x.parent {
		if x.badge != nil {
			badge = x.badge
		}
		a := x.parent
		if a != nil && a.owner.Load() == t {
			// a is in t and t.mu is held: its value is stable.
			if badge != nil {
				badge.base().AddRef()
			}
			return a.value, badge, true
		}
	}
	return HandleInvalid, nil, false
}

// inheritLocked keeps a handle derived by a Zircon operation (duplicate,
// replace, write_etc) inside the inheritance tree of its source e, so that
// revoking e's subtree reaches it too: ne becomes a child of e and, when
// it replaces e (move), carries e's badge. It returns the badge whose
// OnBadgedHandleAdded the caller must call once no lock is held (or nil).
// The lock of e's table must be held and ne must be unpublished.
func inheritLocked(e, ne *HandleEntry, move bool) BadgeHook {
	if !e.linked.Load() {
		return nil
	}
	var hk BadgeHook
	entryLinkMu.Lock()
	if move && e.badge != nil {
		e.badge.base().AddRef()
		ne.badge = e.badge
		hk, _ = e.badge.(BadgeHook)
	}
	entryLinkMu.Unlock()
	linkChild(e, ne)
	return hk
}

// revokeTarget is an entry chosen for revocation and the incarnation it
// had then.
type revokeTarget struct {
	e   *HandleEntry
	inc uint64
}

// RevokeHook, when set (kernel/proc), is called for each handle a
// revocation turns into a tombstone in a process's table, with that
// process and the object the handle held, before the handle's reference
// goes: revoking a driver's handle to device memory, a DMA buffer or an
// I/O port range cuts the access it gave (the mappings, the ports), not
// only the handle.
var RevokeHook func(owner *Process, obj Object)

// RevokeDescendants revokes descendants of p's handle h (KnHandleRevoke,
// KnHandleRevokeSubtree): with badge nil every descendant; otherwise every
// descendant derived under badge, with its whole subtree. Revoked handles
// in a table become tombstones: the value stays until closed and every use
// fails with ZX_ERR_HANDLE_REVOKED; the object reference, waits and badge
// of the handle are dropped at once. Handles in transit are marked and
// become tombstones when received. h itself is untouched. It returns the
// number of handles revoked. Errors: BAD_HANDLE, HANDLE_REVOKED.
func RevokeDescendants(p *Process, h Handle, badge Object) (int, Status) {
	t := p.table
	t.mu.RLock()
	root := t.getLocked(h)
	if root == nil || root.isRevoked() {
		t.mu.RUnlock()
		return 0, p.missingOrRevoked(root)
	}
	var targets []revokeTarget
	if root.linked.Load() {
		entryLinkMu.Lock()
		targets = collectRevokeLocked(root, badge)
		entryLinkMu.Unlock()
	}
	t.mu.RUnlock()
	for _, r := range targets {
		u := r.e.owner.Load()
		if u == nil {
			continue // in transit: revoked when received or used
		}
		u.mu.Lock()
		if r.e.owner.Load() != u || r.e.incarnation != r.inc || r.e.obj == revokedObj {
			u.mu.Unlock()
			continue // closed, moved or recycled meanwhile
		}
		old, b := tombstoneLocked(r.e)
		u.mu.Unlock()
		old.base().cancel(r.e)
		if hook := RevokeHook; hook != nil && u.proc != nil {
			hook(u.proc, old)
		}
		finishRevoke(old, b)
	}
	return len(targets), OK
}

// collectRevokeLocked returns the descendants of root to revoke (see
// RevokeDescendants) and marks them; entryLinkMu must be held.
func collectRevokeLocked(root *HandleEntry, badge Object) []revokeTarget {
	var out []revokeTarget
	type item struct {
		e   *HandleEntry
		all bool // inside a subtree being revoked
	}
	stack := []item{}
	for c := root.firstChild; c != nil; c = c.nextSibling {
		stack = append(stack, item{c, badge == nil})
	}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		all := it.all || it.e.badge == badge
		if all {
			it.e.revokePending.Store(true)
			out = append(out, revokeTarget{it.e, it.e.incarnation})
		}
		for c := it.e.firstChild; c != nil; c = c.nextSibling {
			stack = append(stack, item{c, all})
		}
	}
	return out
}

// tombstoneLocked turns e into a revoked handle and returns the object and
// badge it held; the lock of e's table must be held (or e is in transit
// and owned by the caller). e leaves its inheritance tree.
func tombstoneLocked(e *HandleEntry) (Object, Object) {
	old := e.obj
	rb := revokedObj.base()
	rb.AddRef()
	rb.handles.Add(1)
	e.obj, e.rights = revokedObj, RightNone
	// The badge is read by inheritance walks: change it under their lock.
	entryLinkMu.Lock()
	b := e.badge
	e.unlinkLocked()
	e.badge = nil
	entryLinkMu.Unlock()
	return old, b
}

// finishRevoke drops what a revoked handle held; no lock may be held.
func finishRevoke(old, badge Object) {
	dropBadge(badge)
	if orphans := dropHandleRef(old); len(orphans) > 0 {
		releaseHandles(nil, orphans)
	}
}

// RevokeInTransit turns e, a handle in transit owned by the caller whose
// Revoked reports true, into a revoked tombstone (it can then be installed
// like any handle). It does nothing to a handle that is not revoked.
func RevokeInTransit(e *HandleEntry) {
	if e.obj == revokedObj || !e.revokePending.Load() {
		return
	}
	old, b := tombstoneLocked(e)
	finishRevoke(old, b)
}
