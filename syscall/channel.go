package zxsys

import "beryl/kernel/object"

// C layouts (zircon/types.h, x86-64).
const (
	sizeofHandleInfo        = 16 // zx_handle_info_t
	sizeofHandleDisposition = 20 // zx_handle_disposition_t
	sizeofChannelCallArgs   = 48 // zx_channel_call_args_t
)

func (d *Dispatcher) sysChannelCreate(c Caller, options uint32, out0, out1p UserPtr) object.Status {
	if st := probeAll(c, 4, out0, out1p); st != object.OK {
		return st
	}
	h0, h1, st := object.ChannelCreate(c.Process(), options)
	return out2(c, h0, h1, st, out0, out1p)
}

// readBuffers probes the user buffers of a channel read: the actual_*
// pointers (an error status), then the byte and handle buffers (bufOK
// false if the kernel cannot write them). The message can never exceed the
// channel limits, so that is all that is probed and allocated.
func readBuffers(c Caller, bytes, handles UserPtr, numBytes, numHandles uint32, handleSize uint64, actualBytes, actualHandles UserPtr) (buf []byte, nh int, bufOK bool, st object.Status) {
	if st := probeOpt(c, actualBytes, 4); st != object.OK {
		return nil, 0, false, st
	}
	if st := probeOpt(c, actualHandles, 4); st != object.OK {
		return nil, 0, false, st
	}
	nb := min(uint64(numBytes), object.ChannelMaxMsgBytes)
	n := min(uint64(numHandles), object.ChannelMaxMsgHandles)
	for _, pr := range []struct {
		p UserPtr
		n uint64
	}{{bytes, nb}, {handles, n * handleSize}} {
		if probe(c, pr.p, pr.n, true) != object.OK {
			return nil, 0, false, object.OK
		}
	}
	return make([]byte, nb), int(n), true, object.OK
}

// unwritableRead is a read into byte or handle buffers the kernel cannot
// write. As in Zircon, which checks the message's size before it copies
// anything, they matter only if the message would be copied into them: a
// message that does not fit is ZX_ERR_BUFFER_TOO_SMALL (and discarded
// with ZX_CHANNEL_READ_MAY_DISCARD), an empty one is read; one that fits
// is ZX_ERR_INVALID_ARGS and stays queued (Zircon would dequeue and lose
// it).
func unwritableRead(c Caller, h object.Handle, options uint32, numBytes, numHandles uint32, actualBytes, actualHandles UserPtr) object.Status {
	p := c.Process()
	ab, ah, st := object.ChannelRead(p, h, options&^object.ChannelReadMayDiscard, nil, nil)
	switch st {
	case object.OK: // an empty message: nothing to copy
	case object.ErrBufferTooSmall:
		if ab <= numBytes && ah <= numHandles {
			return object.ErrInvalidArgs
		}
		if options&object.ChannelReadMayDiscard != 0 {
			object.ChannelRead(p, h, options, nil, nil)
		}
	default:
		return st
	}
	if writeOptU32(c, actualBytes, ab) != object.OK || writeOptU32(c, actualHandles, ah) != object.OK {
		return object.ErrInvalidArgs
	}
	return st
}

func (d *Dispatcher) sysChannelRead(c Caller, h object.Handle, options uint32, bytes, handles UserPtr, numBytes, numHandles uint32, actualBytes, actualHandles UserPtr) object.Status {
	buf, nh, bufOK, st := readBuffers(c, bytes, handles, numBytes, numHandles, 4, actualBytes, actualHandles)
	if st != object.OK {
		return st
	}
	if !bufOK {
		return unwritableRead(c, h, options, numBytes, numHandles, actualBytes, actualHandles)
	}
	hv := make([]object.Handle, nh)
	ab, ah, st := object.ChannelRead(c.Process(), h, options, buf, hv)
	return finishRead(c, st, buf, ab, ah, hv, nil, bytes, handles, actualBytes, actualHandles)
}

func (d *Dispatcher) sysChannelReadEtc(c Caller, h object.Handle, options uint32, bytes, handles UserPtr, numBytes, numHandles uint32, actualBytes, actualHandles UserPtr) object.Status {
	buf, nh, bufOK, st := readBuffers(c, bytes, handles, numBytes, numHandles, sizeofHandleInfo, actualBytes, actualHandles)
	if st != object.OK {
		return st
	}
	if !bufOK {
		return unwritableRead(c, h, options, numBytes, numHandles, actualBytes, actualHandles)
	}
	hi := make([]object.HandleInfo, nh)
	ab, ah, st := object.ChannelReadEtc(c.Process(), h, options, buf, hi)
	return finishRead(c, st, buf, ab, ah, nil, hi, bytes, handles, actualBytes, actualHandles)
}

