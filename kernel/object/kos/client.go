package kos

import "beryl/kernel/object"

// Client is the client side of an IPC channel: Call sends to its server.
type Client struct {
	object.Base
	server *Server // holds a reference; nil: the security module (security.go)
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
	if s == nil {
		return nil
	}
	var orphans []*object.HandleEntry
	s.mu.Lock()
	c.dead = true
	j := 0
	for _, pc := range s.queue {
		if pc.client == c {
			orphans = append(orphans, pc.req.handles...)
			pc.req.handles = nil
			pc.finishLocked(object.ErrCanceled)
			continue
		}
		s.queue[j] = pc
		j++
	}
	clear(s.queue[j:])
	s.queue = s.queue[:j]
	for _, pc := range s.active {
		if pc.client == c {
			pc.finishLocked(object.ErrCanceled)
		}
	}
	s.clients--
	s.notifyLocked()
	s.mu.Unlock()
	return orphans
}

// OnDestroy drops the client's reference to its server.
func (c *Client) OnDestroy() {
	if c.server != nil {
		c.server.Release()
	}
}

// HandleConnect connects a new client IPC handle (KnHandleConnect) and
// returns the client, server and listener handles, installed together
// (all or none). With listener == HandleInvalid it creates a new server
// that is also the listener: the server and listener outputs are the same
// handle, with DefaultListenerRights, so more clients can be connected to
// it later; Recv on it reports PEER_CLOSED once every client is gone and
// nothing is queued (a ListenerCreate listener never does). With a
// listener (needs RightListen) the new client is connected to it and the
// server output is a new handle to the same server, distinct from the
// listener (DefaultServerRights, no RightListen), that receives over
// every channel of the listener; the listener output is listener itself.
// options must be 0. Errors: INVALID_ARGS, BAD_HANDLE, HANDLE_REVOKED,
// WRONG_TYPE, ACCESS_DENIED (no RightListen), PEER_CLOSED (the listener
// is gone), NO_RESOURCES (fewer than two free slots; nothing is left).
func HandleConnect(p *object.Process, listener object.Handle, options uint32) (client, server, listenerOut object.Handle, st object.Status) {
	inv := object.HandleInvalid
	if options != 0 {
		return inv, inv, inv, object.ErrInvalidArgs
	}
	var s *Server
	if listener != inv {
		obj, st := lookup(p, listener, ObjTypeServer, RightListen)
		if st != object.OK {
			return inv, inv, inv, st
		}
		s = obj.(*Server)
		defer s.Release()
	}
	es, st := connectEntries(s, p)
	if st != object.OK {
		return inv, inv, inv, st
	}
	var vs [2]object.Handle
	if st := p.Table().AddAll(es[:], vs[:]); st != object.OK {
		releaseEntries(es[:])
		return inv, inv, inv, st
	}
	if s == nil {
		return vs[0], vs[1], vs[1], object.OK
	}
	return vs[0], vs[1], listener, object.OK
}

// connectEntries connects a new client to s (which must stay referenced),
// or with s == nil to a new server of creator's class, and returns the
// client's and the server's handle in transit: the new server's with
// DefaultListenerRights, a new one to s with DefaultServerRights. Errors:
// PEER_CLOSED (s is gone).
func connectEntries(s *Server, creator *object.Process) ([2]*object.HandleEntry, object.Status) {
	srvRights := DefaultServerRights
	if s == nil {
		s = newServer(creator, false)
		defer s.Release()
		srvRights = DefaultListenerRights
	}
	s.mu.Lock()
	if s.dead {
		s.mu.Unlock()
		return [2]*object.HandleEntry{}, object.ErrPeerClosed
	}
	c := newClientLocked(s)
	s.mu.Unlock()
	ce := object.NewKernelHandle(c, DefaultClientRights)
	c.Release()
	return [2]*object.HandleEntry{ce, object.NewKernelHandle(s, srvRights)}, object.OK
}

// releaseEntries closes handles in transit, clients first (so a server
// closed with them ends no call of a live client).
func releaseEntries(es []*object.HandleEntry) {
	for _, e := range es {
		if e != nil {
			object.ReleaseHandle(e)
		}
	}
}

// HandleConnectEx is KnHandleConnectEx: p, holding handles to two other
// processes (ZX_RIGHT_MANAGE_PROCESS on each; they may be the same
// process, or p itself), connects a new client in clientProc's handle
// table to a server in serverProc's, for example to wire a client to its
// server before either starts. listener is a handle value in
// serverProc's table (as an earlier HandleConnectEx returned it), or
// HandleInvalid for a new listener; the outputs are as for HandleConnect,
// as values in the target processes' tables (client in clientProc's,
// server and listener in serverProc's). The connection passes the
// policy's connect check (subject: clientProc's class, object:
// serverProc's; endpoint and method 0). All or nothing: the server side
// is installed first and taken back if the client side does not fit, so
// a failure leaves no handle and no channel behind. options must be 0.
// Errors, in order: INVALID_ARGS (options), BAD_HANDLE, HANDLE_REVOKED,
// WRONG_TYPE, ACCESS_DENIED (a process handle without MANAGE_PROCESS;
// the client's first), then for listener in serverProc's table
// BAD_HANDLE, HANDLE_REVOKED, WRONG_TYPE, ACCESS_DENIED (no
// RightListen), ErrPolicyDenied, PEER_CLOSED (the listener is gone),
// BAD_STATE (a target process is dead), NO_RESOURCES (a target table is
// full).
func HandleConnectEx(p *object.Process, clientProc, serverProc, listener object.Handle, options uint32) (client, server, listenerOut object.Handle, st object.Status) {
	inv := object.HandleInvalid
	if options != 0 {
		return inv, inv, inv, object.ErrInvalidArgs
	}
	cobj, st := lookup(p, clientProc, object.ObjTypeProcess, object.RightManageProcess)
	if st != object.OK {
		return inv, inv, inv, st
	}
	defer release(cobj)
	sobj, st := lookup(p, serverProc, object.ObjTypeProcess, object.RightManageProcess)
	if st != object.OK {
		return inv, inv, inv, st
	}
	defer release(sobj)
	cp, sp := cobj.(*object.Process), sobj.(*object.Process)
	var s *Server
	if listener != inv {
		obj, st := lookup(sp, listener, ObjTypeServer, RightListen)
		if st != object.OK {
			return inv, inv, inv, st
		}
		s = obj.(*Server)
		defer s.Release()
	}
	if !checkPolicy(KindConnect, cp.Class(), sp.Class(), 0, 0) {
		return inv, inv, inv, ErrPolicyDenied
	}
	es, st := connectEntries(s, sp)
	if st != object.OK {
		return inv, inv, inv, st
	}
	var sv, cv [1]object.Handle
	if st := sp.Table().AddAll(es[1:], sv[:]); st != object.OK {
		releaseEntries(es[:])
		return inv, inv, inv, st
	}
	if st := cp.Table().AddAll(es[:1], cv[:]); st != object.OK {
		back := sp.Table().TakeBack(es[1:], sv[:])
		releaseEntries([]*object.HandleEntry{es[0], back[0]})
		return inv, inv, inv, st
	}
	if s == nil {
		return cv[0], sv[0], sv[0], object.OK
	}
	return cv[0], sv[0], listener, object.OK
}
