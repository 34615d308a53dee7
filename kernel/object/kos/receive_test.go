package kos

import (
	"sync"
	"sync/atomic"
	"testing"

	"beryl/kernel/object"
)

// xfer is a descriptor sending h with its own rights, untagged.
func xfer(hs ...Handle) []HandleDesc {
	d := make([]HandleDesc, len(hs))
	for i, h := range hs {
		d[i] = HandleDesc{Handle: h, Rights: object.RightSameRights}
	}
	return d
}

// TestReceiveAllOrNothing: a message whose new handles do not all fit the
// receiver's table installs none of them (Recv keeps it queued, Call
// discards the reply), and dereferenced handles take no slot.
func TestReceiveAllOrNothing(t *testing.T) {
	e := newEnv(t)
	srv, _ := object.NewProcess(e.root, "srv", object.ProcessConfig{MaxHandles: 6})
	defer srv.Release()
	cli, _ := object.NewProcess(e.root, "cli", object.ProcessConfig{MaxHandles: 6})
	defer cli.Release()
	c, s := connect(srv)
	cc := give(t, srv, c, object.RightSameRights, nil, cli)
	object.HandleClose(srv, c)
	res := must(UserObjectCreate(srv, object.RightTransfer|object.RightDuplicate, 9, invalid, 0))
	cres := give(t, srv, res, object.RightSameRights, nil, cli)
	spare, fill := must(object.EventCreate(srv, 0)), must(object.EventCreate(srv, 0))
	// srv: s, res, spare, fill (room for 2); cli: cc, cres.
	e1, e2, e3 := must(object.EventCreate(cli, 0)), must(object.EventCreate(cli, 0)), must(object.EventCreate(cli, 0))
	// cli: 5 handles (room for 1).
	srvLen, cliLen := srv.Table().Len(), cli.Table().Len()

	// Request: cres comes back to res (no slot), e1..e3 need 3 slots.
	done := goCall(cli, cc, object.TimeInfinite, &CallArgs{Method: 1, Handles: xfer(cres, e1, e2, e3)})
	server := serverOf(t, srv, s)
	waitQueued(t, server, 1)
	for i := 0; i < 2; i++ {
		args := &RecvArgs{Handles: make([]RecvHandle, 4)}
		_, st := Recv(srv, s, 0, object.TimeInfinite, args)
		wantStatus(t, "recv without room", st, object.ErrNoResources)
		if got := srv.Table().Len(); got != srvLen {
			t.Fatalf("failed Recv left %d handles in srv, want %d", got, srvLen)
		}
		if q, a := server.Pending(); q != 1 || a != 0 {
			t.Fatalf("pending %d %d after failed Recv, want 1 0", q, a)
		}
	}
	object.HandleClose(srv, spare) // room for 3: exactly enough
	info, args := recvOne(t, srv, s, 4)
	if info.Method != 1 || info.CallID == 0 || info.Sizes.Handles != 4 {
		t.Fatalf("recv info %+v", info)
	}
	if h := args.Handles[0]; !h.Dereferenced || h.Handle != res {
		t.Errorf("handle 0 %+v, want res dereferenced", h)
	}
	for i, h := range args.Handles[1:] {
		if h.Dereferenced || valid(srv, h.Handle) != OK || h.Type != object.ObjTypeEvent {
			t.Errorf("handle %d %+v, want a new event handle", i+1, h)
		}
	}
	if got := srv.Table().Len(); got != srvLen+2 {
		t.Errorf("srv has %d handles, want %d", got, srvLen+2)
	}
	wantStatus(t, "reply", Reply(srv, s, info.CallID, &ReplyArgs{}), OK)
	wantStatus(t, "call", waitCall(t, done).st, OK)
	h1, h2 := args.Handles[1].Handle, args.Handles[2].Handle
	object.HandleClose(srv, fill)
	object.HandleClose(srv, args.Handles[3].Handle)

	// Reply: h1, h2 go back to cli's e1, e2 (no slot); x, y need 2 slots
	// where cli has 1, so the call fails and cli's table is unchanged.
	x, y := must(object.EventCreate(srv, 0)), must(object.EventCreate(srv, 0))
	rd := make([]RecvHandle, 4)
	done = goCall(cli, cc, object.TimeInfinite, &CallArgs{Method: 2, RdHandles: rd})
	info, _ = recvOne(t, srv, s, 0)
	wantStatus(t, "reply without room", Reply(srv, s, info.CallID, &ReplyArgs{Handles: xfer(h1, h2, x, y)}), object.ErrNoResources)
	wantStatus(t, "call without room", waitCall(t, done).st, object.ErrNoResources)
	if got := cli.Table().Len(); got != cliLen {
		t.Fatalf("failed reply left %d handles in cli, want %d", got, cliLen)
	}
	// The same with one new handle fits.
	done = goCall(cli, cc, object.TimeInfinite, &CallArgs{Method: 3, RdHandles: rd})
	info, _ = recvOne(t, srv, s, 0)
	wantStatus(t, "reply", Reply(srv, s, info.CallID, &ReplyArgs{Handles: xfer(h1, h2, x)}), OK)
	if r := waitCall(t, done); r.st != OK || r.sz.Handles != 3 {
		t.Fatalf("call: %+v", r)
	}
	if rd[0].Handle != e1 || !rd[0].Dereferenced || rd[1].Handle != e2 || !rd[1].Dereferenced {
		t.Errorf("reply handles 0, 1: %+v %+v, want e1, e2 dereferenced", rd[0], rd[1])
	}
	if rd[2].Dereferenced || valid(cli, rd[2].Handle) != OK {
		t.Errorf("reply handle 2: %+v, want a new handle", rd[2])
	}
	if got := cli.Table().Len(); got != cliLen+1 {
		t.Errorf("cli has %d handles, want %d", got, cliLen+1)
	}
	srv.Kill(0)
	cli.Kill(0)
}

