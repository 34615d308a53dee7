package kos

import (
	"beryl/kernel/object"
)

// pendingCall is one Call between its send and its end; guarded by the
// server's mu.
type pendingCall struct {
	id       uint64
	client   *Client
	caller   *object.Process
	req      *message
	rd       *CallArgs // the caller's reply buffers, filled by Reply
	sizes    Sizes     // of the reply Reply delivered (or could not)
	status   object.Status
	done     bool
	received bool
	// delivering: a Reply is installing the reply in the caller; the
	// call ends when it is done (the caller's deadline no longer applies).
	delivering bool
	wake       chan struct{} // buffered: one wake-up
}

// finishLocked ends the call with st and wakes the caller; the server's
// mu must be held.
func (pc *pendingCall) finishLocked(st object.Status) {
	if pc.done {
		return
	}
	pc.done, pc.status = true, st
	pc.wake <- struct{}{}
}

// CallArgs are the buffers of a Call: the request (Endpoint, Method,
// Fixed, Arena, Handles) and the room for the reply (RdFixed, RdArena,
// RdHandles).
type CallArgs struct {
	Endpoint  uint32
	Method    uint32
	Fixed     []byte
	Arena     []byte
	Handles   []HandleDesc
	RdFixed   []byte
	RdArena   []byte
	RdHandles []RecvHandle
}

// Sizes are the sizes of a delivered (or undeliverable) message.
type Sizes struct {
	Fixed, Arena, Handles uint32
}

func sizesOf(m *message) Sizes {
	return Sizes{uint32(len(m.fixed)), uint32(len(m.arena)), uint32(len(m.handles))}
}

func (s Sizes) fits(fixed, arena []byte, handles int) bool {
	return int(s.Fixed) <= len(fixed) && int(s.Arena) <= len(arena) && int(s.Handles) <= handles
}

// timeout returns a channel closed at deadline (nil for TimeInfinite) and
// a stop function.
func timeout(deadline object.Time) (<-chan struct{}, func()) {
	if deadline == object.TimeInfinite {
		return nil, func() {}
	}
	ch := make(chan struct{})
	if deadline <= object.Now() {
		close(ch)
		return ch, func() {}
	}
	tm := object.CurrentClock().AfterFunc(deadline, func() { close(ch) })
	return ch, func() { tm.Stop() }
}

// resolveCallTarget resolves a client or callable handle to its server and
// the endpoint the call carries; it returns the object to release.
func resolveCallTarget(p *object.Process, h object.Handle, endpoint uint32) (object.Object, *Server, *Client, uint32, object.Status) {
	obj, _, st := p.Lookup(h, object.ObjTypeNone, object.RightNone)
	if st != object.OK {
		return nil, nil, nil, 0, st
	}
	switch o := obj.(type) {
	case *Client:
		release(obj)
		obj, st = lookup(p, h, ObjTypeClient, object.RightWrite)
		if st != object.OK {
			return nil, nil, nil, 0, st
		}
		return obj, o.server, o, endpoint, object.OK
	case *UserObject:
		if o.server != nil {
			return obj, o.server, nil, o.endpoint, object.OK
		}
	}
	release(obj)
	return nil, nil, nil, 0, object.ErrWrongType
}

