package channel

import (
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: ChannelTest (channel/channel.cc in utest/core).

const channelData uint32 = 0xdeadbeef

// pair creates a channel whose ends are closed at the end of the test
// (ends the test closes or sends itself are gone by then; closing them
// again fails harmlessly).
func chPair(t *testing.T) (zx.Handle, zx.Handle) {
	t.Helper()
	var a, b zx.Handle
	ctest.Must(t, "channel_create", zx.Sys_channel_create(0, &a, &b))
	t.Cleanup(func() { zx.Sys_handle_close(a); zx.Sys_handle_close(b) })
	return a, b
}

func chEvent(t *testing.T) zx.Handle {
	t.Helper()
	var h zx.Handle
	ctest.Must(t, "event_create", zx.Sys_event_create(0, &h))
	return h
}

func chWrite(h zx.Handle, data []byte, hs []zx.Handle) zx.Status {
	var dp unsafe.Pointer
	if len(data) > 0 {
		dp = unsafe.Pointer(&data[0])
	}
	var hp *zx.Handle
	if len(hs) > 0 {
		hp = &hs[0]
	}
	return zx.Sys_channel_write(h, 0, dp, uint32(len(data)), hp, uint32(len(hs)))
}

func writeU32(t *testing.T, h zx.Handle, v uint32) {
	t.Helper()
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	ctest.Must(t, "channel_write", chWrite(h, b[:], nil))
}

// pending returns the signals of h (wait_one with an empty set, past
// deadline).
func chPending(h zx.Handle) zx.Signals {
	var s zx.Signals
	zx.Sys_object_wait_one(h, 0, zx.TimeInfinitePast, &s)
	return s
}

func TestChannelTest_CreateIsOkAndEndpointsAreRelated(t *testing.T) {
	a, b := chPair(t)
	ia, ib := ctest.Basic(t, a), ctest.Basic(t, b)
	if ia.Koid == 0 || ib.Koid == 0 || ia.RelatedKoid != ib.Koid || ib.RelatedKoid != ia.Koid {
		t.Errorf("%+v %+v", ia, ib)
	}
}

func TestChannelTest_IsWriteableByDefault(t *testing.T) {
	a, b := chPair(t)
	if chPending(a) != zx.ChannelWritable || chPending(b) != zx.ChannelWritable {
		t.Errorf("signals %#x %#x", chPending(a), chPending(b))
	}
}

func TestChannelTest_WriteToEndpointCausesOtherToBecomeReadable(t *testing.T) {
	a, b := chPair(t)
	writeU32(t, a, channelData)
	if chPending(a) != zx.ChannelWritable || chPending(b) != zx.ChannelWritable|zx.ChannelReadable {
		t.Errorf("signals %#x %#x", chPending(a), chPending(b))
	}
}

func TestChannelTest_WriteConsumesAllHandles(t *testing.T) {
	a, _ := chPair(t)
	hs := make([]zx.Handle, zx.ChannelMaxMsgHandles+1)
	for i := range hs {
		hs[i] = chEvent(t)
	}
	ctest.Want(t, "write(65 handles)", chWrite(a, nil, hs), zx.ErrOutOfRange)
	for _, h := range hs {
		ctest.Want(t, "close(sent handle)", zx.Sys_handle_close(h), zx.ErrBadHandle)
	}
}

// waitOnChannels is the original's worker: it reads the messages of two
// channels until both peers close, signalling USER0 (USER1) on ev for
// each message of the first (second).
func waitOnChannels(r1, r2, ev zx.Handle, bytes1, bytes2, packets *atomic.Uint32) error {
	items := []zx.WaitItem{{Handle: r1, WaitFor: zx.ChannelReadable | zx.ChannelPeerClosed}, {Handle: r2, WaitFor: zx.ChannelReadable | zx.ChannelPeerClosed}}
	closed1, closed2 := false, false
	for !closed1 || !closed2 {
		if st := zx.Sys_object_wait_many(&items[0], 2, zx.TimeInfinite); st != zx.OK {
			return st.Err()
		}
		var data [4]byte
		var n uint32
		switch {
		case items[0].Pending&zx.ChannelReadable != 0:
			zx.Sys_object_signal(ev, 0, uint32(zx.SignalUser0))
			if st := zx.Sys_channel_read(r1, 0, unsafe.Pointer(&data[0]), nil, 4, 0, &n, nil); st != zx.OK {
				return st.Err()
			}
			bytes1.Add(n)
			packets.Add(1)
		case items[1].Pending&zx.ChannelReadable != 0:
			zx.Sys_object_signal(ev, 0, uint32(zx.SignalUser1))
			if st := zx.Sys_channel_read(r2, 0, unsafe.Pointer(&data[0]), nil, 4, 0, &n, nil); st != zx.OK {
				return st.Err()
			}
			bytes2.Add(n)
			packets.Add(1)
		default:
			closed1 = closed1 || items[0].Pending&zx.ChannelPeerClosed != 0
			closed2 = closed2 || items[1].Pending&zx.ChannelPeerClosed != 0
		}
		if binary.LittleEndian.Uint32(data[:]) != channelData && n > 0 {
			return zx.ErrInternal
		}
	}
	return nil
}

func waitManyCase(t *testing.T, writeFirst, writeSecond bool) {
	l1, r1 := chPair(t)
	l2, r2 := chPair(t)
	ev := ctest.NewEvent(t)
	var b1, b2, packets atomic.Uint32
	done := make(chan error, 1)
	go func() { done <- waitOnChannels(r1, r2, ev, &b1, &b2, &packets) }()
	want := zx.Signals(0)
	if writeSecond {
		writeU32(t, l2, channelData)
		want |= zx.SignalUser1
	}
	if writeFirst {
		writeU32(t, l1, channelData)
		want |= zx.SignalUser0
	}
	var obs zx.Signals
	ctest.Must(t, "wait for the worker", zx.Sys_object_wait_one(ev, want, zx.TimeInfinite, &obs))
	for obs&want != want {
		ctest.Must(t, "wait for the worker", zx.Sys_object_wait_one(ev, want, zx.TimeInfinite, &obs))
	}
	zx.Sys_handle_close(l1)
	zx.Sys_handle_close(l2)
	if err := <-done; err != nil {
		t.Fatalf("worker: %v", err)
	}
	if s := chPending(ev); s != want {
		t.Errorf("event %#x, want %#x", s, want)
	}
	if chPending(r1) != zx.ChannelPeerClosed || chPending(r2) != zx.ChannelPeerClosed {
		t.Errorf("remote signals %#x %#x", chPending(r1), chPending(r2))
	}
	w1, w2 := uint32(0), uint32(0)
	if writeFirst {
		w1 = 4
	}
	if writeSecond {
		w2 = 4
	}
	if b1.Load() != w1 || b2.Load() != w2 || packets.Load() != (w1+w2)/4 {
		t.Errorf("bytes %d %d packets %d", b1.Load(), b2.Load(), packets.Load())
	}
}

func TestChannelTest_WaitManyIsSignaledOnAnyElementWrite(t *testing.T) { waitManyCase(t, true, false) }

func TestChannelTest_WaitManyIsSignaledForBothWrites(t *testing.T) { waitManyCase(t, true, true) }

func TestChannelTest_ReadWhenEmptyReturnsShouldWait(t *testing.T) {
	_, b := chPair(t)
	ctest.Want(t, "read(empty)", zx.Sys_channel_read(b, 0, nil, nil, 0, 0, nil, nil), zx.ErrShouldWait)
}

func TestChannelTest_ReadWhenEmptyAndClosedReturnsPeerClosed(t *testing.T) {
	a, b := chPair(t)
	zx.Sys_handle_close(a)
	ctest.Want(t, "read(empty, peer closed)", zx.Sys_channel_read(b, 0, nil, nil, 0, 0, nil, nil), zx.ErrPeerClosed)
}

func TestChannelTest_ReadRemainingMessagesWhenPeerIsClosed(t *testing.T) {
	a, b := chPair(t)
	for range 4 {
		writeU32(t, a, channelData)
	}
	zx.Sys_handle_close(a)
	if s := chPending(b); s != zx.ChannelReadable|zx.ChannelPeerClosed {
		t.Errorf("signals %#x", s)
	}
	for range 4 {
		var data [4]byte
		var n uint32
		ctest.Must(t, "read", zx.Sys_channel_read(b, 0, unsafe.Pointer(&data[0]), nil, 4, 0, &n, nil))
		if n != 4 || binary.LittleEndian.Uint32(data[:]) != channelData {
			t.Errorf("read %d bytes %x", n, data)
		}
	}
	if chPending(b)&zx.ChannelReadable != 0 {
		t.Errorf("still readable")
	}
}

func TestChannelTest_CloseSignalsPeerClosed(t *testing.T) {
	a, b := chPair(t)
	zx.Sys_handle_close(a)
	var s zx.Signals
	ctest.Must(t, "wait PEER_CLOSED", zx.Sys_object_wait_one(b, zx.ChannelPeerClosed, zx.TimeInfinite, &s))
	if s&zx.ChannelPeerClosed == 0 {
		t.Errorf("signals %#x", s)
	}
}

func TestChannelTest_CloseClearsSignalsWriteable(t *testing.T) {
	a, b := chPair(t)
	if chPending(b)&zx.ChannelWritable == 0 {
		t.Fatalf("not writable")
	}
	zx.Sys_handle_close(a)
	var s zx.Signals
	ctest.Must(t, "wait PEER_CLOSED", zx.Sys_object_wait_one(b, zx.ChannelPeerClosed, zx.TimeInfinite, &s))
	if s&zx.ChannelWritable != 0 {
		t.Errorf("still writable: %#x", s)
	}
}

func TestChannelTest_CloseSignalsPeerReturnsPeerClosed(t *testing.T) {
	a, b := chPair(t)
	zx.Sys_handle_close(a)
	ctest.Want(t, "signal_peer", zx.Sys_object_signal_peer(b, 0, uint32(zx.SignalUser0)), zx.ErrPeerClosed)
}

func TestChannelTest_OnFlightHandlesSignalledWhenPeerIsClosed(t *testing.T) {
	local, remote := chPair(t)
	fl0, fr0 := chPair(t)
	fl1, fr1 := chPair(t)
	ctest.Must(t, "write", chWrite(local, nil, []zx.Handle{fr0}))
	ctest.Must(t, "write", chWrite(remote, nil, []zx.Handle{fr1}))
	// Closing local destroys the message queued to it (holding fr1).
	zx.Sys_handle_close(local)
	ctest.Must(t, "wait fl1 PEER_CLOSED", zx.Sys_object_wait_one(fl1, zx.ChannelPeerClosed, zx.TimeInfinite, nil))
	if chPending(fl0)&zx.ChannelWritable == 0 {
		t.Errorf("fl0 not writable: %#x", chPending(fl0))
	}
	zx.Sys_handle_close(remote)
	ctest.Must(t, "wait fl0 PEER_CLOSED", zx.Sys_object_wait_one(fl0, zx.ChannelPeerClosed, zx.TimeInfinite, nil))
}

func TestChannelTest_WriteNonTransferableHandleReturnsAccessDeniedAndClosesHandle(t *testing.T) {
	a, _ := chPair(t)
	ev := ctest.NewEvent(t)
	var nt zx.Handle
	ctest.Must(t, "duplicate", zx.Sys_handle_duplicate(ev, ctest.Basic(t, ev).Rights&^zx.RightTransfer, &nt))
	ctest.Want(t, "write(no TRANSFER)", chWrite(a, nil, []zx.Handle{nt}), zx.ErrAccessDenied)
	ctest.Want(t, "close(handle)", zx.Sys_handle_close(nt), zx.ErrBadHandle)
}

func TestChannelTest_WriteRepeatedHandlesReturnsBadHandlesAndClosesHandle(t *testing.T) {
	a, _ := chPair(t)
	ev := chEvent(t)
	ctest.Want(t, "chWrite(h, h)", chWrite(a, nil, []zx.Handle{ev, ev}), zx.ErrBadHandle)
	ctest.Want(t, "close(handle)", zx.Sys_handle_close(ev), zx.ErrBadHandle)
}

func TestChannelTest_ConcurrentReadsConsumeUniqueElements(t *testing.T) {
	local, remote := chPair(t)
	const n = 2000
	for i := uint64(1); i <= n; i++ {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], i)
		ctest.Must(t, "write", chWrite(local, b[:], nil))
	}
	got := make([][]uint64, 2)
	var wg sync.WaitGroup
	for r := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n / 2 {
				var b [8]byte
				var nb uint32
				if zx.Sys_channel_read(remote, 0, unsafe.Pointer(&b[0]), nil, 8, 0, &nb, nil) != zx.OK || nb != 8 {
					return
				}
				got[r] = append(got[r], binary.LittleEndian.Uint64(b[:]))
			}
		}()
	}
	wg.Wait()
	seen := map[uint64]bool{}
	for _, g := range got {
		prev := uint64(0)
		for _, v := range g {
			if v == 0 || v > n || v <= prev {
				t.Errorf("value %d after %d", v, prev)
			}
			prev = v
			seen[v] = true
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct messages read, want %d", len(seen), n)
	}
}

