package channel

import (
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"

	"beryl/userspace/zx"
)

func TestChannelLifetime(t *testing.T) {
	t.Run("peer_closed_before_close_returns", func(t *testing.T) {
		for i := 0; i < 50; i++ {
			a, b, err := zx.NewChannel(0)
			ok(t, "channel_create", err)
			ok(t, "close", a.Close())
			// No waiting: the signal must already be there.
			wantSignals(t, "peer of a closed endpoint", b.Handle, zx.ChannelPeerClosed|zx.ChannelWritable, zx.ChannelPeerClosed)
			ok(t, "close", b.Close())
		}
	})
	t.Run("signal_peer_after_close", func(t *testing.T) {
		a, b := pair(t)
		ok(t, "close", b.Close())
		expect(t, "object_signal_peer(peer closed)", zx.Sys_object_signal_peer(a, 0, uint32(zx.SignalUser0)), zx.ErrPeerClosed)
	})
	t.Run("unread_handles_closed_with_receiver", func(t *testing.T) {
		a, b := pair(t)
		e0, e1 := newEventPair(t)
		write(t, a, []byte("orphan"), e1)
		wantSignals(t, "in flight", e0, zx.EventPairPeerClosed, 0)
		ok(t, "close receiver", b.Close())
		wantSignals(t, "after the receiver closed", e0, zx.EventPairPeerClosed, zx.EventPairPeerClosed)
	})
	t.Run("unread_handles_survive_sender_close", func(t *testing.T) {
		a, b := pair(t)
		e0, e1 := newEventPair(t)
		write(t, a, nil, e1)
		ok(t, "close sender", a.Close())
		wantSignals(t, "sender closed", e0, zx.EventPairPeerClosed, 0)
		_, hs := read(t, b)
		ok(t, "signal_peer through the received end", hs[0].SignalPeer(0, zx.SignalUser1))
		wantSignals(t, "signalled", e0, zx.SignalUser1, zx.SignalUser1)
	})
	t.Run("handle_count_in_flight", func(t *testing.T) {
		a, b := pair(t)
		ev := newEvent(t)
		d := []zx.HandleDisposition{dup(ev, zx.ObjTypeNone, zx.RightSameRights), dup(ev, zx.ObjTypeNone, zx.RightSameRights)}
		ok(t, "channel_write_etc", zx.Channel{Handle: a}.WriteEtc(nil, d, 0))
		if n := handleCount(t, ev); n != 3 {
			t.Fatalf("handle count %d with two copies in flight, want 3", n)
		}
		ok(t, "close receiver", b.Close())
		if n := handleCount(t, ev); n != 1 {
			t.Errorf("handle count %d after the queue was dropped, want 1", n)
		}
	})
	t.Run("nested_channel_in_queue", func(t *testing.T) {
		a, b := pair(t)
		x, y := pair(t)
		e0, e1 := newEventPair(t)
		write(t, x, nil, e1) // e1 waits in y's queue
		write(t, a, nil, y)  // y waits in b's queue
		ok(t, "close b", b.Close())
		wantSignals(t, "x after y was dropped", x, zx.ChannelPeerClosed, zx.ChannelPeerClosed)
		wantSignals(t, "e0 after e1 was dropped", e0, zx.EventPairPeerClosed, zx.EventPairPeerClosed)
	})
	t.Run("deep_chain", func(t *testing.T) {
		// c[i]'s receiving end sits in c[i-1]'s queue; closing the head
		// must close the whole chain (iteratively) down to the eventpair.
		const depth = 300
		e0, e1 := newEventPair(t)
		s0, r0, err := zx.NewChannel(0)
		ok(t, "channel_create", err)
		closeLater(t, s0.Handle, r0.Handle)
		first, prevSend := r0.Handle, s0.Handle
		for i := 0; i < depth; i++ {
			s, r, err := zx.NewChannel(0)
			ok(t, "channel_create", err)
			write(t, prevSend, nil, r.Handle)
			ok(t, "close sender", prevSend.Close())
			prevSend = s.Handle
		}
		write(t, prevSend, nil, e1)
		ok(t, "close", prevSend.Close())
		wantSignals(t, "chain alive", e0, zx.EventPairPeerClosed, 0)
		ok(t, "close head", first.Close())
		wantSignals(t, "chain dropped", e0, zx.EventPairPeerClosed, zx.EventPairPeerClosed)
	})
	t.Run("endpoint_only_in_own_queue_collected", func(t *testing.T) {
		// b's last handle sits in b's own queue: once a closes, nobody can
		// ever read it, and Beryl collects it (kernel/object STATUS.md).
		a, b := pair(t)
		e0, e1 := newEventPair(t)
		write(t, a, nil, e1)
		write(t, a, nil, b)
		ok(t, "close a", a.Close())
		wantSignals(t, "e0 after the cycle was collected", e0, zx.EventPairPeerClosed, zx.EventPairPeerClosed)
	})
	t.Run("wait_canceled_by_close", func(t *testing.T) {
		// If the waiter had not blocked yet when the handle was closed it
		// gets BAD_HANDLE instead: retry with a longer head start.
		for delay := 20 * time.Millisecond; ; delay *= 2 {
			_, b := pair(t)
			res := make(chan zx.Status, 1)
			var obs zx.Signals
			go func() { res <- zx.Sys_object_wait_one(b, zx.ChannelReadable, after(20*time.Second), &obs) }()
			time.Sleep(delay)
			ok(t, "close", b.Close())
			st := <-res
			if st == zx.ErrBadHandle && delay < 2*time.Second {
				continue
			}
			expect(t, "wait_one on a handle closed meanwhile", st, zx.ErrCanceled)
			if obs&zx.SignalHandleClosed == 0 {
				t.Errorf("observed %#x lacks ZX_SIGNAL_HANDLE_CLOSED", obs)
			}
			return
		}
	})
}

