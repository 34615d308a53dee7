package zxsys

import (
	"bytes"
	"testing"

	"beryl/kernel/object"
)

func TestChannelWriteRead(t *testing.T) {
	f := newEnv(t)
	a, b := f.create2(SysChannelCreate, 0)
	f.want(object.ErrInvalidArgs, SysChannelCreate, 1, uint64(f.alloc(4)), uint64(f.alloc(4)))
	ev := f.create1(SysEventCreate, 0)
	msg := f.data([]byte("hello"))
	hs := f.alloc(4)
	f.put32(hs, uint32(ev))
	f.ok(SysChannelWrite, uint64(a), 0, uint64(msg), 5, uint64(hs), 1)
	if f.p.Table().Get(ev) != nil {
		t.Fatal("written handle still in the table")
	}
	// Too small: sizes reported, message kept.
	buf, hbuf, ab, ah := f.alloc(64), f.alloc(16), f.alloc(4), f.alloc(4)
	f.want(object.ErrBufferTooSmall, SysChannelRead, uint64(b), 0, uint64(buf), uint64(hbuf), 2, 0, uint64(ab), uint64(ah))
	if f.u32(ab) != 5 || f.u32(ah) != 1 {
		t.Fatalf("actual %d/%d", f.u32(ab), f.u32(ah))
	}
	// Bad pointers: INVALID_ARGS, message kept.
	for _, bp := range badPtrs {
		f.want(object.ErrInvalidArgs, SysChannelRead, uint64(b), 0, uint64(bp), uint64(hbuf), 64, 4, uint64(ab), uint64(ah))
		f.want(object.ErrInvalidArgs, SysChannelRead, uint64(b), 0, uint64(buf), uint64(bp), 64, 4, uint64(ab), uint64(ah))
		f.want(object.ErrInvalidArgs, SysChannelRead, uint64(b), 0, uint64(buf), uint64(hbuf), 64, 4, uint64(bp), uint64(ah))
	}
	f.ok(SysChannelRead, uint64(b), 0, uint64(buf), uint64(hbuf), 64, 4, uint64(ab), uint64(ah))
	if string(f.bytes(buf, 5)) != "hello" || f.u32(ab) != 5 || f.u32(ah) != 1 {
		t.Fatalf("read %q %d %d", f.bytes(buf, 5), f.u32(ab), f.u32(ah))
	}
	got := f.h(hbuf)
	if e := f.p.Table().Get(got); e == nil || e.Object().Type() != object.ObjTypeEvent {
		t.Fatal("received handle is not the event")
	}
	f.want(object.ErrShouldWait, SysChannelRead, uint64(b), 0, uint64(buf), uint64(hbuf), 64, 4, 0, 0)
	f.want(object.ErrWrongType, SysChannelRead, uint64(got), 0, uint64(buf), uint64(hbuf), 64, 4, 0, 0)
	f.want(object.ErrBadHandle, SysChannelRead, 0x55555553, 0, uint64(buf), uint64(hbuf), 64, 4, 0, 0)

	// A bad bytes pointer on write consumes nothing.
	f.put32(hs, uint32(got))
	for _, bp := range []UserPtr{badPtr, kernelPtr, nonCanonicalPtr} {
		f.want(object.ErrInvalidArgs, SysChannelWrite, uint64(a), 0, uint64(bp), 5, uint64(hs), 1)
		f.want(object.ErrInvalidArgs, SysChannelWrite, uint64(a), 0, uint64(msg), 5, uint64(bp), 1)
	}
	if f.p.Table().Get(got) == nil {
		t.Fatal("handle consumed by a write with a bad pointer")
	}
	// Read-only source memory is fine for writes.
	copy(f.ro, "ro!")
	f.ok(SysChannelWrite, uint64(a), 0, roBase, 3, 0, 0)
	f.ok(SysChannelRead, uint64(b), 0, uint64(buf), 0, 64, 0, uint64(ab), 0)
	if string(f.bytes(buf, 3)) != "ro!" {
		t.Fatal("ro message")
	}
	// Too many bytes or handles: OUT_OF_RANGE; the handles are consumed.
	f.want(object.ErrOutOfRange, SysChannelWrite, uint64(a), 0, uint64(msg), object.ChannelMaxMsgBytes+1, uint64(hs), 1)
	if f.p.Table().Get(got) != nil {
		t.Fatal("OUT_OF_RANGE write kept the handle")
	}
	f.want(object.ErrOutOfRange, SysChannelWrite, uint64(a), 0, uint64(msg), 1, uint64(hs), 65)
	// Peer closed.
	f.ok(SysHandleClose, uint64(b))
	f.want(object.ErrPeerClosed, SysChannelWrite, uint64(a), 0, uint64(msg), 5, 0, 0)
}

