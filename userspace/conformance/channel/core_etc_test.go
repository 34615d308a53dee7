package channel

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: ChannelWriteEtcTest (channel-write-etc tests in
// utest/core). Most cases run once with ZX_HANDLE_OP_MOVE (the sent
// handle is gone afterwards, whatever the result) and once with
// ZX_HANDLE_OP_DUPLICATE (it stays).

const etcData uint32 = 0xbaadcafe

var etcOps = []struct {
	name  string
	op    uint32
	close zx.Status // closing the sent handle afterwards
}{{"move", zx.HandleOpMove, zx.ErrBadHandle}, {"duplicate", zx.HandleOpDuplicate, zx.OK}}

func writeEtc(h zx.Handle, options uint32, ds []zx.HandleDisposition) zx.Status {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], etcData)
	var dp *zx.HandleDisposition
	if len(ds) > 0 {
		dp = &ds[0]
	}
	return zx.Sys_channel_write_etc(h, options, unsafe.Pointer(&b[0]), 4, dp, uint32(len(ds)))
}

// rawSocket creates a stream socket; the test closes its ends itself
// (the second is closed at the end of the test).
func rawSocket(t *testing.T) (zx.Handle, zx.Handle) {
	t.Helper()
	var a, b zx.Handle
	ctest.Must(t, "socket_create", zx.Sys_socket_create(zx.SocketStream, &a, &b))
	t.Cleanup(func() { zx.Sys_handle_close(b) })
	return a, b
}

func disp(op uint32, h zx.Handle, typ zx.ObjType, rights zx.Rights) zx.HandleDisposition {
	return zx.HandleDisposition{Operation: op, Handle: h, Type: typ, Rights: rights}
}

// readOne reads a message with one handle from h and returns the
// handle's basic info (closing it).
func readOne(t *testing.T, h zx.Handle) zx.InfoHandleBasic {
	t.Helper()
	var b [4]byte
	var in zx.Handle
	ctest.Must(t, "channel_read", zx.Sys_channel_read(h, 0, unsafe.Pointer(&b[0]), &in, 4, 1, nil, nil))
	info := ctest.Basic(t, in)
	ctest.Must(t, "close(received)", zx.Sys_handle_close(in))
	return info
}

func TestChannelWriteEtcTest_MultipleHandlesSomeInvalidResultsReportedCorrectly(t *testing.T) {
	local, _ := chPair(t)
	argLocal, _ := chPair(t)
	sl, sr := rawSocket(t)
	ev := chEvent(t)
	ds := []zx.HandleDisposition{
		disp(zx.HandleOpMove, sl, zx.ObjTypePort, zx.RightSameRights),
		disp(zx.HandleOpMove, sr, zx.ObjTypeNone, zx.RightSameRights),
		disp(zx.HandleOpDuplicate, argLocal, zx.ObjTypeNone, zx.RightSameRights),
		disp(zx.HandleOpMove, ev, zx.ObjTypeNone, zx.RightSameRights),
	}
	ctest.Want(t, "write_etc", writeEtc(local, 0, ds), zx.ErrWrongType)
	for i, w := range []zx.Status{zx.ErrWrongType, zx.OK, zx.ErrAccessDenied, zx.OK} {
		if ds[i].Result != w {
			t.Errorf("result %d = %v, want %v", i, ds[i].Result, w)
		}
	}
	ctest.Must(t, "close(channel argument)", zx.Sys_handle_close(argLocal))
}

func TestChannelWriteEtcTest_ImproperlyInitalizedResultsArgReportedBackAsOriginallyInitalized(t *testing.T) {
	local, _ := chPair(t)
	ds := []zx.HandleDisposition{disp(zx.HandleOpMove, chEvent(t), zx.ObjTypeNone, zx.RightSameRights)}
	ds[0].Result = zx.ErrWrongType
	ctest.Must(t, "write_etc", writeEtc(local, 0, ds))
	if ds[0].Result != zx.ErrWrongType {
		t.Errorf("result %v, want the initial ZX_ERR_WRONG_TYPE", ds[0].Result)
	}
}

