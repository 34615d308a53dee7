// Package interrupt is the conformance family for interrupt objects, run
// inside Beryl (Zircon's core-tests interrupt/): virtual interrupts
// (trigger, wait, timestamps, destroy → CANCELED), port binding
// (ZX_PKT_TYPE_INTERRUPT packets, ack, unbind), hardware GSI lines
// (resources, exclusive claims, the kernel's own lines, release by a
// dying driver), and every documented error.
package interrupt

import (
	"encoding/binary"
	"os"
	"testing"
	"time"

	"beryl/userspace/launch"
	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

func root(t *testing.T) zx.Handle {
	t.Helper()
	if relaunch.RootResource == zx.HandleInvalid {
		t.Fatal("no root resource (PA_RESOURCE): init passes it to the conformance families")
	}
	return relaunch.RootResource
}

// freeGSI is an ISA line QEMU's pc and q35 machines leave unconnected.
const freeGSI = 10

func virtual(t *testing.T) zx.Handle {
	t.Helper()
	var h zx.Handle
	must(t, "interrupt_create(VIRTUAL)", zx.Sys_interrupt_create(zx.HandleInvalid, 0, zx.InterruptVirtual, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func gsi(t *testing.T, r zx.Handle, n, options uint32) (zx.Handle, zx.Status) {
	t.Helper()
	var h zx.Handle
	st := zx.Sys_interrupt_create(r, n, options, &h)
	if st == zx.OK {
		t.Cleanup(func() { zx.Sys_handle_close(h) })
	}
	return h, st
}

func bindPort(t *testing.T) zx.Handle {
	t.Helper()
	var p zx.Handle
	must(t, "port_create(BIND_TO_INTERRUPT)", zx.Sys_port_create(zx.PortBindToInterrupt, &p))
	t.Cleanup(func() { zx.Sys_handle_close(p) })
	return p
}

// TestVirtualTriggerWait: the first trigger's timestamp is reported; a
// wait blocks until a trigger from another goroutine.
func TestVirtualTriggerWait(t *testing.T) {
	h := virtual(t)
	if b := basic(t, h); b.Type != zx.ObjTypeInterrupt || b.Rights != zx.RightTransfer|zx.RightDuplicate|zx.RightWait|zx.RightInspect|zx.RightRead|zx.RightWrite|zx.RightSignal {
		t.Errorf("type %d rights %#x", b.Type, b.Rights)
	}
	must(t, "trigger", zx.Sys_interrupt_trigger(h, 0, 1234))
	must(t, "trigger again", zx.Sys_interrupt_trigger(h, 0, 5678))
	var ts zx.Time
	must(t, "wait", zx.Sys_interrupt_wait(h, &ts))
	if ts != 1234 {
		t.Errorf("timestamp %d, want the first trigger's 1234", ts)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		zx.Sys_interrupt_trigger(h, 0, 99)
	}()
	must(t, "wait (blocking)", zx.Sys_interrupt_wait(h, &ts))
	if ts != 99 {
		t.Errorf("timestamp %d", ts)
	}
	go func() {
		time.Sleep(10 * time.Millisecond)
		zx.Sys_interrupt_trigger(h, 0, 1)
	}()
	must(t, "wait (NULL timestamp)", zx.Sys_interrupt_wait(h, nil))
}

// TestWaitAfterDestroy: destroying wakes a waiter with CANCELED; later
// waits, triggers, acks and binds are CANCELED too.
func TestWaitAfterDestroy(t *testing.T) {
	h := virtual(t)
	done := make(chan zx.Status)
	go func() { done <- zx.Sys_interrupt_wait(h, nil) }()
	time.Sleep(20 * time.Millisecond)
	must(t, "destroy", zx.Sys_interrupt_destroy(h))
	want(t, "waiter", <-done, zx.ErrCanceled)
	want(t, "wait after destroy", zx.Sys_interrupt_wait(h, nil), zx.ErrCanceled)
	want(t, "trigger after destroy", zx.Sys_interrupt_trigger(h, 0, 1), zx.ErrCanceled)
	want(t, "bind after destroy", zx.Sys_interrupt_bind(h, bindPort(t), 0, zx.InterruptBind), zx.ErrCanceled)
	want(t, "destroy again", zx.Sys_interrupt_destroy(h), zx.OK)
}

func interruptPacket(t *testing.T, port zx.Handle, key uint64, ts zx.Time) {
	t.Helper()
	var pk zx.PortPacket
	must(t, "port_wait", zx.Sys_port_wait(port, zx.Time(zx.Sys_clock_get_monotonic())+zx.Time(5*time.Second), &pk))
	if pk.Key != key || pk.Type != zx.PktTypeInterrupt || pk.Status != zx.OK {
		t.Errorf("packet key %d type %d status %d", pk.Key, pk.Type, pk.Status)
	}
	if got := zx.Time(binary.LittleEndian.Uint64(pk.Payload[:])); got != ts {
		t.Errorf("packet timestamp %d, want %d", got, ts)
	}
}

// TestBindPort: a bound interrupt queues one packet per fire and waits for
// ack; a trigger before the ack is delivered by the ack; unbind drops it.
func TestBindPort(t *testing.T) {
	h := virtual(t)
	port := bindPort(t)
	must(t, "bind", zx.Sys_interrupt_bind(h, port, 77, zx.InterruptBind))
	want(t, "bind again", zx.Sys_interrupt_bind(h, port, 77, zx.InterruptBind), zx.ErrAlreadyBound)
	want(t, "wait while bound", zx.Sys_interrupt_wait(h, nil), zx.ErrBadState)
	must(t, "trigger", zx.Sys_interrupt_trigger(h, 0, 10))
	interruptPacket(t, port, 77, 10)
	must(t, "trigger before ack", zx.Sys_interrupt_trigger(h, 0, 20))
	var pk zx.PortPacket
	want(t, "no second packet before ack", zx.Sys_port_wait(port, 0, &pk), zx.ErrTimedOut)
	must(t, "ack", zx.Sys_interrupt_ack(h))
	interruptPacket(t, port, 77, 20)
	must(t, "ack", zx.Sys_interrupt_ack(h))
	must(t, "trigger", zx.Sys_interrupt_trigger(h, 0, 30))
	want(t, "unbind from another port", zx.Sys_interrupt_bind(h, bindPort(t), 0, zx.InterruptUnbind), zx.ErrNotFound)
	must(t, "unbind", zx.Sys_interrupt_bind(h, port, 0, zx.InterruptUnbind))
	want(t, "packet gone after unbind", zx.Sys_port_wait(port, 0, &pk), zx.ErrTimedOut)
	want(t, "ack unbound", zx.Sys_interrupt_ack(h), zx.ErrBadState)
	must(t, "trigger unbound", zx.Sys_interrupt_trigger(h, 0, 40))
	var ts zx.Time
	must(t, "wait after unbind", zx.Sys_interrupt_wait(h, &ts))
}

// TestDestroyBound: destroying removes a queued packet (OK); with the
// packet read but not acked it is NOT_FOUND.
func TestDestroyBound(t *testing.T) {
	h := virtual(t)
	port := bindPort(t)
	must(t, "bind", zx.Sys_interrupt_bind(h, port, 1, zx.InterruptBind))
	must(t, "trigger", zx.Sys_interrupt_trigger(h, 0, 1))
	must(t, "destroy with queued packet", zx.Sys_interrupt_destroy(h))
	var pk zx.PortPacket
	want(t, "packet removed", zx.Sys_port_wait(port, 0, &pk), zx.ErrTimedOut)
	want(t, "ack destroyed", zx.Sys_interrupt_ack(h), zx.ErrCanceled)
	h2 := virtual(t)
	must(t, "bind", zx.Sys_interrupt_bind(h2, port, 2, zx.InterruptBind))
	must(t, "trigger", zx.Sys_interrupt_trigger(h2, 0, 1))
	interruptPacket(t, port, 2, 1)
	want(t, "destroy, packet read, not acked", zx.Sys_interrupt_destroy(h2), zx.ErrNotFound)
}

// TestHandleErrors: BAD_HANDLE, WRONG_TYPE and missing rights for every
// interrupt call, in Zircon's order.
func TestHandleErrors(t *testing.T) {
	ev := newEvent(t)
	h := virtual(t)
	port := bindPort(t)
	for _, c := range []struct {
		what string
		call func(zx.Handle) zx.Status
		need zx.Rights
	}{
		{"wait", func(x zx.Handle) zx.Status { return zx.Sys_interrupt_wait(x, nil) }, zx.RightWait},
		{"ack", func(x zx.Handle) zx.Status { return zx.Sys_interrupt_ack(x) }, zx.RightWrite},
		{"trigger", func(x zx.Handle) zx.Status { return zx.Sys_interrupt_trigger(x, 0, 1) }, zx.RightSignal},
		{"bind", func(x zx.Handle) zx.Status { return zx.Sys_interrupt_bind(x, port, 0, zx.InterruptBind) }, zx.RightRead},
		{"destroy", func(x zx.Handle) zx.Status { return zx.Sys_interrupt_destroy(x) }, 0},
	} {
		want(t, c.what+"(invalid)", c.call(zx.HandleInvalid), zx.ErrBadHandle)
		want(t, c.what+"(event)", c.call(ev), zx.ErrWrongType)
		if c.need != 0 {
			all := zx.RightTransfer | zx.RightDuplicate | zx.RightWait | zx.RightInspect | zx.RightRead | zx.RightWrite | zx.RightSignal
			want(t, c.what+"(missing right)", c.call(reduced(t, h, all&^c.need)), zx.ErrAccessDenied)
		}
	}
	var plain zx.Handle
	must(t, "port_create", zx.Sys_port_create(0, &plain))
	defer zx.Sys_handle_close(plain)
	want(t, "bind(port without BIND_TO_INTERRUPT)", zx.Sys_interrupt_bind(h, plain, 0, zx.InterruptBind), zx.ErrWrongType)
	want(t, "bind(event as port)", zx.Sys_interrupt_bind(h, ev, 0, zx.InterruptBind), zx.ErrWrongType)
	want(t, "bind(port without WRITE)", zx.Sys_interrupt_bind(h, reduced(t, port, zx.RightRead|zx.RightTransfer), 0, zx.InterruptBind), zx.ErrAccessDenied)
	want(t, "bind(options 2)", zx.Sys_interrupt_bind(h, port, 0, 2), zx.ErrInvalidArgs)
	want(t, "trigger(options 1)", zx.Sys_interrupt_trigger(h, 1, 0), zx.ErrInvalidArgs)
	for _, b := range badAddrs(t, 4, true) {
		if b.Addr == 0 {
			continue // out_timestamp is optional
		}
		must(t, "trigger", zx.Sys_interrupt_trigger(h, 0, 1))
		want(t, "wait(timestamp "+b.Name+")", zx.Sys_interrupt_wait(h, (*zx.Time)(ptr(b.Addr))), zx.ErrInvalidArgs)
	}
}

// TestCreateErrors: options, resources, out pointers.
func TestCreateErrors(t *testing.T) {
	r := root(t)
	var h zx.Handle
	want(t, "unknown option", zx.Sys_interrupt_create(zx.HandleInvalid, 0, zx.InterruptVirtual|0x100, &h), zx.ErrInvalidArgs)
	want(t, "virtual with mode", zx.Sys_interrupt_create(zx.HandleInvalid, 0, zx.InterruptVirtual|zx.InterruptModeLevelHigh, &h), zx.ErrInvalidArgs)
	want(t, "hardware, invalid resource", zx.Sys_interrupt_create(zx.HandleInvalid, freeGSI, 0, &h), zx.ErrBadHandle)
	// sys_interrupt_create validates the resource before the options.
	want(t, "hardware, invalid resource, unknown option", zx.Sys_interrupt_create(zx.HandleInvalid, freeGSI, 0x100, &h), zx.ErrBadHandle)
	want(t, "hardware, event", zx.Sys_interrupt_create(newEvent(t), freeGSI, 0, &h), zx.ErrWrongType)
	var mmio, irq zx.Handle
	must(t, "resource_create(MMIO)", zx.Sys_resource_create(r, zx.ResourceKindMMIO, 0xd000_0000, 0x1000, nil, 0, &mmio))
	defer zx.Sys_handle_close(mmio)
	want(t, "hardware, MMIO resource", zx.Sys_interrupt_create(mmio, freeGSI, 0, &h), zx.ErrWrongType)
	must(t, "resource_create(IRQ)", zx.Sys_resource_create(r, zx.ResourceKindIRQ, freeGSI+1, 1, nil, 0, &irq))
	defer zx.Sys_handle_close(irq)
	want(t, "hardware, other GSI's resource", zx.Sys_interrupt_create(irq, freeGSI, 0, &h), zx.ErrOutOfRange)
	want(t, "edge-both", zx.Sys_interrupt_create(r, freeGSI, zx.InterruptModeEdgeBoth, &h), zx.ErrNotSupported)
	want(t, "GSI without a vector", zx.Sys_interrupt_create(r, 200, 0, &h), zx.ErrInvalidArgs)
	want(t, "the console's GSI 4", zx.Sys_interrupt_create(r, 4, 0, &h), zx.ErrAlreadyBound)
	bad := badAddrs(t, 4, true)
	before := handleCount(t)
	for _, b := range bad {
		want(t, "create(out "+b.Name+")", zx.Sys_interrupt_create(zx.HandleInvalid, 0, zx.InterruptVirtual, (*zx.Handle)(ptr(b.Addr))), zx.ErrInvalidArgs)
	}
	if n := handleCount(t); n != before {
		t.Errorf("handles %d -> %d", before, n)
	}
}

// TestHardwareLine: a GSI through a narrow IRQ resource; the line is
// exclusive until destroyed or its last handle closes; a hardware
// interrupt cannot be triggered.
func TestHardwareLine(t *testing.T) {
	r := root(t)
	var irq zx.Handle
	must(t, "resource_create(IRQ)", zx.Sys_resource_create(r, zx.ResourceKindIRQ, freeGSI, 1, nil, 0, &irq))
	defer zx.Sys_handle_close(irq)
	h, st := gsi(t, irq, freeGSI, zx.InterruptModeLevelHigh)
	must(t, "interrupt_create(GSI)", st)
	want(t, "trigger hardware", zx.Sys_interrupt_trigger(h, 0, 1), zx.ErrBadState)
	_, st = gsi(t, r, freeGSI, 0)
	want(t, "second claim", st, zx.ErrAlreadyBound)
	must(t, "destroy", zx.Sys_interrupt_destroy(h))
	h2, st := gsi(t, r, freeGSI, 0)
	must(t, "claim after destroy", st)
	zx.Sys_handle_close(h2)
	_, st = gsi(t, r, freeGSI, zx.InterruptModeEdgeHigh)
	must(t, "claim after close", st)
}

// TestDeadDriverReleasesLine: a driver process that claims a line and
// exits without closing it frees the line.
func TestDeadDriverReleasesLine(t *testing.T) {
	r := root(t)
	var irq zx.Handle
	must(t, "resource_create(IRQ)", zx.Sys_resource_create(r, zx.ResourceKindIRQ, freeGSI+1, 1, nil, 0, &irq))
	p, err := launch.Start(relaunch.SelfImage(t), launch.Config{Argv: []string{os.Args[0], "claim"}, Env: relaunch.Environ("claim"),
		Handles: []launch.Handle{{Type: zx.PAResource, Handle: irq}}})
	if err != nil {
		t.Fatal(err)
	}
	code, err := p.Wait()
	p.Close()
	if err != nil || code != 0 {
		t.Fatalf("driver: code %d %v", code, err)
	}
	var h zx.Handle
	var st zx.Status
	for i := 0; i < 100; i++ { // the dead process's handles close as it is torn down
		if st = zx.Sys_interrupt_create(r, freeGSI+1, 0, &h); st != zx.ErrAlreadyBound {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	must(t, "claim after the driver died", st)
	zx.Sys_handle_close(h)
}

// claim is the driver worker: it claims GSI freeGSI+1 with the IRQ
// resource it was given and exits holding it.
func claim() int {
	res, ok := zx.TakeStartupHandle(zx.PAResource)
	if !ok {
		return 3
	}
	var h zx.Handle
	if zx.Sys_interrupt_create(res, freeGSI+1, 0, &h) != zx.OK {
		return 4
	}
	return 0
}

// TestMain takes the root resource init passes on, or runs the worker.
func TestMain(m *testing.M) {
	relaunch.Main(m, "BERYL_INTERRUPT_WORKER", func(mode string) int {
		if mode == "claim" {
			return claim()
		}
		return 2
	})
}
