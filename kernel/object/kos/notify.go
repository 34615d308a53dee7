package kos

import (
	"encoding/binary"

	"beryl/kernel/object"
)

// notifier queues kos notifications on a port (nil: none).
type notifier struct {
	port *object.Port
	key  uint64
}

// newNotifier resolves port (HandleInvalid: no notifications; otherwise a
// port with ZX_RIGHT_WRITE) and holds a reference to it.
func newNotifier(p *object.Process, port object.Handle, key uint64) (notifier, object.Status) {
	if port == object.HandleInvalid {
		return notifier{}, object.OK
	}
	obj, st := lookup(p, port, object.ObjTypePort, object.RightWrite)
	if st != object.OK {
		return notifier{}, st
	}
	return notifier{port: obj.(*object.Port), key: key}, object.OK
}

func (n *notifier) send(typ uint32, context uint64, koid object.Koid) {
	if n.port == nil {
		return
	}
	pk := object.PortPacket{Key: n.key, Type: typ}
	binary.LittleEndian.PutUint64(pk.Payload[0:], context)
	binary.LittleEndian.PutUint64(pk.Payload[8:], uint64(koid))
	n.port.QueueKernel(pk)
}

func (n *notifier) release() {
	if n.port != nil {
		n.port.Release()
		n.port = nil
	}
}
