// Package fifo is the conformance family for fifo_create, fifo_write and
// fifo_read (with the fifo signals), run inside Beryl (go test -exec
// bin/zxrun): every documented error, bad user pointers with nothing
// changed, element-size and count rules, partial transfers, peer closure
// and a producer and a consumer on different threads.
package fifo

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"beryl/userspace/zx"
)

func pair(t *testing.T, count, size uint) (zx.Fifo, zx.Fifo) {
	t.Helper()
	a, b, err := zx.NewFifo(count, size, 0)
	ok(t, "fifo_create", err)
	closeLater(t, a.Handle, b.Handle)
	return a, b
}

// elems makes n elements of size bytes, element i filled with byte i+1.
func elems(n, size int) []byte {
	b := make([]byte, n*size)
	for i := range b {
		b[i] = byte(i/size + 1)
	}
	return b
}

func empty(t *testing.T, f zx.Fifo, size uint) {
	t.Helper()
	buf := make([]byte, size)
	expect(t, "fifo_read (expecting empty)", zx.Sys_fifo_read(f.Handle, size, bp(buf), 1, nil), zx.ErrShouldWait)
	wantSignals(t, "empty fifo", f.Handle, zx.FIFOReadable, 0)
}

func TestFifoCreate(t *testing.T) {
	t.Run("endpoints", func(t *testing.T) {
		a, b := pair(t, 4, 8)
		ia, ib := basic(t, a.Handle), basic(t, b.Handle)
		if ia.Type != zx.ObjTypeFIFO || ia.Rights != zx.DefaultFIFORights || ib.Rights != zx.DefaultFIFORights {
			t.Errorf("basic %+v %+v", ia, ib)
		}
		if ia.RelatedKoid != ib.Koid || ib.RelatedKoid != ia.Koid {
			t.Errorf("related koids")
		}
		wantSignals(t, "new fifo", a.Handle, 0xffffffff, zx.FIFOWritable)
	})
	for _, tc := range []struct {
		name        string
		count, size uint
		opts        uint32
		want        zx.Status
	}{
		{"max_size_4096", 64, 64, 0, zx.OK},
		{"one_byte_elements", 4096, 1, 0, zx.OK},
		{"one_big_element", 1, 4096, 0, zx.OK},
		{"options_ignored", 4, 4, 1, zx.OK}, // as FifoDispatcher::Create
		{"zero_count", 0, 4, 0, zx.ErrOutOfRange},
		{"zero_size", 4, 0, 0, zx.ErrOutOfRange},
		{"too_large", 64, 65, 0, zx.ErrOutOfRange},
		{"count_too_large", 4097, 1, 0, zx.ErrOutOfRange},
		{"size_too_large", 1, 4097, 0, zx.ErrOutOfRange},
		{"product_overflows", 1 << 33, 1 << 31, 0, zx.ErrOutOfRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a, b zx.Handle
			before := typeCount(t, zx.ObjTypeFIFO)
			expect(t, "fifo_create", zx.Sys_fifo_create(tc.count, tc.size, tc.opts, &a, &b), tc.want)
			if tc.want == zx.OK {
				closeLater(t, a, b)
			} else if n := typeCount(t, zx.ObjTypeFIFO); n != before {
				t.Errorf("fifo handles %d -> %d after a failed create", before, n)
			}
		})
	}
	for _, ba := range append(badAddrs, badAddr{Name: "read_only", Addr: roAddr()}) {
		t.Run("bad_out_"+ba.Name, func(t *testing.T) {
			before := typeCount(t, zx.ObjTypeFIFO)
			var h zx.Handle
			expect(t, "fifo_create(bad out0)", zx.Sys_fifo_create(4, 4, 0, hptr(ba.Addr), &h), zx.ErrInvalidArgs)
			expect(t, "fifo_create(bad out1)", zx.Sys_fifo_create(4, 4, 0, &h, hptr(ba.Addr)), zx.ErrInvalidArgs)
			if n := typeCount(t, zx.ObjTypeFIFO); n != before {
				t.Errorf("fifo handles %d -> %d after failed creates", before, n)
			}
		})
	}
}