func TestChannelWriteEtcTest_FailureDoesNotResultInReceivedPacket(t *testing.T) {
	local, remote := chPair(t)
	ds := []zx.HandleDisposition{disp(zx.HandleOpMove, chEvent(t), zx.ObjTypeSocket, zx.RightSameRights)}
	ctest.Want(t, "write_etc(wrong type)", writeEtc(local, 0, ds), zx.ErrWrongType)
	var b [4]byte
	var in zx.Handle
	ctest.Want(t, "read", zx.Sys_channel_read(remote, 0, unsafe.Pointer(&b[0]), &in, 4, 1, nil, nil), zx.ErrShouldWait)
}

func TestChannelWriteEtcTest_SentHandleReferrsToSameObject(t *testing.T) {
	for _, o := range etcOps {
		local, remote := chPair(t)
		ev := chEvent(t)
		before := ctest.Basic(t, ev)
		ctest.Must(t, "write_etc "+o.name, writeEtc(local, 0, []zx.HandleDisposition{disp(o.op, ev, zx.ObjTypeNone, zx.RightSameRights)}))
		ctest.Want(t, "close(sent) "+o.name, zx.Sys_handle_close(ev), o.close)
		after := readOne(t, remote)
		if after.Koid != before.Koid || after.Rights != before.Rights || after.Type != before.Type {
			t.Errorf("%s: received %+v, sent %+v", o.name, after, before)
		}
	}
}

func TestChannelWriteEtcTest_InvalidOpArgShouldFail(t *testing.T) {
	for _, op := range []uint32{0xffffffff, 2} {
		sl, _ := rawSocket(t)
		local, _ := chPair(t)
		ctest.Want(t, "write_etc(bad op)", writeEtc(local, 0, []zx.HandleDisposition{disp(op, sl, zx.ObjTypeNone, zx.RightSameRights)}), zx.ErrInvalidArgs)
		ctest.Want(t, "close(sent)", zx.Sys_handle_close(sl), zx.ErrBadHandle)
	}
}

func TestChannelWriteEtcTest_HandleArgNotAChannelHandleShouldFail(t *testing.T) {
	for _, o := range etcOps {
		var sl, sr zx.Handle
		ctest.Must(t, "socket_create", zx.Sys_socket_create(zx.SocketStream, &sl, &sr))
		ctest.Want(t, "write_etc(socket) "+o.name, writeEtc(sl, 0, []zx.HandleDisposition{disp(o.op, sr, zx.ObjTypeNone, zx.RightSameRights)}), zx.ErrWrongType)
		ctest.Must(t, "close(socket)", zx.Sys_handle_close(sl))
		ctest.Want(t, "close(sent) "+o.name, zx.Sys_handle_close(sr), o.close)
	}
}

func TestChannelWriteEtcTest_ChannelHandleNotValidShouldFail(t *testing.T) {
	for _, o := range etcOps {
		sl, _ := rawSocket(t)
		var cl, cr zx.Handle
		ctest.Must(t, "channel_create", zx.Sys_channel_create(0, &cl, &cr))
		zx.Sys_handle_close(cl)
		zx.Sys_handle_close(cr)
		ctest.Want(t, "write_etc(closed channel) "+o.name, writeEtc(cl, 0, []zx.HandleDisposition{disp(o.op, sl, zx.ObjTypeNone, zx.RightSameRights)}), zx.ErrBadHandle)
		ctest.Want(t, "close(sent) "+o.name, zx.Sys_handle_close(sl), o.close)
	}
}

func TestChannelWriteEtcTest_ChannelHandleWithoutWriteRightShouldFail(t *testing.T) {
	for _, o := range etcOps {
		sl, _ := rawSocket(t)
		local, _ := chPair(t)
		var noWrite zx.Handle
		ctest.Must(t, "handle_replace", zx.Sys_handle_replace(local, ctest.Basic(t, local).Rights&^zx.RightWrite, &noWrite))
		ctest.Want(t, "write_etc(no WRITE) "+o.name, writeEtc(noWrite, 0, []zx.HandleDisposition{disp(o.op, sl, zx.ObjTypeNone, zx.RightSameRights)}), zx.ErrAccessDenied)
		ctest.Want(t, "close(sent) "+o.name, zx.Sys_handle_close(sl), o.close)
		zx.Sys_handle_close(noWrite)
	}
}

