package kos

import (
	"testing"
	"time"

	"beryl/kernel/object"
)

func connect(p *object.Process) (Handle, Handle) {
	return must2(func() (Handle, Handle, Status) {
		c, s, l, st := HandleConnect(p, invalid, 0)
		if st == OK && s != l {
			panic("HandleConnect(invalid): server and listener outputs differ")
		}
		return c, s, st
	}())
}

func TestHandleConnect(t *testing.T) {
	e := newEnv(t)
	p := e.proc("srv")
	l := must(ListenerCreate(p, 0))
	c, s := connect(p)
	// With a listener the server output is a new handle without
	// RightListen: it serves the listener's channels but is no listener.
	c2, srvOfL, lOut, st := HandleConnect(p, l, 0)
	wantStatus(t, "connect to listener", st, OK)
	if srvOfL == l || lOut != l || rightsOf(t, p, srvOfL) != DefaultServerRights {
		t.Errorf("connect to listener: server %v listener %v (given %v)", srvOfL, lOut, l)
	}
	ev := must(object.EventCreate(p, 0))
	for _, x := range []struct {
		name     string
		listener Handle
		opts     uint32
		want     Status
	}{
		{"new pair", invalid, 0, OK},
		{"listener", l, 0, OK},
		{"connect's server is a listener", s, 0, OK},
		{"options", invalid, 1, object.ErrInvalidArgs},
		{"bad listener", 0x77, 0, object.ErrBadHandle},
		{"not a server", ev, 0, object.ErrWrongType},
		{"server handle of a listener is no listener", srvOfL, 0, object.ErrAccessDenied},
	} {
		ch, sh, lh, st := HandleConnect(p, x.listener, x.opts)
		wantStatus(t, x.name, st, x.want)
		if st != OK {
			if ch != invalid || sh != invalid || lh != invalid {
				t.Errorf("%s: failed connect returned handles %v %v %v", x.name, ch, sh, lh)
			}
			continue
		}
		if rightsOf(t, p, ch) != DefaultClientRights || sh == invalid || sh == ch {
			t.Errorf("%s: handles %v %v", x.name, ch, sh)
		}
		if x.listener == invalid {
			if lh != sh || rightsOf(t, p, sh) != DefaultListenerRights {
				t.Errorf("%s: listener %v, server %v (rights %v)", x.name, lh, sh, rightsOf(t, p, sh))
			}
		} else if lh != x.listener || sh == x.listener || rightsOf(t, p, sh) != DefaultServerRights {
			t.Errorf("%s: listener %v (given %v), server %v", x.name, lh, x.listener, sh)
		}
		object.HandleClose(p, ch)
		object.HandleClose(p, sh)
	}
	object.HandleClose(p, c2)
	object.HandleClose(p, srvOfL)
	_, st = ListenerCreate(p, 3)
	wantStatus(t, "listener options", st, object.ErrInvalidArgs)
	if rightsOf(t, p, l) != DefaultListenerRights {
		t.Error("listener rights")
	}
	obj, _, _ := p.Lookup(l, ObjTypeServer, 0)
	srv := obj.(*Server)
	if !srv.Listener() || srv.Clients() != 0 {
		t.Errorf("listener state %v %d", srv.Listener(), srv.Clients())
	}
	// A listener that lost its handles accepts no more clients.
	dup := must(object.HandleDuplicate(p, l, object.RightSameRights))
	object.HandleClose(p, l)
	object.HandleClose(p, dup)
	_ = c
	srv.Release()
	// Tables that are full or dead.
	small, _ := object.NewProcess(e.root, "small", object.ProcessConfig{MaxHandles: 1})
	defer small.Release()
	_, _, _, st = HandleConnect(small, invalid, 0)
	wantStatus(t, "room for one", st, object.ErrNoResources)
	small.Kill(0)
	_, _, _, st = HandleConnect(small, invalid, 0)
	wantStatus(t, "dead process", st, object.ErrBadState)
}

