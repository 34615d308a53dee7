package interrupt

import (
	"encoding/binary"
	"testing"

	"beryl/userspace/zx"
)

// The port of Zircon's core-tests interrupt/interrupt-test.cc
// (TEST_F(InterruptTest, ...)); the VCPU cases are not applicable (no
// hypervisor). WaitThreadFunctionsAfterSuspendResume is in suspend_test.go.

const (
	signaledTimeStamp1 = zx.Time(12345)
	signaledTimeStamp2 = zx.Time(67890)
	coreKey            = 789
	// interruptSlotUser is ZX_INTERRUPT_SLOT_USER, not an option.
	interruptSlotUser = 62
)

func newPort(t *testing.T, options uint32) zx.Handle {
	t.Helper()
	var p zx.Handle
	must(t, "port_create", zx.Sys_port_create(options, &p))
	t.Cleanup(func() { zx.Sys_handle_close(p) })
	return p
}

func irqTimestamp(p *zx.PortPacket) zx.Time {
	return zx.Time(binary.LittleEndian.Uint64(p.Payload[:8]))
}

func waitPacket(t *testing.T, port zx.Handle, ts zx.Time) zx.PortPacket {
	t.Helper()
	var out zx.PortPacket
	must(t, "port_wait", zx.Sys_port_wait(port, zx.TimeInfinite, &out))
	if got := irqTimestamp(&out); got != ts {
		t.Fatalf("packet timestamp %d, want %d", got, ts)
	}
	return out
}

func TestInterruptTest_NonBindablePort(t *testing.T) {
	irq := rootVirtual(t)
	port := newPort(t, 0)
	want(t, "bind to a port without BIND_TO_INTERRUPT", zx.Sys_interrupt_bind(irq, port, coreKey, 0), zx.ErrWrongType)
}

// TestInterruptTest_BindTriggeredIrqToPorts: an interrupt triggered
// before it is bound delivers its packet when bound (the later
// BindTriggeredIrqToPort).
func TestInterruptTest_BindTriggeredIrqToPorts(t *testing.T) {
	irq := rootVirtual(t)
	port := newPort(t, zx.PortBindToInterrupt)
	must(t, "trigger", zx.Sys_interrupt_trigger(irq, 0, signaledTimeStamp1))
	must(t, "bind", zx.Sys_interrupt_bind(irq, port, coreKey, 0))
	waitPacket(t, port, signaledTimeStamp1)
}

func TestInterruptTest_BindPort(t *testing.T) {
	irq := rootVirtual(t)
	port := newPort(t, zx.PortBindToInterrupt)
	must(t, "bind", zx.Sys_interrupt_bind(irq, port, coreKey, 0))
	must(t, "trigger", zx.Sys_interrupt_trigger(irq, 0, signaledTimeStamp1))
	waitPacket(t, port, signaledTimeStamp1)

	// A second trigger before the ack: the ack delivers it.
	must(t, "trigger", zx.Sys_interrupt_trigger(irq, 0, signaledTimeStamp1))
	must(t, "ack", zx.Sys_interrupt_ack(irq))
	out := waitPacket(t, port, signaledTimeStamp1)
	if out.Key != coreKey || out.Type != zx.PktTypeInterrupt || out.Status != zx.OK {
		t.Errorf("packet key %d type %d status %v", out.Key, out.Type, out.Status)
	}
	must(t, "ack", zx.Sys_interrupt_ack(irq))

	// Two triggers: the second timestamp is kept and delivered after the ack.
	must(t, "trigger 1", zx.Sys_interrupt_trigger(irq, 0, signaledTimeStamp1))
	must(t, "trigger 2", zx.Sys_interrupt_trigger(irq, 0, signaledTimeStamp2))
	waitPacket(t, port, signaledTimeStamp1)
	must(t, "ack", zx.Sys_interrupt_ack(irq))
	waitPacket(t, port, signaledTimeStamp2)

	// The packet was read but the interrupt not re-armed.
	want(t, "destroy", zx.Sys_interrupt_destroy(irq), zx.ErrNotFound)
	want(t, "ack after destroy", zx.Sys_interrupt_ack(irq), zx.ErrCanceled)
	want(t, "trigger after destroy", zx.Sys_interrupt_trigger(irq, 0, signaledTimeStamp1), zx.ErrCanceled)
}

