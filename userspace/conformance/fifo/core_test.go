package fifo

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: FifoTest (fifo.cc in utest/core): a fifo of 4
// elements of 8 bytes.

func newFifo8(t *testing.T) (zx.Fifo, zx.Fifo) {
	t.Helper()
	a, b, err := zx.NewFifo(4, 8, 0)
	if err != nil {
		t.Fatalf("fifo_create: %v", err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func u64s(vs ...uint64) []byte {
	b := make([]byte, 8*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint64(b[8*i:], v)
	}
	return b
}

func values(b []byte, n uint) []uint64 {
	vs := make([]uint64, n)
	for i := range vs {
		vs[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return vs
}

func TestFifoTest_InvalidParametersReturnOutOfRange(t *testing.T) {
	// Too small, too large (128*33 > 4096), options not 0.
	for _, c := range []struct {
		count, size uint
		options     uint32
	}{{0, 0, 0}, {128, 33, 0}, {0, 0, 1}} {
		var a, b zx.Handle
		ctest.Want(t, "fifo_create", zx.Sys_fifo_create(c.count, c.size, c.options, &a, &b), zx.ErrOutOfRange)
	}
}

func TestFifoTest_EndpointsAreRelated(t *testing.T) {
	a, b := newFifo8(t)
	ia, ib := basic(t, a.Handle), basic(t, b.Handle)
	if ia.RelatedKoid != ib.Koid || ib.RelatedKoid != ia.Koid || ia.Type != zx.ObjTypeFIFO {
		t.Errorf("%+v %+v", ia, ib)
	}
}

func TestFifoTest_EmptyQueueReturnsErrShouldWait(t *testing.T) {
	a, _ := newFifo8(t)
	buf := make([]byte, 8)
	if _, err := a.Read(buf, 8); err != zx.ErrShouldWait {
		t.Errorf("read of an empty fifo: %v", err)
	}
	wantSignals(t, "empty", a.Handle, zx.SignalReadable|zx.SignalWritable, zx.SignalWritable)
}

func TestFifoTest_ReadAndWriteValidatesSizeAndElementCount(t *testing.T) {
	a, b := newFifo8(t)
	data := u64s(1, 2)
	var n uint
	ctest.Want(t, "write(elem size 7)", zx.Sys_fifo_write(a.Handle, 7, unsafe.Pointer(&data[0]), 2, &n), zx.ErrOutOfRange)
	ctest.Want(t, "write(elem size 9)", zx.Sys_fifo_write(a.Handle, 9, unsafe.Pointer(&data[0]), 1, &n), zx.ErrOutOfRange)
	ctest.Want(t, "write(count 0)", zx.Sys_fifo_write(a.Handle, 8, unsafe.Pointer(&data[0]), 0, &n), zx.ErrOutOfRange)
	ctest.Must(t, "write", zx.Sys_fifo_write(a.Handle, 8, unsafe.Pointer(&data[0]), 2, &n))
	ctest.Want(t, "read(elem size 7)", zx.Sys_fifo_read(b.Handle, 7, unsafe.Pointer(&data[0]), 2, &n), zx.ErrOutOfRange)
	ctest.Want(t, "read(count 0)", zx.Sys_fifo_read(b.Handle, 8, unsafe.Pointer(&data[0]), 0, &n), zx.ErrOutOfRange)
}

func TestFifoTest_DequeueSignalsWriteable(t *testing.T) {
	a, b := newFifo8(t)
	if n, err := a.Write(u64s(1, 2, 3, 4), 8); err != nil || n != 4 {
		t.Fatalf("write %d: %v", n, err)
	}
	wantSignals(t, "full", a.Handle, zx.SignalWritable, 0)
	buf := make([]byte, 8)
	if _, err := b.Read(buf, 8); err != nil {
		t.Fatal(err)
	}
	wantSignals(t, "after one read", a.Handle, zx.SignalWritable, zx.SignalWritable)
}

func TestFifoTest_FifoOrderIsPreserved(t *testing.T) {
	a, b := newFifo8(t)
	a.Write(u64s(1, 2, 3, 4), 8)
	buf := make([]byte, 32)
	n, err := b.Read(buf, 8)
	if err != nil || n != 4 {
		t.Fatalf("read %d: %v", n, err)
	}
	if v := values(buf, n); v[0] != 1 || v[1] != 2 || v[2] != 3 || v[3] != 4 {
		t.Errorf("read %v", v)
	}
}

func TestFifoTest_PartialWriteQueuesElementsThatFit(t *testing.T) {
	a, b := newFifo8(t)
	a.Write(u64s(1, 2), 8)
	n, err := a.Write(u64s(3, 4, 5, 6), 8)
	if err != nil || n != 2 {
		t.Fatalf("partial write %d: %v", n, err)
	}
	if _, err := a.Write(u64s(7), 8); err != zx.ErrShouldWait {
		t.Errorf("write to a full fifo: %v", err)
	}
	buf := make([]byte, 64)
	m, _ := b.Read(buf, 8)
	if v := values(buf, m); m != 4 || v[2] != 3 || v[3] != 4 {
		t.Errorf("read %v", v)
	}
}

func TestFifoTest_IndividualReadsPreserveOrder(t *testing.T) {
	a, b := newFifo8(t)
	a.Write(u64s(10, 20, 30), 8)
	buf := make([]byte, 8)
	for _, want := range []uint64{10, 20, 30} {
		if n, err := b.Read(buf, 8); err != nil || n != 1 || values(buf, 1)[0] != want {
			t.Errorf("read %d %v: %v, want %d", n, values(buf, 1), err, want)
		}
	}
	if _, err := b.Read(buf, 8); err != zx.ErrShouldWait {
		t.Errorf("read after the last: %v", err)
	}
}

func TestFifoTest_EndpointCloseSignalsPeerClosed(t *testing.T) {
	var a, b zx.Handle
	ctest.Must(t, "fifo_create", zx.Sys_fifo_create(4, 8, 0, &a, &b))
	defer zx.Sys_handle_close(b)
	zx.Sys_handle_close(a)
	wantSignals(t, "peer closed", b, zx.SignalPeerClosed, zx.SignalPeerClosed)
	data := u64s(1)
	var n uint
	ctest.Want(t, "write to a closed peer", zx.Sys_fifo_write(b, 8, unsafe.Pointer(&data[0]), 1, &n), zx.ErrPeerClosed)
}
