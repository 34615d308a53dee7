package zxsys

import "beryl/kernel/object"

func (d *Dispatcher) sysPortCreate(c Caller, options uint32, out UserPtr) object.Status {
	if st := probeOut(c, out, 4); st != object.OK {
		return st
	}
	h, st := object.PortCreate(c.Process(), options)
	return out1(c, h, st, out)
}

func (d *Dispatcher) sysPortQueue(c Caller, h object.Handle, packet UserPtr) object.Status {
	// The handle before the packet's copy, as Zircon's sys_port_queue.
	if _, st := gate(c.Process(), h, object.ObjTypePort, object.RightWrite); st != object.OK {
		return st
	}
	var b [object.PortPacketSize]byte
	if c.CopyIn(b[:], uint64(packet)) != object.OK {
		return object.ErrInvalidArgs
	}
	return object.PortQueue(c.Process(), h, object.DecodePortPacket(&b))
}

func (d *Dispatcher) sysPortWait(c Caller, h object.Handle, deadline object.Time, packet UserPtr) object.Status {
	if st := probeOut(c, packet, object.PortPacketSize); st != object.OK {
		return st
	}
	pk, st := object.PortWaitKillable(c.Process(), h, deadline, c.Killed())
	if st != object.OK {
		return st
	}
	var b [object.PortPacketSize]byte
	pk.Encode(&b)
	return copyOut(c, packet, b[:])
}

func (d *Dispatcher) sysPortCancel(c Caller, h, source object.Handle, key uint64) object.Status {
	return object.PortCancel(c.Process(), h, source, key)
}
