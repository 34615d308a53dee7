package object

import (
	"encoding/binary"
	"sync"
)

// Port packet types and options (zircon/syscalls/port.h).
const (
	PktTypeUser         uint32 = 0x00
	PktTypeSignalOne    uint32 = 0x01
	PktTypeInterrupt    uint32 = 0x07
	WaitAsyncOnce       uint32 = 0
	WaitAsyncTimestamp  uint32 = 1
	WaitAsyncEdge       uint32 = 2
	PortBindToInterrupt uint32 = 1
)

// MaxPortUserPackets bounds the user packets queued on one port; past it
// PortQueue fails with ZX_ERR_SHOULD_WAIT.
var MaxPortUserPackets = 4096

// PacketSignal is zx_packet_signal_t.
type PacketSignal struct {
	Trigger   Signals
	Observed  Signals
	Count     uint64
	Timestamp Time
	Reserved1 uint64
}

// PortPacket is zx_port_packet_t. For user packets Payload is the 32-byte
// zx_packet_user_t; for signal packets Signal is set.
type PortPacket struct {
	Key     uint64
	Type    uint32
	Status  Status
	Payload [32]byte
	Signal  PacketSignal
}

// PortPacketSize is sizeof(zx_port_packet_t).
const PortPacketSize = 48

// Encode writes p in the x86-64 C layout of zx_port_packet_t.
func (pk *PortPacket) Encode(b *[PortPacketSize]byte) {
	le := binary.LittleEndian
	le.PutUint64(b[0:], pk.Key)
	le.PutUint32(b[8:], pk.Type)
	le.PutUint32(b[12:], uint32(pk.Status))
	if pk.Type == PktTypeSignalOne {
		le.PutUint32(b[16:], uint32(pk.Signal.Trigger))
		le.PutUint32(b[20:], uint32(pk.Signal.Observed))
		le.PutUint64(b[24:], pk.Signal.Count)
		le.PutUint64(b[32:], uint64(pk.Signal.Timestamp))
		le.PutUint64(b[40:], pk.Signal.Reserved1)
		return
	}
	copy(b[16:], pk.Payload[:])
}

// DecodePortPacket reads a zx_port_packet_t in the x86-64 C layout.
func DecodePortPacket(b *[PortPacketSize]byte) PortPacket {
	le := binary.LittleEndian
	pk := PortPacket{Key: le.Uint64(b[0:]), Type: le.Uint32(b[8:]), Status: Status(le.Uint32(b[12:]))}
	copy(pk.Payload[:], b[16:])
	return pk
}

// portNode is a queued packet.
type portNode struct {
	pk         PortPacket
	next, prev *portNode
	obs        *portObserver // for signal packets: the observer that queued it
	kernel     bool          // a kernel packet (QueueKernel): not a user packet
	intr       *PortInterruptSlot
}

// portWaiter is a port_wait blocked for a packet.
type portWaiter struct {
	ch   chan struct{}
	node *portNode
}

// Port is a port: a queue of packets from port_queue and from
// object_wait_async observers, handed out FIFO, one waiter per packet.
type Port struct {
	Base
	options uint32

	mu      sync.Mutex // Port.mu: after any object lock
	head    *portNode
	tail    *portNode
	nUser   int
	waiters []*portWaiter
	obs     map[*portObserver]struct{}
	zero    bool
}

// NewPort creates a port (the caller owns one reference).
func NewPort(options uint32) *Port {
	pt := &Port{options: options, obs: map[*portObserver]struct{}{}}
	pt.Base.Init(pt, ObjTypePort, nil, false, 0)
	return pt
}

// PortCreate is zx_port_create. Errors: INVALID_ARGS (options other than
// 0 or ZX_PORT_BIND_TO_INTERRUPT), ACCESS_DENIED (ZX_POL_NEW_PORT),
// NO_RESOURCES.
func PortCreate(p *Process, options uint32) (Handle, Status) {
	// The policy before the options, as Zircon's sys_port_create
	// (PortDispatcher::Create checks them).
	if st := p.EnforceBasicPolicy(PolNewPort); st != OK {
		return HandleInvalid, st
	}
	if options&^PortBindToInterrupt != 0 {
		return HandleInvalid, ErrInvalidArgs
	}
	return p.installNew(NewPort(options), DefaultPortRights)
}