// finishRead copies a received message out. If that fails after all
// (memory unmapped since the probe) the received handles are closed: the
// message is lost, as in Zircon.
func finishRead(c Caller, st object.Status, buf []byte, ab, ah uint32, hv []object.Handle, hi []object.HandleInfo,
	bytes, handles, actualBytes, actualHandles UserPtr) object.Status {
	if st != object.OK && st != object.ErrBufferTooSmall {
		return st
	}
	if st == object.OK {
		var hb []byte
		var got []object.Handle
		if hv != nil {
			hb = make([]byte, 4*ah)
			for i := uint32(0); i < ah; i++ {
				le.PutUint32(hb[4*i:], uint32(hv[i]))
				got = append(got, hv[i])
			}
		} else {
			hb = make([]byte, sizeofHandleInfo*ah)
			for i := uint32(0); i < ah; i++ {
				r := hb[sizeofHandleInfo*i:]
				le.PutUint32(r, uint32(hi[i].Handle))
				le.PutUint32(r[4:], uint32(hi[i].Type))
				le.PutUint32(r[8:], uint32(hi[i].Rights))
				got = append(got, hi[i].Handle)
			}
		}
		if copyOut(c, bytes, buf[:ab]) != object.OK || copyOut(c, handles, hb) != object.OK {
			object.HandleCloseMany(c.Process(), got)
			return object.ErrInvalidArgs
		}
	}
	if writeOptU32(c, actualBytes, ab) != object.OK || writeOptU32(c, actualHandles, ah) != object.OK {
		return object.ErrInvalidArgs
	}
	return st
}

// Limits of ZX_CHANNEL_WRITE_USE_IOVEC (zircon/types.h).
const (
	channelMaxMsgIovecs = 8192
	sizeofChannelIovec  = 16 // zx_channel_iovec_t
)

// writeArgs copies in the bytes and handle array of a channel write. Any
// bad pointer fails with ZX_ERR_INVALID_ARGS before a handle is consumed.
// With ZX_CHANNEL_WRITE_USE_IOVEC, bytes is an array of numBytes
// zx_channel_iovec_t whose buffers are gathered into the message.
func writeArgs(c Caller, options uint32, bytes UserPtr, numBytes uint32, handles UserPtr, numHandles uint32, handleSize uint64) ([]byte, []byte, object.Status) {
	var data []byte
	var st object.Status
	if options&object.ChannelWriteUseIovec != 0 {
		data, st = gatherIovecs(c, bytes, numBytes)
		if st != object.OK {
			return nil, nil, st
		}
	} else if numBytes > object.ChannelMaxMsgBytes {
		return nil, nil, object.ErrOutOfRange
	}
	if numHandles > object.ChannelMaxMsgHandles {
		return nil, nil, object.ErrOutOfRange
	}
	if options&object.ChannelWriteUseIovec == 0 {
		if data, st = copyIn(c, bytes, uint64(numBytes)); st != object.OK {
			return nil, nil, st
		}
	}
	hb, st := copyIn(c, handles, uint64(numHandles)*handleSize)
	if st != object.OK {
		return nil, nil, st
	}
	return data, hb, object.OK
}

// gatherIovecs copies in the n iovecs at p and the bytes they describe:
// OUT_OF_RANGE for more than 8192 iovecs or 64 KiB in total,
// INVALID_ARGS for a bad pointer or a nonzero reserved field.
func gatherIovecs(c Caller, p UserPtr, n uint32) ([]byte, object.Status) {
	if n > channelMaxMsgIovecs {
		return nil, object.ErrOutOfRange
	}
	iov, st := copyIn(c, p, uint64(n)*sizeofChannelIovec)
	if st != object.OK {
		return nil, st
	}
	total := uint64(0)
	for i := uint32(0); i < n; i++ {
		r := iov[i*sizeofChannelIovec:]
		if le.Uint32(r[12:]) != 0 {
			return nil, object.ErrInvalidArgs
		}
		total += uint64(le.Uint32(r[8:]))
	}
	if total > object.ChannelMaxMsgBytes {
		return nil, object.ErrOutOfRange
	}
	data := make([]byte, 0, total)
	for i := uint32(0); i < n; i++ {
		r := iov[i*sizeofChannelIovec:]
		part, st := copyIn(c, UserPtr(le.Uint64(r)), uint64(le.Uint32(r[8:])))
		if st != object.OK {
			return nil, st
		}
		data = append(data, part...)
	}
	return data, object.OK
}

