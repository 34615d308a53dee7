package kmain

import (
	"sync"
	"sync/atomic"

	"beryl/arch/x86"
	"beryl/kernel/object"
	"beryl/kernel/rt"
	"beryl/mm/kmem"
)

// Interrupt lines of userspace drivers: an interrupt object over a GSI
// routes the GSI's I/O APIC pin to its vector and a goroutine turns each
// interrupt (counted by the trap path, rt.WaitIRQ) into Interrupt.Fire.
// A level-triggered line is masked by the trap path when it fires
// (rt.SetIRQMaskOnFire) and unmasked by the driver's next wait or ack.

// gsiLine is one claimed GSI.
type gsiLine struct {
	gsi   uint32
	io    *x86.IOAPIC
	pin   uint32
	intr  *object.Interrupt
	stop  atomic.Bool
	level bool
}

var (
	gsiMu     sync.Mutex
	gsiOwners [rt.NumIRQs]*gsiLine // guarded by gsiMu
)

// ioapicFor returns the I/O APIC holding gsi and its pin.
//
//go:nosplit
func ioapicFor(gsi uint32) (*x86.IOAPIC, uint32) {
	for i := range Boot.IOAPICs {
		a := &Boot.IOAPICs[i]
		if gsi >= a.GSIBase && gsi < a.GSIBase+a.Pins {
			return a, gsi - a.GSIBase
		}
	}
	return nil, 0
}

// maskGSI is rt.MaskGSI. Trap path: nosplit, no allocation.
//
//go:nosplit
func maskGSI(gsi uint32) {
	if a, pin := ioapicFor(gsi); a != nil {
		a.Mask(pin)
	}
}

// gsiMode decides a line's polarity and trigger: the mode asked for, or
// by default the MADT's override for an ISA IRQ (GSI < 16, else ISA's
// active-high edge), and PCI's active-low level above.
func gsiMode(gsi, mode uint32) (activeLow, level bool, st object.Status) {
	switch mode {
	case object.InterruptModeEdgeLow:
		return true, false, object.OK
	case object.InterruptModeEdgeHigh:
		return false, false, object.OK
	case object.InterruptModeLevelLow:
		return true, true, object.OK
	case object.InterruptModeLevelHigh:
		return false, true, object.OK
	case object.InterruptModeDefault:
	default:
		return false, false, object.ErrNotSupported
	}
	if gsi >= 16 {
		return true, true, object.OK
	}
	if m := Boot.MADT; m != nil {
		for _, o := range m.Overrides {
			if o.GSI == gsi {
				return o.ActiveLow, o.Level, object.OK
			}
		}
	}
	return false, false, object.OK
}

// newGSILine is IRQOps.GSILine.
func newGSILine(gsi, mode uint32, intr *object.Interrupt) (object.InterruptLine, bool, object.Status) {
	a, pin := ioapicFor(gsi)
	if a == nil || gsi >= rt.NumIRQs {
		return nil, false, object.ErrInvalidArgs
	}
	activeLow, level, st := gsiMode(gsi, mode)
	if st != object.OK {
		return nil, false, st
	}
	if object.ResourceRangeReserved(object.ResourceKindIRQ, uint64(gsi), 1) {
		return nil, false, object.ErrAlreadyBound
	}
	gsiMu.Lock()
	defer gsiMu.Unlock()
	if gsiOwners[gsi] != nil {
		return nil, false, object.ErrAlreadyBound
	}
	l := &gsiLine{gsi: gsi, io: a, pin: pin, intr: intr, level: level}
	gsiOwners[gsi] = l
	rt.MaskGSI = maskGSI
	rt.SetIRQMaskOnFire(gsi, level)
	go l.run(rt.IRQCount(gsi))
	f := kmem.Lock()
	a.Route(pin, uint8(rt.VectorIRQBase+gsi), x86.Local.ID(), activeLow, level)
	kmem.Unlock(f)
	return l, level, object.OK
}

// run turns the GSI's interrupts into fires until the line is released.
func (l *gsiLine) run(seen uint32) {
	for {
		seen = rt.WaitIRQ(l.gsi, seen)
		if l.stop.Load() {
			return
		}
		l.intr.Fire(object.Now())
	}
}

func (l *gsiLine) Mask() {
	f := kmem.Lock()
	l.io.Mask(l.pin)
	kmem.Unlock(f)
}

func (l *gsiLine) Unmask() {
	f := kmem.Lock()
	l.io.Unmask(l.pin)
	kmem.Unlock(f)
}

func (l *gsiLine) Unregister() {
	l.Mask()
	rt.SetIRQMaskOnFire(l.gsi, false)
	l.stop.Store(true)
	rt.KickIRQ(l.gsi)
	gsiMu.Lock()
	if gsiOwners[l.gsi] == l {
		gsiOwners[l.gsi] = nil
	}
	gsiMu.Unlock()
}
