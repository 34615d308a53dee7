package kos

import (
	"sync/atomic"

	"beryl/kernel/object"
)

// Badge is a resource transfer context object (KnHandleCreateBadge): it
// wraps a provider context, tags the handles derived under it, counts
// them, and notifies the provider's port when the last of them goes
// (PktTypeBadgeClosed) and when the badge is destroyed
// (PktTypeBadgeDestroyed). Every tagged handle holds a reference to the
// badge, so it outlives the provider's badge handle while they exist.
type Badge struct {
	object.Base
	context uint64
	notify  notifier
	live    atomic.Int64 // handles tagged with the badge
}

var _ object.BadgeHook = (*Badge)(nil)

// Context returns the provider's context.
func (b *Badge) Context() uint64 { return b.context }

// Handles returns the number of live handles tagged with the badge.
func (b *Badge) Handles() int64 { return b.live.Load() }

// OnBadgedHandleAdded counts a handle tagged with the badge.
func (b *Badge) OnBadgedHandleAdded() { b.live.Add(1) }

// OnBadgedHandleGone uncounts a handle tagged with the badge (closed or
// revoked) and notifies when it was the last.
func (b *Badge) OnBadgedHandleGone() {
	if b.live.Add(-1) == 0 {
		b.notify.send(PktTypeBadgeClosed, b.context, b.Koid())
	}
}

// OnDestroy notifies the provider and drops the port.
func (b *Badge) OnDestroy() {
	b.notify.send(PktTypeBadgeDestroyed, b.context, b.Koid())
	b.notify.release()
}

// BadgeCreate creates a badge with context and returns a handle to it with
// DefaultBadgeRights. If port is not HandleInvalid (it needs
// ZX_RIGHT_WRITE), notifications with key are queued on it. Errors:
// BAD_HANDLE, HANDLE_REVOKED, WRONG_TYPE, ACCESS_DENIED (port),
// NO_RESOURCES.
func BadgeCreate(p *object.Process, context uint64, port object.Handle, key uint64) (object.Handle, object.Status) {
	n, st := newNotifier(p, port, key)
	if st != object.OK {
		return object.HandleInvalid, st
	}
	b := &Badge{context: context, notify: n}
	b.Base.Init(b, ObjTypeBadge, nil, false, 0)
	return p.Install(b, DefaultBadgeRights)
}

// lookupBadge resolves an optional badge handle (HandleInvalid: none). No
// right is needed: holding the badge handle is the capability. The caller
// must release the returned badge when not nil.
func lookupBadge(p *object.Process, h object.Handle) (*Badge, object.Status) {
	if h == object.HandleInvalid {
		return nil, object.OK
	}
	obj, st := lookup(p, h, ObjTypeBadge, object.RightNone)
	if st != object.OK {
		return nil, st
	}
	return obj.(*Badge), object.OK
}
