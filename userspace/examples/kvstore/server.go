package main

import (
	"encoding/binary"
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

// peer is a connected client.
type peer struct {
	id    clientID
	badge zx.Badge
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
}

// runServer is the provider (class kv.server). It connects the clients to
// its listener, sends their client handles to the launcher (ctl), and then
// serves until the launcher's admin shutdown.
func runServer() int {
	ctlH, ok := zx.TakeStartupHandle(paCtl)
	if !ok {
		fmt.Println("kv.server: no control channel")
		return 1
	}
	ctl := zx.Channel{Handle: ctlH}
	s, err := newServer()
	if err != nil {
		fmt.Println("kv.server:", err)
		return 1
	}
	if cls, err := zx.ProcessSelf().Class(); err == nil {
		fmt.Printf("kv.server: class %q, listening\n", cls)
	}
	var handles []zx.Handle
	for _, id := range []clientID{clientA, clientB, clientAdmin} {
		c, err := s.connect(id)
		if err != nil {
			fmt.Println("kv.server: connect:", err)
			return 1
		}
		handles = append(handles, c.Handle)
	}
	if err := ctl.Write([]byte("clients a b admin"), handles, 0); err != nil {
		fmt.Println("kv.server: sending the client handles:", err)
		return 1
	}
	go s.watch()
	return s.serve()
}

func newServer() (*server, error) {
	l, err := zx.NewListener()
	if err != nil {
		return nil, fmt.Errorf("listener: %w", err)
	}
	port, err := zx.NewPort(0)
	if err != nil {
		return nil, fmt.Errorf("port: %w", err)
	}
	return &server{listener: l, port: port, peers: map[zx.Koid]*peer{}, byID: map[clientID]*peer{},
		resources: map[string]*resource{}, byHandle: map[zx.Handle]*resource{},
		closed: map[clientID]bool{}, change: make(chan struct{})}, nil
}

// connect connects a client to the listener, with a badge (context: the
// client id, notifications to the port) for the handles it will get.
func (s *server) connect(id clientID) (zx.Client, error) {
	// The listener serves every channel: the extra server handle
	// KnHandleConnect returns is not needed.
	c, srv, err := s.listener.Connect()
	if err != nil {
		return zx.Client{}, err
	}
	srv.Handle.Close()
	info, err := c.BasicInfo()
	if err != nil {
		return zx.Client{}, err
	}
	b, err := zx.NewBadge(uint64(id), s.port.Handle, uint64(id))
	if err != nil {
		return zx.Client{}, err
	}
	p := &peer{id: id, badge: b}
	s.peers[info.Koid], s.byID[id] = p, p
	return c, nil
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

// serve receives and answers calls until shutdown.
func (s *server) serve() int {
	rd := &zx.KosRecvBuf{Fixed: make([]byte, 64), Arena: make([]byte, 4096), Handles: make([]zx.KosRecvHandle, 4)}
	for {
		buf := *rd
		info, err := s.listener.Recv(zx.TimeInfinite, &buf)
		if err != nil {
			fmt.Println("kv.server: recv:", err)
			return 1
		}
		buf.Fixed, buf.Arena, buf.Handles = buf.Fixed[:info.Sizes.Fixed], buf.Arena[:info.Sizes.Arena], buf.Handles[:info.Sizes.Handles]
		p := s.peers[info.ClientKoid]
		rep, done := s.handle(p, info, &buf)
		if err := s.listener.Reply(info.CallID, rep); err != nil {
			fmt.Println("kv.server: reply:", err)
		}
		if done {
			return 0
		}
	}
}

func reply(st zx.Status) *zx.KosMsg { return &zx.KosMsg{Fixed: u32(uint32(int32(st)))} }

// handle answers one request; done ends the server.
func (s *server) handle(p *peer, info zx.KosRecvInfo, m *zx.KosRecvBuf) (rep *zx.KosMsg, done bool) {
	if p == nil {
		closeNew(m.Handles)
		return reply(zx.ErrAccessDenied), false
	}
	switch {
	case info.Endpoint == epStore && info.Method == mOpen && len(m.Fixed) == 4 && len(m.Handles) == 0:
		return s.open(p, string(m.Arena), binary.LittleEndian.Uint32(m.Fixed)), false
	case info.Endpoint == epStore && (info.Method == mRead || info.Method == mWrite) && len(m.Handles) == 1:
		return s.readWrite(p, info.Method, &m.Handles[0], m.Arena), false
	case info.Endpoint == epStore && info.Method == mDelete && len(m.Handles) == 0:
		return s.delete(p, string(m.Arena)), false
	case info.Endpoint == epAdmin && info.Method == mRevoke && len(m.Fixed) == 8:
		return s.revoke(clientID(binary.LittleEndian.Uint64(m.Fixed))), false
	case info.Endpoint == epAdmin && info.Method == mShutdown:
		return s.shutdown(), true
	}
	closeNew(m.Handles)
	return reply(zx.ErrNotSupported), false
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
	if key == "" || p.id == clientAdmin || mode == 0 || mode&^(modeRead|modeWrite) != 0 {
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

// shutdown waits briefly for the outstanding badge notifications and
// returns the summary: which badges saw their last handle go.
func (s *server) shutdown() *zx.KosMsg {
	end := time.After(5 * time.Second)
	for {
		s.mu.Lock()
		n, ch := len(s.closed), s.change
		s.mu.Unlock()
		if n >= 2 {
			break
		}
		select {
		case <-ch:
			continue
		case <-end:
		}
		break
	}
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