// smallBufferRead writes a message of replyBytes bytes and replyHandles
// event duplicates, reads it with MAY_DISCARD into buffers of bufBytes and
// bufHandles (NULL when nullBufs), expects BUFFER_TOO_SMALL with the
// message gone and its handles closed, and returns the actual sizes.
func smallBufferRead(t *testing.T, bufBytes, bufHandles, replyBytes, replyHandles uint32, nullBufs bool) (uint32, uint32) {
	t.Helper()
	local, remote := chPair(t)
	ev := ctest.NewEvent(t)
	hs := make([]zx.Handle, replyHandles)
	for i := range hs {
		ctest.Must(t, "duplicate", zx.Sys_handle_duplicate(ev, zx.RightSameRights, &hs[i]))
	}
	ctest.Must(t, "write", chWrite(local, make([]byte, replyBytes), hs))
	buf := make([]byte, bufBytes+1)
	hbuf := make([]zx.Handle, bufHandles+1)
	bp, hp := unsafe.Pointer(&buf[0]), &hbuf[0]
	if nullBufs {
		bp, hp = nil, nil
	}
	var nb, nh uint32
	ctest.Want(t, "read(MAY_DISCARD, small)", zx.Sys_channel_read(remote, zx.ChannelReadMayDiscard, bp, hp, bufBytes, bufHandles, &nb, &nh), zx.ErrBufferTooSmall)
	if chPending(remote)&zx.ChannelReadable != 0 {
		t.Errorf("message not discarded")
	}
	var count uint32
	ctest.Must(t, "get_info(HANDLE_COUNT)", zx.Sys_object_get_info(ev, zx.ObjectInfoHandleCount, unsafe.Pointer(&count), 4, nil, nil))
	if count != 1 {
		t.Errorf("event handle count %d, want 1 (the discarded handles closed)", count)
	}
	return nb, nh
}