// consumeUserHandles closes the handles of a write that failed with
// ZX_ERR_OUT_OF_RANGE, as Zircon does for every failed write: the n
// entries of size bytes at p are read in chunks of ChannelMaxMsgHandles
// (n has no upper bound), stopping at the first chunk that cannot be read.
// For dispositions (size sizeofHandleDisposition) only MOVE sources are
// closed.
func consumeUserHandles(c Caller, p UserPtr, n uint64, size uint64) {
	for off := uint64(0); off < n; off += object.ChannelMaxMsgHandles {
		k := min(n-off, object.ChannelMaxMsgHandles)
		b, st := copyIn(c, p+UserPtr(off*size), k*size)
		if st != object.OK {
			return
		}
		var hs []object.Handle
		for i := uint64(0); i < k; i++ {
			r := b[i*size:]
			if size == sizeofHandleDisposition && le.Uint32(r) != object.HandleOpMove {
				continue
			}
			at := 0
			if size == sizeofHandleDisposition {
				at = 4 // zx_handle_disposition_t.handle
			}
			hs = append(hs, object.Handle(le.Uint32(r[at:])))
		}
		object.HandleCloseMany(c.Process(), hs)
	}
}

// channelFirst makes the checks Zircon's channel_write and channel_call
// make before anything is copied in: the options, then the channel handle
// (rights). On failure the handles are consumed, as there.
func channelFirst(c Caller, h object.Handle, options, allowed uint32, rights object.Rights, handles UserPtr, numHandles uint32, handleSize uint64) object.Status {
	st := object.OK
	if options&^allowed != 0 {
		st = object.ErrInvalidArgs
	} else {
		_, st = gate(c.Process(), h, object.ObjTypeChannel, rights)
	}
	if st != object.OK {
		consumeUserHandles(c, handles, uint64(numHandles), handleSize)
	}
	return st
}

func (d *Dispatcher) sysChannelWrite(c Caller, h object.Handle, options uint32, bytes UserPtr, numBytes uint32, handles UserPtr, numHandles uint32) object.Status {
	p := c.Process()
	if st := channelFirst(c, h, options, object.ChannelWriteUseIovec, object.RightWrite, handles, numHandles, 4); st != object.OK {
		return st
	}
	data, hb, st := writeArgs(c, options, bytes, numBytes, handles, numHandles, 4)
	if st == object.ErrOutOfRange {
		// Too many bytes or handles: the handles are consumed, as the
		// object core (and Zircon) do for every failed write.
		consumeUserHandles(c, handles, uint64(numHandles), 4)
		return st
	}
	if st != object.OK {
		return st
	}
	hs := make([]object.Handle, numHandles)
	for i := range hs {
		hs[i] = object.Handle(le.Uint32(hb[4*i:]))
	}
	return object.ChannelWrite(p, h, options, data, hs)
}

func decodeDispositions(b []byte) []object.HandleDisposition {
	d := make([]object.HandleDisposition, len(b)/sizeofHandleDisposition)
	for i := range d {
		r := b[i*sizeofHandleDisposition:]
		d[i] = object.HandleDisposition{
			Operation: le.Uint32(r), Handle: object.Handle(le.Uint32(r[4:])),
			Type: object.ObjType(le.Uint32(r[8:])), Rights: object.Rights(le.Uint32(r[12:])),
			Result: object.Status(le.Uint32(r[16:])),
		}
	}
	return d
}

func (d *Dispatcher) sysChannelWriteEtc(c Caller, h object.Handle, options uint32, bytes UserPtr, numBytes uint32, handles UserPtr, numHandles uint32) object.Status {
	if st := channelFirst(c, h, options, object.ChannelWriteUseIovec, object.RightWrite, handles, numHandles, sizeofHandleDisposition); st != object.OK {
		return st
	}
	data, hb, st := writeArgs(c, options, bytes, numBytes, handles, numHandles, sizeofHandleDisposition)
	if st == object.ErrOutOfRange {
		// MOVE sources are always closed, as in Zircon.
		consumeUserHandles(c, handles, uint64(numHandles), sizeofHandleDisposition)
		return st
	}
	if st != object.OK {
		return st
	}
	// On failure each disposition's result is written back (on success
	// the array is left as it was, as in Zircon): it must be writable
	// before anything is consumed.
	if st := probeOut(c, handles, uint64(len(hb))); st != object.OK {
		return st
	}
	disp := decodeDispositions(hb)
	st = object.ChannelWriteEtc(c.Process(), h, options, data, disp)
	if st != object.OK && len(disp) > 0 {
		for i := range disp {
			le.PutUint32(hb[i*sizeofHandleDisposition+16:], uint32(disp[i].Result))
		}
		copyOut(c, handles, hb)
	}
	return st
}

// callArgs is zx_channel_call_args_t, whose layout
// zx_channel_call_etc_args_t shares: the request's bytes and handles, the
// reply's buffers, and their counts.
type callArgs struct {
	wrBytes, wrHandles, rdBytes, rdHandles UserPtr
	wrNB, wrNH, rdNB, rdNH                 uint32
}

