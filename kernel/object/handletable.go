package object

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sync"
)

// Handle values: ((gen<<handleIndexBits | index) << 2 | 0x3) ^ secret, with
// a per-table random secret whose low two bits are zero, so every valid
// value has both low bits set (ZX_HANDLE_FIXED_BITS_MASK) and a value means
// nothing in another table. The generation makes a closed value unlikely to
// be reused soon, but values may be reused.
const (
	handleIndexBits = 18
	handleIndexMask = 1<<handleIndexBits - 1
	handleGenBits   = 30 - handleIndexBits
	handleGenMask   = 1<<handleGenBits - 1

	// MaxHandleTableSize is the largest table size a HandleTable supports.
	MaxHandleTableSize = 1 << handleIndexBits
	// DefaultMaxHandles is the default bound on a table's handles, Zircon's
	// per-process limit (256 Ki).
	DefaultMaxHandles = 256 * 1024
)

type slot struct {
	e   *HandleEntry
	gen uint32
	seq uint64 // when e was added, for forEachNewestFirstLocked
}

// HandleTable is one process's handle table.
type HandleTable struct {
	mu     sync.RWMutex
	secret uint32
	slots  []slot
	free   []uint32
	count  int
	max    int
	closed bool
	proc   *Process
	adds   uint64 // handles ever added, numbering slot.seq
}

// newHandleTable returns an empty table bounded to max handles, whose
// values are scrambled with secret (low two bits ignored).
func newHandleTable(max int, secret uint32) *HandleTable {
	if max <= 0 || max > MaxHandleTableSize {
		max = DefaultMaxHandles
	}
	return &HandleTable{max: max, secret: secret &^ uint32(HandleFixedBitsMask)}
}

func randomSecret() uint32 { return rand.Uint32() }

// Len returns the number of handles in the table.
func (t *HandleTable) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.count
}

// Max returns the table's bound.
func (t *HandleTable) Max() int { return t.max }

// Process returns the process owning the table.
func (t *HandleTable) Process() *Process { return t.proc }

func (t *HandleTable) valueOf(idx, gen uint32) Handle {
	return Handle(((gen<<handleIndexBits|idx)<<2 | 3) ^ t.secret)
}

// getLocked returns the entry for v, or nil; t.mu must be held.
func (t *HandleTable) getLocked(v Handle) *HandleEntry {
	x := uint32(v) ^ t.secret
	if x&3 != 3 {
		return nil
	}
	x >>= 2
	idx, gen := x&handleIndexMask, x>>handleIndexBits
	if int(idx) >= len(t.slots) {
		return nil
	}
	s := &t.slots[idx]
	if s.e == nil || s.gen != gen {
		return nil
	}
	return s.e
}

// roomLocked reports whether n more handles fit; t.mu must be held.
func (t *HandleTable) roomLocked(n int) bool { return !t.closed && t.max-t.count >= n }

// addLocked installs e and returns its value; t.mu must be held for
// writing. It fails with ZX_ERR_NO_RESOURCES when the table is full and
// ZX_ERR_BAD_STATE once the table is closed.
func (t *HandleTable) addLocked(e *HandleEntry) (Handle, Status) {
	if t.closed {
		return HandleInvalid, ErrBadState
	}
	if t.count >= t.max {
		return HandleInvalid, ErrNoResources
	}
	var idx uint32
	if n := len(t.free); n > 0 {
		idx = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		idx = uint32(len(t.slots))
		t.slots = append(t.slots, slot{})
	}
	s := &t.slots[idx]
	s.e = e
	t.adds++
	s.seq = t.adds
	v := t.valueOf(idx, s.gen)
	e.value = v
	e.owner.Store(t)
	t.count++
	return v, OK
}

// removeLocked takes the entry for v out of the table (it is then in
// transit) or returns nil; t.mu must be held for writing.
func (t *HandleTable) removeLocked(v Handle) *HandleEntry {
	e := t.getLocked(v)
	if e == nil {
		return nil
	}
	idx := (uint32(v) ^ t.secret) >> 2 & handleIndexMask
	s := &t.slots[idx]
	s.e = nil
	s.gen = (s.gen + 1) & handleGenMask
	t.free = append(t.free, idx)
	t.count--
	e.owner.Store(nil)
	return e
}

// Add installs a handle in transit into the table and returns its value.
func (t *HandleTable) Add(e *HandleEntry) (Handle, Status) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.addLocked(e)
}