func wantSizes(t *testing.T, nb, nh, wb, wh uint32) {
	t.Helper()
	if nb != wb || nh != wh {
		t.Errorf("actual %d bytes %d handles, want %d and %d", nb, nh, wb, wh)
	}
}

func TestChannelTest_ReadMayDiscardWithNullBuffersReturnsBufferTooSmall(t *testing.T) {
	nb, nh := smallBufferRead(t, 0, 0, 1, 1, true)
	wantSizes(t, nb, nh, 1, 1)
}

func TestChannelTest_ReadMayDiscardWithNullBufferDiscardsDataReturnsBufferTooSmall(t *testing.T) {
	nb, nh := smallBufferRead(t, 1, 0, 2, 0, true)
	wantSizes(t, nb, nh, 2, 0)
}

func TestChannelTest_ReadMayDiscardWithNullBufferDiscardHandlesReturnsBufferTooSmall(t *testing.T) {
	nb, nh := smallBufferRead(t, 0, 1, 0, 2, true)
	wantSizes(t, nb, nh, 0, 2)
}

func TestChannelTest_ReadMayDiscardWithZeroSizeBuffersDiscardHandlesAndDataReturnsBufferTooSmall(t *testing.T) {
	nb, nh := smallBufferRead(t, 0, 0, 1, 1, true)
	wantSizes(t, nb, nh, 1, 1)
}

