package port

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: PortTest and PortStressTest (port/port.cc in
// utest/core).

func rawPort(t *testing.T) zx.Handle {
	t.Helper()
	var p zx.Handle
	ctest.Must(t, "port_create", zx.Sys_port_create(0, &p))
	t.Cleanup(func() { zx.Sys_handle_close(p) })
	return p
}

func pEvent(t *testing.T) zx.Handle { return ctest.NewEvent(t) }

func sigOf(pk *zx.PortPacket) *zx.PacketSignal { return pk.Signal() }

func pwait(p zx.Handle, deadline zx.Time) (zx.PortPacket, zx.Status) {
	var pk zx.PortPacket
	st := zx.Sys_port_wait(p, deadline, &pk)
	return pk, st
}

func soon(d time.Duration) zx.Time { return zx.Sys_deadline_after(zx.Duration(d)) }

func TestPortTest_AsyncWaitInvalidOption(t *testing.T) {
	p, ev := rawPort(t), pEvent(t)
	ctest.Want(t, "wait_async(option 20)", zx.Sys_object_wait_async(ev, p, 0, zx.EventSignaled, 20), zx.ErrInvalidArgs)
}

func TestPortTest_QueueNullPtrReturnsInvalidArgs(t *testing.T) {
	ctest.Want(t, "port_queue(NULL)", zx.Sys_port_queue(rawPort(t), nil), zx.ErrInvalidArgs)
}

func TestPortTest_QueueWaitVerifyUserPacket(t *testing.T) {
	p := rawPort(t)
	in := zx.PortPacket{Key: 12, Type: zx.PktTypeUser + 5, Status: -3}
	for i := range in.Payload {
		in.Payload[i] = byte(i + 1)
	}
	ctest.Must(t, "port_queue", zx.Sys_port_queue(p, &in))
	out, st := pwait(p, zx.TimeInfinite)
	ctest.Must(t, "port_wait", st)
	if out.Key != 12 || out.Type != zx.PktTypeUser || out.Status != -3 || out.Payload != in.Payload {
		t.Errorf("packet %+v", out)
	}
}

func TestPortTest_PortTimeout(t *testing.T) {
	_, st := pwait(rawPort(t), soon(time.Nanosecond))
	ctest.Want(t, "port_wait", st, zx.ErrTimedOut)
}

func TestPortTest_QueueAndClose(t *testing.T) {
	var p zx.Handle
	ctest.Must(t, "port_create", zx.Sys_port_create(0, &p))
	ctest.Must(t, "port_queue", zx.Sys_port_queue(p, &zx.PortPacket{Key: 1}))
	ctest.Must(t, "close with a queued packet", zx.Sys_handle_close(p))
}

func TestPortTest_QueueTooMany(t *testing.T) {
	p := rawPort(t)
	// A port's queue is bounded: user packets end in SHOULD_WAIT.
	const limit = 1 << 20
	n := 0
	for ; n < limit; n++ {
		st := zx.Sys_port_queue(p, &zx.PortPacket{Key: uint64(n)})
		if st == zx.ErrShouldWait {
			break
		}
		if st != zx.OK {
			t.Fatalf("port_queue %d: %v", n, st)
		}
	}
	if n == 0 || n == limit {
		t.Fatalf("queued %d packets before SHOULD_WAIT", n)
	}
	if _, st := pwait(p, zx.TimeInfinitePast); st != zx.OK {
		t.Fatalf("port_wait: %v", st)
	}
	ctest.Must(t, "port_queue after a wait", zx.Sys_port_queue(p, &zx.PortPacket{}))
}

func TestPortTest_AsyncWaitChannelTimedOut(t *testing.T) {
	p := rawPort(t)
	a, b, _ := zx.NewChannel(0)
	defer a.Close()
	defer b.Close()
	ctest.Must(t, "wait_async", zx.Sys_object_wait_async(b.Handle, p, 6567, zx.ChannelReadable, 0))
	_, st := pwait(p, soon(200*time.Microsecond))
	ctest.Want(t, "port_wait", st, zx.ErrTimedOut)
}

func TestPortTest_AsyncWaitChannel(t *testing.T) {
	p := rawPort(t)
	a, b, _ := zx.NewChannel(0)
	defer a.Close()
	defer b.Close()
	ctest.Must(t, "wait_async", zx.Sys_object_wait_async(b.Handle, p, 6567, zx.ChannelReadable, 0))
	_, st := pwait(p, soon(200*time.Microsecond))
	ctest.Want(t, "port_wait", st, zx.ErrTimedOut)
	if err := a.Write([]byte("here"), nil, 0); err != nil {
		t.Fatal(err)
	}
	out, st := pwait(p, zx.TimeInfinite)
	ctest.Must(t, "port_wait", st)
	s := sigOf(&out)
	if out.Key != 6567 || out.Type != zx.PktTypeSignalOne || s.Observed != zx.ChannelWritable|zx.ChannelReadable || s.Trigger != zx.ChannelReadable || s.Count != 1 {
		t.Errorf("packet %+v signal %+v", out, *s)
	}
	ctest.Want(t, "read(MAY_DISCARD)", zx.Sys_channel_read(b.Handle, zx.ChannelReadMayDiscard, nil, nil, 0, 0, nil, nil), zx.ErrBufferTooSmall)
	_, st = pwait(p, soon(200*time.Microsecond))
	ctest.Want(t, "port_wait (one-shot)", st, zx.ErrTimedOut)
	ctest.Must(t, "wait_async again", zx.Sys_object_wait_async(b.Handle, p, 6567, zx.ChannelReadable, 0))
}

func TestPortTest_AsyncWaitCloseOrder(t *testing.T) {
	const chB, chA, port = 0, 1, 2
	for _, order := range [][3]int{{chB, chA, port}, {chB, port, chA}, {chA, port, chB}, {chA, chB, port}, {port, chA, chB}, {port, chB, chA}} {
		var h [3]zx.Handle
		ctest.Must(t, "port_create", zx.Sys_port_create(0, &h[port]))
		ctest.Must(t, "channel_create", zx.Sys_channel_create(0, &h[chA], &h[chB]))
		ctest.Must(t, "wait_async", zx.Sys_object_wait_async(h[chB], h[port], 1122, zx.ChannelReadable|zx.ChannelPeerClosed, 0))
		for _, i := range order {
			ctest.Must(t, "close", zx.Sys_handle_close(h[i]))
		}
	}
}

func TestPortTest_EventAsyncSignalWaitSingle(t *testing.T) {
	p, ev := rawPort(t), pEvent(t)
	const n = 7
	for i := range uint64(n) {
		ctest.Must(t, "wait_async", zx.Sys_object_wait_async(ev, p, i, zx.EventSignaled, 0))
	}
	ctest.Must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)))
	sum := uint64(0)
	for range n - 2 {
		out, st := pwait(p, zx.TimeInfinite)
		ctest.Must(t, "port_wait", st)
		sum += out.Key
		if out.Type != zx.PktTypeSignalOne || sigOf(&out).Count != 1 {
			t.Errorf("packet %+v", out)
		}
	}
	if sum != 20 {
		t.Errorf("key sum %d, want 20 (0..4 in order)", sum)
	}
}

