package zxsys

import (
	"encoding/binary"

	"beryl/kernel/object"
)

var le = binary.LittleEndian

// maxBounce bounds kernel bounce buffers for user data of unbounded size.
const maxBounce = 1 << 20

// copyIn copies n bytes from user address p into a new slice.
func copyIn(c Caller, p UserPtr, n uint64) ([]byte, object.Status) {
	if n == 0 {
		return nil, object.OK
	}
	if uint64(p)+n < uint64(p) {
		return nil, object.ErrInvalidArgs
	}
	b := make([]byte, n)
	if st := c.CopyIn(b, uint64(p)); st != object.OK {
		return nil, object.ErrInvalidArgs
	}
	return b, object.OK
}

// copyOut copies b to user address p.
func copyOut(c Caller, p UserPtr, b []byte) object.Status {
	if len(b) == 0 {
		return object.OK
	}
	if uint64(p)+uint64(len(b)) < uint64(p) {
		return object.ErrInvalidArgs
	}
	if c.CopyOut(uint64(p), b) != object.OK {
		return object.ErrInvalidArgs
	}
	return object.OK
}

// probe checks that [p, p+n) can be written (or read, if !write) without
// changing what the user sees there: by reading the bytes and, for
// writes, writing the same bytes back.
func probe(c Caller, p UserPtr, n uint64, write bool) object.Status {
	if n == 0 {
		return object.OK
	}
	if uint64(p)+n < uint64(p) {
		return object.ErrInvalidArgs
	}
	var buf [512]byte
	for off := uint64(0); off < n; {
		k := min(n-off, uint64(len(buf)))
		if c.CopyIn(buf[:k], uint64(p)+off) != object.OK {
			return object.ErrInvalidArgs
		}
		if write && c.CopyOut(uint64(p)+off, buf[:k]) != object.OK {
			return object.ErrInvalidArgs
		}
		off += k
	}
	return object.OK
}

// probeOut probes a required out-parameter of n bytes.
func probeOut(c Caller, p UserPtr, n uint64) object.Status { return probe(c, p, n, true) }

// probeOpt probes an optional out-parameter (NULL is fine).
func probeOpt(c Caller, p UserPtr, n uint64) object.Status {
	if p == 0 {
		return object.OK
	}
	return probe(c, p, n, true)
}

// probeAll probes several required out-parameters of n bytes each.
func probeAll(c Caller, n uint64, ps ...UserPtr) object.Status {
	for _, p := range ps {
		if st := probeOut(c, p, n); st != object.OK {
			return st
		}
	}
	return object.OK
}

func readU32(c Caller, p UserPtr) (uint32, object.Status) {
	var b [4]byte
	if c.CopyIn(b[:], uint64(p)) != object.OK {
		return 0, object.ErrInvalidArgs
	}
	return le.Uint32(b[:]), object.OK
}

func writeU32(c Caller, p UserPtr, v uint32) object.Status {
	var b [4]byte
	le.PutUint32(b[:], v)
	return copyOut(c, p, b[:])
}

func writeU64(c Caller, p UserPtr, v uint64) object.Status {
	var b [8]byte
	le.PutUint64(b[:], v)
	return copyOut(c, p, b[:])
}

// writeOptU32 / writeOptU64 write an optional out-parameter.
func writeOptU32(c Caller, p UserPtr, v uint32) object.Status {
	if p == 0 {
		return object.OK
	}
	return writeU32(c, p, v)
}

func writeOptU64(c Caller, p UserPtr, v uint64) object.Status {
	if p == 0 {
		return object.OK
	}
	return writeU64(c, p, v)
}

// outHandles copies new handles to their out-pointers; if any copy fails
// every handle is closed again and the result is ZX_ERR_INVALID_ARGS.
func outHandles(c Caller, hs []object.Handle, ps []UserPtr) object.Status {
	for i, h := range hs {
		if writeU32(c, ps[i], uint32(h)) != object.OK {
			p := c.Process()
			for _, h := range hs {
				object.HandleClose(p, h)
			}
			return object.ErrInvalidArgs
		}
	}
	return object.OK
}

// out1 finishes a syscall creating one handle.
func out1(c Caller, h object.Handle, st object.Status, p UserPtr) object.Status {
	if st != object.OK {
		return st
	}
	return outHandles(c, []object.Handle{h}, []UserPtr{p})
}

// out2 finishes a syscall creating two handles.
func out2(c Caller, h0, h1 object.Handle, st object.Status, p0, p1 UserPtr) object.Status {
	if st != object.OK {
		return st
	}
	return outHandles(c, []object.Handle{h0, h1}, []UserPtr{p0, p1})
}

// readHandles copies in n handle values.
func readHandles(c Caller, p UserPtr, n uint64) ([]object.Handle, object.Status) {
	b, st := copyIn(c, p, n*4)
	if st != object.OK {
		return nil, st
	}
	hs := make([]object.Handle, n)
	for i := range hs {
		hs[i] = object.Handle(le.Uint32(b[4*i:]))
	}
	return hs, object.OK
}

// gate resolves h in the caller's table with the object core's rules and
// order (BAD_HANDLE after ZX_POL_BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED)
// without taking a reference; it returns the handle's basic info. It is
// how this package checks handles to objects it owns (debuglogs) and
// pre-checks handles whose errors must come before a user-pointer error.
func gate(p *object.Process, h object.Handle, typ object.ObjType, rights object.Rights) (object.HandleBasicInfo, object.Status) {
	info, st := object.ObjectGetInfoHandleBasic(p, h)
	if st != object.OK {
		return info, st
	}
	if typ != object.ObjTypeNone && info.Type != typ {
		return info, object.ErrWrongType
	}
	if !info.Rights.Has(rights) {
		return info, object.ErrAccessDenied
	}
	return info, object.OK
}

// lookupAs resolves h through the object core's gate (Process.Lookup:
// BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED) and returns the object as a T
// with a reference the caller releases, and the handle's rights.
func lookupAs[T interface{ Release() }](c Caller, h object.Handle, typ object.ObjType, rights object.Rights) (T, object.Rights, object.Status) {
	var zero T
	o, r, st := c.Process().Lookup(h, typ, rights)
	if st != object.OK {
		return zero, 0, st
	}
	v, ok := o.(T)
	if !ok {
		o.(interface{ Release() }).Release()
		return zero, 0, object.ErrWrongType
	}
	return v, r, object.OK
}
