package channel

import (
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"

	"beryl/userspace/zx"
)

// serveOne answers one request on h in a goroutine: reply gets the
// request (txid included) and returns the reply body (without txid) and
// handles. The returned channel yields the request's txid or an error.
func serveOne(h zx.Handle, reply func(req []byte, hs []zx.Handle) ([]byte, []zx.Handle)) <-chan error {
	done := make(chan error, 1)
	go func() {
		if _, err := h.WaitOne(zx.ChannelReadable|zx.ChannelPeerClosed, after(20*time.Second)); err != nil {
			done <- fmt.Errorf("server wait: %v", err)
			return
		}
		buf := make([]byte, zx.ChannelMaxMsgBytes)
		hs := make([]zx.Handle, zx.ChannelMaxMsgHandles)
		n, nh, err := zx.Channel{Handle: h}.Read(buf, hs, 0)
		if err != nil {
			done <- fmt.Errorf("server read: %v", err)
			return
		}
		if n < 4 {
			done <- fmt.Errorf("request of %d bytes", n)
			return
		}
		txid := binary.LittleEndian.Uint32(buf)
		if txid&0x80000000 == 0 {
			done <- fmt.Errorf("kernel txid %#x lacks the high bit", txid)
			return
		}
		body, rhs := reply(buf[:n], hs[:nh])
		msg := append(binary.LittleEndian.AppendUint32(nil, txid), body...)
		if err := (zx.Channel{Handle: h}).Write(msg, rhs, 0); err != nil {
			done <- fmt.Errorf("server write: %v", err)
			return
		}
		done <- nil
	}()
	return done
}

