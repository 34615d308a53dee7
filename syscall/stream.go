package zxsys

import (
	"beryl/kernel/object"
	"beryl/mm/vm"
)

// The stream family (Zircon's stream.cc): stream_create, stream_writev,
// stream_writev_at, stream_readv, stream_readv_at and stream_seek; the
// object is mm/vm's Stream.

// iovecSize is sizeof(zx_iovec_t) { void* buffer; size_t capacity }.
const iovecSize = 16

func (d *Dispatcher) sysStreamCreate(c Caller, options uint32, vh object.Handle, seek uint64, out UserPtr) object.Status {
	if options&^(object.StreamModeRead|object.StreamModeWrite) != 0 {
		return object.ErrInvalidArgs
	}
	v, vr, st := lookupAs[*vm.VMO](c, vh, object.ObjTypeVMO, object.RightNone)
	if st != object.OK {
		return st
	}
	defer v.Release()
	rights := object.DefaultStreamRights
	if options&object.StreamModeRead != 0 {
		if !vr.Has(object.RightRead) {
			return object.ErrAccessDenied
		}
		rights |= object.RightRead
	}
	if options&object.StreamModeWrite != 0 {
		if !vr.Has(object.RightWrite) {
			return object.ErrAccessDenied
		}
		rights |= object.RightWrite
	}
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h, st := c.Process().Install(vm.NewStream(v, options, seek), rights)
	return out1(c, h, st, out)
}

// iovecs reads a user zx_iovec_t array (copied in whole first, so a read
// into the array itself is safe) and its total capacity: INVALID_ARGS
// for a NULL or unreadable array, or capacities summing past 2^64-1.
func iovecs(c Caller, p UserPtr, n uint64) ([][2]uint64, uint64, object.Status) {
	if p == 0 || n > maxBounce/iovecSize {
		return nil, 0, object.ErrInvalidArgs
	}
	b, st := copyIn(c, p, n*iovecSize)
	if st != object.OK {
		return nil, 0, st
	}
	vs := make([][2]uint64, n)
	var total uint64
	for i := range vs {
		vs[i] = [2]uint64{le.Uint64(b[i*iovecSize:]), le.Uint64(b[i*iovecSize+8:])}
		if total+vs[i][1] < total {
			return nil, 0, object.ErrInvalidArgs
		}
		total += vs[i][1]
	}
	return vs, total, object.OK
}

// iovecCursor walks the user buffers of an iovec array in order; a
// buffer the kernel cannot reach is NOT_FOUND, as Zircon's stream ops.
type iovecCursor struct {
	c   Caller
	vs  [][2]uint64
	i   int
	off uint64
}

func (cur *iovecCursor) each(b []byte, fn func(part []byte, addr uint64) object.Status) object.Status {
	for len(b) > 0 {
		for cur.i < len(cur.vs) && cur.off == cur.vs[cur.i][1] {
			cur.i, cur.off = cur.i+1, 0
		}
		if cur.i == len(cur.vs) {
			return object.ErrNotFound
		}
		v := cur.vs[cur.i]
		n := min(uint64(len(b)), v[1]-cur.off)
		if st := fn(b[:n], v[0]+cur.off); st != object.OK {
			return object.ErrNotFound
		}
		cur.off += n
		b = b[n:]
	}
	return object.OK
}

func (cur *iovecCursor) sink(b []byte) object.Status {
	return cur.each(b, func(part []byte, addr uint64) object.Status { return cur.c.CopyOut(addr, part) })
}

func (cur *iovecCursor) source(b []byte) object.Status {
	return cur.each(b, func(part []byte, addr uint64) object.Status { return cur.c.CopyIn(part, addr) })
}

