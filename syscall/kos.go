package zxsys

import (
	"beryl/kernel/object"
	"beryl/kernel/object/kos"
)

// kos syscalls: KasperskyOS-style user objects, badges, handle
// inheritance/revocation and Call/Recv/Reply IPC over kernel/object/kos.
// Every user pointer is probed (and every input copied in) before the
// object layer changes anything, so a bad pointer gives
// ZX_ERR_INVALID_ARGS with nothing changed. C layouts: syscall/spec.txt.

// C layouts of the kos structs (x86-64).
const (
	sizeofKosHandleDesc = 16 // kos_handle_desc_t
	sizeofKosRecvHandle = 24 // kos_recv_handle_t
	sizeofKosMsgBuf     = 40 // kos_msg_buf_t
	sizeofKosCallArgs   = 88 // kos_call_args_t
	sizeofKosSizes      = 12 // kos_sizes_t
	sizeofKosRecvInfo   = 48 // kos_recv_info_t
)

// Flags of kos_recv_handle_t.
const (
	kosRecvDereferenced = 1
	kosRecvHasBadge     = 2
)

func (d *Dispatcher) sysKosUserObjectCreate(c Caller, rights object.Rights, context uint64, port object.Handle, key uint64, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h, st := kos.UserObjectCreate(c.Process(), rights, context, port, key)
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysKosUserObjectGetContext(c Caller, h object.Handle, out UserPtr) object.Status {
	if st := probeOut(c, out, 8); st != object.OK {
		return st
	}
	ctx, st := kos.UserObjectGetContext(c.Process(), h)
	if st != object.OK {
		return st
	}
	return writeU64(c, out, ctx)
}

func (d *Dispatcher) sysKosCallableCreate(c Caller, rights object.Rights, context uint64, server object.Handle, endpoint uint32, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h, st := kos.CallableCreate(c.Process(), rights, context, server, endpoint)
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysKosBadgeCreate(c Caller, context uint64, port object.Handle, key uint64, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h, st := kos.BadgeCreate(c.Process(), context, port, key)
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysKosHandleCopy(c Caller, h object.Handle, rights object.Rights, badge object.Handle, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	nh, st := kos.HandleCopy(c.Process(), h, rights, badge)
	return out1(c, nh, st, out)
}

func (d *Dispatcher) sysKosHandleRevoke(c Caller, h object.Handle, options uint32) object.Status {
	return kos.HandleRevoke(c.Process(), h, options)
}

func (d *Dispatcher) sysKosHandleRevokeSubtree(c Caller, h, badge object.Handle) object.Status {
	return kos.HandleRevokeSubtree(c.Process(), h, badge)
}

func (d *Dispatcher) sysKosHandleConnect(c Caller, listener object.Handle, options uint32, client, server, listenerOut UserPtr) object.Status {
	if st := probeAll(c, 4, client, server, listenerOut); st != object.OK {
		return st
	}
	ch, sh, lh, st := kos.HandleConnect(c.Process(), listener, options)
	if st != object.OK {
		return st
	}
	// Only the client and server handles are new (the listener output is
	// the server handle or the listener given): undo just those.
	if writeU32(c, client, uint32(ch)) != object.OK || writeU32(c, server, uint32(sh)) != object.OK ||
		writeU32(c, listenerOut, uint32(lh)) != object.OK {
		object.HandleClose(c.Process(), ch)
		object.HandleClose(c.Process(), sh)
		return object.ErrInvalidArgs
	}
	return object.OK
}

func (d *Dispatcher) sysKosHandleConnectEx(c Caller, clientProc, serverProc, listener object.Handle, options uint32, client, server, listenerOut UserPtr) object.Status {
	if st := probeAll(c, 4, client, server, listenerOut); st != object.OK {
		return st
	}
	p := c.Process()
	ch, sh, lh, st := kos.HandleConnectEx(p, clientProc, serverProc, listener, options)
	if st != object.OK {
		return st
	}
	if writeU32(c, client, uint32(ch)) != object.OK || writeU32(c, server, uint32(sh)) != object.OK ||
		writeU32(c, listenerOut, uint32(lh)) != object.OK {
		// The outputs were probed: only a concurrent unmap gets here.
		// Undo in the targets (the client's handle first).
		closeIn(p, clientProc, ch)
		closeIn(p, serverProc, sh)
		return object.ErrInvalidArgs
	}
	return object.OK
}

// closeIn closes handle h in the process p's handle ph names.
func closeIn(p *object.Process, ph, h object.Handle) {
	o, _, st := p.Lookup(ph, object.ObjTypeProcess, object.RightNone)
	if st != object.OK {
		return
	}
	target := o.(*object.Process)
	object.HandleClose(target, h)
	target.Release()
}

func (d *Dispatcher) sysKosSecurityConnect(c Caller, options uint32, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h, st := kos.SecurityConnect(c.Process(), options)
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysKosListenerCreate(c Caller, options uint32, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h, st := kos.ListenerCreate(c.Process(), options)
	return out1(c, h, st, out)
}

// msgBuf is a decoded kos_msg_buf_t.
type msgBuf struct {
	fixed, arena, handles          UserPtr
	fixedLen, arenaLen, numHandles uint32
}

// decodeMsgBuf decodes b (sizeofKosMsgBuf bytes); the reserved word must
// be 0.
func decodeMsgBuf(b []byte) (msgBuf, object.Status) {
	if le.Uint32(b[36:]) != 0 {
		return msgBuf{}, object.ErrInvalidArgs
	}
	return msgBuf{
		fixed: UserPtr(le.Uint64(b[0:])), arena: UserPtr(le.Uint64(b[8:])), handles: UserPtr(le.Uint64(b[16:])),
		fixedLen: le.Uint32(b[24:]), arenaLen: le.Uint32(b[28:]), numHandles: le.Uint32(b[32:]),
	}, object.OK
}

// readSend copies in a message to send: OUT_OF_RANGE beyond the kos
// limits (nothing is read then), INVALID_ARGS for a bad pointer or a
// non-zero reserved word of a handle descriptor.
func readSend(c Caller, mb msgBuf) (fixed, arena []byte, descs []kos.HandleDesc, st object.Status) {
	if mb.fixedLen > kos.MaxFixedBytes || mb.arenaLen > kos.MaxArenaBytes || mb.numHandles > kos.MaxHandles {
		return nil, nil, nil, object.ErrOutOfRange
	}
	if fixed, st = copyIn(c, mb.fixed, uint64(mb.fixedLen)); st != object.OK {
		return nil, nil, nil, st
	}
	if arena, st = copyIn(c, mb.arena, uint64(mb.arenaLen)); st != object.OK {
		return nil, nil, nil, st
	}
	hb, st := copyIn(c, mb.handles, uint64(mb.numHandles)*sizeofKosHandleDesc)
	if st != object.OK {
		return nil, nil, nil, st
	}
	descs = make([]kos.HandleDesc, mb.numHandles)
	for i := range descs {
		d := hb[i*sizeofKosHandleDesc:]
		if le.Uint32(d[12:]) != 0 {
			return nil, nil, nil, object.ErrInvalidArgs
		}
		descs[i] = kos.HandleDesc{Handle: object.Handle(le.Uint32(d[0:])), Rights: object.Rights(le.Uint32(d[4:])), Badge: object.Handle(le.Uint32(d[8:]))}
	}
	return fixed, arena, descs, object.OK
}

// recvBuffers probes the buffers a message is received into (as much of
// them as the kos limits let a message use) and allocates kernel copies.
func recvBuffers(c Caller, mb msgBuf) (fixed, arena []byte, hs []kos.RecvHandle, st object.Status) {
	nf := min(mb.fixedLen, kos.MaxFixedBytes)
	na := min(mb.arenaLen, kos.MaxArenaBytes)
	nh := min(mb.numHandles, kos.MaxHandles)
	for _, pr := range []struct {
		p UserPtr
		n uint64
	}{{mb.fixed, uint64(nf)}, {mb.arena, uint64(na)}, {mb.handles, uint64(nh) * sizeofKosRecvHandle}} {
		if st := probe(c, pr.p, pr.n, true); st != object.OK {
			return nil, nil, nil, st
		}
	}
	return make([]byte, nf), make([]byte, na), make([]kos.RecvHandle, nh), object.OK
}

// writeRecv copies a received message out. If that fails after all
// (memory unmapped since the probe) the transferred handles are closed
// (dereferenced ones are the receiver's own and stay) and the message is
// lost.
func writeRecv(c Caller, mb msgBuf, sz kos.Sizes, fixed, arena []byte, hs []kos.RecvHandle) object.Status {
	hs = hs[:sz.Handles]
	hb := make([]byte, len(hs)*sizeofKosRecvHandle)
	for i, h := range hs {
		d := hb[i*sizeofKosRecvHandle:]
		le.PutUint32(d[0:], uint32(h.Handle))
		le.PutUint32(d[4:], uint32(h.Type))
		le.PutUint32(d[8:], uint32(h.Rights))
		var fl uint32
		if h.Dereferenced {
			fl |= kosRecvDereferenced
		}
		if h.HasBadge {
			fl |= kosRecvHasBadge
		}
		le.PutUint32(d[12:], fl)
		le.PutUint64(d[16:], h.BadgeContext)
	}
	if copyOut(c, mb.fixed, fixed[:sz.Fixed]) != object.OK ||
		copyOut(c, mb.arena, arena[:sz.Arena]) != object.OK ||
		copyOut(c, mb.handles, hb) != object.OK {
		p := c.Process()
		for _, h := range hs {
			if !h.Dereferenced {
				object.HandleClose(p, h.Handle)
			}
		}
		return object.ErrInvalidArgs
	}
	return object.OK
}

func encodeSizes(b []byte, sz kos.Sizes) {
	le.PutUint32(b[0:], sz.Fixed)
	le.PutUint32(b[4:], sz.Arena)
	le.PutUint32(b[8:], sz.Handles)
}

func (d *Dispatcher) sysKosCall(c Caller, h object.Handle, deadline object.Time, args, sizes UserPtr) object.Status {
	ab, st := copyIn(c, args, sizeofKosCallArgs)
	if st != object.OK {
		return st
	}
	wr, st := decodeMsgBuf(ab[8:48])
	if st != object.OK {
		return st
	}
	rd, st := decodeMsgBuf(ab[48:88])
	if st != object.OK {
		return st
	}
	fixed, arena, descs, st := readSend(c, wr)
	if st != object.OK {
		return st
	}
	rf, ra, rh, st := recvBuffers(c, rd)
	if st != object.OK {
		return st
	}
	if st := probeOpt(c, sizes, sizeofKosSizes); st != object.OK {
		return st
	}
	ca := &kos.CallArgs{Endpoint: le.Uint32(ab[0:]), Method: le.Uint32(ab[4:]), Fixed: fixed, Arena: arena, Handles: descs,
		RdFixed: rf, RdArena: ra, RdHandles: rh}
	sz, st := kos.Call(c.Process(), h, deadline, ca)
	switch st {
	case object.OK:
		if st := writeRecv(c, rd, sz, rf, ra, rh); st != object.OK {
			return st
		}
	case object.ErrBufferTooSmall, object.ErrNoResources:
	default:
		return st
	}
	if sizes != 0 {
		var b [sizeofKosSizes]byte
		encodeSizes(b[:], sz)
		if copyOut(c, sizes, b[:]) != object.OK {
			return object.ErrInvalidArgs
		}
	}
	return st
}

func (d *Dispatcher) sysKosRecv(c Caller, h object.Handle, options uint32, deadline object.Time, args, info UserPtr) object.Status {
	ab, st := copyIn(c, args, sizeofKosMsgBuf)
	if st != object.OK {
		return st
	}
	mb, st := decodeMsgBuf(ab)
	if st != object.OK {
		return st
	}
	rf, ra, rh, st := recvBuffers(c, mb)
	if st != object.OK {
		return st
	}
	if st := probeOut(c, info, sizeofKosRecvInfo); st != object.OK {
		return st
	}
	ri, st := kos.Recv(c.Process(), h, options, deadline, &kos.RecvArgs{Fixed: rf, Arena: ra, Handles: rh})
	switch st {
	case object.OK:
		if st := writeRecv(c, mb, ri.Sizes, rf, ra, rh); st != object.OK {
			return st
		}
	case object.ErrBufferTooSmall, object.ErrNoResources:
	default:
		return st
	}
	var b [sizeofKosRecvInfo]byte
	le.PutUint64(b[0:], ri.CallID)
	le.PutUint32(b[8:], ri.Endpoint)
	le.PutUint32(b[12:], ri.Method)
	encodeSizes(b[16:], ri.Sizes)
	le.PutUint64(b[32:], uint64(ri.Client))
	le.PutUint64(b[40:], uint64(ri.Caller))
	if copyOut(c, info, b[:]) != object.OK {
		return object.ErrInvalidArgs
	}
	return st
}

func (d *Dispatcher) sysKosReply(c Caller, h object.Handle, callID uint64, args UserPtr) object.Status {
	ab, st := copyIn(c, args, sizeofKosMsgBuf)
	if st != object.OK {
		return st
	}
	mb, st := decodeMsgBuf(ab)
	if st != object.OK {
		return st
	}
	fixed, arena, descs, st := readSend(c, mb)
	if st != object.OK {
		return st
	}
	return kos.Reply(c.Process(), h, callID, &kos.ReplyArgs{Fixed: fixed, Arena: arena, Handles: descs})
}
