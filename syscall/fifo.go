package zxsys

import "beryl/kernel/object"

func (d *Dispatcher) sysFifoCreate(c Caller, elemCount, elemSize uint64, options uint32, out0, out1p UserPtr) object.Status {
	if st := probeAll(c, 4, out0, out1p); st != object.OK {
		return st
	}
	h0, h1, st := object.FIFOCreate(c.Process(), elemCount, elemSize, options)
	return out2(c, h0, h1, st, out0, out1p)
}

// fifoCount caps a transfer's element count at what any fifo can hold
// (FIFOMaxSizeBytes), so the copy is bounded; zero counts and sizes pass
// through for the object core to reject with OUT_OF_RANGE.
func fifoCount(elemSize, count uint64) (n, span uint64) {
	if elemSize == 0 || count == 0 {
		return count, 0
	}
	n = min(count, object.FIFOMaxSizeBytes/elemSize)
	return n, n * elemSize
}

func (d *Dispatcher) sysFifoRead(c Caller, h object.Handle, elemSize uint64, data UserPtr, count uint64, actual UserPtr) object.Status {
	if st := probeOpt(c, actual, 8); st != object.OK {
		return st
	}
	count, span := fifoCount(elemSize, count)
	if st := probe(c, data, span, true); st != object.OK {
		return st
	}
	buf := make([]byte, span)
	n, st := object.FIFORead(c.Process(), h, elemSize, buf, count)
	if st != object.OK {
		return st
	}
	if copyOut(c, data, buf[:n*elemSize]) != object.OK {
		return object.ErrInvalidArgs
	}
	return writeOptU64(c, actual, n)
}

func (d *Dispatcher) sysFifoWrite(c Caller, h object.Handle, elemSize uint64, data UserPtr, count uint64, actual UserPtr) object.Status {
	if st := probeOpt(c, actual, 8); st != object.OK {
		return st
	}
	count, span := fifoCount(elemSize, count)
	buf, st := copyIn(c, data, span)
	if st != object.OK {
		return st
	}
	n, st := object.FIFOWrite(c.Process(), h, elemSize, buf, count)
	if st != object.OK {
		return st
	}
	return writeOptU64(c, actual, n)
}
