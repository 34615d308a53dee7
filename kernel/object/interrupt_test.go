package object

import (
	"encoding/binary"
	"testing"
	"time"
)

type fakeLine struct{ masked, unregistered int }

func (l *fakeLine) Mask()       { l.masked++ }
func (l *fakeLine) Unmask()     { l.masked-- }
func (l *fakeLine) Unregister() { l.unregistered++ }

func TestInterruptVirtualWait(t *testing.T) {
	i := NewInterrupt(nil, false, InterruptVirtual, 0)
	defer i.Release()
	wantStatus(t, "trigger", i.Trigger(5), OK)
	wantStatus(t, "trigger again", i.Trigger(9), OK)
	ts, st := i.Wait(nil)
	if st != OK || ts != 5 {
		t.Fatalf("wait %v %d", st, ts)
	}
	done := make(chan Status)
	go func() {
		ts, st := i.Wait(nil)
		if st == OK && ts != 7 {
			st = ErrInternal
		}
		done <- st
	}()
	waitIntrState(i, intrWaiting)
	wantStatus(t, "bind while waiting", i.Bind(NewPort(PortBindToInterrupt), 1, InterruptBind), ErrBadState)
	i.Trigger(7)
	wantStatus(t, "woken", <-done, OK)
	go func() { _, st := i.Wait(nil); done <- st }()
	waitIntrState(i, intrWaiting)
	wantStatus(t, "destroy", i.Destroy(), OK)
	wantStatus(t, "waiter after destroy", <-done, ErrCanceled)
	_, st = i.Wait(nil)
	wantStatus(t, "wait after destroy", st, ErrCanceled)
	wantStatus(t, "trigger after destroy", i.Trigger(1), ErrCanceled)
	wantStatus(t, "destroy again", i.Destroy(), OK)
	wantStatus(t, "bind after destroy", i.Bind(NewPort(PortBindToInterrupt), 1, InterruptBind), ErrCanceled)
	killed := make(chan struct{})
	k := NewInterrupt(nil, false, InterruptVirtual, 0)
	defer k.Release()
	close(killed)
	_, st = k.Wait(killed)
	wantStatus(t, "killed", st, ErrInternalIntrKilled)
}

func TestInterruptPortAndLevelLine(t *testing.T) {
	line := &fakeLine{}
	i := NewInterrupt(nil, false, 0, 9)
	i.SetLine(line, true)
	wantStatus(t, "trigger hardware", i.Trigger(1), ErrBadState)
	wantStatus(t, "ack unbound", i.Ack(), ErrBadState)
	pt := NewPort(PortBindToInterrupt)
	defer pt.Release()
	wantStatus(t, "bind", i.Bind(pt, 42, InterruptBind), OK)
	wantStatus(t, "bind again", i.Bind(pt, 42, InterruptBind), ErrAlreadyBound)
	_, st := i.Wait(nil)
	wantStatus(t, "wait bound", st, ErrBadState)
	i.Fire(100)
	i.Fire(200) // masked meanwhile on hardware; no second packet
	if line.masked != 1 {
		t.Errorf("masked %d after a level fire", line.masked)
	}
	pk, st := pt.Wait(TimeInfinite)
	if st != OK || pk.Key != 42 || pk.Type != PktTypeInterrupt || binary.LittleEndian.Uint64(pk.Payload[:]) != 100 {
		t.Fatalf("packet %+v %v", pk, st)
	}
	if pt.QueuedPackets() != 0 {
		t.Errorf("%d packets queued", pt.QueuedPackets())
	}
	// The fire at 200 came before the ack: the ack delivers it.
	wantStatus(t, "ack", i.Ack(), OK)
	pk, st = pt.Wait(TimeInfinite)
	if st != OK || binary.LittleEndian.Uint64(pk.Payload[:]) != 200 {
		t.Fatalf("second packet %+v %v", pk, st)
	}
	wantStatus(t, "ack 2", i.Ack(), OK)
	wantStatus(t, "unbind other port", i.Bind(NewPort(PortBindToInterrupt), 0, InterruptUnbind), ErrNotFound)
	i.Fire(300)
	wantStatus(t, "unbind", i.Bind(pt, 0, InterruptUnbind), OK)
	if pt.QueuedPackets() != 0 {
		t.Error("unbind left the packet")
	}
	// The unbind kept NEEDACK (as Zircon): the fire at 400 is recorded
	// and the ack delivers it.
	wantStatus(t, "rebind", i.Bind(pt, 7, InterruptBind), OK)
	i.Fire(400)
	if pt.QueuedPackets() != 0 {
		t.Error("a fire before the ack queued a packet")
	}
	wantStatus(t, "ack after rebind", i.Ack(), OK)
	pt.Wait(TimeInfinite)
	wantStatus(t, "destroy with packet read, not acked", i.Destroy(), ErrNotFound)
	if line.unregistered != 1 {
		t.Errorf("unregistered %d", line.unregistered)
	}
	wantStatus(t, "ack destroyed", i.Ack(), ErrCanceled)
	wantStatus(t, "unbind destroyed", i.Bind(pt, 0, InterruptUnbind), ErrCanceled)
	i.Release()
}

func TestInterruptZeroHandles(t *testing.T) {
	e := newEnv(t)
	line := &fakeLine{}
	i := NewInterrupt(nil, false, 0, 3)
	i.SetLine(line, false)
	pt := NewPort(PortBindToInterrupt)
	defer pt.Release()
	i.Bind(pt, 1, InterruptBind)
	i.Fire(5)
	if pt.QueuedPackets() != 1 {
		t.Fatal("no packet")
	}
	h, st := e.p.Install(i, DefaultInterruptRights)
	wantStatus(t, "install", st, OK)
	wantStatus(t, "close", HandleClose(e.p, h), OK)
	if line.unregistered != 1 || pt.QueuedPackets() != 0 {
		t.Errorf("after the last handle: unregistered %d, %d packets", line.unregistered, pt.QueuedPackets())
	}
	if i.Virtual() || i.Vector() != 3 {
		t.Error("accessors")
	}
}

// TestInterruptBindTriggered: binding an interrupt that is already
// triggered queues its packet at once (Zircon's Bind), and a wait token
// is not left behind.
func TestInterruptBindTriggered(t *testing.T) {
	i := NewInterrupt(nil, false, InterruptVirtual, 0)
	defer i.Release()
	wantStatus(t, "trigger", i.Trigger(12345), OK)
	pt := NewPort(PortBindToInterrupt)
	defer pt.Release()
	wantStatus(t, "bind", i.Bind(pt, 789, InterruptBind), OK)
	if pt.QueuedPackets() != 1 {
		t.Fatalf("%d packets queued after binding a triggered interrupt", pt.QueuedPackets())
	}
	pk, st := pt.Wait(TimeInfinite)
	if st != OK || pk.Key != 789 || binary.LittleEndian.Uint64(pk.Payload[:]) != 12345 {
		t.Fatalf("packet %+v %v", pk, st)
	}
	wantStatus(t, "ack", i.Ack(), OK)
	wantStatus(t, "unbind", i.Bind(pt, 0, InterruptUnbind), OK)
	select {
	case <-i.ev:
		t.Error("a wait token was left behind")
	default:
	}
}

// waitIntrState waits until i is in state (a waiter has blocked), rather
// than sleeping a fixed time that a loaded host may not honour.
func waitIntrState(i *Interrupt, state int) {
	for {
		i.mu.Lock()
		s := i.state
		i.mu.Unlock()
		if s == state {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