func TestFifoWrite(t *testing.T) {
	t.Run("round_trip", func(t *testing.T) {
		a, b := pair(t, 4, 8)
		data := elems(3, 8)
		n, err := a.Write(data, 8)
		ok(t, "fifo_write", err)
		if n != 3 {
			t.Fatalf("wrote %d elements", n)
		}
		wantSignals(t, "reader", b.Handle, zx.FIFOReadable, zx.FIFOReadable)
		buf := make([]byte, 4*8)
		n, err = b.Read(buf, 8)
		ok(t, "fifo_read", err)
		if n != 3 || !bytes.Equal(buf[:24], data) {
			t.Errorf("read %d elements % x", n, buf[:24])
		}
		empty(t, b, 8)
	})
	t.Run("partial_when_nearly_full", func(t *testing.T) {
		a, b := pair(t, 4, 2)
		n, err := a.Write(elems(3, 2), 2)
		ok(t, "fifo_write(3)", err)
		var actual uint
		data := elems(3, 2)
		expect(t, "fifo_write(3 into 1 free)", zx.Sys_fifo_write(a.Handle, 2, bp(data), 3, &actual), zx.OK)
		if n != 3 || actual != 1 {
			t.Errorf("wrote %d then %d, want 3 then 1", n, actual)
		}
		wantSignals(t, "full writer", a.Handle, zx.FIFOWritable, 0)
		_ = b
	})
	t.Run("full_should_wait", func(t *testing.T) {
		a, b := pair(t, 2, 4)
		_, err := a.Write(elems(2, 4), 4)
		ok(t, "fill", err)
		_, err = a.Write(elems(1, 4), 4)
		expect(t, "fifo_write(full)", status(err), zx.ErrShouldWait)
		buf := make([]byte, 4)
		_, err = b.Read(buf, 4)
		ok(t, "fifo_read", err)
		wantSignals(t, "writer after a read", a.Handle, zx.FIFOWritable, zx.FIFOWritable)
		_, err = a.Write(elems(1, 4), 4)
		ok(t, "fifo_write after a read", err)
	})
	t.Run("null_actual", func(t *testing.T) {
		a, b := pair(t, 2, 4)
		data := elems(1, 4)
		expect(t, "fifo_write(actual NULL)", zx.Sys_fifo_write(a.Handle, 4, bp(data), 1, nil), zx.OK)
		wantSignals(t, "reader", b.Handle, zx.FIFOReadable, zx.FIFOReadable)
	})
	t.Run("wrong_elem_size", func(t *testing.T) {
		a, b := pair(t, 4, 8)
		data := elems(2, 4)
		expect(t, "fifo_write(elem_size 4 on an 8-byte fifo)", zx.Sys_fifo_write(a.Handle, 4, bp(data), 2, nil), zx.ErrOutOfRange)
		empty(t, b, 8)
	})
	t.Run("zero_count", func(t *testing.T) {
		a, b := pair(t, 4, 8)
		data := elems(1, 8)
		expect(t, "fifo_write(count 0)", zx.Sys_fifo_write(a.Handle, 8, bp(data), 0, nil), zx.ErrOutOfRange)
		empty(t, b, 8)
	})
	t.Run("bad_handle", func(t *testing.T) {
		data := elems(1, 4)
		for _, h := range []zx.Handle{zx.HandleInvalid, staleHandle(t)} {
			expect(t, "fifo_write(bad handle)", zx.Sys_fifo_write(h, 4, bp(data), 1, nil), zx.ErrBadHandle)
		}
	})
	t.Run("wrong_type", func(t *testing.T) {
		data := elems(1, 4)
		expect(t, "fifo_write(event)", zx.Sys_fifo_write(newEvent(t), 4, bp(data), 1, nil), zx.ErrWrongType)
	})
	t.Run("access_denied_no_write_right", func(t *testing.T) {
		a, b := pair(t, 4, 4)
		r, err := a.Duplicate(zx.RightRead | zx.RightWait)
		ok(t, "duplicate", err)
		closeLater(t, r)
		data := elems(1, 4)
		expect(t, "fifo_write(no WRITE)", zx.Sys_fifo_write(r, 4, bp(data), 1, nil), zx.ErrAccessDenied)
		empty(t, b, 4)
	})
	t.Run("peer_closed", func(t *testing.T) {
		a, b := pair(t, 4, 4)
		ok(t, "close", b.Close())
		data := elems(1, 4)
		expect(t, "fifo_write(peer closed)", zx.Sys_fifo_write(a.Handle, 4, bp(data), 1, nil), zx.ErrPeerClosed)
		// FifoDispatcher::WriteFromUser looks at the peer before the sizes.
		expect(t, "fifo_write(peer closed, count 0)", zx.Sys_fifo_write(a.Handle, 4, bp(data), 0, nil), zx.ErrPeerClosed)
		expect(t, "fifo_write(peer closed, elem_size 2)", zx.Sys_fifo_write(a.Handle, 2, bp(data), 1, nil), zx.ErrPeerClosed)
	})
	for _, ba := range badAddrs {
		t.Run("bad_data_"+ba.Name, func(t *testing.T) {
			a, b := pair(t, 4, 4)
			var n uint = 55
			expect(t, "fifo_write(bad data)", zx.Sys_fifo_write(a.Handle, 4, ptr(ba.Addr), 2, &n), zx.ErrInvalidArgs)
			if n != 55 {
				t.Errorf("actual_count written by a failed write")
			}
			empty(t, b, 4)
		})
	}
	for _, ba := range append(badAddrs, badAddr{Name: "read_only", Addr: roAddr()}) {
		t.Run("bad_actual_"+ba.Name, func(t *testing.T) {
			a, b := pair(t, 4, 4)
			data := elems(1, 4)
			expect(t, "fifo_write(bad actual)", zx.Sys_fifo_write(a.Handle, 4, bp(data), 1, (*uint)(ptr(ba.Addr))), zx.ErrInvalidArgs)
			empty(t, b, 4)
		})
	}
}

