package zxsys

import (
	"testing"
	"time"

	"beryl/kernel/object"
	"beryl/kernel/object/kos"
)

// newPeer makes a second process (a fresh root job) sharing f's test; it
// is killed before f's leak check runs.
func newPeer(t *testing.T) *fakeCaller {
	t.Helper()
	job := object.NewRootJob()
	p, st := object.NewProcess(job, "peer", object.ProcessConfig{})
	if st != object.OK {
		t.Fatal(st)
	}
	p.Start()
	t.Cleanup(func() {
		p.Kill(0)
		p.Release()
		job.Kill(0)
		job.Release()
	})
	return newFakeCaller(t, p)
}

// kmsg is a test message: bytes and handle descriptors.
type kmsg struct {
	fixed, arena []byte
	descs        []kos.HandleDesc
}

// putBuf writes a kos_msg_buf_t at p.
func (f *fakeCaller) putBuf(p, fixed, arena, handles UserPtr, nf, na, nh uint32) {
	f.put64(p, uint64(fixed))
	f.put64(p+8, uint64(arena))
	f.put64(p+16, uint64(handles))
	f.put32(p+24, nf)
	f.put32(p+28, na)
	f.put32(p+32, nh)
	f.put32(p+36, 0)
}

// sendBuf writes m to user memory and a kos_msg_buf_t describing it at p.
func (f *fakeCaller) sendBuf(p UserPtr, m kmsg) {
	hd := f.alloc(len(m.descs)*sizeofKosHandleDesc + 1)
	for i, d := range m.descs {
		e := hd + UserPtr(i*sizeofKosHandleDesc)
		f.put32(e, uint32(d.Handle))
		f.put32(e+4, uint32(d.Rights))
		f.put32(e+8, uint32(d.Badge))
	}
	f.putBuf(p, f.data(append(m.fixed, 0)), f.data(append(m.arena, 0)), hd, uint32(len(m.fixed)), uint32(len(m.arena)), uint32(len(m.descs)))
}

// rbuf is room for a received message in user memory.
type rbuf struct {
	buf, fixed, arena, handles UserPtr
}

func (f *fakeCaller) recvBuf(p UserPtr, nf, na, nh int) rbuf {
	r := rbuf{buf: p, fixed: f.alloc(nf + 1), arena: f.alloc(na + 1), handles: f.alloc(nh*sizeofKosRecvHandle + 1)}
	f.putBuf(p, r.fixed, r.arena, r.handles, uint32(nf), uint32(na), uint32(nh))
	return r
}

// recvHandle decodes the i-th kos_recv_handle_t of r.
func (f *fakeCaller) recvHandle(r rbuf, i int) kos.RecvHandle {
	e := r.handles + UserPtr(i*sizeofKosRecvHandle)
	fl := f.u32(e + 12)
	return kos.RecvHandle{Handle: f.h(e), Type: object.ObjType(f.u32(e + 4)), Rights: object.Rights(f.u32(e + 8)),
		Dereferenced: fl&kosRecvDereferenced != 0, HasBadge: fl&kosRecvHasBadge != 0, BadgeContext: f.u64(e + 16)}
}

// callArgs writes a kos_call_args_t for req and returns it with the reply
// room.
func (f *fakeCaller) callArgs(ep, method uint32, req kmsg, nf, na, nh int) (UserPtr, rbuf) {
	a := f.alloc(sizeofKosCallArgs)
	f.put32(a, ep)
	f.put32(a+4, method)
	f.sendBuf(a+8, req)
	return a, f.recvBuf(a+48, nf, na, nh)
}

const past = 1 // a deadline in the past (monotonic time > 1)

