package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"beryl/userspace/zx"
)

// resource is one key: a user object whose context is the resource's
// index; clients hold descendants of the provider's handle.
type resource struct {
	key   string
	obj   zx.UserObject
	value []byte
}

// peer is a client.
type peer struct {
	id    clientID
	badge zx.Badge
	bound bool // it said hello
}

type server struct {
	listener  zx.Listener
	port      zx.Port
	peers     map[zx.Koid]*peer       // by the koid of the client IPC object
	byID      map[clientID]*peer      //
	resources map[string]*resource    // by key
	byHandle  map[zx.Handle]*resource // by the provider's handle

	mu     sync.Mutex
	closed map[clientID]bool // badges whose last handle went
	change chan struct{}

	// Deferred calls (call ids; 0: none).
	barrier    []uint64 // the clients at the end of phase 1
	phase1ID   uint64   // the admin's wait for them
	shutdownID uint64   // the admin's shutdown, answered once both badges closed
	shutdownAt time.Time
}

// runServer is the provider (class kv.server). init started it from the
// system description with a listener every client is wired to; it serves
// until the admin's shutdown.
func runServer() int {
	l, ok := zx.KosListener()
	if !ok {
		fmt.Println("kv.server: no listener in BERYL_KOS (start it from the system description)")
		return 1
	}
	s, err := newServer(l)
	if err != nil {
		fmt.Println("kv.server:", err)
		return 1
	}
	if cls, err := zx.ProcessSelf().Class(); err == nil {
		fmt.Printf("kv.server: class %q, listening\n", cls)
	}
	for _, id := range []clientID{clientA, clientB} {
		b, err := zx.NewBadge(uint64(id), s.port.Handle, uint64(id))
		if err != nil {
			fmt.Println("kv.server: badge:", err)
			return 1
		}
		s.byID[id] = &peer{id: id, badge: b}
	}
	go s.watch()
	return s.serve()
}

func newServer(l zx.Listener) (*server, error) {
	port, err := zx.NewPort(0)
	if err != nil {
		return nil, fmt.Errorf("port: %w", err)
	}
	return &server{listener: l, port: port, peers: map[zx.Koid]*peer{}, byID: map[clientID]*peer{},
		resources: map[string]*resource{}, byHandle: map[zx.Handle]*resource{},
		closed: map[clientID]bool{}, change: make(chan struct{})}, nil
}

// hello binds the calling channel (its client koid) to client id, with
// the badge (context: the client id, notifications to the port) its
// resource handles will carry. The policy lets only the client's own
// class call its hello method.
func (s *server) hello(koid zx.Koid, id clientID) *zx.KosMsg {
	p := s.byID[id]
	if _, bound := s.peers[koid]; bound || p.bound {
		return reply(zx.ErrAlreadyBound)
	}
	p.bound = true
	s.peers[koid] = p
	fmt.Printf("kv.server: client %s said hello\n", clientNames[id])
	return reply(zx.OK)
}

// watch reports the port's kos notifications.
func (s *server) watch() {
	for {
		pk, err := s.port.Wait(zx.TimeInfinite)
		if err != nil {
			return
		}
		ctx := binary.LittleEndian.Uint64(pk.Payload[:8])
		switch pk.Type {
		case zx.PktTypeKosBadgeClosed:
			fmt.Printf("kv.server: badge of client %s: its last handle is gone\n", clientNames[clientID(ctx)])
			s.mu.Lock()
			s.closed[clientID(ctx)] = true
			close(s.change)
			s.change = make(chan struct{})
			s.mu.Unlock()
		case zx.PktTypeKosUserObjectDestroyed:
			fmt.Printf("kv.server: resource %d destroyed\n", ctx)
		}
	}
}

