package zxsys

import (
	"testing"

	"beryl/kernel/object"
)

// Every failed write consumes its handles, also when the handle count
// itself is out of range (found by userspace/conformance/channel).
func TestChannelWriteOutOfRangeConsumesHandles(t *testing.T) {
	f := newEnv(t)
	a, b := f.create2(SysChannelCreate, 0)
	const n = object.ChannelMaxMsgHandles + 1
	hs := f.alloc(4 * n)
	for i := 0; i < n; i++ {
		f.put32(hs+UserPtr(4*i), uint32(f.create1(SysEventCreate, 0)))
	}
	before := f.handles()
	f.want(object.ErrOutOfRange, SysChannelWrite, uint64(a), 0, 0, 0, uint64(hs), n)
	if got := f.handles(); got != before-n {
		t.Fatalf("handles %d -> %d, want all %d consumed", before, got, n)
	}

	// write_etc with too many bytes: MOVE sources closed, DUPLICATE kept.
	mv, dp := f.create1(SysEventCreate, 0), f.create1(SysEventCreate, 0)
	d := f.alloc(2 * sizeofHandleDisposition)
	f.put32(d, object.HandleOpMove)
	f.put32(d+4, uint32(mv))
	f.put32(d+12, uint32(object.RightSameRights))
	f.put32(d+sizeofHandleDisposition, object.HandleOpDuplicate)
	f.put32(d+sizeofHandleDisposition+4, uint32(dp))
	f.put32(d+sizeofHandleDisposition+12, uint32(object.RightSameRights))
	msg := f.alloc(object.ChannelMaxMsgBytes + 1)
	f.want(object.ErrOutOfRange, SysChannelWriteEtc, uint64(a), 0, uint64(msg), object.ChannelMaxMsgBytes+1, uint64(d), 2)
	if f.p.Table().Get(mv) != nil || f.p.Table().Get(dp) == nil {
		t.Fatal("OUT_OF_RANGE write_etc: MOVE source kept or DUPLICATE source closed")
	}

	// channel_call with too many bytes consumes its handles too.
	ev := f.create1(SysEventCreate, 0)
	wh := f.alloc(4)
	f.put32(wh, uint32(ev))
	args := f.alloc(sizeofChannelCallArgs)
	f.put64(args, uint64(msg))
	f.put64(args+8, uint64(wh))
	f.put32(args+32, object.ChannelMaxMsgBytes+1)
	f.put32(args+36, 1)
	ab := f.alloc(8)
	f.want(object.ErrOutOfRange, SysChannelCall, uint64(a), 0, 0, uint64(args), uint64(ab), uint64(ab+4))
	if f.p.Table().Get(ev) != nil {
		t.Fatal("OUT_OF_RANGE channel_call kept its handle")
	}
	f.want(object.ErrShouldWait, SysChannelRead, uint64(b), 0, 0, 0, 0, 0, 0, 0)
}

// ZX_CHANNEL_WRITE_USE_IOVEC gathers zx_channel_iovec_t buffers (it used
// to send the iovec array itself as the message).
func TestChannelWriteIovec(t *testing.T) {
	f := newEnv(t)
	a, b := f.create2(SysChannelCreate, 0)
	iov := func(parts ...UserPtr) UserPtr { // pairs of (buffer, capacity)
		v := f.alloc(len(parts) / 2 * sizeofChannelIovec)
		for i := 0; i < len(parts); i += 2 {
			f.put64(v+UserPtr(i/2*sizeofChannelIovec), uint64(parts[i]))
			f.put32(v+UserPtr(i/2*sizeofChannelIovec+8), uint32(parts[i+1]))
		}
		return v
	}
	buf, ab := f.alloc(64), f.alloc(4)
	readMsg := func() string {
		f.ok(SysChannelRead, uint64(b), 0, uint64(buf), 0, 64, 0, uint64(ab), 0)
		return string(f.bytes(buf, int(f.u32(ab))))
	}
	v := iov(f.data([]byte("hel")), 3, 0, 0, f.data([]byte("lo")), 2)
	f.ok(SysChannelWrite, uint64(a), uint64(object.ChannelWriteUseIovec), uint64(v), 3, 0, 0)
	if got := readMsg(); got != "hello" {
		t.Fatalf("channel_write(USE_IOVEC) sent %q", got)
	}
	f.ok(SysChannelWriteEtc, uint64(a), uint64(object.ChannelWriteUseIovec), uint64(v), 3, 0, 0)
	if got := readMsg(); got != "hello" {
		t.Fatalf("channel_write_etc(USE_IOVEC) sent %q", got)
	}
	// Read-only buffers are fine for writes.
	copy(f.ro, "ro")
	f.ok(SysChannelWrite, uint64(a), uint64(object.ChannelWriteUseIovec), uint64(iov(roBase, 2)), 1, 0, 0)
	if got := readMsg(); got != "ro" {
		t.Fatalf("read-only iovec sent %q", got)
	}

	// Errors: reserved field, bad array, bad buffer, too many iovecs, too
	// many bytes in total. Nothing is sent.
	r := iov(f.data([]byte("x")), 1)
	f.put32(r+12, 1)
	f.want(object.ErrInvalidArgs, SysChannelWrite, uint64(a), uint64(object.ChannelWriteUseIovec), uint64(r), 1, 0, 0)
	for _, bp := range badPtrs {
		if bp == roBase {
			continue // readable, so fine for a write
		}
		f.want(object.ErrInvalidArgs, SysChannelWrite, uint64(a), uint64(object.ChannelWriteUseIovec), uint64(bp), 1, 0, 0)
		f.want(object.ErrInvalidArgs, SysChannelWrite, uint64(a), uint64(object.ChannelWriteUseIovec), uint64(iov(bp, 4)), 1, 0, 0)
	}
	f.want(object.ErrOutOfRange, SysChannelWrite, uint64(a), uint64(object.ChannelWriteUseIovec), uint64(f.alloc(16)), channelMaxMsgIovecs+1, 0, 0)
	big := f.alloc(object.ChannelMaxMsgBytes)
	ev := f.create1(SysEventCreate, 0)
	hs := f.alloc(4)
	f.put32(hs, uint32(ev))
	f.want(object.ErrOutOfRange, SysChannelWrite, uint64(a), uint64(object.ChannelWriteUseIovec), uint64(iov(big, object.ChannelMaxMsgBytes, big, 1)), 2, uint64(hs), 1)
	if f.p.Table().Get(ev) != nil {
		t.Fatal("OUT_OF_RANGE iovec write kept its handle")
	}
	f.want(object.ErrShouldWait, SysChannelRead, uint64(b), 0, uint64(buf), 0, 64, 0, 0, 0)
}
