package object

import (
	"encoding/binary"
	"sync"
)

// Exceptionate is a task's end of one exception channel (Zircon's
// Exceptionate): a thread has one, a process and a job two (standard and
// debugger). The kernel holds one endpoint; task_create_exception_channel
// gives the caller the other, read-only. Its zero value is unbound.
type Exceptionate struct {
	mu sync.Mutex
	// ch is the kernel's handle to its endpoint, nil while unbound.
	ch                          *HandleEntry
	threadRights, processRights Rights
	shutdown                    bool
}

// validLocked reports whether a channel is bound and its user endpoint
// is still open.
func (x *Exceptionate) validLocked() bool {
	return x.ch != nil && x.ch.obj.(*Channel).Signals()&ChannelPeerClosed == 0
}

// Bound reports whether a live exception channel is bound.
func (x *Exceptionate) Bound() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.validLocked()
}

// Bind creates the exception channel: exceptions sent over it carry
// handles with threadRights and processRights (0: none). It returns the
// user endpoint (the caller owns one reference) and the rights its handle
// gets (ChannelDefaultRights limited to TRANSFER, WAIT and READ).
// ALREADY_BOUND while a channel whose user end is open is bound,
// BAD_STATE once the task is dead.
func (x *Exceptionate) Bind(threadRights, processRights Rights) (*Channel, Rights, Status) {
	x.mu.Lock()
	if x.shutdown {
		x.mu.Unlock()
		return nil, 0, ErrBadState
	}
	if x.validLocked() {
		x.mu.Unlock()
		return nil, 0, ErrAlreadyBound
	}
	old := x.ch
	k, u := NewChannel()
	x.ch = newHandle(k, DefaultChannelRights)
	k.Release()
	x.threadRights, x.processRights = threadRights, processRights
	x.mu.Unlock()
	if old != nil {
		releaseHandles(old, nil)
	}
	return u, DefaultChannelRights & exceptionChannelUserRightsMask, OK
}

// Shutdown unbinds the channel for good (the task is dead): its user end
// sees PEER_CLOSED, and Bind fails from now on.
func (x *Exceptionate) Shutdown() {
	x.mu.Lock()
	old := x.ch
	x.ch, x.shutdown = nil, true
	x.mu.Unlock()
	if old != nil {
		releaseHandles(old, nil)
	}
}

// Send queues e on the channel as a zx_exception_info_t (pid, tid, type)
// with the one handle to e, for a handler of channel type ct, and returns
// the channel that closes when that handle goes. ErrNext when no live
// channel is bound (the caller tries the next handler).
func (x *Exceptionate) Send(e *Exception, ct uint32) (<-chan struct{}, Status) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.validLocked() {
		return nil, ErrNext
	}
	var info [ExceptionInfoSize]byte
	binary.LittleEndian.PutUint64(info[0:], uint64(e.process.Koid()))
	binary.LittleEndian.PutUint64(info[8:], uint64(e.thread.Koid()))
	binary.LittleEndian.PutUint32(info[16:], e.typ)
	done := e.arm(ct, x.threadRights, x.processRights)
	m := newMessage(info[:], 1)
	m.handles[0] = newHandle(e, DefaultExceptionRights)
	if st := x.ch.obj.(*Channel).deliver(m); st != OK {
		// The handle went with the message: e is reset for the next.
		e.TakeState()
		return nil, ErrNext
	}
	return done, OK
}
