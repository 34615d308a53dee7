package kos

import (
	"fmt"
	"os"
	"testing"
	"time"

	"beryl/userspace/launch"
	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

// Workers: cases that need a second process relaunch this test binary
// from the boot filesystem (userspace/launch) with workerEnv naming its
// part; a launcher holding the root resource (init passes it as
// PA_RESOURCE) names the worker's security class for the IPC policy.

// workerEnv names the worker mode of a relaunched test binary.
const workerEnv = "BERYL_KOS_WORKER"

// paUser0 is Fuchsia's PA_USER0: the worker's control handle.
const paUser0 = zx.PAUser0

// Methods the server worker treats specially; any other call is answered
// with "ENDPOINT/METHOD" as the fixed part.
const (
	methodTwoHandles = 5 // reply with two new event handles
	methodProvide    = 6 // reply with a user object the worker provides
	providedContext  = 0x5eed
)

// TestMain runs the worker a relaunched binary names, else the tests.
func TestMain(m *testing.M) { relaunch.Main(m, workerEnv, worker) }

// worker runs in the relaunched child and returns its exit status.
func worker(mode string) int {
	switch mode {
	case "server":
		return serverWorker()
	case "client":
		return clientWorker()
	}
	fmt.Fprintf(os.Stderr, "kos worker: unknown mode %q\n", mode)
	return 100
}

// serverWorker creates a client/server pair itself (so the server object
// has this process's class), sends the client on its PA_USER0 channel and
// answers calls until every client is gone. It exits 0 then, and non-zero
// on any failure or if a call on endpoint 2 (which the boot policy denies
// to every class but kvstore) reached it.
func serverWorker() int {
	h, ok := zx.TakeStartupHandle(paUser0)
	if !ok {
		return 10
	}
	ch := zx.Channel{Handle: h}
	c, s, _, err := zx.Connect()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kos server worker: connect:", err)
		return 11
	}
	if err := ch.Write([]byte("client"), []zx.Handle{c.Handle}, 0); err != nil {
		fmt.Fprintln(os.Stderr, "kos server worker: channel_write:", err)
		return 12
	}
	ch.Close()
	code := 0
	for {
		rb := zx.KosRecvBuf{Fixed: make([]byte, 64), Arena: make([]byte, 64), Handles: make([]zx.KosRecvHandle, 4)}
		info, err := s.Recv(zx.TimeInfinite, &rb)
		if status(err) == zx.ErrPeerClosed {
			return code
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "kos server worker: recv:", err)
			return 13
		}
		for _, rh := range rb.Handles[:info.Sizes.Handles] {
			if !rh.IsDereferenced() {
				rh.Handle.Close()
			}
		}
		if info.Endpoint == 2 {
			fmt.Fprintf(os.Stderr, "kos server worker: received a call on endpoint 2 (method %d) from koid %d\n", info.Method, info.CallerKoid)
			code = 15
		}
		var rep zx.KosMsg
		var mine []zx.Handle
		switch info.Method {
		case methodTwoHandles:
			for i := 0; i < 2; i++ {
				ev, err := zx.NewEvent(0)
				if err != nil {
					return 16
				}
				mine = append(mine, ev.Handle)
				rep.Handles = append(rep.Handles, zx.KosHandleDesc{Handle: ev.Handle, Rights: zx.RightSameRights})
			}
		case methodProvide:
			u, err := zx.NewUserObject(zx.RightTransfer|zx.RightDuplicate, providedContext, zx.HandleInvalid, 0)
			if err != nil {
				return 17
			}
			mine = append(mine, u.Handle)
			rep.Handles = []zx.KosHandleDesc{{Handle: u.Handle, Rights: zx.RightSameRights}}
		default:
			rep.Fixed = []byte(fmt.Sprintf("%d/%d", info.Endpoint, info.Method))
		}
		err = s.Reply(info.CallID, &rep)
		for _, h := range mine {
			h.Close()
		}
		// kos_reply reports the caller's status: the cases with no room
		// for the reply's handles end with NO_RESOURCES.
		if err != nil && status(err) != zx.ErrCanceled && status(err) != zx.ErrNoResources {
			fmt.Fprintln(os.Stderr, "kos server worker: reply:", err)
			return 14
		}
	}
}