// enqueueLocked queues n or hands it to a waiter; pt.mu must be held.
func (pt *Port) enqueueLocked(n *portNode) {
	if len(pt.waiters) > 0 {
		w := pt.waiters[0]
		copy(pt.waiters, pt.waiters[1:])
		pt.waiters[len(pt.waiters)-1] = nil
		pt.waiters = pt.waiters[:len(pt.waiters)-1]
		w.node = n
		w.ch <- struct{}{}
		return
	}
	n.next, n.prev = nil, pt.tail
	if pt.tail != nil {
		pt.tail.next = n
	} else {
		pt.head = n
	}
	pt.tail = n
}

func (pt *Port) unlinkLocked(n *portNode) {
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		pt.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		pt.tail = n.prev
	}
	n.next, n.prev = nil, nil
}

// Queue queues a user packet (type forced to ZX_PKT_TYPE_USER).
func (pt *Port) Queue(pk PortPacket) Status {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if pt.nUser >= MaxPortUserPackets {
		return ErrShouldWait
	}
	pk.Type = PktTypeUser
	pk.Signal = PacketSignal{}
	pt.nUser++
	pt.enqueueLocked(&portNode{pk: pk})
	return OK
}

// QueueKernel queues a packet the kernel generates (e.g. a KasperskyOS
// badge notification) with its type kept as given. Kernel packets are not
// bounded by MaxPortUserPackets: each comes from a one-time event whose
// source holds a reference to the port. Packets queued after the port lost
// its last handle are dropped (nobody can read them).
func (pt *Port) QueueKernel(pk PortPacket) {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if pt.zero {
		return
	}
	pt.enqueueLocked(&portNode{pk: pk, kernel: true})
}

// PortInterruptSlot is an interrupt object's one packet on its bound port
// (Zircon's preallocated port_packet_): it is queued at most once at a
// time and can be taken back (interrupt_destroy).
type PortInterruptSlot struct {
	node   portNode
	queued bool // in the port's queue; guarded by the port's mu
}

// QueueInterrupt queues slot's ZX_PKT_TYPE_INTERRUPT packet with key and
// timestamp; false if it is still queued. A packet handed straight to a
// waiter is not queued.
func (pt *Port) QueueInterrupt(slot *PortInterruptSlot, key uint64, ts Time) bool {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if slot.queued {
		return false
	}
	if pt.zero {
		return true
	}
	slot.node = portNode{pk: PortPacket{Key: key, Type: PktTypeInterrupt}, intr: slot}
	binary.LittleEndian.PutUint64(slot.node.pk.Payload[:], uint64(ts))
	if len(pt.waiters) == 0 {
		slot.queued = true
	}
	pt.enqueueLocked(&slot.node)
	return true
}

// RemoveInterrupt takes slot's packet out of the queue; false if it was
// not queued.
func (pt *Port) RemoveInterrupt(slot *PortInterruptSlot) bool {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if !slot.queued {
		return false
	}
	pt.unlinkLocked(&slot.node)
	slot.queued = false
	return true
}

// CanBindInterrupts reports whether the port was created with
// ZX_PORT_BIND_TO_INTERRUPT.
func (pt *Port) CanBindInterrupts() bool { return pt.options&PortBindToInterrupt != 0 }

// PortQueue is zx_port_queue (needs ZX_RIGHT_WRITE). The packet's type is
// forced to ZX_PKT_TYPE_USER; key, status and payload are the caller's.
func PortQueue(p *Process, h Handle, pk PortPacket) Status {
	pt, st := lookupAs[*Port](p, h, ObjTypePort, RightWrite)
	if st != OK {
		return st
	}
	defer pt.Release()
	return pt.Queue(pk)
}

// Wait dequeues the oldest packet, blocking until the deadline.
func (pt *Port) Wait(deadline Time) (PortPacket, Status) { return pt.WaitKillable(deadline, nil) }

// WaitKillable is Wait for a thread that killed ends: once it is closed
// the wait returns ZX_ERR_INTERNAL_INTR_KILLED.
func (pt *Port) WaitKillable(deadline Time, killed <-chan struct{}) (PortPacket, Status) {
	pt.mu.Lock()
	if n := pt.head; n != nil {
		pt.unlinkLocked(n)
		pk := pt.takeLocked(n)
		pt.mu.Unlock()
		return pk, OK
	}
	if deadlinePassed(deadline) {
		pt.mu.Unlock()
		return PortPacket{}, ErrTimedOut
	}
	w := &portWaiter{ch: make(chan struct{}, 1)}
	pt.waiters = append(pt.waiters, w)
	pt.mu.Unlock()

	var tm Stopper
	timeout := make(chan struct{})
	if deadline != TimeInfinite {
		tm = CurrentClock().AfterFunc(deadline, func() { close(timeout) })
	}
	st := ErrTimedOut
	select {
	case <-w.ch:
	case <-timeout:
	case <-killed:
		st = ErrInternalIntrKilled
	}
	if tm != nil {
		tm.Stop()
	}
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if w.node == nil {
		for i, x := range pt.waiters {
			if x == w {
				pt.waiters = append(pt.waiters[:i], pt.waiters[i+1:]...)
				break
			}
		}
		return PortPacket{}, st
	}
	return pt.takeLocked(w.node), OK
}

