package object

import (
	"encoding/binary"
	"sync"
)

// Channel is one endpoint of a channel: a bidirectional message transport
// carrying bytes and handles.
type Channel struct {
	Base
	// Guarded by the shared object lock.
	peer    *Channel
	msgs    msgQueue
	waiters []*callWaiter
	nextTx  uint32
}

// callWaiter is a channel_call waiting for its reply.
type callWaiter struct {
	txid   uint32
	ch     chan struct{}
	reply  *message
	status Status
	done   bool
}

func (w *callWaiter) wake() {
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

// NewChannel creates a connected pair of endpoints (the caller owns one
// reference to each).
func NewChannel() (*Channel, *Channel) {
	mu := new(sync.Mutex)
	a, b := &Channel{}, &Channel{}
	a.Base.Init(a, ObjTypeChannel, mu, true, ChannelWritable)
	b.Base.Init(b, ObjTypeChannel, mu, true, ChannelWritable)
	a.peer, b.peer = b, a
	a.related, b.related = b.koid, a.koid
	a.AddRef()
	b.AddRef()
	return a, b
}

func (c *Channel) allowedUserSignals() Signals { return UserSignalAll }

func (c *Channel) allowedPeerSignals() Signals { return UserSignalAll }

func (c *Channel) peerBaseLocked() *Base {
	if c.peer == nil {
		return nil
	}
	return &c.peer.Base
}

// PendingMessages returns the number of unread messages queued at c.
func (c *Channel) PendingMessages() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.msgs.len()
}

// OnZeroHandles drops unread messages (returning their handles for the
// caller to close), cancels pending calls and asserts PEER_CLOSED on the
// peer, whose pending calls fail with ZX_ERR_PEER_CLOSED.
func (c *Channel) OnZeroHandles() []*HandleEntry {
	var orphans []*HandleEntry
	c.mu.Lock()
	for c.msgs.len() > 0 {
		m := c.msgs.pop()
		orphans = append(orphans, compactEntries(m.handles)...)
		clear(m.handles)
		m.recycle()
	}
	for _, w := range c.waiters {
		w.done, w.status = true, ErrCanceled
		w.wake()
	}
	c.waiters = nil
	peer := c.peer
	if peer != nil {
		c.peer, peer.peer = nil, nil
		peer.UpdateStateLocked(ChannelWritable, ChannelPeerClosed)
		for _, w := range peer.waiters {
			w.done, w.status = true, ErrPeerClosed
			w.wake()
		}
		peer.waiters = nil
	}
	c.mu.Unlock()
	if peer != nil {
		// The peer can no longer receive: if only its own queue holds
		// it, it is unreachable.
		orphans = append(orphans, peer.collectSelfCycle()...)
		peer.Release()
		c.Release()
	}
	return orphans
}

// collectSelfCycle handles the one cycle a peer-closed endpoint can be in:
// every remaining handle to c sits in c's own queue, so nobody can read
// it again. It then drops the queue and returns the handles to close.
func (c *Channel) collectSelfCycle() []*HandleEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.peer != nil || c.msgs.len() == 0 {
		return nil
	}
	self := int64(0)
	for i := c.msgs.head; i < len(c.msgs.q); i++ {
		for _, e := range c.msgs.q[i].handles {
			if e != nil && e.obj.base() == &c.Base {
				self++
			}
		}
	}
	if self == 0 || self != c.handles.Load() {
		return nil
	}
	var orphans []*HandleEntry
	for c.msgs.len() > 0 {
		m := c.msgs.pop()
		orphans = append(orphans, compactEntries(m.handles)...)
		clear(m.handles)
		m.recycle()
	}
	c.UpdateStateLocked(ChannelReadable, 0)
	return orphans
}

