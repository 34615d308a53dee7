package object

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

func TestChannelWriteRead(t *testing.T) {
	e := newEnv(t)
	a, b := must2(ChannelCreate(e.p, 0))
	ev := e.event()
	evKoid := must(ObjectGetInfoHandleBasic(e.p, ev)).Koid
	wantStatus(t, "write", ChannelWrite(e.p, a, 0, []byte("hello"), []Handle{ev}), OK)
	if e.valid(ev) {
		t.Error("sent handle still valid")
	}
	if s, _ := ObjectWaitOne(e.p, b, ChannelReadable, 0); s&ChannelReadable == 0 {
		t.Error("not readable")
	}
	// Too small: sizes reported, message kept.
	nb, nh, st := ChannelRead(e.p, b, 0, make([]byte, 2), nil)
	wantStatus(t, "small", st, ErrBufferTooSmall)
	if nb != 5 || nh != 1 {
		t.Errorf("sizes %d %d", nb, nh)
	}
	buf, hs := make([]byte, 10), make([]Handle, 1)
	nb, nh, st = ChannelRead(e.p, b, 0, buf, hs)
	wantStatus(t, "read", st, OK)
	if string(buf[:nb]) != "hello" || nh != 1 {
		t.Errorf("got %q %d", buf[:nb], nh)
	}
	if must(ObjectGetInfoHandleBasic(e.p, hs[0])).Koid != evKoid {
		t.Error("received a different object")
	}
	if s, _ := ObjectWaitOne(e.p, b, ChannelReadable, 0); s&ChannelReadable != 0 {
		t.Error("still readable")
	}
	_, _, st = ChannelRead(e.p, b, 0, buf, hs)
	wantStatus(t, "empty", st, ErrShouldWait)
	_, _, st = ChannelRead(e.p, b, 2, buf, hs)
	wantStatus(t, "bad read options", st, ErrNotSupported)

	// MAY_DISCARD drops a message that does not fit, closing its handles.
	ev2 := e.event()
	n := LiveObjects(ObjTypeEvent)
	ChannelWrite(e.p, a, 0, []byte("xyz"), []Handle{ev2})
	nb, nh, st = ChannelRead(e.p, b, ChannelReadMayDiscard, nil, nil)
	wantStatus(t, "discard", st, ErrBufferTooSmall)
	if nb != 3 || nh != 1 || LiveObjects(ObjTypeEvent) != n-1 {
		t.Errorf("discard: %d %d live %d", nb, nh, LiveObjects(ObjTypeEvent))
	}
	_, _, st = ChannelRead(e.p, b, 0, buf, hs)
	wantStatus(t, "empty after discard", st, ErrShouldWait)

	// FIFO order.
	for i := byte(0); i < 5; i++ {
		ChannelWrite(e.p, a, 0, []byte{i}, nil)
	}
	for i := byte(0); i < 5; i++ {
		nb, _, st := ChannelRead(e.p, b, 0, buf, nil)
		if st != OK || nb != 1 || buf[0] != i {
			t.Fatalf("order: %v %d %d", st, nb, buf[0])
		}
	}
	HandleClose(e.p, b)
	wantStatus(t, "peer closed write", ChannelWrite(e.p, a, 0, []byte("x"), nil), ErrPeerClosed)
	_, _, st = ChannelRead(e.p, a, 0, buf, nil)
	wantStatus(t, "peer closed read", st, ErrPeerClosed)
}

func TestChannelReadAfterPeerClosed(t *testing.T) {
	e := newEnv(t)
	a, b := must2(ChannelCreate(e.p, 0))
	ChannelWrite(e.p, a, 0, []byte("last"), nil)
	HandleClose(e.p, a)
	buf := make([]byte, 8)
	nb, _, st := ChannelRead(e.p, b, 0, buf, nil)
	if st != OK || string(buf[:nb]) != "last" {
		t.Fatalf("pending message lost: %v", st)
	}
	if s, _ := ObjectWaitOne(e.p, b, ChannelPeerClosed, 0); s&ChannelWritable != 0 || s&ChannelPeerClosed == 0 {
		t.Errorf("signals %#x", s)
	}
}

