// Package ioports is the conformance family for x86 port I/O from ring
// 3, run inside Beryl: zx_ioports_request / zx_ioports_release through
// IOPORT resources, real IN/OUT on the CMOS RTC (ports 0x70-0x71) and
// its interrupt (GSI 8) delivered to an interrupt object, and the
// per-process I/O permission bitmap: a port never requested, released,
// or requested by another process faults only the process using it.
package ioports

import (
	"os"
	"testing"
	"time"

	"beryl/arch/x86/uio"
	"beryl/userspace/launch"
	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

const (
	rtcIndex = 0x70
	rtcData  = 0x71
	rtcGSI   = 8
)

func root(t *testing.T) zx.Handle {
	t.Helper()
	if relaunch.RootResource == zx.HandleInvalid {
		t.Fatal("no root resource (PA_RESOURCE): init passes it to the conformance families")
	}
	return relaunch.RootResource
}

func ioResource(t *testing.T, base, n uint64) zx.Handle {
	t.Helper()
	var h zx.Handle
	must(t, "resource_create(IOPORT)", zx.Sys_resource_create(root(t), zx.ResourceKindIOPort, base, uint(n), nil, 0, &h))
	t.Cleanup(func() { zx.Sys_handle_close(h) })
	return h
}

func cmos(reg uint8) uint8 {
	uio.Outb(rtcIndex, reg)
	return uio.Inb(rtcData)
}

// TestRequestAndUse: with the RTC's ports requested through a narrow
// IOPORT resource, IN/OUT reach the device (register A holds QEMU's
// 32.768 kHz divider and 1024 Hz rate, 0x26; the seconds count in BCD).
func TestRequestAndUse(t *testing.T) {
	r := ioResource(t, rtcIndex, 2)
	must(t, "ioports_request", zx.Sys_ioports_request(r, rtcIndex, 2))
	defer zx.Sys_ioports_release(r, rtcIndex, 2)
	if a := cmos(0x0a) & 0x7f; a != 0x26 {
		t.Errorf("RTC register A = %#x, want 0x26", a)
	}
	if s := cmos(0x00); s&0x0f > 9 || s>>4 > 5 {
		t.Errorf("RTC seconds %#x not BCD < 60", s)
	}
}

// TestRequestErrors: the resource's gate, kind and range; the kernel's
// own ports; ranges past port 0xFFFF.
func TestRequestErrors(t *testing.T) {
	for _, f := range []struct {
		name string
		call func(zx.Handle, uint32, uint32) zx.Status
	}{{"request", zx.Sys_ioports_request}, {"release", zx.Sys_ioports_release}} {
		want(t, f.name+"(invalid)", f.call(zx.HandleInvalid, rtcIndex, 2), zx.ErrBadHandle)
		want(t, f.name+"(event)", f.call(newEvent(t), rtcIndex, 2), zx.ErrWrongType)
		var mmio zx.Handle
		must(t, "resource_create(MMIO)", zx.Sys_resource_create(root(t), zx.ResourceKindMMIO, 0xd000_0000, 0x1000, nil, 0, &mmio))
		want(t, f.name+"(MMIO resource)", f.call(mmio, rtcIndex, 2), zx.ErrWrongType)
		zx.Sys_handle_close(mmio)
		r := ioResource(t, rtcIndex, 2)
		want(t, f.name+"(beyond the resource)", f.call(r, rtcIndex, 3), zx.ErrOutOfRange)
		want(t, f.name+"(other ports)", f.call(r, 0x80, 1), zx.ErrOutOfRange)
		want(t, f.name+"(past 0xFFFF)", f.call(root(t), 0xfff0, 0x20), zx.ErrInvalidArgs)
	}
	for _, c := range []struct {
		what    string
		base, n uint32
	}{{"COM1", 0x3f8, 8}, {"COM1 LSR", 0x3fd, 1}, {"PIC", 0x20, 2}, {"PIT", 0x40, 4}, {"i8042", 0x60, 1}, {"debug exit", 0xf4, 1}} {
		want(t, "request("+c.what+")", zx.Sys_ioports_request(root(t), c.base, c.n), zx.ErrAccessDenied)
	}
	must(t, "request 0 ports", zx.Sys_ioports_request(root(t), 0x80, 0))
}

// TestRTCInterrupt: the RTC's periodic interrupt (GSI 8), programmed
// through the requested ports, reaches an interrupt object bound to a
// port, once per ack.
func TestRTCInterrupt(t *testing.T) {
	r := ioResource(t, rtcIndex, 2)
	must(t, "ioports_request", zx.Sys_ioports_request(r, rtcIndex, 2))
	defer zx.Sys_ioports_release(r, rtcIndex, 2)
	var irq, intr, port zx.Handle
	must(t, "resource_create(IRQ)", zx.Sys_resource_create(root(t), zx.ResourceKindIRQ, rtcGSI, 1, nil, 0, &irq))
	defer zx.Sys_handle_close(irq)
	must(t, "interrupt_create(GSI 8)", zx.Sys_interrupt_create(irq, rtcGSI, zx.InterruptModeEdgeHigh, &intr))
	defer zx.Sys_handle_close(intr)
	must(t, "port_create", zx.Sys_port_create(zx.PortBindToInterrupt, &port))
	defer zx.Sys_handle_close(port)
	must(t, "interrupt_bind", zx.Sys_interrupt_bind(intr, port, 8, zx.InterruptBind))
	// Rate 15 (2 Hz... here 0x2F: 32.768 kHz, 2 Hz), periodic interrupt on.
	uio.Outb(rtcIndex, 0x0a)
	uio.Outb(rtcData, 0x2f)
	b := cmos(0x0b)
	uio.Outb(rtcIndex, 0x0b)
	uio.Outb(rtcData, b|0x40)
	cmos(0x0c) // clear pending flags so the next period raises the line
	defer func() {
		uio.Outb(rtcIndex, 0x0b)
		uio.Outb(rtcData, b&^0x40)
		uio.Outb(rtcIndex, 0x0a)
		uio.Outb(rtcData, 0x26)
		cmos(0x0c)
	}()
	start := zx.Sys_clock_get_monotonic()
	for i := 0; i < 2; i++ {
		var pk zx.PortPacket
		must(t, "port_wait(RTC interrupt)", zx.Sys_port_wait(port, zx.Time(zx.Sys_clock_get_monotonic())+zx.Time(10*time.Second), &pk))
		if pk.Type != zx.PktTypeInterrupt || pk.Key != 8 {
			t.Fatalf("packet type %d key %d", pk.Type, pk.Key)
		}
		if c := cmos(0x0c); c&0x40 == 0 {
			t.Errorf("register C %#x: no periodic flag", c)
		}
		must(t, "interrupt_ack", zx.Sys_interrupt_ack(intr))
	}
	if d := time.Duration(zx.Sys_clock_get_monotonic() - start); d < 200*time.Millisecond {
		t.Errorf("two 2 Hz periods in %v", d)
	}
}

// TestFaults: a worker process IN-ing a port it did not request, one it
// released, or one its parent requested dies; the parent goes on.
func TestFaults(t *testing.T) {
	r := ioResource(t, rtcIndex, 2)
	must(t, "ioports_request (parent)", zx.Sys_ioports_request(r, rtcIndex, 2))
	defer zx.Sys_ioports_release(r, rtcIndex, 2)
	for _, mode := range []string{"unrequested", "released", "requested"} {
		var h zx.Handle
		must(t, "dup", zx.Sys_handle_duplicate(r, zx.RightSameRights, &h))
		p, err := launch.Start(relaunch.SelfImage(t), launch.Config{Argv: []string{os.Args[0], mode}, Env: relaunch.Environ(mode),
			Handles: []launch.Handle{{Type: zx.PAUser0, Handle: h}}})
		if err != nil {
			t.Fatal(err)
		}
		code, err := p.Wait()
		p.Close()
		switch {
		case err != nil:
			t.Errorf("%s: %v", mode, err)
		case mode == "requested" && code != 0:
			t.Errorf("%s: worker exited with %d, want 0", mode, code)
		case mode != "requested" && (code == 0 || code == 5):
			t.Errorf("%s: worker exited with %d: the IN did not fault", mode, code)
		}
	}
	cmos(0x0a) // the parent still has its ports
}

func worker(mode string) int {
	r, ok := zx.TakeStartupHandle(zx.PAUser0)
	if !ok {
		return 3
	}
	switch mode {
	case "released":
		if zx.Sys_ioports_request(r, rtcIndex, 2) != zx.OK || zx.Sys_ioports_release(r, rtcIndex, 2) != zx.OK {
			return 4
		}
	case "requested":
		if zx.Sys_ioports_request(r, rtcIndex, 2) != zx.OK {
			return 4
		}
		cmos(0x0a)
		return 0
	}
	cmos(0x0a) // faults
	return 5
}

// TestMain takes the root resource init passes on, or runs the worker.
func TestMain(m *testing.M) {
	relaunch.Main(m, "BERYL_IOPORTS_WORKER", worker)
}