func TestKosUserObjectsBadgesCopyRevoke(t *testing.T) {
	f := newEnv(t)
	spec0 := uint64(kos.RightSpecific(0))
	rights := uint64(object.RightDuplicate|object.RightTransfer) | spec0 | uint64(kos.RightSpecific(1))
	u := f.create1(SysKosUserObjectCreate, rights, 0xc0ffee, 0, 0)
	out := f.alloc(8)
	f.ok(SysKosUserObjectGetContext, uint64(u), uint64(out))
	if f.u64(out) != 0xc0ffee {
		t.Fatalf("context %#x", f.u64(out))
	}
	n := f.handles()
	for _, bp := range badPtrs {
		f.want(object.ErrInvalidArgs, SysKosUserObjectCreate, rights, 1, 0, 0, uint64(bp))
		f.want(object.ErrInvalidArgs, SysKosUserObjectGetContext, uint64(u), uint64(bp))
		f.want(object.ErrInvalidArgs, SysKosBadgeCreate, 1, 0, 0, uint64(bp))
		f.want(object.ErrInvalidArgs, SysKosHandleCopy, uint64(u), uint64(object.RightSameRights), 0, uint64(bp))
		f.want(object.ErrInvalidArgs, SysKosListenerCreate, 0, uint64(bp))
		f.want(object.ErrInvalidArgs, SysKosHandleConnect, 0, 0, uint64(bp), uint64(out), uint64(out))
		f.want(object.ErrInvalidArgs, SysKosHandleConnect, 0, 0, uint64(out), uint64(bp), uint64(out))
		f.want(object.ErrInvalidArgs, SysKosHandleConnect, 0, 0, uint64(out), uint64(out), uint64(bp))
		f.want(object.ErrInvalidArgs, SysKosHandleConnectEx, 0, 0, 0, 0, uint64(bp), uint64(out), uint64(out))
		f.want(object.ErrInvalidArgs, SysKosHandleConnectEx, 0, 0, 0, 0, uint64(out), uint64(bp), uint64(out))
		f.want(object.ErrInvalidArgs, SysKosHandleConnectEx, 0, 0, 0, 0, uint64(out), uint64(out), uint64(bp))
		f.want(object.ErrInvalidArgs, SysKosSecurityConnect, 0, uint64(bp))
	}
	if f.handles() != n {
		t.Fatalf("bad pointers changed the table: %d → %d handles", n, f.handles())
	}
	// Documented errors of the creators.
	f.want(object.ErrInvalidArgs, SysKosUserObjectCreate, uint64(object.RightSameRights), 1, 0, 0, uint64(out))
	ev := f.create1(SysEventCreate, 0)
	f.want(object.ErrWrongType, SysKosUserObjectCreate, rights, 1, uint64(ev), 0, uint64(out))
	f.want(object.ErrBadHandle, SysKosBadgeCreate, 1, 0x1234, 0, uint64(out))
	f.want(object.ErrWrongType, SysKosUserObjectGetContext, uint64(ev), uint64(out))
	f.want(object.ErrInvalidArgs, SysKosListenerCreate, 1, uint64(out))

	// Port notification when the user object goes.
	port := f.create1(SysPortCreate, 0)
	u2 := f.create1(SysKosUserObjectCreate, rights, 7, uint64(port), 99)
	f.ok(SysHandleClose, uint64(u2))
	pk := f.alloc(48)
	f.ok(SysPortWait, uint64(port), uint64(object.TimeInfinite), uint64(pk))
	if f.u64(pk) != 99 || f.u32(pk+8) != kos.PktTypeUserObjectDestroyed || f.u64(pk+16) != 7 {
		t.Fatalf("packet key %d type %#x ctx %d", f.u64(pk), f.u32(pk+8), f.u64(pk+16))
	}

	// Copies narrow rights and stay revocable.
	b1 := f.create1(SysKosBadgeCreate, 11, uint64(port), 5)
	c1 := f.create1(SysKosHandleCopy, uint64(u), uint64(object.RightDuplicate)|spec0, uint64(b1))
	c2 := f.create1(SysKosHandleCopy, uint64(u), uint64(object.RightTransfer), 0)
	f.want(object.ErrAccessDenied, SysKosHandleCopy, uint64(c2), uint64(object.RightSameRights), 0, uint64(out)) // no DUPLICATE
	f.want(object.ErrInvalidArgs, SysKosHandleCopy, uint64(u), uint64(object.RightRead), 0, uint64(out))         // not a subset
	f.want(object.ErrWrongType, SysKosHandleCopy, uint64(u), uint64(object.RightSameRights), uint64(ev), uint64(out))
	if info, _ := object.ObjectGetInfoHandleBasic(f.p, c1); info.Rights != object.RightDuplicate|kos.RightSpecific(0) {
		t.Fatalf("copy rights %v", info.Rights)
	}
	gc := f.create1(SysKosHandleCopy, uint64(c1), uint64(object.RightSameRights), 0)
	f.want(object.ErrInvalidArgs, SysKosHandleRevoke, uint64(u), 2)
	f.want(object.ErrWrongType, SysKosHandleRevokeSubtree, uint64(u), uint64(ev))
	f.want(object.ErrBadHandle, SysKosHandleRevokeSubtree, uint64(u), 0)
	// Revoke by badge: c1 and its child gc go, c2 stays.
	f.ok(SysKosHandleRevokeSubtree, uint64(u), uint64(b1))
	f.want(kos.ErrHandleRevoked, SysKosUserObjectGetContext, uint64(c1), uint64(out))
	f.want(kos.ErrHandleRevoked, SysKosUserObjectGetContext, uint64(gc), uint64(out))
	f.want(kos.ErrHandleRevoked, SysKosHandleCopy, uint64(gc), uint64(object.RightSameRights), 0, uint64(out))
	f.ok(SysKosUserObjectGetContext, uint64(c2), uint64(out))
	f.ok(SysPortWait, uint64(port), uint64(object.TimeInfinite), uint64(pk))
	if f.u32(pk+8) != kos.PktTypeBadgeClosed || f.u64(pk+16) != 11 {
		t.Fatalf("badge packet type %#x ctx %d", f.u32(pk+8), f.u64(pk+16))
	}
	// Revoke everything under u, then u itself.
	f.ok(SysKosHandleRevoke, uint64(u), 0)
	f.want(kos.ErrHandleRevoked, SysKosUserObjectGetContext, uint64(c2), uint64(out))
	f.ok(SysKosUserObjectGetContext, uint64(u), uint64(out))
	f.ok(SysKosHandleRevoke, uint64(u), uint64(kos.RevokeClose))
	f.want(object.ErrBadHandle, SysKosUserObjectGetContext, uint64(u), uint64(out))
	for _, h := range []object.Handle{c1, c2, gc} {
		f.ok(SysHandleClose, uint64(h))
	}
}

