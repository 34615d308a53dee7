package process

import (
	"encoding/binary"
	"testing"
	"time"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// TestChannelInternalTest_TransferChannelWithPendingCallInSourceProcess
// (utest/core/channel-internal): a thread blocks in channel_call; its
// channel end then moves to another process (the mini-process), which
// writes through it; the caller stays blocked, and a reply to the call
// written afterwards still reaches it. The pending call belongs to the
// endpoint, not to the handle or the process that held it.
func TestChannelInternalTest_TransferChannelWithPendingCallInSourceProcess(t *testing.T) {
	const request, reply = 0xc0ffee, 0xdeadbeef
	local, remote, err := zx.NewChannel(0)
	if err != nil {
		t.Fatal(err)
	}
	defer remote.Close()
	r := newRawThread(t, callCode())
	// zx_channel_call_args_t at args: wr_bytes, rd_bytes, 8-byte
	// messages {txid, payload}.
	const args, wr, rd = 0x200, 0x400, 0x440
	base := uintptr(r.data)
	var ca [48]byte
	binary.LittleEndian.PutUint64(ca[0:], uint64(base+wr))
	binary.LittleEndian.PutUint64(ca[16:], uint64(base+rd))
	binary.LittleEndian.PutUint32(ca[32:], 8) // wr_num_bytes
	binary.LittleEndian.PutUint32(ca[40:], 8) // rd_num_bytes
	r.dataVmo.Write(ca[:], args)
	r.setWord(wr+4, request)
	r.setWord(args+0x110, 0xdead)
	r.start(t, uintptr(local.Handle), base+args)

	if _, err := remote.WaitOne(zx.ChannelReadable, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for the call: %v", err)
	}
	waitState(t, r.thread, zx.ThreadStateBlockedChannel)
	msg := make([]byte, 8)
	if n, _, err := remote.Read(msg, nil, 0); err != nil || n != 8 || binary.LittleEndian.Uint32(msg[4:]) != request {
		t.Fatalf("read the request: %x (%d, %v)", msg, n, err)
	}

	// Move the caller's end into a mini-process.
	var proc, thread, vmar zx.Handle
	n := []byte("mini-pi-channel-test")
	ctest.Must(t, "process_create", zx.Sys_process_create(zx.JobDefault().Handle, &n[0], 3, 0, &proc, &vmar))
	ctest.Must(t, "thread_create", zx.Sys_thread_create(proc, &n[0], 2, 0, &thread))
	defer func() {
		zx.Sys_task_kill(proc)
		zx.Sys_handle_close(thread)
		zx.Sys_handle_close(proc)
		zx.Sys_handle_close(vmar)
	}()
	ctl, st := ctest.StartMiniProcessEtc(proc, thread, vmar, local.Handle)
	ctest.Must(t, "start_mini_process_etc", st)
	defer zx.Sys_handle_close(ctl)

	// The child writes through the end it got: it was transferred.
	ctest.Must(t, "MINIP_CMD_CHANNEL_WRITE", ctest.MiniProcessCmd(ctl, ctest.MinipCmdChannelWrite, nil))
	if _, err := remote.WaitOne(zx.ChannelReadable, zx.Now()+zx.Time(10*time.Second)); err != nil {
		t.Fatalf("waiting for the child's byte: %v", err)
	}
	b := []byte{0xff}
	if n, _, err := remote.Read(b, nil, 0); err != nil || n != 1 || b[0] != 0 {
		t.Fatalf("the child's message: %x (%d, %v)", b, n, err)
	}
	if s := threadState(t, r.thread); s != zx.ThreadStateBlockedChannel {
		t.Errorf("caller's state %#x after the transfer, want BLOCKED_CHANNEL", s)
	}

	// The reply, written after the end left this process, completes the call.
	binary.LittleEndian.PutUint32(msg[4:], reply)
	if err := remote.Write(msg, nil, 0); err != nil {
		t.Fatal(err)
	}
	waitTerminated(t, r.thread.Handle)
	if st := zx.Status(int32(r.word(args + 0x110))); st != zx.OK {
		t.Fatalf("channel_call = %v, want ZX_OK", st)
	}
	if nb := r.word(args + 0x100); nb != 8 {
		t.Errorf("reply of %d bytes, want 8", nb)
	}
	if nh := r.word(args + 0x108); nh != 0 {
		t.Errorf("reply with %d handles, want 0", nh)
	}
	if p := r.word(rd + 4); p != reply {
		t.Errorf("reply payload %#x, want %#x", p, uint32(reply))
	}
	ctest.Want(t, "MINIP_CMD_EXIT_NORMAL", ctest.MiniProcessCmd(ctl, ctest.MinipCmdExitNormal, nil), zx.ErrPeerClosed)
}