// deliverLocked queues m at c's peer, or hands it to a channel_call on the
// peer waiting for m's txid; c.mu must be held. On ZX_ERR_PEER_CLOSED the
// caller still owns m.
func (c *Channel) deliverLocked(m *message) Status {
	dst := c.peer
	if dst == nil {
		return ErrPeerClosed
	}
	if tx, ok := m.txid(); ok && len(dst.waiters) > 0 {
		for i, w := range dst.waiters {
			if w.txid == tx {
				dst.waiters = append(dst.waiters[:i], dst.waiters[i+1:]...)
				w.done, w.status, w.reply = true, OK, m
				w.wake()
				return OK
			}
		}
	}
	dst.msgs.push(m)
	if dst.msgs.len() == 1 {
		dst.UpdateStateLocked(0, ChannelReadable)
	}
	return OK
}

func (c *Channel) deliver(m *message) Status {
	c.mu.Lock()
	st := c.deliverLocked(m)
	c.mu.Unlock()
	if st != OK {
		m.destroy()
	}
	return st
}

// ChannelCreate is zx_channel_create. Errors: INVALID_ARGS (options != 0),
// ACCESS_DENIED (ZX_POL_NEW_CHANNEL), NO_RESOURCES.
func ChannelCreate(p *Process, options uint32) (Handle, Handle, Status) {
	if options != 0 {
		return HandleInvalid, HandleInvalid, ErrInvalidArgs
	}
	if st := p.EnforceBasicPolicy(PolNewChannel); st != OK {
		return HandleInvalid, HandleInvalid, st
	}
	a, b := NewChannel()
	return p.installPair(a, b, DefaultChannelRights)
}

// buildMessage makes the message for a write: it checks the sizes and
// takes the handles out of p's table (all of them, even on failure), then
// validates them in order: BAD_HANDLE (missing or repeated),
// NOT_SUPPORTED (the channel itself), ACCESS_DENIED (no ZX_RIGHT_TRANSFER).
func buildMessage(p *Process, ch *Channel, data []byte, handles []Handle) (*message, Status) {
	if len(data) > ChannelMaxMsgBytes || len(handles) > ChannelMaxMsgHandles {
		consumeHandles(p, handles)
		return nil, ErrOutOfRange
	}
	m := newMessage(data, len(handles))
	if len(handles) == 0 {
		return m, OK
	}
	removeHandlesForTransfer(p, handles, m.handles)
	for _, e := range m.handles {
		st := OK
		switch {
		case e == nil:
			st = ErrBadHandle
		case e.isRevoked():
			st = ErrHandleRevoked
		case e.obj.base() == &ch.Base:
			st = ErrNotSupported
		case !e.rights.Has(RightTransfer):
			st = ErrAccessDenied
		}
		if st != OK {
			m.destroy()
			if st == ErrBadHandle {
				p.badHandle()
			}
			return nil, st
		}
	}
	return m, OK
}

// buildMessageEtc is buildMessage for handle dispositions: each entry is
// moved or duplicated with the requested rights and type check; every
// entry is attempted and its Result set; the sources of all entries but
// DUPLICATE ones are always closed.
func buildMessageEtc(p *Process, ch *Channel, data []byte, disp []HandleDisposition) (*message, Status) {
	if len(data) > ChannelMaxMsgBytes || len(disp) > ChannelMaxMsgHandles {
		consumeMoves(p, disp)
		return nil, ErrOutOfRange
	}
	m := newMessage(data, len(disp))
	first := OK
	var removed []*HandleEntry // MOVE sources taken out of the table
	var hooks []BadgeHook      // badges passed on by moves
	t := p.table
	t.mu.Lock()
	for i := range disp {
		d := &disp[i]
		e := t.getLocked(d.Handle)
		var nr Rights
		st := OK
		switch {
		case e == nil:
			st = ErrBadHandle
		case e.isRevoked():
			st = ErrHandleRevoked
		case d.Operation != HandleOpMove && d.Operation != HandleOpDuplicate:
			st = ErrInvalidArgs
		case d.Type != ObjTypeNone && d.Type != e.obj.Type():
			st = ErrWrongType
		case e.obj.base() == &ch.Base:
			st = ErrNotSupported
		case !e.rights.Has(RightTransfer):
			st = ErrAccessDenied
		case d.Operation == HandleOpDuplicate && !e.rights.Has(RightDuplicate):
			st = ErrAccessDenied
		default:
			nr, st = narrowRights(e.rights, d.Rights)
		}
		// Every source but a DUPLICATE's leaves the table, an entry with
		// an invalid operation too (as in Zircon).
		if e != nil && d.Operation != HandleOpDuplicate {
			t.removeLocked(d.Handle)
			removed = append(removed, e)
		}
		if st == OK {
			m.handles[i] = newHandle(e.obj, nr)
			if hk := inheritLocked(e, m.handles[i], d.Operation == HandleOpMove); hk != nil {
				hooks = append(hooks, hk)
			}
		}
		d.Result = st
		if st != OK && first == OK {
			first = st
		}
	}
	t.mu.Unlock()
	for _, hk := range hooks {
		hk.OnBadgedHandleAdded()
	}
	for _, e := range removed {
		e.obj.base().cancel(e)
	}
	releaseHandles(nil, removed)
	if first != OK {
		m.destroy()
		if first == ErrBadHandle {
			p.badHandle()
		}
		return nil, first
	}
	return m, OK
}

