package kos

import (
	"sync"
	"sync/atomic"

	"beryl/kernel/object"
)

// Server is the server side of one IPC channel or, as a listener, of
// several: Recv takes calls from every client connected to it. Its state
// and that of its clients' pending calls are guarded by mu.
type Server struct {
	object.Base
	listener bool
	// serving is the security class of the process serving s: the
	// creator's (for ConnectEx, the server process's) until a Recv, then
	// the class of the last process that called Recv on it. It is the
	// object of the policy's early call check; the check at delivery uses
	// the receiving process itself.
	serving atomic.Pointer[string]

	mu       sync.Mutex
	queue    []*pendingCall          // calls not yet received
	active   map[uint64]*pendingCall // received, awaiting Reply
	changed  chan struct{}           // closed and replaced on every change
	clients  int                     // live clients connected
	nextCall uint64
	dead     bool // no handles left: calls fail with PEER_CLOSED
}

func newServer(p *object.Process, listener bool) *Server {
	s := &Server{listener: listener, active: map[uint64]*pendingCall{}, changed: make(chan struct{})}
	class := p.Class()
	s.serving.Store(&class)
	s.Base.Init(s, ObjTypeServer, nil, false, 0)
	return s
}

// servingClass returns the class of the process serving s.
func (s *Server) servingClass() string { return *s.serving.Load() }

// served records that a process of class is receiving on s (allocating
// only when the class changes).
func (s *Server) served(class string) {
	if *s.serving.Load() != class {
		s.serving.Store(&class)
	}
}

// Listener reports whether s is a listener.
func (s *Server) Listener() bool { return s.listener }

// Clients returns the number of live clients connected to s.
func (s *Server) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clients
}

// Pending returns the numbers of calls queued and received (awaiting a
// reply) at s.
func (s *Server) Pending() (queued, active int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue), len(s.active)
}

// notifyLocked wakes every Recv waiting on s; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// OnZeroHandles ends every pending call with ZX_ERR_PEER_CLOSED (the
// server is gone) and returns the handles of the requests never received.
func (s *Server) OnZeroHandles() []*object.HandleEntry {
	var orphans []*object.HandleEntry
	s.mu.Lock()
	s.dead = true
	for _, pc := range s.queue {
		orphans = append(orphans, pc.req.handles...)
		pc.req.handles = nil
		pc.finishLocked(object.ErrPeerClosed)
	}
	s.queue = nil
	for id, pc := range s.active {
		pc.finishLocked(object.ErrPeerClosed)
		delete(s.active, id)
	}
	s.notifyLocked()
	s.mu.Unlock()
	return orphans
}

// ListenerCreate creates a listener alone: a server handle with
// DefaultListenerRights that clients are connected to by HandleConnect.
// options must be 0. Errors: INVALID_ARGS, NO_RESOURCES.
func ListenerCreate(p *object.Process, options uint32) (object.Handle, object.Status) {
	if options != 0 {
		return object.HandleInvalid, object.ErrInvalidArgs
	}
	return p.Install(newServer(p, true), DefaultListenerRights)
}
