package zxsys

import "beryl/kernel/object"

// The interrupt family (Zircon's ddk.cc / interrupt.cc): interrupt
// objects over I/O APIC lines, MSI vectors and virtual lines.

// IRQOps are the machine's interrupt lines; boot/kmain builds them.
type IRQOps struct {
	// GSILine claims global system interrupt gsi with the
	// ZX_INTERRUPT_MODE_* in mode for intr, which it fires. It returns
	// the line and whether it is level-triggered. Errors: INVALID_ARGS
	// (no such GSI), ALREADY_BOUND (held by another interrupt or the
	// kernel), NOT_SUPPORTED (mode).
	GSILine func(gsi, mode uint32, intr *object.Interrupt) (object.InterruptLine, bool, object.Status)
	// AllocMSI takes count (a power of two, at most 32) consecutive MSI
	// vectors: their first index, the message address and the data of the
	// first, and the function that frees them. Errors: INVALID_ARGS
	// (count), NO_RESOURCES (no such block free).
	AllocMSI func(count uint32) (base uint32, addr uint64, data uint32, free func(), st object.Status)
	// MSILine programs vector id of m into the device's MSI capability
	// (msix false) or MSI-X table (msix true) at physical address regPA
	// and returns the line, which holds a reference to m until
	// Unregister. ram: the registers are RAM (a contiguous VMO's pages,
	// which the caller keeps until Unregister). INVALID_ARGS: not an MSI
	// capability.
	MSILine func(m *object.MSI, id uint32, msix bool, regPA uint64, ram bool, intr *object.Interrupt) (object.InterruptLine, object.Status)
}

const interruptOptions = object.InterruptRemapIRQ | object.InterruptModeMask | object.InterruptVirtual | object.InterruptTimestampMono

func (d *Dispatcher) sysInterruptCreate(c Caller, src object.Handle, srcNum, options uint32, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	// A hardware interrupt's resource is validated before the options
	// (Zircon's sys_interrupt_create; the dispatchers check them).
	if options&object.InterruptVirtual == 0 {
		if st := lookupRangedResource(c, src, object.ResourceKindIRQ, uint64(srcNum), 1); st != object.OK {
			return st
		}
	}
	if options&^interruptOptions != 0 {
		return object.ErrInvalidArgs
	}
	var intr *object.Interrupt
	if options&object.InterruptVirtual != 0 {
		if options&^(object.InterruptVirtual|object.InterruptTimestampMono) != 0 {
			return object.ErrInvalidArgs
		}
		intr = object.NewInterrupt(nil, false, options, 0)
	} else {
		if d.IRQ.GSILine == nil {
			return object.ErrNotSupported
		}
		intr = object.NewInterrupt(nil, false, options, srcNum)
		line, level, st := d.IRQ.GSILine(srcNum, options&object.InterruptModeMask, intr)
		if st != object.OK {
			intr.Release()
			return st
		}
		intr.SetLine(line, level)
	}
	h, st := c.Process().Install(intr, object.DefaultInterruptRights)
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysInterruptWait(c Caller, h object.Handle, outTimestamp UserPtr) object.Status {
	if st := probeOpt(c, outTimestamp, 8); st != object.OK {
		return st
	}
	intr, _, st := lookupAs[*object.Interrupt](c, h, object.ObjTypeInterrupt, object.RightWait)
	if st != object.OK {
		return st
	}
	defer intr.Release()
	ts, st := intr.Wait(c.Killed())
	if st != object.OK || outTimestamp == 0 {
		return st
	}
	var b [8]byte
	le.PutUint64(b[:], uint64(ts))
	return copyOut(c, outTimestamp, b[:])
}

func (d *Dispatcher) sysInterruptDestroy(c Caller, h object.Handle) object.Status {
	intr, _, st := lookupAs[*object.Interrupt](c, h, object.ObjTypeInterrupt, object.RightNone)
	if st != object.OK {
		return st
	}
	defer intr.Release()
	return intr.Destroy()
}

func (d *Dispatcher) sysInterruptAck(c Caller, h object.Handle) object.Status {
	intr, _, st := lookupAs[*object.Interrupt](c, h, object.ObjTypeInterrupt, object.RightWrite)
	if st != object.OK {
		return st
	}
	defer intr.Release()
	return intr.Ack()
}

func (d *Dispatcher) sysInterruptTrigger(c Caller, h object.Handle, options uint32, ts object.Time) object.Status {
	intr, _, st := lookupAs[*object.Interrupt](c, h, object.ObjTypeInterrupt, object.RightSignal)
	if st != object.OK {
		return st
	}
	defer intr.Release()
	if options != 0 {
		return object.ErrInvalidArgs
	}
	return intr.Trigger(ts)
}

func (d *Dispatcher) sysInterruptBind(c Caller, h, port object.Handle, key uint64, options uint32) object.Status {
	intr, _, st := lookupAs[*object.Interrupt](c, h, object.ObjTypeInterrupt, object.RightRead)
	if st != object.OK {
		return st
	}
	defer intr.Release()
	pt, _, st := lookupAs[*object.Port](c, port, object.ObjTypePort, object.RightWrite)
	if st != object.OK {
		return st
	}
	defer pt.Release()
	if !pt.CanBindInterrupts() {
		return object.ErrWrongType
	}
	if options != object.InterruptBind && options != object.InterruptUnbind {
		return object.ErrInvalidArgs
	}
	return intr.Bind(pt, key, options)
}