// policyCall is a call through a client of the kv.server worker and the
// status the boot policy (userspace/etc/policy) gives it.
type policyCall struct {
	endpoint, method uint32
	want             zx.Status
}

// clientBCalls are kv.client.b's: delete (endpoint 1 method 4) and the
// administration endpoint 2 are denied, a read is not.
var clientBCalls = []policyCall{
	{1, 4, zx.ErrPolicyDenied},
	{1, 3, zx.OK},
	{2, 1, zx.ErrPolicyDenied},
}

// policyCheck makes c and reports a mismatch.
func policyCheck(h zx.Handle, c policyCall) error {
	rd := zx.KosRecvBuf{Fixed: make([]byte, 16)}
	sz, err := zx.KosCall(h, after(time.Minute), &zx.KosMsg{Endpoint: c.endpoint, Method: c.method}, &rd)
	if status(err) != c.want {
		return fmt.Errorf("call endpoint %d method %d: %v, want %v", c.endpoint, c.method, status(err), c.want)
	}
	if want := fmt.Sprintf("%d/%d", c.endpoint, c.method); err == nil && string(rd.Fixed[:sz.Fixed]) != want {
		return fmt.Errorf("call endpoint %d method %d: reply %q, want %q", c.endpoint, c.method, rd.Fixed[:sz.Fixed], want)
	}
	return nil
}

// clientWorker (class kv.client.b) makes clientBCalls through the client
// handle it gets as PA_USER0 and exits 0 if each got its status.
func clientWorker() int {
	h, ok := zx.TakeStartupHandle(paUser0)
	if !ok {
		return 20
	}
	if class, err := zx.ProcessSelf().Class(); err != nil || class != "kv.client.b" {
		fmt.Fprintf(os.Stderr, "kos client worker: class %q %v, want kv.client.b\n", class, err)
		return 21
	}
	code := 0
	for i, c := range clientBCalls {
		if err := policyCheck(h, c); err != nil {
			fmt.Fprintln(os.Stderr, "kos client worker (kv.client.b):", err)
			code = 30 + i
		}
	}
	return code
}

// startWorker launches a worker in mode with class (none: ours) and the
// startup handle h as PA_USER0; it is killed at the end of the test if
// still running.
func startWorker(t *testing.T, mode, class string, h zx.Handle) *launch.Process {
	t.Helper()
	cfg := launch.Config{Argv: []string{os.Args[0], "worker", mode}, Env: relaunch.Environ(mode),
		Handles: []launch.Handle{{Type: paUser0, Handle: h}}}
	if class != "" {
		if relaunch.RootResource == zx.HandleInvalid {
			t.Fatal("no root resource (PA_RESOURCE): init passes it to the programs it runs")
		}
		cfg.Class, cfg.Resource = class, relaunch.RootResource
	}
	p, err := launch.Start(relaunch.SelfImage(t), cfg)
	if err != nil {
		t.Fatalf("launch %s worker: %v", mode, err)
	}
	t.Cleanup(func() {
		if _, err := p.WaitOne(zx.ProcessTerminated, 0); err != nil {
			p.Kill()
		}
		p.Close()
	})
	return p
}

// exitCode waits (at most two minutes) for a worker's return code.
func exitCode(t *testing.T, p *launch.Process) int64 {
	t.Helper()
	if _, err := p.WaitOne(zx.ProcessTerminated, after(2*time.Minute)); err != nil {
		t.Fatalf("worker did not exit: %v", err)
	}
	code, err := p.Wait()
	ok(t, "wait", err)
	return code
}

// startServer launches a server worker with class (none: ours) and
// returns the client it sent.
func startServer(t *testing.T, class string) (zx.Client, *launch.Process) {
	t.Helper()
	mine, theirs, err := zx.NewChannel(0)
	ok(t, "channel_create", err)
	closeLater(t, mine.Handle)
	p := startWorker(t, "server", class, theirs.Handle)
	if _, err := mine.WaitOne(zx.ChannelReadable|zx.ChannelPeerClosed, after(2*time.Minute)); err != nil {
		t.Fatalf("waiting for the server worker's client: %v", err)
	}
	var b [16]byte
	hs := make([]zx.Handle, 1)
	n, nh, err := mine.Read(b[:], hs, 0)
	ok(t, "channel_read", err)
	if string(b[:n]) != "client" || nh != 1 {
		t.Fatalf("server worker sent %q and %d handles", b[:n], nh)
	}
	closeLater(t, hs[0])
	if i := basic(t, hs[0]); i.Type != zx.ObjTypeKosClient {
		t.Fatalf("server worker sent a handle of type %d", i.Type)
	}
	return zx.Client{Handle: hs[0]}, p
}