// Call sends a request through h — a client handle (needs ZX_RIGHT_WRITE)
// or a callable handle (which fixes the endpoint; args.Endpoint is
// ignored) — and blocks until the reply, an error or the deadline. The
// request passes the policy's call check (subject: p's class, object: the
// class of the process serving the server: its creator until a Recv, then
// the last receiver) before it is queued, and again at delivery against
// the receiving process (a denial there ends the call with
// ErrPolicyDenied). Handles are transferred as
// descendants (the caller keeps its own). On success the reply is in the
// Rd buffers and its sizes are returned. Errors: BAD_HANDLE,
// HANDLE_REVOKED, WRONG_TYPE (not a client or callable), ACCESS_DENIED,
// OUT_OF_RANGE (request too big), handle errors of the request (see
// HandleDesc), ErrPolicyDenied (call, recv or reply check),
// PEER_CLOSED (server gone, or gone before replying), CANCELED (the
// client's handles were closed), TIMED_OUT, BUFFER_TOO_SMALL (the reply
// is discarded, its sizes returned), NO_RESOURCES (no room for the reply's
// handles; the reply is discarded).
func Call(p *object.Process, h object.Handle, deadline object.Time, args *CallArgs) (Sizes, object.Status) {
	ref, s, c, ep, st := resolveCallTarget(p, h, args.Endpoint)
	if st != object.OK {
		return Sizes{}, st
	}
	defer release(ref)
	if c != nil && s == nil {
		return securityCall(p, args)
	}
	var self object.Object = ref
	if c != nil {
		self = c
	}
	if !checkPolicy(KindCall, p.Class(), s.servingClass(), ep, args.Method) {
		return Sizes{}, ErrPolicyDenied
	}
	req, st := buildMessage(p, self, ep, args.Method, args.Fixed, args.Arena, args.Handles)
	if st != object.OK {
		return Sizes{}, st
	}
	pc := &pendingCall{client: c, caller: p, req: req, rd: args, wake: make(chan struct{}, 1)}
	s.mu.Lock()
	if s.dead || (c != nil && c.dead) {
		st := object.ErrPeerClosed
		if c != nil && c.dead {
			st = object.ErrCanceled
		}
		s.mu.Unlock()
		req.destroy()
		return Sizes{}, st
	}
	s.queue = append(s.queue, pc)
	s.notifyLocked()
	s.mu.Unlock()

	expired, stop := timeout(deadline)
	select {
	case <-pc.wake:
	case <-expired:
	}
	stop()
	var orphan *message
	s.mu.Lock()
	if !pc.done && pc.delivering {
		// A Reply is installing the reply: it ends the call shortly.
		s.mu.Unlock()
		<-pc.wake
		s.mu.Lock()
	}
	if !pc.done {
		if !pc.received {
			s.removeQueuedLocked(pc)
			orphan = pc.req
		}
		pc.finishLocked(object.ErrTimedOut)
	}
	s.mu.Unlock()
	if orphan != nil {
		orphan.destroy()
	}
	// A delivered reply is already in args (and its handles in p's
	// table): Reply put it there.
	return pc.sizes, pc.status
}

// deliverReply receives reply r into the caller's buffers and table and
// returns its sizes and the status the caller gets: OK, BUFFER_TOO_SMALL
// or a receive failure (NO_RESOURCES, BAD_STATE; r is then discarded).
func deliverReply(p *object.Process, r *message, args *CallArgs) (Sizes, object.Status) {
	sz := sizesOf(r)
	if !sz.fits(args.RdFixed, args.RdArena, len(args.RdHandles)) {
		r.destroy()
		return sz, object.ErrBufferTooSmall
	}
	if st := receive(p, r, args.RdHandles); st != object.OK {
		r.destroy()
		return sz, st
	}
	copy(args.RdFixed, r.fixed)
	copy(args.RdArena, r.arena)
	return sz, object.OK
}

// endLostLocked ends pc, a call taken out of the queue by a Recv, if it
// was lost meanwhile (caller gone, client closed, server gone), reporting
// whether it has ended; s.mu must be held.
func (s *Server) endLostLocked(pc *pendingCall) bool {
	switch {
	case pc.done:
	case s.dead:
		pc.finishLocked(object.ErrPeerClosed)
	case pc.client != nil && pc.client.dead:
		pc.finishLocked(object.ErrCanceled)
	default:
		return false
	}
	return true
}

// removeQueuedLocked takes pc out of the queue; s.mu must be held.
func (s *Server) removeQueuedLocked(pc *pendingCall) {
	for i, x := range s.queue {
		if x == pc {
			copy(s.queue[i:], s.queue[i+1:])
			s.queue[len(s.queue)-1] = nil
			s.queue = s.queue[:len(s.queue)-1]
			return
		}
	}
}