// consumeMoves closes the sources of all dispositions but DUPLICATE ones
// (error paths).
func consumeMoves(p *Process, disp []HandleDisposition) {
	var hs []Handle
	for _, d := range disp {
		if d.Operation != HandleOpDuplicate {
			hs = append(hs, d.Handle)
		}
	}
	consumeHandles(p, hs)
}

// ChannelWrite is zx_channel_write (needs ZX_RIGHT_WRITE; every handle
// needs ZX_RIGHT_TRANSFER). All handles are consumed, on success or
// failure. Errors: INVALID_ARGS (options), BAD_HANDLE, WRONG_TYPE,
// ACCESS_DENIED, OUT_OF_RANGE (more than 65536 bytes or 64 handles),
// NOT_SUPPORTED (the channel's own handle in handles), PEER_CLOSED.
// ChannelWriteUseIovec is accepted: the syscall layer gathers the iovecs.
func ChannelWrite(p *Process, h Handle, options uint32, data []byte, handles []Handle) Status {
	if options&^ChannelWriteUseIovec != 0 {
		consumeHandles(p, handles)
		return ErrInvalidArgs
	}
	ch, st := lookupAs[*Channel](p, h, ObjTypeChannel, RightWrite)
	if st != OK {
		consumeHandles(p, handles)
		return st
	}
	defer ch.Release()
	m, st := buildMessage(p, ch, data, handles)
	if st != OK {
		return st
	}
	return ch.deliver(m)
}

// ChannelWriteEtc is zx_channel_write_etc: like ChannelWrite, with each
// handle moved or duplicated as its disposition says; each entry's Result
// is set and the first failure is returned.
func ChannelWriteEtc(p *Process, h Handle, options uint32, data []byte, disp []HandleDisposition) Status {
	if options&^ChannelWriteUseIovec != 0 {
		consumeMoves(p, disp)
		return ErrInvalidArgs
	}
	ch, st := lookupAs[*Channel](p, h, ObjTypeChannel, RightWrite)
	if st != OK {
		consumeMoves(p, disp)
		return st
	}
	defer ch.Release()
	m, st := buildMessageEtc(p, ch, data, disp)
	if st != OK {
		return st
	}
	return ch.deliver(m)
}

// ChannelRead is zx_channel_read (needs ZX_RIGHT_READ): it reads the first
// message into bytes and handles, returning its sizes. If either buffer is
// too small it returns the required sizes with ZX_ERR_BUFFER_TOO_SMALL and
// keeps the message, unless options has ChannelReadMayDiscard. Errors:
// BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED, NOT_SUPPORTED (options),
// SHOULD_WAIT (empty), PEER_CLOSED (empty and peer gone), NO_RESOURCES (no
// room in the handle table; the message is kept).
func ChannelRead(p *Process, h Handle, options uint32, bytes []byte, handles []Handle) (uint32, uint32, Status) {
	return channelRead(p, h, options, bytes, handles, nil, len(handles))
}