func TestListenerGone(t *testing.T) {
	e := newEnv(t)
	p := e.proc("srv")
	l := must(ListenerCreate(p, 0))
	obj, _, _ := p.Lookup(l, ObjTypeServer, 0)
	srv := obj.(*Server)
	defer srv.Release()
	l2 := must(object.HandleDuplicate(p, l, object.RightSameRights))
	// Close every handle but keep one usable by racing nothing: mark dead
	// through OnZeroHandles directly is not possible from outside, so
	// close both and check that calls through an earlier client fail.
	c, s, _, st := HandleConnect(p, l, 0)
	wantStatus(t, "connect", st, OK)
	object.HandleClose(p, s)
	object.HandleClose(p, l)
	object.HandleClose(p, l2)
	_, st = Call(p, c, object.TimeInfinite, &CallArgs{})
	wantStatus(t, "call to dead listener", st, object.ErrPeerClosed)
}

func TestCallErrors(t *testing.T) {
	e := newEnv(t)
	p := e.proc("cli")
	c, s := connect(p)
	noWrite := must(object.HandleReplace(p, must(object.HandleDuplicate(p, c, object.RightSameRights)), object.RightRead))
	ev := must(object.EventCreate(p, 0))
	uo := must(UserObjectCreate(p, object.RightTransfer, 1, invalid, 0))
	noXfer := must(UserObjectCreate(p, 0, 1, invalid, 0))
	rev := must(HandleCopy(p, must(UserObjectCreate(p, object.RightDuplicate|object.RightTransfer, 1, invalid, 0)), object.RightSameRights, invalid))
	revokeParentOf(t, p, rev)
	big := make([]byte, MaxFixedBytes+1)
	for _, x := range []struct {
		name string
		h    Handle
		args CallArgs
		want Status
	}{
		{"bad handle", 0x77, CallArgs{}, object.ErrBadHandle},
		{"wrong type", ev, CallArgs{}, object.ErrWrongType},
		{"plain user object", uo, CallArgs{}, object.ErrWrongType},
		{"no write right", noWrite, CallArgs{}, object.ErrAccessDenied},
		{"fixed too big", c, CallArgs{Fixed: big}, object.ErrOutOfRange},
		{"arena too big", c, CallArgs{Arena: make([]byte, MaxArenaBytes+1)}, object.ErrOutOfRange},
		{"too many handles", c, CallArgs{Handles: make([]HandleDesc, MaxHandles+1)}, object.ErrOutOfRange},
		{"bad handle sent", c, CallArgs{Handles: []HandleDesc{{Handle: 0x99}}}, object.ErrBadHandle},
		{"revoked handle sent", c, CallArgs{Handles: []HandleDesc{{Handle: rev, Rights: object.RightSameRights}}}, ErrHandleRevoked},
		{"own client sent", c, CallArgs{Handles: []HandleDesc{{Handle: c, Rights: object.RightSameRights}}}, object.ErrNotSupported},
		{"its server sent", c, CallArgs{Handles: []HandleDesc{{Handle: s, Rights: object.RightSameRights}}}, object.ErrNotSupported},
		{"no transfer right", c, CallArgs{Handles: []HandleDesc{{Handle: noXfer, Rights: object.RightSameRights}}}, object.ErrAccessDenied},
		{"rights widened", c, CallArgs{Handles: []HandleDesc{{Handle: uo, Rights: object.RightWrite}}}, object.ErrInvalidArgs},
		{"bad badge", c, CallArgs{Handles: []HandleDesc{{Handle: uo, Rights: object.RightSameRights, Badge: ev}}}, object.ErrWrongType},
		{"deadline passed", c, CallArgs{Handles: []HandleDesc{{Handle: uo, Rights: object.RightSameRights}}}, object.ErrTimedOut},
	} {
		deadline := object.TimeInfinite
		if x.want == object.ErrTimedOut {
			deadline = object.Now()
		}
		_, st := Call(p, x.h, deadline, &x.args)
		wantStatus(t, x.name, st, x.want)
	}
	if q, a := serverOf(t, p, s).Pending(); q != 0 || a != 0 {
		t.Errorf("pending %d %d after failed calls", q, a)
	}
	// A deadline in the future expires while queued.
	_, st := Call(p, c, object.Now()+object.Time(20*time.Millisecond), &CallArgs{})
	wantStatus(t, "timeout", st, object.ErrTimedOut)
	// The client's handle closed while waiting: CANCELED.
	c2 := must(object.HandleDuplicate(p, c, object.RightSameRights))
	done := goCall(p, c2, object.TimeInfinite, &CallArgs{})
	waitQueued(t, serverOf(t, p, s), 1)
	object.HandleClose(p, c2)
	object.HandleClose(p, c)
	object.HandleClose(p, noWrite)
	wantStatus(t, "canceled", waitCall(t, done).st, object.ErrCanceled)
	// The server's clients are gone: Recv reports PEER_CLOSED.
	_, st = Recv(p, s, 0, object.TimeInfinite, &RecvArgs{})
	wantStatus(t, "recv without clients", st, object.ErrPeerClosed)
}