func TestChannelWriteEtcTest_HandleWithoutTransferRightShouldFail(t *testing.T) {
	for _, o := range etcOps {
		local, _ := chPair(t)
		sl, _ := rawSocket(t)
		var nt zx.Handle
		ctest.Must(t, "handle_replace", zx.Sys_handle_replace(sl, ctest.Basic(t, sl).Rights&^zx.RightTransfer, &nt))
		ctest.Want(t, "write_etc(no TRANSFER) "+o.name, writeEtc(local, 0, []zx.HandleDisposition{disp(o.op, nt, zx.ObjTypeNone, zx.RightSameRights)}), zx.ErrAccessDenied)
		ctest.Want(t, "close(sent) "+o.name, zx.Sys_handle_close(nt), o.close)
	}
}

func TestChannelWriteEtcTest_InvalidHandleInTransferredHandlesShouldFail(t *testing.T) {
	sl, _ := rawSocket(t)
	zx.Sys_handle_close(sl)
	for _, bad := range []zx.Handle{sl, zx.HandleInvalid, 0xffffffff} {
		local, _ := chPair(t)
		ctest.Want(t, "write_etc(bad handle)", writeEtc(local, 0, []zx.HandleDisposition{disp(zx.HandleOpDuplicate, bad, zx.ObjTypeNone, zx.RightSameRights)}), zx.ErrBadHandle)
	}
}

func TestChannelWriteEtcTest_RepeatedHandlesWithOpMoveHandlesShouldFail(t *testing.T) {
	local, _ := chPair(t)
	sl, _ := rawSocket(t)
	ds := []zx.HandleDisposition{disp(zx.HandleOpMove, sl, zx.ObjTypeNone, zx.RightSameRights), disp(zx.HandleOpMove, sl, zx.ObjTypeNone, zx.RightSameRights)}
	ctest.Want(t, "write_etc(h, h)", writeEtc(local, 0, ds), zx.ErrBadHandle)
	ctest.Want(t, "close(sent)", zx.Sys_handle_close(sl), zx.ErrBadHandle)
}

func TestChannelWriteEtcTest_DuplicateHandlesInTransferredHandlesShouldSucceed(t *testing.T) {
	for _, o := range etcOps {
		local, _ := chPair(t)
		sl, _ := rawSocket(t)
		var dup zx.Handle
		ctest.Must(t, "duplicate", zx.Sys_handle_duplicate(sl, zx.RightSameRights, &dup))
		ds := []zx.HandleDisposition{disp(o.op, sl, zx.ObjTypeNone, zx.RightSameRights), disp(o.op, dup, zx.ObjTypeNone, zx.RightSameRights)}
		ctest.Must(t, "write_etc(two handles to one object) "+o.name, writeEtc(local, 0, ds))
		ctest.Want(t, "close(sent) "+o.name, zx.Sys_handle_close(sl), o.close)
		ctest.Want(t, "close(sent duplicate) "+o.name, zx.Sys_handle_close(dup), o.close)
	}
}

func TestChannelWriteEtcTest_HandleDoesNotMatchTypeShouldFail(t *testing.T) {
	local, _ := chPair(t)
	for typ := zx.ObjType(0); typ < 256; typ++ {
		if typ == zx.ObjTypeSocket || typ == zx.ObjTypeNone {
			continue
		}
		for _, o := range etcOps {
			var sl, sr zx.Handle
			ctest.Must(t, "socket_create", zx.Sys_socket_create(zx.SocketStream, &sl, &sr))
			ctest.Want(t, "write_etc(wrong type) "+o.name, writeEtc(local, 0, []zx.HandleDisposition{disp(o.op, sl, typ, zx.RightSameRights)}), zx.ErrWrongType)
			ctest.Want(t, "close(sent) "+o.name, zx.Sys_handle_close(sl), o.close)
			zx.Sys_handle_close(sr)
		}
	}
}

func TestChannelWriteEtcTest_OptionsArgNonZeroShouldFail(t *testing.T) {
	for _, o := range etcOps {
		local, _ := chPair(t)
		sl, _ := rawSocket(t)
		ctest.Want(t, "write_etc(options 1) "+o.name, writeEtc(local, 1, []zx.HandleDisposition{disp(o.op, sl, zx.ObjTypeNone, zx.RightSameRights)}), zx.ErrInvalidArgs)
		ctest.Want(t, "close(sent) "+o.name, zx.Sys_handle_close(sl), o.close)
	}
}