func TestChannelTest_ReadMayDiscardWithSmallerBufferDiscardHandlesAndDateReturnsBufferTooSmall(t *testing.T) {
	nb, nh := smallBufferRead(t, 10, 1, 11, 2, false)
	wantSizes(t, nb, nh, 11, 2)
}

// callMsg is the original's Message: a txid, then data_size bytes.
type callMsg struct {
	bytes   []byte
	handles []zx.Handle
}

func newCallMsg(dataSize uint32, handles ...zx.Handle) *callMsg {
	return &callMsg{bytes: make([]byte, 4+dataSize), handles: handles}
}

func (m *callMsg) args(reply *callMsg) zx.ChannelCallArgs {
	a := zx.ChannelCallArgs{WriteBytes: &m.bytes[0], WriteNumBytes: uint32(len(m.bytes)), WriteNumHandles: uint32(len(m.handles)),
		ReadBytes: &reply.bytes[0], ReadNumBytes: uint32(len(reply.bytes)), ReadNumHandles: uint32(len(reply.handles))}
	if len(m.handles) > 0 {
		a.WriteHandles = &m.handles[0]
	}
	if len(reply.handles) > 0 {
		a.ReadHandles = &reply.handles[0]
	}
	return a
}

// serve is the original's Reply: it reads count requests (holding
// accumulate of them before answering all), checking their txids are
// distinct, and answers each with replyBytes bytes and replyHandles new
// events, then waits for USER0 on wait (if valid).
func serve(svc zx.Handle, count, accumulate, replyBytes, replyHandles int, wait zx.Handle) <-chan string {
	errc := make(chan string, 1)
	go func() {
		defer zx.Sys_handle_close(svc)
		live := map[uint32]bool{}
		var ids []uint32
		for i := 0; i < count; i++ {
			zx.Sys_object_wait_one(svc, zx.ChannelReadable|zx.ChannelPeerClosed, zx.TimeInfinite, nil)
			buf := make([]byte, 65536)
			hs := make([]zx.Handle, 64)
			var nb, nh uint32
			if zx.Sys_channel_read(svc, 0, unsafe.Pointer(&buf[0]), &hs[0], 65536, 64, &nb, &nh) != zx.OK {
				errc <- "failed to read request"
				return
			}
			zx.Sys_handle_close_many(&hs[0], uint(nh))
			id := binary.LittleEndian.Uint32(buf)
			if live[id] {
				errc <- "repeated id used for live transaction"
				return
			}
			live[id] = true
			ids = append(ids, id)
			if i+1 < accumulate {
				continue
			}
			for _, id := range ids {
				reply := make([]byte, 4+replyBytes)
				binary.LittleEndian.PutUint32(reply, id)
				rh := make([]zx.Handle, replyHandles)
				for j := range rh {
					zx.Sys_event_create(0, &rh[j])
				}
				if chWrite(svc, reply, rh) != zx.OK {
					errc <- "failed to write reply"
					return
				}
				delete(live, id)
			}
			ids = nil
		}
		if wait != zx.HandleInvalid {
			zx.Sys_object_wait_one(wait, zx.SignalUser0, zx.TimeInfinite, nil)
		}
		errc <- ""
	}()
	return errc
}

