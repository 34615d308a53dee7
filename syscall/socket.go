package zxsys

import "beryl/kernel/object"

func (d *Dispatcher) sysSocketCreate(c Caller, options uint32, out0, out1p UserPtr) object.Status {
	if st := probeAll(c, 4, out0, out1p); st != object.OK {
		return st
	}
	h0, h1, st := object.SocketCreate(c.Process(), options)
	return out2(c, h0, h1, st, out0, out1p)
}

func (d *Dispatcher) sysSocketWrite(c Caller, h object.Handle, options uint32, buffer UserPtr, size uint64, actual UserPtr) object.Status {
	if st := probeOpt(c, actual, 8); st != object.OK {
		return st
	}
	// No write can take more than a socket holds; one byte more still
	// makes an oversized datagram fail with OUT_OF_RANGE.
	data, st := copyIn(c, buffer, min(size, uint64(object.SocketBufferSize)+1))
	if st != object.OK {
		return st
	}
	n, st := object.SocketWrite(c.Process(), h, options, data)
	if st != object.OK {
		return st
	}
	return writeOptU64(c, actual, uint64(n))
}

func (d *Dispatcher) sysSocketRead(c Caller, h object.Handle, options uint32, buffer UserPtr, size uint64, actual UserPtr) object.Status {
	if st := probeOpt(c, actual, 8); st != object.OK {
		return st
	}
	size = min(size, uint64(object.SocketBufferSize))
	if st := probe(c, buffer, size, true); st != object.OK {
		return st
	}
	buf := make([]byte, size)
	n, st := object.SocketRead(c.Process(), h, options, buf)
	if st != object.OK {
		return st
	}
	if copyOut(c, buffer, buf[:n]) != object.OK {
		return object.ErrInvalidArgs
	}
	return writeOptU64(c, actual, uint64(n))
}

func (d *Dispatcher) sysSocketSetDisposition(c Caller, h object.Handle, disposition, dispositionPeer uint32) object.Status {
	return object.SocketSetDisposition(c.Process(), h, disposition, dispositionPeer)
}