// streamOp is the common part of the four vector calls: options, the
// vector (checked before the handle, as Zircon), the stream with right,
// then op; actual (optional) gets the byte count on success.
func streamOp(c Caller, h object.Handle, right object.Rights, options, allowed uint32, vec UserPtr, n uint64, actual UserPtr,
	op func(s *vm.Stream, cur *iovecCursor, total uint64) (uint64, object.Status)) object.Status {
	if options&^allowed != 0 || vec == 0 {
		return object.ErrInvalidArgs
	}
	s, _, st := lookupAs[*vm.Stream](c, h, object.ObjTypeStream, right)
	if st != object.OK {
		return st
	}
	defer s.Release()
	if st := probeOpt(c, actual, 8); st != object.OK {
		return st
	}
	vs, total, st := iovecs(c, vec, n)
	if st != object.OK {
		return st
	}
	done, st := op(s, &iovecCursor{c: c, vs: vs}, total)
	if st != object.OK {
		return st
	}
	return writeOptU64(c, actual, done)
}

func (d *Dispatcher) sysStreamWritev(c Caller, h object.Handle, options uint32, vec UserPtr, n uint64, actual UserPtr) object.Status {
	return streamOp(c, h, object.RightWrite, options, object.StreamAppend, vec, n, actual,
		func(s *vm.Stream, cur *iovecCursor, total uint64) (uint64, object.Status) {
			return s.Write(nil, options&object.StreamAppend != 0, total, cur.source)
		})
}

func (d *Dispatcher) sysStreamWritevAt(c Caller, h object.Handle, options uint32, offset uint64, vec UserPtr, n uint64, actual UserPtr) object.Status {
	return streamOp(c, h, object.RightWrite, options, 0, vec, n, actual,
		func(s *vm.Stream, cur *iovecCursor, total uint64) (uint64, object.Status) {
			return s.Write(&offset, false, total, cur.source)
		})
}

func (d *Dispatcher) sysStreamReadv(c Caller, h object.Handle, options uint32, vec UserPtr, n uint64, actual UserPtr) object.Status {
	return streamOp(c, h, object.RightRead, options, 0, vec, n, actual,
		func(s *vm.Stream, cur *iovecCursor, total uint64) (uint64, object.Status) {
			return s.Read(nil, total, cur.sink)
		})
}

func (d *Dispatcher) sysStreamReadvAt(c Caller, h object.Handle, options uint32, offset uint64, vec UserPtr, n uint64, actual UserPtr) object.Status {
	return streamOp(c, h, object.RightRead, options, 0, vec, n, actual,
		func(s *vm.Stream, cur *iovecCursor, total uint64) (uint64, object.Status) {
			return s.Read(&offset, total, cur.sink)
		})
}

// sysStreamSeek is zx_stream_seek: the stream needs READ or WRITE.
func (d *Dispatcher) sysStreamSeek(c Caller, h object.Handle, whence uint32, offset int64, out UserPtr) object.Status {
	s, r, st := lookupAs[*vm.Stream](c, h, object.ObjTypeStream, object.RightNone)
	if st != object.OK {
		return st
	}
	defer s.Release()
	if !r.Has(object.RightRead) && !r.Has(object.RightWrite) {
		return object.ErrAccessDenied
	}
	if st := probeOpt(c, out, 8); st != object.OK {
		return st
	}
	pos, st := s.Seek(whence, offset)
	if st != object.OK {
		return st
	}
	return writeOptU64(c, out, pos)
}

// streamInfo serves ZX_INFO_STREAM (INSPECT).
func streamInfo(c Caller, h object.Handle, buf []byte) (rec, actual, avail int, st object.Status) {
	s, _, st := lookupAs[*vm.Stream](c, h, object.ObjTypeStream, object.RightInspect)
	if st != object.OK {
		return 0, 0, 0, st
	}
	defer s.Release()
	rec = object.InfoStreamSize
	if len(buf) < rec {
		return rec, 0, 1, object.ErrBufferTooSmall
	}
	options, seek, content := s.Info()
	clear(buf[:rec])
	le.PutUint32(buf[0:], options)
	le.PutUint64(buf[8:], seek)
	le.PutUint64(buf[16:], content)
	return rec, 1, 1, object.OK
}