func serviceOK(t *testing.T, errc <-chan string) {
	t.Helper()
	if e := <-errc; e != "" {
		t.Errorf("service goroutine: %s", e)
	}
}

func TestChannelTest_CallWrittenBytesSmallerThanZxTxIdReturnsInvalidArgs(t *testing.T) {
	local, _ := chPair(t)
	req, reply := newCallMsg(64), newCallMsg(64)
	args := req.args(reply)
	args.WriteNumBytes = 3
	var nb, nh uint32
	ctest.Want(t, "call(3 bytes)", zx.Sys_channel_call(local, 0, zx.TimeInfinite, &args, &nb, &nh), zx.ErrInvalidArgs)
}

func TestChannelTest_CallResponseBiggerThanRdNumBytesReturnsBufferTooSmall(t *testing.T) {
	local, remote := chPair(t)
	req := newCallMsg(20)
	reply := newCallMsg(1)
	args := req.args(reply)
	errc := serve(remote, 1, 1, 2, 0, zx.HandleInvalid)
	var nb, nh uint32
	ctest.Want(t, "call", zx.Sys_channel_call(local, 0, zx.TimeInfinite, &args, &nb, &nh), zx.ErrBufferTooSmall)
	serviceOK(t, errc)
}

func TestChannelTest_CallResponseBiggerThanRdNumHandlesReturnsBufferTooSmall(t *testing.T) {
	local, remote := chPair(t)
	req := newCallMsg(0, chEvent(t))
	reply := newCallMsg(0, zx.HandleInvalid)
	args := req.args(reply)
	errc := serve(remote, 1, 1, 0, 2, zx.HandleInvalid)
	var nb, nh uint32
	ctest.Want(t, "call", zx.Sys_channel_call(local, 0, zx.TimeInfinite, &args, &nb, &nh), zx.ErrBufferTooSmall)
	serviceOK(t, errc)
}