// ChannelReadEtc is zx_channel_read_etc: ChannelRead returning each
// handle's type and rights too.
func ChannelReadEtc(p *Process, h Handle, options uint32, bytes []byte, handles []HandleInfo) (uint32, uint32, Status) {
	return channelRead(p, h, options, bytes, nil, handles, len(handles))
}

func channelRead(p *Process, h Handle, options uint32, bytes []byte, hv []Handle, hi []HandleInfo, nh int) (uint32, uint32, Status) {
	ch, st := lookupAs[*Channel](p, h, ObjTypeChannel, RightRead)
	if st != OK {
		return 0, 0, st
	}
	defer ch.Release()
	if options&^ChannelReadMayDiscard != 0 {
		return 0, 0, ErrNotSupported
	}
	t := p.table
	t.mu.Lock()
	ch.mu.Lock()
	if ch.msgs.len() == 0 {
		st := ErrShouldWait
		if ch.peer == nil {
			st = ErrPeerClosed
		}
		ch.mu.Unlock()
		t.mu.Unlock()
		return 0, 0, st
	}
	m := ch.msgs.front()
	ab, ah := uint32(len(m.data)), uint32(len(m.handles))
	tooSmall := len(bytes) < len(m.data) || nh < len(m.handles)
	if tooSmall && options&ChannelReadMayDiscard == 0 {
		ch.mu.Unlock()
		t.mu.Unlock()
		return ab, ah, ErrBufferTooSmall
	}
	if !tooSmall && !t.roomLocked(len(m.handles)) {
		ch.mu.Unlock()
		t.mu.Unlock()
		return ab, ah, ErrNoResources
	}
	ch.msgs.pop()
	if ch.msgs.len() == 0 {
		ch.UpdateStateLocked(ChannelReadable, 0)
	}
	ch.mu.Unlock()
	if tooSmall {
		t.mu.Unlock()
		m.destroy()
		return ab, ah, ErrBufferTooSmall
	}
	receiveLocked(t, m, bytes, hv, hi)
	t.mu.Unlock()
	m.recycle()
	return ab, ah, OK
}

// receiveLocked copies m's bytes out and installs its handles in t (room
// was checked); t.mu must be held.
func receiveLocked(t *HandleTable, m *message, bytes []byte, hv []Handle, hi []HandleInfo) {
	copy(bytes, m.data)
	for i, e := range m.handles {
		v, _ := t.addLocked(e)
		if hv != nil {
			hv[i] = v
		} else {
			hi[i] = HandleInfo{Handle: v, Type: e.obj.Type(), Rights: e.rights}
		}
		m.handles[i] = nil
	}
}

// ChannelCallArgs holds the buffers of a channel_call. For ChannelCall,
// WrHandles and RdHandles are used; for ChannelCallEtc, WrDispositions and
// RdHandleInfos.
type ChannelCallArgs struct {
	WrBytes        []byte
	WrHandles      []Handle
	WrDispositions []HandleDisposition
	RdBytes        []byte
	RdHandles      []Handle
	RdHandleInfos  []HandleInfo
	// Killed, when closed, ends the wait for the reply with
	// ZX_ERR_INTERNAL_INTR_KILLED: the calling thread is to end (nil:
	// never).
	Killed <-chan struct{}
}

// ChannelCall is zx_channel_call (needs ZX_RIGHT_READ and ZX_RIGHT_WRITE):
// it writes a message whose first four bytes the kernel replaces with a
// fresh txid in [0x80000000, 0xFFFFFFFF], then waits until the deadline for
// the reply with that txid, which bypasses the endpoint's queue. Errors as
// ChannelWrite, plus INVALID_ARGS (fewer than 4 bytes, options != 0),
// TIMED_OUT, CANCELED (the endpoint's handles were closed), PEER_CLOSED and
// BUFFER_TOO_SMALL (the reply is discarded; sizes are returned).
func ChannelCall(p *Process, h Handle, options uint32, deadline Time, args *ChannelCallArgs) (uint32, uint32, Status) {
	return channelCall(p, h, options, deadline, args, false)
}

