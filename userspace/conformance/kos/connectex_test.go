package kos

import (
	"testing"
	"time"

	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

// rootResource is the root resource init passed on (relaunch.Main takes
// it): it names the classes of the processes the ConnectEx cases create.
func rootResource(t *testing.T) zx.Handle {
	t.Helper()
	if relaunch.RootResource == zx.HandleInvalid {
		t.Fatal("no root resource (PA_RESOURCE): init passes it to the programs it runs")
	}
	return relaunch.RootResource
}

// newTarget creates an unstarted process (killed at the end of the test),
// with class if not empty.
func newTarget(t *testing.T, name, class string) zx.Process {
	t.Helper()
	p, v, err := zx.NewProcess(zx.JobDefault(), name, 0)
	ok(t, "process_create", err)
	v.Handle.Close()
	if class != "" {
		ok(t, "beryl_process_set_class", p.SetClass(rootResource(t), class))
	}
	t.Cleanup(func() { p.Kill(); p.Handle.Close() })
	return p
}

// tableOf returns the handle counts per type of process p's table.
func tableOf(t *testing.T, p zx.Process) [zx.ObjTypeUpperBound]uint32 {
	t.Helper()
	var st zx.InfoProcessHandleStats
	_, _, err := p.GetInfo(zx.ObjectInfoProcessHandleStats, statsBytes(&st))
	ok(t, "ZX_INFO_PROCESS_HANDLE_STATS", err)
	var out [zx.ObjTypeUpperBound]uint32
	copy(out[:], st.HandleCount[:])
	return out
}

// TestHandleConnectEx: a launcher installs a connected client and server
// in other processes' handle tables; a second connection through the
// returned listener value reaches the same server; the channels work.
func TestHandleConnectEx(t *testing.T) {
	self := zx.ProcessSelf()
	srv := newTarget(t, "cx-server", "")
	before := tableOf(t, srv)
	c, s, l, err := zx.ConnectEx(self, srv, zx.HandleInvalid)
	ok(t, "kos_handle_connect_ex", err)
	closeLater(t, c)
	if s != l {
		t.Fatalf("new listener: server %#x, listener %#x", s, l)
	}
	if i := basic(t, c); i.Type != zx.ObjTypeKosClient || i.Rights != ipcRights {
		t.Fatalf("client in the caller's table: %+v", i)
	}
	now := tableOf(t, srv)
	if now[zx.ObjTypeKosServer] != before[zx.ObjTypeKosServer]+1 || now[zx.ObjTypeKosClient] != before[zx.ObjTypeKosClient] {
		t.Fatalf("server process: servers %d -> %d, clients %d -> %d", before[zx.ObjTypeKosServer], now[zx.ObjTypeKosServer],
			before[zx.ObjTypeKosClient], now[zx.ObjTypeKosClient])
	}
	// A second client through the listener value (in srv's table).
	c2, s2, l2, err := zx.ConnectEx(self, srv, l)
	ok(t, "kos_handle_connect_ex(listener)", err)
	closeLater(t, c2)
	if l2 != l || s2 == l {
		t.Fatalf("listener connection: server %#x listener %#x (given %#x)", s2, l2, l)
	}
	if n := tableOf(t, srv)[zx.ObjTypeKosServer]; n != before[zx.ObjTypeKosServer]+2 {
		t.Fatalf("server process has %d server handles, want %d", n, before[zx.ObjTypeKosServer]+2)
	}
	// Nobody receives yet: calls time out; once the server process is
	// gone its server handles are, and calls fail with PEER_CLOSED.
	_, err = zx.Client{Handle: c}.Call(after(20*time.Millisecond), &zx.KosMsg{}, nil)
	expect(t, "call (server not receiving)", status(err), zx.ErrTimedOut)
	ok(t, "kill the server process", srv.Kill())
	for _, h := range []zx.Handle{c, c2} {
		_, err = zx.Client{Handle: h}.Call(zx.TimeInfinite, &zx.KosMsg{}, nil)
		expect(t, "call (server process dead)", status(err), zx.ErrPeerClosed)
	}
	// Both ends in the caller: a working channel.
	cc, ss, _, err := zx.ConnectEx(self, self, zx.HandleInvalid)
	ok(t, "kos_handle_connect_ex(self, self)", err)
	closeLater(t, cc, ss)
	done := serve(zx.Server{Handle: ss}, zx.TimeInfinite, &zx.KosMsg{Fixed: []byte("pong")})
	rd := &zx.KosRecvBuf{Fixed: make([]byte, 8)}
	sz, err := zx.Client{Handle: cc}.Call(zx.TimeInfinite, &zx.KosMsg{Method: 5}, rd)
	ok(t, "call", err)
	if r := <-done; r.err != nil || r.info.Method != 5 || string(rd.Fixed[:sz.Fixed]) != "pong" {
		t.Fatalf("served %+v, reply %q", r, rd.Fixed[:sz.Fixed])
	}
}

// TestHandleConnectExErrors: rights over both processes, the listener in
// the server's table, dead targets and the policy; every failure leaves
// both tables as they were.
func TestHandleConnectExErrors(t *testing.T) {
	self := zx.ProcessSelf()
	cli, srv := newTarget(t, "cx-client", ""), newTarget(t, "cx-server", "")
	weak, err := cli.Handle.Duplicate(zx.RightInspect | zx.RightDuplicate)
	ok(t, "duplicate", err)
	closeLater(t, weak)
	dead := newTarget(t, "cx-dead", "")
	ok(t, "kill", dead.Kill())
	denied := newTarget(t, "cx-denied", "conformance.denied")
	srvListener, _, _, err := zx.ConnectEx(self, srv, zx.HandleInvalid) // srv now holds a listener...
	ok(t, "connect_ex", err)
	closeLater(t, srvListener)
	_, _, srvL, err := zx.ConnectEx(self, srv, zx.HandleInvalid) // ...and this one, whose value we keep
	ok(t, "connect_ex", err)
	l := newListener(t) // a listener in the caller's table only
	ev := newEvent(t)
	_, notListener, _, err := zx.ConnectEx(self, self, l.Handle)
	ok(t, "connect_ex(self)", err)
	closeLater(t, notListener)
	for _, x := range []struct {
		name               string
		client, server, lh zx.Handle
		options            uint32
		want               zx.Status
	}{
		{"options", cli.Handle, srv.Handle, zx.HandleInvalid, 1, zx.ErrInvalidArgs},
		{"client_bad_handle", badHandle, srv.Handle, zx.HandleInvalid, 0, zx.ErrBadHandle},
		{"server_bad_handle", cli.Handle, badHandle, zx.HandleInvalid, 0, zx.ErrBadHandle},
		{"client_closed_handle", staleHandle(t), srv.Handle, zx.HandleInvalid, 0, zx.ErrBadHandle},
		{"client_revoked", revokedCopy(t, cli.Handle), srv.Handle, zx.HandleInvalid, 0, zx.ErrHandleRevoked},
		{"client_not_a_process", ev, srv.Handle, zx.HandleInvalid, 0, zx.ErrWrongType},
		{"server_not_a_process", cli.Handle, ev, zx.HandleInvalid, 0, zx.ErrWrongType},
		{"no_rights_over_client", weak, srv.Handle, zx.HandleInvalid, 0, zx.ErrAccessDenied},
		{"no_rights_over_server", cli.Handle, weak, zx.HandleInvalid, 0, zx.ErrAccessDenied},
		{"listener_of_the_caller", cli.Handle, srv.Handle, l.Handle, 0, zx.ErrBadHandle},
		{"listener_not_a_server", cli.Handle, self.Handle, ev, 0, zx.ErrWrongType},
		{"listener_without_LISTEN", cli.Handle, self.Handle, notListener, 0, zx.ErrAccessDenied},
		{"listener_revoked", cli.Handle, self.Handle, revokedCopy(t, l.Handle), 0, zx.ErrHandleRevoked},
		{"dead_client", dead.Handle, srv.Handle, zx.HandleInvalid, 0, zx.ErrBadState},
		{"dead_client_with_listener", dead.Handle, srv.Handle, srvL, 0, zx.ErrBadState},
		{"dead_server", cli.Handle, dead.Handle, zx.HandleInvalid, 0, zx.ErrBadState},
		{"policy_denies_the_connection", denied.Handle, srv.Handle, zx.HandleInvalid, 0, zx.ErrPolicyDenied},
		{"policy_denies_the_connection_to_a_listener", denied.Handle, srv.Handle, srvL, 0, zx.ErrPolicyDenied},
	} {
		t.Run(x.name, func(t *testing.T) {
			tc, ts, mine := tableOf(t, cli), tableOf(t, srv), handles(t)
			c, s, lo := zx.Handle(1), zx.Handle(2), zx.Handle(3)
			expect(t, "kos_handle_connect_ex", zx.Sys_kos_handle_connect_ex(x.client, x.server, x.lh, x.options, &c, &s, &lo), x.want)
			if c != 1 || s != 2 || lo != 3 {
				t.Errorf("outputs written on failure: %#x %#x %#x", c, s, lo)
			}
			if tableOf(t, cli) != tc || tableOf(t, srv) != ts || handles(t) != mine {
				t.Errorf("a failed connect_ex changed a table")
			}
		})
	}
	for _, ba := range badAddrs {
		t.Run("bad_out_"+ba.Name, func(t *testing.T) {
			tc, ts := tableOf(t, cli), tableOf(t, srv)
			var a, b zx.Handle
			expect(t, "client out", zx.Sys_kos_handle_connect_ex(cli.Handle, srv.Handle, 0, 0, hptr(ba.Addr), &a, &b), zx.ErrInvalidArgs)
			expect(t, "server out", zx.Sys_kos_handle_connect_ex(cli.Handle, srv.Handle, 0, 0, &a, hptr(ba.Addr), &b), zx.ErrInvalidArgs)
			expect(t, "listener out", zx.Sys_kos_handle_connect_ex(cli.Handle, srv.Handle, 0, 0, &a, &b, hptr(ba.Addr)), zx.ErrInvalidArgs)
			if tableOf(t, cli) != tc || tableOf(t, srv) != ts {
				t.Errorf("a failed connect_ex changed a table")
			}
		})
	}
}

// TestHandleConnectExFullTable: with the caller's table full, a
// connection with the client there and one with the server there both
// fail with NO_RESOURCES, leaving nothing in the other process either
// (the server side, installed first, is taken back).
func TestHandleConnectExFullTable(t *testing.T) {
	self := zx.ProcessSelf()
	other := newTarget(t, "cx-other", "")
	_, _, ol, err := zx.ConnectEx(self, other, zx.HandleInvalid)
	ok(t, "connect_ex", err)
	ev := newEvent(t)
	before := tableOf(t, other)
	fillTable(t, ev)
	mine := handles(t)
	for _, x := range []struct {
		name           string
		client, server zx.Process
		listener       zx.Handle
	}{
		{"client_side_full_new_listener", self, other, zx.HandleInvalid},
		{"client_side_full_listener", self, other, ol},
		{"server_side_full", other, self, zx.HandleInvalid},
	} {
		_, _, _, err := zx.ConnectEx(x.client, x.server, x.listener)
		expect(t, x.name, status(err), zx.ErrNoResources)
		if tableOf(t, other) != before || handles(t) != mine {
			t.Errorf("%s: tables changed", x.name)
		}
	}
}