func successfulCall(t *testing.T, req *callMsg, replyBytes, replyHandles int) {
	t.Helper()
	local, remote := chPair(t)
	reply := newCallMsg(uint32(replyBytes), make([]zx.Handle, replyHandles)...)
	args := req.args(reply)
	errc := serve(remote, 1, 1, replyBytes, replyHandles, zx.HandleInvalid)
	var nb, nh uint32
	ctest.Must(t, "call", zx.Sys_channel_call(local, 0, zx.TimeInfinite, &args, &nb, &nh))
	if nb != uint32(4+replyBytes) || nh != uint32(replyHandles) {
		t.Errorf("reply %d bytes %d handles", nb, nh)
	}
	for _, h := range reply.handles[:nh] {
		zx.Sys_handle_close(h)
	}
	serviceOK(t, errc)
}

func TestChannelTest_CallBytesFitIsOk(t *testing.T) { successfulCall(t, newCallMsg(4), 5, 0) }

func TestChannelTest_CallHandlesFitIsOk(t *testing.T) {
	successfulCall(t, newCallMsg(0, chEvent(t)), 0, 2)
}

func TestChannelTest_CallHandleAndBytesFitsIsOk(t *testing.T) {
	successfulCall(t, newCallMsg(2, chEvent(t)), 2, 2)
}

func TestChannelTest_CallNullptrNumBytesIsInvalidArgs(t *testing.T) {
	local, remote := chPair(t)
	req, reply := newCallMsg(2), newCallMsg(0)
	args := req.args(reply)
	errc := serve(remote, 1, 1, 0, 0, zx.HandleInvalid)
	var nh uint32
	ctest.Want(t, "call(actual_bytes NULL)", zx.Sys_channel_call(local, 0, zx.TimeInfinite, &args, nil, &nh), zx.ErrInvalidArgs)
	// The original's service thread answers a request either way; here it
	// may never see one: unblock it.
	zx.Sys_handle_close(local)
	<-errc
}