func served(t *testing.T, done <-chan error) {
	t.Helper()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func callReq(body string) []byte { return append([]byte{0, 0, 0, 0}, body...) }

func TestChannelCall(t *testing.T) {
	t.Run("round_trip", func(t *testing.T) {
		a, b := pair(t)
		done := serveOne(b, func(req []byte, _ []zx.Handle) ([]byte, []zx.Handle) {
			return append([]byte("re:"), req[4:]...), nil
		})
		rd := make([]byte, 64)
		n, nh, err := zx.Channel{Handle: a}.Call(after(20*time.Second), callReq("ping"), nil, rd, nil)
		ok(t, "channel_call", err)
		served(t, done)
		if string(rd[4:n]) != "re:ping" || nh != 0 {
			t.Errorf("reply %q (%d handles)", rd[4:n], nh)
		}
		empty(t, a)
	})
	t.Run("handles_both_ways", func(t *testing.T) {
		a, b := pair(t)
		sent := newEvent(t)
		koid := basic(t, sent).Koid
		var gotKoid zx.Koid
		done := serveOne(b, func(req []byte, hs []zx.Handle) ([]byte, []zx.Handle) {
			if len(hs) == 1 {
				if i, err := hs[0].BasicInfo(); err == nil {
					gotKoid = i.Koid
				}
			}
			return nil, hs // send the same event back
		})
		rd := make([]byte, 16)
		rdh := make([]zx.Handle, 4)
		_, nh, err := zx.Channel{Handle: a}.Call(after(20*time.Second), callReq(""), []zx.Handle{sent}, rd, rdh)
		ok(t, "channel_call", err)
		served(t, done)
		closeLater(t, rdh[:nh]...)
		if valid(sent) {
			t.Errorf("request handle not transferred")
		}
		if gotKoid != koid || nh != 1 || basic(t, rdh[0]).Koid != koid {
			t.Errorf("server saw koid %d, reply %d handles", gotKoid, nh)
		}
	})
	t.Run("concurrent_callers_matched_by_txid", func(t *testing.T) {
		a, b := pair(t)
		const callers = 8
		// The server collects every request first, then answers in reverse.
		srv := make(chan error, 1)
		go func() {
			var reqs [][]byte
			seen := map[uint32]bool{}
			for len(reqs) < callers {
				if _, err := b.WaitOne(zx.ChannelReadable, after(20*time.Second)); err != nil {
					srv <- err
					return
				}
				buf := make([]byte, 64)
				n, _, err := zx.Channel{Handle: b}.Read(buf, nil, 0)
				if err != nil {
					srv <- err
					return
				}
				tx := binary.LittleEndian.Uint32(buf)
				if seen[tx] {
					srv <- fmt.Errorf("txid %#x used twice by pending calls", tx)
					return
				}
				seen[tx] = true
				reqs = append(reqs, buf[:n])
			}
			for i := len(reqs) - 1; i >= 0; i-- {
				if err := (zx.Channel{Handle: b}).Write(reqs[i], nil, 0); err != nil {
					srv <- err
					return
				}
			}
			srv <- nil
		}()
		var wg sync.WaitGroup
		errs := make(chan error, callers)
		for i := 0; i < callers; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				body := fmt.Sprintf("caller-%d", i)
				rd := make([]byte, 64)
				n, _, err := zx.Channel{Handle: a}.Call(after(20*time.Second), callReq(body), nil, rd, nil)
				if err != nil {
					errs <- err
				} else if string(rd[4:n]) != body {
					errs <- fmt.Errorf("caller %d got %q", i, rd[4:n])
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		ok(t, "server", <-srv)
	})
	t.Run("other_messages_queued", func(t *testing.T) {
		a, b := pair(t)
		done := serveOne(b, func(req []byte, _ []zx.Handle) ([]byte, []zx.Handle) {
			// An unrelated message (user txid 0x1234) goes first.
			zx.Channel{Handle: b}.Write([]byte{0x34, 0x12, 0, 0, 'u'}, nil, 0)
			return []byte("reply"), nil
		})
		rd := make([]byte, 64)
		n, _, err := zx.Channel{Handle: a}.Call(after(20*time.Second), callReq("q"), nil, rd, nil)
		ok(t, "channel_call", err)
		served(t, done)
		if string(rd[4:n]) != "reply" {
			t.Errorf("reply %q", rd[4:n])
		}
		if got, _ := read(t, a); string(got) != "\x34\x12\x00\x00u" {
			t.Errorf("queued message %q", got)
		}
	})
	t.Run("timed_out", func(t *testing.T) {
		a, b := pair(t)
		start := zx.Now()
		_, _, err := zx.Channel{Handle: a}.Call(after(30*time.Millisecond), callReq("late"), nil, make([]byte, 16), nil)
		expect(t, "channel_call(no reply)", status(err), zx.ErrTimedOut)
		if d := zx.Now() - start; d < zx.Time(30*time.Millisecond) {
			t.Errorf("timed out after %v, before the deadline", time.Duration(d))
		}
		// The request was delivered; a late reply lands in the queue.
		req, _ := read(t, b)
		if string(req[4:]) != "late" {
			t.Fatalf("request %q", req)
		}
		write(t, b, append(req[:4:4], "answer"...))
		if got, _ := read(t, a); string(got[4:]) != "answer" {
			t.Errorf("late reply %q", got)
		}
	})
	t.Run("deadline_in_past", func(t *testing.T) {
		a, _ := pair(t)
		// Time 0 (boot) has passed. ZX_TIME_INFINITE_PAST hangs instead:
		// see known_failures_test.go.txt.
		_, _, err := zx.Channel{Handle: a}.Call(0, callReq("x"), nil, nil, nil)
		expect(t, "channel_call(deadline past)", status(err), zx.ErrTimedOut)
	})
	t.Run("peer_closed_before", func(t *testing.T) {
		a, b := pair(t)
		ok(t, "close", b.Close())
		ev, _ := zx.NewEvent(0)
		_, _, err := zx.Channel{Handle: a}.Call(after(20*time.Second), callReq("x"), []zx.Handle{ev.Handle}, nil, nil)
		expect(t, "channel_call(peer closed)", status(err), zx.ErrPeerClosed)
		if valid(ev.Handle) {
			t.Errorf("request handle of a failed call not consumed")
		}
	})
	t.Run("peer_closed_while_waiting", func(t *testing.T) {
		a, b := pair(t)
		go func() {
			b.WaitOne(zx.ChannelReadable, after(20*time.Second))
			b.Close()
		}()
		_, _, err := zx.Channel{Handle: a}.Call(after(20*time.Second), callReq("x"), nil, make([]byte, 8), nil)
		expect(t, "channel_call(server closes)", status(err), zx.ErrPeerClosed)
	})
	t.Run("reply_buffer_too_small", func(t *testing.T) {
		a, b := pair(t)
		e0, e1 := newEventPair(t)
		done := serveOne(b, func([]byte, []zx.Handle) ([]byte, []zx.Handle) {
			return make([]byte, 100), []zx.Handle{e1}
		})
		n, nh, err := zx.Channel{Handle: a}.Call(after(20*time.Second), callReq("x"), nil, make([]byte, 8), make([]zx.Handle, 1))
		expect(t, "channel_call(small reply buffer)", status(err), zx.ErrBufferTooSmall)
		served(t, done)
		if n != 104 || nh != 1 {
			t.Errorf("actual %d/%d, want 104/1", n, nh)
		}
		// The reply was discarded with its handle.
		wantSignals(t, "eventpair in the discarded reply", e0, zx.EventPairPeerClosed, zx.EventPairPeerClosed)
		empty(t, a)
	})
	t.Run("too_few_bytes", func(t *testing.T) {
		a, b := pair(t)
		ev, _ := zx.NewEvent(0)
		_, _, err := zx.Channel{Handle: a}.Call(after(time.Second), []byte{1, 2, 3}, []zx.Handle{ev.Handle}, nil, nil)
		expect(t, "channel_call(3 bytes)", status(err), zx.ErrInvalidArgs)
		if valid(ev.Handle) {
			t.Errorf("request handle of a failed call not consumed")
		}
		empty(t, b)
	})
	// sys_channel_call: the handle before the transaction id's size.
	t.Run("handle_before_size", func(t *testing.T) {
		args := zx.ChannelCallArgs{WriteBytes: &callReq("x")[0], WriteNumBytes: 3}
		var nb, nh uint32
		expect(t, "channel_call(bad handle, 3 bytes)", zx.Sys_channel_call(zx.HandleInvalid, 0, after(time.Second), &args, &nb, &nh), zx.ErrBadHandle)
	})
	t.Run("invalid_options", func(t *testing.T) {
		a, b := pair(t)
		args := zx.ChannelCallArgs{WriteBytes: &callReq("x")[0], WriteNumBytes: 5}
		var nb, nh uint32
		expect(t, "channel_call(options=1)", zx.Sys_channel_call(a, 1, after(time.Second), &args, &nb, &nh), zx.ErrInvalidArgs)
		empty(t, b)
	})
	t.Run("access_denied_no_read_right", func(t *testing.T) {
		a, b := pair(t)
		wo := withRights(t, a, zx.RightWrite|zx.RightTransfer|zx.RightWait)
		_, _, err := zx.Channel{Handle: wo}.Call(after(time.Second), callReq("x"), nil, nil, nil)
		expect(t, "channel_call(no READ)", status(err), zx.ErrAccessDenied)
		empty(t, b)
	})
	t.Run("access_denied_no_write_right", func(t *testing.T) {
		a, b := pair(t)
		ro := withRights(t, a, zx.RightRead|zx.RightTransfer|zx.RightWait)
		_, _, err := zx.Channel{Handle: ro}.Call(after(time.Second), callReq("x"), nil, nil, nil)
		expect(t, "channel_call(no WRITE)", status(err), zx.ErrAccessDenied)
		empty(t, b)
	})
	t.Run("wrong_type", func(t *testing.T) {
		_, _, err := zx.Channel{Handle: newEvent(t)}.Call(after(time.Second), callReq("x"), nil, nil, nil)
		expect(t, "channel_call(event)", status(err), zx.ErrWrongType)
	})
	t.Run("bad_handle", func(t *testing.T) {
		_, _, err := zx.Channel{Handle: staleHandle(t)}.Call(after(time.Second), callReq("x"), nil, nil, nil)
		expect(t, "channel_call(stale)", status(err), zx.ErrBadHandle)
	})
	for _, ba := range badAddrs {
		t.Run("bad_args_"+ba.Name, func(t *testing.T) {
			a, b := pair(t)
			var nb, nh uint32
			expect(t, "channel_call(bad args)", zx.Sys_channel_call(a, 0, after(time.Second), (*zx.ChannelCallArgs)(ptr(ba.Addr)), &nb, &nh), zx.ErrInvalidArgs)
			empty(t, b)
		})
		t.Run("bad_write_bytes_"+ba.Name, func(t *testing.T) {
			a, b := pair(t)
			args := zx.ChannelCallArgs{WriteBytes: (*byte)(ptr(ba.Addr)), WriteNumBytes: 8}
			var nb, nh uint32
			expect(t, "channel_call(bad wr_bytes)", zx.Sys_channel_call(a, 0, after(time.Second), &args, &nb, &nh), zx.ErrInvalidArgs)
			empty(t, b)
		})
		t.Run("bad_read_bytes_"+ba.Name, func(t *testing.T) {
			a, b := pair(t)
			args := zx.ChannelCallArgs{WriteBytes: &callReq("x")[0], WriteNumBytes: 5, ReadBytes: (*byte)(ptr(ba.Addr)), ReadNumBytes: 8}
			var nb, nh uint32
			expect(t, "channel_call(bad rd_bytes)", zx.Sys_channel_call(a, 0, after(time.Second), &args, &nb, &nh), zx.ErrInvalidArgs)
			empty(t, b)
		})
		t.Run("bad_actual_bytes_"+ba.Name, func(t *testing.T) {
			a, b := pair(t)
			args := zx.ChannelCallArgs{WriteBytes: &callReq("x")[0], WriteNumBytes: 5}
			var nh uint32
			expect(t, "channel_call(bad actual_bytes)", zx.Sys_channel_call(a, 0, after(time.Second), &args, (*uint32)(ptr(ba.Addr)), &nh), zx.ErrInvalidArgs)
			empty(t, b)
		})
	}
}
