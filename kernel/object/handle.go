package object

import (
	"sync"
	"sync/atomic"
)

// HandleEntry is one handle: an object reference, rights and an owner (a
// process's table, or nil while the kernel holds it in transit, e.g. inside
// a channel message). Entries are pooled; their pointer identity is stable
// while they exist, which the inheritance links rely on.
type HandleEntry struct {
	obj    Object
	rights Rights
	// owner is the table holding the entry, nil in transit. Written under
	// that table's lock; atomic so that the inheritance walks (under
	// entryLinkMu only) can read it.
	owner atomic.Pointer[HandleTable]
	value Handle // value in owner (set before owner is stored)

	// KasperskyOS-style transfer: a handle derived by transfer is a
	// descendant of its source; revoking a subtree closes descendants.
	// Guarded by entryLinkMu.
	parent      *HandleEntry
	firstChild  *HandleEntry
	nextSibling *HandleEntry
	prevSibling *HandleEntry
	// linked is set once the entry takes part in an inheritance tree, so
	// that freeing an unlinked entry never touches entryLinkMu.
	linked atomic.Bool
	// revokePending marks an entry revoked while it was in transit; it is
	// turned into a revoked handle when it is used or received.
	revokePending atomic.Bool
	// incarnation counts the entry's reuses from the pool, so that a
	// revocation decided under entryLinkMu never hits a recycled entry.
	incarnation uint64
	// badge is the badge object attached to the handle, or nil. The entry
	// holds a reference to it. Set before the entry is published; cleared
	// when the entry is freed or revoked.
	badge Object
}

// Object returns the object the handle refers to.
func (e *HandleEntry) Object() Object { return e.obj }

// Rights returns the handle's rights.
func (e *HandleEntry) Rights() Rights { return e.rights }

// Owner returns the table holding the handle, or nil in transit.
func (e *HandleEntry) Owner() *HandleTable { return e.owner.Load() }

// Value returns the handle's value in its owner's table.
func (e *HandleEntry) Value() Handle { return e.value }

// Parent returns the handle this one descends from, or nil.
func (e *HandleEntry) Parent() *HandleEntry {
	entryLinkMu.Lock()
	defer entryLinkMu.Unlock()
	return e.parent
}

// Badge returns the badge object attached to the handle, or nil.
func (e *HandleEntry) Badge() Object {
	entryLinkMu.Lock()
	defer entryLinkMu.Unlock()
	return e.badge
}

// entryLinkMu guards the inheritance links of all entries; a leaf lock.
var entryLinkMu sync.Mutex

var entryPool = sync.Pool{New: func() any { return new(HandleEntry) }}

// newHandle creates a handle to obj with rights, taking a reference and a
// handle count on obj. The handle starts in transit.
func newHandle(obj Object, rights Rights) *HandleEntry {
	b := obj.base()
	b.AddRef()
	b.handles.Add(1)
	liveHandles.Add(1)
	e := entryPool.Get().(*HandleEntry)
	e.obj = obj
	e.rights = rights
	return e
}

// NewKernelHandle creates a handle in transit (owned by the kernel) to obj
// with rights; the kernel later installs it with HandleTable.Add or
// destroys it with ReleaseHandle.
func NewKernelHandle(obj Object, rights Rights) *HandleEntry { return newHandle(obj, rights) }

// linkChild makes child (in transit, not yet published) a descendant of
// parent (KasperskyOS transfer). The caller holds the lock of the table
// that owns parent, so parent cannot be freed meanwhile.
func linkChild(parent, child *HandleEntry) {
	entryLinkMu.Lock()
	child.parent = parent
	child.nextSibling = parent.firstChild
	if parent.firstChild != nil {
		parent.firstChild.prevSibling = child
	}
	parent.firstChild = child
	parent.linked.Store(true)
	child.linked.Store(true)
	entryLinkMu.Unlock()
}

