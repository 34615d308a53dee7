package channel

import (
	"testing"
	"time"

	"beryl/userspace/zx"
)

// callEtc calls h with dispositions and reads the reply as handle infos.
func callEtc(h zx.Handle, deadline zx.Time, req []byte, disp []zx.HandleDisposition, rd []byte, infos []zx.HandleInfo) (uint32, uint32, zx.Status) {
	args := zx.ChannelCallEtcArgs{WriteNumBytes: uint32(len(req)), WriteNumHandles: uint32(len(disp)),
		ReadNumBytes: uint32(len(rd)), ReadNumHandles: uint32(len(infos))}
	if len(req) > 0 {
		args.WriteBytes = &req[0]
	}
	if len(disp) > 0 {
		args.WriteHandles = &disp[0]
	}
	if len(rd) > 0 {
		args.ReadBytes = &rd[0]
	}
	if len(infos) > 0 {
		args.ReadHandles = &infos[0]
	}
	var nb, nh uint32
	st := zx.Sys_channel_call_etc(h, 0, deadline, &args, &nb, &nh)
	return nb, nh, st
}

func TestChannelCallEtc(t *testing.T) {
	t.Run("round_trip", func(t *testing.T) {
		a, b := pair(t)
		ev := newEvent(t)
		keep := newEvent(t)
		done := serveOne(b, func(req []byte, hs []zx.Handle) ([]byte, []zx.Handle) {
			// The request carried a moved event and a duplicate with
			// fewer rights; the reply returns the first.
			if len(hs) != 2 {
				return []byte("bad"), nil
			}
			zx.Sys_handle_close(hs[1])
			return []byte("pong"), hs[:1]
		})
		rd := make([]byte, 64)
		infos := make([]zx.HandleInfo, 4)
		disp := []zx.HandleDisposition{
			move(ev, zx.ObjTypeEvent, zx.RightSameRights),
			dup(keep, zx.ObjTypeEvent, zx.RightWait|zx.RightTransfer),
		}
		nb, nh, st := callEtc(a, after(20*time.Second), callReq("ping"), disp, rd, infos)
		served(t, done)
		expect(t, "channel_call_etc", st, zx.OK)
		if string(rd[4:nb]) != "pong" || nh != 1 {
			t.Fatalf("reply %q with %d handles", rd[:nb], nh)
		}
		closeLater(t, infos[0].Handle)
		if infos[0].Type != zx.ObjTypeEvent || infos[0].Rights != zx.DefaultEventRights {
			t.Errorf("reply handle info %+v", infos[0])
		}
		if valid(ev) {
			t.Error("moved handle still valid")
		}
		if !valid(keep) {
			t.Error("duplicated handle was consumed")
		}
	})
	t.Run("errors", func(t *testing.T) {
		a, _ := pair(t)
		rd := make([]byte, 64)
		infos := make([]zx.HandleInfo, 4)
		short := []byte{1, 2, 3}
		_, _, st := callEtc(a, after(time.Second), short, nil, rd, infos)
		expect(t, "fewer than 4 bytes", st, zx.ErrInvalidArgs)
		var nb, nh uint32
		expect(t, "options", zx.Sys_channel_call_etc(a, 1, after(time.Second), &zx.ChannelCallEtcArgs{
			WriteBytes: &rd[0], WriteNumBytes: 4}, &nb, &nh), zx.ErrInvalidArgs)
		expect(t, "NULL args", zx.Sys_channel_call_etc(a, 0, after(time.Second), nil, &nb, &nh), zx.ErrInvalidArgs)
		args := zx.ChannelCallEtcArgs{WriteBytes: &rd[0], WriteNumBytes: 4, ReadBytes: &rd[8], ReadNumBytes: 8}
		expect(t, "NULL actual_bytes", zx.Sys_channel_call_etc(a, 0, after(time.Second), &args, nil, &nh), zx.ErrInvalidArgs)
		expect(t, "NULL actual_handles", zx.Sys_channel_call_etc(a, 0, after(time.Second), &args, &nb, nil), zx.ErrInvalidArgs)
		args.WriteNumBytes = zx.ChannelMaxMsgBytes + 1
		big := make([]byte, zx.ChannelMaxMsgBytes+1)
		args.WriteBytes = &big[0]
		expect(t, "too many bytes", zx.Sys_channel_call_etc(a, 0, after(time.Second), &args, &nb, &nh), zx.ErrOutOfRange)
		_, _, st = callEtc(zx.HandleInvalid, after(time.Second), callReq("x"), nil, rd, infos)
		expect(t, "bad handle", st, zx.ErrBadHandle)
		_, _, st = callEtc(newEvent(t), after(time.Second), callReq("x"), nil, rd, infos)
		expect(t, "wrong type", st, zx.ErrWrongType)
		c, _ := pair(t)
		noRead := withRights(t, c, zx.DefaultChannelRights&^zx.RightRead)
		_, _, st = callEtc(noRead, after(time.Second), callReq("x"), nil, rd, infos)
		expect(t, "no READ", st, zx.ErrAccessDenied)
		_, _, st = callEtc(a, after(10*time.Millisecond), callReq("x"), nil, rd, infos)
		expect(t, "no reply", st, zx.ErrTimedOut)
		// A reply too large for the buffers is discarded (a fresh pair:
		// the timed-out request is still queued on b).
		a, b := pair(t)
		done := serveOne(b, func(req []byte, hs []zx.Handle) ([]byte, []zx.Handle) { return make([]byte, 32), nil })
		nb, _, st = callEtc(a, after(20*time.Second), callReq("x"), nil, rd[:8], infos)
		served(t, done)
		expect(t, "reply too large", st, zx.ErrBufferTooSmall)
		if nb != 36 {
			t.Errorf("actual_bytes %d for a 36-byte reply", nb)
		}
	})
	t.Run("disposition_results", func(t *testing.T) {
		a, _ := pair(t)
		ev := newEvent(t)
		noTransfer := withRights(t, newEvent(t), zx.RightWait)
		rd := make([]byte, 64)
		disp := []zx.HandleDisposition{
			move(ev, zx.ObjTypeEvent, zx.RightSameRights),
			move(noTransfer, zx.ObjTypeEvent, zx.RightSameRights),
		}
		_, _, st := callEtc(a, after(time.Second), callReq("x"), disp, rd, nil)
		expect(t, "a handle without TRANSFER", st, zx.ErrAccessDenied)
		if disp[1].Result != zx.ErrAccessDenied {
			t.Errorf("result of the failed disposition %v", disp[1].Result)
		}
		// Every MOVE handle is consumed, also on failure.
		if valid(ev) || valid(noTransfer) {
			t.Error("moved handles survive a failed call")
		}
		// An unwritable disposition array is refused before anything
		// is consumed.
		ev2 := newEvent(t)
		args := zx.ChannelCallEtcArgs{WriteBytes: &rd[0], WriteNumBytes: 4, WriteNumHandles: 1,
			WriteHandles: (*zx.HandleDisposition)(ptr(roAddr()))}
		var nb, nh uint32
		expect(t, "read-only dispositions", zx.Sys_channel_call_etc(a, 0, after(time.Second), &args, &nb, &nh), zx.ErrInvalidArgs)
		if !valid(ev2) {
			t.Error("a refused call consumed an unrelated handle")
		}
	})
}