func TestFifoRead(t *testing.T) {
	t.Run("should_wait", func(t *testing.T) {
		_, b := pair(t, 4, 4)
		empty(t, b, 4)
	})
	t.Run("fifo_order_with_wraparound", func(t *testing.T) {
		a, b := pair(t, 3, 4)
		next := uint32(0)
		want := uint32(0)
		buf := make([]byte, 4)
		for round := 0; round < 10; round++ {
			for i := 0; i < 2; i++ {
				_, err := a.Write(binary.LittleEndian.AppendUint32(nil, next), 4)
				ok(t, "fifo_write", err)
				next++
			}
			for i := 0; i < 2; i++ {
				_, err := b.Read(buf, 4)
				ok(t, "fifo_read", err)
				if got := binary.LittleEndian.Uint32(buf); got != want {
					t.Fatalf("element %d, want %d", got, want)
				}
				want++
			}
		}
	})
	t.Run("partial_read", func(t *testing.T) {
		a, b := pair(t, 8, 2)
		_, err := a.Write(elems(2, 2), 2)
		ok(t, "fifo_write", err)
		buf := make([]byte, 8*2)
		var n uint
		expect(t, "fifo_read(8 of 2)", zx.Sys_fifo_read(b.Handle, 2, bp(buf), 8, &n), zx.OK)
		if n != 2 || !bytes.Equal(buf[:4], elems(2, 2)) {
			t.Errorf("read %d: % x", n, buf[:4])
		}
	})
	t.Run("peer_closed_data_still_readable", func(t *testing.T) {
		a, b := pair(t, 4, 4)
		_, err := a.Write(elems(2, 4), 4)
		ok(t, "fifo_write", err)
		ok(t, "close a", a.Close())
		wantSignals(t, "reader", b.Handle, zx.FIFOReadable|zx.FIFOPeerClosed|zx.FIFOWritable, zx.FIFOReadable|zx.FIFOPeerClosed)
		buf := make([]byte, 16)
		n, err := b.Read(buf, 4)
		ok(t, "fifo_read", err)
		if n != 2 {
			t.Errorf("read %d", n)
		}
		expect(t, "fifo_read(drained, peer closed)", zx.Sys_fifo_read(b.Handle, 4, bp(buf), 1, nil), zx.ErrPeerClosed)
	})
	t.Run("peer_closed_before_close_returns", func(t *testing.T) {
		for i := 0; i < 20; i++ {
			a, b, err := zx.NewFifo(2, 2, 0)
			ok(t, "fifo_create", err)
			ok(t, "close", a.Close())
			wantSignals(t, "peer", b.Handle, zx.FIFOPeerClosed|zx.FIFOWritable, zx.FIFOPeerClosed)
			ok(t, "close", b.Close())
		}
	})
	t.Run("wrong_elem_size", func(t *testing.T) {
		a, b := pair(t, 4, 4)
		_, err := a.Write(elems(1, 4), 4)
		ok(t, "fifo_write", err)
		buf := make([]byte, 16)
		expect(t, "fifo_read(elem_size 8)", zx.Sys_fifo_read(b.Handle, 8, bp(buf), 1, nil), zx.ErrOutOfRange)
		wantSignals(t, "element kept", b.Handle, zx.FIFOReadable, zx.FIFOReadable)
	})
	t.Run("zero_count", func(t *testing.T) {
		a, b := pair(t, 4, 4)
		_, err := a.Write(elems(1, 4), 4)
		ok(t, "fifo_write", err)
		buf := make([]byte, 4)
		expect(t, "fifo_read(count 0)", zx.Sys_fifo_read(b.Handle, 4, bp(buf), 0, nil), zx.ErrOutOfRange)
		wantSignals(t, "element kept", b.Handle, zx.FIFOReadable, zx.FIFOReadable)
	})
	t.Run("bad_handle", func(t *testing.T) {
		buf := make([]byte, 4)
		expect(t, "fifo_read(stale)", zx.Sys_fifo_read(staleHandle(t), 4, bp(buf), 1, nil), zx.ErrBadHandle)
	})
	t.Run("wrong_type", func(t *testing.T) {
		buf := make([]byte, 4)
		expect(t, "fifo_read(event)", zx.Sys_fifo_read(newEvent(t), 4, bp(buf), 1, nil), zx.ErrWrongType)
	})
	t.Run("access_denied_no_read_right", func(t *testing.T) {
		a, b := pair(t, 4, 4)
		_, err := a.Write(elems(1, 4), 4)
		ok(t, "fifo_write", err)
		w, err := b.Duplicate(zx.RightWrite | zx.RightWait)
		ok(t, "duplicate", err)
		closeLater(t, w)
		buf := make([]byte, 4)
		expect(t, "fifo_read(no READ)", zx.Sys_fifo_read(w, 4, bp(buf), 1, nil), zx.ErrAccessDenied)
		wantSignals(t, "element kept", b.Handle, zx.FIFOReadable, zx.FIFOReadable)
	})
	for _, ba := range append(badAddrs, badAddr{Name: "read_only", Addr: roAddr()}) {
		t.Run("bad_data_"+ba.Name, func(t *testing.T) {
			a, b := pair(t, 4, 4)
			_, err := a.Write(elems(2, 4), 4)
			ok(t, "fifo_write", err)
			expect(t, "fifo_read(bad data)", zx.Sys_fifo_read(b.Handle, 4, ptr(ba.Addr), 2, nil), zx.ErrInvalidArgs)
			buf := make([]byte, 16)
			if n, err := b.Read(buf, 4); err != nil || n != 2 {
				t.Errorf("elements lost after a bad-pointer read: %d %v", n, err)
			}
		})
		t.Run("bad_actual_"+ba.Name, func(t *testing.T) {
			a, b := pair(t, 4, 4)
			_, err := a.Write(elems(2, 4), 4)
			ok(t, "fifo_write", err)
			buf := make([]byte, 16)
			expect(t, "fifo_read(bad actual)", zx.Sys_fifo_read(b.Handle, 4, bp(buf), 2, (*uint)(ptr(ba.Addr))), zx.ErrInvalidArgs)
			if n, err := b.Read(buf, 4); err != nil || n != 2 {
				t.Errorf("elements lost after a bad-pointer read: %d %v", n, err)
			}
		})
	}
}