func TestChannelWriteErrorsConsumeHandles(t *testing.T) {
	e := newEnv(t)
	a, _ := must2(ChannelCreate(e.p, 0))
	c0, _ := must2(ChannelCreate(e.p, 0))
	ro := must(HandleReplace(e.p, c0, RightRead))
	notChannel := e.event()
	ev := func() Handle { return e.event() }
	tests := []struct {
		name    string
		ch      Handle
		options uint32
		data    []byte
		handles func() []Handle
		want    Status
	}{
		{"ok", a, 0, []byte("x"), func() []Handle { return []Handle{ev(), ev()} }, OK},
		{"bad options", a, 4, nil, func() []Handle { return []Handle{ev()} }, ErrInvalidArgs},
		{"bad channel", 0x40, 0, nil, func() []Handle { return []Handle{ev()} }, ErrBadHandle},
		{"wrong type", notChannel, 0, nil, func() []Handle { return []Handle{ev()} }, ErrWrongType},
		{"no write right", ro, 0, nil, func() []Handle { return []Handle{ev()} }, ErrAccessDenied},
		{"too many bytes", a, 0, make([]byte, ChannelMaxMsgBytes+1), func() []Handle { return []Handle{ev()} }, ErrOutOfRange},
		{"max bytes", a, 0, make([]byte, ChannelMaxMsgBytes), nil, OK},
		{"too many handles", a, 0, nil, func() []Handle {
			var hs []Handle
			for i := 0; i < ChannelMaxMsgHandles+1; i++ {
				hs = append(hs, ev())
			}
			return hs
		}, ErrOutOfRange},
		{"max handles", a, 0, nil, func() []Handle {
			var hs []Handle
			for i := 0; i < ChannelMaxMsgHandles; i++ {
				hs = append(hs, ev())
			}
			return hs
		}, OK},
		{"repeated handle", a, 0, nil, func() []Handle { h := ev(); return []Handle{h, ev(), h} }, ErrBadHandle},
		{"invalid handle", a, 0, nil, func() []Handle { return []Handle{ev(), 0x1234} }, ErrBadHandle},
		{"no transfer", a, 0, nil, func() []Handle {
			return []Handle{ev(), must(HandleReplace(e.p, ev(), RightWait))}
		}, ErrAccessDenied},
		// The first failing entry decides the error.
		{"bad before no transfer", a, 0, nil, func() []Handle {
			return []Handle{0x1234, must(HandleReplace(e.p, ev(), RightWait))}
		}, ErrBadHandle},
	}
	for _, c := range tests {
		var hs []Handle
		if c.handles != nil {
			hs = c.handles()
		}
		n := LiveObjects(ObjTypeEvent)
		st := ChannelWrite(e.p, c.ch, c.options, c.data, hs)
		wantStatus(t, c.name, st, c.want)
		for _, h := range hs {
			if e.valid(h) {
				t.Errorf("%s: handle %#x survived the write", c.name, h)
			}
		}
		if st != OK && LiveObjects(ObjTypeEvent) >= n && len(hs) > 0 && c.name != "invalid handle" && c.name != "bad before no transfer" {
			t.Errorf("%s: events not closed on failure", c.name)
		}
	}
}

func TestChannelWriteOwnEndpoint(t *testing.T) {
	e := newEnv(t)
	a, b := must2(ChannelCreate(e.p, 0))
	x := e.event()
	wantStatus(t, "own endpoint", ChannelWrite(e.p, a, 0, nil, []Handle{x, a}), ErrNotSupported)
	// Zircon consumes every handle, the channel's own included.
	if e.valid(x) || e.valid(a) {
		t.Error("handles survived")
	}
	// Sending the peer endpoint through the channel is allowed; it lands
	// in its own queue. Once the writer closes, that endpoint is
	// unreachable and is collected rather than leaked.
	c, d := must2(ChannelCreate(e.p, 0))
	wantStatus(t, "peer endpoint", ChannelWrite(e.p, c, 0, nil, []Handle{d}), OK)
	n := LiveObjects(ObjTypeChannel)
	HandleClose(e.p, c)
	if got := LiveObjects(ObjTypeChannel); got != n-2 {
		t.Errorf("self-cycle: %d channels live, want %d", got, n-2)
	}
	_ = b
}

