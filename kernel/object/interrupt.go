package object

import "sync"

// zx_interrupt_create and zx_interrupt_bind options (zircon/types.h).
const (
	InterruptRemapIRQ      uint32 = 0x1
	InterruptModeDefault   uint32 = 0 << 1
	InterruptModeEdgeLow   uint32 = 1 << 1
	InterruptModeEdgeHigh  uint32 = 2 << 1
	InterruptModeLevelLow  uint32 = 3 << 1
	InterruptModeLevelHigh uint32 = 4 << 1
	InterruptModeEdgeBoth  uint32 = 5 << 1
	InterruptModeMask      uint32 = 0xe
	InterruptVirtual       uint32 = 0x10
	InterruptTimestampMono uint32 = 0x20

	InterruptBind   uint32 = 0
	InterruptUnbind uint32 = 1
)

// DefaultInterruptRights are an interrupt's default rights (Zircon's
// ZX_DEFAULT_INTERRUPT_RIGHTS).
const DefaultInterruptRights = RightsBasic | RightsIO | RightSignal

// InterruptLine is the hardware behind an interrupt object (an I/O APIC
// GSI, an MSI vector); virtual interrupts have none. The line calls
// Interrupt.Fire when it raises.
type InterruptLine interface {
	// Mask stops the line from raising.
	Mask()
	// Unmask lets it raise again.
	Unmask()
	// Unregister detaches the line from the interrupt for good (the
	// interrupt is being destroyed): it must not call Fire afterwards,
	// and frees the line for another interrupt object.
	Unregister()
}

// interrupt states (Zircon's InterruptState).
const (
	intrIdle = iota
	intrTriggered
	intrNeedAck
	intrWaiting
	intrDestroyed
)

// Interrupt is an interrupt object (ZX_OBJ_TYPE_INTERRUPT, Zircon's
// InterruptDispatcher): a hardware line or a virtual one, waited for with
// interrupt_wait or delivered as ZX_PKT_TYPE_INTERRUPT packets to a bound
// port. A level-triggered line is masked when it fires and unmasked by
// the next wait or ack (Zircon's MASK_POSTWAIT | UNMASK_PREWAIT), so it
// cannot storm while its driver services the device.
type Interrupt struct {
	Base
	virtual bool
	level   bool // mask after firing, unmask before the next wait/ack
	line    InterruptLine
	options uint32
	vector  uint32 // the GSI or MSI vector (ZX_INFO_INTERRUPT-like reports)

	mu    sync.Mutex
	state int
	ts    Time // first fire since the last wait/ack; 0: none
	port  *Port
	key   uint64
	slot  PortInterruptSlot
	ev    chan struct{} // auto-reset event: one token while triggered
}

// NewInterrupt creates an interrupt object (the caller owns one
// reference). line is nil for a virtual interrupt; level says the line
// is level-triggered.
func NewInterrupt(line InterruptLine, level bool, options, vector uint32) *Interrupt {
	i := &Interrupt{virtual: line == nil && options&InterruptVirtual != 0, level: level, line: line, options: options, vector: vector, ev: make(chan struct{}, 1)}
	i.Base.Init(i, ObjTypeInterrupt, nil, false, 0)
	return i
}

// SetLine attaches the hardware line once it is registered (a line needs
// the interrupt to call Fire), and whether it is level-triggered. Call
// it before the interrupt is shared.
func (i *Interrupt) SetLine(l InterruptLine, level bool) {
	i.mu.Lock()
	i.line, i.level, i.virtual = l, level, false
	i.mu.Unlock()
}

func (i *Interrupt) signalLocked() {
	select {
	case i.ev <- struct{}{}:
	default:
	}
}

func (i *Interrupt) mask() {
	if i.line != nil {
		i.line.Mask()
	}
}

func (i *Interrupt) unmask() {
	if i.line != nil {
		i.line.Unmask()
	}
}

// sendPacketLocked queues the interrupt packet on the bound port.
func (i *Interrupt) sendPacketLocked(ts Time) bool {
	ok := i.port.QueueInterrupt(&i.slot, i.key, ts)
	if i.level {
		i.mask()
	}
	i.ts = 0
	return ok
}

// Fire is the line's interrupt (Zircon's InterruptHandler): record the
// timestamp of the first fire since the last wait/ack, then queue the
// port packet or wake the waiter.
func (i *Interrupt) Fire(ts Time) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.ts == 0 {
		i.ts = ts
	}
	switch {
	case i.state == intrDestroyed:
	case i.state == intrNeedAck && i.port != nil:
	case i.port != nil:
		i.sendPacketLocked(i.ts)
		i.state = intrNeedAck
	default:
		if i.level {
			i.mask()
		}
		i.signalLocked()
		i.state = intrTriggered
	}
}

