package kos

import (
	"encoding/binary"
	"sync"
	"testing"

	"beryl/kernel/object"
)

// give hands dst a descendant of src's handle h (the primitive under a
// kos transfer), returning dst's value.
func give(t *testing.T, src *object.Process, h Handle, rights object.Rights, badge *Badge, dst *object.Process) Handle {
	t.Helper()
	e, st := object.DeriveHandle(src, h, object.RightTransfer, rights, badgeObject(badge))
	if st != OK {
		t.Fatalf("DeriveHandle: %v", st)
	}
	v, st := dst.Table().Add(e)
	if st != OK {
		t.Fatalf("Add: %v", st)
	}
	return v
}

// Key-value provider protocol used by the flow tests.
const (
	kvEndpoint = 7
	mOpen      = 1 // fixed: key; reply: resource handle
	mGet       = 2 // handles: resource; reply fixed: value
	mPut       = 3 // handles: resource; fixed: value
	mClose     = 4 // handles: resource
)

const (
	rightGet = 1 << 16 // RightSpecific(0)
	rightPut = 1 << 17 // RightSpecific(1)
)

// kvServer is an in-memory key-value provider: open hands out a user
// object per key under the calling client's badge; get/put/close take the
// resource back and use dereferencing to find it.
type kvServer struct {
	t        *testing.T
	p        *object.Process
	listener Handle
	port     Handle
	mu       sync.Mutex
	values   map[uint64][]byte // by resource context
	keys     map[string]Handle // resource handles by key
	badges   map[object.Koid]Handle
	nextCtx  uint64
	served   int
}

func newKV(t *testing.T, p *object.Process) *kvServer {
	return &kvServer{t: t, p: p, listener: must(ListenerCreate(p, 0)), port: must(object.PortCreate(p, 0)),
		values: map[uint64][]byte{}, keys: map[string]Handle{}, badges: map[object.Koid]Handle{}}
}

// connect connects a client process with its own badge, returning the
// client's IPC handle and the badge handle (in the provider).
func (kv *kvServer) connect(cli *object.Process, badgeCtx uint64) (Handle, Handle) {
	c, s, l, st := HandleConnect(kv.p, kv.listener, 0)
	if st != OK || s == kv.listener || l != kv.listener {
		kv.t.Fatalf("HandleConnect: %v %v %v", st, s, l)
	}
	object.HandleClose(kv.p, s)
	cc := give(kv.t, kv.p, c, object.RightSameRights, nil, cli)
	object.HandleClose(kv.p, c)
	b := must(BadgeCreate(kv.p, badgeCtx, kv.port, badgeCtx))
	kv.badges[koidOf(kv.t, cli, cc)] = b
	return cc, b
}

// serveOne handles one request.
func (kv *kvServer) serveOne() Status {
	args := &RecvArgs{Fixed: make([]byte, 64), Handles: make([]RecvHandle, 1)}
	info, st := Recv(kv.p, kv.listener, 0, object.TimeInfinite, args)
	if st != OK {
		return st
	}
	kv.served++
	fixed := args.Fixed[:info.Sizes.Fixed]
	reply := &ReplyArgs{}
	status := func(s Status) {
		reply.Fixed = binary.LittleEndian.AppendUint32(reply.Fixed, uint32(s))
	}
	switch info.Method {
	case mOpen:
		key := string(fixed)
		res, ok := kv.keys[key]
		if !ok {
			kv.nextCtx++
			res = must(UserObjectCreate(kv.p, object.RightTransfer|object.RightDuplicate|rightGet|rightPut, kv.nextCtx, invalid, 0))
			kv.keys[key] = res
		}
		status(OK)
		reply.Handles = []HandleDesc{{Handle: res, Rights: object.RightTransfer | object.RightDuplicate | rightGet | rightPut, Badge: kv.badges[info.Client]}}
	case mGet, mPut, mClose:
		if info.Sizes.Handles != 1 || !args.Handles[0].IsDereferenced() {
			status(object.ErrBadHandle)
			break
		}
		rh := &args.Handles[0]
		op := object.Rights(rightGet)
		if info.Method == mPut {
			op = rightPut
		} else if info.Method == mClose {
			op = 0
		}
		badgeCtx, st := rh.BadgeOp(op)
		if st != OK {
			status(st)
			break
		}
		ctx := must(UserObjectGetContext(kv.p, rh.Handle))
		kv.mu.Lock()
		switch info.Method {
		case mGet:
			status(OK)
			reply.Fixed = append(reply.Fixed, kv.values[ctx]...)
		case mPut:
			kv.values[ctx] = append([]byte(nil), fixed...)
			status(OK)
		case mClose:
			status(OK)
		}
		kv.mu.Unlock()
		reply.Fixed = binary.LittleEndian.AppendUint64(reply.Fixed, badgeCtx)
	}
	return Reply(kv.p, kv.listener, info.CallID, reply)
}

// kvCall makes one call, returning the Call status, the reply status and
// payload, and a received handle (if any).
func kvCall(cli *object.Process, c Handle, method uint32, fixed []byte, res Handle) (Status, Status, []byte, Handle) {
	args := &CallArgs{Endpoint: kvEndpoint, Method: method, Fixed: fixed,
		RdFixed: make([]byte, 64), RdHandles: make([]RecvHandle, 1)}
	if res != invalid {
		args.Handles = []HandleDesc{{Handle: res, Rights: object.RightSameRights}}
	}
	sz, st := Call(cli, c, object.TimeInfinite, args)
	if st != OK {
		return st, 0, nil, invalid
	}
	rs := Status(binary.LittleEndian.Uint32(args.RdFixed))
	var h Handle
	if sz.Handles == 1 {
		h = args.RdHandles[0].Handle
	}
	return OK, rs, args.RdFixed[4:sz.Fixed], h
}