// providedByWorker returns a user object another process created (its
// provider), received in a reply; the provider has exited since.
func providedByWorker(t *testing.T) zx.Handle {
	t.Helper()
	c, p := startServer(t, "")
	rd := zx.KosRecvBuf{Handles: make([]zx.KosRecvHandle, 1)}
	_, err := c.Call(after(time.Minute), &zx.KosMsg{Endpoint: 1, Method: methodProvide}, &rd)
	ok(t, "kos_call(provide)", err)
	h := rd.Handles[0]
	closeLater(t, h.Handle)
	if h.IsDereferenced() || h.Type != zx.ObjTypeKosUserObject {
		t.Fatalf("provided handle %+v", h)
	}
	ok(t, "close client", c.Close())
	if code := exitCode(t, p); code != 0 {
		t.Fatalf("server worker exit %d", code)
	}
	return h.Handle
}

// TestPolicy: the boot IPC policy (etc/policy, userspace/etc/policy)
// checks each call on the caller's class, the class of the process that
// created the server, the endpoint and the method: `deny call
// kv.client.b kv.server 1 4` and `deny call * kv.server 2 *` (after
// `allow call kvstore kv.server 2 *`; default allow). A server worker of
// class kv.server serves; a client worker of class kv.client.b and this
// process (any other class) call it. A denied call never reaches the
// server and transfers nothing.
func TestPolicy(t *testing.T) {
	if relaunch.RootResource == zx.HandleInvalid {
		t.Fatal("no root resource (PA_RESOURCE): init passes it to the programs it runs")
	}
	self, err := zx.ProcessSelf().Class()
	ok(t, "ZX_PROP_PROCESS_CLASS", err)
	if self == "kv.client.b" || self == "kvstore" || self == "kv.server" {
		t.Fatalf("this process has class %q: the cases assume another", self)
	}
	c, srv := startServer(t, "kv.server")
	t.Run("server_class", func(t *testing.T) {
		if class, err := srv.Class(); err != nil || class != "kv.server" {
			t.Fatalf("server worker class %q %v", class, err)
		}
	})
	t.Run("kv.client.b", func(t *testing.T) {
		dup, err := c.Handle.Duplicate(zx.RightSameRights)
		ok(t, "handle_duplicate", err)
		p := startWorker(t, "client", "kv.client.b", dup)
		if code := exitCode(t, p); code != 0 {
			t.Fatalf("kv.client.b worker exit %d (20s: setup; 30+i: clientBCalls[i] got the wrong status)", code)
		}
	})
	for _, x := range []struct {
		name string
		call policyCall
	}{
		{"other_class_endpoint_2_denied", policyCall{2, 1, zx.ErrPolicyDenied}},
		{"other_class_endpoint_2_method_0_denied", policyCall{2, 0, zx.ErrPolicyDenied}},
		{"other_class_endpoint_1_method_4_allowed", policyCall{1, 4, zx.OK}},
		{"other_class_endpoint_1_method_3_allowed", policyCall{1, 3, zx.OK}},
	} {
		t.Run(x.name, func(t *testing.T) {
			if err := policyCheck(c.Handle, x.call); err != nil {
				t.Fatalf("class %q: %v", self, err)
			}
		})
	}
	t.Run("denied_call_transfers_nothing", func(t *testing.T) {
		u := newUserObject(t, 1)
		before := handleCount(t, u.Handle)
		_, err := c.Call(after(time.Minute), &zx.KosMsg{Endpoint: 2, Method: 1,
			Handles: []zx.KosHandleDesc{{Handle: u.Handle, Rights: zx.RightSameRights}}}, nil)
		expect(t, "kos_call(endpoint 2, with a handle)", status(err), zx.ErrPolicyDenied)
		if n := handleCount(t, u.Handle); n != before {
			t.Fatalf("handles to the user object %d -> %d", before, n)
		}
	})
	t.Run("server_saw_no_denied_call", func(t *testing.T) {
		ok(t, "close client", c.Close())
		if code := exitCode(t, srv); code != 0 {
			t.Fatalf("server worker exit %d (15: a denied call reached it)", code)
		}
	})
}

