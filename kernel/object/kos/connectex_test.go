package kos

import (
	"testing"

	"beryl/kernel/object"
)

// procHandle installs a handle to target in p's table.
func procHandle(t *testing.T, p, target *object.Process, rights object.Rights) Handle {
	t.Helper()
	target.AddRef()
	return must(p.Install(target, rights))
}

// TestHandleConnectEx: a launcher wires clients in two processes to a
// server in a third through one listener; the server receives both
// channels' calls on the listener and on each new server handle.
func TestHandleConnectEx(t *testing.T) {
	e := newEnv(t)
	init, srv, a, b := e.proc("init"), e.proc("srv"), e.proc("a"), e.proc("b")
	hs := procHandle(t, init, srv, object.RightManageProcess)
	ha := procHandle(t, init, a, object.RightManageProcess)
	hb := procHandle(t, init, b, object.RightManageProcess)
	ca, sa, l, st := HandleConnectEx(init, ha, hs, invalid, 0)
	wantStatus(t, "connect a", st, OK)
	if sa != l || rightsOf(t, srv, l) != DefaultListenerRights || rightsOf(t, a, ca) != DefaultClientRights {
		t.Fatalf("first connection: client %v server %v listener %v", ca, sa, l)
	}
	if init.Table().Len() != 3 {
		t.Fatalf("the launcher's table has %d handles, want its 3", init.Table().Len())
	}
	cb, sb, l2, st := HandleConnectEx(init, hb, hs, l, 0)
	wantStatus(t, "connect b", st, OK)
	if l2 != l || sb == l || rightsOf(t, srv, sb) != DefaultServerRights || rightsOf(t, b, cb) != DefaultClientRights {
		t.Fatalf("second connection: client %v server %v listener %v", cb, sb, l2)
	}
	// Both channels reach the listener and the distinct server handle.
	da := goCall(a, ca, object.TimeInfinite, &CallArgs{Method: 1})
	info, _ := recvOne(t, srv, sb, 0)
	wantStatus(t, "reply a", Reply(srv, sb, info.CallID, &ReplyArgs{}), OK)
	wantStatus(t, "call a", waitCall(t, da).st, OK)
	db := goCall(b, cb, object.TimeInfinite, &CallArgs{Method: 2})
	info, _ = recvOne(t, srv, l, 0)
	if info.Method != 2 {
		t.Errorf("listener got method %d", info.Method)
	}
	wantStatus(t, "reply b", Reply(srv, l, info.CallID, &ReplyArgs{}), OK)
	wantStatus(t, "call b", waitCall(t, db).st, OK)
}