// takeLocked finishes dequeuing n; pt.mu must be held.
func (pt *Port) takeLocked(n *portNode) PortPacket {
	if n.intr != nil {
		n.intr.queued = false
	} else if n.kernel {
		// Kernel packets count against no limit.
	} else if n.obs == nil {
		pt.nUser--
	} else {
		n.obs.queued = false
	}
	return n.pk
}

// PortWait is zx_port_wait (needs ZX_RIGHT_READ): the oldest packet, or
// ZX_ERR_TIMED_OUT once the deadline passes. Each packet wakes exactly one
// waiter.
func PortWait(p *Process, h Handle, deadline Time) (PortPacket, Status) {
	return PortWaitKillable(p, h, deadline, nil)
}

// PortWaitKillable is PortWait for a thread that killed ends
// (ZX_ERR_INTERNAL_INTR_KILLED once it is closed).
func PortWaitKillable(p *Process, h Handle, deadline Time, killed <-chan struct{}) (PortPacket, Status) {
	pt, st := lookupAs[*Port](p, h, ObjTypePort, RightRead)
	if st != OK {
		return PortPacket{}, st
	}
	defer pt.Release()
	return pt.WaitKillable(deadline, killed)
}

// portObserver is an object_wait_async registration: it queues one signal
// packet on its port when a trigger signal is asserted. It holds no
// reference to the object: it is registered through a handle, and closing
// or transferring that handle unregisters it.
type portObserver struct {
	port    *Port
	obj     *Base
	entry   *HandleEntry
	key     uint64
	trigger Signals
	options uint32
	node    portNode
	queued  bool // node is in the port's queue; guarded by port.mu
	armed   bool // registered with obj; guarded by obj.mu
	edge    bool // EDGE: waiting for the first deassertion; guarded by obj.mu
}

func (o *portObserver) onStateChange(s Signals) bool {
	if o.edge {
		if s&o.trigger == 0 {
			o.edge = false
		}
		return false
	}
	if s&o.trigger == 0 {
		return false
	}
	pt := o.port
	pt.mu.Lock()
	if !pt.zero {
		o.node.pk = PortPacket{Key: o.key, Type: PktTypeSignalOne,
			Signal: PacketSignal{Trigger: o.trigger, Observed: s, Count: 1}}
		if o.options&WaitAsyncTimestamp != 0 {
			o.node.pk.Signal.Timestamp = Now()
		}
		o.node.obs = o
		o.queued = true
		pt.enqueueLocked(&o.node)
	}
	delete(pt.obs, o)
	pt.mu.Unlock()
	o.armed = false
	return true
}

func (o *portObserver) onCancel(e *HandleEntry) bool {
	if e != o.entry {
		return false
	}
	o.armed = false
	pt := o.port
	pt.mu.Lock()
	delete(pt.obs, o)
	pt.mu.Unlock()
	return true
}

// ObjectWaitAsync is zx_object_wait_async: when any of signals is asserted
// on h's object (now or later), one ZX_PKT_TYPE_SIGNAL_ONE packet with key
// is queued on port. Errors: INVALID_ARGS (options), BAD_HANDLE,
// WRONG_TYPE (port), ACCESS_DENIED (port without ZX_RIGHT_WRITE, handle
// without ZX_RIGHT_WAIT), NOT_SUPPORTED (not waitable).
func ObjectWaitAsync(p *Process, h Handle, port Handle, key uint64, signals Signals, options uint32) Status {
	if options&^(WaitAsyncTimestamp|WaitAsyncEdge) != 0 {
		return ErrInvalidArgs
	}
	pt, st := lookupAs[*Port](p, port, ObjTypePort, RightWrite)
	if st != OK {
		return st
	}
	defer pt.Release()
	t := p.table
	t.mu.RLock()
	e := t.getLocked(h)
	if e == nil || e.isRevoked() {
		t.mu.RUnlock()
		return p.missingOrRevoked(e)
	}
	if !e.rights.Has(RightWait) {
		t.mu.RUnlock()
		return ErrAccessDenied
	}
	b := e.obj.base()
	if !b.waitable {
		t.mu.RUnlock()
		return ErrNotSupported
	}
	o := &portObserver{port: pt, obj: b, entry: e, key: key, trigger: signals, options: options}
	b.mu.Lock()
	pt.mu.Lock()
	if pt.zero {
		pt.mu.Unlock()
		b.mu.Unlock()
		t.mu.RUnlock()
		return OK
	}
	pt.obs[o] = struct{}{}
	pt.mu.Unlock()
	o.armed = true
	o.edge = options&WaitAsyncEdge != 0 && b.signals&signals != 0
	if !o.onStateChange(b.signals) {
		b.obs = append(b.obs, o)
	}
	b.mu.Unlock()
	t.mu.RUnlock()
	return OK
}