func TestChannelTest_CallNullptrNumHandlesInvalidArgs(t *testing.T) {
	local, remote := chPair(t)
	req, reply := newCallMsg(2), newCallMsg(0)
	args := req.args(reply)
	errc := serve(remote, 1, 1, 0, 0, zx.HandleInvalid)
	var nb uint32
	ctest.Want(t, "call(actual_handles NULL)", zx.Sys_channel_call(local, 0, zx.TimeInfinite, &args, &nb, nil), zx.ErrInvalidArgs)
	zx.Sys_handle_close(local)
	<-errc
}

func TestChannelTest_CallPendingTransactionsUseDifferentIds(t *testing.T) {
	local, remote := chPair(t)
	const n = 20
	errc := serve(remote, n, n, 0, 0, zx.HandleInvalid)
	results := make([]zx.Status, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, reply := newCallMsg(2), newCallMsg(0)
			args := req.args(reply)
			var nb, nh uint32
			results[i] = zx.Sys_channel_call(local, 0, zx.TimeInfinite, &args, &nb, &nh)
		}()
	}
	wg.Wait()
	for i, st := range results {
		if st != zx.OK {
			t.Errorf("call %d: %v", i, st)
		}
	}
	serviceOK(t, errc)
}

func TestChannelTest_CallDeadlineExceededReturnsTimedOut(t *testing.T) {
	local, remote := chPair(t)
	ev := ctest.NewEvent(t)
	// The service reads the one request and holds it (it would answer
	// after a second one) until USER0.
	errc := serve(remote, 1, 2, 0, 0, ev)
	req, reply := newCallMsg(2), newCallMsg(0)
	args := req.args(reply)
	var nb, nh uint32
	ctest.Want(t, "call(past deadline)", zx.Sys_channel_call(local, 0, zx.TimeInfinitePast, &args, &nb, &nh), zx.ErrTimedOut)
	zx.Sys_object_signal(ev, 0, uint32(zx.SignalUser0))
	serviceOK(t, errc)
}

func TestChannelTest_CallConsumesHandlesOnSuccess(t *testing.T) {
	req := newCallMsg(0, chEvent(t), chEvent(t))
	successfulCall(t, req, 0, 0)
	for _, h := range req.handles {
		ctest.Want(t, "close(sent handle)", zx.Sys_handle_close(h), zx.ErrBadHandle)
	}
}

func TestChannelTest_CallConsumesHandlesOnError(t *testing.T) {
	local, remote := chPair(t)
	zx.Sys_handle_close(remote)
	req, reply := newCallMsg(0, chEvent(t), chEvent(t)), newCallMsg(0)
	args := req.args(reply)
	var nb, nh uint32
	ctest.Want(t, "call(peer closed)", zx.Sys_channel_call(local, 0, zx.TimeInfinite, &args, &nb, &nh), zx.ErrPeerClosed)
	for _, h := range req.handles {
		ctest.Want(t, "close(sent handle)", zx.Sys_handle_close(h), zx.ErrBadHandle)
	}
}

func TestChannelTest_CallNotifiedOnPeerClosed(t *testing.T) {
	local, remote := chPair(t)
	go func() {
		zx.Sys_object_wait_one(remote, zx.ChannelReadable, zx.TimeInfinite, nil)
		zx.Sys_handle_close(remote)
	}()
	req, reply := newCallMsg(0), newCallMsg(0)
	args := req.args(reply)
	var nb, nh uint32
	ctest.Want(t, "call(peer closes)", zx.Sys_channel_call(local, 0, zx.TimeInfinite, &args, &nb, &nh), zx.ErrPeerClosed)
}