// readCallArgs copies in and decodes a callArgs.
func readCallArgs(c Caller, args UserPtr) (callArgs, object.Status) {
	ab, st := copyIn(c, args, sizeofChannelCallArgs)
	if st != object.OK {
		return callArgs{}, st
	}
	return callArgs{
		wrBytes: UserPtr(le.Uint64(ab[0:])), wrHandles: UserPtr(le.Uint64(ab[8:])),
		rdBytes: UserPtr(le.Uint64(ab[16:])), rdHandles: UserPtr(le.Uint64(ab[24:])),
		wrNB: le.Uint32(ab[32:]), wrNH: le.Uint32(ab[36:]),
		rdNB: le.Uint32(ab[40:]), rdNH: le.Uint32(ab[44:]),
	}, object.OK
}

func (d *Dispatcher) sysChannelCall(c Caller, h object.Handle, options uint32, deadline object.Time, args UserPtr, actualBytes, actualHandles UserPtr) object.Status {
	a, st := readCallArgs(c, args)
	if st != object.OK {
		return st
	}
	if st := channelFirst(c, h, options, 0, object.RightRead|object.RightWrite, a.wrHandles, a.wrNH, 4); st != object.OK {
		return st
	}
	data, hb, st := writeArgs(c, 0, a.wrBytes, a.wrNB, a.wrHandles, a.wrNH, 4)
	if st == object.ErrOutOfRange {
		consumeUserHandles(c, a.wrHandles, uint64(a.wrNH), 4)
		return st
	}
	if st != object.OK {
		return st
	}
	rbuf, nh, bufOK, st := readBuffers(c, a.rdBytes, a.rdHandles, a.rdNB, a.rdNH, 4, 0, 0)
	if st == object.OK && !bufOK {
		st = object.ErrInvalidArgs
	}
	if st != object.OK {
		return st
	}
	if st := probeAll(c, 4, actualBytes, actualHandles); st != object.OK {
		return st
	}
	ca := &object.ChannelCallArgs{WrBytes: data, RdBytes: rbuf, RdHandles: make([]object.Handle, nh)}
	ca.WrHandles = make([]object.Handle, a.wrNH)
	for i := range ca.WrHandles {
		ca.WrHandles[i] = object.Handle(le.Uint32(hb[4*i:]))
	}
	ca.Killed = c.Killed()
	rb, rh, st := object.ChannelCall(c.Process(), h, options, deadline, ca)
	return finishRead(c, st, rbuf, rb, rh, ca.RdHandles, nil, a.rdBytes, a.rdHandles, actualBytes, actualHandles)
}

// sysChannelCallEtc is zx_channel_call_etc: channel_call whose request
// carries zx_handle_disposition_t (zx_channel_call_etc_args_t has the
// layout of zx_channel_call_args_t) and whose reply is read as
// zx_handle_info_t. When a disposition fails, every result is written
// back, as channel_write_etc does.
func (d *Dispatcher) sysChannelCallEtc(c Caller, h object.Handle, options uint32, deadline object.Time, args UserPtr, actualBytes, actualHandles UserPtr) object.Status {
	a, st := readCallArgs(c, args)
	if st != object.OK {
		return st
	}
	data, hb, st := writeArgs(c, 0, a.wrBytes, a.wrNB, a.wrHandles, a.wrNH, sizeofHandleDisposition)
	if st == object.ErrOutOfRange {
		consumeUserHandles(c, a.wrHandles, uint64(a.wrNH), sizeofHandleDisposition)
		return st
	}
	if st != object.OK {
		return st
	}
	if st := probeOut(c, a.wrHandles, uint64(len(hb))); st != object.OK {
		return st
	}
	rbuf, nh, bufOK, st := readBuffers(c, a.rdBytes, a.rdHandles, a.rdNB, a.rdNH, sizeofHandleInfo, 0, 0)
	if st == object.OK && !bufOK {
		st = object.ErrInvalidArgs
	}
	if st != object.OK {
		return st
	}
	if st := probeAll(c, 4, actualBytes, actualHandles); st != object.OK {
		return st
	}
	ca := &object.ChannelCallArgs{WrBytes: data, WrDispositions: decodeDispositions(hb), RdBytes: rbuf, RdHandleInfos: make([]object.HandleInfo, nh)}
	ca.Killed = c.Killed()
	rb, rh, st := object.ChannelCallEtc(c.Process(), h, options, deadline, ca)
	if st != object.OK {
		failed := false
		for _, x := range ca.WrDispositions {
			failed = failed || x.Result != object.OK
		}
		if failed {
			for i, x := range ca.WrDispositions {
				le.PutUint32(hb[i*sizeofHandleDisposition+16:], uint32(x.Result))
			}
			copyOut(c, a.wrHandles, hb)
		}
	}
	return finishRead(c, st, rbuf, rb, rh, nil, ca.RdHandleInfos, a.rdBytes, a.rdHandles, actualBytes, actualHandles)
}
