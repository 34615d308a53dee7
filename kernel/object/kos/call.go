package kos

import (
	"beryl/kernel/object"
)

// HandleDesc is one handle a message sends (KasperskyOS nk_handle_desc_t):
// the receiver gets a descendant of Handle with Rights (a subset of the
// handle's, or ZX_RIGHT_SAME_RIGHTS), tagged with Badge (HandleInvalid:
// untagged). The sender keeps its handle. Handle needs ZX_RIGHT_TRANSFER.
type HandleDesc struct {
	Handle object.Handle
	Rights object.Rights
	Badge  object.Handle
}

// RecvHandle is one handle a message delivered. For a transfer, Handle is
// a new handle in the receiver's table. For a dereference (the handle came
// back to a process owning one of its ancestors), Handle is the
// receiver's own ancestor handle, Dereferenced is set, Rights is the mask
// that was sent and BadgeContext the context of the badge nearest the
// ancestor on the way (HasBadge).
type RecvHandle struct {
	Handle       object.Handle
	Type         object.ObjType
	Rights       object.Rights
	Dereferenced bool
	HasBadge     bool
	BadgeContext uint64
}

// IsDereferenced reports whether the handle was dereferenced rather than
// transferred (nk_is_handle_dereferenced).
func (r *RecvHandle) IsDereferenced() bool { return r.Dereferenced }

// BadgeOp answers, for a dereferenced handle, whether the rights that were
// sent include every right in op and, if so, the badge context
// (nk_get_badge_op). Errors: BAD_STATE (not dereferenced), ACCESS_DENIED
// (a right of op was not sent), NOT_FOUND (no badge on the way).
func (r *RecvHandle) BadgeOp(op object.Rights) (uint64, object.Status) {
	switch {
	case !r.Dereferenced:
		return 0, object.ErrBadState
	case !r.Rights.Has(op):
		return 0, object.ErrAccessDenied
	case !r.HasBadge:
		return 0, object.ErrNotFound
	}
	return r.BadgeContext, object.OK
}

// message is a request or a reply in transit: the bytes and the derived
// handles the kernel holds for the receiver.
type message struct {
	endpoint, method uint32
	fixed, arena     []byte
	handles          []*object.HandleEntry
}

func (m *message) destroy() {
	for i, e := range m.handles {
		if e != nil {
			object.ReleaseHandle(e)
			m.handles[i] = nil
		}
	}
	m.handles = nil
}

// buildMessage copies the bytes and derives the handles a message sends
// from p's table; nothing is consumed, and on failure nothing is left.
// self is the IPC object the message travels through: sending a handle to
// it is ZX_ERR_NOT_SUPPORTED (it would keep itself alive). Errors per
// handle, in order: BAD_HANDLE, HANDLE_REVOKED, WRONG_TYPE (badge),
// NOT_SUPPORTED, ACCESS_DENIED (no ZX_RIGHT_TRANSFER), INVALID_ARGS
// (rights not a subset).
func buildMessage(p *object.Process, self object.Object, endpoint, method uint32, fixed, arena []byte, descs []HandleDesc) (*message, object.Status) {
	if len(fixed) > MaxFixedBytes || len(arena) > MaxArenaBytes || len(descs) > MaxHandles {
		return nil, object.ErrOutOfRange
	}
	m := &message{endpoint: endpoint, method: method,
		fixed: append([]byte(nil), fixed...), arena: append([]byte(nil), arena...)}
	if len(descs) == 0 {
		return m, object.OK
	}
	m.handles = make([]*object.HandleEntry, 0, len(descs))
	for _, d := range descs {
		e, st := deriveForMessage(p, self, d)
		if st != object.OK {
			m.destroy()
			return nil, st
		}
		m.handles = append(m.handles, e)
	}
	return m, object.OK
}

func deriveForMessage(p *object.Process, self object.Object, d HandleDesc) (*object.HandleEntry, object.Status) {
	obj, _, st := p.Lookup(d.Handle, object.ObjTypeNone, object.RightNone)
	if st != object.OK {
		return nil, st
	}
	same := obj == self
	if c, ok := self.(*Client); ok && obj == object.Object(c.server) {
		same = true
	}
	release(obj)
	b, st := lookupBadge(p, d.Badge)
	if st != object.OK {
		return nil, st
	}
	if b != nil {
		defer b.Release()
	}
	if same {
		return nil, object.ErrNotSupported
	}
	return object.DeriveHandle(p, d.Handle, object.RightTransfer, d.Rights, badgeObject(b))
}

// receive installs m's handles in p: dereferenced ones resolve to p's own
// ancestor handles, revoked ones arrive as revoked handles, the others are
// added to p's table. All or nothing: the new handles go in with one
// HandleTable.AddAll, so on NO_RESOURCES or BAD_STATE (dead process) p's
// table and m are left as they were (m then holds revoked handles as
// tombstones) and no other thread of p has seen any of them. Dereferenced
// handles take no slot. On success m's handles are consumed.
func receive(p *object.Process, m *message, out []RecvHandle) object.Status {
	// buildMessage bounds a message to MaxHandles: the buffers stay on the
	// stack.
	var freshBuf [MaxHandles]*object.HandleEntry
	var valBuf [MaxHandles]object.Handle
	fresh := freshBuf[:0]
	for i, e := range m.handles {
		if e.Revoked() {
			object.RevokeInTransit(e)
		}
		r := RecvHandle{Type: e.Object().Type(), Rights: e.Rights()}
		if v, badge, ok := object.FindAncestor(p, e); ok {
			r.Handle, r.Dereferenced = v, true
			if badge != nil {
				if b, isBadge := badge.(*Badge); isBadge {
					r.HasBadge, r.BadgeContext = true, b.context
				}
				release(badge)
			}
		} else {
			fresh = append(fresh, e)
		}
		out[i] = r
	}
	if st := p.Table().AddAll(fresh, valBuf[:len(fresh)]); st != object.OK {
		return st
	}
	n := 0
	for i, e := range m.handles {
		if out[i].Dereferenced {
			// The descendant that travelled is not needed: the receiver
			// uses its own ancestor.
			object.ReleaseHandle(e)
		} else {
			out[i].Handle = valBuf[n]
			n++
		}
		m.handles[i] = nil
	}
	m.handles = nil
	return object.OK
}