// unlinkLocked detaches e from the inheritance tree; its children take its
// place under e's parent (KasperskyOS: closing a handle keeps the tree
// whole, the ancestor of a closed handle becomes the direct ancestor of
// its descendants). Untagged children inherit e's badge, so the subtree
// derived under a badge stays under it (counted, revocable) when its root
// goes. entryLinkMu must be held.
func (e *HandleEntry) unlinkLocked() {
	p := e.parent
	if p != nil {
		if e.prevSibling != nil {
			e.prevSibling.nextSibling = e.nextSibling
		} else {
			p.firstChild = e.nextSibling
		}
		if e.nextSibling != nil {
			e.nextSibling.prevSibling = e.prevSibling
		}
	}
	for c := e.firstChild; c != nil; {
		n := c.nextSibling
		if c.badge == nil && e.badge != nil {
			e.badge.base().AddRef()
			c.badge = e.badge
			if hk, ok := e.badge.(BadgeHook); ok {
				hk.OnBadgedHandleAdded()
			}
		}
		c.parent, c.prevSibling = p, nil
		c.nextSibling = nil
		if p != nil {
			c.nextSibling = p.firstChild
			if p.firstChild != nil {
				p.firstChild.prevSibling = c
			}
			p.firstChild = c
		}
		c = n
	}
	e.parent, e.firstChild, e.nextSibling, e.prevSibling = nil, nil, nil, nil
}

// unlink detaches e from its inheritance tree, if it is in one.
func (e *HandleEntry) unlink() {
	if e.linked.Load() {
		entryLinkMu.Lock()
		e.unlinkLocked()
		entryLinkMu.Unlock()
	}
}

// dropBadge releases the badge attached to e (after telling it that one
// of its handles is gone); the entry must no longer be reachable by others.
func dropBadge(b Object) {
	if b == nil {
		return
	}
	if h, ok := b.(BadgeHook); ok {
		h.OnBadgedHandleGone()
	}
	b.base().Release()
}

// freeEntry returns e to the pool; its object reference is the caller's to
// drop.
func freeEntry(e *HandleEntry) {
	e.unlink()
	dropBadge(e.badge)
	// Field by field: the atomic fields may be read concurrently by
	// inheritance walks that then find the entry gone.
	e.obj, e.rights, e.value, e.badge = nil, RightNone, HandleInvalid, nil
	e.owner.Store(nil)
	e.linked.Store(false)
	e.revokePending.Store(false)
	e.incarnation++
	liveHandles.Add(-1)
	entryPool.Put(e)
}

// ReleaseHandle destroys a handle that is in transit (not in any table).
func ReleaseHandle(e *HandleEntry) { releaseHandles(e, nil) }

// HandleOwner owns a handle in transit that was taken out of a table (as
// Zircon's HandleOwner): the handle leaves it only through Release, which
// destroys it, or HandleTable.AddOwned, which installs it. With Release
// deferred, no return path can leak the handle. The zero value owns
// nothing.
type HandleOwner struct{ e *HandleEntry }

// Valid reports whether o owns a handle.
func (o *HandleOwner) Valid() bool { return o.e != nil }

// Rights returns the owned handle's rights (none if o owns nothing).
func (o *HandleOwner) Rights() Rights {
	if o.e == nil {
		return RightNone
	}
	return o.e.Rights()
}

// Release destroys the owned handle, if any; o then owns nothing.
func (o *HandleOwner) Release() {
	if o.e != nil {
		e := o.e
		o.e = nil
		releaseHandles(e, nil)
	}
}

// releaseHandles destroys first and then every handle in more, and every
// handle those objects release when their handle count reaches zero. It is
// a loop, not a recursion: a chain of channels nested in messages of any
// depth uses constant stack.
func releaseHandles(first *HandleEntry, more []*HandleEntry) {
	work := more
	e := first
	for {
		if e == nil {
			n := len(work)
			if n == 0 {
				return
			}
			e = work[n-1]
			work[n-1] = nil
			work = work[:n-1]
			continue
		}
		obj := e.obj
		freeEntry(e)
		if orphans := dropHandleRef(obj); len(orphans) > 0 {
			work = append(work, orphans...)
		}
		e = nil
	}
}

// dropHandleRef gives up one handle's hold on obj (its handle count and
// reference) and returns the handles obj released if that was its last
// handle. No lock may be held.
func dropHandleRef(obj Object) []*HandleEntry {
	b := obj.base()
	var orphans []*HandleEntry
	liveLeft := b.handles.Add(-1)
	if liveLeft == 0 {
		if z, ok := obj.(ZeroHandlesHook); ok {
			orphans = z.OnZeroHandles()
		}
	} else if liveLeft < 0 {
		panic("object: handle count below zero")
	} else if c, ok := obj.(*Channel); ok {
		orphans = c.collectSelfCycle()
	}
	b.Release()
	return orphans
}
