package kos

import "beryl/kernel/object"

// Client is the client side of an IPC channel: Call sends to its server.
type Client struct {
	object.Base
	server *Server // holds a reference
	dead   bool    // no handles left; guarded by server.mu
}

// newClientLocked connects a new client to s; s.mu must be held and s not
// dead.
func newClientLocked(s *Server) *Client {
	c := &Client{server: s}
	c.Base.Init(c, ObjTypeClient, nil, false, 0)
	s.AddRef()
	s.clients++
	s.notifyLocked()
	return c
}

// OnZeroHandles disconnects the client: its calls end with
// ZX_ERR_CANCELED (a Reply to one that was received fails with
// ZX_ERR_CANCELED), requests not yet received are dropped, and a plain
// server left without clients reports ZX_ERR_PEER_CLOSED to Recv.
func (c *Client) OnZeroHandles() []*object.HandleEntry {
	s := c.server
	var orphans []*object.HandleEntry
	s.mu.Lock()
	c.dead = true
	j := 0
	for _, pc := range s.queue {
		if pc.client == c {
			orphans = append(orphans, pc.req.handles...)
			pc.req.handles = nil
			pc.finishLocked(object.ErrCanceled, nil)
			continue
		}
		s.queue[j] = pc
		j++
	}
	clear(s.queue[j:])
	s.queue = s.queue[:j]
	for _, pc := range s.active {
		if pc.client == c {
			pc.finishLocked(object.ErrCanceled, nil)
		}
	}
	s.clients--
	s.notifyLocked()
	s.mu.Unlock()
	return orphans
}

// OnDestroy drops the client's reference to its server.
func (c *Client) OnDestroy() { c.server.Release() }

// HandleConnect creates a connected client IPC handle (KnHandleConnect).
// With listener == HandleInvalid it creates a new plain server too and
// returns both handles; otherwise the client is connected to that listener
// (which needs RightListen) and the server handle returned is
// HandleInvalid. options must be 0. Errors: INVALID_ARGS, BAD_HANDLE,
// HANDLE_REVOKED, WRONG_TYPE, ACCESS_DENIED (no RightListen),
// PEER_CLOSED (the listener is gone), NO_RESOURCES.
func HandleConnect(p *object.Process, listener object.Handle, options uint32) (object.Handle, object.Handle, object.Status) {
	if options != 0 {
		return object.HandleInvalid, object.HandleInvalid, object.ErrInvalidArgs
	}
	if listener != object.HandleInvalid {
		obj, st := lookup(p, listener, ObjTypeServer, RightListen)
		if st != object.OK {
			return object.HandleInvalid, object.HandleInvalid, st
		}
		s := obj.(*Server)
		defer s.Release()
		s.mu.Lock()
		if s.dead {
			s.mu.Unlock()
			return object.HandleInvalid, object.HandleInvalid, object.ErrPeerClosed
		}
		c := newClientLocked(s)
		s.mu.Unlock()
		ch, st := p.Install(c, DefaultClientRights)
		return ch, object.HandleInvalid, st
	}
	s := newServer(p, false)
	s.mu.Lock()
	c := newClientLocked(s)
	s.mu.Unlock()
	// Both or neither: install the server first; if the client does not
	// fit, closing the server handle undoes it.
	sh, st := p.Install(s, DefaultServerRights)
	if st != object.OK {
		object.ReleaseHandle(object.NewKernelHandle(c, 0))
		c.Release()
		return object.HandleInvalid, object.HandleInvalid, st
	}
	ch, st := p.Install(c, DefaultClientRights)
	if st != object.OK {
		object.HandleClose(p, sh)
		return object.HandleInvalid, object.HandleInvalid, st
	}
	return ch, sh, object.OK
}
