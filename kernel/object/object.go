package object

import (
	"sync"
	"sync/atomic"
	"time"
)

// Object is a kernel object (Zircon's dispatcher). Every implementation
// embeds Base, which is how types outside this package (VMOs, VMARs,
// threads) become objects too.
type Object interface {
	// Koid returns the object's kernel object id.
	Koid() Koid
	// Type returns the object's ZX_OBJ_TYPE_*.
	Type() ObjType
	base() *Base
}

// UserSignaler is implemented by objects outside this package (a VMO)
// whose handles may set and clear user signals with zx_object_signal.
type UserSignaler interface {
	AllowedUserSignals() Signals
}

// ZeroHandlesHook is implemented by objects that act when their last
// handle goes (Zircon's on_zero_handles). It runs without any lock held and
// returns handles the object released (e.g. from unread channel messages);
// the caller closes them iteratively.
type ZeroHandlesHook interface {
	OnZeroHandles() []*HandleEntry
}

// DestroyHook is implemented by objects that release resources when their
// last reference goes. It runs without any lock held.
type DestroyHook interface {
	OnDestroy()
}

// userSignaler is implemented by objects that accept object_signal; it
// returns the bits a user may set or clear (ZX_USER_SIGNAL_ALL plus any
// type-specific ones).
type userSignaler interface {
	allowedUserSignals() Signals
}

// peerSignaler is implemented by peered objects for object_signal_peer.
// It is called with the object lock held and returns the peer's Base, or
// nil if the peer is gone.
type peerSignaler interface {
	peerBaseLocked() *Base
	allowedPeerSignals() Signals
}

var (
	nextKoid    atomic.Uint64
	liveObjects [ObjTypeUpperBound]atomic.Int64
	liveHandles atomic.Int64
)

func init() { nextKoid.Store(uint64(KoidFirst)) }

// newKoid returns a fresh koid; koids are never reused.
func newKoid() Koid { return Koid(nextKoid.Add(1) - 1) }

// LiveObjects returns the number of objects of type t not yet destroyed
// (t == ObjTypeNone: all types).
func LiveObjects(t ObjType) int64 {
	if t != ObjTypeNone {
		return liveObjects[t].Load()
	}
	var n int64
	for i := range liveObjects {
		n += liveObjects[i].Load()
	}
	return n
}

// LiveHandles returns the number of handle entries that exist (in tables
// or in transit).
func LiveHandles() int64 { return liveHandles.Load() }

// CountsSettle waits up to within for the live object and handle counts
// (all types) to equal objs and handles, and returns the last counts and
// whether they did. Leak checks use it: a timer callback that has just
// signaled drops its reference a moment later (Timer.fire).
func CountsSettle(objs, handles int64, within time.Duration) (int64, int64, bool) {
	deadline := time.Now().Add(within)
	for {
		o, h := LiveObjects(ObjTypeNone), LiveHandles()
		if o == objs && h == handles {
			return o, h, true
		}
		if time.Now().After(deadline) {
			return o, h, false
		}
		time.Sleep(time.Millisecond)
	}
}

// Base is the state every object shares: koid, type, reference and handle
// counts, and the signal state with its observers. Its zero value is not
// usable; call Init.
type Base struct {
	koid     Koid
	related  Koid // peer or parent koid; immutable once set
	typ      ObjType
	self     Object
	refs     atomic.Int64
	handles  atomic.Int64
	waitable bool

	// mu is the object lock; peered objects share one.
	mu      *sync.Mutex
	ownMu   sync.Mutex
	signals Signals    // guarded by mu
	obs     []observer // guarded by mu

	destroyed atomic.Bool
}

// Init initialises b as the Base of self, with one reference owned by the
// caller. lock is the object lock to use (nil: a private one); waitable
// objects have signals and may be waited on.
func (b *Base) Init(self Object, t ObjType, lock *sync.Mutex, waitable bool, initial Signals) {
	b.koid = newKoid()
	b.typ = t
	b.self = self
	b.refs.Store(1)
	b.waitable = waitable
	b.signals = initial
	if lock == nil {
		lock = &b.ownMu
	}
	b.mu = lock
	liveObjects[t].Add(1)
}