// Trigger is zx_interrupt_trigger on a virtual interrupt: BAD_STATE for
// a hardware one, CANCELED once destroyed.
func (i *Interrupt) Trigger(ts Time) Status {
	if !i.virtual {
		return ErrBadState
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.ts == 0 {
		i.ts = ts
	}
	if i.state == intrDestroyed {
		return ErrCanceled
	}
	if i.state == intrNeedAck && i.port != nil {
		return OK
	}
	if i.port != nil {
		i.sendPacketLocked(i.ts)
		i.state = intrNeedAck
	} else {
		i.signalLocked()
		i.state = intrTriggered
	}
	return OK
}

// Wait is zx_interrupt_wait: blocks until the interrupt fires and returns
// its timestamp; the wait after that one unmasks a level line first.
// Errors: BAD_STATE (bound to a port, or another thread waits),
// CANCELED (destroyed, also while waiting), INTERNAL_INTR_KILLED (the
// thread is being killed).
func (i *Interrupt) Wait(killed <-chan struct{}) (Time, Status) {
	for {
		i.mu.Lock()
		if i.port != nil {
			i.mu.Unlock()
			return 0, ErrBadState
		}
		switch i.state {
		case intrDestroyed:
			i.mu.Unlock()
			return 0, ErrCanceled
		case intrTriggered:
			i.state = intrNeedAck
			ts := i.ts
			i.ts = 0
			select {
			case <-i.ev:
			default:
			}
			i.mu.Unlock()
			return ts, OK
		case intrNeedAck:
			if i.level {
				i.unmask()
			}
		case intrIdle:
		default:
			i.mu.Unlock()
			return 0, ErrBadState
		}
		i.state = intrWaiting
		i.mu.Unlock()
		select {
		case <-i.ev:
			// Put the token back for the next round to consume.
			i.mu.Lock()
			i.signalLocked()
			i.mu.Unlock()
		case <-killed:
			i.mu.Lock()
			if i.state == intrWaiting {
				i.state = intrIdle
			}
			i.mu.Unlock()
			return 0, ErrInternalIntrKilled
		}
	}
}

// Ack is zx_interrupt_ack: a port-bound interrupt may fire again (a level
// line is unmasked; a fire that came meanwhile is delivered now).
// Errors: BAD_STATE (not bound, or its packet is still queued), CANCELED.
func (i *Interrupt) Ack() Status {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.port == nil {
		return ErrBadState
	}
	if i.state == intrDestroyed {
		return ErrCanceled
	}
	if i.state == intrNeedAck {
		if i.level {
			i.unmask()
		}
		if i.ts != 0 {
			if !i.sendPacketLocked(i.ts) {
				return ErrBadState
			}
		} else {
			i.state = intrIdle
		}
	}
	return OK
}

// Destroy is zx_interrupt_destroy: the line is masked and released, a
// waiter gets CANCELED. Bound to a port: NOT_FOUND if the packet was
// already taken and not acked (as Zircon). Destroying again is OK.
func (i *Interrupt) Destroy() Status {
	i.mu.Lock()
	line := i.line
	i.line = nil
	i.mu.Unlock()
	if line != nil {
		line.Mask()
		line.Unregister()
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.state == intrDestroyed {
		return OK
	}
	if i.port != nil {
		queued := i.port.RemoveInterrupt(&i.slot)
		st := OK
		if i.state == intrNeedAck && !queued {
			st = ErrNotFound
		}
		i.state = intrDestroyed
		return st
	}
	i.state = intrDestroyed
	i.signalLocked()
	return OK
}

// Bind is zx_interrupt_bind after the gates: BIND attaches the port
// (CANCELED once destroyed, BAD_STATE while a thread waits,
// ALREADY_BOUND) and, when the interrupt is already triggered, queues
// its packet at once (as Zircon); UNBIND detaches it (NOT_FOUND unless
// bound to that port), dropping a queued packet.
func (i *Interrupt) Bind(pt *Port, key uint64, options uint32) Status {
	i.mu.Lock()
	defer i.mu.Unlock()
	if options == InterruptUnbind {
		if i.port != pt {
			return ErrNotFound
		}
		if i.state == intrDestroyed {
			return ErrCanceled
		}
		// The state stays (as Zircon's Unbind): an interrupt whose packet
		// was taken still needs its ack, so a later bind or destroy sees
		// NEEDACK.
		pt.RemoveInterrupt(&i.slot)
		i.port.Release()
		i.port = nil
		return OK
	}
	switch {
	case i.state == intrDestroyed:
		return ErrCanceled
	case i.state == intrWaiting:
		return ErrBadState
	case i.port != nil:
		return ErrAlreadyBound
	}
	pt.AddRef()
	i.port, i.key = pt, key
	if i.state == intrTriggered {
		select {
		case <-i.ev:
		default:
		}
		i.sendPacketLocked(i.ts)
		i.state = intrNeedAck
	}
	return OK
}

// OnZeroHandles destroys the interrupt when its last handle goes (a dying
// driver releases its lines).
func (i *Interrupt) OnZeroHandles() []*HandleEntry {
	i.Destroy()
	return nil
}

// OnDestroy drops the port reference.
func (i *Interrupt) OnDestroy() {
	i.mu.Lock()
	pt := i.port
	i.port = nil
	i.mu.Unlock()
	if pt != nil {
		pt.RemoveInterrupt(&i.slot)
		pt.Release()
	}
}

// Virtual reports whether the interrupt is virtual.
func (i *Interrupt) Virtual() bool { return i.virtual }

// Vector returns the GSI or MSI vector of a hardware interrupt.
func (i *Interrupt) Vector() uint32 { return i.vector }