func TestFifoLifetime(t *testing.T) {
	t.Run("signal_peer", func(t *testing.T) {
		a, b := pair(t, 2, 2)
		ok(t, "signal_peer(USER3)", a.SignalPeer(0, zx.SignalUser3))
		wantSignals(t, "peer", b.Handle, zx.SignalUser3, zx.SignalUser3)
		expect(t, "signal_peer(READABLE)", zx.Sys_object_signal_peer(a.Handle, 0, uint32(zx.FIFOReadable)), zx.ErrInvalidArgs)
		ok(t, "close b", b.Close())
		expect(t, "signal_peer(peer closed)", zx.Sys_object_signal_peer(a.Handle, 0, uint32(zx.SignalUser0)), zx.ErrPeerClosed)
	})
	t.Run("elements_move_with_endpoint", func(t *testing.T) {
		a, b := pair(t, 4, 4)
		_, err := a.Write(elems(3, 4), 4)
		ok(t, "fifo_write", err)
		c0, c1, err := zx.NewChannel(0)
		ok(t, "channel_create", err)
		closeLater(t, c0.Handle, c1.Handle)
		ok(t, "channel_write", c0.Write(nil, []zx.Handle{b.Handle}, 0))
		var hs [1]zx.Handle
		_, _, err = c1.Read(nil, hs[:], 0)
		ok(t, "channel_read", err)
		closeLater(t, hs[0])
		buf := make([]byte, 16)
		n, err := zx.Fifo{Handle: hs[0]}.Read(buf, 4)
		ok(t, "fifo_read through the moved endpoint", err)
		if n != 3 || !bytes.Equal(buf[:12], elems(3, 4)) {
			t.Errorf("read %d: % x", n, buf[:12])
		}
	})
	t.Run("endpoint_closed_in_flight", func(t *testing.T) {
		a, b := pair(t, 2, 2)
		c0, c1, err := zx.NewChannel(0)
		ok(t, "channel_create", err)
		closeLater(t, c0.Handle)
		ok(t, "channel_write", c0.Write(nil, []zx.Handle{b.Handle}, 0))
		ok(t, "close receiving channel", c1.Close())
		wantSignals(t, "a", a.Handle, zx.FIFOPeerClosed, zx.FIFOPeerClosed)
	})
}

func TestFifoConcurrency(t *testing.T) {
	t.Run("producer_consumer", func(t *testing.T) {
		a, b := pair(t, 16, 8)
		const total = 2000
		perr := make(chan error, 1)
		go func() {
			for i := uint64(0); i < total; {
				_, err := a.Write(binary.LittleEndian.AppendUint64(nil, i), 8)
				switch status(err) {
				case zx.OK:
					i++
				case zx.ErrShouldWait:
					if _, err := a.WaitOne(zx.FIFOWritable|zx.FIFOPeerClosed, after(20*time.Second)); err != nil {
						perr <- err
						return
					}
				default:
					perr <- err
					return
				}
			}
			perr <- nil
		}()
		buf := make([]byte, 16*8)
		for want := uint64(0); want < total; {
			n, err := b.Read(buf, 8)
			if status(err) == zx.ErrShouldWait {
				waitFor(t, b.Handle, zx.FIFOReadable)
				continue
			}
			ok(t, "fifo_read", err)
			for i := uint(0); i < n; i++ {
				if got := binary.LittleEndian.Uint64(buf[8*i:]); got != want {
					t.Fatalf("element %d, want %d", got, want)
				}
				want++
			}
		}
		ok(t, "producer", <-perr)
	})
}