// serve receives and answers calls until shutdown. The barrier, the
// admin's wait for it and the shutdown are answered later (deferred
// replies), so it polls their conditions between requests.
func (s *server) serve() int {
	rd := &zx.KosRecvBuf{Fixed: make([]byte, 64), Arena: make([]byte, 4096), Handles: make([]zx.KosRecvHandle, 4)}
	for {
		if s.shutdownID != 0 && s.badgesClosed(2) {
			if err := s.listener.Reply(s.shutdownID, s.shutdown()); err != nil {
				fmt.Println("kv.server: reply:", err)
			}
			return 0
		}
		if s.phase1ID != 0 && len(s.barrier) == 2 {
			s.replyLater(&s.phase1ID, reply(zx.OK))
		}
		buf := *rd
		info, err := s.listener.Recv(zx.Now()+zx.Time(20*time.Millisecond), &buf)
		if errors.Is(err, zx.ErrTimedOut) {
			continue
		}
		if err != nil {
			fmt.Println("kv.server: recv:", err)
			return 1
		}
		buf.Fixed, buf.Arena, buf.Handles = buf.Fixed[:info.Sizes.Fixed], buf.Arena[:info.Sizes.Arena], buf.Handles[:info.Sizes.Handles]
		rep := s.handle(info, &buf)
		if rep == nil {
			continue // answered later
		}
		if err := s.listener.Reply(info.CallID, rep); err != nil {
			fmt.Println("kv.server: reply:", err)
		}
	}
}

// replyLater answers a deferred call and forgets it.
func (s *server) replyLater(id *uint64, rep *zx.KosMsg) {
	if err := s.listener.Reply(*id, rep); err != nil {
		fmt.Println("kv.server: reply:", err)
	}
	*id = 0
}

// badgesClosed reports whether n badges saw their last handle go, or
// five seconds passed since the shutdown call.
func (s *server) badgesClosed(n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.closed) >= n || time.Since(s.shutdownAt) > 5*time.Second
}

func reply(st zx.Status) *zx.KosMsg { return &zx.KosMsg{Fixed: u32(uint32(int32(st)))} }

// handle answers one request, or returns nil for a call it answers
// later.
func (s *server) handle(info zx.KosRecvInfo, m *zx.KosRecvBuf) *zx.KosMsg {
	if info.Endpoint == epAdmin {
		// Only the admin's class may call this endpoint (the policy).
		closeNew(m.Handles)
		switch {
		case info.Method == mRevoke && len(m.Fixed) == 8:
			return s.revoke(clientID(binary.LittleEndian.Uint64(m.Fixed)))
		case info.Method == mWaitPhase1 && s.phase1ID == 0:
			s.phase1ID = info.CallID
			return nil
		case info.Method == mRelease:
			for _, id := range s.barrier {
				s.replyLater(&id, reply(zx.OK))
			}
			s.barrier = nil
			return reply(zx.OK)
		case info.Method == mShutdown && s.shutdownID == 0:
			s.shutdownID, s.shutdownAt = info.CallID, time.Now()
			return nil
		}
		return reply(zx.ErrNotSupported)
	}
	switch {
	case info.Endpoint == epStore && info.Method == mHelloA:
		return s.hello(info.ClientKoid, clientA)
	case info.Endpoint == epStore && info.Method == mHelloB:
		return s.hello(info.ClientKoid, clientB)
	}
	p := s.peers[info.ClientKoid]
	if p == nil {
		closeNew(m.Handles)
		return reply(zx.ErrAccessDenied)
	}
	switch {
	case info.Endpoint == epStore && info.Method == mOpen && len(m.Fixed) == 4 && len(m.Handles) == 0:
		return s.open(p, string(m.Arena), binary.LittleEndian.Uint32(m.Fixed))
	case info.Endpoint == epStore && (info.Method == mRead || info.Method == mWrite) && len(m.Handles) == 1:
		return s.readWrite(p, info.Method, &m.Handles[0], m.Arena)
	case info.Endpoint == epStore && info.Method == mDelete && len(m.Handles) == 0:
		return s.delete(p, string(m.Arena))
	case info.Endpoint == epStore && info.Method == mBarrier:
		fmt.Printf("kv.server: client %s finished phase 1\n", clientNames[p.id])
		s.barrier = append(s.barrier, info.CallID)
		return nil
	}
	closeNew(m.Handles)
	return reply(zx.ErrNotSupported)
}

// closeNew closes the handles a request brought that are new in this
// process (a dereferenced handle is the server's own).
func closeNew(hs []zx.KosRecvHandle) {
	for i := range hs {
		if !hs[i].IsDereferenced() {
			hs[i].Handle.Close()
		}
	}
}

