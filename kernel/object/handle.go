package object

import "sync"

// HandleEntry is one handle: an object reference, rights and an owner (a
// process's table, or nil while the kernel holds it in transit, e.g. inside
// a channel message). Entries are pooled; their pointer identity is stable
// while they exist, which the inheritance links rely on.
type HandleEntry struct {
	obj    Object
	rights Rights
	owner  *HandleTable // nil in transit
	value  Handle       // value in owner; meaningless in transit

	// KasperskyOS-style transfer: a handle derived by transfer is a
	// descendant of its source; revoking a subtree closes descendants.
	// Guarded by entryLinkMu.
	parent      *HandleEntry
	firstChild  *HandleEntry
	nextSibling *HandleEntry
	prevSibling *HandleEntry
	// badge is the badge object attached to the handle, or nil. The entry
	// holds a reference to it.
	badge Object
}

// Object returns the object the handle refers to.
func (e *HandleEntry) Object() Object { return e.obj }

// Rights returns the handle's rights.
func (e *HandleEntry) Rights() Rights { return e.rights }

// Owner returns the table holding the handle, or nil in transit.
func (e *HandleEntry) Owner() *HandleTable { return e.owner }

// Value returns the handle's value in its owner's table.
func (e *HandleEntry) Value() Handle { return e.value }

// Parent returns the handle this one descends from, or nil.
func (e *HandleEntry) Parent() *HandleEntry {
	entryLinkMu.Lock()
	defer entryLinkMu.Unlock()
	return e.parent
}

// Badge returns the badge object attached to the handle, or nil.
func (e *HandleEntry) Badge() Object { return e.badge }

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

// linkChild makes child a descendant of parent (KasperskyOS transfer).
func linkChild(parent, child *HandleEntry) {
	entryLinkMu.Lock()
	child.parent = parent
	child.nextSibling = parent.firstChild
	if parent.firstChild != nil {
		parent.firstChild.prevSibling = child
	}
	parent.firstChild = child
	entryLinkMu.Unlock()
}

// unlinkLocked detaches e from its parent and orphans its children;
// entryLinkMu must be held.
func (e *HandleEntry) unlinkLocked() {
	if p := e.parent; p != nil {
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
		c.parent, c.nextSibling, c.prevSibling = nil, nil, nil
		c = n
	}
	e.parent, e.firstChild, e.nextSibling, e.prevSibling = nil, nil, nil, nil
}

// freeEntry returns e to the pool; its object reference is the caller's to
// drop.
func freeEntry(e *HandleEntry) {
	if e.parent != nil || e.firstChild != nil {
		entryLinkMu.Lock()
		e.unlinkLocked()
		entryLinkMu.Unlock()
	}
	if e.badge != nil {
		e.badge.base().Release()
	}
	*e = HandleEntry{}
	liveHandles.Add(-1)
	entryPool.Put(e)
}

// ReleaseHandle destroys a handle that is in transit (not in any table).
func ReleaseHandle(e *HandleEntry) { releaseHandles(e, nil) }

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
		b := obj.base()
		freeEntry(e)
		liveLeft := b.handles.Add(-1)
		if liveLeft == 0 {
			if z, ok := obj.(ZeroHandlesHook); ok {
				if orphans := z.OnZeroHandles(); len(orphans) > 0 {
					work = append(work, orphans...)
				}
			}
		} else if liveLeft < 0 {
			panic("object: handle count below zero")
		} else if c, ok := obj.(*Channel); ok {
			if orphans := c.collectSelfCycle(); len(orphans) > 0 {
				work = append(work, orphans...)
			}
		}
		b.Release()
		e = nil
	}
}
