package zxsys

import (
	"beryl/kernel/object"
	"beryl/kernel/proc"
)

func (d *Dispatcher) sysCprngDrawOnce(c Caller, buffer UserPtr, size uint64) object.Status {
	if size > object.CprngDrawMaxLen {
		return object.ErrInvalidArgs
	}
	if size == 0 {
		return object.OK
	}
	if st := probeOut(c, buffer, size); st != object.OK {
		return st
	}
	b := make([]byte, size)
	proc.FillRandom(b)
	return copyOut(c, buffer, b)
}

func (d *Dispatcher) sysCprngAddEntropy(c Caller, buffer UserPtr, size uint64) object.Status {
	if size > object.CprngAddEntropyMaxLen {
		return object.ErrInvalidArgs
	}
	b, st := copyIn(c, buffer, size)
	if st != object.OK {
		return st
	}
	proc.AddEntropy(b)
	return object.OK
}