// TestNoResources: with the handle table full, every kos syscall that
// makes a handle fails with ZX_ERR_NO_RESOURCES and changes nothing; a
// pair needs two slots; kos_recv of a request with more new handles than
// there is room for fails and keeps the request (with its sizes in info),
// and kos_call whose reply carries more new handles than there is room
// for fails (with the reply's sizes) and drops the reply.
func TestNoResources(t *testing.T) {
	ev := newEvent(t)
	u := newUserObject(t, 1)
	l := newListener(t)
	c, s := connect(t)
	wc, srv := startServer(t, "")
	// A request carrying two handles that arrive as new handles: their
	// sources are closed while it is queued, so the receiver owns no
	// ancestor of them.
	e1, e2 := newEvent(t), newEvent(t)
	res := make(chan error, 1)
	go func() {
		_, err := c.Call(after(5*time.Minute), &zx.KosMsg{Method: 9, Handles: []zx.KosHandleDesc{
			{Handle: e1, Rights: zx.RightSameRights}, {Handle: e2, Rights: zx.RightSameRights}}}, nil)
		res <- err
	}()
	info, err := s.Recv(after(time.Minute), &zx.KosRecvBuf{})
	expect(t, "kos_recv(queued?)", status(err), zx.ErrBufferTooSmall)
	if info.Sizes.Handles != 2 {
		t.Fatalf("queued request sizes %+v", info.Sizes)
	}
	ok(t, "close e1", e1.Close())
	ok(t, "close e2", e2.Close())

	fill := fillTable(t, ev)
	for _, x := range []struct {
		name string
		call func() zx.Status
	}{
		{"table_full", func() zx.Status { var h zx.Handle; return zx.Sys_event_create(0, &h) }},
		{"user_object_create", func() zx.Status {
			var h zx.Handle
			return zx.Sys_kos_user_object_create(uoRights, 1, zx.HandleInvalid, 0, &h)
		}},
		{"callable_create", func() zx.Status { var h zx.Handle; return zx.Sys_kos_callable_create(0, 1, l.Handle, 1, &h) }},
		{"badge_create", func() zx.Status { var h zx.Handle; return zx.Sys_kos_badge_create(1, zx.HandleInvalid, 0, &h) }},
		{"handle_copy", func() zx.Status {
			var h zx.Handle
			return zx.Sys_kos_handle_copy(u.Handle, zx.RightSameRights, zx.HandleInvalid, &h)
		}},
		{"listener_create", func() zx.Status { var h zx.Handle; return zx.Sys_kos_listener_create(0, &h) }},
		{"handle_connect_pair", func() zx.Status {
			var a, b, c zx.Handle
			return zx.Sys_kos_handle_connect(zx.HandleInvalid, 0, &a, &b, &c)
		}},
		{"handle_connect_listener", func() zx.Status {
			var a, b, c zx.Handle
			return zx.Sys_kos_handle_connect(l.Handle, 0, &a, &b, &c)
		}},
	} {
		t.Run(x.name, func(t *testing.T) {
			before := handles(t)
			expect(t, x.name, x.call(), zx.ErrNoResources)
			if n := handles(t); n != before {
				t.Fatalf("handles %d -> %d", before, n)
			}
		})
	}

	fill.free(t, 1)
	t.Run("handle_connect_pair_needs_two", func(t *testing.T) {
		before, servers := handles(t), typeCount(t, zx.ObjTypeKosServer)
		var a, b, c zx.Handle
		expect(t, "kos_handle_connect", zx.Sys_kos_handle_connect(zx.HandleInvalid, 0, &a, &b, &c), zx.ErrNoResources)
		if n := handles(t); n != before || typeCount(t, zx.ObjTypeKosServer) != servers {
			t.Fatalf("handles %d -> %d, servers %d -> %d", before, n, servers, typeCount(t, zx.ObjTypeKosServer))
		}
	})
	t.Run("recv_two_new_handles", func(t *testing.T) {
		before := handles(t)
		info, err := s.Recv(0, &zx.KosRecvBuf{Handles: make([]zx.KosRecvHandle, 2)})
		expect(t, "kos_recv", status(err), zx.ErrNoResources)
		if info.Sizes != (zx.KosSizes{Handles: 2}) || info.CallID != 0 || handles(t) != before {
			t.Fatalf("info %+v, handles %d -> %d", info, before, handles(t))
		}
	})
	t.Run("call_reply_with_two_new_handles", func(t *testing.T) {
		before := handles(t)
		sz, err := wc.Call(after(time.Minute), &zx.KosMsg{Endpoint: 1, Method: methodTwoHandles},
			&zx.KosRecvBuf{Handles: make([]zx.KosRecvHandle, 2)})
		expect(t, "kos_call", status(err), zx.ErrNoResources)
		if sz != (zx.KosSizes{Handles: 2}) || handles(t) != before {
			t.Fatalf("sizes %+v, handles %d -> %d", sz, before, handles(t))
		}
	})

	fill.free(t, 1)
	newHandles := func(t *testing.T, hs []zx.KosRecvHandle) {
		t.Helper()
		for i, h := range hs {
			closeLater(t, h.Handle)
			if h.IsDereferenced() || h.Type != zx.ObjTypeEvent {
				t.Errorf("handle %d: %+v, want a new event handle", i, h)
			}
		}
	}
	t.Run("recv_kept_the_request", func(t *testing.T) {
		before := handles(t)
		rb := zx.KosRecvBuf{Handles: make([]zx.KosRecvHandle, 2)}
		info, err := s.Recv(0, &rb)
		ok(t, "kos_recv", err)
		if info.Method != 9 || info.Sizes.Handles != 2 || handles(t) != before+2 {
			t.Fatalf("request %+v, handles %d -> %d", info, before, handles(t))
		}
		newHandles(t, rb.Handles)
		ok(t, "kos_reply", s.Reply(info.CallID, &zx.KosMsg{}))
		ok(t, "kos_call", <-res)
	})
	t.Run("call_with_room", func(t *testing.T) {
		fill.release()
		rd := zx.KosRecvBuf{Handles: make([]zx.KosRecvHandle, 2)}
		sz, err := wc.Call(after(time.Minute), &zx.KosMsg{Endpoint: 1, Method: methodTwoHandles}, &rd)
		ok(t, "kos_call", err)
		if sz.Handles != 2 {
			t.Fatalf("sizes %+v", sz)
		}
		newHandles(t, rd.Handles)
	})
	t.Run("server_worker_exit", func(t *testing.T) {
		ok(t, "close client", wc.Close())
		if code := exitCode(t, srv); code != 0 {
			t.Fatalf("server worker exit %d", code)
		}
	})
}