func TestChannelSelfCycleAfterPeerClosed(t *testing.T) {
	e := newEnv(t)
	n := LiveObjects(ObjTypeChannel)
	a, b := must2(ChannelCreate(e.p, 0))
	// Put a handle to b (a kernel duplicate) in b's own queue.
	be := e.p.table.Get(b)
	dup := newHandle(be.obj, be.rights)
	m := newMessage(nil, 1)
	m.handles[0] = dup
	ca := e.p.table.Get(a).obj.(*Channel)
	ca.deliver(m)
	HandleClose(e.p, a)
	if LiveObjects(ObjTypeChannel) != n+1 {
		t.Fatal("b collected while still reachable")
	}
	HandleClose(e.p, b)
	if got := LiveObjects(ObjTypeChannel); got != n {
		t.Errorf("%d channels live, want %d", got, n)
	}
}

func TestChannelWriteEtc(t *testing.T) {
	e := newEnv(t)
	a, b := must2(ChannelCreate(e.p, 0))
	ev := e.event()
	ev2 := e.event()
	d := []HandleDisposition{
		{Operation: HandleOpDuplicate, Handle: ev, Type: ObjTypeEvent, Rights: RightWait | RightTransfer},
		{Operation: HandleOpMove, Handle: ev2, Type: ObjTypeNone, Rights: RightSameRights},
	}
	wantStatus(t, "write_etc", ChannelWriteEtc(e.p, a, 0, []byte("etc"), d), OK)
	if !e.valid(ev) || e.valid(ev2) {
		t.Error("dup source closed or move source kept")
	}
	infos := make([]HandleInfo, 2)
	_, nh, st := ChannelReadEtc(e.p, b, 0, make([]byte, 8), infos)
	wantStatus(t, "read_etc", st, OK)
	if nh != 2 || infos[0].Type != ObjTypeEvent || infos[0].Rights != RightWait|RightTransfer ||
		infos[1].Rights != DefaultEventRights {
		t.Errorf("infos %+v", infos)
	}
	noDup := must(HandleReplace(e.p, e.event(), RightTransfer))
	mv, badOp := e.event(), e.event()
	bad := []HandleDisposition{
		{Operation: HandleOpMove, Handle: mv, Rights: RightSameRights},
		{Operation: HandleOpDuplicate, Handle: ev, Type: ObjTypeChannel, Rights: RightSameRights},
		{Operation: 7, Handle: badOp, Rights: RightSameRights},
		{Operation: HandleOpDuplicate, Handle: noDup, Rights: RightSameRights},
		{Operation: HandleOpDuplicate, Handle: ev, Rights: RightWrite},
		{Operation: HandleOpMove, Handle: 0x99, Rights: RightSameRights},
		{Operation: HandleOpDuplicate, Handle: a, Rights: RightSameRights},
	}
	wantStatus(t, "write_etc errors", ChannelWriteEtc(e.p, a, 0, nil, bad), ErrWrongType)
	want := []Status{OK, ErrWrongType, ErrInvalidArgs, ErrAccessDenied, ErrInvalidArgs, ErrBadHandle, ErrNotSupported}
	for i, w := range want {
		if bad[i].Result != w {
			t.Errorf("entry %d: %v want %v", i, bad[i].Result, w)
		}
	}
	if e.valid(mv) || e.valid(badOp) {
		t.Error("move source (or one of an invalid operation) survived a failed write")
	}
	if !e.valid(ev) || !e.valid(noDup) || !e.valid(a) {
		t.Error("duplicate sources closed")
	}
	_, _, st = ChannelRead(e.p, b, 0, nil, nil)
	wantStatus(t, "nothing written", st, ErrShouldWait)
}