func TestChannelTest_NestingIsOk(t *testing.T) {
	const n = 200
	locals, remotes := make([]zx.Handle, n), make([]zx.Handle, n)
	for i := range n {
		ctest.Must(t, "channel_create", zx.Sys_channel_create(0, &locals[i], &remotes[i]))
	}
	for i := n - 1; i > 0; i-- {
		ctest.Must(t, "write(nested)", chWrite(locals[i-1], nil, []zx.Handle{locals[i], remotes[i]}))
	}
	ctest.Must(t, "close", zx.Sys_handle_close(locals[0]))
	ctest.Must(t, "close", zx.Sys_handle_close(remotes[0]))
}

func TestChannelTest_WriteSelfHandleReturnsNotSupported(t *testing.T) {
	local, remote := chPair(t)
	ctest.Want(t, "write(own handle)", chWrite(local, nil, []zx.Handle{local}), zx.ErrNotSupported)
	var s zx.Signals
	ctest.Must(t, "wait PEER_CLOSED", zx.Sys_object_wait_one(remote, zx.ChannelPeerClosed, zx.TimeInfinitePast, &s))
	if s != zx.ChannelPeerClosed {
		t.Errorf("signals %#x", s)
	}
}

func TestChannelTest_ReadEtcHandleInfoValidation(t *testing.T) {
	local, remote := chPair(t)
	ev := chEvent(t)
	var less zx.Handle
	ctest.Must(t, "duplicate", zx.Sys_handle_duplicate(ev, zx.RightsBasic&^zx.RightWait, &less))
	var fa, fb zx.Handle
	ctest.Must(t, "fifo_create", zx.Sys_fifo_create(32, 8, 0, &fa, &fb))
	ctest.Must(t, "write", chWrite(local, nil, []zx.Handle{fa, ev, less, fb}))
	infos := make([]zx.HandleInfo, 4)
	var nb, nh uint32
	ctest.Must(t, "read_etc", zx.Sys_channel_read_etc(remote, 0, nil, &infos[0], 0, 4, &nb, &nh))
	defer func() {
		for _, i := range infos {
			zx.Sys_handle_close(i.Handle)
		}
	}()
	if nh != 4 || nb != 0 {
		t.Fatalf("read %d bytes %d handles", nb, nh)
	}
	want := []struct {
		typ    zx.ObjType
		rights zx.Rights
	}{{zx.ObjTypeFIFO, zx.DefaultFIFORights}, {zx.ObjTypeEvent, zx.DefaultEventRights}, {zx.ObjTypeEvent, zx.RightsBasic &^ zx.RightWait}, {zx.ObjTypeFIFO, zx.DefaultFIFORights}}
	for i, w := range want {
		if infos[i].Type != w.typ || infos[i].Rights != w.rights {
			t.Errorf("handle %d: type %d rights %#x, want %d %#x", i, infos[i].Type, infos[i].Rights, w.typ, w.rights)
		}
	}
}

func TestChannelTest_ReadAndWriteWithMultipleSizes(t *testing.T) {
	local, remote := chPair(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		nbytes := rng.Uint32N(zx.ChannelMaxMsgBytes)
		nhandles := rng.Uint32N(zx.ChannelMaxMsgHandles)
		data := make([]byte, nbytes+1)
		data[0] = byte(i % 255)
		hs := make([]zx.Handle, nhandles)
		for j := range hs {
			hs[j] = chEvent(t)
		}
		ctest.Must(t, "write", chWrite(local, data[:nbytes], hs))
		rd := make([]byte, nbytes+1)
		rh := make([]zx.Handle, nhandles+1)
		var nb, nh uint32
		ctest.Must(t, "read", zx.Sys_channel_read(remote, 0, unsafe.Pointer(&rd[0]), &rh[0], nbytes, nhandles, &nb, &nh))
		zx.Sys_handle_close_many(&rh[0], uint(nh))
		if nb != nbytes || nh != nhandles || nbytes > 0 && rd[0] != data[0] {
			t.Fatalf("message %d: read %d bytes %d handles, want %d %d", i, nb, nh, nbytes, nhandles)
		}
	}
}