func TestChannelConcurrency(t *testing.T) {
	t.Run("wait_woken_by_write", func(t *testing.T) {
		a, b := pair(t)
		res := make(chan zx.Signals, 1)
		go func() {
			obs, _ := b.WaitOne(zx.ChannelReadable, after(20*time.Second))
			res <- obs
		}()
		time.Sleep(20 * time.Millisecond)
		write(t, a, []byte("wake"))
		if obs := <-res; obs&zx.ChannelReadable == 0 {
			t.Errorf("waiter observed %#x", obs)
		}
	})
	t.Run("wait_woken_by_peer_close", func(t *testing.T) {
		a, b := pair(t)
		res := make(chan zx.Signals, 1)
		go func() {
			obs, _ := b.WaitOne(zx.ChannelPeerClosed, after(20*time.Second))
			res <- obs
		}()
		time.Sleep(20 * time.Millisecond)
		ok(t, "close", a.Close())
		if obs := <-res; obs&zx.ChannelPeerClosed == 0 || obs&zx.ChannelWritable != 0 {
			t.Errorf("waiter observed %#x", obs)
		}
	})
	t.Run("many_readers_distinct_messages", func(t *testing.T) {
		a, b := pair(t)
		const readers, msgs = 8, 400
		var mu sync.Mutex
		seen := map[uint32]int{}
		var wg sync.WaitGroup
		errs := make(chan error, readers)
		for r := 0; r < readers; r++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var buf [4]byte
				for {
					var nb uint32
					st := zx.Sys_channel_read(b, 0, bp(buf[:]), nil, 4, 0, &nb, nil)
					switch st {
					case zx.OK:
						mu.Lock()
						seen[binary.LittleEndian.Uint32(buf[:])]++
						mu.Unlock()
					case zx.ErrShouldWait:
						if _, err := b.WaitOne(zx.ChannelReadable|zx.ChannelPeerClosed, after(20*time.Second)); err != nil {
							errs <- err
							return
						}
					case zx.ErrPeerClosed:
						return
					default:
						errs <- st
						return
					}
				}
			}()
		}
		for i := 0; i < msgs; i++ {
			write(t, a, binary.LittleEndian.AppendUint32(nil, uint32(i)))
		}
		ok(t, "close writer", a.Close())
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if len(seen) != msgs {
			t.Errorf("%d distinct messages read, want %d", len(seen), msgs)
		}
		for k, n := range seen {
			if n != 1 || k >= msgs {
				t.Errorf("message %d read %d times", k, n)
			}
		}
	})
	t.Run("many_writers_order_per_writer", func(t *testing.T) {
		a, b := pair(t)
		const writers, each = 8, 50
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					if err := (zx.Channel{Handle: a}).Write([]byte{byte(w), byte(i)}, nil, 0); err != nil {
						errs <- fmt.Errorf("writer %d: %v", w, err)
						return
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		next := make([]int, writers)
		for i := 0; i < writers*each; i++ {
			m, _ := read(t, b)
			if int(m[1]) != next[m[0]] {
				t.Fatalf("writer %d: message %d after %d", m[0], m[1], next[m[0]]-1)
			}
			next[m[0]]++
		}
		empty(t, b)
	})
}