// open hands the client a handle to the key's resource (created on first
// open) with the rights of mode, under the client's badge.
func (s *server) open(p *peer, key string, mode uint32) *zx.KosMsg {
	if key == "" || mode == 0 || mode&^(modeRead|modeWrite) != 0 {
		return reply(zx.ErrInvalidArgs)
	}
	r := s.resources[key]
	if r == nil {
		idx := uint64(len(s.byHandle) + 1)
		obj, err := zx.NewUserObject(zx.RightTransfer|zx.RightDuplicate|rightRead|rightWrite, idx, s.port.Handle, idx)
		if err != nil {
			return reply(statusOf(err))
		}
		r = &resource{key: key, obj: obj}
		s.resources[key], s.byHandle[obj.Handle] = r, r
	}
	rights := zx.RightTransfer
	if mode&modeRead != 0 {
		rights |= rightRead
	}
	if mode&modeWrite != 0 {
		rights |= rightWrite
	}
	fmt.Printf("kv.server: open %q for client %s (rights %#x, badge %s)\n", key, clientNames[p.id], uint32(rights), clientNames[p.id])
	rep := reply(zx.OK)
	rep.Handles = []zx.KosHandleDesc{{Handle: r.obj.Handle, Rights: rights, Badge: p.badge.Handle}}
	return rep
}

// readWrite serves a read or write through a resource handle the client
// sent back: it must arrive dereferenced (the server's own handle) with
// the method's right, under the calling client's own badge.
func (s *server) readWrite(p *peer, method uint32, h *zx.KosRecvHandle, value []byte) *zx.KosMsg {
	need, verb := rightRead, "read"
	if method == mWrite {
		need, verb = rightWrite, "write"
	}
	ctx, err := h.BadgeOp(need)
	r := s.byHandle[h.Handle]
	if !h.IsDereferenced() {
		h.Handle.Close()
		r = nil
	}
	switch {
	case err != nil:
		fmt.Printf("kv.server: %s by client %s refused: %v\n", verb, clientNames[p.id], statusText(err))
		return reply(statusOf(err))
	case r == nil:
		return reply(zx.ErrNotFound)
	case clientID(ctx) != p.id:
		// A handle obtained by another client: its badge says so.
		fmt.Printf("kv.server: %s by client %s with client %s's handle refused\n", verb, clientNames[p.id], clientNames[clientID(ctx)])
		return reply(zx.ErrAccessDenied)
	}
	if method == mWrite {
		r.value = append([]byte(nil), value...)
		fmt.Printf("kv.server: %q = %q (client %s)\n", r.key, r.value, clientNames[p.id])
		return reply(zx.OK)
	}
	rep := reply(zx.OK)
	rep.Arena = r.value
	return rep
}

// delete removes a key: every handle to it, in every client, is revoked.
func (s *server) delete(p *peer, key string) *zx.KosMsg {
	r := s.resources[key]
	if r == nil {
		return reply(zx.ErrNotFound)
	}
	if err := r.obj.Revoke(zx.KosRevokeClose); err != nil {
		return reply(statusOf(err))
	}
	delete(s.resources, key)
	delete(s.byHandle, r.obj.Handle)
	fmt.Printf("kv.server: %q deleted by client %s\n", key, clientNames[p.id])
	return reply(zx.OK)
}

// revoke cuts a client off: every resource handle derived under its badge
// is revoked, in whichever process it now is; other clients keep theirs.
func (s *server) revoke(id clientID) *zx.KosMsg {
	p := s.byID[id]
	if p == nil {
		return reply(zx.ErrNotFound)
	}
	n := 0
	for _, r := range s.resources {
		if err := r.obj.RevokeSubtree(p.badge); err != nil {
			return reply(statusOf(err))
		}
		n++
	}
	fmt.Printf("kv.server: revoked client %s's badge on %d resources\n", clientNames[id], n)
	return reply(zx.OK)
}

// shutdown returns the summary: which badges saw their last handle go
// and the store.
func (s *server) shutdown() *zx.KosMsg {
	s.mu.Lock()
	var names []string
	for id := range s.closed {
		names = append(names, clientNames[id])
	}
	s.mu.Unlock()
	sort.Strings(names)
	keys := make([]string, 0, len(s.resources))
	for k, r := range s.resources {
		keys = append(keys, fmt.Sprintf("%s=%s", k, r.value))
	}
	sort.Strings(keys)
	sum := fmt.Sprintf("badges closed: %s; store: %s", strings.Join(names, " "), strings.Join(keys, " "))
	fmt.Println("kv.server: shutting down;", sum)
	rep := reply(zx.OK)
	rep.Arena = []byte(sum)
	return rep
}

func statusOf(err error) zx.Status {
	if st, ok := err.(zx.Status); ok {
		return st
	}
	return zx.ErrInternal
}