// ChannelCallEtc is zx_channel_call_etc: ChannelCall with handle
// dispositions for the request and handle infos for the reply.
func ChannelCallEtc(p *Process, h Handle, options uint32, deadline Time, args *ChannelCallArgs) (uint32, uint32, Status) {
	return channelCall(p, h, options, deadline, args, true)
}

func channelCall(p *Process, h Handle, options uint32, deadline Time, args *ChannelCallArgs, etc bool) (uint32, uint32, Status) {
	consume := func() {
		if etc {
			consumeMoves(p, args.WrDispositions)
		} else {
			consumeHandles(p, args.WrHandles)
		}
	}
	if options != 0 {
		consume()
		return 0, 0, ErrInvalidArgs
	}
	ch, st := lookupAs[*Channel](p, h, ObjTypeChannel, RightRead|RightWrite)
	if st != OK {
		consume()
		return 0, 0, st
	}
	defer ch.Release()
	// The request must hold a transaction id; Zircon checks that after
	// the handle.
	if len(args.WrBytes) < 4 {
		consume()
		return 0, 0, ErrInvalidArgs
	}
	var m *message
	if etc {
		m, st = buildMessageEtc(p, ch, args.WrBytes, args.WrDispositions)
	} else {
		m, st = buildMessage(p, ch, args.WrBytes, args.WrHandles)
	}
	if st != OK {
		return 0, 0, st
	}

	w := &callWaiter{ch: make(chan struct{}, 1)}
	ch.mu.Lock()
	w.txid = ch.allocTxidLocked()
	binary.LittleEndian.PutUint32(m.data, w.txid)
	ch.waiters = append(ch.waiters, w)
	if st := ch.deliverLocked(m); st != OK {
		ch.waiters = ch.waiters[:len(ch.waiters)-1]
		ch.mu.Unlock()
		m.destroy()
		return 0, 0, st
	}
	ch.mu.Unlock()

	if deadline != TimeInfinite {
		tm := CurrentClock().AfterFunc(deadline, w.wake)
		defer tm.Stop()
	}
	ended := ErrTimedOut
	select {
	case <-w.ch:
	case <-args.Killed:
		ended = ErrInternalIntrKilled
	}
	ch.mu.Lock()
	if !w.done {
		for i, x := range ch.waiters {
			if x == w {
				ch.waiters = append(ch.waiters[:i], ch.waiters[i+1:]...)
				break
			}
		}
		w.done, w.status = true, ended
	}
	ch.mu.Unlock()
	if w.status != OK {
		return 0, 0, w.status
	}
	r := w.reply
	nh := len(args.RdHandles)
	if etc {
		nh = len(args.RdHandleInfos)
	}
	ab, ah := uint32(len(r.data)), uint32(len(r.handles))
	if len(args.RdBytes) < len(r.data) || nh < len(r.handles) {
		r.destroy()
		return ab, ah, ErrBufferTooSmall
	}
	t := p.table
	t.mu.Lock()
	if !t.roomLocked(len(r.handles)) {
		t.mu.Unlock()
		r.destroy()
		return ab, ah, ErrNoResources
	}
	if etc {
		receiveLocked(t, r, args.RdBytes, nil, args.RdHandleInfos)
	} else {
		receiveLocked(t, r, args.RdBytes, args.RdHandles, nil)
	}
	t.mu.Unlock()
	r.recycle()
	return ab, ah, OK
}

// allocTxidLocked returns a kernel txid not used by any call pending on c;
// c.mu must be held.
func (c *Channel) allocTxidLocked() uint32 {
	for {
		tx := 0x80000000 | c.nextTx
		c.nextTx = (c.nextTx + 1) & 0x7fffffff
		used := false
		for _, w := range c.waiters {
			if w.txid == tx {
				used = true
				break
			}
		}
		if !used {
			return tx
		}
	}
}