func TestPortTest_AsyncWaitEventRepeat(t *testing.T) {
	p, ev := rawPort(t), pEvent(t)
	var count [3]int
	const repeats = 24
	for i := range repeats {
		ctest.Must(t, "wait_async", zx.Sys_object_wait_async(ev, p, 1122, zx.EventSignaled|zx.SignalUser2, 0))
		ub := zx.SignalUser2
		if i%2 == 1 {
			ub = 0
		}
		ctest.Must(t, "set", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled|ub)))
		ctest.Must(t, "clear", zx.Sys_object_signal(ev, uint32(zx.EventSignaled|ub), 0))
		out, st := pwait(p, zx.TimeInfinitePast)
		ctest.Must(t, "port_wait", st)
		s := sigOf(&out)
		if out.Type != zx.PktTypeSignalOne || s.Count != 1 {
			t.Fatalf("packet %+v", out)
		}
		if s.Observed&zx.EventSignaled != 0 {
			count[0]++
		}
		if s.Observed&zx.SignalUser2 != 0 {
			count[1]++
		}
		if s.Observed&^(zx.EventSignaled|zx.SignalUser2) != 0 {
			count[2]++
		}
	}
	if count != [3]int{repeats, repeats / 2, 0} {
		t.Errorf("counts %v", count)
	}
}