// TestReceiveNoWindow: while a Recv that cannot install all of a message's
// handles fails over and over, another thread of the receiving process
// never sees any of them in its table (it could otherwise close one, and
// the rollback would lose it). With handles added one by one and taken
// back on failure this sees them almost at once.
func TestReceiveNoWindow(t *testing.T) {
	e := newEnv(t)
	srv, _ := object.NewProcess(e.root, "srv", object.ProcessConfig{MaxHandles: 4})
	defer srv.Release()
	cli := e.proc("cli")
	c, s := connect(srv)
	cc := give(t, srv, c, object.RightSameRights, nil, cli)
	object.HandleClose(srv, c)
	// srv: s (room for 3); the request carries 4 new handles.
	evs := make([]Handle, 4)
	for i := range evs {
		evs[i] = must(object.EventCreate(cli, 0))
	}
	done := goCall(cli, cc, object.TimeInfinite, &CallArgs{Handles: xfer(evs...)})
	waitQueued(t, serverOf(t, srv, s), 1)
	base := srv.Table().Len()
	var stop atomic.Bool
	var seen atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if srv.Table().Len() != base {
				seen.Add(1)
			}
		}
	}()
	args := &RecvArgs{Handles: make([]RecvHandle, len(evs))}
	for i := 0; i < 20000 && seen.Load() == 0; i++ {
		if _, st := Recv(srv, s, 0, object.TimeInfinite, args); st != object.ErrNoResources {
			t.Fatalf("Recv %d: %v, want NO_RESOURCES", i, st)
		}
	}
	stop.Store(true)
	wg.Wait()
	if n := seen.Load(); n != 0 {
		t.Errorf("another thread saw part of a failed receive %d times", n)
	}
	srv.Kill(0)
	wantStatus(t, "call", waitCall(t, done).st, object.ErrPeerClosed)
}