// TestHandleConnectExErrors: every failure leaves no handle and no
// channel behind, in either target.
func TestHandleConnectExErrors(t *testing.T) {
	e := newEnv(t)
	init, srv, cli := e.proc("init"), e.proc("srv"), e.proc("cli")
	hs := procHandle(t, init, srv, object.RightManageProcess)
	hc := procHandle(t, init, cli, object.RightManageProcess|object.RightDuplicate)
	weak := procHandle(t, init, cli, object.RightInspect)
	ev := must(object.EventCreate(init, 0))
	lInit := must(ListenerCreate(init, 0))
	lSrv := must(ListenerCreate(srv, 0))
	srvEv := must(object.EventCreate(srv, 0))
	// The server handle HandleConnect makes with a listener is no listener.
	_, notListener, _, _ := HandleConnect(srv, lSrv, 0)
	dead, _ := object.NewProcess(e.root, "dead", object.ProcessConfig{})
	defer dead.Release()
	hd := procHandle(t, init, dead, object.RightManageProcess)
	dead.Kill(0)
	small, _ := object.NewProcess(e.root, "small", object.ProcessConfig{MaxHandles: 1})
	defer small.Release()
	must(object.EventCreate(small, 0))
	hsm := procHandle(t, init, small, object.RightManageProcess)
	rev := must(HandleCopy(init, must(HandleCopy(init, hc, object.RightSameRights, invalid)), object.RightSameRights, invalid))
	revokeParentOf(t, init, rev)
	for _, x := range []struct {
		name               string
		client, server, lh Handle
		opts               uint32
		want               Status
	}{
		{"options", hc, hs, invalid, 1, object.ErrInvalidArgs},
		{"bad client process", 0x77, hs, invalid, 0, object.ErrBadHandle},
		{"bad server process", hc, 0x77, invalid, 0, object.ErrBadHandle},
		{"client not a process", ev, hs, invalid, 0, object.ErrWrongType},
		{"server not a process", hc, ev, invalid, 0, object.ErrWrongType},
		{"no rights over the client", weak, hs, invalid, 0, object.ErrAccessDenied},
		{"no rights over the server", hc, weak, invalid, 0, object.ErrAccessDenied},
		{"revoked process handle", rev, hs, invalid, 0, ErrHandleRevoked},
		{"listener from the caller's table", hc, hs, lInit, 0, object.ErrBadHandle},
		{"listener not a server", hc, hs, srvEv, 0, object.ErrWrongType},
		{"server handle without LISTEN", hc, hs, notListener, 0, object.ErrAccessDenied},
		{"dead client", hd, hs, invalid, 0, object.ErrBadState},
		{"dead server", hc, hd, invalid, 0, object.ErrBadState},
		{"dead server, listener", hc, hd, lSrv, 0, object.ErrBadHandle},
		{"full client table", hsm, hs, lSrv, 0, object.ErrNoResources},
		{"full client table, new listener", hsm, hs, invalid, 0, object.ErrNoResources},
		{"full server table", hc, hsm, invalid, 0, object.ErrNoResources},
	} {
		before := [4]int{srv.Table().Len(), cli.Table().Len(), small.Table().Len(), init.Table().Len()}
		objs := object.LiveObjects(ObjTypeClient) + object.LiveObjects(ObjTypeServer)
		srvObj, _, _ := srv.Lookup(lSrv, ObjTypeServer, 0)
		clients := srvObj.(*Server).Clients()
		c, s, l, st := HandleConnectEx(init, x.client, x.server, x.lh, x.opts)
		wantStatus(t, x.name, st, x.want)
		if c != invalid || s != invalid || l != invalid {
			t.Errorf("%s: returned %v %v %v", x.name, c, s, l)
		}
		after := [4]int{srv.Table().Len(), cli.Table().Len(), small.Table().Len(), init.Table().Len()}
		if after != before || object.LiveObjects(ObjTypeClient)+object.LiveObjects(ObjTypeServer) != objs ||
			srvObj.(*Server).Clients() != clients {
			t.Errorf("%s: tables %v -> %v, IPC objects %d -> %d, listener clients %d -> %d", x.name, before, after,
				objs, object.LiveObjects(ObjTypeClient)+object.LiveObjects(ObjTypeServer), clients, srvObj.(*Server).Clients())
		}
		release(srvObj)
	}
	// The policy's connect check: denied connections are logged and
	// leave nothing.
	pol, err := ParsePolicy([]byte("default allow\ndeny connect cli srv * *\n"))
	if err != nil {
		t.Fatal(err)
	}
	SetPolicy(pol)
	n0, _ := Denials()
	before := srv.Table().Len() + cli.Table().Len()
	_, _, _, st := HandleConnectEx(init, hc, hs, invalid, 0)
	wantStatus(t, "denied connection", st, ErrPolicyDenied)
	if n, ds := Denials(); n != n0+1 || ds[len(ds)-1].String() != `connect: subject "cli" object "srv"` {
		t.Errorf("denials %d %v", n, ds)
	}
	if srv.Table().Len()+cli.Table().Len() != before {
		t.Error("denied connection left handles")
	}
	// The other direction is allowed.
	c, s, _, st := HandleConnectEx(init, hs, hc, invalid, 0)
	wantStatus(t, "allowed connection", st, OK)
	object.HandleClose(srv, c)
	object.HandleClose(cli, s)
}

// TestHandleConnectExTakeBack: when the client side does not fit, the
// server side already installed is taken back, and a server handle the
// server process closed meanwhile is not touched twice.
func TestHandleConnectExTakeBack(t *testing.T) {
	e := newEnv(t)
	init, srv := e.proc("init"), e.proc("srv")
	small, _ := object.NewProcess(e.root, "small", object.ProcessConfig{MaxHandles: 1})
	defer small.Release()
	must(object.EventCreate(small, 0))
	hs := procHandle(t, init, srv, object.RightManageProcess)
	hsm := procHandle(t, init, small, object.RightManageProcess)
	l := must(ListenerCreate(srv, 0))
	obj, _, _ := srv.Lookup(l, ObjTypeServer, 0)
	defer release(obj)
	for i := 0; i < 3; i++ {
		_, _, _, st := HandleConnectEx(init, hsm, hs, l, 0)
		wantStatus(t, "full client", st, object.ErrNoResources)
	}
	if srv.Table().Len() != 1 || obj.(*Server).Clients() != 0 {
		t.Errorf("server table %d, clients %d", srv.Table().Len(), obj.(*Server).Clients())
	}
}