func TestPortTest_AsyncWaitEventManyAllProcessed(t *testing.T) {
	p := rawPort(t)
	// The original's is one more than Zircon's packet arena (16 Ki); a
	// few thousand exercise the same path here in a fraction of the time.
	const n = 2049
	evs := make([]zx.Handle, n)
	for i := range evs {
		ctest.Must(t, "event_create", zx.Sys_event_create(0, &evs[i]))
		ctest.Must(t, "wait_async", zx.Sys_object_wait_async(evs[i], p, 6567, zx.EventSignaled, 0))
		ctest.Must(t, "signal", zx.Sys_object_signal(evs[i], 0, uint32(zx.EventSignaled)))
	}
	defer zx.Sys_handle_close_many(&evs[0], n)
	count := 0
	for {
		out, st := pwait(p, zx.TimeInfinitePast)
		if st != zx.OK {
			ctest.Want(t, "port_wait at the end", st, zx.ErrTimedOut)
			break
		}
		s := sigOf(&out)
		if out.Key != 6567 || out.Type != zx.PktTypeSignalOne || s.Observed != zx.EventSignaled || s.Trigger != zx.EventSignaled || s.Count != 1 {
			t.Fatalf("packet %+v %+v", out, *s)
		}
		count++
	}
	if count != n {
		t.Errorf("%d packets, want %d", count, n)
	}
}

func TestPortTest_ChannelAsyncWaitOnExistingStateIsNotified(t *testing.T) {
	var a, b zx.Handle
	ctest.Must(t, "channel_create", zx.Sys_channel_create(0, &a, &b))
	defer zx.Sys_handle_close(b)
	msg := []byte("123456")
	for range 5 {
		ctest.Must(t, "write", zx.Sys_channel_write(a, 0, ptr(uintptr(unsafe.Pointer(&msg[0]))), uint32(len(msg)), nil, 0))
	}
	zx.Sys_handle_close(a)
	p := rawPort(t)
	ctest.Must(t, "wait_async", zx.Sys_object_wait_async(b, p, 65667, zx.ChannelReadable|zx.ChannelPeerClosed, 0))
	out, st := pwait(p, zx.TimeInfinitePast)
	ctest.Must(t, "port_wait", st)
	s := sigOf(&out)
	if s.Count != 1 || s.Trigger != zx.ChannelReadable|zx.ChannelPeerClosed || s.Observed != zx.ChannelReadable|zx.ChannelPeerClosed {
		t.Errorf("signal %+v", *s)
	}
	_, st = pwait(p, zx.TimeInfinitePast)
	ctest.Want(t, "port_wait (no more)", st, zx.ErrTimedOut)
}

// drainKeys reads the port's packets until it is empty and returns how
// many there were and their keys' sum, checking each is a SIGNALED one.
func drainKeys(t *testing.T, p zx.Handle) (int, uint64) {
	t.Helper()
	n, sum := 0, uint64(0)
	for {
		out, st := pwait(p, zx.TimeInfinitePast)
		if st != zx.OK {
			return n, sum
		}
		n++
		sum += out.Key
		if s := sigOf(&out); s.Trigger != zx.EventSignaled || s.Observed != zx.EventSignaled {
			t.Errorf("signal %+v", *s)
		}
	}
}

func TestPortTest_CancelEventKey(t *testing.T) {
	p, ev := rawPort(t), pEvent(t)
	keys := []uint64{128, 13, 7, 13}
	for _, k := range keys {
		ctest.Must(t, "wait_async", zx.Sys_object_wait_async(ev, p, k, zx.EventSignaled, 0))
	}
	ctest.Must(t, "port_cancel(13)", zx.Sys_port_cancel(p, ev, 13))
	for range 2 {
		zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled))
		zx.Sys_object_signal(ev, uint32(zx.EventSignaled), 0)
	}
	n, sum := drainKeys(t, p)
	ctest.Want(t, "port_cancel(128) after delivery", zx.Sys_port_cancel(p, ev, 128), zx.ErrNotFound)
	if n != 2 || sum != keys[0]+keys[2] {
		t.Errorf("%d packets, key sum %d", n, sum)
	}
}