// TestKeyValueProvider is the object-level version of the KasperskyOS worked
// example: a provider hands out user-object handles under per-client
// badges; clients open, use (through dereferencing) and close resources;
// revoking one client's badge cuts off only that client; the policy
// forbids one method to one client.
func TestKeyValueProvider(t *testing.T) {
	e := newEnv(t)
	prov := e.proc("kv")
	c1p, c2p := e.proc("alice"), e.proc("bob")
	kv := newKV(t, prov)
	pol, err := ParsePolicy([]byte(`
default deny
deny  call bob kv 7 3      # bob may not put
allow call * kv 7 *
allow recv kv * * *
allow reply kv * * *
`))
	if err != nil {
		t.Fatal(err)
	}
	SetPolicy(pol)

	stop := make(chan struct{})
	served := make(chan struct{})
	go func() {
		defer close(served)
		for kv.serveOne() == OK {
		}
		close(stop)
	}()

	c1, b1 := kv.connect(c1p, 0xa11ce)
	c2, b2 := kv.connect(c2p, 0xb0b)

	// Open: each client gets a descendant of the provider's handle.
	st, rs, _, r1 := kvCall(c1p, c1, mOpen, []byte("k"), invalid)
	if st != OK || rs != OK || r1 == invalid {
		t.Fatalf("alice open: %v %v %v", st, rs, r1)
	}
	st, rs, _, r2 := kvCall(c2p, c2, mOpen, []byte("k"), invalid)
	if st != OK || rs != OK || r2 == invalid {
		t.Fatalf("bob open: %v %v %v", st, rs, r2)
	}
	if got := rightsOf(t, c1p, r1); got != object.RightTransfer|object.RightDuplicate|rightGet|rightPut {
		t.Errorf("alice's rights %#x", got)
	}
	// Put by alice, get by bob: both dereference to the same resource, each
	// under its own badge.
	st, rs, out, _ := kvCall(c1p, c1, mPut, []byte("hello"), r1)
	if st != OK || rs != OK || binary.LittleEndian.Uint64(out) != 0xa11ce {
		t.Fatalf("alice put: %v %v %x", st, rs, out)
	}
	st, rs, out, _ = kvCall(c2p, c2, mGet, nil, r2)
	if st != OK || rs != OK || string(out[:5]) != "hello" || binary.LittleEndian.Uint64(out[5:]) != 0xb0b {
		t.Fatalf("bob get: %v %v %q", st, rs, out)
	}
	// The policy forbids bob's put: the call is denied and logged.
	n0, _ := Denials()
	st, _, _, _ = kvCall(c2p, c2, mPut, []byte("x"), r2)
	wantStatus(t, "bob put", st, ErrPolicyDenied)
	if n1, ds := Denials(); n1 != n0+1 || ds[len(ds)-1] != (Denial{Kind: KindCall, Subject: "bob", Object: "kv", Endpoint: 7, Method: mPut}) {
		t.Errorf("denial log: %d %+v", n1, ds)
	}
	// A read-only descendant: get works, put is refused by the provider
	// through BadgeOp.
	ro := must(HandleCopy(c1p, r1, object.RightTransfer|rightGet, invalid))
	st, rs, _, _ = kvCall(c1p, c1, mPut, []byte("y"), ro)
	if st != OK || rs != object.ErrAccessDenied {
		t.Fatalf("read-only put: %v %v", st, rs)
	}
	// Revoking alice's badge cuts off only alice.
	wantStatus(t, "revoke", HandleRevokeSubtree(prov, kv.keys["k"], b1), OK)
	pk, ctx, _ := portPacket(t, prov, kv.port)
	if pk.Type != PktTypeBadgeClosed || ctx != 0xa11ce || pk.Key != 0xa11ce {
		t.Errorf("badge packet %+v ctx %#x", pk, ctx)
	}
	st, _, _, _ = kvCall(c1p, c1, mGet, nil, r1)
	wantStatus(t, "alice get after revoke", st, ErrHandleRevoked)
	st, _, _, _ = kvCall(c1p, c1, mGet, nil, ro)
	wantStatus(t, "alice's copy after revoke", st, ErrHandleRevoked)
	wantStatus(t, "revoked valid", valid(c1p, r1), ErrHandleRevoked)
	st, rs, out, _ = kvCall(c2p, c2, mGet, nil, r2)
	if st != OK || rs != OK || string(out[:5]) != "hello" {
		t.Fatalf("bob get after alice's revoke: %v %v %q", st, rs, out)
	}
	// Closing: bob closes his resource handle: his badge reports closed.
	wantStatus(t, "close revoked", object.HandleClose(c1p, r1), OK)
	wantStatus(t, "close revoked copy", object.HandleClose(c1p, ro), OK)
	wantStatus(t, "bob close", object.HandleClose(c2p, r2), OK)
	pk, ctx, _ = portPacket(t, prov, kv.port)
	if pk.Type != PktTypeBadgeClosed || ctx != 0xb0b {
		t.Errorf("bob's badge packet %+v", pk)
	}
	// Badges are destroyed once the provider closes them (no tagged
	// handle left).
	object.HandleClose(prov, b1)
	object.HandleClose(prov, b2)
	for i := 0; i < 2; i++ {
		if pk, _, _ := portPacket(t, prov, kv.port); pk.Type != PktTypeBadgeDestroyed {
			t.Errorf("want badge destroyed, got %+v", pk)
		}
	}
	object.HandleClose(c1p, c1)
	object.HandleClose(c2p, c2)
	object.HandleClose(prov, kv.listener)
	<-served
}
