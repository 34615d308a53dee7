package zxsys

import "beryl/kernel/object"

// PowerOps are the machine's reboot and power-off paths; boot/kmain
// builds them into the Dispatcher (they need ACPI and port I/O). Each
// returns only when the machine could not be reset or powered off.
type PowerOps struct {
	Reboot   func()
	PowerOff func()
}

// sysSystemPowerctl follows Zircon's system_powerctl: the resource is
// checked first (the root resource or the system resource of
// ZX_RSRC_SYSTEM_POWER_BASE), then the command.
func (d *Dispatcher) sysSystemPowerctl(c Caller, resource object.Handle, cmd uint32, arg UserPtr) object.Status {
	if st := requireSystemResource(c, resource, object.ResourceSystemPowerBase); st != object.OK {
		return st
	}
	ops := &d.Power
	switch cmd {
	case object.SystemPowerctlReboot, object.SystemPowerctlRebootBootloader, object.SystemPowerctlRebootRecovery:
		if ops.Reboot == nil {
			return object.ErrNotSupported
		}
		ops.Reboot()
		return object.ErrNotSupported
	case object.SystemPowerctlShutdown:
		return powerOff(ops)
	case object.SystemPowerctlACPITransitionSState:
		if arg == 0 {
			return object.ErrInvalidArgs
		}
		b, st := copyIn(c, arg, object.SystemPowerctlArgSize)
		if st != object.OK {
			return object.ErrInvalidArgs
		}
		if b[0] != 5 {
			return object.ErrNotSupported
		}
		return powerOff(ops)
	case object.SystemPowerctlEnableAllCPUs, object.SystemPowerctlDisableAllCPUsButPrimary, object.SystemPowerctlX86SetPkgPL1:
		return object.ErrNotSupported
	case object.SystemPowerctlAckKernelInitiatedReboot:
		return object.ErrBadState
	}
	return object.ErrInvalidArgs
}

func powerOff(ops *PowerOps) object.Status {
	if ops.PowerOff == nil {
		return object.ErrNotSupported
	}
	ops.PowerOff()
	return object.ErrNotSupported
}
