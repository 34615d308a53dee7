package kos

import (
	"testing"

	"beryl/kernel/object"
)

// TestReplyRendezvous: Reply returns only once the caller has the reply:
// when it returns OK the reply's handle is already in the caller's table.
func TestReplyRendezvous(t *testing.T) {
	e := newEnv(t)
	srv, cli := e.proc("srv"), e.proc("cli")
	c, s := connect(srv)
	cc := give(t, srv, c, object.RightSameRights, nil, cli)
	object.HandleClose(srv, c)
	for i := 0; i < 50; i++ {
		before := cli.Table().Len()
		rd := make([]RecvHandle, 1)
		done := goCall(cli, cc, object.TimeInfinite, &CallArgs{Method: 1, RdHandles: rd})
		info, _ := recvOne(t, srv, s, 0)
		ev := must(object.EventCreate(srv, 0))
		wantStatus(t, "reply", Reply(srv, s, info.CallID, &ReplyArgs{Handles: xfer(ev)}), OK)
		if got := cli.Table().Len(); got != before+1 {
			t.Fatalf("round %d: Reply returned before the caller had the reply (%d handles, want %d)", i, got, before+1)
		}
		wantStatus(t, "call", waitCall(t, done).st, OK)
		object.HandleClose(cli, rd[0].Handle)
		object.HandleClose(srv, ev)
	}
}

// TestCallServingClass: Call is checked against the class of the process
// that serves the server at the time, not its creator's: after the
// server handle moves to a process of another class, calls the policy
// forbids to that class are denied (early, once it has received, and at
// delivery before).
func TestCallServingClass(t *testing.T) {
	e := newEnv(t)
	maker, vault, cli := e.proc("maker"), e.proc("vault"), e.proc("cli")
	c, s := connect(maker)
	cc := give(t, maker, c, object.RightSameRights, nil, cli)
	vs := give(t, maker, s, object.RightSameRights, nil, vault)
	object.HandleClose(maker, c)
	object.HandleClose(maker, s)
	pol, err := ParsePolicy([]byte("default allow\ndeny call cli vault * 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	SetPolicy(pol)
	// Queued while the server's class is still its creator's: denied at
	// delivery to vault, which goes on to the next request.
	denied := goCall(cli, cc, object.TimeInfinite, &CallArgs{Method: 2})
	waitQueued(t, serverOf(t, vault, vs), 1)
	allowed := goCall(cli, cc, object.TimeInfinite, &CallArgs{Method: 1})
	n0, _ := Denials()
	info, _ := recvOne(t, vault, vs, 0)
	if info.Method != 1 {
		t.Fatalf("vault received method %d", info.Method)
	}
	wantStatus(t, "denied at delivery", waitCall(t, denied).st, ErrPolicyDenied)
	if n, ds := Denials(); n != n0+1 || ds[len(ds)-1].String() != `call: subject "cli" object "vault" endpoint 0 method 2` {
		t.Errorf("denials %d %v", n, ds)
	}
	wantStatus(t, "reply", Reply(vault, vs, info.CallID, &ReplyArgs{}), OK)
	wantStatus(t, "allowed", waitCall(t, allowed).st, OK)
	// vault has received: the early check now names it.
	_, st := Call(cli, cc, object.TimeInfinite, &CallArgs{Method: 2})
	wantStatus(t, "denied early", st, ErrPolicyDenied)
	if q, a := serverOf(t, vault, vs).Pending(); q != 0 || a != 0 {
		t.Errorf("pending %d %d", q, a)
	}
}