func TestChannelWriteEtcTest_ChannelHandleInTransferredHandlesShouldFail(t *testing.T) {
	for _, o := range etcOps {
		var cl, cr zx.Handle
		ctest.Must(t, "channel_create", zx.Sys_channel_create(0, &cl, &cr))
		ctest.Want(t, "write_etc(own handle) "+o.name, writeEtc(cl, 0, []zx.HandleDisposition{disp(o.op, cl, zx.ObjTypeNone, zx.RightSameRights)}), zx.ErrNotSupported)
		ctest.Want(t, "close(channel) "+o.name, zx.Sys_handle_close(cl), o.close)
		ctest.Must(t, "close(peer) "+o.name, zx.Sys_handle_close(cr))
	}
}

func TestChannelWriteEtcTest_OppositeChannelEndClosedShouldFail(t *testing.T) {
	for _, o := range etcOps {
		local, remote := chPair(t)
		sl, _ := rawSocket(t)
		zx.Sys_handle_close(remote)
		ctest.Want(t, "write_etc(peer closed) "+o.name, writeEtc(local, 0, []zx.HandleDisposition{disp(o.op, sl, zx.ObjTypeNone, zx.RightSameRights)}), zx.ErrPeerClosed)
		ctest.Want(t, "close(sent) "+o.name, zx.Sys_handle_close(sl), o.close)
	}
}

func TestChannelWriteEtcTest_HandleCountBoundaryChecks(t *testing.T) {
	for _, o := range etcOps {
		for _, c := range []struct {
			n    int
			want zx.Status
		}{{0, zx.OK}, {zx.ChannelMaxMsgHandles, zx.OK}, {zx.ChannelMaxMsgHandles + 1, zx.ErrOutOfRange}} {
			local, _ := chPair(t)
			ds := make([]zx.HandleDisposition, c.n)
			for i := range ds {
				ds[i] = disp(o.op, chEvent(t), zx.ObjTypeNone, zx.RightSameRights)
			}
			ctest.Want(t, "write_etc "+o.name, writeEtc(local, 0, ds), c.want)
			for _, d := range ds {
				ctest.Want(t, "close(sent) "+o.name, zx.Sys_handle_close(d.Handle), o.close)
			}
		}
	}
}

func TestChannelWriteEtcTest_HandleCountAndDataCountBothZeroShouldSucceed(t *testing.T) {
	local, _ := chPair(t)
	ctest.Must(t, "write_etc(nothing)", zx.Sys_channel_write_etc(local, 0, nil, 0, nil, 0))
}

func TestChannelWriteEtcTest_MaximumNumberHandlesWithZeroCountArrayArgShouldSucceed(t *testing.T) {
	for _, o := range etcOps {
		local, _ := chPair(t)
		ds := make([]zx.HandleDisposition, zx.ChannelMaxMsgHandles)
		for i := range ds {
			ds[i] = disp(o.op, chEvent(t), zx.ObjTypeNone, zx.RightSameRights)
		}
		var b [4]byte
		ctest.Must(t, "write_etc(count 0)", zx.Sys_channel_write_etc(local, 0, unsafe.Pointer(&b[0]), 4, &ds[0], 0))
		for _, d := range ds {
			ctest.Must(t, "close(untouched) "+o.name, zx.Sys_handle_close(d.Handle))
		}
	}
}

func TestChannelWriteEtcTest_ByteCountIsMaxShouldSucceed(t *testing.T) {
	local, _ := chPair(t)
	b := make([]byte, zx.ChannelMaxMsgBytes)
	ctest.Must(t, "write_etc(max bytes)", zx.Sys_channel_write_etc(local, 0, unsafe.Pointer(&b[0]), uint32(len(b)), nil, 0))
}

func TestChannelWriteEtcTest_ByteCountIsMaxPlusOneShouldFail(t *testing.T) {
	local, _ := chPair(t)
	b := make([]byte, zx.ChannelMaxMsgBytes+1)
	ctest.Want(t, "write_etc(max+1 bytes)", zx.Sys_channel_write_etc(local, 0, unsafe.Pointer(&b[0]), uint32(len(b)), nil, 0), zx.ErrOutOfRange)
}

func TestChannelWriteEtcTest_NullptrArgWhenSizeNonZeroShouldFail(t *testing.T) {
	local, _ := chPair(t)
	ctest.Want(t, "write_etc(NULL, 10 bytes)", zx.Sys_channel_write_etc(local, 0, nil, 10, nil, 0), zx.ErrInvalidArgs)
	ctest.Want(t, "write_etc(NULL, 10 handles)", zx.Sys_channel_write_etc(local, 0, nil, 0, nil, 10), zx.ErrInvalidArgs)
}