func TestPortTest_CancelEventKeyAfter(t *testing.T) {
	p := rawPort(t)
	keys := []uint64{128, 3, 3}
	evs := make([]zx.Handle, len(keys))
	for i, k := range keys {
		evs[i] = pEvent(t)
		ctest.Must(t, "wait_async", zx.Sys_object_wait_async(evs[i], p, k, zx.EventSignaled, 0))
	}
	zx.Sys_object_signal(evs[0], 0, uint32(zx.EventSignaled))
	zx.Sys_object_signal(evs[1], 0, uint32(zx.EventSignaled))
	ctest.Must(t, "cancel a queued packet", zx.Sys_port_cancel(p, evs[1], 3))
	ctest.Must(t, "cancel a pending wait", zx.Sys_port_cancel(p, evs[2], 3))
	zx.Sys_object_signal(evs[2], 0, uint32(zx.EventSignaled))
	n, sum := drainKeys(t, p)
	if n != 1 || sum != keys[0] {
		t.Errorf("%d packets, key sum %d", n, sum)
	}
}

func TestPortTest_ThreadEvents(t *testing.T) {
	p, ev := rawPort(t), pEvent(t)
	const n = 3
	res := make(chan zx.Status, n)
	for i := range uint64(n) {
		ctest.Must(t, "wait_async", zx.Sys_object_wait_async(ev, p, 500+i, zx.EventSignaled, 0))
		go func() {
			_, st := pwait(p, zx.TimeInfinite)
			res <- st
		}()
	}
	ctest.Must(t, "signal", zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled)))
	for range n {
		select {
		case st := <-res:
			ctest.Must(t, "port_wait in a waiter", st)
		case <-time.After(10 * time.Second):
			t.Fatal("a waiter got no packet")
		}
	}
}

func TestPortTest_Timestamp(t *testing.T) {
	p := rawPort(t)
	e := []zx.Handle{pEvent(t), pEvent(t)}
	for round := range 2 {
		stamped, plain := e[round], e[1-round]
		ctest.Must(t, "wait_async(TIMESTAMP)", zx.Sys_object_wait_async(stamped, p, 1, zx.EventSignaled, zx.WaitAsyncTimestamp))
		ctest.Must(t, "wait_async", zx.Sys_object_wait_async(plain, p, 2, zx.EventSignaled, 0))
		zx.Sys_object_signal(plain, 0, uint32(zx.EventSignaled))
		before := zx.Sys_clock_get_monotonic()
		zx.Sys_object_signal(stamped, 0, uint32(zx.EventSignaled))
		after := zx.Sys_clock_get_monotonic()
		for range 2 {
			out, st := pwait(p, zx.TimeInfinite)
			ctest.Must(t, "port_wait", st)
			s := sigOf(&out)
			switch out.Key {
			case 1:
				if s.Timestamp < before || s.Timestamp > after {
					t.Errorf("timestamp %d outside [%d, %d]", s.Timestamp, before, after)
				}
			case 2:
				if s.Timestamp != 0 {
					t.Errorf("timestamp %d without ZX_WAIT_ASYNC_TIMESTAMP", s.Timestamp)
				}
			}
		}
		zx.Sys_object_signal(e[0], uint32(zx.EventSignaled), 0)
		zx.Sys_object_signal(e[1], uint32(zx.EventSignaled), 0)
	}
}

func TestPortTest_CloseQueueRace(t *testing.T) {
	var p zx.Handle
	ctest.Must(t, "port_create", zx.Sys_port_create(0, &p))
	var count atomic.Uint64
	done := make(chan zx.Status, 1)
	go func() {
		st := zx.OK
		for st == zx.OK {
			st = zx.Sys_port_queue(p, &zx.PortPacket{Key: 1})
			runtime.Gosched() // let the closing goroutine run (see CloseWaitRace)
			if count.Add(1) == 200 {
				count.Store(0)
				for i := 0; st == zx.OK && i <= 200; i++ {
					_, st = pwait(p, zx.TimeInfinitePast)
					if st == zx.ErrTimedOut {
						st = zx.OK
						break
					}
				}
			}
		}
		done <- st
	}()
	for count.Load() == 0 {
		zx.Sys_nanosleep(0)
	}
	zx.Sys_handle_close(p)
	ctest.Want(t, "queue after close", <-done, zx.ErrBadHandle)
}

