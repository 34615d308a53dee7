package socket

import (
	"bytes"
	"encoding/binary"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: SocketTest (socket/socket.cc in utest/core). The
// Shutdown* cases of the list predate zx_socket_set_disposition, which
// replaced zx_socket_shutdown with the same effect: they are ported
// through it (shutdown(WRITE) is set_disposition(WRITE_DISABLED, 0),
// shutdown(READ) set_disposition(0, WRITE_DISABLED)).

const (
	msg1 = "12345"
	msg2 = "abcdef"
)

func sockPair(t *testing.T, options uint32) (zx.Handle, zx.Handle) {
	t.Helper()
	var a, b zx.Handle
	ctest.Must(t, "socket_create", zx.Sys_socket_create(options, &a, &b))
	t.Cleanup(func() { zx.Sys_handle_close(a); zx.Sys_handle_close(b) })
	return a, b
}

func sigs(h zx.Handle) zx.Signals {
	var s zx.Signals
	zx.Sys_object_wait_one(h, 0, zx.TimeInfinitePast, &s)
	return s
}

func wantSigs(t *testing.T, what string, h zx.Handle, want zx.Signals) {
	t.Helper()
	if s := sigs(h); s != want {
		t.Errorf("%s: signals %#x, want %#x", what, s, want)
	}
}

func sWrite(h zx.Handle, b []byte) (uint, zx.Status) {
	var n uint
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	st := zx.Sys_socket_write(h, 0, p, uint(len(b)), &n)
	return n, st
}

func sRead(h zx.Handle, options uint32, n int) ([]byte, zx.Status) {
	b := make([]byte, n+1)
	var got uint
	st := zx.Sys_socket_read(h, options, unsafe.Pointer(&b[0]), uint(n), &got)
	return b[:got], st
}

func mustWrite(t *testing.T, h zx.Handle, b []byte) {
	t.Helper()
	n, st := sWrite(h, b)
	if st != zx.OK || n != uint(len(b)) {
		t.Fatalf("socket_write(%d bytes) = %d, %v", len(b), n, st)
	}
}

func sockInfo(t *testing.T, h zx.Handle) zx.InfoSocket {
	t.Helper()
	var i zx.InfoSocket
	ctest.Must(t, "get_info(SOCKET)", zx.Sys_object_get_info(h, zx.ObjectInfoSocket, unsafe.Pointer(&i), uint(unsafe.Sizeof(i)), nil, nil))
	return i
}

func setProp(h zx.Handle, prop uint32, v uint64) zx.Status {
	return zx.Sys_object_set_property(h, prop, unsafe.Pointer(&v), 8)
}

func getProp(t *testing.T, h zx.Handle, prop uint32) uint64 {
	t.Helper()
	var v uint64
	ctest.Must(t, "get_property", zx.Sys_object_get_property(h, prop, unsafe.Pointer(&v), 8))
	return v
}

func words(vs ...uint32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return b
}

func TestSocketTest_EndpointsAreRelated(t *testing.T) {
	a, b := sockPair(t, 0)
	ia, ib := ctest.Basic(t, a), ctest.Basic(t, b)
	if ia.Koid == 0 || ia.RelatedKoid != ib.Koid || ib.RelatedKoid != ia.Koid {
		t.Errorf("%+v %+v", ia, ib)
	}
}

func TestSocketTest_EmptySocketShouldWait(t *testing.T) {
	a, _ := sockPair(t, 0)
	if _, st := sRead(a, 0, 4); st != zx.ErrShouldWait {
		t.Errorf("read: %v", st)
	}
}

func TestSocketTest_WriteReadDataVerify(t *testing.T) {
	a, b := sockPair(t, 0)
	data := words(0xdeadbeef, 0xc0ffee)
	mustWrite(t, a, data[:4])
	mustWrite(t, a, data[4:])
	if got, st := sRead(b, 0, 8); st != zx.OK || !bytes.Equal(got, data) {
		t.Errorf("read %x, %v", got, st)
	}
	mustWrite(t, a, data)
	if got, st := sRead(b, 0, 8); st != zx.OK || !bytes.Equal(got, data) {
		t.Errorf("read %x, %v", got, st)
	}
}

func TestSocketTest_PeerClosedError(t *testing.T) {
	a, b := sockPair(t, 0)
	zx.Sys_handle_close(b)
	if _, st := sWrite(a, words(1)); st != zx.ErrPeerClosed {
		t.Errorf("write: %v", st)
	}
}

func TestSocketTest_PeekingLeavesData(t *testing.T) {
	a, b := sockPair(t, 0)
	data := words(0xdeadbeef, 0xc0ffee)
	mustWrite(t, a, data[:4])
	mustWrite(t, a, data[4:])
	if got, st := sRead(b, zx.SocketPeek, 8); st != zx.OK || !bytes.Equal(got, data) {
		t.Errorf("peek %x, %v", got, st)
	}
	wantSigs(t, "writer", a, zx.SocketWritable)
	wantSigs(t, "reader after peek", b, zx.SocketWritable|zx.SocketReadable)
	if got, st := sRead(b, 0, 8); st != zx.OK || !bytes.Equal(got, data) {
		t.Errorf("read %x, %v", got, st)
	}
	wantSigs(t, "reader after read", b, zx.SocketWritable)
}

func TestSocketTest_PeekingIntoEmpty(t *testing.T) {
	a, _ := sockPair(t, 0)
	if _, st := sRead(a, zx.SocketPeek, 4); st != zx.ErrShouldWait {
		t.Errorf("peek: %v", st)
	}
}

func TestSocketTest_Signals(t *testing.T) {
	a, b := sockPair(t, 0)
	wantSigs(t, "a", a, zx.SocketWritable)
	wantSigs(t, "b", b, zx.SocketWritable)
	const all = 128 << 10
	chunk := bytes.Repeat([]byte{0x66}, all/16)
	mustWrite(t, a, chunk)
	wantSigs(t, "a after write", a, zx.SocketWritable)
	wantSigs(t, "b after write", b, zx.SocketReadable|zx.SocketWritable)
	if got, st := sRead(b, 0, all); st != zx.OK || len(got) != len(chunk) {
		t.Fatalf("read %d: %v", len(got), st)
	}
	wantSigs(t, "a after read", a, zx.SocketWritable)
	wantSigs(t, "b after read", b, zx.SocketWritable)
	ctest.Want(t, "signal_peer(clear WRITABLE)", zx.Sys_object_signal_peer(a, uint32(zx.SocketWritable), 0), zx.ErrInvalidArgs)
	ctest.Must(t, "signal_peer(USER1)", zx.Sys_object_signal_peer(a, 0, uint32(zx.SignalUser1)))
	wantSigs(t, "a", a, zx.SocketWritable)
	wantSigs(t, "b", b, zx.SocketWritable|zx.SignalUser1)
	zx.Sys_handle_close(b)
	wantSigs(t, "a after close", a, zx.SocketPeerClosed)
}

func TestSocketTest_SetThreshholdsProp(t *testing.T) {
	a, _ := sockPair(t, 0)
	ctest.Must(t, "rx threshold 0", setProp(a, zx.PropSocketRxThreshold, 0))
	ctest.Want(t, "rx threshold huge", setProp(a, zx.PropSocketRxThreshold, 0xefffffff), zx.ErrInvalidArgs)
	ctest.Must(t, "tx threshold 0", setProp(a, zx.PropSocketTxThreshold, 0))
	ctest.Want(t, "tx threshold huge", setProp(a, zx.PropSocketTxThreshold, 0xefffffff), zx.ErrInvalidArgs)
}

func TestSocketTest_SetThreshholdsAndCheckSignals(t *testing.T) {
	local, remote := sockPair(t, 0)
	const rx = 101
	ctest.Must(t, "rx threshold", setProp(local, zx.PropSocketRxThreshold, rx))
	if v := getProp(t, local, zx.PropSocketRxThreshold); v != rx {
		t.Fatalf("rx threshold %d", v)
	}
	txMax := uint64(sockInfo(t, remote).TXBufMax)
	wt := txMax - (rx + 2)
	ctest.Must(t, "tx threshold", setProp(remote, zx.PropSocketTxThreshold, wt))
	if v := getProp(t, remote, zx.PropSocketTxThreshold); v != wt {
		t.Fatalf("tx threshold %d", v)
	}
	lc, rc := ctest.Reduced(t, local, zx.RightSameRights), ctest.Reduced(t, remote, zx.RightSameRights)
	if getProp(t, lc, zx.PropSocketRxThreshold) != rx || getProp(t, rc, zx.PropSocketTxThreshold) != wt {
		t.Errorf("duplicates see other thresholds")
	}
	both := func(what string, h, c zx.Handle, want zx.Signals) {
		t.Helper()
		wantSigs(t, what, h, want)
		wantSigs(t, what+" (duplicate)", c, want)
	}
	W, R, RT, WT := zx.SocketWritable, zx.SocketReadable, zx.SocketReadThreshold, zx.SocketWriteThreshold
	both("local start", local, lc, W)
	both("remote start", remote, rc, W|WT)
	mustWrite(t, remote, make([]byte, rx-1))
	both("local below rx", local, lc, W|R)
	both("remote", remote, rc, W|WT)
	mustWrite(t, remote, make([]byte, 1))
	both("local at rx", local, lc, W|R|RT)
	both("remote", remote, rc, W|WT)
	ctest.Must(t, "rx threshold up", setProp(local, zx.PropSocketRxThreshold, rx+50))
	both("local rx raised", local, lc, W|R)
	ctest.Must(t, "rx threshold back", setProp(local, zx.PropSocketRxThreshold, rx))
	both("local rx restored", local, lc, W|R|RT)
	ctest.Must(t, "tx threshold up", setProp(remote, zx.PropSocketTxThreshold, txMax-10))
	both("remote tx raised", remote, rc, W)
	ctest.Must(t, "tx threshold back", setProp(remote, zx.PropSocketTxThreshold, wt))
	both("remote tx restored", remote, rc, W|WT)
	n := wt - (rx + 1)
	mustWrite(t, remote, make([]byte, n))
	both("local full", local, lc, W|R|RT)
	both("remote below tx", remote, rc, W)
	if got, st := sRead(local, 0, int(n+10)); st != zx.OK || uint64(len(got)) != n+10 {
		t.Fatalf("read %d: %v", len(got), st)
	}
	both("local drained", local, lc, W|R)
	both("remote", remote, rc, W|WT)
}

func TestSocketTest_SignalClosedPeer(t *testing.T) {
	a, b := sockPair(t, 0)
	zx.Sys_handle_close(b)
	ctest.Want(t, "signal_peer", zx.Sys_object_signal_peer(a, 0, uint32(zx.SignalUser0)), zx.ErrPeerClosed)
}

func TestSocketTest_PeerClosedSetProperty(t *testing.T) {
	a, b := sockPair(t, 0)
	ctest.Must(t, "tx threshold", setProp(a, zx.PropSocketTxThreshold, 1))
	zx.Sys_handle_close(b)
	ctest.Want(t, "tx threshold, peer closed", setProp(a, zx.PropSocketTxThreshold, 1), zx.ErrPeerClosed)
}

// disableWrite is the old zx_socket_shutdown(local, WRITE) (disableLocal)
// or shutdown(local, READ) through set_disposition.
func disableWrite(t *testing.T, local zx.Handle, disableLocal bool) {
	t.Helper()
	if disableLocal {
		ctest.Must(t, "set_disposition(WRITE_DISABLED, 0)", zx.Sys_socket_set_disposition(local, zx.SocketDispositionWriteDisabled, 0))
	} else {
		ctest.Must(t, "set_disposition(0, WRITE_DISABLED)", zx.Sys_socket_set_disposition(local, 0, zx.SocketDispositionWriteDisabled))
	}
}

func TestSocketTest_ShutdownWrite(t *testing.T) {
	local, remote := sockPair(t, 0)
	mustWrite(t, local, []byte(msg1))
	mustWrite(t, remote, []byte(msg2))
	disableWrite(t, local, true)
	wantSigs(t, "local", local, zx.SocketWriteDisabled|zx.SocketReadable)
	wantSigs(t, "remote", remote, zx.SocketWritable|zx.SocketReadable|zx.SocketPeerWriteDisabled)
	if _, st := sWrite(local, []byte(msg1)); st != zx.ErrBadState {
		t.Errorf("write after shutdown: %v", st)
	}
	mustWrite(t, remote, []byte(msg1))
	if got, _ := sRead(remote, 0, 8); string(got) != msg1 {
		t.Errorf("remote read %q", got)
	}
	if _, st := sRead(remote, 0, 1); st != zx.ErrBadState {
		t.Errorf("remote read after the data: %v", st)
	}
	if got, _ := sRead(local, 0, 16); string(got) != msg2+msg1 {
		t.Errorf("local read %q", got)
	}
}

func TestSocketTest_ShutdownRead(t *testing.T) {
	local, remote := sockPair(t, 0)
	mustWrite(t, local, []byte(msg1))
	mustWrite(t, remote, []byte(msg2))
	disableWrite(t, local, false)
	wantSigs(t, "local", local, zx.SocketWritable|zx.SocketReadable|zx.SocketPeerWriteDisabled)
	wantSigs(t, "remote", remote, zx.SocketWriteDisabled|zx.SocketReadable)
	if _, st := sWrite(remote, []byte(msg1)); st != zx.ErrBadState {
		t.Errorf("peer write after shutdown(READ): %v", st)
	}
	mustWrite(t, local, []byte(msg2))
	if got, _ := sRead(local, 0, 8); string(got) != msg2 {
		t.Errorf("local read %q", got)
	}
	if _, st := sRead(local, 0, 1); st != zx.ErrBadState {
		t.Errorf("local read after the data: %v", st)
	}
}

func TestSocketTest_BytesOutstanding(t *testing.T) {
	a, b := sockPair(t, 0)
	if _, st := sRead(a, 0, 8); st != zx.ErrShouldWait {
		t.Errorf("read: %v", st)
	}
	data := words(0xdeadbeef, 0xc0ffee)
	mustWrite(t, a, data[:4])
	mustWrite(t, a, data[4:])
	if n := sockInfo(t, b).RXBufAvailable; n != 8 {
		t.Errorf("rx_buf_available %d", n)
	}
	if got, st := sRead(b, 0, 8); st != zx.OK || !bytes.Equal(got, data) {
		t.Errorf("read %x, %v", got, st)
	}
	zx.Sys_handle_close(b)
	if _, st := sWrite(a, data[:4]); st != zx.ErrPeerClosed {
		t.Errorf("write: %v", st)
	}
}

func outstandingAfterDisable(t *testing.T, disableLocal bool) {
	local, remote := sockPair(t, 0)
	data := words(0xdeadbeef, 0xc0ffee)
	mustWrite(t, local, data)
	disableWrite(t, local, disableLocal)
	if n := sockInfo(t, remote).RXBufAvailable; n != 8 {
		t.Errorf("rx_buf_available %d after disabling writes", n)
	}
	if got, st := sRead(remote, 0, 8); st != zx.OK || !bytes.Equal(got, data) {
		t.Errorf("read %x, %v", got, st)
	}
}

func TestSocketTest_ShutdownWriteBytesOutstanding(t *testing.T) { outstandingAfterDisable(t, true) }

func TestSocketTest_ShutdownReadBytesOutstanding(t *testing.T) { outstandingAfterDisable(t, false) }

func TestSocketTest_ShortWrite(t *testing.T) {
	a, _ := sockPair(t, 0)
	size := sockInfo(t, a).RXBufMax + 1
	n, st := sWrite(a, make([]byte, size))
	if st != zx.OK || n >= size {
		t.Errorf("write(%d) = %d, %v: want a short write", size, n, st)
	}
}

func TestSocketTest_Datagram(t *testing.T) {
	a, b := sockPair(t, zx.SocketDatagram)
	mustWrite(t, a, []byte(msg1))
	mustWrite(t, a, []byte(msg2))
	big := make([]byte, 4096)
	for i := range big {
		big[i] = byte(i)
	}
	mustWrite(t, a, big)
	if n := sockInfo(t, b).RXBufAvailable; n != uint(len(msg1)) {
		t.Errorf("rx_buf_available %d, want the first datagram's %d", n, len(msg1))
	}
	if got, st := sRead(b, 0, len(msg1)-1); st != zx.OK || string(got) != msg1[:len(msg1)-1] {
		t.Errorf("short read %q, %v", got, st)
	}
	if n := sockInfo(t, b).RXBufAvailable; n != uint(len(msg2)) {
		t.Errorf("rx_buf_available %d after the truncated read", n)
	}
	if got, st := sRead(b, 0, len(msg2)); st != zx.OK || string(got) != msg2 {
		t.Errorf("read %q, %v", got, st)
	}
	if got, st := sRead(b, 0, len(big)); st != zx.OK || !bytes.Equal(got, big) {
		t.Errorf("read of the big datagram: %d bytes, %v", len(got), st)
	}
	if n := sockInfo(t, b).RXBufAvailable; n != 0 {
		t.Errorf("rx_buf_available %d at the end", n)
	}
}

func TestSocketTest_DatagramPeek(t *testing.T) {
	a, b := sockPair(t, zx.SocketDatagram)
	mustWrite(t, a, []byte(msg1))
	mustWrite(t, a, []byte(msg2))
	if got, st := sRead(b, zx.SocketPeek, len(msg1)-1); st != zx.OK || string(got) != msg1[:len(msg1)-1] {
		t.Errorf("short peek %q, %v", got, st)
	}
	if got, st := sRead(b, zx.SocketPeek, len(msg1)); st != zx.OK || string(got) != msg1 {
		t.Errorf("peek %q, %v", got, st)
	}
	if got, st := sRead(b, 0, len(msg1)); st != zx.OK || string(got) != msg1 {
		t.Errorf("read %q, %v", got, st)
	}
	if got, st := sRead(b, zx.SocketPeek, len(msg2)); st != zx.OK || string(got) != msg2 {
		t.Errorf("peek of the second %q, %v", got, st)
	}
}

func TestSocketTest_DatagramPeekEmpty(t *testing.T) {
	a, _ := sockPair(t, zx.SocketDatagram)
	if _, st := sRead(a, zx.SocketPeek, 1); st != zx.ErrShouldWait {
		t.Errorf("peek: %v", st)
	}
}

func TestSocketTest_DatagramNoShortWrite(t *testing.T) {
	a, b := sockPair(t, zx.SocketDatagram)
	max := sockInfo(t, b).TXBufMax
	if max == 0 {
		t.Fatal("tx_buf_max 0")
	}
	buf := make([]byte, 2*max)
	written := ^uint(0)
	ctest.Want(t, "write(huge datagram)", zx.Sys_socket_write(a, 0, unsafe.Pointer(&buf[0]), uint(len(buf)), &written), zx.ErrOutOfRange)
	if written != ^uint(0) {
		t.Errorf("actual written %d on failure", written)
	}
}

func TestSocketTest_ZeroSize(t *testing.T) {
	for _, opt := range []uint32{zx.SocketStream, zx.SocketDatagram} {
		a, b := sockPair(t, opt)
		var c byte
		ctest.Want(t, "read(0) empty", zx.Sys_socket_read(a, 0, unsafe.Pointer(&c), 0, nil), zx.ErrShouldWait)
		mustWrite(t, b, []byte("a"))
		ctest.Must(t, "read(0)", zx.Sys_socket_read(a, 0, unsafe.Pointer(&c), 0, nil))
		ctest.Must(t, "read(0) again", zx.Sys_socket_read(a, 0, unsafe.Pointer(&c), 0, nil))
	}
}

func TestSocketTest_ReadIntoNullBuffer(t *testing.T) {
	a, b := sockPair(t, 0)
	mustWrite(t, a, []byte("A"))
	var n uint
	ctest.Want(t, "read(NULL, 1)", zx.Sys_socket_read(b, 0, nil, 1, &n), zx.ErrInvalidArgs)
}

// unpermittedPage maps a page with no permissions (neither readable nor
// writable by the kernel on the caller's behalf).
func unpermittedPage(t *testing.T) unsafe.Pointer {
	t.Helper()
	var vmo zx.Handle
	ctest.Must(t, "vmo_create", zx.Sys_vmo_create(zx.PageSize, 0, &vmo))
	defer zx.Sys_handle_close(vmo)
	var addr zx.Vaddr
	ctest.Must(t, "vmar_map(no permissions)", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, 0, 0, vmo, 0, zx.PageSize, &addr))
	t.Cleanup(func() { zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, addr, zx.PageSize) })
	return ctest.Ptr(uintptr(addr))
}

func TestSocketTest_ReadIntoBadBuffer(t *testing.T) {
	a, b := sockPair(t, 0)
	mustWrite(t, a, []byte("A"))
	n := uint(99)
	ctest.Want(t, "read(unwritable buffer)", zx.Sys_socket_read(b, 0, unpermittedPage(t), 1, &n), zx.ErrInvalidArgs)
	if n != 99 {
		t.Errorf("actual %d after a failed read", n)
	}
}

func TestSocketTest_WriteFromNullBuffer(t *testing.T) {
	a, _ := sockPair(t, 0)
	ctest.Want(t, "write(NULL, 1)", zx.Sys_socket_write(a, 0, nil, 1, nil), zx.ErrInvalidArgs)
}

func TestSocketTest_WriteFromBadBuffer(t *testing.T) {
	_, b := sockPair(t, 0)
	var n uint
	ctest.Want(t, "write(unreadable buffer)", zx.Sys_socket_write(b, 0, unpermittedPage(t), 1, &n), zx.ErrInvalidArgs)
}