func TestChannelWriteEtcTest_RemoveAllHandleRightsShouldSucceed(t *testing.T) {
	for _, o := range etcOps {
		local, remote := chPair(t)
		sl, _ := rawSocket(t)
		ctest.Must(t, "write_etc(no rights) "+o.name, writeEtc(local, 0, []zx.HandleDisposition{disp(o.op, sl, zx.ObjTypeNone, zx.RightNone)}))
		ctest.Want(t, "close(sent) "+o.name, zx.Sys_handle_close(sl), o.close)
		if info := readOne(t, remote); info.Rights != zx.RightNone || info.Type != zx.ObjTypeSocket {
			t.Errorf("%s: received %+v", o.name, info)
		}
	}
}

func TestChannelWriteEtcTest_RemovingSomeHandleRightsShouldSucceed(t *testing.T) {
	for _, o := range etcOps {
		local, remote := chPair(t)
		sl, _ := rawSocket(t)
		before := ctest.Basic(t, sl).Rights
		ctest.Must(t, "write_etc(less rights) "+o.name, writeEtc(local, 0, []zx.HandleDisposition{disp(o.op, sl, zx.ObjTypeNone, before&^zx.RightWrite)}))
		if info := readOne(t, remote); info.Rights != before&^zx.RightWrite || info.Type != zx.ObjTypeSocket {
			t.Errorf("%s: received %+v", o.name, info)
		}
		if o.op == zx.HandleOpDuplicate {
			if r := ctest.Basic(t, sl).Rights; r != before {
				t.Errorf("original rights %#x, were %#x", r, before)
			}
		}
		ctest.Want(t, "close(sent) "+o.name, zx.Sys_handle_close(sl), o.close)
	}
}

func TestChannelWriteEtcTest_SameHandleRightsBitsShouldSucceed(t *testing.T) {
	for _, o := range etcOps {
		local, remote := chPair(t)
		sl, _ := rawSocket(t)
		before := ctest.Basic(t, sl).Rights
		ctest.Must(t, "write_etc(same rights) "+o.name, writeEtc(local, 0, []zx.HandleDisposition{disp(o.op, sl, zx.ObjTypeNone, before)}))
		ctest.Want(t, "close(sent) "+o.name, zx.Sys_handle_close(sl), o.close)
		if info := readOne(t, remote); info.Rights != before || info.Type != zx.ObjTypeSocket {
			t.Errorf("%s: received %+v", o.name, info)
		}
	}
}

func TestChannelWriteEtcTest_SameHandleRightsFlagShouldSucceed(t *testing.T) {
	for _, o := range etcOps {
		local, remote := chPair(t)
		sl, _ := rawSocket(t)
		before := ctest.Basic(t, sl).Rights
		ctest.Must(t, "write_etc(SAME_RIGHTS) "+o.name, writeEtc(local, 0, []zx.HandleDisposition{disp(o.op, sl, zx.ObjTypeNone, zx.RightSameRights)}))
		ctest.Want(t, "close(sent) "+o.name, zx.Sys_handle_close(sl), o.close)
		if info := readOne(t, remote); info.Rights != before || info.Type != zx.ObjTypeSocket {
			t.Errorf("%s: received %+v", o.name, info)
		}
	}
}

func TestChannelWriteEtcTest_HandleWithoutDuplicateRightsMoveOpSucceedsDuplicateOpFails(t *testing.T) {
	for _, c := range []struct {
		op           uint32
		write, close zx.Status
	}{{zx.HandleOpMove, zx.OK, zx.ErrBadHandle}, {zx.HandleOpDuplicate, zx.ErrAccessDenied, zx.OK}} {
		local, _ := chPair(t)
		sl, _ := rawSocket(t)
		var nd zx.Handle
		ctest.Must(t, "duplicate", zx.Sys_handle_duplicate(sl, ctest.Basic(t, sl).Rights&^zx.RightDuplicate, &nd))
		zx.Sys_handle_close(sl)
		ctest.Want(t, "write_etc(no DUPLICATE)", writeEtc(local, 0, []zx.HandleDisposition{disp(c.op, nd, zx.ObjTypeNone, zx.RightSameRights)}), c.write)
		ctest.Want(t, "close(sent)", zx.Sys_handle_close(nd), c.close)
	}
}