func TestPortStressTest_WaitSignalCancel(t *testing.T) {
	p, ev := rawPort(t), pEvent(t)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sleeps := []time.Duration{0, 10, 2, 0, 15, 0}
		for i := 0; !stop.Load(); i++ {
			zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled))
			if d := sleeps[i%len(sleeps)]; d > 0 {
				zx.Sys_nanosleep(soon(d))
			}
			zx.Sys_object_signal(ev, uint32(zx.EventSignaled), 0)
		}
	}()
	st := zx.OK
	for i := 0; i < 2000 && st == zx.OK; i++ {
		if st = zx.Sys_object_wait_async(ev, p, 919, zx.EventSignaled, 0); st != zx.OK {
			break
		}
		if st = zx.Sys_object_wait_one(ev, zx.EventSignaled, zx.TimeInfinite, nil); st != zx.OK {
			break
		}
		st = zx.Sys_port_cancel(p, ev, 919)
	}
	stop.Store(true)
	wg.Wait()
	ctest.Must(t, "wait_async/wait_one/cancel loop", st)
}

func TestPortStressTest_SignalCloseWait(t *testing.T) {
	p := rawPort(t)
	var stop atomic.Bool
	const signalers, drainers = 4, 4
	sres, dres := make(chan zx.Status, signalers), make(chan zx.Status, drainers)
	for s := range signalers {
		go func() {
			rng := rand.New(rand.NewPCG(4, uint64(s)))
			ev := zx.HandleInvalid
			for !stop.Load() {
				if ev == zx.HandleInvalid {
					if st := zx.Sys_event_create(0, &ev); st != zx.OK {
						sres <- st
						return
					}
					if st := zx.Sys_object_wait_async(ev, p, 0, zx.EventSignaled, 0); st != zx.OK {
						sres <- st
						return
					}
				}
				switch rng.IntN(3) {
				case 0:
					zx.Sys_nanosleep(soon(time.Millisecond))
				case 1:
					zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled))
				default:
					zx.Sys_object_signal(ev, 0, uint32(zx.EventSignaled))
					zx.Sys_handle_close(ev)
					ev = zx.HandleInvalid
				}
			}
			zx.Sys_handle_close(ev)
			sres <- zx.OK
		}()
	}
	for range drainers {
		go func() {
			for {
				out, st := pwait(p, zx.TimeInfinite)
				if st != zx.OK {
					dres <- st
					return
				}
				if out.Type == zx.PktTypeUser {
					dres <- zx.OK
					return
				}
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	stop.Store(true)
	for range drainers {
		st := zx.ErrShouldWait
		for st == zx.ErrShouldWait {
			st = zx.Sys_port_queue(p, &zx.PortPacket{Type: zx.PktTypeUser})
		}
		ctest.Must(t, "port_queue(stop)", st)
	}
	for range drainers {
		ctest.Must(t, "drainer", <-dres)
	}
	for range signalers {
		ctest.Must(t, "signaler", <-sres)
	}
}

func TestPortStressTest_CloseWaitRace(t *testing.T) {
	ev := pEvent(t)
	var port atomic.Uint32
	var stop atomic.Bool
	const waiters = 4
	res := make(chan zx.Status, waiters+1)
	for range waiters {
		go func() {
			for !stop.Load() {
				st := zx.Sys_object_wait_async(ev, zx.Handle(port.Load()), 0, zx.EventSignaled, 0)
				// Goroutines, not threads: yield, or a spinning racer can hold
				// the P (a spinning loop of raw syscalls is not preempted here).
				runtime.Gosched()
				if st != zx.OK && st != zx.ErrBadHandle {
					res <- st
					return
				}
			}
			res <- zx.OK
		}()
	}
	go func() {
		for !stop.Load() {
			var p zx.Handle
			if st := zx.Sys_port_create(0, &p); st != zx.OK {
				res <- st
				return
			}
			port.Store(uint32(p))
			zx.Sys_nanosleep(soon(time.Millisecond))
			port.Store(uint32(zx.HandleInvalid))
			if st := zx.Sys_handle_close(p); st != zx.OK {
				res <- st
				return
			}
		}
		res <- zx.OK
	}()
	end := soon(100 * time.Millisecond)
	for zx.Sys_clock_get_monotonic() < end {
		zx.Sys_nanosleep(soon(time.Millisecond))
	}
	stop.Store(true)
	for range waiters + 1 {
		select {
		case st := <-res:
			ctest.Must(t, "racer", st)
		case <-time.After(5 * time.Second):
			t.Fatalf("a racer hangs; port value %#x", port.Load())
		}
	}
}