func (b *Base) base() *Base { return b }

// Koid returns the object's koid.
func (b *Base) Koid() Koid { return b.koid }

// Type returns the object's type.
func (b *Base) Type() ObjType { return b.typ }

// RelatedKoid returns the koid of the related object (the peer of a peered
// object, the parent of a job, the job of a process), or 0. It never
// changes, even after the related object is gone.
func (b *Base) RelatedKoid() Koid { return b.related }

// SetRelatedKoid records the related koid; call it only during creation.
func (b *Base) SetRelatedKoid(k Koid) { b.related = k }

// Lock returns the object lock.
func (b *Base) Lock() *sync.Mutex { return b.mu }

// HandleCount returns the number of handles to the object.
func (b *Base) HandleCount() int64 { return b.handles.Load() }

// RefCount returns the number of references to the object.
func (b *Base) RefCount() int64 { return b.refs.Load() }

// Destroyed reports whether the last reference to the object has gone.
func (b *Base) Destroyed() bool { return b.destroyed.Load() }

// AddRef takes a reference to the object.
func (b *Base) AddRef() { b.refs.Add(1) }

// tryAddRef takes a reference unless the object is already being
// destroyed (its count reached zero).
func (b *Base) tryAddRef() bool {
	for {
		n := b.refs.Load()
		if n <= 0 {
			return false
		}
		if b.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// Release drops a reference; the last one destroys the object.
func (b *Base) Release() {
	n := b.refs.Add(-1)
	if n > 0 {
		return
	}
	if n < 0 {
		panic("object: reference count below zero")
	}
	b.destroyed.Store(true)
	if d, ok := b.self.(DestroyHook); ok {
		d.OnDestroy()
	}
	liveObjects[b.typ].Add(-1)
}

// Signals returns the object's current signal state.
func (b *Base) Signals() Signals {
	b.mu.Lock()
	s := b.signals
	b.mu.Unlock()
	return s
}

// SignalsLocked returns the signal state; b.Lock() must be held.
func (b *Base) SignalsLocked() Signals { return b.signals }

// UpdateStateLocked clears then sets signal bits and notifies observers if
// the state changed; b.Lock() must be held.
func (b *Base) UpdateStateLocked(clear, set Signals) {
	old := b.signals
	s := (old &^ clear) | set
	if s == old {
		return
	}
	b.signals = s
	b.notifyLocked(s)
}

// notifyLocked tells the observers of the new state, newest first as
// Zircon's StateTracker does (it pushes observers to the front): the order
// in which wait_async packets reach a port.
func (b *Base) notifyLocked(s Signals) {
	for i := len(b.obs) - 1; i >= 0; i-- {
		if b.obs[i].onStateChange(s) {
			b.obs[i] = nil
		}
	}
	j := 0
	for _, o := range b.obs {
		if o != nil {
			b.obs[j] = o
			j++
		}
	}
	clear(b.obs[j:])
	b.obs = b.obs[:j]
}

// removeObserverLocked unregisters o, reporting whether it was registered;
// b.Lock() must be held.
func (b *Base) removeObserverLocked(o observer) bool {
	for i, x := range b.obs {
		if x == o {
			copy(b.obs[i:], b.obs[i+1:])
			b.obs[len(b.obs)-1] = nil
			b.obs = b.obs[:len(b.obs)-1]
			return true
		}
	}
	return false
}

// cancel ends every wait registered through handle e (it left its table).
func (b *Base) cancel(e *HandleEntry) {
	if !b.waitable {
		return
	}
	b.mu.Lock()
	j := 0
	for _, o := range b.obs {
		if !o.onCancel(e) {
			b.obs[j] = o
			j++
		}
	}
	clear(b.obs[j:])
	b.obs = b.obs[:j]
	b.mu.Unlock()
}

// observer watches an object's signals. Both methods run with the object
// lock held and return true to be unregistered.
type observer interface {
	onStateChange(s Signals) bool
	onCancel(e *HandleEntry) bool
}