// RecvArgs are the buffers of a Recv.
type RecvArgs struct {
	Fixed   []byte
	Arena   []byte
	Handles []RecvHandle
}

// RecvInfo describes a received request.
type RecvInfo struct {
	// CallID names the call for Reply.
	CallID   uint64
	Endpoint uint32
	Method   uint32
	Sizes    Sizes
	// Client is the koid of the client object (the channel) the call came
	// through, 0 for a callable handle; Caller the koid of the calling
	// process.
	Client object.Koid
	Caller object.Koid
}

// Recv receives the oldest request queued at server handle h (needs
// ZX_RIGHT_READ), blocking until one arrives or the deadline passes. Each
// request passes the policy's recv check (subject: p's class, object: the
// caller's class) before delivery; a denied request ends its Call with
// ErrPolicyDenied and Recv goes on with the next. If the buffers are too
// small, BUFFER_TOO_SMALL returns the sizes and the request stays queued.
// A request whose call ended while it was being delivered (caller timed
// out, client or server closed) is returned with CallID 0: there is
// nothing to reply to. Errors: BAD_HANDLE, HANDLE_REVOKED, WRONG_TYPE,
// ACCESS_DENIED, INVALID_ARGS (options != 0), TIMED_OUT, CANCELED (the
// server's handles were closed while waiting), PEER_CLOSED (a plain
// server whose clients are all gone, nothing queued), BUFFER_TOO_SMALL,
// NO_RESOURCES (no room for the request's handles; it stays queued).
func Recv(p *object.Process, h object.Handle, options uint32, deadline object.Time, args *RecvArgs) (RecvInfo, object.Status) {
	obj, st := lookup(p, h, ObjTypeServer, object.RightRead)
	if st != object.OK {
		return RecvInfo{}, st
	}
	defer release(obj)
	if options != 0 {
		return RecvInfo{}, object.ErrInvalidArgs
	}
	s := obj.(*Server)
	class := p.Class()
	s.served(class)
	var expired <-chan struct{}
	stop := func() {}
	defer func() { stop() }()
	for {
		s.mu.Lock()
		for len(s.queue) > 0 {
			pc := s.queue[0]
			// The call is checked again against the process that
			// actually serves it (the early check in Call saw the class
			// of the last receiver), then the delivery.
			if checkPolicy(KindCall, pc.caller.Class(), class, pc.req.endpoint, pc.req.method) &&
				checkPolicy(KindRecv, class, pc.caller.Class(), pc.req.endpoint, pc.req.method) {
				break
			}
			s.removeQueuedLocked(pc)
			pc.finishLocked(ErrPolicyDenied)
			s.mu.Unlock()
			pc.req.destroy()
			s.mu.Lock()
		}
		if len(s.queue) > 0 {
			pc := s.queue[0]
			sz := sizesOf(pc.req)
			if !sz.fits(args.Fixed, args.Arena, len(args.Handles)) {
				s.mu.Unlock()
				return RecvInfo{Sizes: sz}, object.ErrBufferTooSmall
			}
			// Take it out while its handles are installed (outside
			// s.mu); it goes back to the front if that fails.
			s.removeQueuedLocked(pc)
			pc.received = true
			s.mu.Unlock()
			if st := receive(p, pc.req, args.Handles); st != object.OK {
				s.mu.Lock()
				pc.received = false
				if s.endLostLocked(pc) {
					s.mu.Unlock()
					pc.req.destroy()
				} else {
					s.queue = append([]*pendingCall{pc}, s.queue...)
					s.mu.Unlock()
				}
				return RecvInfo{Sizes: sz}, st
			}
			copy(args.Fixed, pc.req.fixed)
			copy(args.Arena, pc.req.arena)
			info := RecvInfo{Endpoint: pc.req.endpoint, Method: pc.req.method, Sizes: sz, Caller: pc.caller.Koid()}
			if pc.client != nil {
				info.Client = pc.client.Koid()
			}
			s.mu.Lock()
			if s.endLostLocked(pc) {
				// Ended while the handles were installed: nothing to
				// reply to (CallID 0).
				s.mu.Unlock()
				return info, object.OK
			}
			s.nextCall++
			pc.id = s.nextCall
			s.active[pc.id] = pc
			s.mu.Unlock()
			info.CallID = pc.id
			return info, object.OK
		}
		if s.dead {
			// The handle was closed while waiting.
			s.mu.Unlock()
			return RecvInfo{}, object.ErrCanceled
		}
		if !s.listener && s.clients == 0 {
			s.mu.Unlock()
			return RecvInfo{}, object.ErrPeerClosed
		}
		changed := s.changed
		s.mu.Unlock()
		if expired == nil {
			expired, stop = timeout(deadline)
		}
		select {
		case <-changed:
		case <-expired:
			return RecvInfo{}, object.ErrTimedOut
		}
	}
}