func TestChannelReadTableFull(t *testing.T) {
	e := newEnvCfg(t, ProcessConfig{MaxHandles: 4})
	a, b := must2(ChannelCreate(e.p, 0))
	q := e.proc()
	// Fill e.p's table, then send a handle from another process.
	qa, qb := must2(ChannelCreate(q, 0))
	_ = qb
	e.event()
	e.event()
	// Move qa into e.p's channel a via the kernel: write from q needs q
	// to hold a; use kernel transfer instead.
	ent := q.table.remove(qa)
	m := newMessage([]byte("h"), 1)
	m.handles[0] = ent
	chA := e.p.table.Get(a).obj.(*Channel)
	chA.deliver(m)
	_, _, st := ChannelRead(e.p, b, 0, make([]byte, 1), make([]Handle, 1))
	wantStatus(t, "table full", st, ErrNoResources)
	if chB := e.p.table.Get(b).obj.(*Channel); chB.PendingMessages() != 1 {
		t.Error("message lost")
	}
}

func TestChannelNestedDestruction(t *testing.T) {
	e := newEnv(t)
	objs := LiveObjects(ObjTypeChannel)
	// Channel i's both endpoints travel in a message queued on channel
	// i-1: closing the outermost pair destroys a chain 250 deep.
	outerA, outerB := must2(ChannelCreate(e.p, 0))
	prev := outerA
	for i := 0; i < 250; i++ {
		x, y := must2(ChannelCreate(e.p, 0))
		// y stays reachable in our table until written into x's peer.
		wantStatus(t, "nest", ChannelWrite(e.p, prev, 0, []byte{1}, []Handle{x}), OK)
		if prev != outerA {
			HandleClose(e.p, prev)
		}
		prev = y
	}
	HandleClose(e.p, prev)
	HandleClose(e.p, outerA)
	HandleClose(e.p, outerB)
	if got := LiveObjects(ObjTypeChannel); got != objs {
		t.Fatalf("%d channels live, want %d", got, objs)
	}
}

func TestChannelDeepChainIterative(t *testing.T) {
	e := newEnv(t)
	objs := LiveObjects(ObjTypeChannel)
	// Build a chain: each channel's B endpoint holds (in its queue) the
	// next channel's both endpoints, built inside out via kernel handles.
	const depth = 100000
	var inner *message
	for i := 0; i < depth; i++ {
		a, b := NewChannel()
		if inner != nil {
			a.mu.Lock()
			a.deliverLocked(inner)
			a.mu.Unlock()
		}
		inner = newMessage(nil, 2)
		inner.handles[0] = newHandle(a, DefaultChannelRights)
		inner.handles[1] = newHandle(b, DefaultChannelRights)
		a.Release()
		b.Release()
	}
	inner.destroy()
	if got := LiveObjects(ObjTypeChannel); got != objs {
		t.Fatalf("%d channels live, want %d", got, objs)
	}
	_ = e
}