func TestInterruptTest_UnBindPort(t *testing.T) {
	irq := rootVirtual(t)
	port := newPort(t, zx.PortBindToInterrupt)
	must(t, "bind", zx.Sys_interrupt_bind(irq, port, coreKey, zx.InterruptBind))
	must(t, "trigger", zx.Sys_interrupt_trigger(irq, 0, signaledTimeStamp1))
	waitPacket(t, port, signaledTimeStamp1)

	want(t, "bind(options 2)", zx.Sys_interrupt_bind(irq, port, 0, 2), zx.ErrInvalidArgs)
	port2 := newPort(t, zx.PortBindToInterrupt)
	want(t, "unbind from another port", zx.Sys_interrupt_bind(irq, port2, 0, zx.InterruptUnbind), zx.ErrNotFound)
	must(t, "unbind", zx.Sys_interrupt_bind(irq, port, 0, zx.InterruptUnbind))
	must(t, "trigger after unbind", zx.Sys_interrupt_trigger(irq, 0, signaledTimeStamp1))
	var out zx.PortPacket
	want(t, "port_wait after unbind", zx.Sys_port_wait(port, zx.Sys_deadline_after(10_000_000), &out), zx.ErrTimedOut)

	// Trigger, then unbind: the queued packet is taken back.
	must(t, "bind again", zx.Sys_interrupt_bind(irq, port, coreKey, zx.InterruptBind))
	must(t, "trigger", zx.Sys_interrupt_trigger(irq, 0, signaledTimeStamp1))
	must(t, "unbind", zx.Sys_interrupt_bind(irq, port, 0, zx.InterruptUnbind))
	want(t, "port_wait after unbind", zx.Sys_port_wait(port, zx.Sys_deadline_after(10_000_000), &out), zx.ErrTimedOut)

	// Unbind after destroy.
	must(t, "bind again", zx.Sys_interrupt_bind(irq, port, coreKey, zx.InterruptBind))
	want(t, "destroy", zx.Sys_interrupt_destroy(irq), zx.ErrNotFound)
	want(t, "unbind after destroy", zx.Sys_interrupt_bind(irq, port, 0, zx.InterruptUnbind), zx.ErrCanceled)
}

func TestInterruptTest_VirtualInterrupts(t *testing.T) {
	r := root(t)
	var irq, cancelled zx.Handle
	want(t, "create(SLOT_USER)", zx.Sys_interrupt_create(r, 0, interruptSlotUser, &irq), zx.ErrInvalidArgs)
	irq = rootVirtual(t)
	cancelled = rootVirtual(t)
	must(t, "destroy", zx.Sys_interrupt_destroy(cancelled))
	want(t, "trigger destroyed", zx.Sys_interrupt_trigger(cancelled, 0, signaledTimeStamp1), zx.ErrCanceled)
	must(t, "trigger", zx.Sys_interrupt_trigger(irq, 0, signaledTimeStamp1))
	var ts zx.Time
	want(t, "wait destroyed", zx.Sys_interrupt_wait(cancelled, &ts), zx.ErrCanceled)
	must(t, "wait", zx.Sys_interrupt_wait(irq, &ts))
	if ts != signaledTimeStamp1 {
		t.Errorf("timestamp %d, want %d", ts, signaledTimeStamp1)
	}
	must(t, "trigger", zx.Sys_interrupt_trigger(irq, 0, signaledTimeStamp1))
	must(t, "wait", zx.Sys_interrupt_wait(irq, &ts))
}

func TestInterruptTest_NullOutputTimestamp(t *testing.T) {
	irq := rootVirtual(t)
	must(t, "trigger", zx.Sys_interrupt_trigger(irq, 0, signaledTimeStamp1))
	must(t, "wait(NULL)", zx.Sys_interrupt_wait(irq, nil))
}

// rootVirtual is the original's virtual interrupt, made from the root
// resource (which ZX_INTERRUPT_VIRTUAL does not need).
func rootVirtual(t *testing.T) zx.Handle {
	t.Helper()
	var h zx.Handle
	must(t, "interrupt_create(root, VIRTUAL)", zx.Sys_interrupt_create(root(t), 0, zx.InterruptVirtual, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}