// ReplyArgs is the reply a server sends.
type ReplyArgs struct {
	Fixed   []byte
	Arena   []byte
	Handles []HandleDesc
}

// Reply completes call id received on server handle h (needs
// ZX_RIGHT_WRITE): the reply passes the policy's reply check (subject: p's
// class, object: the caller's class) and is delivered into the waiting
// caller — its handles installed in the caller's table, its bytes copied
// into the caller's buffers — before the caller wakes and before Reply
// returns (a rendezvous, as KasperskyOS's Reply, without a second context
// switch): OK when the caller has the reply, otherwise the status the
// caller's Call returns — BUFFER_TOO_SMALL (its buffers are too small),
// NO_RESOURCES (no room for the reply's handles), BAD_STATE (the caller's
// process is dying); the reply is then discarded. Once delivery has
// begun the caller's deadline no longer applies. A denied
// reply ends the call with ErrPolicyDenied on both sides. Errors:
// BAD_HANDLE, HANDLE_REVOKED, WRONG_TYPE, ACCESS_DENIED, NOT_FOUND (no
// such call awaiting a reply), handle errors of the reply (the call stays
// open), OUT_OF_RANGE, ErrPolicyDenied, CANCELED (the caller gave up:
// timed out, closed its client handle or died), and the caller's statuses
// above.
func Reply(p *object.Process, h object.Handle, id uint64, args *ReplyArgs) object.Status {
	obj, st := lookup(p, h, ObjTypeServer, object.RightWrite)
	if st != object.OK {
		return st
	}
	defer release(obj)
	s := obj.(*Server)
	s.mu.Lock()
	pc := s.active[id]
	s.mu.Unlock()
	if pc == nil {
		return object.ErrNotFound
	}
	if !checkPolicy(KindReply, p.Class(), pc.caller.Class(), pc.req.endpoint, pc.req.method) {
		s.mu.Lock()
		delete(s.active, id)
		pc.finishLocked(ErrPolicyDenied)
		s.mu.Unlock()
		return ErrPolicyDenied
	}
	r, st := buildMessage(p, obj, pc.req.endpoint, pc.req.method, args.Fixed, args.Arena, args.Handles)
	if st != object.OK {
		return st
	}
	s.mu.Lock()
	if s.active[id] != pc {
		s.mu.Unlock()
		r.destroy()
		return object.ErrNotFound
	}
	delete(s.active, id)
	if pc.done {
		s.mu.Unlock()
		r.destroy()
		return object.ErrCanceled
	}
	// Rendezvous (KasperskyOS's Reply): the reply is installed in the
	// caller — its buffers and handle table — here, before the caller
	// wakes and before Reply returns; the caller's deadline no longer
	// applies (its Call waits for this). pc has left s.active, so nothing
	// else ends it meanwhile.
	pc.delivering = true
	s.mu.Unlock()
	sz, st := deliverReply(pc.caller, r, pc.rd)
	s.mu.Lock()
	pc.sizes = sz
	pc.finishLocked(st)
	s.mu.Unlock()
	return st
}