func TestChannelEtc(t *testing.T) {
	f := newEnv(t)
	a, b := f.create2(SysChannelCreate, 0)
	ev := f.create1(SysEventCreate, 0)
	// Two dispositions: duplicate the event with fewer rights, then move it.
	d := f.alloc(2 * sizeofHandleDisposition)
	put := func(i int, op uint32, h object.Handle, typ object.ObjType, r object.Rights) {
		p := d + UserPtr(i*sizeofHandleDisposition)
		f.put32(p, op)
		f.put32(p+4, uint32(h))
		f.put32(p+8, uint32(typ))
		f.put32(p+12, uint32(r))
		f.put32(p+16, 0xdeadbeef)
	}
	put(0, object.HandleOpDuplicate, ev, object.ObjTypeEvent, object.RightWait|object.RightTransfer)
	put(1, object.HandleOpMove, ev, object.ObjTypeNone, object.RightSameRights)
	msg := f.data([]byte("etc"))
	// Read-only disposition array: INVALID_ARGS before anything is consumed.
	copy(f.ro, f.bytes(d, 2*sizeofHandleDisposition))
	f.want(object.ErrInvalidArgs, SysChannelWriteEtc, uint64(a), 0, uint64(msg), 3, roBase, 2)
	if f.p.Table().Get(ev) == nil {
		t.Fatal("event consumed")
	}
	f.ok(SysChannelWriteEtc, uint64(a), 0, uint64(msg), 3, uint64(d), 2)
	// Success leaves the results as they were.
	for i := 0; i < 2; i++ {
		if r := f.u32(d + UserPtr(i*sizeofHandleDisposition+16)); r != 0xdeadbeef {
			t.Fatalf("result[%d] = %v", i, r)
		}
	}
	buf, hi, ab, ah := f.alloc(8), f.alloc(2*sizeofHandleInfo), f.alloc(4), f.alloc(4)
	f.ok(SysChannelReadEtc, uint64(b), 0, uint64(buf), uint64(hi), 8, 2, uint64(ab), uint64(ah))
	if f.u32(ah) != 2 || object.ObjType(f.u32(hi+4)) != object.ObjTypeEvent ||
		object.Rights(f.u32(hi+8)) != object.RightWait|object.RightTransfer ||
		object.Rights(f.u32(hi+sizeofHandleInfo+8)) != object.DefaultEventRights {
		t.Fatalf("infos % x", f.bytes(hi, 32))
	}
	// A failing disposition: its result is written back.
	put(0, object.HandleOpDuplicate, 0x11111113, object.ObjTypeNone, object.RightSameRights)
	f.want(object.ErrBadHandle, SysChannelWriteEtc, uint64(a), 0, uint64(msg), 3, uint64(d), 1)
	if r := object.Status(f.u32(d + 16)); r != object.ErrBadHandle {
		t.Fatalf("result = %v", r)
	}
	// An unwritable handle buffer matters only when a message would be
	// copied into it: on the empty channel the answer is SHOULD_WAIT.
	f.want(object.ErrShouldWait, SysChannelReadEtc, uint64(b), 0, uint64(buf), badPtr, 8, 2, 0, 0)
}

func TestChannelCall(t *testing.T) {
	f := newEnv(t)
	a, b := f.create2(SysChannelCreate, 0)
	// The server: another process would do this; here a goroutine of the
	// same process answers with the request's txid.
	done := make(chan object.Status, 1)
	go func() {
		buf := make([]byte, 64)
		if _, st := object.ObjectWaitOne(f.p, b, object.ChannelReadable, object.TimeInfinite); st != object.OK {
			done <- st
			return
		}
		n, _, st := object.ChannelRead(f.p, b, 0, buf, nil)
		if st != object.OK {
			done <- st
			return
		}
		reply := append(append([]byte{}, buf[:4]...), []byte("pong")...)
		_ = n
		done <- object.ChannelWrite(f.p, b, 0, reply, nil)
	}()
	wr := f.data([]byte("\x00\x00\x00\x00ping"))
	rd := f.alloc(64)
	args := f.alloc(sizeofChannelCallArgs)
	f.put64(args, uint64(wr))
	f.put64(args+16, uint64(rd))
	f.put32(args+32, 8)
	f.put32(args+40, 64)
	ab, ah := f.alloc(4), f.alloc(4)
	f.ok(SysChannelCall, uint64(a), 0, uint64(object.TimeInfinite), uint64(args), uint64(ab), uint64(ah))
	if st := <-done; st != object.OK {
		t.Fatal(st)
	}
	if f.u32(ab) != 8 || !bytes.Equal(f.bytes(rd+4, 4), []byte("pong")) || f.u32(rd) < 0x80000000 {
		t.Fatalf("reply % x (%d bytes)", f.bytes(rd, 8), f.u32(ab))
	}
	// Bad args pointer, bad reply buffer, bad actuals: INVALID_ARGS.
	f.want(object.ErrInvalidArgs, SysChannelCall, uint64(a), 0, 0, badPtr, uint64(ab), uint64(ah))
	f.put64(args+16, badPtr)
	f.want(object.ErrInvalidArgs, SysChannelCall, uint64(a), 0, 0, uint64(args), uint64(ab), uint64(ah))
	f.put64(args+16, uint64(rd))
	f.want(object.ErrInvalidArgs, SysChannelCall, uint64(a), 0, 0, uint64(args), badPtr, uint64(ah))
	// Deadline in the past: TIMED_OUT (the request was sent).
	f.want(object.ErrTimedOut, SysChannelCall, uint64(a), 0, 1, uint64(args), uint64(ab), uint64(ah))
	// Fewer than 4 bytes: INVALID_ARGS.
	f.put32(args+32, 2)
	f.want(object.ErrInvalidArgs, SysChannelCall, uint64(a), 0, 0, uint64(args), uint64(ab), uint64(ah))
}