func TestChannelCall(t *testing.T) {
	e := newEnv(t)
	client, server := must2(ChannelCreate(e.p, 0))
	served := make(chan struct{})
	defer func() { <-served }()
	go func() {
		defer close(served)
		for {
			if _, st := ObjectWaitOne(e.p, server, ChannelReadable|ChannelPeerClosed, TimeInfinite); st != OK {
				return
			}
			buf := make([]byte, 64)
			nb, _, st := ChannelRead(e.p, server, 0, buf, nil)
			if st != OK {
				return
			}
			reply := append([]byte{}, buf[:4]...)
			reply = append(reply, bytes.ToUpper(buf[4:nb])...)
			ev := must(EventCreate(e.p, 0))
			ChannelWrite(e.p, server, 0, reply, []Handle{ev})
		}
	}()
	// A non-matching message in the queue is left alone.
	args := &ChannelCallArgs{WrBytes: []byte("\x00\x00\x00\x00ping"), RdBytes: make([]byte, 16), RdHandles: make([]Handle, 1)}
	nb, nh, st := ChannelCall(e.p, client, 0, TimeInfinite, args)
	wantStatus(t, "call", st, OK)
	if string(args.RdBytes[4:nb]) != "PING" || nh != 1 || !e.valid(args.RdHandles[0]) {
		t.Errorf("reply %q %d", args.RdBytes[:nb], nh)
	}
	if tx := binary.LittleEndian.Uint32(args.RdBytes); tx < 0x80000000 {
		t.Errorf("txid %#x", tx)
	}
	// Reply too big for the buffers.
	args = &ChannelCallArgs{WrBytes: []byte("\x00\x00\x00\x00pong"), RdBytes: make([]byte, 2)}
	nb, nh, st = ChannelCall(e.p, client, 0, TimeInfinite, args)
	wantStatus(t, "small", st, ErrBufferTooSmall)
	if nb != 8 || nh != 1 {
		t.Errorf("sizes %d %d", nb, nh)
	}
	// Argument errors.
	_, _, st = ChannelCall(e.p, client, 0, TimeInfinite, &ChannelCallArgs{WrBytes: []byte("abc")})
	wantStatus(t, "short", st, ErrInvalidArgs)
	_, _, st = ChannelCall(e.p, client, 1, TimeInfinite, &ChannelCallArgs{WrBytes: []byte("abcd")})
	wantStatus(t, "options", st, ErrInvalidArgs)
	HandleClose(e.p, server)
}

func TestChannelCallTimeoutAndPeerClose(t *testing.T) {
	e := newEnv(t)
	client, server := must2(ChannelCreate(e.p, 0))
	_, _, st := ChannelCall(e.p, client, 0, Now()+Time(time.Millisecond), &ChannelCallArgs{WrBytes: []byte("1234")})
	wantStatus(t, "timeout", st, ErrTimedOut)
	done := make(chan Status)
	go func() {
		_, _, st := ChannelCall(e.p, client, 0, TimeInfinite, &ChannelCallArgs{WrBytes: []byte("1234")})
		done <- st
	}()
	for e.p.table.Get(server).obj.(*Channel).PendingMessages() < 2 {
		time.Sleep(50 * time.Microsecond)
	}
	HandleClose(e.p, server)
	wantStatus(t, "peer closed", <-done, ErrPeerClosed)
	_, _, st = ChannelCall(e.p, client, 0, TimeInfinite, &ChannelCallArgs{WrBytes: []byte("1234")})
	wantStatus(t, "already closed", st, ErrPeerClosed)

	c2, s2 := must2(ChannelCreate(e.p, 0))
	go func() {
		_, _, st := ChannelCall(e.p, c2, 0, TimeInfinite, &ChannelCallArgs{WrBytes: []byte("1234")})
		done <- st
	}()
	for e.p.table.Get(s2).obj.(*Channel).PendingMessages() < 1 {
		time.Sleep(50 * time.Microsecond)
	}
	HandleClose(e.p, c2)
	wantStatus(t, "canceled", <-done, ErrCanceled)
}

func TestChannelCallEtc(t *testing.T) {
	e := newEnv(t)
	client, server := must2(ChannelCreate(e.p, 0))
	go func() {
		ObjectWaitOne(e.p, server, ChannelReadable, TimeInfinite)
		buf := make([]byte, 64)
		hs := make([]Handle, 1)
		nb, _, _ := ChannelRead(e.p, server, 0, buf, hs)
		ChannelWrite(e.p, server, 0, buf[:nb], hs)
	}()
	ev := e.event()
	infos := make([]HandleInfo, 1)
	args := &ChannelCallArgs{WrBytes: []byte("0000x"),
		WrDispositions: []HandleDisposition{{Operation: HandleOpDuplicate, Handle: ev, Rights: RightTransfer | RightWait}},
		RdBytes:        make([]byte, 8), RdHandleInfos: infos}
	_, nh, st := ChannelCallEtc(e.p, client, 0, TimeInfinite, args)
	wantStatus(t, "call_etc", st, OK)
	if nh != 1 || infos[0].Rights != RightTransfer|RightWait || infos[0].Type != ObjTypeEvent {
		t.Errorf("%+v", infos)
	}
}