// Cancel removes the pending waits on obj with key and their queued
// packets; it reports whether anything was found.
func (pt *Port) Cancel(obj *Base, key uint64) bool {
	found := false
	if obj.waitable {
		obj.mu.Lock()
		j := 0
		for _, x := range obj.obs {
			if o, ok := x.(*portObserver); ok && o.port == pt && o.key == key {
				o.armed = false
				pt.mu.Lock()
				delete(pt.obs, o)
				pt.mu.Unlock()
				found = true
				continue
			}
			obj.obs[j] = x
			j++
		}
		clear(obj.obs[j:])
		obj.obs = obj.obs[:j]
		obj.mu.Unlock()
	}
	pt.mu.Lock()
	for n := pt.head; n != nil; {
		next := n.next
		if n.obs != nil && n.obs.obj == obj && n.obs.key == key {
			pt.unlinkLocked(n)
			n.obs.queued = false
			found = true
		}
		n = next
	}
	pt.mu.Unlock()
	return found
}

// PortCancel is zx_port_cancel: it cancels waits made with source and key
// (the port needs ZX_RIGHT_WRITE). Errors: BAD_HANDLE, WRONG_TYPE,
// ACCESS_DENIED, NOT_SUPPORTED (source not waitable), NOT_FOUND.
func PortCancel(p *Process, h Handle, source Handle, key uint64) Status {
	pt, st := lookupAs[*Port](p, h, ObjTypePort, RightWrite)
	if st != OK {
		return st
	}
	defer pt.Release()
	// Zircon checks ZX_RIGHT_WAIT on the source before its waitability.
	obj, _, st := p.lookup(source, ObjTypeNone, RightWait)
	if st != OK {
		return st
	}
	b := obj.base()
	defer b.Release()
	if !b.waitable {
		return ErrNotSupported
	}
	if !pt.Cancel(b, key) {
		return ErrNotFound
	}
	return OK
}

// OnZeroHandles cancels every wait registered on the port and drops its
// packets: nobody can read them any more. Each object with waits is
// swept once, whatever their number: taking them out one by one is
// quadratic in the waits on one object, and a port closed with tens of
// thousands of them pending on one event (wait_async in a loop, as
// Zircon's CloseWaitRace stress does) then held its closer for seconds.
// No wait is added once zero is set, so every armed observer of this
// port on those objects is one of the snapshot's.
func (pt *Port) OnZeroHandles() []*HandleEntry {
	pt.mu.Lock()
	pt.zero = true
	objs := make(map[*Base]struct{})
	for o := range pt.obs {
		objs[o.obj] = struct{}{}
	}
	pt.mu.Unlock()
	for b := range objs {
		b.mu.Lock()
		j := 0
		for _, x := range b.obs {
			if o, ok := x.(*portObserver); ok && o.port == pt {
				o.armed = false
				continue
			}
			b.obs[j] = x
			j++
		}
		clear(b.obs[j:])
		b.obs = b.obs[:j]
		b.mu.Unlock()
	}
	pt.mu.Lock()
	for n := pt.head; n != nil; n = n.next {
		if n.intr != nil {
			n.intr.queued = false
		}
	}
	pt.head, pt.tail, pt.nUser = nil, nil, 0
	clear(pt.obs)
	pt.mu.Unlock()
	return nil
}

// QueuedPackets returns the number of packets waiting on the port.
func (pt *Port) QueuedPackets() int {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	n := 0
	for x := pt.head; x != nil; x = x.next {
		n++
	}
	return n
}