func TestKosCallRecvReply(t *testing.T) {
	f := newEnv(t)
	cl, sv, lv := f.create3(SysKosHandleConnect, 0, 0)
	if lv != sv {
		t.Fatalf("kos_handle_connect(invalid): server %v listener %v", sv, lv)
	}
	ev := f.create1(SysEventCreate, 0)
	c2, s2, l2 := f.create3(SysKosHandleConnect, uint64(sv), 0)
	if l2 != sv || s2 == sv {
		t.Fatalf("kos_handle_connect(listener): server %v listener %v", s2, l2)
	}
	f.ok(SysHandleClose, uint64(c2))
	f.want(object.ErrInvalidArgs, SysKosHandleConnect, 0, 1, uint64(f.alloc(4)), uint64(f.alloc(4)), uint64(f.alloc(4)))
	f.want(object.ErrAccessDenied, SysKosHandleConnect, uint64(s2), 0, uint64(f.alloc(4)), uint64(f.alloc(4)), uint64(f.alloc(4)))
	f.want(object.ErrWrongType, SysKosHandleConnect, uint64(ev), 0, uint64(f.alloc(4)), uint64(f.alloc(4)), uint64(f.alloc(4)))
	f.ok(SysHandleClose, uint64(s2))

	// Server goroutine: receive, check, reply with an echo and a handle.
	type got struct {
		info    []byte
		fixed   string
		arena   string
		h       kos.RecvHandle
		replySt object.Status
	}
	done := make(chan got, 1)
	srv := newPeerCaller(f) // same process, own memory: a second thread
	go func() {
		ra := srv.alloc(sizeofKosMsgBuf)
		r := srv.recvBuf(ra, 64, 64, 4)
		info := srv.alloc(sizeofKosRecvInfo)
		st := srv.st(SysKosRecv, uint64(sv), 0, uint64(object.TimeInfinite), uint64(ra), uint64(info))
		if st != object.OK {
			done <- got{replySt: st}
			return
		}
		g := got{info: append([]byte(nil), srv.bytes(info, sizeofKosRecvInfo)...),
			fixed: string(srv.bytes(r.fixed, int(srv.u32(info+16)))), arena: string(srv.bytes(r.arena, int(srv.u32(info+20)))),
			h: srv.recvHandle(r, 0)}
		rep := srv.alloc(sizeofKosMsgBuf)
		srv.sendBuf(rep, kmsg{fixed: []byte("pong:" + g.fixed), descs: []kos.HandleDesc{{Handle: g.h.Handle, Rights: object.RightSameRights}}})
		g.replySt = srv.st(SysKosReply, uint64(sv), srv.u64(info), uint64(rep))
		done <- g
	}()
	a, r := f.callArgs(7, 3, kmsg{fixed: []byte("ping"), arena: []byte("arena"),
		descs: []kos.HandleDesc{{Handle: ev, Rights: object.RightTransfer | object.RightSignal}}}, 64, 8, 4)
	sz := f.alloc(sizeofKosSizes)
	f.ok(SysKosCall, uint64(cl), uint64(object.TimeInfinite), uint64(a), uint64(sz))
	g := <-done
	if g.replySt != object.OK {
		t.Fatalf("server: %v", g.replySt)
	}
	if le.Uint32(g.info[8:]) != 7 || le.Uint32(g.info[12:]) != 3 || g.fixed != "ping" || g.arena != "arena" ||
		le.Uint64(g.info[40:]) != uint64(f.p.Koid()) || le.Uint64(g.info[32:]) == 0 {
		t.Fatalf("request: info %x fixed %q arena %q", g.info, g.fixed, g.arena)
	}
	// Caller and server share a process, which owns the event: the
	// server gets ev itself, dereferenced, with the rights sent.
	if g.h.Type != object.ObjTypeEvent || g.h.Rights != object.RightTransfer|object.RightSignal || !g.h.Dereferenced || g.h.Handle != ev {
		t.Fatalf("request handle %+v", g.h)
	}
	if f.u32(sz) != 9 || f.u32(sz+4) != 0 || f.u32(sz+8) != 1 || string(f.bytes(r.fixed, 9)) != "pong:ping" {
		t.Fatalf("reply sizes %d/%d/%d %q", f.u32(sz), f.u32(sz+4), f.u32(sz+8), f.bytes(r.fixed, 9))
	}
	rh := f.recvHandle(r, 0)
	// The event came back to its owner's process: dereferenced to ev.
	if !rh.Dereferenced || rh.Handle != ev || rh.HasBadge {
		t.Fatalf("reply handle %+v (ev %v)", rh, ev)
	}

	// Bad pointers and bad structs: INVALID_ARGS and nothing queued.
	n := f.handles()
	for _, bp := range badPtrs {
		if bp != roBase { // args are only read
			f.want(object.ErrInvalidArgs, SysKosCall, uint64(cl), past, uint64(bp), 0)
		}
		f.want(object.ErrInvalidArgs, SysKosCall, uint64(cl), past, uint64(a), uint64(bp))
		b := f.alloc(sizeofKosCallArgs)
		copy(f.bytes(b, sizeofKosCallArgs), f.bytes(a, sizeofKosCallArgs))
		for _, off := range []UserPtr{8, 16, 24, 48, 56, 64} { // wr/rd fixed, arena, handles
			old := f.u64(b + off)
			f.put64(b+off, uint64(bp))
			if off >= 48 && bp == roBase {
				f.want(object.ErrInvalidArgs, SysKosCall, uint64(cl), past, uint64(b), 0)
			} else if bp != roBase {
				f.want(object.ErrInvalidArgs, SysKosCall, uint64(cl), past, uint64(b), 0)
			}
			f.put64(b+off, old)
		}
		info := f.alloc(sizeofKosRecvInfo)
		rb := f.alloc(sizeofKosMsgBuf)
		f.recvBuf(rb, 8, 8, 1)
		f.want(object.ErrInvalidArgs, SysKosRecv, uint64(sv), 0, past, uint64(rb), uint64(bp))
		if bp != roBase {
			f.want(object.ErrInvalidArgs, SysKosRecv, uint64(sv), 0, past, uint64(bp), uint64(info))
			f.want(object.ErrInvalidArgs, SysKosReply, uint64(sv), 1, uint64(bp))
		}
		for _, off := range []UserPtr{0, 8, 16} {
			old := f.u64(rb + off)
			f.put64(rb+off, uint64(bp))
			f.want(object.ErrInvalidArgs, SysKosRecv, uint64(sv), 0, past, uint64(rb), uint64(info))
			f.put64(rb+off, old)
		}
	}
	b := f.alloc(sizeofKosCallArgs)
	copy(f.bytes(b, sizeofKosCallArgs), f.bytes(a, sizeofKosCallArgs))
	f.put32(b+8+36, 1) // reserved
	f.want(object.ErrInvalidArgs, SysKosCall, uint64(cl), past, uint64(b), 0)
	f.put32(b+8+36, 0)
	hd := UserPtr(f.u64(b + 8 + 16))
	f.put32(hd+12, 1) // reserved word of a handle descriptor
	f.want(object.ErrInvalidArgs, SysKosCall, uint64(cl), past, uint64(b), 0)
	f.put32(hd+12, 0)
	f.put32(b+8+24, kos.MaxFixedBytes+1)
	f.want(object.ErrOutOfRange, SysKosCall, uint64(cl), past, uint64(b), 0)
	if f.handles() != n {
		t.Fatalf("bad arguments changed the table: %d → %d", n, f.handles())
	}
	info := f.alloc(sizeofKosRecvInfo)
	rb := f.alloc(sizeofKosMsgBuf)
	f.recvBuf(rb, 64, 64, 4)
	f.want(object.ErrTimedOut, SysKosRecv, uint64(sv), 0, past, uint64(rb), uint64(info)) // nothing was queued
	f.want(object.ErrInvalidArgs, SysKosRecv, uint64(sv), 1, past, uint64(rb), uint64(info))
	f.want(object.ErrWrongType, SysKosRecv, uint64(cl), 0, past, uint64(rb), uint64(info))

	// Deadlines, handle-less call, reply errors.
	a2, _ := f.callArgs(1, 1, kmsg{fixed: []byte("x")}, 0, 0, 0)
	f.want(object.ErrTimedOut, SysKosCall, uint64(cl), uint64(object.Now()+object.Time(time.Millisecond)), uint64(a2), 0)
	f.want(object.ErrTimedOut, SysKosRecv, uint64(sv), 0, past, uint64(rb), uint64(info))
	rep := f.alloc(sizeofKosMsgBuf)
	f.sendBuf(rep, kmsg{})
	f.want(object.ErrNotFound, SysKosReply, uint64(sv), 12345, uint64(rep))
	f.want(object.ErrWrongType, SysKosCall, uint64(sv), past, uint64(a2), 0)

	// BUFFER_TOO_SMALL on the reply returns the sizes.
	go func() {
		ra := srv.alloc(sizeofKosMsgBuf)
		srv.recvBuf(ra, 64, 0, 0)
		inf := srv.alloc(sizeofKosRecvInfo)
		if srv.st(SysKosRecv, uint64(sv), 0, uint64(object.TimeInfinite), uint64(ra), uint64(inf)) != object.OK {
			return
		}
		rp := srv.alloc(sizeofKosMsgBuf)
		srv.sendBuf(rp, kmsg{fixed: []byte("too long reply")})
		srv.st(SysKosReply, uint64(sv), srv.u64(inf), uint64(rp))
	}()
	a3, _ := f.callArgs(1, 2, kmsg{}, 4, 0, 0)
	f.want(object.ErrBufferTooSmall, SysKosCall, uint64(cl), uint64(object.TimeInfinite), uint64(a3), uint64(sz))
	if f.u32(sz) != 14 {
		t.Fatalf("sizes %d", f.u32(sz))
	}
	// Recv BUFFER_TOO_SMALL keeps the request; the server going ends it.
	go func() {
		time.Sleep(5 * time.Millisecond)
		ra := srv.alloc(sizeofKosMsgBuf)
		srv.recvBuf(ra, 0, 0, 0)
		inf := srv.alloc(sizeofKosRecvInfo)
		for srv.st(SysKosRecv, uint64(sv), 0, uint64(object.TimeInfinite), uint64(ra), uint64(inf)) != object.ErrBufferTooSmall {
		}
		srv.ok(SysHandleClose, uint64(sv))
	}()
	f.want(object.ErrPeerClosed, SysKosCall, uint64(cl), uint64(object.TimeInfinite), uint64(a2), 0)
	f.want(object.ErrPeerClosed, SysKosCall, uint64(cl), uint64(object.TimeInfinite), uint64(a2), 0)
	f.ok(SysHandleClose, uint64(cl))
}

