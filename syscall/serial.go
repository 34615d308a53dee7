package zxsys

import "beryl/kernel/object"

// The kernel serial console calls, debug_write and debug_read. Beryl's
// serial syscalls are output-only (Zircon's
// kernel.enable-serial-syscalls=output-only): nothing in user space may
// take the console's input from the kernel shell.

// maxDebugWrite is Zircon's kMaxDebugWriteSize: longer writes are cut.
const maxDebugWrite = 256

// sysDebugWrite follows Zircon's sys_debug_write: the length is cut to
// 256 bytes, an unreadable buffer is ZX_ERR_INVALID_ARGS. The bytes go
// through the debuglog, which the kernel console prints (Zircon's
// dlog_serial_write arbitrates with the debuglog drainer the same way).
func (d *Dispatcher) sysDebugWrite(c Caller, buffer UserPtr, size uint64) object.Status {
	data, st := copyIn(c, buffer, min(size, maxDebugWrite))
	if st != object.OK {
		return object.ErrInvalidArgs
	}
	if len(data) > 0 {
		object.DebuglogWrite(c.Process().Koid(), c.ThreadKoid(), object.LogInfo, 0, data)
	}
	return object.OK
}

// sysDebugRead follows Zircon's sys_debug_read, whose first check is the
// serial state: anything but fully enabled is ZX_ERR_NOT_SUPPORTED,
// before the resource is looked at.
func (d *Dispatcher) sysDebugRead(c Caller, h object.Handle, buffer UserPtr, size uint64, actual UserPtr) object.Status {
	return object.ErrNotSupported
}