// AddAll installs every handle in transit of es into the table, all or
// nothing, storing the value of es[i] in vs[i] (vs must be at least as long
// as es). Room is checked and the handles are added under one acquisition
// of the table lock, so no other thread of the process ever sees (or can
// close) part of them: a multi-handle receive needs no rollback. On failure
// the table is unchanged and the caller still owns every entry. An empty es
// always succeeds. Errors: NO_RESOURCES (fewer than len(es) free slots),
// BAD_STATE (the table is closed).
func (t *HandleTable) AddAll(es []*HandleEntry, vs []Handle) Status {
	if len(es) == 0 {
		return OK
	}
	_ = vs[len(es)-1] // fail before touching the table if vs is short
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.roomLocked(len(es)) {
		if t.closed {
			return ErrBadState
		}
		return ErrNoResources
	}
	for i, e := range es {
		// Cannot fail: room was checked under the same lock.
		vs[i], _ = t.addLocked(e)
	}
	return OK
}

// TakeBack undoes an AddAll that a multi-table operation could not
// complete (kos ConnectEx: the handles of one process went in, the other's
// did not): each vs[i] still holding es[i] is taken out and returned to the
// caller in transit (nil where a thread of the process has already closed
// or replaced it; that handle is gone and needs nothing). Waits made
// through the handles meanwhile end.
func (t *HandleTable) TakeBack(es []*HandleEntry, vs []Handle) []*HandleEntry {
	out := make([]*HandleEntry, len(es))
	t.mu.Lock()
	for i, e := range es {
		if t.getLocked(vs[i]) == e {
			out[i] = t.removeLocked(vs[i])
		}
	}
	t.mu.Unlock()
	for _, e := range out {
		if e != nil {
			e.obj.base().cancel(e)
		}
	}
	return out
}

// Remove takes the handle v out of the table, ending waits made through
// it, and returns its owner (owning nothing if v is not a valid handle):
// the caller installs it again with AddOwned or destroys it with Release.
func (t *HandleTable) Remove(v Handle) HandleOwner {
	return HandleOwner{t.remove(v)}
}

// remove is Remove for this package: the entry in transit, or nil.
func (t *HandleTable) remove(v Handle) *HandleEntry {
	t.mu.Lock()
	e := t.removeLocked(v)
	t.mu.Unlock()
	if e != nil {
		e.obj.base().cancel(e)
	}
	return e
}

// AddOwned installs the handle o owns. On success o owns nothing any
// more; on failure (no handle, table full or closed) it still owns the
// handle, and the caller's Release destroys it.
func (t *HandleTable) AddOwned(o *HandleOwner) (Handle, Status) {
	if o.e == nil {
		return HandleInvalid, ErrBadHandle
	}
	v, st := t.Add(o.e)
	if st == OK {
		o.e = nil
	}
	return v, st
}

// Get returns the handle entry for v without removing it, or nil. The
// entry may be closed concurrently once Get returns; callers outside this
// package use it for inspection only.
func (t *HandleTable) Get(v Handle) *HandleEntry {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.getLocked(v)
}

// closeAll closes every handle and refuses new ones; used when the owning
// process dies.
func (t *HandleTable) closeAll() {
	t.mu.Lock()
	t.closed = true
	var all []*HandleEntry
	for i := range t.slots {
		if e := t.slots[i].e; e != nil {
			all = append(all, t.removeLocked(e.value))
		}
	}
	t.mu.Unlock()
	for _, e := range all {
		e.obj.base().cancel(e)
	}
	releaseHandles(nil, all)
}

// forEachLocked calls f for each handle; t.mu must be held.
func (t *HandleTable) forEachLocked(f func(e *HandleEntry)) {
	for i := range t.slots {
		if e := t.slots[i].e; e != nil {
			f(e)
		}
	}
}

// forEachNewestFirstLocked calls f for each handle, the most recently
// added first: the order of Zircon's handle list, which adds at the front
// (ZX_INFO_HANDLE_TABLE lists in it); t.mu must be held.
func (t *HandleTable) forEachNewestFirstLocked(f func(e *HandleEntry)) {
	idx := make([]uint32, 0, t.count)
	for i := range t.slots {
		if t.slots[i].e != nil {
			idx = append(idx, uint32(i))
		}
	}
	slices.SortFunc(idx, func(a, b uint32) int { return cmp.Compare(t.slots[b].seq, t.slots[a].seq) })
	for _, i := range idx {
		f(t.slots[i].e)
	}
}

// HeldObject is an object a handle refers to, with the handle's rights.
type HeldObject struct {
	Obj    Object
	Rights Rights
}

// HandlesOfType returns the object and rights of every handle of type
// typ in the table, in slot order, each object with a reference the
// caller releases (ZX_INFO_PROCESS_VMOS lists a process's VMO handles).
func (t *HandleTable) HandlesOfType(typ ObjType) []HeldObject {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []HeldObject
	t.forEachLocked(func(e *HandleEntry) {
		if e.obj.Type() == typ {
			e.obj.base().AddRef()
			out = append(out, HeldObject{e.obj, e.rights})
		}
	})
	return out
}