// newPeerCaller is another thread of f's process with its own memory.
func newPeerCaller(f *fakeCaller) *fakeCaller {
	return &fakeCaller{t: f.t, p: f.p, as: f.as, frames: f.frames, mem: make([]byte, memSize), ro: make([]byte, roSize)}
}

func TestKosListenerCallableDereference(t *testing.T) {
	prov := newEnv(t)
	cli := newPeer(t)
	l := prov.create1(SysKosListenerCreate, 0)
	out := prov.alloc(4)
	prov.want(object.ErrInvalidArgs, SysKosCallableCreate, uint64(object.RightTransfer), 1, uint64(l), uint64(kos.EndpointInvalid), uint64(out))
	prov.want(object.ErrWrongType, SysKosCallableCreate, uint64(object.RightTransfer), 1, uint64(prov.create1(SysEventCreate, 0)), 9, uint64(out))
	call := prov.create1(SysKosCallableCreate, uint64(object.RightTransfer|object.RightDuplicate), 1, uint64(l), 9)
	spec0, spec1 := kos.RightSpecific(0), kos.RightSpecific(1)
	u := prov.create1(SysKosUserObjectCreate, uint64(object.RightTransfer|object.RightDuplicate|spec0|spec1), 0xabc, 0, 0)
	bdg := prov.create1(SysKosBadgeCreate, 0xbad9e, 0, 0)
	// The client process gets a client of the listener (a test shortcut:
	// installed directly, as the kernel's spawner would).
	pc, srvOut, lOut := prov.create3(SysKosHandleConnect, uint64(l), 0)
	if srvOut == l || lOut != l {
		t.Fatalf("listener connect returned server %v listener %v", srvOut, lOut)
	}
	prov.ok(SysHandleClose, uint64(srvOut))
	obj, rights, st := prov.p.Lookup(pc, object.ObjTypeNone, object.RightNone)
	if st != object.OK {
		t.Fatal(st)
	}
	cc, st := cli.p.Install(obj, rights) // consumes the lookup's reference
	if st != object.OK {
		t.Fatal(st)
	}
	prov.ok(SysHandleClose, uint64(pc))

	type req struct {
		ep     uint32
		h      kos.RecvHandle
		st     object.Status
		callID uint64
	}
	reqs := make(chan req)
	replies := make(chan kmsg)
	srv := newPeerCaller(prov)
	go func() {
		for {
			ra := srv.alloc(sizeofKosMsgBuf)
			r := srv.recvBuf(ra, 16, 16, 2)
			info := srv.alloc(sizeofKosRecvInfo)
			st := srv.st(SysKosRecv, uint64(l), 0, uint64(object.TimeInfinite), uint64(ra), uint64(info))
			q := req{st: st}
			if st == object.OK {
				q.ep, q.callID = srv.u32(info+8), srv.u64(info)
				if srv.u32(info+24) > 0 {
					q.h = srv.recvHandle(r, 0)
				}
			}
			reqs <- q
			if st != object.OK {
				return
			}
			m := <-replies
			rp := srv.alloc(sizeofKosMsgBuf)
			srv.sendBuf(rp, m)
			srv.ok(SysKosReply, uint64(l), q.callID, uint64(rp))
		}
	}()

	// 1. The client asks; the provider replies with u (narrowed, badged)
	// and the callable.
	a, r := cli.callArgs(0, 1, kmsg{}, 16, 16, 2)
	res := make(chan object.Status)
	go func() { res <- cli.st(SysKosCall, uint64(cc), uint64(object.TimeInfinite), uint64(a), 0) }()
	q := <-reqs
	if q.st != object.OK || q.ep != 0 { // a plain client names its endpoint
		t.Fatalf("recv %v endpoint %#x", q.st, q.ep)
	}
	replies <- kmsg{descs: []kos.HandleDesc{{Handle: u, Rights: object.RightTransfer | spec0, Badge: bdg},
		{Handle: call, Rights: object.RightSameRights}}}
	if st := <-res; st != object.OK {
		t.Fatalf("call: %v", st)
	}
	cu, ccall := cli.recvHandle(r, 0), cli.recvHandle(r, 1)
	if cu.Dereferenced || cu.Type != kos.ObjTypeUserObject || cu.Rights != object.RightTransfer|spec0 || ccall.Type != kos.ObjTypeUserObject {
		t.Fatalf("client got %+v / %+v", cu, ccall)
	}
	cli.want(object.ErrAccessDenied, SysKosUserObjectGetContext, uint64(cu.Handle), uint64(cli.alloc(8)))

	// 2. The client calls through the callable (endpoint 9), sending u
	// back: the provider gets its own handle, dereferenced, with the
	// badge context.
	a2, _ := cli.callArgs(1, 2, kmsg{descs: []kos.HandleDesc{{Handle: cu.Handle, Rights: object.RightSameRights}}}, 0, 0, 0)
	go func() { res <- cli.st(SysKosCall, uint64(ccall.Handle), uint64(object.TimeInfinite), uint64(a2), 0) }()
	q = <-reqs
	if q.st != object.OK || q.ep != 9 || !q.h.Dereferenced || q.h.Handle != u || !q.h.HasBadge || q.h.BadgeContext != 0xbad9e {
		t.Fatalf("recv %v ep %d handle %+v (u %v)", q.st, q.ep, q.h, u)
	}
	if ctx, st := q.h.BadgeOp(spec0); st != object.OK || ctx != 0xbad9e {
		t.Fatalf("BadgeOp(spec0) = %#x, %v", ctx, st)
	}
	if _, st := q.h.BadgeOp(spec1); st != object.ErrAccessDenied {
		t.Fatalf("BadgeOp(spec1) = %v", st)
	}
	replies <- kmsg{}
	if st := <-res; st != object.OK {
		t.Fatalf("callable call: %v", st)
	}

	// 3. Revoking the badge's subtree cuts the client's copy only.
	prov.ok(SysKosHandleRevokeSubtree, uint64(u), uint64(bdg))
	cli.want(kos.ErrHandleRevoked, SysKosUserObjectGetContext, uint64(cu.Handle), uint64(cli.alloc(8)))
	cli.want(kos.ErrHandleRevoked, SysKosHandleCopy, uint64(cu.Handle), uint64(object.RightSameRights), 0, uint64(cli.alloc(4)))
	prov.ok(SysKosUserObjectGetContext, uint64(u), uint64(prov.alloc(8)))
	cli.want(kos.ErrHandleRevoked, SysKosCall, uint64(ccall.Handle), past, uint64(a2), 0)

	// 4. The listener's handle closed under the server's next Recv:
	// CANCELED if it was already blocked, BAD_HANDLE if the close won the
	// race to the handle table (conformance kos/TestLifetime checks
	// CANCELED with the server blocked); later calls: PEER_CLOSED.
	prov.ok(SysHandleClose, uint64(l))
	if q := <-reqs; q.st != object.ErrCanceled && q.st != object.ErrBadHandle {
		t.Fatalf("recv after close: %v, want CANCELED or BAD_HANDLE", q.st)
	}
	a3, _ := cli.callArgs(0, 1, kmsg{}, 0, 0, 0)
	cli.want(object.ErrPeerClosed, SysKosCall, uint64(cc), uint64(object.TimeInfinite), uint64(a3), 0)
	cli.want(object.ErrPeerClosed, SysKosCall, uint64(ccall.Handle), uint64(object.TimeInfinite), uint64(a3), 0)
}

