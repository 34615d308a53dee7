package object

import "sync"

// System event kinds (zx_system_event_type_t) for zx_system_get_event.
const (
	SystemEventOutOfMemory            uint32 = 1
	SystemEventMemoryPressureCritical uint32 = 2
	SystemEventMemoryPressureWarning  uint32 = 3
	SystemEventMemoryPressureNormal   uint32 = 4
)

// DefaultSystemEventLowMemoryRights are the rights of a system event
// handle (ZX_DEFAULT_SYSTEM_EVENT_LOW_MEMORY_RIGHTS): no SIGNAL, so only
// the kernel changes the events' state.
const DefaultSystemEventLowMemoryRights = RightWait | RightDuplicate | RightTransfer

// memoryEvents are the four memory-pressure events, created once on first
// use; exactly one of them is ZX_EVENT_SIGNALED, the kernel's current
// level (as Zircon's pmm memory watchdog keeps them).
var memoryEvents struct {
	once   sync.Once
	events [4]*Event // indexed by kind-1
	mu     sync.Mutex
	level  uint32 // the signaled kind
}

func initMemoryEvents() {
	memoryEvents.level = SystemEventMemoryPressureNormal
	for i := range memoryEvents.events {
		var initial Signals
		if uint32(i+1) == memoryEvents.level {
			initial = EventSignaled
		}
		e := &Event{}
		e.Base.Init(e, ObjTypeEvent, nil, true, initial)
		memoryEvents.events[i] = e
	}
}

// SystemEvent returns a new reference to the memory-pressure event of
// kind, or nil for a kind that is not one of the SystemEvent* kinds.
func SystemEvent(kind uint32) *Event {
	if kind < SystemEventOutOfMemory || kind > SystemEventMemoryPressureNormal {
		return nil
	}
	memoryEvents.once.Do(initMemoryEvents)
	e := memoryEvents.events[kind-1]
	e.AddRef()
	return e
}

// SetMemoryPressureLevel makes kind (one of the SystemEvent* kinds) the
// one signaled memory-pressure event and clears the others; another kind
// is ignored.
func SetMemoryPressureLevel(kind uint32) {
	if kind < SystemEventOutOfMemory || kind > SystemEventMemoryPressureNormal {
		return
	}
	memoryEvents.once.Do(initMemoryEvents)
	memoryEvents.mu.Lock()
	defer memoryEvents.mu.Unlock()
	if kind == memoryEvents.level {
		return
	}
	set := func(k uint32, clear, s Signals) {
		e := memoryEvents.events[k-1]
		e.mu.Lock()
		e.UpdateStateLocked(clear, s)
		e.mu.Unlock()
	}
	// Signal the new level before clearing the old one, so a waiter on
	// all four never sees none signaled.
	set(kind, 0, EventSignaled)
	set(memoryEvents.level, EventSignaled, 0)
	memoryEvents.level = kind
}