// revokeParentOf revokes the handle rev descends from, making rev revoked.
func revokeParentOf(t *testing.T, p *object.Process, rev Handle) {
	t.Helper()
	obj, _, _ := p.Lookup(rev, object.ObjTypeNone, 0)
	defer release(obj)
	// The parent is the only other handle to the object in p.
	e := p.Table().Get(rev)
	parent := e.Parent()
	if parent == nil {
		t.Fatal("no parent")
	}
	wantStatus(t, "revoke parent", HandleRevoke(p, parent.Value(), RevokeClose), OK)
}

func serverOf(t *testing.T, p *object.Process, s Handle) *Server {
	t.Helper()
	obj, _, st := p.Lookup(s, ObjTypeServer, 0)
	if st != OK {
		t.Fatalf("server lookup: %v", st)
	}
	obj.(*Server).Release()
	return obj.(*Server)
}

func waitQueued(t *testing.T, s *Server, n int) {
	t.Helper()
	for i := 0; i < 5000; i++ {
		if q, _ := s.Pending(); q >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("call not queued")
}

func TestRecvReplyErrors(t *testing.T) {
	e := newEnv(t)
	p := e.proc("srv")
	c, s := connect(p)
	ev := must(object.EventCreate(p, 0))
	noRead := must(object.HandleDuplicate(p, s, object.RightWrite))
	noWrite := must(object.HandleDuplicate(p, s, object.RightRead))
	for _, x := range []struct {
		name string
		h    Handle
		opts uint32
		want Status
	}{
		{"bad handle", 0x77, 0, object.ErrBadHandle},
		{"wrong type", ev, 0, object.ErrWrongType},
		{"client handle", c, 0, object.ErrWrongType},
		{"no read right", noRead, 0, object.ErrAccessDenied},
		{"options", s, 1, object.ErrInvalidArgs},
		{"nothing queued", s, 0, object.ErrTimedOut},
	} {
		_, st := Recv(p, x.h, x.opts, object.Now(), &RecvArgs{})
		wantStatus(t, "Recv: "+x.name, st, x.want)
	}
	for _, x := range []struct {
		name string
		h    Handle
		id   uint64
		want Status
	}{
		{"bad handle", 0x77, 1, object.ErrBadHandle},
		{"wrong type", ev, 1, object.ErrWrongType},
		{"no write right", noWrite, 1, object.ErrAccessDenied},
		{"no such call", s, 12345, object.ErrNotFound},
	} {
		wantStatus(t, "Reply: "+x.name, Reply(p, x.h, x.id, &ReplyArgs{}), x.want)
	}
	// Buffers too small on Recv: the sizes come back and the call stays.
	done := goCall(p, c, object.TimeInfinite, &CallArgs{Endpoint: 3, Method: 4, Fixed: []byte("abcd"), Arena: []byte("xy"),
		Handles: []HandleDesc{{Handle: ev, Rights: object.RightSameRights}}, RdFixed: make([]byte, 2)})
	waitQueued(t, serverOf(t, p, s), 1)
	info, st := Recv(p, s, 0, object.TimeInfinite, &RecvArgs{Fixed: make([]byte, 4)})
	wantStatus(t, "recv too small", st, object.ErrBufferTooSmall)
	if info.Sizes != (Sizes{4, 2, 1}) {
		t.Errorf("sizes %+v", info.Sizes)
	}
	info, args := recvOne(t, p, s, 1)
	if info.Endpoint != 3 || info.Method != 4 || string(args.Arena[:2]) != "xy" {
		t.Errorf("request %+v", info)
	}
	// The received event is a dereference (p owns the ancestor).
	if !args.Handles[0].Dereferenced || args.Handles[0].Handle != ev {
		t.Errorf("self-sent handle %+v", args.Handles[0])
	}
	// Reply errors keep the call open; a reply too big for the caller's
	// buffers ends it with BUFFER_TOO_SMALL, which Reply (a rendezvous)
	// reports too.
	wantStatus(t, "reply with bad handle", Reply(p, s, info.CallID, &ReplyArgs{Handles: []HandleDesc{{Handle: 0x55}}}), object.ErrBadHandle)
	wantStatus(t, "reply too big for the caller", Reply(p, s, info.CallID, &ReplyArgs{Fixed: []byte("toolong")}), object.ErrBufferTooSmall)
	r := waitCall(t, done)
	wantStatus(t, "call", r.st, object.ErrBufferTooSmall)
	if r.sz.Fixed != 7 {
		t.Errorf("reply sizes %+v", r.sz)
	}
	wantStatus(t, "second reply", Reply(p, s, info.CallID, &ReplyArgs{}), object.ErrNotFound)
	object.HandleClose(p, noRead)
	object.HandleClose(p, noWrite)
}

// TestCallerGone: a Reply to a call whose caller timed out, or whose
// client handle was closed after the request was received, fails with
// CANCELED; the reply's handles are dropped.
func TestCallerGone(t *testing.T) {
	e := newEnv(t)
	p := e.proc("srv")
	c, s := connect(p)
	ev := must(object.EventCreate(p, 0))
	clk := object.NewFakeClock(object.Now())
	object.SetClock(clk)
	defer object.SetClock(object.MonotonicClock())
	done := goCall(p, c, clk.Now()+1000, &CallArgs{})
	info, _ := recvOne(t, p, s, 0)
	clk.Advance(2000)
	wantStatus(t, "timed out", waitCall(t, done).st, object.ErrTimedOut)
	wantStatus(t, "reply", Reply(p, s, info.CallID, &ReplyArgs{Handles: []HandleDesc{{Handle: ev, Rights: object.RightSameRights}}}), object.ErrCanceled)

	c2 := must(object.HandleDuplicate(p, c, object.RightSameRights))
	done = goCall(p, c2, object.TimeInfinite, &CallArgs{})
	info, _ = recvOne(t, p, s, 0)
	object.HandleClose(p, c2)
	object.HandleClose(p, c)
	wantStatus(t, "client closed", waitCall(t, done).st, object.ErrCanceled)
	wantStatus(t, "reply to canceled", Reply(p, s, info.CallID, &ReplyArgs{}), object.ErrCanceled)
}

// TestServerGone: the server's last handle closing ends queued and
// received calls with PEER_CLOSED, and later calls fail at once.
func TestServerGone(t *testing.T) {
	e := newEnv(t)
	p, q := e.proc("srv"), e.proc("cli")
	c, s := connect(p)
	cc := give(t, p, c, object.RightSameRights, nil, q)
	ev := must(object.EventCreate(q, 0))
	first := goCall(q, cc, object.TimeInfinite, &CallArgs{Method: 1})
	waitQueued(t, serverOf(t, p, s), 1)
	recvOne(t, p, s, 0)
	second := goCall(q, cc, object.TimeInfinite, &CallArgs{Method: 2, Handles: []HandleDesc{{Handle: ev, Rights: object.RightSameRights}}})
	waitQueued(t, serverOf(t, p, s), 1)
	// A Recv blocked on another handle to the server is canceled.
	s2 := must(object.HandleDuplicate(p, s, object.RightSameRights))
	object.HandleClose(p, s)
	p.Kill(0) // closes s2 and c
	wantStatus(t, "received call", waitCall(t, first).st, object.ErrPeerClosed)
	wantStatus(t, "queued call", waitCall(t, second).st, object.ErrPeerClosed)
	_, st := Call(q, cc, object.TimeInfinite, &CallArgs{})
	wantStatus(t, "later call", st, object.ErrPeerClosed)
	_ = s2
}

func TestRecvCanceledByClose(t *testing.T) {
	e := newEnv(t)
	p := e.proc("srv")
	l := must(ListenerCreate(p, 0))
	got := make(chan Status, 1)
	go func() {
		_, st := Recv(p, l, 0, object.TimeInfinite, &RecvArgs{})
		got <- st
	}()
	time.Sleep(10 * time.Millisecond)
	object.HandleClose(p, l)
	select {
	case st := <-got:
		wantStatus(t, "recv", st, object.ErrCanceled)
	case <-time.After(5 * time.Second):
		t.Fatal("recv not canceled")
	}
}

// TestListenerAggregates: one Recv on a listener serves several channels
// and a callable handle.
func TestListenerAggregates(t *testing.T) {
	e := newEnv(t)
	srv, a, b := e.proc("srv"), e.proc("a"), e.proc("b")
	l := must(ListenerCreate(srv, 0))
	ca, sa, _, _ := HandleConnect(srv, l, 0)
	cb, sb, _, _ := HandleConnect(srv, l, 0)
	object.HandleClose(srv, sa)
	object.HandleClose(srv, sb)
	callable := must(CallableCreate(srv, object.RightTransfer|object.RightWrite, 0x55, l, 9))
	ha := give(t, srv, ca, object.RightSameRights, nil, a)
	hb := give(t, srv, cb, object.RightSameRights, nil, b)
	hc := give(t, srv, callable, object.RightSameRights, nil, b)
	object.HandleClose(srv, ca)
	object.HandleClose(srv, cb)
	if n := serverOf(t, srv, l).Clients(); n != 2 {
		t.Errorf("clients %d", n)
	}
	results := []<-chan callResult{
		goCall(a, ha, object.TimeInfinite, &CallArgs{Endpoint: 1, Method: 1, RdFixed: make([]byte, 4)}),
		goCall(b, hb, object.TimeInfinite, &CallArgs{Endpoint: 2, Method: 2, RdFixed: make([]byte, 4)}),
		goCall(b, hc, object.TimeInfinite, &CallArgs{Endpoint: 77, Method: 3, RdFixed: make([]byte, 4)}),
	}
	seen := map[uint32]RecvInfo{}
	for i := 0; i < 3; i++ {
		info, _ := recvOne(t, srv, l, 0)
		seen[info.Method] = info
		wantStatus(t, "reply", Reply(srv, l, info.CallID, &ReplyArgs{Fixed: []byte{byte(info.Method)}}), OK)
	}
	for _, r := range results {
		wantStatus(t, "call", waitCall(t, r).st, OK)
	}
	if seen[1].Endpoint != 1 || seen[2].Endpoint != 2 || seen[3].Endpoint != 9 || seen[3].Client != 0 || seen[1].Client == seen[2].Client {
		t.Errorf("requests %+v", seen)
	}
	obj, _, _ := srv.Lookup(callable, ObjTypeUserObject, 0)
	if ep, ok := obj.(*UserObject).Callable(); !ok || ep != 9 {
		t.Error("Callable()")
	}
	release(obj)
	object.HandleClose(srv, l)
}

func TestCallableCreate(t *testing.T) {
	e := newEnv(t)
	p := e.proc("srv")
	l := must(ListenerCreate(p, 0))
	ev := must(object.EventCreate(p, 0))
	noRead := must(object.HandleDuplicate(p, l, object.RightWrite))
	for _, x := range []struct {
		name     string
		rights   object.Rights
		server   Handle
		endpoint uint32
		want     Status
	}{
		{"ok", object.RightTransfer, l, 1, OK},
		{"invalid endpoint", object.RightTransfer, l, EndpointInvalid, object.ErrInvalidArgs},
		{"same rights", object.RightSameRights, l, 1, object.ErrInvalidArgs},
		{"bad server", 0, 0x44, 1, object.ErrBadHandle},
		{"not a server", 0, ev, 1, object.ErrWrongType},
		{"server without read", 0, noRead, 1, object.ErrAccessDenied},
	} {
		h, st := CallableCreate(p, x.rights, 1, x.server, x.endpoint)
		wantStatus(t, x.name, st, x.want)
		object.HandleClose(p, h)
	}
	// Invalid rights after the server lookup: the reference is dropped.
	_, st := userObjectCreate(p, object.RightSameRights, 0, invalid, 0, serverRef(t, p, l), 1)
	wantStatus(t, "late invalid rights", st, object.ErrInvalidArgs)
	_, st = userObjectCreate(p, 0, 0, 0x123, 0, serverRef(t, p, l), 1)
	wantStatus(t, "late bad port", st, object.ErrBadHandle)
}

func serverRef(t *testing.T, p *object.Process, h Handle) *Server {
	obj, _, st := p.Lookup(h, ObjTypeServer, 0)
	if st != OK {
		t.Fatal(st)
	}
	return obj.(*Server)
}

// TestPolicyOnEveryHop: each of call, recv and reply can be denied; the
// caller sees ErrPolicyDenied.
func TestPolicyOnEveryHop(t *testing.T) {
	e := newEnv(t)
	srv, cli := e.proc("srv"), e.proc("cli")
	c, s := connect(srv)
	cc := give(t, srv, c, object.RightSameRights, nil, cli)
	object.HandleClose(srv, c)
	for _, x := range []struct {
		name   string
		policy string
	}{
		{"call", "default allow\ndeny call cli srv 1 2\n"},
		{"recv", "default allow\ndeny recv srv cli 1 2\n"},
		{"reply", "default allow\ndeny reply srv cli 1 2\n"},
	} {
		pol, err := ParsePolicy([]byte(x.policy))
		if err != nil {
			t.Fatal(err)
		}
		SetPolicy(pol)
		done := goCall(cli, cc, object.TimeInfinite, &CallArgs{Endpoint: 1, Method: 2})
		switch x.name {
		case "call":
		case "recv":
			waitQueued(t, serverOf(t, srv, s), 1)
			_, st := Recv(srv, s, 0, object.Now(), &RecvArgs{})
			wantStatus(t, "recv skips the denied call", st, object.ErrTimedOut)
		case "reply":
			info, _ := recvOne(t, srv, s, 0)
			wantStatus(t, "reply", Reply(srv, s, info.CallID, &ReplyArgs{}), ErrPolicyDenied)
		}
		wantStatus(t, x.name, waitCall(t, done).st, ErrPolicyDenied)
		// Another method passes.
		done = goCall(cli, cc, object.TimeInfinite, &CallArgs{Endpoint: 1, Method: 3})
		info, _ := recvOne(t, srv, s, 0)
		wantStatus(t, "reply", Reply(srv, s, info.CallID, &ReplyArgs{}), OK)
		wantStatus(t, x.name+": other method", waitCall(t, done).st, OK)
	}
	if CurrentPolicy() == nil {
		t.Error("CurrentPolicy")
	}
	// The denial hook sees every denial.
	var hooked []Denial
	SetDenialHook(func(d Denial) { hooked = append(hooked, d) })
	defer SetDenialHook(nil)
	pol, _ := ParsePolicy([]byte("default deny"))
	SetPolicy(pol)
	_, st := Call(cli, cc, object.TimeInfinite, &CallArgs{Endpoint: 5, Method: 6})
	wantStatus(t, "default deny", st, ErrPolicyDenied)
	if len(hooked) != 1 || hooked[0] != (Denial{Kind: KindCall, Subject: "cli", Object: "srv", Endpoint: 5, Method: 6}) {
		t.Errorf("hook %+v", hooked)
	}
	object.HandleClose(srv, s)
}

// TestReceiveNoRoom: handles that do not fit the receiver's table leave
// the request queued (Recv) or fail the call (reply).
func TestReceiveNoRoom(t *testing.T) {
	e := newEnv(t)
	cli := e.proc("cli")
	srv, _ := object.NewProcess(e.root, "srv", object.ProcessConfig{MaxHandles: 3})
	defer srv.Release()
	c, s := connect(srv) // 2 handles in srv
	cc := give(t, srv, c, object.RightSameRights, nil, cli)
	object.HandleClose(srv, c) // 1 left
	e1, e2, e3 := must(object.EventCreate(cli, 0)), must(object.EventCreate(cli, 0)), must(object.EventCreate(cli, 0))
	done := goCall(cli, cc, object.TimeInfinite, &CallArgs{Handles: []HandleDesc{
		{Handle: e1, Rights: object.RightSameRights}, {Handle: e2, Rights: object.RightSameRights}, {Handle: e3, Rights: object.RightSameRights}}})
	waitQueued(t, serverOf(t, srv, s), 1)
	_, st := Recv(srv, s, 0, object.TimeInfinite, &RecvArgs{Handles: make([]RecvHandle, 3)})
	wantStatus(t, "no room", st, object.ErrNoResources)
	if q, _ := serverOf(t, srv, s).Pending(); q != 1 {
		t.Error("request not kept")
	}
	srv.Kill(0)
	wantStatus(t, "call", waitCall(t, done).st, object.ErrPeerClosed)
}