// TestKosConnectExSecurity: kos_handle_connect_ex installs the client and
// server in the target processes and writes their values;
// kos_security_connect gives a client whose kos_call is the security
// check.
func TestKosConnectExSecurity(t *testing.T) {
	f := newEnv(t)
	srv, cli := newPeer(t), newPeer(t)
	procOf := func(p *object.Process) object.Handle {
		p.AddRef()
		h, st := f.p.Install(p, object.RightManageProcess)
		if st != object.OK {
			t.Fatal(st)
		}
		return h
	}
	hs, hc := procOf(srv.p), procOf(cli.p)
	c, s, l := f.create3(SysKosHandleConnectEx, uint64(hc), uint64(hs), 0, 0)
	if s != l || cli.p.Table().Get(c) == nil || srv.p.Table().Get(s) == nil {
		t.Fatalf("connect_ex: client %v server %v listener %v", c, s, l)
	}
	c2, s2, l2 := f.create3(SysKosHandleConnectEx, uint64(hc), uint64(hs), uint64(l), 0)
	if l2 != l || s2 == l || cli.p.Table().Get(c2) == nil || srv.p.Table().Get(s2) == nil {
		t.Fatalf("connect_ex(listener): client %v server %v listener %v", c2, s2, l2)
	}
	f.want(object.ErrInvalidArgs, SysKosHandleConnectEx, uint64(hc), uint64(hs), 0, 1, uint64(f.alloc(4)), uint64(f.alloc(4)), uint64(f.alloc(4)))
	f.want(object.ErrBadHandle, SysKosHandleConnectEx, uint64(hc), uint64(hs), uint64(hs), 0, uint64(f.alloc(4)), uint64(f.alloc(4)), uint64(f.alloc(4)))
	ev := f.create1(SysEventCreate, 0)
	f.want(object.ErrWrongType, SysKosHandleConnectEx, uint64(ev), uint64(hs), 0, 0, uint64(f.alloc(4)), uint64(f.alloc(4)), uint64(f.alloc(4)))

	sec := f.create1(SysKosSecurityConnect, 0)
	f.want(object.ErrInvalidArgs, SysKosSecurityConnect, 1, uint64(f.alloc(4)))
	q := []byte{0, 4, 4, 0, 'f', 'i', 'l', 'e', 'r', 'e', 'a', 'd'}
	args := f.alloc(sizeofKosCallArgs)
	f.put32(args, 0)
	f.put32(args+4, 0)
	f.putBuf(args+8, f.data(q), 0, 0, uint32(len(q)), 0, 0)
	f.putBuf(args+48, 0, 0, 0, 0, 0, 0)
	f.ok(SysKosCall, uint64(sec), uint64(object.TimeInfinite), uint64(args), 0)
	pol, err := kos.ParsePolicy([]byte("default allow\ndeny security * file read\n"))
	if err != nil {
		t.Fatal(err)
	}
	kos.SetPolicy(pol)
	defer kos.SetPolicy(nil)
	f.want(kos.ErrPolicyDenied, SysKosCall, uint64(sec), uint64(object.TimeInfinite), uint64(args), 0)
	f.ok(SysHandleClose, uint64(sec))
}