// filler holds the duplicates that fill this process's handle table.
type filler struct{ hs []zx.Handle }

// fillTable duplicates src until the table is full (at most 1 Mi
// handles); the duplicates are closed at the end of the test.
func fillTable(t *testing.T, src zx.Handle) *filler {
	t.Helper()
	f := &filler{}
	t.Cleanup(f.release)
	for {
		var d zx.Handle
		st := zx.Sys_handle_duplicate(src, zx.RightSameRights, &d)
		if st == zx.ErrNoResources {
			return f
		}
		if st != zx.OK {
			t.Fatalf("handle_duplicate: %v", st)
		}
		f.hs = append(f.hs, d)
		if len(f.hs) > 1<<20 {
			t.Fatal("no handle table limit within 1 Mi handles")
		}
	}
}

// free closes n of the duplicates.
func (f *filler) free(t *testing.T, n int) {
	t.Helper()
	for ; n > 0 && len(f.hs) > 0; n-- {
		ok(t, "close", f.hs[len(f.hs)-1].Close())
		f.hs = f.hs[:len(f.hs)-1]
	}
}

// release closes every duplicate.
func (f *filler) release() {
	for off := 0; off < len(f.hs); off += 4096 {
		zx.Sys_handle_close_many(&f.hs[off], uint(min(4096, len(f.hs)-off)))
	}
	f.hs = nil
}
